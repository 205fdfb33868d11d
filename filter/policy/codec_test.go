package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestAppendRequest(t *testing.T) {
	for _, tc := range []struct {
		attrs []Attr
		want  string
	}{
		{nil, "request=smtpd_access_policy\n\n"},
		{[]Attr{{"protocol_state", "RCPT"}, {"sender", ""}},
			"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n\n"},
		{[]Attr{{"request", "x"}}, "request=x\n\n"},
		{[]Attr{{"helo_name", "a\nrecipient=evil"}}, "request=smtpd_access_policy\nhelo_name=a?recipient=evil\n\n"},
		{[]Attr{{"a=b", "c\r\x00d"}}, "request=smtpd_access_policy\na?b=c??d\n\n"},
	} {
		if got := string(AppendRequest(nil, tc.attrs)); got != tc.want {
			t.Errorf("AppendRequest(%v) = %q, want %q", tc.attrs, got, tc.want)
		}
	}
}

func TestDecoderTable(t *testing.T) {
	for _, tc := range []struct {
		in, action, err string
		n               int
	}{
		{in: "action=DUNNO\n\n", action: "DUNNO"},
		{in: "action=REJECT go away\nfoo=bar\n\n", action: "REJECT go away"},
		{in: "x=1\naction=OK\naction=REJECT\n\n", action: "OK"},
		{in: "action=\n\n", action: ""},
		{in: "action=DUNNO\n\naction=OK\n\n", action: "DUNNO", n: 14},
		{in: "\n", err: "no action"},
		{in: "foo=bar\n\n", err: "no action"},
		{in: "garbage\n", err: "without '='"},
		{in: "action=DUNNO\n", action: "-"},
		{in: "action=" + strings.Repeat("x", MaxReply), err: "longer than"},
	} {
		var d Decoder
		n, r, err := d.Feed([]byte(tc.in))
		switch {
		case tc.err != "":
			if err == nil || !errors.Is(err, ErrReply) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
		case tc.action == "-":
			if r != nil || err != nil || n != len(tc.in) {
				t.Errorf("%q: incomplete reply gave %v %v %d", tc.in, r, err, n)
			}
		default:
			if err != nil || r == nil || r.Action != tc.action {
				t.Errorf("%q: got %+v %v, want action %q", tc.in, r, err, tc.action)
			}
			want := tc.n
			if want == 0 {
				want = len(tc.in)
			}
			if n != want {
				t.Errorf("%q: consumed %d, want %d", tc.in, n, want)
			}
		}
	}
}

// decodeAll reads every reply of a stream fed in the given pieces.
func decodeAll(pieces ...[]byte) ([]string, error) {
	var d Decoder
	var got []string
	for _, p := range pieces {
		for len(p) > 0 {
			n, r, err := d.Feed(p)
			if err != nil {
				return got, err
			}
			p = p[n:]
			if r != nil {
				got = append(got, r.Action)
				d.Reset()
			}
		}
	}
	return got, nil
}

// TestDecoderSplit feeds a conversation of three replies split at every
// offset, and at every pair of offsets, and wants the same replies.
func TestDecoderSplit(t *testing.T) {
	conv := []byte("action=DEFER_IF_PERMIT Greylisted, see http://x/\n\n" +
		"action=PREPEND X-Greylist: delayed 3 seconds\nextra=1\n\n" +
		"action=DUNNO\n\n")
	want := []string{"DEFER_IF_PERMIT Greylisted, see http://x/", "PREPEND X-Greylist: delayed 3 seconds", "DUNNO"}
	check := func(got []string, err error, where string) {
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("split %s: got %q %v", where, got, err)
		}
	}
	for i := 0; i <= len(conv); i++ {
		got, err := decodeAll(conv[:i], conv[i:])
		check(got, err, string(rune('0'+i%10)))
		for j := i; j <= len(conv); j += 7 {
			got, err := decodeAll(conv[:i], conv[i:j], conv[j:])
			check(got, err, "pair")
		}
	}
	var one [][]byte
	for i := range conv {
		one = append(one, conv[i:i+1])
	}
	got, err := decodeAll(one...)
	check(got, err, "bytewise")
}
