package proxyproto

import (
	"bytes"
	"testing"
)

// FuzzParse: never panics, n is within the input, an incomplete answer
// consumes nothing, a success is stable under re-parsing, and a TLV-free
// success re-encodes to a header that parses to the same addresses.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases() {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		if err != nil {
			if n != 0 {
				t.Fatalf("error with n=%d", n)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("n=%d of %d", n, len(b))
		}
		if n > MaxV2 {
			t.Fatalf("header of %d bytes accepted", n)
		}
		h2, n2, err2 := Parse(b[:n])
		if err2 != nil || n2 != n || h2.Src != h.Src || h2.Local != h.Local {
			t.Fatalf("re-parse of the header alone differs: %v", err2)
		}
		if h.TLV.SSL != nil && len(h.TLV.SSL.CN) > maxTLVStr || len(h.TLV.UniqueID) > maxUnique {
			t.Fatal("TLV bound broken")
		}
		var enc []byte
		if h.Version == 1 {
			enc = AppendV1(nil, &h)
		} else {
			enc = AppendV2(nil, &h, false)
		}
		h3, n3, err3 := Parse(enc)
		if err3 != nil || n3 != len(enc) || h3.Src != h.Src || h3.Dst != h.Dst || h3.Local != h.Local {
			t.Fatalf("re-encoded %q: %+v %v", enc, h3, err3)
		}
		if h.Version == 1 && !bytes.HasSuffix(b[:n], []byte("\r\n")) {
			t.Fatal("v1 header without CRLF")
		}
	})
}
