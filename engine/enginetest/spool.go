// Package enginetest holds test support for code that runs on the engine:
// a spool whose group commits really write and fdatasync, and that records
// what became durable, for end-to-end tests of the protocols.
package enginetest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"sluice/engine"
	"sluice/proto"
	"sluice/spool"
)

// Spool is an engine.SpoolFactory for tests. The engine's group commit
// writes (and fdatasyncs) the staged bytes into a file per worker under Dir;
// a message counts as stored only once End reports its batch durable, so a
// test sees exactly what the engine acknowledged.
type Spool struct {
	Dir       string
	CountOnly bool // keep a count only (load runs with many messages)

	mu     sync.Mutex
	n      int
	stored []proto.Message
}

// NewSpool returns a spool writing under dir.
func NewSpool(dir string) *Spool { return &Spool{Dir: dir} }

// Writer implements engine.SpoolFactory.
func (s *Spool) Writer(worker int) engine.SpoolWriter {
	f, err := os.Create(filepath.Join(s.Dir, fmt.Sprint("spool.", worker)))
	if err != nil {
		panic(err)
	}
	return &writer{s: s, f: f, w: worker}
}

// Messages returns a copy of the messages stored so far, in commit order.
func (s *Spool) Messages() []proto.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]proto.Message(nil), s.stored...)
}

// Count is how many messages were made durable.
func (s *Spool) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Find returns a stored message whose bytes are exactly data, or nil.
func (s *Spool) Find(data []byte) *proto.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.stored {
		if bytes.Equal(s.stored[i].Data, data) {
			m := s.stored[i]
			return &m
		}
	}
	return nil
}

type writer struct {
	s              *Spool
	f              *os.File
	off            int64
	w, seq         int
	stage, flight  []byte
	staged, flying []proto.Message
}

func (w *writer) Stage(env *spool.Envelope, data []byte) (spool.ID, error) {
	w.seq++
	w.stage = append(w.stage, data...)
	w.staged = append(w.staged, proto.Message{Protocol: env.Protocol, Sender: env.Sender,
		Recipients: append([]string(nil), env.Recipients...), Data: append([]byte(nil), data...)})
	return spool.NewID(env.Time, w.w, uint32(w.seq)), nil
}

func (w *writer) Begin() spool.Batch {
	w.flight, w.stage = w.stage, w.flight[:0]
	w.flying, w.staged = w.staged, nil
	return spool.Batch{Fd: int(w.f.Fd()), Off: w.off, Buf: w.flight, N: len(w.flying)}
}

func (w *writer) End(b spool.Batch, written int, err error) error {
	if err == nil && written != len(b.Buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return err
	}
	w.off += int64(written)
	w.s.mu.Lock()
	w.s.n += len(w.flying)
	if !w.s.CountOnly {
		w.s.stored = append(w.s.stored, w.flying...)
	}
	w.s.mu.Unlock()
	w.flying = nil
	return nil
}
