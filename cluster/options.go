package cluster

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sluice/config"
)

// Options configure a Node; FromConfig derives them from a generation.
type Options struct {
	Node        string        // Cluster_Node_Name, default the host name
	Cluster     string        // Cluster_Name
	RouteAddr   string        // ECCluster_Listener's Listen, host:port; "" = no routes
	Peers       []string      // Cluster_Peers, host:port (may include this node)
	StoreDir    string        // JetStream store, default <Spoolbase>-jetstream
	Credentials string        // Cluster_Credentials file, "" = none
	External    string        // Msgc_Server URL; "" = the embedded server
	Timeout     time.Duration // Cluster_Node_Timeout
	Version     string
	Log         *slog.Logger
}

// Enabled reports whether c asks for a cluster at all: an enabled Listen in
// ECCluster_Listener or msgcserver_listener, or Msgc_Server.
func Enabled(c *config.Config) bool {
	if c.Global().String("msgc_server") != "" {
		return true
	}
	for _, L := range c.Listeners {
		if isClusterKind(L.Kind) {
			for _, l := range L.Listens {
				if l.Enabled {
					return true
				}
			}
		}
	}
	return false
}

func isClusterKind(kind string) bool {
	return strings.EqualFold(kind, "ECCluster_Listener") || strings.EqualFold(kind, "msgcserver_listener")
}

// FromConfig reads the cluster options of c; spoolDir is the absolute spool
// directory (the JetStream store defaults to spoolDir + "-jetstream").
func FromConfig(c *config.Config, spoolDir string) (Options, error) {
	g := c.Global()
	o := Options{
		Node:        g.String("cluster_node_name"),
		Cluster:     g.String("cluster_name"),
		Peers:       g.List("cluster_peers"),
		StoreDir:    g.String("cluster_jetstream_dir"),
		Credentials: g.String("cluster_credentials"),
		External:    g.String("msgc_server"),
		Timeout:     g.Duration("cluster_node_timeout"),
	}
	if o.Node == "" {
		h, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("cluster: no Cluster_Node_Name and no host name: %w", err)
		}
		o.Node = h
	}
	if o.StoreDir == "" {
		o.StoreDir = strings.TrimRight(spoolDir, "/") + "-jetstream"
	} else if !filepath.IsAbs(o.StoreDir) && c.Path != "" && !strings.HasPrefix(c.Path, "<") {
		o.StoreDir = filepath.Join(filepath.Dir(c.Path), o.StoreDir)
	}
	if o.Credentials != "" && !filepath.IsAbs(o.Credentials) && c.Path != "" && !strings.HasPrefix(c.Path, "<") {
		o.Credentials = filepath.Join(filepath.Dir(c.Path), o.Credentials)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	for _, p := range o.Peers {
		if _, _, err := splitHostPort(p); err != nil {
			return o, fmt.Errorf("cluster: Cluster_Peers entry %q: %v (write \"host:port\", e.g. \"10.0.0.1:4802\")", p, err)
		}
	}
	for _, L := range c.Listeners {
		if !strings.EqualFold(L.Kind, "ECCluster_Listener") {
			continue
		}
		for _, l := range L.Listens {
			if l.Enabled {
				o.RouteAddr = l.Socket.Address // wildcards as 0.0.0.0 or [::]
			}
		}
	}
	return o, nil
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, fmt.Errorf("no port")
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", s[i+1:])
	}
	return strings.Trim(s[:i], "[]"), port, nil
}

// creds is what a Cluster_Credentials file holds: a "user:password" line
// (embedded server: routes and clients), or a NATS .creds file (JWT and
// nkey seed, for an external NATS only).
type creds struct {
	user, pass string
	natsCreds  string // path of a .creds file
}

func readCreds(path string) (creds, error) {
	if path == "" {
		return creds{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return creds{}, fmt.Errorf("cluster: Cluster_Credentials: %w (the file holds one user:password line)", err)
	}
	if bytes.Contains(b, []byte("BEGIN NATS USER JWT")) {
		return creds{natsCreds: path}, nil
	}
	cr, err := parseCreds(b)
	if err != nil {
		return creds{}, fmt.Errorf("cluster: Cluster_Credentials %s: %w", path, err)
	}
	return cr, nil
}

// parseCreds reads the first user:password line; blank and # lines are
// skipped.
func parseCreds(b []byte) (creds, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		u, p, ok := strings.Cut(line, ":")
		if !ok || u == "" || p == "" {
			return creds{}, fmt.Errorf("want one user:password line")
		}
		return creds{user: u, pass: p}, nil
	}
	if err := sc.Err(); err != nil {
		return creds{}, err
	}
	return creds{}, fmt.Errorf("empty; want one user:password line")
}

// subjectToken makes s safe as one subject token.
func subjectToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t':
			return '_'
		}
		return r
	}, s)
}
