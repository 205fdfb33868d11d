package cluster

import (
	"encoding/json"
	"maps"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// gossipEvery is how often a node publishes its Cluster_Wide session
// counts. The cluster-wide cap admits a session when the local count plus
// the last counts heard from the other nodes is below the cap, so during a
// burst the cluster can go over the cap by what the other nodes admitted
// since their last gossip (docs/cluster.md, "Precision").
const gossipEvery = 100 * time.Millisecond

type countsMsg struct {
	Node   string              `json:"node"`
	Counts map[string]int64    `json:"counts"`
	Rates  map[string]rateWire `json:"rates,omitempty"` // rates.go
}

// remoteCounts holds the last counts gossiped by every other node.
type remoteCounts struct {
	self    string
	timeout time.Duration
	mu      sync.RWMutex
	by      map[string]nodeCounts
}

type nodeCounts struct {
	at     time.Time
	counts map[string]int64
}

func newRemoteCounts(self string, timeout time.Duration) *remoteCounts {
	return &remoteCounts{self: self, timeout: timeout, by: map[string]nodeCounts{}}
}

func (r *remoteCounts) put(node string, c map[string]int64, now time.Time) {
	r.mu.Lock()
	r.by[node] = nodeCounts{at: now, counts: c}
	r.mu.Unlock()
}

// sum is the open sessions of key on the other nodes heard from within the
// timeout (a gone node's sessions died with it, or are unreachable).
func (r *remoteCounts) sum(key string, now time.Time) int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var t int64
	for _, nc := range r.by {
		if now.Sub(nc.at) <= r.timeout {
			t += nc.counts[key]
		}
	}
	return t
}

// Kick asks for the counts to go out now; it never blocks (an engine
// worker calls it after admitting a Cluster_Wide session).
func (n *Node) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// gossipLoop publishes the counts on every kick and every gossipEvery.
func (n *Node) gossipLoop() {
	defer n.wg.Done()
	t := time.NewTicker(gossipEvery)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.kick:
		case <-t.C:
		}
		n.gossip()
	}
}

func (n *Node) gossip() {
	cm := countsMsg{Node: n.o.Node, Rates: n.rates.snapshot(time.Now())}
	if n.h.Counts != nil {
		cm.Counts = n.h.Counts()
	}
	b, _ := json.Marshal(cm)
	n.nc.Publish(n.prefix+".sessions", b)
}

func (n *Node) onCounts(m *nats.Msg) {
	var cm countsMsg
	if json.Unmarshal(m.Data, &cm) != nil || cm.Node == "" || cm.Node == n.o.Node {
		return
	}
	now := time.Now()
	n.remote.put(cm.Node, maps.Clone(cm.Counts), now)
	n.rates.put(cm.Node, cm.Rates, now)
}

// Remote returns the open sessions of a Cluster_Wide cap key on the other
// nodes, as last gossiped. Safe to call from engine workers: a read lock
// and a map walk, no I/O.
func (n *Node) Remote(key string) int64 { return n.remote.sum(key, time.Now()) }
