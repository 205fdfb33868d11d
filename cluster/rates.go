package cluster

import (
	"sync"
	"time"
)

// Cluster-wide message rates (Inbound_Throttle_Messages in a Peer scope
// with Cluster_Wide = true). Each node counts the messages it admits per
// key in fixed windows (anvil's: the first message opens a window of the
// limit's period) and gossips the counts with the session counts; a
// message is admitted when the local count plus the other nodes' counts
// of windows still open is below the limit. The precision is that of the
// session caps: messages the other nodes admitted since their last gossip
// are not seen yet.

// maxRateKeys bounds the sources tracked; beyond it a new source is let
// through uncounted (fail open), as the local throttle table does.
const maxRateKeys = 1 << 16

type rateWin struct {
	end     time.Time
	n       int64
	changed bool
}

// rateWire is one key on the wire: the count and how long its window
// still runs (a duration, so the nodes' clocks need not agree).
type rateWire struct {
	N   int64 `json:"n"`
	TTL int64 `json:"ttl_ms"`
}

type rates struct {
	mu       sync.Mutex
	local    map[string]*rateWin
	remote   map[string]map[string]rateWin // node -> key -> window (end in local time)
	lastFull time.Time
}

func newRates() *rates {
	return &rates{local: map[string]*rateWin{}, remote: map[string]map[string]rateWin{}}
}

// AllowRate counts one message for key against limit per period across the
// cluster. It never blocks on I/O: a mutex and two map walks; a kick sends
// the new count out at once.
func (n *Node) AllowRate(key string, limit int64, period time.Duration, now time.Time) (bool, time.Duration) {
	ok, retry, counted := n.rates.take(key, limit, period, now)
	if counted {
		n.Kick()
	}
	return ok, retry
}

func (r *rates) take(key string, limit int64, period time.Duration, now time.Time) (ok bool, retry time.Duration, counted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.local[key]
	if w == nil {
		if len(r.local) >= maxRateKeys {
			r.prune(now)
			if len(r.local) >= maxRateKeys {
				return true, 0, false
			}
		}
		w = &rateWin{}
		r.local[key] = w
	}
	if !now.Before(w.end) {
		w.n, w.end = 0, now.Add(period)
	}
	var remote int64
	for _, m := range r.remote {
		if rw, ok := m[key]; ok && now.Before(rw.end) {
			remote += rw.n
		}
	}
	if w.n+remote >= limit {
		return false, w.end.Sub(now), false
	}
	w.n++
	w.changed = true
	return true, 0, true
}

// prune drops windows that are over. Callers hold r.mu.
func (r *rates) prune(now time.Time) {
	for k, w := range r.local {
		if !now.Before(w.end) {
			delete(r.local, k)
		}
	}
	for node, m := range r.remote {
		for k, w := range m {
			if !now.Before(w.end) {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(r.remote, node)
		}
	}
}

// snapshot returns the open windows to gossip: the changed ones, or all of
// them once a second (so a node that missed a message catches up).
func (r *rates) snapshot(now time.Time) map[string]rateWire {
	r.mu.Lock()
	defer r.mu.Unlock()
	full := now.Sub(r.lastFull) >= time.Second
	if full {
		r.lastFull = now
		r.prune(now)
	}
	var out map[string]rateWire
	for k, w := range r.local {
		if (full || w.changed) && now.Before(w.end) {
			if out == nil {
				out = map[string]rateWire{}
			}
			out[k] = rateWire{N: w.n, TTL: w.end.Sub(now).Milliseconds() + 1}
			w.changed = false
		}
	}
	return out
}

func (r *rates) put(node string, m map[string]rateWire, now time.Time) {
	if len(m) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.remote[node]
	if rm == nil {
		rm = map[string]rateWin{}
		r.remote[node] = rm
	}
	for k, w := range m {
		if len(rm) >= maxRateKeys {
			break
		}
		rm[k] = rateWin{n: w.N, end: now.Add(time.Duration(w.TTL) * time.Millisecond)}
	}
}
