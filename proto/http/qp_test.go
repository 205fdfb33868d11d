package http

import (
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestAppendQP decodes with the standard library and checks line lengths
// and the encoded bytes.
func TestAppendQP(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "\r\n"},
		{"hi", "hi\r\n"},
		{"a=b\n", "a=3Db\r\n"},
		{"tab\tend \r\nx \n", "tab\tend=20\r\nx=20\r\n"},
		{"é", "=C3=A9\r\n"},
		{"cr\ronly", "cr\r\nonly\r\n"},
		{strings.Repeat("a", 80), strings.Repeat("a", 75) + "=\r\n" + "aaaaa\r\n"},
		{strings.Repeat("a", 76), strings.Repeat("a", 76) + "\r\n"},
		{strings.Repeat("a", 74) + "é", strings.Repeat("a", 74) + "=\r\n=C3=A9\r\n"},
	} {
		if got := string(appendQP(nil, c.in)); got != c.want {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}

func FuzzAppendQP(f *testing.F) {
	for _, s := range []string{"hello\nworld", "a = b\r\n\t \n", strings.Repeat("é=", 60), "x \r", "\x00\x7f\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendQP(nil, s)
		for _, line := range strings.Split(strings.TrimSuffix(string(enc), "\r\n"), "\r\n") {
			if len(line) > 76 {
				t.Fatalf("line of %d: %q", len(line), line)
			}
			if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
				t.Fatalf("trailing white space: %q", line)
			}
		}
		for _, c := range enc {
			if c >= 0x7f || (c < ' ' && c != '\r' && c != '\n' && c != '\t') {
				t.Fatalf("raw byte %#x in %q", c, enc)
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(enc))))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n").Replace(s)
		if !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		if string(dec) != want {
			t.Fatalf("round trip of %q: %q", s, dec)
		}
	})
}

// TestHeaderFolding: long values fold before spaces, short ones stay on a
// line, and unfolding gives the value back.
func TestHeaderFolding(t *testing.T) {
	long := strings.Repeat("word ", 40) + "end"
	for _, v := range []string{"short", long, strings.Repeat("x", 200), " leading" + long,
		"=?utf-8?b?" + strings.Repeat("QUJD", 20) + "?= =?utf-8?b?" + strings.Repeat("REVG", 20) + "?="} {
		got := string(header(nil, "Subject", v))
		for i, line := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
			body := strings.TrimSpace(line)
			if i == 0 {
				body = strings.TrimPrefix(line, "Subject: ")
			}
			if len(line) > 78 && strings.Contains(strings.TrimSpace(body), " ") {
				t.Errorf("line of %d with a space left: %q", len(line), line)
			}
		}
		if un := strings.ReplaceAll(got, "\r\n", ""); un != "Subject: "+v {
			t.Errorf("unfolded %q, want %q", un, "Subject: "+v)
		}
	}
	if got := string(header(nil, "To", "a@b")); got != "To: a@b\r\n" {
		t.Errorf("%q", got)
	}
}
