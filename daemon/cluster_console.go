package daemon

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"sluice/cluster"
	"sluice/proto/control"
)

var _ control.ClusterBackend = console{}

// Cluster answers "cluster nodes", "cluster config status" and "cluster
// config push <path>".
func (k console) Cluster(args []string) (control.Reply, error) {
	d := k.d
	if d.clu == nil {
		return control.Reply{}, fmt.Errorf("cluster: this node is not in a cluster (no ECCluster_Listener, msgcserver_listener or Msgc_Server)")
	}
	switch strings.ToLower(args[0]) + " " + strings.ToLower(args[len(args)-1]) {
	case "nodes nodes":
		ms := d.clu.Members()
		return control.Reply{Text: nodesText(ms), Data: ms}, nil
	case "config status":
		ms := d.clu.Members()
		return control.Reply{Text: statusText(ms), Data: ms}, nil
	}
	path := sharedPath(d.Config())
	if len(args) > 2 {
		path = args[2]
	}
	if path == "" {
		return control.Reply{}, fmt.Errorf("cluster config push: name a file; this node has no Cluster_Config_File")
	}
	if !filepath.IsAbs(path) {
		return control.Reply{}, fmt.Errorf("cluster config push: give an absolute path (sluicectl makes it absolute)")
	}
	// The same rule as "config reload PATH": a console user must not make
	// the daemon read (and publish to the cluster) any file it can read.
	real, err := d.reloadPathAllowed(path)
	if err != nil {
		d.log.Warn("cluster config push refused", "path", path, "err", err)
		return control.Reply{}, fmt.Errorf("cluster config push: %w", err)
	}
	text, err := d.pushFile(real)
	return control.Reply{Text: text}, err
}

func nodesText(ms []cluster.Member) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %-5s %8s %8s %8s %6s %-22s %s\n", "NODE", "STATE", "UPTIME", "SESSIONS", "BACKLOG", "ROUTES", "CONFIG", "ADDRESSES")
	up := 0
	for _, m := range ms {
		if m.State == "up" {
			up++
		}
		cfg := fmt.Sprintf("rev %d %s", m.ConfigRev, short(m.ConfigResult, 14))
		fmt.Fprintf(&b, "%-16s %-5s %8s %8d %8d %6d %-22s %s\n", m.Node, m.State,
			(time.Duration(m.Uptime) * time.Second).String(), m.Sessions, m.SpoolBacklog, m.Routes, cfg,
			strings.Join(m.Addresses, ", "))
	}
	fmt.Fprintf(&b, "%d nodes, %d up\n", len(ms), up)
	return b.String()
}

func statusText(ms []cluster.Member) string {
	var b strings.Builder
	hashes := map[string]bool{}
	for _, m := range ms {
		if m.State == "up" {
			hashes[m.ConfigHash] = true
		}
		fmt.Fprintf(&b, "%-16s %-5s rev %-4d hash %-12s %s\n", m.Node, m.State, m.ConfigRev, m.ConfigHash, m.ConfigResult)
	}
	if len(hashes) > 1 {
		b.WriteString("DIVERGED: the nodes that are up run different shared configs\n")
	} else {
		b.WriteString("every node that is up runs the same shared config\n")
	}
	return b.String()
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// clusterJSON answers GET /stats/cluster.
func (d *Daemon) clusterJSON() (string, error) {
	out := map[string]any{"cluster": d.clu != nil, "nodes": []cluster.Member{}}
	if d.clu != nil {
		out["node"] = d.clu.Name()
		out["nodes"] = d.clu.Members()
		out["routes"] = d.clu.Routes()
		out["connected"] = d.clu.Connected()
	}
	b, err := json.Marshal(out)
	return string(b), err
}
