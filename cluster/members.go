package cluster

import (
	"sort"
	"sync"
	"time"
)

// Member is one node as this node sees it.
type Member struct {
	Heartbeat
	State    string    `json:"state"` // "up" or "gone"
	LastSeen time.Time `json:"last_seen"`
}

// members is the table of every node ever heard from since start. A node
// is "gone" when its last heartbeat is older than the timeout; it stays
// listed, and is "up" again with its next heartbeat.
type members struct {
	timeout time.Duration
	mu      sync.Mutex
	m       map[string]*Member
}

func newMembers(timeout time.Duration) *members {
	return &members{timeout: timeout, m: map[string]*Member{}}
}

func (t *members) see(hb Heartbeat, now time.Time) {
	t.mu.Lock()
	t.m[hb.Node] = &Member{Heartbeat: hb, LastSeen: now}
	t.mu.Unlock()
}

func (t *members) list(now time.Time) []Member {
	t.mu.Lock()
	out := make([]Member, 0, len(t.m))
	for _, m := range t.m {
		c := *m
		c.State = "up"
		if now.Sub(m.LastSeen) > t.timeout {
			c.State = "gone"
		}
		out = append(out, c)
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}
