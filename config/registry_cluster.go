package config

import (
	"fmt"
	"strings"
)

// Cluster options (issue 16, docs/cluster.md). ECCluster_Listener and
// msgcserver_listener are served by the cluster package on NATS: the first
// is the NATS route port, each Listen of the second a client port of the
// node's NATS server. Peer scopes in msgcserver_listener are its allow-list.
func init() {
	register(
		optNoDef("Cluster_Peers", KindArray).global().acts(),
		opt("Cluster_Name", KindString, "sluice").global().acts().restart(),
		optNoDef("Cluster_Node_Name", KindString).global().acts().restart(),
		optNoDef("Cluster_Credentials", KindString).global().acts().restart(),
		optNoDef("Msgc_Server", KindString).global().acts().restart(),
		optNoDef("Cluster_JetStream_Dir", KindString).global().acts().restart(),
		optNoDef("Cluster_Config_File", KindString).global().acts(),
		opt("Cluster_Node_Timeout", KindSeconds, "5").global().acts(),
		opt("Cluster_Wide", KindBool, "false").peer(tyESMTP|tyHTTP).acts(),
	)
	// A msgcserver_listener Peer scope takes the allow/deny switches only.
	for _, n := range []string{"always_allow", "always_deny"} {
		registry[n].Peer |= tyMsgc
	}
}

// clusterRules checks the cross-scope cluster rules: with Msgc_Server the
// embedded NATS server is not started, so its two listeners must be absent
// or disabled; NATS has one route port. It also notes what needs a restart.
func clusterRules(c *Config, errs *Errors) {
	ext := c.Global().String("msgc_server")
	for _, L := range c.Listeners {
		kind := strings.ToLower(L.Kind)
		if kind != "eccluster_listener" && kind != "msgcserver_listener" {
			continue
		}
		on := 0
		for _, l := range L.Listens {
			if !l.Enabled {
				continue
			}
			on++
			if ext != "" {
				errs.add(l.Src, fmt.Sprintf("%s Listen %q is enabled but Msgc_Server = %q uses an external NATS: sluice starts no NATS server", L.Kind, l.Addr, ext),
					"remove the Listen or set Enable = false in it, or remove Msgc_Server")
			}
			if kind == "eccluster_listener" && l.Addr.Network != "tcp" {
				errs.add(l.Src, "ECCluster_Listener needs a TCP address (the NATS route port)", `write Listen "*:4802" { }`)
			}
		}
		if kind == "eccluster_listener" && on > 1 {
			errs.add(L.Src, fmt.Sprintf("ECCluster_Listener has %d enabled Listens; the NATS route port is one socket", on), "keep one Listen enabled")
		}
		if on > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: note: %s is served by the embedded NATS server; %s",
				L.Src, L.Kind, restartNote[kind]))
		}
	}
}

var restartNote = map[string]string{
	"eccluster_listener":  "Cluster_Peers applies on reload; a change of its Listen (route port), Cluster_Name, Cluster_Node_Name or Cluster_Credentials at restart only",
	"msgcserver_listener": "its Listens and Peer allow-list apply on reload; Cluster_JetStream_Dir and Cluster_Credentials at restart only",
}
