package metrics

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"sluice/proto"
)

// TestAuditProxy: behind a balancer the reception and reject lines name
// the client as peer and carry the PROXY description; without one they do
// not have the attribute.
func TestAuditProxy(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	c := &proto.ConnInfo{Remote: netip.MustParseAddrPort("192.0.2.7:40000"), Proxy: "via 127.0.0.1:5000 v2 192.0.2.7:40000 -> 198.51.100.1:25 alpn=smtp"}
	LogReception(l, c, "ID1", &proto.Message{Protocol: "esmtp"})
	LogReject(l, c, PhaseConnect, 554, "no")
	c.Proxy = ""
	LogReject(l, c, PhaseConnect, 554, "plain")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `peer=192.0.2.7:40000`) ||
		!strings.Contains(lines[0], `proxy="via 127.0.0.1:5000 v2`) || !strings.Contains(lines[1], "proxy=") ||
		strings.Contains(lines[2], "proxy=") {
		t.Fatalf("log:\n%s", buf.String())
	}
}
