package http

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"sluice/config"
	"sluice/proto/prototest"
)

// TestConfigSnippet resolves policies from a real ecelerity.conf snippet with
// Peer scopes and checks the access order and limits they produce.
func TestConfigSnippet(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("ops:pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
HTTP_Listener {
  Enable_Authentication = true
  AuthPlainParameters = [ URI = "file://%s" ]
  Listen "127.0.0.1:8081" {
    Max_Request_Size = 100
    Peer "10.0.0.0/8" { Always_Allow = true }
    Peer "10.1.0.0/16" { Always_Deny = true }
    Peer "192.0.2.0/24" { Disable_Chunked = true Always_Allow = true }
  }
}
`, users)
	c, err := config.Parse("test.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	l := c.FindListen("HTTP_Listener", "127.0.0.1:8081")
	if l == nil {
		t.Fatal("listen not found")
	}
	f := testFactory()
	req := func(peer, in string) int {
		a := netip.MustParseAddr(peer)
		p := c.Resolve(l, config.PeerChain(l, netip.PrefixFrom(a, 32)))
		h := prototest.NewHost()
		s := f.NewSession(prototest.Conn("HTTP_Listener", "127.0.0.1:8081", peer+":5000", p), h)
		res, err := prototest.Run(s, h, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		return one(t, res.Out).StatusCode
	}
	summary := "GET /stats/summary HTTP/1.1\r\nHost: x\r\n\r\n"
	chunkedPost := "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	for _, tc := range []struct {
		peer, in string
		code     int
	}{
		{"10.2.3.4", summary, 200},    // Always_Allow
		{"10.1.2.3", summary, 403},    // more specific Always_Deny
		{"203.0.113.9", summary, 401}, // no Peer: authentication
		{"203.0.113.9", "GET /stats/summary HTTP/1.1\r\nHost: x\r\n" + basic("ops", "pw") + "\r\n", 200},
		{"10.2.3.4", post("/api/v1/messages", rawMsg+rawMsg, envHdrs...), 413}, // Listen's Max_Request_Size
		{"192.0.2.1", chunkedPost, 411}, // Peer's Disable_Chunked
		{"10.2.3.4", chunkedPost, 400},  // chunked allowed; empty body
	} {
		if got := req(tc.peer, tc.in); got != tc.code {
			t.Errorf("%s %.30q: %d, want %d", tc.peer, tc.in, got, tc.code)
		}
	}
	p := c.ListenPolicy(l)
	if p.Duration("idle_time").Seconds() != 300 {
		t.Errorf("default Idle_Time %v", p.Duration("idle_time"))
	}
}
