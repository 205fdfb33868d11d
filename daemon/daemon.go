// Package daemon assembles sluice: it loads a config generation, opens the
// spool, starts the engine, builds one engine spec per generation (ACL
// tables, protocol factories, socket options) and applies it, serves
// /metrics, and answers the console.
//
// Concurrency: every change of generation (reload, console set/unset,
// SIGHUP) is serialised by Daemon.mu; readers take the current generation
// with an atomic load and never wait. An invalid generation is never
// applied: the old one keeps serving untouched.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sluice/proto/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/cluster"
	"sluice/config"
	"sluice/engine"
	"sluice/metrics/stat"
	"sluice/spool"
)

// Options are the command-line overrides of the config's global options.
type Options struct {
	ConfigPath  string         // "" = the embedded default config
	Config      *config.Config // already loaded from ConfigPath (nil: New loads it)
	EventLoop   string         // "" = the config's Event_Loop, else auto
	Workers     int            // 0 = the config's Workers, else GOMAXPROCS
	SpoolDir    string         // "" = the config's Spoolbase
	MetricsAddr string         // "" = the config's Metrics_Listen; "off" = none
	Log         *slog.Logger
	// Inherited are listening sockets this process received (upgrade,
	// systemd socket activation); New serves them instead of binding.
	Inherited []InheritedSocket
	// BeforeSpool runs after every Listen is bound and before the spool is
	// opened (upgrade: wait until the predecessor has released it).
	BeforeSpool func() error
}

// Daemon is one running sluice.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	started time.Time

	mu  sync.Mutex // serialises generation changes and Apply
	cfg atomic.Pointer[config.Config]

	eng        *engine.Engine
	sock       *sockets      // sockets.go: one daemon per port, binds ahead of Apply
	probing    atomic.Bool   // alive.go: a liveness probe is in flight
	rates      rates         // rate.go: a minute of samples for summary's current rates
	upgradeReq chan struct{} // upgrade.go: console "upgrade"
	store      *spool.Store
	spoolDir   string
	stats      *stats
	metrics    *http.Server
	metAddr    net.Addr
	reg        *prometheus.Registry
	protos     map[string]*stat.Proto // per protocol, for the daemon's life
	ho         handoffState           // handoff.go
	tpl        templates              // the HTTP_Listener's stored templates (templates.go)
	clu        *cluster.Node          // nil when not in a cluster (cluster.go)

	reloadOK, reloadFailed atomic.Uint64
	lastReloadBad          atomic.Bool

	done     chan struct{}
	doneOnce sync.Once

	edge *edgeState         // the edge defences' state (edge.go)
	flt  smtp.FilterClients // policy and milter clients for the daemon's life (filters.go)
}

