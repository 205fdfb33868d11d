package handoff

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"sluice/spool"
)

// TargetSpec is one configured target.
type TargetSpec struct {
	Name        string // the Target URL; names the target in logs, metrics and the console
	Target      Target
	Connections int // concurrent deliveries (pooled sessions)
	Weight      int // share of the traffic among targets that are up
}

// Options configure a Dispatcher. Zero durations take the defaults of the
// Handoff scope (30 s, 1 h, 5 days, 10 s).
type Options struct {
	Store            *spool.Store
	Targets          []TargetSpec
	RetryInterval    time.Duration
	MaxRetryInterval time.Duration
	MaxRetryTime     time.Duration
	DrainTime        time.Duration
	// Inject makes a DSN durable in the spool (it is then handed off like
	// any message). Nil: no DSNs, permanent failures are only buried.
	Inject   func(env *spool.Envelope, data []byte) (spool.ID, error)
	Hostname string // reporting MTA in DSNs
	Log      *slog.Logger
}

// Dispatcher hands the spool's records to targets. Start it with Start;
// its methods are safe for concurrent use.
type Dispatcher struct {
	o   Options
	st  *spool.Store
	log *slog.Logger

	// Owned by the loop goroutine.
	state    *stateFile
	prog     map[spool.ID]*progress
	where    map[spool.ID]uint8 // qReady, qWaiting, qFlight
	ready    []spool.ID
	waiting  waitHeap
	targets  []*tstate
	inflight int
	stopping bool
	rr       int

	results chan result
	ctl     chan func()
	acks    chan spool.ID
	ackMu   sync.Mutex
	acked   []ackReport
	ackedCh chan struct{}
	feed    <-chan struct{}
	idbuf   []spool.ID

	deliverCtx    context.Context
	cancelDeliver context.CancelFunc
	loopDone      chan struct{}
	ackDone       chan struct{}
	stopOnce      sync.Once
	closeOnce     sync.Once
	closeErr      error
	stop          chan struct{}

	cmu      sync.Mutex
	counters map[string]*counters // by target name, across reloads
}

const (
	qReady uint8 = iota + 1
	qWaiting
	qFlight
)

// Start recovers the retry state, queues every live record and starts
// handing off.
func Start(o Options) (*Dispatcher, error) {
	if o.Store == nil {
		return nil, errors.New("handoff: no spool")
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = 30 * time.Second
	}
	if o.MaxRetryInterval <= 0 {
		o.MaxRetryInterval = time.Hour
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = 5 * 24 * time.Hour
	}
	if o.DrainTime <= 0 {
		o.DrainTime = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	d := &Dispatcher{o: o, st: o.Store, log: o.Log, where: map[spool.ID]uint8{},
		results: make(chan result, 256), ctl: make(chan func()), acks: make(chan spool.ID, 4096), ackedCh: make(chan struct{}, 1),
		loopDone: make(chan struct{}), ackDone: make(chan struct{}), stop: make(chan struct{}),
		counters: map[string]*counters{}}
	d.deliverCtx, d.cancelDeliver = context.WithCancel(context.Background())
	feed, live := o.Store.Follow()
	d.feed = feed
	liveSet := make(map[spool.ID]bool, len(live))
	for _, id := range live {
		liveSet[id] = true
	}
	var err error
	d.state, d.prog, err = loadState(o.Store.Dir(), func(id spool.ID) bool { return liveSet[id] })
	if err != nil {
		return nil, fmt.Errorf("handoff: retry state in %s: %w (check the spool directory's permissions)", o.Store.Dir(), err)
	}
	now := time.Now()
	for _, id := range live {
		if p := d.prog[id]; p != nil && p.next.After(now) {
			d.where[id] = qWaiting
			heap.Push(&d.waiting, waitItem{p.next, id})
			continue
		}
		d.where[id] = qReady
		d.ready = append(d.ready, id)
	}
	d.setTargets(o.Targets)
	go d.acker()
	go d.loop()
	return d, nil
}

// Close stops handing off: no new deliveries start, those in flight get
// up to DrainTime (or until ctx ends) to finish, the rest stays in the
// spool for the next start.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.closeOnce.Do(func() { d.closeErr = d.close(ctx) })
	return d.closeErr
}

