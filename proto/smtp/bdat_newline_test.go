package smtp

import (
	"fmt"
	"strings"
	"testing"

	"sluice/proto/prototest"
)

// normalizeNL is the reference: every CRLF kept, every bare CR or LF
// becomes CRLF.
func normalizeNL(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteString("\r\n")
			i++
		case c == '\r' || c == '\n':
			b.WriteString("\r\n")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hasBare(s string) bool { return normalizeNL(s) != s }

// bdatConv sends content as BDAT chunks cut at cuts (chunk boundaries).
func bdatConv(content string, cuts []int) string {
	var b strings.Builder
	b.WriteString("EHLO c.test\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\n")
	prev := 0
	for _, c := range append(cuts, len(content)) {
		if c < prev || c > len(content) {
			continue
		}
		last := ""
		if c == len(content) {
			last = " LAST"
		}
		fmt.Fprintf(&b, "BDAT %d%s\r\n%s", c-prev, last, content[prev:c])
		prev = c
	}
	return b.String() + "NOOP\r\n"
}

// checkBDAT runs one BDAT conversation under pol and checks the stored
// message (normalize, allow) or the refusal (reject), whole and byte by byte.
func checkBDAT(t *testing.T, pol, content string, cuts []int) {
	t.Helper()
	p := policy("smtp_extensions", []string{"CHUNKING"}, "bare_newline_policy", pol)
	in := bdatConv(content, cuts)
	for _, byteWise := range []bool{false, true} {
		s, h := mk(testFactory(), p, tRemote)()
		var res prototest.Result
		var err error
		if byteWise {
			res, err = prototest.ByteAtATime(s, h, []byte(in))
		} else {
			res, err = prototest.Run(s, h, []byte(in))
		}
		if err != nil {
			t.Fatal(err)
		}
		refused := strings.Contains(string(res.Out), "550 bare CR or LF")
		switch {
		case pol == "reject" && hasBare(content):
			if !refused || len(h.Submitted) != 0 {
				t.Fatalf("%q cuts %v: not refused: %q", content, cuts, res.Out)
			}
			continue
		case refused || len(h.Submitted) != 1:
			t.Fatalf("%s %q cuts %v: %q", pol, content, cuts, res.Out)
		}
		want := content
		if pol == "normalize" {
			want = normalizeNL(content)
		}
		if got := strings.TrimPrefix(string(h.Submitted[0].Data), received("c.test", "ESMTP")); got != want {
			t.Fatalf("%s %q cuts %v: stored %q, want %q", pol, content, cuts, got, want)
		}
	}
}

// TestBDATBareNewline: BDAT content under each policy, with the chunk
// boundary at every offset (a CR ending one chunk, LF starting the next).
func TestBDATBareNewline(t *testing.T) {
	contents := []string{"S: x\r\n\r\nok\r\n", "S: x\r\n\r\na\n.\nMAIL FROM:<e@x>\r\n", "a\r.\rb", "a\r", "\n", "\r\n\r", "x\r\r\n\n"}
	for _, pol := range []string{"normalize", "reject", "allow"} {
		for _, c := range contents {
			for cut := 0; cut <= len(c); cut++ {
				checkBDAT(t, pol, c, []int{cut})
			}
		}
	}
}

// FuzzBareNewline: any content in any two chunk cuts is stored normalized
// (no bare CR/LF), refused exactly when it has one (reject), or kept.
func FuzzBareNewline(f *testing.F) {
	f.Add("a\n.\nb", uint8(2), uint8(3))
	f.Add("a\r", uint8(2), uint8(0))
	f.Add("\r\n\r\r", uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, content string, c1, c2 uint8) {
		if len(content) > 200 {
			return
		}
		cuts := []int{int(c1) % (len(content) + 1)}
		if c := int(c2) % (len(content) + 1); c >= cuts[0] {
			cuts = append(cuts, c)
		}
		for _, pol := range []string{"normalize", "reject", "allow"} {
			checkBDAT(t, pol, content, cuts)
		}
	})
}
