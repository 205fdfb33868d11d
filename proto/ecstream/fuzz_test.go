package ecstream

import (
	"bytes"
	"encoding/binary"
	"testing"

	"sluice/proto"
	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

// FuzzFrames feeds arbitrary frame streams (after a Hello when the first
// byte is even), whole and split at one offset. The session must not panic,
// must behave the same at any split, must only write well-formed frames,
// must answer "accepted" exactly once per submitted message and must only
// submit whole message bodies that were length-prefixed in the input.
func FuzzFrames(f *testing.F) {
	msgs := genMsgs(3, 40)
	f.Add(cat([]byte{0}, batch(1, msgs...), batch(2), wire.AppendQuit(nil)), uint16(7))
	f.Add(cat([]byte{0}, batch(1, msgs[0]), raw(99)), uint16(3))
	f.Add(cat([]byte{1}, hello(), batch(5, msgs[1])), uint16(20))
	f.Add(cat([]byte{0}, rawBatch(1, 1, cat(be16(0), be16(1), be16(1), []byte("r"), be32(5), []byte("abc"))...)), uint16(9))
	f.Add(cat([]byte{0}, wire.AppendHeader(nil, wire.Batch, 5000)), uint16(2))
	f.Add(cat([]byte{0}, batch(1, genMsgs(9, 10)...)), uint16(100))
	f.Add(cat([]byte{0}, batch(1, tmsg{from: "<x>", to: []string{"a"}, body: "b"}, tmsg{to: []string{"a"}})), uint16(30))
	fac := NewFactory(FactoryOptions{MaxFrame: 4096})
	p := policy("ecstream_max_batch_size", intVal(8))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		if len(data) == 0 {
			return
		}
		in := data[1:]
		if data[0]%2 == 0 {
			in = cat(hello(), in)
		}
		s, h := mk(fac, p)()
		whole, err := prototest.Run(s, h, in)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, in, whole, h)
		if len(in) < 2 {
			return
		}
		at := 1 + int(split)%(len(in)-1)
		s2, h2 := mk(fac, p)()
		parts, err := prototest.Run(s2, h2, in[:at], in[at:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(parts.Out, whole.Out) || parts.Closed != whole.Closed {
			t.Fatalf("split at %d differs:\n got %q\nwant %q", at, parts.Out, whole.Out)
		}
		if err := prototest.SameMessages(h2.Submitted, h.Submitted); err != nil {
			t.Fatalf("split at %d: %v", at, err)
		}
	})
}

func checkRun(t *testing.T, in []byte, res prototest.Result, h *prototest.Host) {
	t.Helper()
	if res.Left > proto.MaxUnconsumed {
		t.Fatalf("%d bytes unconsumed", res.Left)
	}
	accepted := 0
	for _, fr := range frames(t, res.Out) {
		for _, it := range fr.items {
			if it.Status == wire.StatusAccepted {
				accepted++
			}
		}
	}
	if accepted != len(h.Submitted) {
		t.Fatalf("%d accepted replies for %d submitted messages", accepted, len(h.Submitted))
	}
	for i, m := range h.Submitted {
		if len(m.Recipients) == 0 || m.Protocol != Protocol || !lengthPrefixed(in, m.Data) {
			t.Fatalf("message %d is not a whole message of the input: %+v", i, m)
		}
	}
}

// lengthPrefixed reports whether body occurs in in right after its own
// uint32 length.
func lengthPrefixed(in, body []byte) bool {
	pat := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	pat = append(pat, body...)
	return bytes.Contains(in, pat)
}
