package spool

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Read returns the live record id. The Record is the caller's: its Data is
// a fresh copy, valid for as long as the caller keeps it.
func (s *Store) Read(id ID) (*Record, error) {
	s.mu.Lock()
	l, ok := s.index[id]
	if ok {
		l.seg.refs++ // keeps the file open even if the segment is removed meanwhile
	}
	s.mu.Unlock()
	if !ok {
		return nil, &Error{Op: "read", Err: ErrNotFound}
	}
	defer s.release(l.seg)
	buf := make([]byte, l.size)
	if _, err := l.seg.f.ReadAt(buf, l.off); err != nil {
		return nil, &Error{Op: "read", Path: l.seg.path, Err: err}
	}
	r := new(Record)
	if size, err := checkRecord(buf, l.seg.salt); err != nil || size != l.size ||
		decodeRecord(buf, r) != nil || r.ID != id {
		return nil, &Error{Op: "read", Path: l.seg.path, Err: ErrCorrupt}
	}
	return r, nil
}

// Iter calls fn for every live record, in ID order (time order), as of the
// call; records acknowledged meanwhile are skipped, records committed
// meanwhile are not visited. It stops at the first error fn returns and
// returns it. fn may call Ack, Read and Iter.
func (s *Store) Iter(fn func(r *Record) error) error {
	for _, id := range s.sortedLive() {
		r, err := s.Read(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of live records.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.index)
}

// Ack acknowledges (deletes) one record durably: it is never served again,
// across restarts. See AckMany.
func (s *Store) Ack(id ID) error { return s.AckMany([]ID{id}) }

// AckMany acknowledges several records with one fdatasync per segment
// concerned. A segment whose records are all acknowledged, and that no
// writer appends to any more, is removed. IDs that are not live are
// skipped and reported with ErrNotFound after the others are done.
func (s *Store) AckMany(ids []ID) error {
	if s.opt.ReadOnly {
		return &Error{Op: "ack", Err: ErrReadOnly}
	}
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	bySeg := map[*segment][]ID{}
	missing := false
	s.mu.RLock()
	for _, id := range ids {
		if l, ok := s.index[id]; ok {
			bySeg[l.seg] = append(bySeg[l.seg], id)
		} else {
			missing = true
		}
	}
	s.mu.RUnlock()
	for g, gids := range bySeg {
		if err := s.appendAcks(g, gids); err != nil {
			return err
		}
		s.dropAcked(g, gids)
	}
	if missing {
		return &Error{Op: "ack", Err: ErrNotFound}
	}
	return nil
}

// appendAcks makes the acknowledgement of ids (all in g) durable. On
// failure the ack file is cut back, so later entries stay readable.
func (s *Store) appendAcks(g *segment, ids []ID) error {
	if g.ackf == nil {
		f, err := os.OpenFile(g.ackPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err == nil {
			err = syncDir(s.dir)
		}
		if err != nil {
			closeFile(f)
			return &Error{Op: "ack", Path: g.ackPath(), Err: err}
		}
		g.ackf = f
	}
	buf := make([]byte, 0, len(ids)*ackEntrySize)
	for _, id := range ids {
		buf = appendAck(buf, g.salt, id)
	}
	_, err := g.ackf.Write(buf)
	if err == nil {
		err = unix.Fdatasync(int(g.ackf.Fd()))
	}
	if err != nil {
		g.ackf.Truncate(g.ackLen)
		return &Error{Op: "ack", Path: g.ackPath(), Err: err}
	}
	g.ackLen += int64(len(buf))
	return nil
}

// dropAcked takes durable acks out of the index and removes g if that
// leaves nothing in it.
func (s *Store) dropAcked(g *segment, ids []ID) {
	s.mu.Lock()
	for _, id := range ids {
		if _, ok := s.index[id]; ok {
			delete(s.index, id)
			g.live--
		}
	}
	if g.live == 0 && !g.sealed {
		g.drained.Store(true)
	}
	gone := s.markDeadLocked(g)
	s.mu.Unlock()
	if gone {
		s.removeFiles(g)
	}
}
