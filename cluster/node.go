package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Heartbeat is what every node publishes each second on <prefix>.heartbeat.
type Heartbeat struct {
	Node         string    `json:"node"`
	Addresses    []string  `json:"addresses"`
	Version      string    `json:"version"`
	Started      time.Time `json:"started"`
	Uptime       int64     `json:"uptime_s"`
	ConfigHash   string    `json:"config_hash"`   // hash of the shared (pushed) config file in use
	ConfigRev    uint64    `json:"config_rev"`    // KV revision last applied, 0 = none
	ConfigResult string    `json:"config_result"` // "ok", "none" or why the last push was refused
	Sessions     int64     `json:"sessions"`
	SpoolBacklog int64     `json:"spool_backlog"`
	Handoff      string    `json:"handoff"`
	Routes       int       `json:"routes"`
	Sent         time.Time `json:"sent"`
}

// Hooks are the daemon's side of a Node.
type Hooks struct {
	// Status fills the dynamic fields of this node's heartbeat.
	Status func(*Heartbeat)
	// Apply validates and applies a pushed shared config; an error keeps
	// the old generation and is reported in the heartbeat.
	Apply func(rev uint64, text []byte) error
	// Counts returns the open sessions per Cluster_Wide cap key.
	Counts func() map[string]int64
}

// Node is this sluice node's membership in the cluster.
type Node struct {
	o       Options
	h       Hooks
	srv     *server.Server
	nc      *nats.Conn
	bus     *bus
	prefix  string
	started time.Time
	members *members
	remote  *remoteCounts
	kick    chan struct{}
	cr      creds
	soMu    sync.Mutex
	so      *server.Options // the embedded server's options, for SetPeers
	peers   []string        // Cluster_Peers now applied
	// routeOpen: the embedded server listens on the route port (fixed at
	// start; a cluster of one does not).
	routeOpen bool
	rates     *rates
	cfg       configState
	kvMu      sync.Mutex
	kv        jetstream.KeyValue // the config bucket once opened (configkv.go)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start starts the embedded server (unless o.External), connects, and
// starts the heartbeat, the session gossip and the config follower.
func Start(o Options, h Hooks) (*Node, error) {
	cr, err := readCreds(o.Credentials)
	if err != nil {
		return nil, err
	}
	n := &Node{o: o, h: h, prefix: "sluice." + subjectToken(o.Cluster), started: time.Now(),
		members: newMembers(o.Timeout), remote: newRemoteCounts(o.Node, o.Timeout), kick: make(chan struct{}, 1), rates: newRates(), cr: cr, peers: o.Peers}
	opts := []nats.Option{nats.Name("sluiced " + o.Node), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		// A node may start before its external NATS: keep trying in the
		// background rather than refuse to start.
		nats.RetryOnFailedConnect(true)}
	url := o.External
	if o.External == "" {
		if n.srv, n.so, err = startServer(o, cr); err != nil {
			return nil, err
		}
		n.routeOpen = n.so.Cluster.Port != 0
		n.bus = &bus{connect: n.srv.InProcessConn, log: o.Log, live: map[string]*busSock{}}
		opts = append(opts, nats.InProcessServer(n.srv))
	}
	switch {
	case cr.natsCreds != "":
		opts = append(opts, nats.UserCredentials(cr.natsCreds))
	case cr.user != "":
		opts = append(opts, nats.UserInfo(cr.user, cr.pass))
	}
	if n.nc, err = nats.Connect(url, opts...); err != nil {
		n.shutdownServer()
		return nil, fmt.Errorf("cluster: connecting to NATS %s: %w", firstNonEmpty(url, "(embedded)"), err)
	}
	if _, err := n.nc.Subscribe(n.prefix+".heartbeat", n.onHeartbeat); err != nil {
		n.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if _, err := n.nc.Subscribe(n.prefix+".sessions", n.onCounts); err != nil {
		n.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.goLoop(time.Second, n.beat)
	n.wg.Add(1)
	go n.gossipLoop()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.followConfig() }()
	return n, nil
}

func (n *Node) goLoop(every time.Duration, f func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		f()
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// SetBus binds the msgcserver_listener Listens (embedded server only).
func (n *Node) SetBus(ls []BusListen) error {
	if n.bus == nil {
		return nil
	}
	return n.bus.set(ls)
}

// Name is this node's name.
func (n *Node) Name() string { return n.o.Node }

// Embedded reports whether this node runs the NATS server itself.
func (n *Node) Embedded() bool { return n.srv != nil }

// heartbeat builds this node's current heartbeat.
func (n *Node) heartbeat() Heartbeat {
	hb := Heartbeat{Node: n.o.Node, Version: n.o.Version, Started: n.started,
		Uptime: int64(time.Since(n.started).Seconds()), Handoff: "none"}
	if n.h.Status != nil {
		n.h.Status(&hb)
	}
	if n.bus != nil {
		hb.Addresses = append(hb.Addresses, n.bus.addrs()...)
	}
	if n.routeOpen {
		hb.Addresses = append(hb.Addresses, "eccluster "+n.o.RouteAddr)
	}
	hb.ConfigHash, hb.ConfigRev, hb.ConfigResult = n.cfg.get()
	hb.Routes = n.Routes()
	hb.Sent = time.Now()
	return hb
}

func (n *Node) beat() {
	hb := n.heartbeat()
	n.members.see(hb, time.Now()) // this node is up even while NATS is not
	b, _ := json.Marshal(hb)
	n.nc.Publish(n.prefix+".heartbeat", b)
}

func (n *Node) onHeartbeat(m *nats.Msg) {
	var hb Heartbeat
	if json.Unmarshal(m.Data, &hb) != nil || hb.Node == "" || hb.Node == n.o.Node {
		return
	}
	n.members.see(hb, time.Now())
}

// Members lists every node seen, this one included, with its state.
func (n *Node) Members() []Member { return n.members.list(time.Now()) }

// Routes is the number of other servers the embedded server has a route
// to (0 with an external NATS).
func (n *Node) Routes() int {
	if n.srv == nil {
		return 0
	}
	rz, err := n.srv.Routez(nil)
	if err != nil {
		return 0
	}
	seen := map[string]bool{}
	for _, r := range rz.Routes {
		seen[r.RemoteID] = true
	}
	return len(seen)
}

// Connected reports whether the NATS connection is up.
func (n *Node) Connected() bool { return n.nc.IsConnected() }

// Close stops the loops, drains the connection and shuts the server down.
func (n *Node) Close() {
	if n.cancel != nil {
		n.cancel()
		n.wg.Wait()
	}
	if n.bus != nil {
		n.bus.close()
	}
	if n.nc != nil {
		n.nc.Close()
	}
	n.shutdownServer()
}

func (n *Node) shutdownServer() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

// jetStream returns a JetStream context on the node's connection.
func (n *Node) jetStream() (jetstream.JetStream, error) { return jetstream.New(n.nc) }

var errNotReady = errors.New("cluster: JetStream is not ready yet")

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
