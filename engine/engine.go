package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/proto"
	"sluice/throttle"
)

// Options are fixed for the life of an Engine.
type Options struct {
	Workers int          // 0 = GOMAXPROCS
	Backend string       // "auto" (or ""), "io_uring" or "epoll"
	PinCPUs bool         // pin worker i to CPU i mod NumCPU
	Log     *slog.Logger // nil = slog.Default()
	Spool   SpoolFactory // per-worker spool writer; nil = every Submit fails with proto.ErrSpool
	// Open binds a Listen's sockets (n = workers); nil = OpenSockets. The
	// daemon supplies one to add per-address locks, inherited sockets
	// (upgrade, socket activation) and sockets bound before Apply.
	Open func(s *ListenSpec, n int) (fds []int, bound string, err error)
	// Limiter holds the per-source counters of the connection limits; nil =
	// no per-source limits. It outlives reloads, like the session caps.
	Limiter throttle.Limiter
	// Screen looks clients up in the DNS lists of their policy
	// (DNSBL_Zones) while the banner is held; nil = no DNS lists.
	Screen Screen
	// FdReserve is how many file descriptors below RLIMIT_NOFILE only the
	// Control listener and HTTP health checks may use (reserve.go); 0 =
	// automatic (max(32, limit/20)), negative = none.
	FdReserve int
	// TLSOnGoroutine keeps every TLS connection on its crypto/tls goroutine
	// after the handshake (TLS_Record_Layer = goroutine) instead of carrying
	// TLS 1.3 records on the worker (tlsworker.go).
	TLSOnGoroutine bool
}

// PeerTable resolves a peer address to its policy; *acl.Table satisfies it.
type PeerTable interface {
	Lookup(a netip.Addr) *acl.Match
}

// ListenSpec is one Listen as the engine binds it. The lead builds it from a
// config generation; the engine never parses configuration.
type ListenSpec struct {
	Key      string // identity across Apply, e.g. "ESMTP_Listener 127.0.0.1:2525"
	Listener string // canonical listener type, e.g. "ESMTP_Listener"
	Service  string // Service_Sessions budget name, e.g. "SMTP"
	// Socket is the socket to bind (config computes it per Listen): two
	// specs with equal Sockets share one bound socket across generations.
	config.Socket
	Enabled bool
	Peers   PeerTable
	Factory proto.Factory
	TLS     *tls.Config // for StartTLS and UseSSL; nil = no TLS on this Listen
	UseSSL  bool        // implicit TLS from the first byte (Use_SSL); needs TLS
}

// Spec is the full set of Listens of one config generation.
type Spec struct {
	Generation uint64
	Listens    []ListenSpec
}

// Engine owns the workers and every listen socket.
type Engine struct {
	log     *slog.Logger
	opts    Options
	backend string
	reason  string
	workers []*worker

	applyMu sync.Mutex // serialises Apply and Shutdown
	mu      sync.Mutex // guards listens and order
	listens map[string]*listen
	order   []string

	gen       atomic.Uint64
	down      atomic.Bool
	keepFiles atomic.Bool // handover.go: leave Unix socket files for a successor
	stopped   bool
	caps      capTable
	remote    remoteCaps // cluster-wide caps (caps_cluster.go)
	connID    atomic.Uint64
	wg        sync.WaitGroup
	fdEdge    int // first fd number of the reserve; 0 = no reserve (reserve.go)
}

// New starts the workers on the chosen back end. It logs one line naming the
// back end and why it was chosen.
func New(o Options) (*Engine, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	name, reason, err := chooseBackend(o.Backend)
	if err != nil {
		return nil, err
	}
	e := &Engine{log: o.Log, opts: o, backend: name, reason: reason, listens: map[string]*listen{}}
	e.fdEdge = fdEdge(o.FdReserve)
	for i := 0; i < o.Workers; i++ {
		w := newWorker(e, i)
		ready := make(chan error, 1)
		e.wg.Add(1)
		go w.run(ready)
		if err := <-ready; err != nil {
			e.stopWorkers()
			return nil, fmt.Errorf("engine: worker %d: %w", i, err)
		}
		e.workers = append(e.workers, w)
	}
	e.log.Info("engine: event loop", "backend", name, "reason", reason, "workers", o.Workers)
	return e, nil
}

// Backend reports the back end in use and why it was chosen.
func (e *Engine) Backend() (name, reason string) { return e.backend, e.reason }

// Generation is the generation of the last Apply.
func (e *Engine) Generation() uint64 { return e.gen.Load() }

// Shutdown stops accepting at once, tells every session that the daemon is
// draining (Host.ShuttingDown), waits until all connections are gone or ctx
// ends, then closes what is left and stops the workers.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.stopped {
		return nil
	}
	e.down.Store(true)
	e.mu.Lock()
	var all []*listen
	for _, k := range e.order {
		all = append(all, e.listens[k])
	}
	e.mu.Unlock()
	e.closeListens(all)
	var err error
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for e.openConns() > 0 {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("engine: shutdown: %d connections left at the deadline: %w", e.openConns(), ctx.Err())
			for _, w := range e.workers {
				w.post(func(w *worker) { w.closeAll(proto.CloseShutdown) })
			}
			for e.openConns() > 0 {
				time.Sleep(time.Millisecond)
			}
		case <-tick.C:
		}
	}
	e.stopWorkers()
	e.stopped = true
	return err
}

func (e *Engine) openConns() int64 {
	var n int64
	for _, w := range e.workers {
		n += w.nconns.Load()
	}
	return n
}

func (e *Engine) stopWorkers() {
	for _, w := range e.workers {
		w.post(func(w *worker) { w.exit = true })
	}
	e.wg.Wait()
}
