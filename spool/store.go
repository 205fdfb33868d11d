package spool

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// DefaultSegmentSize is the size at which a writer starts a new segment.
const DefaultSegmentSize = 64 << 20

// Options tunes OpenWith. The zero value of each field means its default.
type Options struct {
	Workers     int          // number of writers (Writer(0..Workers-1)); at least 1
	Log         *slog.Logger // default slog.Default()
	SegmentSize int64        // default DefaultSegmentSize
	// ReadOnly opens a spool that a running daemon may be writing: nothing
	// is truncated, removed or locked, and there are no writers and no Ack.
	ReadOnly bool
}

// Store is one spool directory. Its methods are safe for concurrent use,
// except that each Writer belongs to one goroutine at a time.
type Store struct {
	dir   string
	opt   Options
	log   *slog.Logger
	lock  *os.File
	nonce uint32

	mu      sync.RWMutex
	index   map[ID]loc
	segs    map[uint64]*segment
	nextSeq uint64
	closed  bool

	ackMu   sync.Mutex // serialises acknowledgements
	writers []*Writer
	bg      sync.WaitGroup // background segment removals

	feed feed // committed IDs for the hand-off reader (feed.go)
}

// loc is where a committed record lives.
type loc struct {
	seg  *segment
	off  int64
	size int
}

// Open opens (creating it 0700 if missing) the spool in dir for workers
// writers, locks it against a second daemon, and recovers it.
func Open(dir string, workers int, log *slog.Logger) (*Store, error) {
	return OpenWith(dir, Options{Workers: workers, Log: log})
}

// OpenWith is Open with every option.
func OpenWith(dir string, o Options) (*Store, error) {
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.SegmentSize <= 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	s := &Store{dir: dir, opt: o, log: o.Log, nonce: randomNonce(),
		index: make(map[ID]loc), segs: make(map[uint64]*segment)}
	if !o.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("spool: create %s: %w (check the parent directory's permissions or set Spoolbase / -spool)", dir, err)
		}
		if err := s.lockDir(); err != nil {
			return nil, err
		}
	}
	if err := s.recover(); err != nil {
		s.Close()
		return nil, err
	}
	if !o.ReadOnly {
		s.writers = make([]*Writer, o.Workers)
		for i := range s.writers {
			s.writers[i] = newWriter(s, i)
		}
	}
	return s, nil
}

func (s *Store) lockDir() error {
	f, err := os.OpenFile(filepath.Join(s.dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("spool: open lock file in %s: %w", s.dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("spool: %s is in use by another process (%v); stop it or give this one another spool directory", s.dir, err)
	}
	s.lock = f
	return nil
}

// Dir is the spool directory.
func (s *Store) Dir() string { return s.dir }

// Writer is worker's writer, for 0 <= worker < Workers. It is nil for a
// read-only Store.
func (s *Store) Writer(worker int) *Writer {
	if s.writers == nil {
		return nil
	}
	return s.writers[worker]
}

// Close waits for background removals and closes every file. No Writer may
// have a batch in flight, and no other method may run or follow.
func (s *Store) Close() error {
	s.bg.Wait()
	for _, w := range s.writers {
		w.dropSpare()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, g := range s.segs {
		errs = append(errs, closeFile(g.f), closeFile(g.ackf))
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

func closeFile(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

// newSegment creates the next segment for worker: header written and
// synced, then the directory synced, so a record in it is never lost to a
// missing directory entry.
func (s *Store) newSegment(worker int) (*segment, error) {
	s.mu.Lock()
	s.nextSeq++
	seq := s.nextSeq
	s.mu.Unlock()
	g := &segment{seq: seq, worker: worker, salt: randomNonce(), refs: 1}
	g.path = s.segPath(segName(seq, worker))
	f, err := os.OpenFile(g.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, &Error{Op: "create", Path: g.path, Err: err}
	}
	if _, err = f.Write(segHeader(g.salt)); err == nil {
		if err = f.Sync(); err == nil {
			err = syncDir(s.dir)
		}
	}
	if err != nil {
		f.Close()
		os.Remove(g.path)
		return nil, &Error{Op: "create", Path: g.path, Err: err}
	}
	g.f = f
	s.mu.Lock()
	s.segs[seq] = g
	s.mu.Unlock()
	return g, nil
}

// seal marks g as no longer written, dropping the writer's reference, and
// removes it in the background if nothing in it is live.
func (s *Store) seal(g *segment) {
	s.mu.Lock()
	g.sealed = true
	g.refs--
	gone := s.markDeadLocked(g)
	s.mu.Unlock()
	if gone {
		s.bg.Add(1)
		go func() { defer s.bg.Done(); s.removeFiles(g) }()
	}
}

// markDeadLocked decides whether g can go: sealed and nothing live.
func (s *Store) markDeadLocked(g *segment) bool {
	if !g.sealed || g.live > 0 || g.dead || s.opt.ReadOnly {
		return false
	}
	g.dead = true
	delete(s.segs, g.seq)
	if g.refs == 0 {
		closeFile(g.f)
	}
	return true
}

// removeFiles unlinks a dead segment, then its ack file: the segment must go
// first (and durably), or a crash in between would bring back acked records.
func (s *Store) removeFiles(g *segment) {
	if err := os.Remove(g.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("spool: remove segment", "path", g.path, "err", err)
		return
	}
	if err := syncDir(s.dir); err != nil {
		s.log.Warn("spool: sync dir after remove", "dir", s.dir, "err", err)
		return
	}
	closeFile(g.ackf) // no Ack can be using it: g had nothing live left
	g.ackf = nil
	if err := os.Remove(g.ackPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("spool: remove ack file", "path", g.ackPath(), "err", err)
	}
}

// release drops a reader's reference to g.
func (s *Store) release(g *segment) {
	s.mu.Lock()
	g.refs--
	if g.dead && g.refs == 0 {
		closeFile(g.f)
	}
	s.mu.Unlock()
}

// readAll reads a whole file through f.
func readAll(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
