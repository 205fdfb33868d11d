package handoff

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sluice/spool"
)

// Pressure is the back-pressure flag: on while the spool is above its
// high-water mark. Sessions read it (On) when a transaction starts and
// refuse new mail with a temporary failure; mail already in DATA finishes.
// It turns off by itself once the spool falls below 95% of the mark (the
// margin keeps it from flapping on every message).
type Pressure struct {
	on     atomic.Bool
	st     *spool.Store
	log    *slog.Logger
	mu     sync.Mutex
	pct    float64 // of the filesystem, when > 0
	bytes  int64   // of live spool records, when > 0
	stop   chan struct{}
	done   chan struct{}
	statfs func(dir string) (used, total uint64, err error)
}

// NewPressure watches st every interval (default 500 ms) against the mark:
// percent of the spool filesystem's space in use (percent > 0), or bytes of
// live records (bytes > 0).
func NewPressure(st *spool.Store, percent float64, bytes int64, interval time.Duration, log *slog.Logger) *Pressure {
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	p := &Pressure{st: st, log: log, pct: percent, bytes: bytes, stop: make(chan struct{}), done: make(chan struct{}), statfs: statfs}
	go p.run(interval)
	return p
}

// On reports back-pressure. Safe from any goroutine; one atomic load.
func (p *Pressure) On() bool { return p != nil && p.on.Load() }

// SetMark changes the high-water mark (config reload).
func (p *Pressure) SetMark(percent float64, bytes int64) {
	p.mu.Lock()
	p.pct, p.bytes = percent, bytes
	p.mu.Unlock()
}

// Close stops watching.
func (p *Pressure) Close() {
	close(p.stop)
	<-p.done
}

func (p *Pressure) run(interval time.Duration) {
	defer close(p.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.check()
		select {
		case <-t.C:
		case <-p.stop:
			return
		}
	}
}

// check compares the spool with the mark and flips the flag.
func (p *Pressure) check() {
	p.mu.Lock()
	pct, mark := p.pct, p.bytes
	p.mu.Unlock()
	var level, limit float64
	if pct > 0 {
		used, total, err := p.statfs(p.st.Dir())
		if err != nil || total == 0 {
			return
		}
		level, limit = float64(used)*100/float64(total), pct
	} else if mark > 0 {
		level, limit = float64(p.st.Backlog().Bytes), float64(mark)
	} else {
		return
	}
	was := p.on.Load()
	switch {
	case !was && level >= limit:
		p.on.Store(true)
		p.log.Warn("handoff: spool above Spool_High_Water: new mail is refused with a temporary failure", "level", level, "mark", limit)
	case was && level < limit*0.95:
		p.on.Store(false)
		p.log.Info("handoff: spool back below Spool_High_Water: accepting mail again", "level", level, "mark", limit)
	}
}

func statfs(dir string) (used, total uint64, err error) {
	var s unix.Statfs_t
	if err = unix.Statfs(dir, &s); err != nil {
		return 0, 0, err
	}
	total = s.Blocks * uint64(s.Bsize)
	used = total - s.Bavail*uint64(s.Bsize)
	return used, total, nil
}
