package daemon

import (
	"time"

	"sluice/proto"
)

// clusterMessages is the factories' Inbound_Throttle_Messages limiter on a
// cluster node: a connection whose Peer scope says Cluster_Wide = true is
// counted by the cluster (cluster/rates.go: every node's messages from
// that source in the window); any other goes to the local throttle table.
type clusterMessages struct {
	local proto.MessageLimiter
	d     *Daemon
}

func (c clusterMessages) AllowMessage(ci *proto.ConnInfo, now time.Time) (bool, time.Duration) {
	n := c.d.clu
	if n == nil || ci == nil || ci.Policy == nil || !ci.Policy.Bool("cluster_wide") {
		return c.local.AllowMessage(ci, now)
	}
	v, found := ci.Policy.Value("inbound_throttle_messages")
	if !found || v.Int <= 0 {
		return true, 0
	}
	return n.AllowRate(v.Scope+"\x00"+ci.Remote.Addr().Unmap().String(), v.Int, v.Dur, now)
}
