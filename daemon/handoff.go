package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"sluice/config"
	"sluice/handoff"
	"sluice/proto"
	"sluice/spool"
)

// handoffState is the egress half of the daemon: the dispatcher that
// passes spooled mail to the Handoff targets, the committer through which
// it stores DSNs (the spool writer after the workers'), and the
// back-pressure watch.
type handoffState struct {
	disp     *handoff.Dispatcher
	dsn      *spool.Committer
	pressure *handoff.Pressure
	flag     atomic.Pointer[handoff.Pressure]   // what sessions read (pressure())
	running  atomic.Pointer[handoff.Dispatcher] // what the console and metrics read
}

// startHandoff starts the dispatcher. Without a Handoff scope it runs with
// no target (keep-only: nothing leaves, -check warns), so that a reload
// that adds the scope starts handing off at once.
func (d *Daemon) startHandoff(c *config.Config) error {
	o, err := d.handoffOptions(c)
	if err != nil {
		return err
	}
	d.ho.dsn = d.store.NewCommitter(d.workers(c.Global()), 0)
	o.Store, o.Log = d.store, d.log
	o.Inject = func(env *spool.Envelope, data []byte) (spool.ID, error) { return d.ho.dsn.Submit(env, data) }
	if d.ho.disp, err = handoff.Start(o); err != nil {
		closeTargets(o.Targets)
		return err
	}
	hw := highWater(c)
	d.ho.pressure = handoff.NewPressure(d.store, hw.Percent, hw.Bytes, 0, d.log)
	d.ho.flag.Store(d.ho.pressure)
	d.ho.running.Store(d.ho.disp)
	return nil
}

// reconfigureHandoff swaps the targets and retry settings of a new
// generation. It builds every target first, so an unusable one (a Maildir
// that cannot be created) fails the reload and changes nothing.
func (d *Daemon) reconfigureHandoff(c *config.Config) error {
	if d.ho.disp == nil {
		return nil
	}
	o, err := d.handoffOptions(c)
	if err != nil {
		return err
	}
	d.ho.disp.Reconfigure(o)
	hw := highWater(c)
	d.ho.pressure.SetMark(hw.Percent, hw.Bytes)
	return nil
}

func (d *Daemon) stopHandoff(ctx context.Context) error {
	var err error
	if d.ho.pressure != nil {
		d.ho.flag.Store(nil)
		d.ho.pressure.Close()
	}
	d.ho.running.Store(nil)
	if d.ho.disp != nil {
		err = d.ho.disp.Close(ctx)
	}
	if d.ho.dsn != nil {
		d.ho.dsn.Close()
	}
	d.ho.disp, d.ho.dsn, d.ho.pressure = nil, nil, nil
	return err
}

// Handoff is the dispatcher (nil before start and after shutdown).
func (d *Daemon) Handoff() *handoff.Dispatcher { return d.ho.running.Load() }

// BackPressure reports whether the spool is above Spool_High_Water.
func (d *Daemon) BackPressure() bool { return d.ho.flag.Load().On() }

// pressure is the flag the protocol factories consult at each new message
// (proto.Pressure): stable across generations, off while hand-off is not
// running.
func (d *Daemon) pressure() proto.Pressure { return pressureFlag{&d.ho.flag} }

type pressureFlag struct {
	p *atomic.Pointer[handoff.Pressure]
}

func (f pressureFlag) On() bool { return f.p.Load().On() }

func highWater(c *config.Config) config.HighWater {
	if h := c.Handoff(); h != nil {
		return h.HighWater
	}
	hw, _ := config.ParseHighWater("80%")
	return hw
}

// handoffOptions builds the targets and durations of c's Handoff scope.
func (d *Daemon) handoffOptions(c *config.Config) (handoff.Options, error) {
	var o handoff.Options
	o.Hostname = c.Global().String("hostname")
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
	}
	h := c.Handoff()
	if h == nil {
		return o, nil
	}
	o.RetryInterval, o.MaxRetryInterval = h.RetryInterval, h.MaxRetryInterval
	o.MaxRetryTime, o.DrainTime = h.MaxRetryTime, h.DrainTime
	for _, t := range h.Targets {
		tg, err := newTarget(t, o.Hostname)
		if err != nil {
			closeTargets(o.Targets)
			return o, fmt.Errorf("daemon: Handoff Target %q at %s: %w", t.URL, t.Src, err)
		}
		o.Targets = append(o.Targets, handoff.TargetSpec{Name: t.URL, Target: tg,
			Connections: t.Connections, Weight: t.Weight})
	}
	return o, nil
}

// newTarget makes the client of one Target scope.
func newTarget(t *config.Target, host string) (handoff.Target, error) {
	switch t.Scheme {
	case "maildir":
		dir, err := filepath.Abs(t.Path)
		if err != nil {
			return nil, err
		}
		return handoff.NewMaildir(dir)
	case "smtp", "lmtp":
		helo := t.HeloName
		if helo == "" {
			helo = host
		}
		return handoff.NewSMTP(handoff.SMTPOptions{LMTP: t.Scheme == "lmtp", Network: t.Network, Addr: t.Addr,
			HeloName: helo, TLS: t.TLS, TLSVerify: t.TLSVerify, Timeout: t.Timeout, MaxIdle: t.Connections}), nil
	case "nats":
		return handoff.NewJetStream(handoff.JetStreamOptions{URL: "nats://" + t.Addr, Stream: t.Stream,
			Subject: t.Subject, Timeout: t.Timeout, Name: "sluice " + host}), nil
	}
	return nil, fmt.Errorf("scheme %s is not supported by this build", t.Scheme)
}

func closeTargets(ts []handoff.TargetSpec) {
	for _, t := range ts {
		t.Target.Close()
	}
}