// New loads the configuration and starts serving it.
func New(o Options) (*Daemon, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	c, err := o.Config, error(nil)
	if c == nil {
		if c, err = loadConfig(o.ConfigPath); err != nil {
			return nil, err
		}
	}
	for _, w := range c.Warnings {
		o.Log.Warn("config", "warning", w)
	}
	d := newDaemon(o, c)
	d.applyBudget(c)
	g := c.Global()
	dir := firstNonEmpty(o.SpoolDir, g.String("spoolbase"), "var/spool")
	if d.spoolDir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("daemon: spool directory %s: %w", dir, err)
	}
	d.initProtoStats(d.workers(g))
	spec, err := d.buildSpec(c)
	if err != nil {
		return nil, err
	}
	// Every Listen is bound before the spool is opened and before any is
	// served: a port another sluiced or program holds ends the start-up
	// (exit 1) unless Start_On_Listen_Failure says to serve the rest.
	if c.Path == "<default>" {
		// The embedded default keeps its console socket in var/ under the
		// working directory; that one directory is made for it. A file's
		// Unix Listens need their directories to exist.
		for _, ls := range spec.Listens {
			if ls.Network == "unix" && ls.Enabled {
				if err := os.MkdirAll(filepath.Dir(ls.Address), 0o750); err != nil {
					return nil, fmt.Errorf("daemon: directory for %s: %w", ls.Address, err)
				}
			}
		}
	}
	d.sock = newSockets(d.workers(g))
	notes, err := d.sock.adopt(o.Inherited, spec.Listens)
	for _, n := range notes {
		o.Log.Warn("inherited sockets", "note", n)
	}
	if err != nil {
		d.sock.close()
		return nil, err
	}
	if err := d.sock.prepare(spec.Listens); err != nil {
		if !g.Bool("start_on_listen_failure") {
			d.sock.close()
			return nil, err
		}
		o.Log.Error("some Listens failed to bind; serving the rest (Start_On_Listen_Failure = true)", "err", err)
	}
	if o.BeforeSpool != nil {
		if err := o.BeforeSpool(); err != nil {
			d.sock.close()
			return nil, err
		}
	}
	// One writer per worker, and one more for the hand-off's DSNs.
	if d.store, err = openSpool(d.spoolDir, d.workers(g)+1, o.Log); err != nil {
		d.sock.close()
		return nil, err
	}
	d.setupSpill()
	backend := firstNonEmpty(o.EventLoop, g.String("event_loop_backend"), "auto")
	d.eng, err = engine.New(engine.Options{Workers: d.workers(g), Backend: backend,
		Log: o.Log, Spool: engine.StoreSpool(d.store), Open: d.sock.open, Limiter: d.edge.limits,
		FdReserve: int(g.Int("fd_reserve")), Screen: d.edge.screen(),
		TLSOnGoroutine: strings.EqualFold(g.String("tls_record_layer"), "goroutine")})
	if err != nil {
		d.sock.close()
		d.store.Close()
		return nil, err
	}
	if err := d.startMetrics(firstNonEmpty(o.MetricsAddr, g.String("metrics_listen"))); err != nil {
		d.Shutdown(context.Background())
		return nil, err
	}
	if err := d.startHandoff(c); err != nil {
		d.Shutdown(context.Background())
		return nil, err
	}
	if err := d.startCluster(c); err != nil {
		d.Shutdown(context.Background())
		return nil, err
	}
	if err := d.apply0(spec); err != nil {
		o.Log.Error("some Listens failed to start", "err", err)
	}
	d.sock.applied(spec.Listens)
	go d.sampleRates()
	d.logServing()
	return d, nil
}

func (d *Daemon) pid() int { return os.Getpid() }

// newDaemon is the state New and Check share, before anything is opened.
func newDaemon(o Options, c *config.Config) *Daemon {
	d := &Daemon{opts: o, log: o.Log, started: time.Now(), done: make(chan struct{}), stats: newStats(),
		upgradeReq: make(chan struct{}, 1)}
	d.edge = newEdge(c.Global(), o.Log)
	d.cfg.Store(c)
	return d
}

func (d *Daemon) workers(g *config.Policy) int {
	if d.opts.Workers > 0 {
		return d.opts.Workers
	}
	if n := int(g.Int("workers")); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// openSpool opens (and recovers) the spool in the absolute directory dir.
func openSpool(dir string, workers int, log *slog.Logger) (*spool.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("daemon: spool directory %s: %w (set Spoolbase or -spool to a writable directory)", dir, err)
	}
	st, err := spool.Open(dir, workers, log)
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	return st, nil
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.LoadDefault()
	}
	return config.Load(path)
}

// Config returns the generation now serving.
func (d *Daemon) Config() *config.Config { return d.cfg.Load() }

// Engine returns the engine (for tests and the console).
func (d *Daemon) Engine() *engine.Engine { return d.eng }

// Store returns the spool.
func (d *Daemon) Store() *spool.Store { return d.store }

// MetricsAddr is where /metrics is served, nil when off.
func (d *Daemon) MetricsAddr() net.Addr { return d.metAddr }

// Done is closed when a console "shutdown" asks the process to stop.
func (d *Daemon) Done() <-chan struct{} { return d.done }

func (d *Daemon) requestStop() { d.doneOnce.Do(func() { close(d.done) }) }

// Shutdown stops accepting, lets sessions drain until ctx ends, and closes
// the spool after the last commit.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.requestStop()
	var errs []error
	if d.metrics != nil {
		d.metrics.Close()
	}
	if d.eng != nil {
		errs = append(errs, d.eng.Shutdown(ctx))
	}
	errs = append(errs, d.stopHandoff(ctx))
	if d.sock != nil {
		d.sock.close()
	}
	d.stopCluster()
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	return errors.Join(errs...)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
