package policy

import (
	"bytes"
	"testing"
)

// FuzzDecoder: any input either decodes or errors, within MaxReply, and a
// split feed gives the same result as a whole one.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{"action=DUNNO\n\n", "action=REJECT x\nfoo=bar\n\n", "\n", "a\n", "action=OK\n\naction=x\n\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		var d Decoder
		n, r, err := d.Feed(in)
		if n > len(in) || (r != nil && err != nil) {
			t.Fatalf("n=%d r=%v err=%v", n, r, err)
		}
		if r != nil && len(r.Action) > MaxReply {
			t.Fatalf("action longer than MaxReply")
		}
		i := int(cut) % (len(in) + 1)
		var d2 Decoder
		n2, r2, err2 := d2.Feed(in[:i])
		if r2 == nil && err2 == nil {
			var k int
			k, r2, err2 = d2.Feed(in[i:])
			n2 += k
		}
		if (err == nil) != (err2 == nil) || (r == nil) != (r2 == nil) || (r != nil && r.Action != r2.Action) || (err == nil && n != n2) {
			t.Fatalf("split at %d differs: %v %v %d / %v %v %d", i, r, err, n, r2, err2, n2)
		}
	})
}

// FuzzParseAction: no panic; a parsed reject or defer has a valid code and
// a prepend header has no line break.
func FuzzParseAction(f *testing.F) {
	for _, s := range []string{"OK", "REJECT x", "DEFER_IF_PERMIT 4.2.0 y", "550 5.7.1 z", "PREPEND A: b", "HOLD", "421"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAction(s)
		if err != nil {
			return
		}
		if (d.Kind == Reject || d.Kind == Defer) && (len(d.Code) != 3 || (d.Kind == Reject) != (d.Code[0] == '5')) {
			t.Fatalf("%q: bad code in %+v", s, d)
		}
		if d.Kind == Prepend && bytes.ContainsAny([]byte(d.Text), "\r\n") {
			t.Fatalf("%q: header with a line break", s)
		}
	})
}
