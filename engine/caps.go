package engine

import (
	"sync"
	"sync/atomic"

	"sluice/acl"
	"sluice/config"
)

// budget is one session cap shared by every worker. A slot is taken at
// accept and given back when the connection is fully closed.
type budget struct {
	n atomic.Int64
}

func (b *budget) take(limit int64) bool {
	for {
		cur := b.n.Load()
		if cur >= limit {
			return false
		}
		if b.n.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

func (b *budget) give() { b.n.Add(-1) }

// capTable maps a budget key to its counter. Budgets live as long as the
// Engine so that connections accepted under an older generation keep
// counting against the same budget after a reload.
type capTable struct {
	m sync.Map // string -> *budget
}

func (t *capTable) get(key string) *budget {
	if b, ok := t.m.Load(key); ok {
		return b.(*budget)
	}
	b, _ := t.m.LoadOrStore(key, new(budget))
	return b.(*budget)
}

// capKey names the budget an option value counts against. A cap set inside a
// Peer scope is a budget per that Peer block (its console path is unique);
// otherwise Listener_Sessions is shared by the listener (per scope that set
// it, so a cap written in one Listen is that Listen's) and Service_Sessions
// by the service.
func capKey(opt string, v *config.Value, m *acl.Match, s *ListenSpec) string {
	if v.Scope != "" && m != nil {
		for _, p := range m.Chain {
			if p == v.Scope {
				return "peer\x00" + opt + "\x00" + p
			}
		}
	}
	if opt == "service_sessions" {
		return "service\x00" + s.Service
	}
	return "listener\x00" + s.Listener + "\x00" + v.Scope
}

// takeCaps takes a slot from each cap that applies; on refusal nothing is
// held. The returned budgets must be given back on close.
func (e *Engine) takeCaps(m *acl.Match, s *ListenSpec) (held [2]*budget, ok bool) {
	if m == nil || m.Policy == nil {
		return held, true
	}
	for i, opt := range [2]string{"listener_sessions", "service_sessions"} {
		v, found := m.Policy.Value(opt)
		if !found || v.Int <= 0 {
			continue
		}
		key := capKey(opt, v, m, s)
		b := e.caps.get(key)
		wide := m.Policy.Bool("cluster_wide")
		if !b.take(v.Int - e.remoteHeld(wide, key)) {
			for _, h := range held {
				if h != nil {
					h.give()
				}
			}
			return [2]*budget{}, false
		}
		held[i] = b
		if wide {
			e.tookClusterWide()
		}
	}
	return held, true
}
