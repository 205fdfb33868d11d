package load

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"sluice/bench/hist"
)

// Doer performs one operation and reports how many operations it
// completed (an ECStream batch counts its messages). A Doer whose Do
// failed is closed and replaced by a fresh one from the Factory.
type Doer interface {
	Do() (int, error)
	Close() error
}

// Factory makes worker id's Doer (usually: dial and greet).
type Factory func(id int) (Doer, error)

// Run executes one run of c.Scenario. progress receives the progress bar
// when c.Progress is set.
func Run(ctx context.Context, c Config, progress io.Writer) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Scenario {
	case IdleHold:
		return runIdle(ctx, &c, progress)
	case Exec:
		return runExec(ctx, &c)
	}
	f, err := factoryFor(&c)
	if err != nil {
		return nil, err
	}
	return RunLoop(ctx, &c, f, progress)
}

func factoryFor(c *Config) (Factory, error) {
	switch c.Scenario {
	case SMTPKeepalive:
		return smtpKeepaliveFactory(c), nil
	case SMTPSession:
		return smtpSessionFactory(c), nil
	case ConnRate:
		return connRateFactory(c), nil
	case HTTP:
		return httpFactory(c), nil
	case ECStream:
		return ecsFactory(c), nil
	case Transmission:
		return txFactory(c), nil
	}
	return nil, fmt.Errorf("load: no load generator for %q", c.Scenario)
}

// loop is the shared state of one run's workers.
type loop struct {
	c      *Config
	f      Factory
	start  time.Time
	next   atomic.Int64 // op index claimed next (open-loop schedule, -ops budget)
	done   atomic.Int64 // operations completed
	errs   atomic.Int64
	mu     sync.Mutex
	first  error
	cancel context.CancelFunc
}

// RunLoop connects c.Conns workers from f, then drives them (closed or open
// loop) and measures the server around the driving phase only.
func RunLoop(ctx context.Context, c *Config, f Factory, progress io.Writer) (*Result, error) {
	doers := make([]Doer, c.Conns)
	for i := range doers {
		d, err := f(i)
		if err != nil {
			closeAll(doers[:i])
			return nil, fmt.Errorf("load: worker %d: %w", i, err)
		}
		doers[i] = d
	}
	pr, err := startProbe(c.ServerPID, c.Perf)
	if err != nil {
		closeAll(doers)
		return nil, err
	}
	res := newResult(c)
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &loop{c: c, f: f, start: time.Now(), cancel: cancel}
	hists := make([]hist.Hist, c.Conns)
	var wg sync.WaitGroup
	for i := range doers {
		wg.Go(func() { doers[i] = l.worker(ctx, i, doers[i], &hists[i]) })
	}
	stopBar := startBar(c, progress, l)
	wg.Wait()
	stopBar()
	elapsed := time.Since(l.start)
	res.Server, err = pr.stop(l.done.Load())
	closeAll(doers)
	if err != nil {
		return nil, err
	}
	var h hist.Hist
	for i := range hists {
		h.Merge(&hists[i])
	}
	res.Seconds, res.Ops, res.Errors = elapsed.Seconds(), l.done.Load(), l.errs.Load()
	res.OpsPerSec = float64(res.Ops) / elapsed.Seconds()
	res.Latency = h.Summarize()
	if l.first != nil {
		res.FirstError = l.first.Error()
	}
	return res, nil
}

func (l *loop) worker(ctx context.Context, id int, d Doer, h *hist.Hist) Doer {
	for ctx.Err() == nil {
		i := l.next.Add(1) - 1
		if l.c.Ops > 0 && i >= l.c.Ops {
			return d
		}
		due := time.Now()
		if l.c.Rate > 0 {
			due = l.start.Add(time.Duration(float64(i) / l.c.Rate * float64(time.Second)))
			if !sleepUntil(ctx, due) {
				return d
			}
		}
		if d == nil {
			d = l.redial(ctx, id)
			if d == nil {
				return nil
			}
		}
		n, err := d.Do()
		if err != nil {
			l.fail(err)
			d.Close()
			d = nil
			continue
		}
		h.Record(time.Since(due))
		l.done.Add(int64(n))
	}
	return d
}

// redial replaces a failed worker, pacing retries so a dead server does
// not turn the client into a busy loop.
func (l *loop) redial(ctx context.Context, id int) Doer {
	for ctx.Err() == nil {
		d, err := l.f(id)
		if err == nil {
			return d
		}
		l.fail(err)
		sleepUntil(ctx, time.Now().Add(50*time.Millisecond))
	}
	return nil
}

// fail counts an error; a run that has only failed 1000 times stops.
func (l *loop) fail(err error) {
	n := l.errs.Add(1)
	l.mu.Lock()
	if l.first == nil {
		l.first = err
	}
	l.mu.Unlock()
	if n >= 1000 && l.done.Load() == 0 {
		l.cancel()
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func closeAll(ds []Doer) {
	for _, d := range ds {
		if d != nil {
			d.Close()
		}
	}
}
