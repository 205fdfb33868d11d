package stat

import "sync/atomic"

// Class is an SMTP-style reply class: the first digit of a reply code.
type Class uint8

// Reply classes. Rejections are counted under Class4xx (temporary) and
// Class5xx (permanent) only.
const (
	Class2xx Class = iota
	Class3xx
	Class4xx
	Class5xx
	NumClasses
)

// String is the label value: "2xx" .. "5xx".
func (c Class) String() string {
	if c < NumClasses {
		return [...]string{"2xx", "3xx", "4xx", "5xx"}[c]
	}
	return "unknown"
}

// ClassOf maps a reply code (250, 451, 554...) to its class; ok is false
// for codes outside 200-599.
func ClassOf(code int) (Class, bool) {
	if code < 200 || code > 599 {
		return 0, false
	}
	return Class(code/100 - 2), true
}

// Proto is one protocol's counters (all listeners of that type), sharded
// per worker. The daemon keeps one per protocol for its whole life, so
// counters survive reloads.
type Proto struct {
	shards   []*protoShard
	Duration *Histogram // session duration, nanoseconds -> seconds
	Size     *Histogram // size of received messages, bytes
}

type protoShard struct {
	sessions, messages, recipients atomic.Uint64
	msgRejected                    [NumClasses]atomic.Uint64
	rcptRejected                   [NumClasses]atomic.Uint64
	replies                        [NumClasses]atomic.Uint64
	_                              [64]byte
}

// NewProto returns counters for workers workers, with the default duration
// and size buckets.
func NewProto(workers int) *Proto {
	if workers < 1 {
		workers = 1
	}
	p := &Proto{Duration: NewHistogram(workers, DurationBuckets, 1e-9),
		Size: NewHistogram(workers, SizeBuckets, 1)}
	for i := 0; i < workers; i++ {
		p.shards = append(p.shards, new(protoShard))
	}
	return p
}

func (p *Proto) shard(worker int) *protoShard { return p.shards[uint(worker)%uint(len(p.shards))] }

// Session counts one session started.
func (p *Proto) Session(worker int) { p.shard(worker).sessions.Add(1) }

// Received counts one message made durable with rcpts recipients.
func (p *Proto) Received(worker, rcpts int, size int64) {
	s := p.shard(worker)
	s.messages.Add(1)
	s.recipients.Add(uint64(rcpts))
	p.Size.Observe(worker, size)
}

// RejectMessage counts a message refused with reply code (MAIL FROM
// refused, DATA refused, spool failure answered 451...).
func (p *Proto) RejectMessage(worker, code int) {
	if c, ok := ClassOf(code); ok {
		p.shard(worker).msgRejected[c].Add(1)
	}
}

// RejectRecipient counts one recipient refused with reply code.
func (p *Proto) RejectRecipient(worker, code int) {
	if c, ok := ClassOf(code); ok {
		p.shard(worker).rcptRejected[c].Add(1)
	}
}

// Reply counts one final reply of class c.
func (p *Proto) Reply(worker int, c Class) {
	if c < NumClasses {
		p.shard(worker).replies[c].Add(1)
	}
}

// ProtoSnapshot is a Proto summed over workers.
type ProtoSnapshot struct {
	Sessions           uint64
	Messages           uint64 // received (durable)
	Recipients         uint64 // of received messages
	MessagesRejected   [NumClasses]uint64
	RecipientsRejected [NumClasses]uint64
	Replies            [NumClasses]uint64
	Duration           HistogramSnapshot
	Size               HistogramSnapshot
}

// Snapshot sums the shards.
func (p *Proto) Snapshot() ProtoSnapshot {
	var s ProtoSnapshot
	for _, sh := range p.shards {
		s.Sessions += sh.sessions.Load()
		s.Messages += sh.messages.Load()
		s.Recipients += sh.recipients.Load()
		for c := range NumClasses {
			s.MessagesRejected[c] += sh.msgRejected[c].Load()
			s.RecipientsRejected[c] += sh.rcptRejected[c].Load()
			s.Replies[c] += sh.replies[c].Load()
		}
	}
	s.Duration, s.Size = p.Duration.Snapshot(), p.Size.Snapshot()
	return s
}