func (d *Dispatcher) close(ctx context.Context) error {
	dt := time.Duration(1)
	d.call(func() { dt = d.o.DrainTime })
	d.stopOnce.Do(func() { close(d.stop) })
	drain := time.NewTimer(dt)
	defer drain.Stop()
	select {
	case <-d.loopDone:
	case <-drain.C:
		d.cancelDeliver()
		<-d.loopDone
	case <-ctx.Done():
		d.cancelDeliver()
		<-d.loopDone
	}
	d.cancelDeliver()
	for _, t := range d.targets {
		t.retire()
	}
	for _, t := range d.targets {
		t.wg.Wait()
		t.spec.Target.Close()
	}
	close(d.acks)
	<-d.ackDone
	return d.state.close()
}

// loop owns the queue state: it takes new records from the spool feed,
// hands ready ones to targets, takes results back and wakes deferred ones.
// feedCoalesce bounds how often the dispatcher takes newly committed records.
const feedCoalesce = time.Millisecond

func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// The feed is read at most once per feedCoalesce: a busy ingress commits
	// many batches a millisecond, and waking this goroutine for each one cost
	// the workers a scheduler wake-up per batch (+40% CPU per message seen).
	// Between reads the feed's channel stays full, so publish never wakes us.
	coalesce := time.NewTimer(time.Hour)
	coalesce.Stop()
	defer coalesce.Stop()
	feed := d.feed
	stop := d.stop
	for {
		d.dispatch()
		if d.stopping && d.inflight == 0 {
			return
		}
		timer.Reset(d.nextWake())
		select {
		case <-feed:
			d.takeFeed()
			feed = nil
			coalesce.Reset(feedCoalesce)
		case <-coalesce.C:
			feed = d.feed
		case r := <-d.results:
			d.finish(r)
		case fn := <-d.ctl:
			fn()
		case <-d.ackedCh:
			d.takeAcked()
		case <-timer.C:
			d.wake(time.Now())
		case <-stop:
			d.stopping, stop = true, nil
		}
		if d.state.n > 0 {
			d.state.flush()
			if d.state.n > 4*len(d.prog)+10000 {
				d.state.rewrite(d.prog)
			}
		}
	}
}

func (d *Dispatcher) takeFeed() {
	d.idbuf = d.st.Committed(d.idbuf)
	for _, id := range d.idbuf {
		if d.where[id] == 0 {
			d.where[id] = qReady
			d.ready = append(d.ready, id)
		}
	}
}

// nextWake is how long the loop may sleep: until the next deferred record
// is due, or a circuit breaker closes while records are ready.
func (d *Dispatcher) nextWake() time.Duration {
	wake := time.Hour
	now := time.Now()
	if len(d.waiting) > 0 {
		wake = min(wake, d.waiting[0].at.Sub(now))
	}
	if len(d.ready) > 0 {
		for _, t := range d.targets {
			if t.down(now) {
				wake = min(wake, t.downUntil.Sub(now))
			}
		}
	}
	return max(wake, time.Millisecond)
}

// wake moves due deferred records to the ready queue.
func (d *Dispatcher) wake(now time.Time) {
	for len(d.waiting) > 0 && !d.waiting[0].at.After(now) {
		it := heap.Pop(&d.waiting).(waitItem)
		if d.where[it.id] == qWaiting {
			d.where[it.id] = qReady
			d.ready = append(d.ready, it.id)
		}
	}
}

// backoff is the delay before attempt n+1 after n failed attempts.
func (d *Dispatcher) backoff(n int) time.Duration {
	b := d.o.RetryInterval
	for i := 1; i < n && b < d.o.MaxRetryInterval; i++ {
		b *= 2
	}
	return min(b, d.o.MaxRetryInterval)
}

// waitHeap orders deferred records by retry time.
type waitItem struct {
	at time.Time
	id spool.ID
}

type waitHeap []waitItem

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h waitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *waitHeap) Push(x any)        { *h = append(*h, x.(waitItem)) }
func (h *waitHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
