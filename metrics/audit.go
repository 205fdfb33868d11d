package metrics

import (
	"context"
	"log/slog"
	"strconv"

	"sluice/proto"
)

// Log messages of the audit lines. ReceptionMsg is never rate-limited (one
// line per accepted message is the mainlog's contract); RejectMsg is, so a
// reject flood costs at most RateLimit's burst per second plus a
// "suppressed" count.
const (
	ReceptionMsg = "reception"
	RejectMsg    = "reject"
)

// Reject phases.
const (
	PhaseConnect = "connect" // refused at accept (ACL, session cap, shutdown)
	PhaseReply   = "reply"   // a 4xx/5xx reply to a command
	PhaseData    = "data"    // the message could not be made durable
)

// LogReception writes the reception line (Momentum mainlog "R" analogue):
// time (the record's), id, protocol, peer, listener, listen, sender,
// recipient count and size; behind a balancer also "proxy" (ConnInfo.Proxy).
func LogReception(l *slog.Logger, c *proto.ConnInfo, id string, m *proto.Message) {
	if l == nil || !l.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	a := [...]slog.Attr{
		slog.String("id", id),
		slog.String("protocol", m.Protocol),
		slog.String("peer", peerOf(c)),
		slog.String("listener", c.Listener),
		slog.String("listen", c.Listen),
		slog.Uint64("conn", c.ID),
		slog.String("sender", m.Sender),
		slog.Int("rcpts", len(m.Recipients)),
		slog.Int("size", len(m.Data)),
		{}}
	l.LogAttrs(context.Background(), slog.LevelInfo, ReceptionMsg, withProxy(a[:], c)...)
}

// withProxy fills the spare last attribute with the PROXY header's
// description (balancer, TLVs) when the peer came from one, else drops it.
func withProxy(a []slog.Attr, c *proto.ConnInfo) []slog.Attr {
	if c.Proxy == "" {
		return a[:len(a)-1]
	}
	a[len(a)-1] = slog.String("proxy", c.Proxy)
	return a
}

// LogReject writes the reject line (Momentum rejectlog analogue): peer,
// local listen, connection, phase, code and text.
func LogReject(l *slog.Logger, c *proto.ConnInfo, phase string, code int, text string) {
	if l == nil || !l.Enabled(context.Background(), slog.LevelWarn) {
		return
	}
	a := [...]slog.Attr{
		slog.String("peer", peerOf(c)),
		slog.String("listener", c.Listener),
		slog.String("listen", c.Listen),
		slog.Uint64("conn", c.ID),
		slog.String("phase", phase),
		slog.Int("code", code),
		slog.String("text", text),
		{}}
	l.LogAttrs(context.Background(), slog.LevelWarn, RejectMsg, withProxy(a[:], c)...)
}

func peerOf(c *proto.ConnInfo) string {
	if c.Unix {
		return "unix:uid=" + strconv.Itoa(c.PeerUID)
	}
	return c.Remote.String()
}

// replyCode parses a leading 3-digit reply code; 0 when there is none.
func replyCode(b []byte) int {
	if len(b) < 3 || !isDigit(b[0]) || !isDigit(b[1]) || !isDigit(b[2]) {
		return 0
	}
	return int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
}

// trimLine is b up to its first CR or LF.
func trimLine(b []byte) []byte {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return b[:i]
		}
	}
	return b
}
