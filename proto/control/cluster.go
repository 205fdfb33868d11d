package control

// ClusterBackend is implemented by a Backend that is a cluster node
// (docs/cluster.md). Without it, "cluster ..." answers that this node is
// not in a cluster.
type ClusterBackend interface {
	// Cluster answers "cluster nodes", "cluster config status" and
	// "cluster config push [path]"; args are the words after "cluster".
	Cluster(args []string) (Reply, error)
}

const clusterUsage = "usage: cluster nodes | cluster config status | cluster config push <path>"

// cluster parses "cluster nodes", "cluster config status" and "cluster
// config push <path>".
func (p *parser) cluster(c *command, t []token) bool {
	if !words(t) {
		return p.fail(clusterUsage)
	}
	switch {
	case len(t) == 1 && p.word(t[0], "nodes"):
	case len(t) == 2 && p.word(t[0], "config") && p.word(t[1], "status"):
	case len(t) >= 2 && len(t) <= 3 && p.word(t[0], "config") && p.word(t[1], "push"):
	default:
		return p.fail(clusterUsage)
	}
	c.op, c.args = opCluster, t
	return true
}

var clusterHelp = `cluster nodes                every node heard from: state (up, gone), addresses,
                             sessions, spool backlog, config revision and result
cluster config status        every node's pushed-config revision, hash and result
cluster config push [path]   validate the file (default: this node's Cluster_Config_File)
                             and store it as the cluster's shared config; every node
                             applies it or reports why not
`
