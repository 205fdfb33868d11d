package metrics

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sluice/proto"
)

func TestRateLimitSuppressesAndReports(t *testing.T) {
	var buf bytes.Buffer
	h := RateLimit(slog.NewTextHandler(&buf, nil), 2, time.Second)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	emit := func(msg string, at time.Time) {
		r := slog.NewRecord(at, slog.LevelError, msg, 0)
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		emit("disk full", base.Add(time.Duration(i)*time.Millisecond))
	}
	emit("other", base)
	emit("disk full", base.Add(2*time.Second))
	out := buf.String()
	if got := strings.Count(out, "disk full"); got != 3 {
		t.Fatalf("want 3 disk full lines (2 + 1 after the period), got %d:\n%s", got, out)
	}
	if !strings.Contains(out, "suppressed=3") {
		t.Fatalf("the line after the period must say suppressed=3:\n%s", out)
	}
	if !strings.Contains(out, "other") {
		t.Fatal("a different message must not be limited by another's budget")
	}
}

func TestNewLoggerFormats(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger("json", "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hello", "k", 1)
	l.Debug("hidden")
	if !strings.HasPrefix(buf.String(), "{") || strings.Contains(buf.String(), "hidden") {
		t.Fatalf("json logger at info: %q", buf.String())
	}
	if _, err := NewLogger("xml", "info", &buf); err == nil {
		t.Fatal("unknown format must fail")
	}
	if _, err := NewLogger("text", "loud", &buf); err == nil {
		t.Fatal("unknown level must fail")
	}
}

func TestReceptionLinesAreNeverLimited(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(RateLimit(slog.NewJSONHandler(&buf, nil), 1, time.Hour))
	c := &proto.ConnInfo{ID: 7, Listener: "ESMTP_Listener", Listen: "127.0.0.1:25",
		Remote: netip.MustParseAddrPort("192.0.2.1:4000")}
	m := &proto.Message{Protocol: "esmtp", Sender: "a@b", Recipients: []string{"x", "y"}, Data: []byte("hello")}
	for i := 0; i < 3; i++ {
		LogReception(l, c, "id1", m)
		LogReject(l, c, PhaseReply, 550, "550 no")
	}
	out := buf.String()
	if n := strings.Count(out, `"msg":"reception"`); n != 3 {
		t.Fatalf("%d reception lines, want 3:\n%s", n, out)
	}
	if n := strings.Count(out, `"msg":"reject"`); n != 1 {
		t.Fatalf("%d reject lines, want 1 (burst 1):\n%s", n, out)
	}
	for _, w := range []string{`"id":"id1"`, `"peer":"192.0.2.1:4000"`, `"rcpts":2`, `"size":5`,
		`"sender":"a@b"`, `"listener":"ESMTP_Listener"`, `"phase":"reply"`, `"code":550`, `"conn":7`} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %s in %s", w, out)
		}
	}
}
