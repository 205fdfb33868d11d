package load

import (
	"bytes"
	"testing"
)

func TestBuildMessage(t *testing.T) {
	for size := 0; size <= 400; size++ {
		checkMessage(t, size)
	}
	checkMessage(t, 1024)
	checkMessage(t, 65536)
}

func checkMessage(t *testing.T, size int) {
	t.Helper()
	m := BuildMessage(size)
	if len(m) != max(size, 2) {
		t.Fatalf("size %d: got %d bytes", size, len(m))
	}
	if !bytes.HasSuffix(m, []byte("\r\n")) {
		t.Fatalf("size %d: no final CRLF", size)
	}
	lines := bytes.Split(m[:len(m)-2], []byte("\r\n"))
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte(".")) || len(l) > 78 || bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("size %d: bad line %q", size, l)
		}
	}
	if size >= 27 && !bytes.Contains(m, []byte("\r\n\r\n")) {
		t.Fatalf("size %d: no header/body separator", size)
	}
}
