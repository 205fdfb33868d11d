package engine

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// listen is one Listen across Apply calls. Its counters and connection count
// survive socket replacement, so a re-bound Listen keeps counting.
type listen struct {
	key   string
	spec  atomic.Pointer[ListenSpec] // swapped in place when only policy changes
	state string                     // "bound", "disabled", "failed"
	why   string                     // failure reason
	socks []*lsock                   // one per worker while bound
	ctrs  []*ListenCounters          // one per worker, for the life of the Engine
	open  atomic.Int64               // connections not yet fully closed
	bound string                     // the address actually bound (port 0 resolved)
}

// lsock is one worker's handle on a listen socket.
type lsock struct {
	l      *listen
	fd     int
	slot   uint32 // index in the worker's listen table
	gen    uint32
	closeF bool          // the worker closes fd when disarmed (TCP: one fd per worker)
	done   chan struct{} // closed once the worker has let go of fd
	armed  bool          // worker-owned
	parked bool          // worker-owned: accepting paused after an error
	until  int64         // worker clock when a parked listen re-arms
	path   string        // unix: the socket file we created
	ino    uint64        // unix: its inode, so we never unlink someone else's file
}

// Apply reconciles the bound sockets with s. Unchanged Listens are left alone
// (a policy-only change is swapped in place for new connections); removed and
// disabled ones are closed; new and changed ones are bound. All closes happen
// before any bind, so a Listen that moves between a specific address and the
// wildcard on one port works in a single Apply. A Listen that fails to bind
// is reported in the returned error and kept as "failed"; the rest applies.
// Existing connections are never touched.
func (e *Engine) Apply(s *Spec) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.down.Load() {
		return errors.New("engine: apply: shutting down")
	}
	want := map[string]*ListenSpec{}
	var order []string
	for i := range s.Listens {
		ls := s.Listens[i]
		if _, dup := want[ls.Key]; dup {
			return fmt.Errorf("engine: apply: duplicate Listen key %q", ls.Key)
		}
		want[ls.Key] = &ls
		order = append(order, ls.Key)
	}
	e.gen.Store(s.Generation)

	e.mu.Lock()
	var closing []*listen
	var binding []*listen
	for key, l := range e.listens {
		ns, ok := want[key]
		bound := l.state == "bound"
		switch {
		case !ok || !ns.Enabled:
			if bound {
				closing = append(closing, l)
			}
		case bound && sameSocket(l.spec.Load(), ns):
			l.spec.Store(ns)
		default:
			if bound {
				closing = append(closing, l)
			}
			binding = append(binding, l)
		}
		if !ok {
			delete(e.listens, key)
		} else {
			l.spec.Store(ns)
			if !ns.Enabled {
				l.state, l.why = "disabled", ""
			}
		}
	}
	for _, key := range order {
		if _, ok := e.listens[key]; !ok {
			l := &listen{key: key, state: "disabled"}
			l.spec.Store(want[key])
			l.ctrs = make([]*ListenCounters, len(e.workers))
			for i := range l.ctrs {
				l.ctrs[i] = new(ListenCounters)
			}
			e.listens[key] = l
			if want[key].Enabled {
				binding = append(binding, l)
			}
		}
	}
	e.order = order
	e.mu.Unlock()

	e.closeListens(closing)
	var errs []error
	for _, l := range binding {
		if err := e.bind(l, len(closing) > 0); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sameSocket reports whether two specs describe the same bound socket.
func sameSocket(a, b *ListenSpec) bool { return a.Socket == b.Socket }

// bind opens l's sockets and hands them to the workers. EADDRINUSE is
// retried briefly: a socket closed by this very Apply may still be held by a
// completion in flight for a few milliseconds.
func (e *Engine) bind(l *listen, retry bool) error {
	s := l.spec.Load()
	var fds []int
	var bound string
	var err error
	for try := 0; try < 20; try++ {
		fds, bound, err = e.open(s)
		if !retry || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		l.state, l.why = "failed", err.Error()
		return err
	}
	var path string
	var ino uint64
	if s.Network == "unix" {
		if st, err := os.Lstat(s.Address); err == nil {
			path, ino = s.Address, st.Sys().(*syscall.Stat_t).Ino
		}
	}
	l.state, l.why, l.bound = "bound", "", bound
	l.socks = make([]*lsock, len(e.workers))
	for i, w := range e.workers {
		fd := fds[0]
		if len(fds) > 1 {
			fd = fds[i]
		}
		ls := &lsock{l: l, fd: fd, closeF: len(fds) > 1, done: make(chan struct{}), path: path, ino: ino}
		l.socks[i] = ls
		w.post(func(w *worker) { w.addListen(ls) })
	}
	return nil
}

func (e *Engine) open(s *ListenSpec) ([]int, string, error) {
	if e.opts.Open != nil {
		return e.opts.Open(s, len(e.workers))
	}
	return OpenSockets(s, len(e.workers))
}

// OpenSockets binds s as the engine does by default: n sockets in one
// SO_REUSEPORT group for TCP (one per worker), one socket for Unix.
func OpenSockets(s *ListenSpec, n int) ([]int, string, error) {
	switch s.Network {
	case "tcp":
		return openTCP(s, n)
	case "unix":
		fd, err := openUnix(s)
		if err != nil {
			return nil, "", err
		}
		return []int{fd}, s.Address, nil
	}
	return nil, "", fmt.Errorf("engine: listen %s: unknown network %q", s.Address, s.Network)
}

// closeListens makes every worker let go of the listed sockets and waits
// until they have, so the addresses are free when it returns.
func (e *Engine) closeListens(ls []*listen) {
	for _, l := range ls {
		for i, s := range l.socks {
			e.workers[i].post(func(w *worker) { w.removeListen(s) })
		}
	}
	for _, l := range ls {
		for _, s := range l.socks {
			<-s.done
		}
		if len(l.socks) > 0 && !l.socks[0].closeF {
			closeFd(l.socks[0].fd)
			if !e.keepFiles.Load() {
				l.socks[0].unlinkUnix()
			}
		}
		e.mu.Lock()
		l.socks = nil
		if l.state == "bound" {
			l.state = "disabled"
		}
		e.mu.Unlock()
	}
}

// unlinkUnix removes the socket file if it is still the one we created.
func (s *lsock) unlinkUnix() {
	if s.path == "" {
		return
	}
	if st, err := os.Lstat(s.path); err == nil && st.Sys().(*syscall.Stat_t).Ino == s.ino {
		os.Remove(s.path)
	}
}
