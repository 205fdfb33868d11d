package engine

import (
	"strings"
	"sync/atomic"
)

// RemoteCaps is the cluster's side of Cluster_Wide caps. Both functions
// are called on the accept path of a worker, so they must not block.
type RemoteCaps struct {
	// Held returns the sessions the other nodes hold against a budget key
	// (gossiped counts).
	Held func(key string) int64
	// Taken is told that a cluster-wide budget grew, so the counts go out
	// at once rather than at the next periodic gossip.
	Taken func()
}

// remoteCaps is set once the cluster is up; nil means a node on its own.
type remoteCaps struct{ f atomic.Pointer[RemoteCaps] }

// SetRemoteCaps makes caps in Peer scopes with Cluster_Wide = true count
// the sessions of the other nodes too: such a cap admits a session when
// local + remote < cap. nil turns it off.
func (e *Engine) SetRemoteCaps(r *RemoteCaps) { e.remote.f.Store(r) }

// tookClusterWide reports a taken cluster-wide slot to the cluster.
func (e *Engine) tookClusterWide() {
	if r := e.remote.f.Load(); r != nil && r.Taken != nil {
		r.Taken()
	}
}

// remoteHeld is what the other nodes hold against key when the cap is
// cluster-wide, else 0.
func (e *Engine) remoteHeld(clusterWide bool, key string) int64 {
	if !clusterWide {
		return 0
	}
	if r := e.remote.f.Load(); r != nil {
		return r.Held(key)
	}
	return 0
}

// ClusterCounts returns the open sessions of every Peer-scope budget, for
// the cluster gossip. Keys are budget keys (identical on every node that
// runs the same shared config).
func (e *Engine) ClusterCounts() map[string]int64 {
	out := map[string]int64{}
	e.caps.m.Range(func(k, v any) bool {
		if key := k.(string); strings.HasPrefix(key, "peer\x00") {
			if n := v.(*budget).n.Load(); n > 0 {
				out[key] = n
			}
		}
		return true
	})
	return out
}
