package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluice/cluster"
	"sluice/config"
	"sluice/engine"
)

// startCluster joins the cluster when c asks for one (docs/cluster.md):
// it starts the embedded NATS server or connects to Msgc_Server, binds the
// msgcserver_listener Listens and makes Cluster_Wide caps count the other
// nodes' sessions.
func (d *Daemon) startCluster(c *config.Config) error {
	if !cluster.Enabled(c) {
		return nil
	}
	o, err := cluster.FromConfig(c, d.spoolDir)
	if err != nil {
		return err
	}
	o.Version, o.Log = Version, d.log
	n, err := cluster.Start(o, cluster.Hooks{Status: d.clusterStatus, Apply: d.applyPushed,
		Counts: d.eng.ClusterCounts})
	if err != nil {
		return err
	}
	d.clu = n
	if text, err := os.ReadFile(sharedPath(c)); err == nil {
		n.SetLocalHash(cluster.Hash(text))
	}
	d.eng.SetRemoteCaps(&engine.RemoteCaps{Held: n.Remote, Taken: n.Kick})
	d.log.Info("cluster", "node", o.Node, "cluster", o.Cluster, "embedded", n.Embedded(),
		"route", o.RouteAddr, "peers", o.Peers, "external", o.External)
	if err := d.clusterApply(c); err != nil {
		// As with the other listeners: a Listen that cannot bind is
		// reported and the daemon serves the rest.
		d.log.Error("cluster: some msgcserver_listener Listens failed", "err", err)
	}
	return nil
}

// clusterApply rebinds the msgcserver_listener Listens and their Peer
// allow-lists for generation c; the rest of the cluster settings are
// restart-only (config.Diff lists them).
func (d *Daemon) clusterApply(c *config.Config) error {
	if d.clu == nil {
		if cluster.Enabled(c) {
			d.log.Warn("cluster settings appeared in a reload; they take effect at the next start")
		}
		return nil
	}
	var ls []cluster.BusListen
	for _, L := range c.Listeners {
		if !strings.EqualFold(L.Kind, "msgcserver_listener") {
			continue
		}
		for _, l := range L.Listens {
			if !l.Enabled {
				continue
			}
			allow, err := allowList(c, l)
			if err != nil {
				return err
			}
			ls = append(ls, cluster.BusListen{Key: ListenKey(l), Network: l.Socket.Network,
				Address: l.Socket.Address, FileMode: l.Socket.FileMode, Allow: allow})
		}
	}
	return errors.Join(d.clu.SetBus(ls), d.clu.SetPeers(c.Global().List("cluster_peers")))
}

// allowList is a msgcserver_listener Listen's Peer allow-list: with no Peer
// scope every client may connect (Cluster_Credentials still applies); with
// some, a TCP client must match one that is not Always_Deny. Unix-socket
// clients are governed by File_Mode.
func allowList(c *config.Config, l *config.Listen) (func(netip.Addr) bool, error) {
	if len(l.Peers) == 0 && len(l.Listener.Peers) == 0 {
		return nil, nil
	}
	tbl, err := peerTable(c, l)
	if err != nil {
		return nil, fmt.Errorf("daemon: Peer table for msgcserver_listener %s: %w", l.Addr, err)
	}
	return func(ip netip.Addr) bool {
		if !ip.IsValid() {
			return true
		}
		m := tbl.Lookup(ip)
		return m != nil && len(m.Chain) > 0 &&
			(!m.Policy.Bool("always_deny") || m.Policy.Bool("always_allow"))
	}, nil
}

// sharedPath is the absolute path of Cluster_Config_File, "" when unset.
func sharedPath(c *config.Config) string {
	p := c.Global().String("cluster_config_file")
	if p == "" {
		return ""
	}
	if !filepath.IsAbs(p) && c.Path != "" && !strings.HasPrefix(c.Path, "<") {
		p = filepath.Join(filepath.Dir(c.Path), p)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// applyPushed validates a pushed shared config merged with this node's
// files, and only when the whole generation is valid writes it over
// Cluster_Config_File and applies it, like a reload.
func (d *Daemon) applyPushed(rev uint64, text []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cfg.Load()
	shared := sharedPath(old)
	if shared == "" || d.opts.ConfigPath == "" {
		return errors.New("this node has no Cluster_Config_File, so it takes no pushed config")
	}
	c, err := config.LoadReplacing(d.opts.ConfigPath, shared, text)
	if err != nil {
		// The reason goes to every node's console: redacted, as a console
		// reload error is; the full text is in this node's log.
		d.reloadFailure(err)
		return redactConfigErr(err)
	}
	if sharedPath(c) != shared {
		return fmt.Errorf("the pushed config changes Cluster_Config_File; set it in the node's own file")
	}
	if _, err := d.buildSpec(c); err != nil {
		d.reloadFailure(err)
		return redactConfigErr(err)
	}
	tmp := shared + ".push"
	if err := os.WriteFile(tmp, text, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, shared); err != nil {
		return fmt.Errorf("replacing %s: %w", shared, err)
	}
	_, err = d.switchTo(old, c, fmt.Sprintf("cluster push rev %d", rev))
	return err
}

// clusterStatus fills the daemon's fields of this node's heartbeat.
func (d *Daemon) clusterStatus(hb *cluster.Heartbeat) {
	for _, l := range d.eng.Listeners() {
		if l.State == "bound" {
			hb.Addresses = append(hb.Addresses, strings.ToLower(strings.TrimSuffix(l.Listener, "_Listener"))+" "+l.Address)
		}
	}
	hb.Sessions = int64(d.totals().Active)
	hb.SpoolBacklog = int64(d.store.Backlog().Messages)
	if disp := d.Handoff(); disp != nil {
		var ts []string
		for _, t := range disp.Status().Targets {
			ts = append(ts, t.Name+":"+t.State)
		}
		hb.Handoff = strings.Join(ts, ",")
	}
}

// pushFile validates the file at path on its own (includes resolved) and
// stores its canonical text as the cluster's shared config.
func (d *Daemon) pushFile(path string) (string, error) {
	if d.clu == nil {
		return "", errors.New("this node is not in a cluster (no ECCluster_Listener, msgcserver_listener or Msgc_Server)")
	}
	c, err := config.Load(path)
	if err != nil {
		d.log.Error("cluster config push: the file is invalid", "path", path, "err", err)
		var ce *config.Errors
		if errors.As(err, &ce) {
			return "", fmt.Errorf("not pushed, the file is invalid (file text is not shown here; the daemon log has the full messages):\n%s", ce.Redacted())
		}
		return "", fmt.Errorf("not pushed: %w", err)
	}
	text := config.Print(c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rev, err := d.clu.Push(ctx, text)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pushed %s as revision %d (hash %s); every node applies it within a second: see 'cluster config status'\n",
		path, rev, cluster.Hash(text)), nil
}

func (d *Daemon) stopCluster() {
	if d.clu != nil {
		d.eng.SetRemoteCaps(nil)
		d.clu.Close()
	}
}
