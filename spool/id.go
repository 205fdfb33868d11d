package spool

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// ID names one record. Its 16 bytes are, big-endian so that byte order is
// time order: 6 bytes of Unix milliseconds, 2 bytes of worker number, 4
// bytes of a per-Store random nonce (so two runs that share a millisecond
// never collide), and a 4-byte per-writer counter. IDs from one writer are
// strictly increasing even if the wall clock steps back.
type ID [16]byte

// String is the 32-character lower-case hex form, e.g. the id in
// "250 2.0.0 OK <id>". It sorts like the ID.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Time is the millisecond at which the ID was made.
func (id ID) Time() time.Time {
	var b [8]byte
	copy(b[2:], id[:6])
	return time.UnixMilli(int64(binary.BigEndian.Uint64(b[:])))
}

// Worker is the number of the writer that made the ID.
func (id ID) Worker() int { return int(binary.BigEndian.Uint16(id[6:8])) }

// ParseID reads the String form.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 32 {
		return id, fmt.Errorf("spool: bad id %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("spool: bad id %q: %v", s, err)
	}
	return id, nil
}

// idgen makes the IDs of one writer. Not safe for concurrent use.
type idgen struct {
	worker  uint16
	nonce   uint32
	lastMs  uint64
	counter uint32
}

func newIDGen(worker int, nonce uint32) idgen {
	return idgen{worker: uint16(worker), nonce: nonce}
}

func (g *idgen) next(now time.Time) ID {
	ms := uint64(now.UnixMilli())
	if ms < g.lastMs {
		ms = g.lastMs // the clock stepped back: keep ids increasing
	}
	g.counter++
	if g.counter == 0 { // wrapped: move to the next millisecond
		ms = g.lastMs + 1
	}
	g.lastMs = ms
	return makeID(ms, g.worker, g.nonce, g.counter)
}

func makeID(ms uint64, worker uint16, nonce, counter uint32) ID {
	var id ID
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], ms)
	copy(id[:6], b[2:])
	binary.BigEndian.PutUint16(id[6:8], worker)
	binary.BigEndian.PutUint32(id[8:12], nonce)
	binary.BigEndian.PutUint32(id[12:16], counter)
	return id
}

// NewID is an ID in the real layout with a zero nonce, for spools that are
// not a Store (the engine's test fakes).
func NewID(t time.Time, worker int, counter uint32) ID {
	return makeID(uint64(t.UnixMilli()), uint16(worker), 0, counter)
}

func randomNonce() uint32 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint32(time.Now().UnixNano())
	}
	return binary.BigEndian.Uint32(b[:])
}
