package ecstream

import (
	"encoding/hex"
	"strings"
	"testing"

	"sluice/proto/prototest"
)

// The example conversation of docs/ecstream.md §9, byte for byte.
const (
	docClient = `00000009 02 454353545245414d 01
		0000001c 03 00000000 00000001 0003 614062 0001 0003 634064 00000004 68690d0a
		00000000 07`
	docServer = `00000016 01 454353545245414d 01 01 02000000 00002710 0000012c
		00000016 04 00000000 00000001 00 00fa 0009 4d53474944303030
		31 00000004 06 02 627965`
)

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocExample(t *testing.T) {
	s, h := newSession(policy())
	res, err := prototest.Run(s, h, unhex(t, docClient))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(res.Out), hex.EncodeToString(unhex(t, docServer)); got != want {
		t.Fatalf("server bytes\n got %s\nwant %s", got, want)
	}
	m := h.Submitted[0]
	if len(h.Submitted) != 1 || m.Sender != "a@b" || m.Recipients[0] != "c@d" || string(m.Data) != "hi\r\n" {
		t.Fatalf("%+v", h.Submitted)
	}
}
