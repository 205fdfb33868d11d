package spool

import (
	"sync"
	"time"
)

// feed hands committed IDs to the one reader that follows the spool (the
// hand-off dispatcher). While nobody follows, publish costs one atomic-free
// check under a mutex nobody else holds and nothing accumulates.
type feed struct {
	mu     sync.Mutex
	on     bool
	ids    []ID
	notify chan struct{} // cap 1: "ids is not empty"
}

// Follow starts the commit feed and returns its wake-up channel and every
// record live now, in ID order. From then on each committed record's ID is
// queued for Committed; a record committed while Follow runs may appear in
// both lists, so the follower must tolerate duplicates.
func (s *Store) Follow() (<-chan struct{}, []ID) {
	s.feed.mu.Lock()
	s.feed.on = true
	if s.feed.notify == nil {
		s.feed.notify = make(chan struct{}, 1)
	}
	ch := s.feed.notify
	s.feed.mu.Unlock()
	return ch, s.sortedLive()
}

// Committed returns the IDs committed since the last call (in commit order
// per writer), appending them to buf[:0].
func (s *Store) Committed(buf []ID) []ID {
	s.feed.mu.Lock()
	buf = append(buf[:0], s.feed.ids...)
	s.feed.ids = s.feed.ids[:0]
	if cap(s.feed.ids) > 1<<16 {
		s.feed.ids = nil
	}
	s.feed.mu.Unlock()
	return buf
}

// publish queues a durable batch for the follower. Called by Writer.End on
// the worker's thread: no I/O, a short critical section, never blocks.
func (s *Store) publish(recs []pending) {
	s.feed.mu.Lock()
	if s.feed.on {
		for _, p := range recs {
			s.feed.ids = append(s.feed.ids, p.id)
		}
		select {
		case s.feed.notify <- struct{}{}:
		default:
		}
	}
	s.feed.mu.Unlock()
}

// Backlog describes the live (not yet acknowledged) records.
type Backlog struct {
	Messages int
	Bytes    int64     // record sizes on disk
	Oldest   time.Time // reception of the oldest live record (ID time); zero if none
}

// Backlog walks the index (O(live records), under the read lock): for
// metrics scrapes and the console, not for hot paths.
func (s *Store) Backlog() Backlog {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := Backlog{Messages: len(s.index)}
	var oldest ID
	first := true
	for id, l := range s.index {
		b.Bytes += int64(l.size)
		if first || compareID(id, oldest) < 0 {
			oldest, first = id, false
		}
	}
	if !first {
		b.Oldest = oldest.Time()
	}
	return b
}

// Size is the on-disk size of live record id, or 0 if it is not live.
func (s *Store) Size(id ID) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.index[id].size
}
