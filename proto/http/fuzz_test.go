package http

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"sluice/config"

	"sluice/proto/prototest"
)

// FuzzRequestStream feeds arbitrary request streams. The session must not
// panic, must never keep more than proto.MaxUnconsumed unconsumed (the
// driver checks), must answer the same however the stream is split, and a
// truncated stream may only submit a prefix of what the whole stream
// submits: a message is never submitted from a partial request.
func FuzzRequestStream(f *testing.F) {
	f.Add([]byte(pipeline()), uint16(100))
	f.Add([]byte(post("/api/v1/messages", rawMsg, envHdrs...)), uint16(7))
	f.Add([]byte("POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"+
		envHdrs[0]+envHdrs[1]+"\r\n"+chunked(rawMsg, 9)), uint16(90))
	f.Add([]byte(post("/v1.0/inject", `{"template":"Subject: <%= :a %>\n\nx","recipients":[{"to":"a@b.c","from":"d@e.f","keys":{"A":1}}]}`)), uint16(3))
	f.Add([]byte(post("/api/v1/transmissions", `{"recipients":[{"address":"a@b.c"}],"content":{"from":"d@e.f","text":"t","html":"h"}}`)), uint16(50))
	f.Add([]byte("GET /healthz HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\n\r\n"), uint16(0))
	f.Add([]byte("POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"), uint16(40))
	users := filepath.Join(f.TempDir(), "users")
	if err := os.WriteFile(users, []byte("u:p\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	// The low bits of split pick a listener policy, so limits, Disable_Chunked
	// and every access mode are fuzzed too.
	pols := []*config.Policy{
		testPolicy(opts{"max_request_size": intV(4096)}),
		testPolicy(opts{"max_request_size": intV(64), "disable_chunked": boolV(true)}),
		authPolicy(users, nil),
		testPolicy(opts{"always_deny": boolV(true)}),
	}
	fac := testFactory()
	f.Add([]byte("GET /stats/summary HTTP/1.1\r\nHost: x\r\n"+basic("u", "p")+"\r\n"), uint16(2))
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		pol := pols[split%4]
		split /= 4
		s, h := mk(fac, pol)()
		whole, err := prototest.Run(s, h, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(in) < 2 {
			return
		}
		cut := 1 + int(split)%(len(in)-1)
		s2, h2 := mk(fac, pol)()
		got, err := prototest.Run(s2, h2, in[:cut], in[cut:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Out, whole.Out) {
			t.Fatalf("split at %d: output differs\n got %q\nwant %q", cut, got.Out, whole.Out)
		}
		if err := prototest.SameMessages(h2.Submitted, h.Submitted); err != nil {
			t.Fatalf("split at %d: %v", cut, err)
		}
		s3, h3 := mk(fac, pol)()
		if _, err := prototest.Run(s3, h3, in[:cut]); err != nil {
			t.Fatal(err)
		}
		if len(h3.Submitted) > len(h.Submitted) {
			t.Fatalf("truncated stream submitted %d messages, whole %d", len(h3.Submitted), len(h.Submitted))
		}
		if err := prototest.SameMessages(h3.Submitted, h.Submitted[:len(h3.Submitted)]); err != nil {
			t.Fatalf("truncated at %d: %v", cut, err)
		}
		for _, m := range h.Submitted {
			if m.Protocol != "http" || len(m.Data) == 0 || len(m.Recipients) == 0 {
				t.Fatalf("bad message %+v", m)
			}
		}
	})
}
