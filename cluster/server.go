package cluster

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startServer starts the embedded NATS server: no client listener of its
// own (the msgcserver_listener Listens are spliced in, see Bus), the route
// port of ECCluster_Listener, JetStream in o.StoreDir.
func startServer(o Options, cr creds) (*server.Server, *server.Options, error) {
	if cr.natsCreds != "" {
		return nil, nil, fmt.Errorf("cluster: Cluster_Credentials holds a NATS .creds file, which only an external NATS (Msgc_Server) accepts; the embedded server wants a user:password line")
	}
	if err := os.MkdirAll(o.StoreDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("cluster: JetStream directory %s: %w (set Cluster_JetStream_Dir)", o.StoreDir, err)
	}
	so := &server.Options{
		ServerName: o.Node,
		// NATS starts routing only after its client accept loop, so it
		// listens on a random loopback port; spliceOnly refuses every TCP
		// client there. Clients come in through the msgcserver_listener
		// Listens (bus.go) as in-process connections.
		Host:                       "127.0.0.1",
		Port:                       server.RANDOM_PORT,
		CustomClientAuthentication: spliceOnly{cr},
		JetStream:                  true,
		StoreDir:                   o.StoreDir,
		JetStreamMaxMemory:         64 << 20,
		JetStreamMaxStore:          -1,
		NoSigs:                     true,
	}
	if o.RouteAddr != "" && len(o.Peers) == 0 {
		// Clustered JetStream will not start without a route, and with
		// only a route to itself it never elects a leader: a cluster of one
		// runs JetStream on its own and opens no route port.
		o.Log.Warn("cluster: ECCluster_Listener without Cluster_Peers: a cluster of one; the route port opens when Cluster_Peers names the other nodes (restart)",
			"listen", o.RouteAddr)
	}
	if o.RouteAddr != "" && len(o.Peers) > 0 {
		host, port, err := splitHostPort(o.RouteAddr)
		if err != nil {
			return nil, nil, fmt.Errorf("cluster: ECCluster_Listener %s: %v", o.RouteAddr, err)
		}
		so.Cluster = server.ClusterOpts{Name: o.Cluster, Host: host, Port: port,
			Username: cr.user, Password: cr.pass, ConnectRetries: -1, NoAdvertise: true}
		so.Routes = routeURLs(o.Peers, cr)
	}
	s, err := server.NewServer(so)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster: NATS server: %w", err)
	}
	s.SetLoggerV2(natsLog{o.Log}, false, false, false)
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, nil, fmt.Errorf("cluster: the embedded NATS server did not start within 10s (is the ECCluster_Listener port %s free?)", o.RouteAddr)
	}
	return s, so, nil
}

func routeURLs(peers []string, cr creds) []*url.URL {
	var out []*url.URL
	for _, p := range peers {
		u := &url.URL{Scheme: "nats", Host: p}
		if cr.user != "" {
			u.User = url.UserPassword(cr.user, cr.pass)
		}
		out = append(out, u)
	}
	return out
}

// SetPeers applies a changed Cluster_Peers to the running embedded server
// (NATS reloads its route list: new routes are solicited, dropped ones
// closed). It does nothing with Msgc_Server or without a route port.
func (n *Node) SetPeers(peers []string) error {
	n.soMu.Lock()
	defer n.soMu.Unlock()
	if n.srv == nil || n.so == nil || n.o.RouteAddr == "" || slices.Equal(peers, n.peers) {
		return nil
	}
	if !n.routeOpen || len(peers) == 0 {
		return fmt.Errorf("cluster: Cluster_Peers changed between none and some: restart to open or close the route port")
	}
	for _, p := range peers {
		if _, _, err := splitHostPort(p); err != nil {
			return fmt.Errorf("cluster: Cluster_Peers entry %q: %v", p, err)
		}
	}
	no := *n.so
	no.Routes = routeURLs(peers, n.cr)
	if err := n.srv.ReloadOptions(&no); err != nil {
		return fmt.Errorf("cluster: applying Cluster_Peers: %w", err)
	}
	n.so, n.peers = &no, slices.Clone(peers)
	n.o.Log.Info("cluster: Cluster_Peers applied", "peers", peers)
	return nil
}

// spliceOnly admits in-process clients only (the node's own connection and
// the spliced msgcserver_listener clients, whose address was checked
// against the Peer allow-list at accept), with the Cluster_Credentials
// user and password when the file is set.
type spliceOnly struct{ cr creds }

func (g spliceOnly) Check(c server.ClientAuthentication) bool {
	if _, tcp := c.RemoteAddress().(*net.TCPAddr); tcp {
		return false
	}
	if g.cr.user == "" {
		return true
	}
	o := c.GetOpts()
	return o.Username == g.cr.user && o.Password == g.cr.pass
}

// natsLog forwards the server's log to slog: notices at debug level, so a
// quiet sluiced stays quiet.
type natsLog struct{ l *slog.Logger }

func (n natsLog) Noticef(f string, a ...any) { n.l.Debug("nats: " + fmt.Sprintf(f, a...)) }
func (n natsLog) Warnf(f string, a ...any)   { n.l.Warn("nats: " + fmt.Sprintf(f, a...)) }
func (n natsLog) Fatalf(f string, a ...any)  { n.l.Error("nats: " + fmt.Sprintf(f, a...)) }
func (n natsLog) Errorf(f string, a ...any)  { n.l.Error("nats: " + fmt.Sprintf(f, a...)) }
func (n natsLog) Debugf(f string, a ...any)  {}
func (n natsLog) Tracef(f string, a ...any)  {}
