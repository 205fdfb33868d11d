package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sluice/proto"
	"sluice/spool"
)

// worker is one event loop on one locked OS thread. Everything below the
// inbox is touched only by that thread.
type worker struct {
	e   *Engine
	id  int
	b   backend
	ctr LoopCounters

	inMu  sync.Mutex
	inbox []func(*worker)
	spare []func(*worker)
	dead  bool // the loop has exited; guarded by inMu

	nconns atomic.Int64 // read by Shutdown
	exit   bool

	epoch   time.Time // monotonic base of the worker clock
	now     time.Time
	nowNano int64
	wheel   wheel

	conns          []*conn  // slot table; nil = free
	cgen           []uint32 // generation per slot
	cfree          []uint32
	scratch        []byte // refusal lines
	plain          []byte // TLS records opened on the worker (tlsworker.go); the driver copies what it keeps
	lastAcceptLog  time.Time
	lastReserveLog time.Time
	parked         []*lsock // listens resting after an accept error
	lsocks         []*lsock
	lfree          []uint32
	lgen           uint32

	spool         SpoolWriter
	staged        []staged
	inflight      []staged
	inflightSpare []staged
	batch         spool.Batch
	env           spool.Envelope // Stage's argument, reused
}

func newWorker(e *Engine, id int) *worker {
	w := &worker{e: e, id: id, epoch: time.Now()}
	if e.opts.Spool != nil {
		w.spool = e.opts.Spool.Writer(id)
	}
	return w
}

// run is the worker goroutine. It locks itself to its OS thread for good: the
// ring is single-issuer, and the thread exits with the goroutine.
func (w *worker) run(ready chan<- error) {
	defer w.e.wg.Done()
	runtime.LockOSThread()
	if w.e.opts.PinCPUs {
		var set unix.CPUSet
		set.Set(w.id % runtime.NumCPU())
		unix.SchedSetaffinity(0, &set)
	}
	b, err := newBackend(w.e.backend, w)
	if err != nil {
		ready <- err
		return
	}
	w.b = b
	w.tick()
	w.wheel.init(w.nowNano)
	ready <- nil
	for !w.exit {
		w.ctr.LoopTurns.Add(1)
		to := w.wheel.next(w.nowNano)
		if len(w.parked) > 0 && (to < 0 || to > int64(acceptBackoff)) {
			to = int64(acceptBackoff)
		}
		if w.pending() {
			to = 0
		}
		if err := w.b.poll(to); err != nil {
			w.e.log.Error("engine: poll failed", "worker", w.id, "err", err)
			time.Sleep(10 * time.Millisecond)
		}
		w.tick()
		w.runInbox()
		w.wheel.expire(w.nowNano, w.onTimer)
		w.rearmParked()
		w.flushSpool()
	}
	w.closeAll(proto.CloseShutdown)
	for w.nconns.Load() > 0 || w.inflight != nil {
		w.b.poll(int64(time.Millisecond))
		w.runInbox()
	}
	w.inMu.Lock()
	w.dead = true
	w.inMu.Unlock()
	w.runInbox() // what was posted before dead was set
	w.b.close()
}

func (w *worker) tick() {
	w.now = time.Now()
	w.nowNano = int64(w.now.Sub(w.epoch))
}

// committedLater implements completions: a batch written off the thread.
func (w *worker) committedLater(n int, err error) {
	w.post(func(w *worker) { w.onCommitted(n, err) })
}

// post runs fn on the worker thread at its next loop turn; false when the
// worker has exited (fn is dropped).
func (w *worker) post(fn func(*worker)) bool {
	w.inMu.Lock()
	if w.dead { // e.g. a late Host.Go result: the worker and its eventfd are gone
		w.inMu.Unlock()
		return false
	}
	first := len(w.inbox) == 0
	w.inbox = append(w.inbox, fn)
	w.inMu.Unlock()
	if first {
		w.b.wake()
	}
	return true
}

func (w *worker) pending() bool {
	w.inMu.Lock()
	defer w.inMu.Unlock()
	return len(w.inbox) > 0
}

func (w *worker) runInbox() {
	w.inMu.Lock()
	fns := w.inbox
	w.inbox = w.spare[:0]
	w.inMu.Unlock()
	for i, fn := range fns {
		fn(w)
		fns[i] = nil
	}
	w.spare = fns[:0]
}

// addListen files s and arms accepting on it.
func (w *worker) addListen(s *lsock) {
	if len(w.lfree) > 0 {
		s.slot = w.lfree[len(w.lfree)-1]
		w.lfree = w.lfree[:len(w.lfree)-1]
	} else {
		s.slot = uint32(len(w.lsocks))
		w.lsocks = append(w.lsocks, nil)
	}
	w.lgen++
	s.gen = w.lgen & genMask
	w.lsocks[s.slot] = s
	if err := w.b.addListen(s); err != nil {
		w.e.log.Error("engine: arming accept failed", "listen", s.l.key, "worker", w.id, "err", err)
		w.listenGone(s)
		return
	}
	s.armed = true
}

func (w *worker) removeListen(s *lsock) {
	if !s.armed {
		return // never armed: listenGone already ran
	}
	s.armed = false
	if s.parked {
		w.unpark(s)
		w.listenGone(s)
		return
	}
	w.b.removeListen(s)
}

// listenGone is the back end's word that s.fd is no longer used.
func (w *worker) listenGone(s *lsock) {
	w.lsocks[s.slot] = nil
	w.lfree = append(w.lfree, s.slot)
	if s.closeF {
		closeFd(s.fd)
	}
	close(s.done)
}

func (w *worker) listenAt(slot, gen uint32) *lsock {
	if int(slot) >= len(w.lsocks) {
		return nil
	}
	s := w.lsocks[slot]
	if s == nil || s.gen != gen {
		return nil
	}
	return s
}

func (w *worker) connAt(slot, gen uint32) *conn {
	if int(slot) >= len(w.conns) {
		return nil
	}
	c := w.conns[slot]
	if c == nil || c.gen != gen {
		return nil
	}
	return c
}

// closeAll closes every connection (Shutdown deadline, worker exit).
func (w *worker) closeAll(r proto.CloseReason) {
	for _, c := range w.conns {
		if c != nil && !c.torn() {
			w.closeConn(c, r)
		}
	}
}
