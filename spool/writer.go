package spool

import (
	"encoding/binary"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// Writer appends one worker's records to its current segment. It is not
// safe for concurrent use: the engine calls it from the worker's thread
// only. Stage touches memory only; the disk is reached through Commit, or
// through Begin ... End around a write and fdatasync the caller issues
// itself (io_uring linked ops). One batch may be in flight while the next
// stages.
type Writer struct {
	s      *Store
	worker int
	ids    idgen
	seg    *segment
	off    int64 // end of the committed records in seg
	broken bool  // seg may hold bytes past off: rotate before writing again

	stage, flight staging
	inFlight      bool
	flightOff     int64
	pendErr       error // set by Begin when no segment could be had
	begun         time.Time

	ctr *counters
	lim limiter

	mem memFS // is the current segment in memory (tmpfs)?

	// The next segment is created off the worker's thread (file create,
	// header sync, directory sync take milliseconds): once the current one
	// is half full, or at start.
	spare     chan spareSeg
	preparing bool
}

type spareSeg struct {
	g   *segment
	err error
}

// staging is an encoded, not yet durable run of records.
type staging struct {
	buf  []byte
	recs []pending
	salt uint32 // the CRCs in buf are seeded with it
}

type pending struct {
	id   ID
	rel  int // offset in buf
	size int
}

// maxKeptBuffer is the largest staging buffer kept for reuse.
const maxKeptBuffer = 8 << 20

// Batch is the staged records taken by Begin: Buf is to be written at Off
// in the file Fd and then fdatasynced, unless NoSync says the file lives in
// memory. Buf belongs to the Writer and must stay unmodified until End. Fd
// is -1 if no segment could be opened; the write then fails and End reports
// the reason.
type Batch struct {
	Fd  int
	Off int64
	Buf []byte
	N   int // records
	// NoSync: the segment is on tmpfs or ramfs, where fdatasync is a no-op
	// and a write is a memory copy, so the batch is best written inline
	// (WriteBatch skips the sync) instead of on another thread.
	NoSync bool
}

func newWriter(s *Store, worker int) *Writer {
	w := &Writer{s: s, worker: worker, ids: newIDGen(worker, s.nonce), ctr: new(counters),
		spare: make(chan spareSeg, 1), mem: memFS{fd: -1}}
	w.prepare()
	return w
}

// Stage encodes a record into the staging buffer and returns its ID. The
// caller may reuse env and data as soon as it returns. No I/O: the record
// is not durable until a Commit or End that covers it returns nil.
func (w *Writer) Stage(env *Envelope, data []byte) (ID, error) {
	size := encodedSize(env, data)
	if size-headerSize > MaxRecord {
		return ID{}, &Error{Op: "stage", Err: ErrTooLarge}
	}
	now := env.Time
	if now.IsZero() {
		now = time.Now()
	}
	id := w.ids.next(now)
	if len(w.stage.recs) == 0 && w.seg != nil {
		w.stage.salt = w.seg.salt
	}
	rel := len(w.stage.buf)
	w.stage.buf = appendRecord(w.stage.buf, w.stage.salt, id, env, data)
	w.stage.recs = append(w.stage.recs, pending{id: id, rel: rel, size: size})
	return id, nil
}

// Staged is the number of records staged and not yet taken by Begin.
func (w *Writer) Staged() int { return len(w.stage.recs) }

// Begin takes everything staged as the batch in flight, starting a new
// segment first when the current one is full or damaged. Calling Begin
// again before End is a programming error and panics.
func (w *Writer) Begin() Batch {
	if w.inFlight {
		panic("spool: Begin while a batch is in flight")
	}
	w.inFlight, w.begun = true, time.Now()
	if len(w.stage.recs) > 0 && w.needRotate() {
		w.rotate()
	}
	w.stage, w.flight = w.flight, w.stage
	w.stage.buf, w.stage.recs = w.stage.buf[:0], w.stage.recs[:0]
	w.flightOff = w.off
	b := Batch{Fd: -1, Off: w.off, Buf: w.flight.buf, N: len(w.flight.recs)}
	if w.seg != nil && w.pendErr == nil {
		b.Fd = int(w.seg.f.Fd())
		if w.flight.salt != w.seg.salt {
			w.flight.reseal(w.seg.salt)
		}
		b.NoSync = w.mem.check(b)
	}
	return b
}

func (w *Writer) needRotate() bool {
	return w.seg == nil || w.broken ||
		(w.off > segHeaderSize && w.off+int64(len(w.stage.buf)) > w.s.opt.SegmentSize) ||
		w.reclaimable() // reclaim.go
}

// reseal recomputes the CRCs of a staging run for another segment's salt.
func (st *staging) reseal(salt uint32) {
	for _, p := range st.recs {
		rec := st.buf[p.rel : p.rel+p.size]
		binary.LittleEndian.PutUint32(rec[8:12], recordCRC(salt, rec))
	}
	st.salt = salt
}

// End closes the batch from Begin with the outcome of its write (bytes
// written) and fdatasync (err). It returns nil only if every record of the
// batch is durable; then they become visible to readers. Otherwise the
// segment is cut back to where the batch began, none of its records will
// ever be served, and the error is a *Error.
func (w *Writer) End(b Batch, written int, err error) error {
	if !w.inFlight {
		panic("spool: End without Begin")
	}
	w.inFlight = false
	f := &w.flight
	defer func() {
		f.buf, f.recs = f.buf[:0], f.recs[:0]
		if cap(f.buf) > maxKeptBuffer { // one huge message must not pin its buffer
			f.buf = nil
		}
	}()
	if len(f.recs) == 0 {
		return nil
	}
	if w.pendErr != nil {
		err, w.pendErr = w.pendErr, nil
	} else if err == nil && written != len(f.buf) {
		err = io.ErrShortWrite
	}
	w.ctr.fsyncs.Add(1)
	if err != nil {
		return w.fail(err)
	}
	w.s.mu.Lock()
	for _, p := range f.recs {
		w.s.index[p.id] = loc{seg: w.seg, off: w.flightOff + int64(p.rel), size: p.size}
	}
	w.seg.live += len(f.recs)
	w.s.mu.Unlock()
	w.s.publish(f.recs)
	w.off = w.flightOff + int64(len(f.buf))
	if w.off > w.s.opt.SegmentSize/2 {
		w.prepare()
	}
	w.ctr.commit(len(f.recs), len(f.buf), time.Since(w.begun))
	return nil
}

// fail cuts the segment back to the last durable record, so that neither a
// later batch nor recovery can see any byte of the failed one.
func (w *Writer) fail(err error) error {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Op: "commit", Err: err}
		if w.seg != nil {
			e.Path = w.seg.path
		}
	}
	w.ctr.errors.Add(1)
	w.logError(e)
	if w.seg != nil && !w.broken {
		terr := w.seg.f.Truncate(w.flightOff)
		if terr == nil {
			terr = unix.Fdatasync(int(w.seg.f.Fd()))
		}
		if terr != nil {
			w.broken = true // a new segment next time; recovery cuts this tail
		}
	}
	return e
}

// Commit writes and fdatasyncs everything staged: one pwrite(2) (looping
// only on a short count) and one fdatasync(2). It blocks; the epoll back end
// calls it from the worker's spool goroutine.
func (w *Writer) Commit() error {
	b := w.Begin()
	n, err := WriteBatch(b)
	return w.End(b, n, err)
}

// logError logs at most one line a second per writer, with the number of
// errors not logged since the last line.
func (w *Writer) logError(err error) {
	if ok, suppressed := w.lim.allow(time.Now()); ok {
		w.s.log.Error("spool: write failed; messages answered with a temporary failure",
			"worker", w.worker, "err", err, "suppressed", suppressed)
	}
}
