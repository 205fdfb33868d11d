// Package ecstream is the server side of sluice's ECStream protocol: a
// compact, versioned, pipelined and batch-acknowledged injection protocol
// (docs/ecstream.md; the codec is in proto/ecstream/wire).
//
// A session is a pure proto.Session state machine: greeting, then Hello,
// then any number of Batch frames, each answered by exactly one Reply frame
// in order. A Batch is copied out of the engine's input as it arrives (so a
// large frame never sits unconsumed) and decoded only once complete: a
// malformed, oversized or truncated frame therefore submits nothing; the
// session answers it with an Error frame and closes.
//
// Invariants:
//   - every message of a complete, well-formed Batch is either rejected
//     locally (permanent failure) or handed to Host.Submit, all in one Feed
//     call, so the engine can commit the whole batch in one group commit;
//   - the Reply frame is written only after the last Resume of the batch, and
//     a message is answered "accepted" only if its Result.Err was nil;
//   - after a reload (Host.Generation() != ConnInfo.Generation) or during
//     shutdown, the in-flight batch (its header already read) is finished and
//     answered, then a Notice(reconnect) is sent and the connection closed.
//
// Concurrency: a session is used by one worker goroutine only; a Factory is
// immutable and shared.
//
// Buffer lifetimes: the batch payload buffer, the envelope string and the
// Message/recipient arrays belong to the session and are reused for the next
// batch only after every Resume of the current one (the proto contract gives
// the engine the *Message until Resume). Sender and recipient strings of one
// batch share one immutable string allocated per batch; they are never
// modified, so the engine may keep them.
package ecstream

import (
	"log/slog"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/ecstream/wire"
)

// Defaults and bounds.
const (
	// DefaultMaxFrame is the largest Batch payload accepted when
	// Max_Message_Size does not ask for more.
	DefaultMaxFrame = 32 << 20
	// FrameOverhead is added to Max_Message_Size to derive the frame limit,
	// so one message of the maximum size always fits in a frame.
	FrameOverhead = 64 << 10
	// MaxFrameCeiling caps any derived frame limit (uint32 length field, and
	// memory per connection).
	MaxFrameCeiling = 1 << 30
	// DefaultMaxBatch is ECStream_Max_Batch_Size's default.
	DefaultMaxBatch = 10000
	// DefaultIdle is ECStream_Idle_Time's default.
	DefaultIdle = 300 * time.Second
	// keepBuffer: a batch buffer larger than this is released after use, so
	// an idle connection does not pin a huge batch's memory.
	keepBuffer = 1 << 20
)

// Protocol is the Message.Protocol of every message received here.
const Protocol = "ecstream"

// FactoryOptions is what the daemon gives the ECStream factory.
type FactoryOptions struct {
	// Logger receives protocol errors at Info level (as Momentum logs them).
	// nil discards them.
	Logger *slog.Logger
	// MaxFrame overrides DefaultMaxFrame (tests); 0 keeps the default.
	MaxFrame int
	// Messages counts each message against Inbound_Throttle_Messages; nil =
	// no message-rate limit.
	Messages proto.MessageLimiter
	// Pressure fails messages temporarily (452) while on (pressure.go).
	Pressure proto.Pressure
}

// Factory creates ECStream sessions. It is immutable and safe for
// concurrent use.
type Factory struct {
	log      *slog.Logger
	maxFrame int
	msgs     proto.MessageLimiter
	pressure proto.Pressure
}

// NewFactory returns a factory for ECStream_Listener connections.
func NewFactory(o FactoryOptions) *Factory {
	f := &Factory{log: o.Logger, maxFrame: o.MaxFrame, msgs: o.Messages, pressure: o.Pressure}
	if f.maxFrame <= 0 || f.maxFrame > MaxFrameCeiling {
		f.maxFrame = DefaultMaxFrame
	}
	return f
}

// limits are the per-session numbers read once from the policy.
type limits struct {
	maxFrame uint32
	maxBatch uint32
	maxMsg   int64 // 0: none
	idle     time.Duration
}

func (f *Factory) limits(p *config.Policy) limits {
	l := limits{maxFrame: uint32(f.maxFrame), maxBatch: DefaultMaxBatch, idle: DefaultIdle}
	if v, ok := p.Value("ecstream_max_batch_size"); ok && v.Int > 0 {
		l.maxBatch = uint32(min(v.Int, 1<<24))
	}
	if v, ok := p.Value("ecstream_idle_time"); ok {
		l.idle = max(v.Dur, 0)
	}
	if m := p.Int("max_message_size"); m > 0 {
		l.maxMsg = m
		if need := m + FrameOverhead; need > int64(l.maxFrame) {
			l.maxFrame = uint32(min(need, MaxFrameCeiling))
		}
	}
	return l
}

// NewSession implements proto.Factory.
func (f *Factory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	return &session{f: f, c: c, h: h, lim: f.limits(c.Policy)}
}

// Refuse implements proto.Factory: the client reads an Error frame where it
// expected the greeting.
func (f *Factory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	switch why {
	case proto.RefuseACL:
		return wire.AppendError(out, CodeDenied, "5.7.1 access denied")
	case proto.RefuseShutdown:
		return wire.AppendError(out, CodeUnavailable, "4.3.2 shutting down")
	case proto.RefuseRate:
		return refuseRate(c, out)
	}
	return wire.AppendError(out, CodeUnavailable, "4.4.5 service unavailable, concurrency limit reached")
}

// Codes used in Error frames and Reply items (SMTP-like: 2xx accepted,
// 4xx temporary, 5xx permanent).
const (
	CodeAccepted    = 250
	CodeUnavailable = 421 // refused at accept
	CodeSpool       = 451 // spool commit failed: retry
	CodeMalformed   = 500 // malformed frame or unknown type
	CodeSequence    = 503 // Hello expected / repeated
	CodeVersion     = 505 // unsupported version
	CodeTooBig      = 552 // frame or message too large
	CodeBadAddress  = 553 // sender or recipient not acceptable
	CodeDenied      = 554 // ACL
	CodeNoRcpt      = 554 // message without recipients
	CodeBatchSize   = 554 // more messages than ECStream_Max_Batch_Size
)
