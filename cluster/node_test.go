package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"sluice/internal/testport"
)

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// startThree starts three embedded nodes routed to each other; each
// Cluster_Peers lists all three, its own address included.
func startThree(t *testing.T, hooks func(i int) Hooks) []*Node {
	t.Helper()
	var peers []string
	for range 3 {
		peers = append(peers, fmt.Sprintf("127.0.0.1:%d", testport.Free(t)))
	}
	nodes := make([]*Node, 3)
	for i := range nodes {
		o := Options{Node: fmt.Sprintf("n%d", i+1), Cluster: "test", RouteAddr: peers[i], Peers: peers,
			StoreDir: t.TempDir(), Timeout: 2 * time.Second, Version: "test", Log: testLog(t)}
		var h Hooks
		if hooks != nil {
			h = hooks(i)
		}
		n, err := Start(o, h)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
		t.Cleanup(n.Close)
	}
	return nodes
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !ok() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func upCount(n *Node) int {
	c := 0
	for _, m := range n.Members() {
		if m.State == "up" {
			c++
		}
	}
	return c
}

func TestThreeNodesMembershipAndPush(t *testing.T) {
	applied := make([]chan string, 3)
	nodes := startThree(t, func(i int) Hooks {
		applied[i] = make(chan string, 4)
		return Hooks{Apply: func(rev uint64, text []byte) error {
			if strings.Contains(string(text), "bad") {
				return fmt.Errorf("bad config")
			}
			applied[i] <- string(text)
			return nil
		}}
	})
	for _, n := range nodes {
		waitFor(t, 15*time.Second, n.Name()+" sees three nodes", func() bool { return upCount(n) == 3 })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var rev uint64
	var lastErr error
	waitFor(t, 30*time.Second, "a push", func() bool {
		actx, acancel := context.WithTimeout(ctx, 3*time.Second)
		defer acancel()
		rev, lastErr = nodes[1].Push(actx, []byte("good"))
		if lastErr != nil {
			t.Logf("push: %v", lastErr)
		}
		return lastErr == nil
	})
	for i := range nodes {
		select {
		case got := <-applied[i]:
			if got != "good" {
				t.Fatalf("node %d applied %q", i, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("node %d did not apply the push", i)
		}
	}
	if _, err := nodes[2].Push(ctx, []byte("bad")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "every node to report the refusal", func() bool {
		for _, m := range nodes[0].Members() {
			if m.ConfigRev <= rev || !strings.Contains(m.ConfigResult, "bad config") || m.ConfigHash != Hash([]byte("good")) {
				return false
			}
		}
		return true
	})
	// One node stops: the others mark it gone after the timeout.
	nodes[2].Close()
	waitFor(t, 10*time.Second, "n3 gone", func() bool { return upCount(nodes[0]) == 2 && upCount(nodes[1]) == 2 })
}

// Two nodes started apart join when Cluster_Peers is reloaded on one.
func TestSetPeersJoins(t *testing.T) {
	var nodes []*Node
	var routes []string
	for i := range 2 {
		r := fmt.Sprintf("127.0.0.1:%d", testport.Free(t))
		routes = append(routes, r)
		// Each starts routed to itself only (NATS drops a route to self).
		n, err := Start(Options{Node: fmt.Sprintf("p%d", i), Cluster: "t", RouteAddr: r, Peers: []string{r}, StoreDir: t.TempDir(),
			Timeout: 2 * time.Second, Log: testLog(t)}, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Close)
		nodes = append(nodes, n)
	}
	time.Sleep(1500 * time.Millisecond)
	if upCount(nodes[0]) != 1 {
		t.Fatalf("unrouted nodes see each other: %v", nodes[0].Members())
	}
	if err := nodes[0].SetPeers(routes); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		waitFor(t, 15*time.Second, n.Name()+" sees two nodes", func() bool { return upCount(n) == 2 })
	}
}

func TestBusAllowList(t *testing.T) {
	o := Options{Node: "solo", Cluster: "t", StoreDir: t.TempDir(), Timeout: time.Second, Log: testLog(t)}
	n, err := Start(o, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	port := testport.Free(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	allow := true
	set := func() {
		a := allow
		if err := n.SetBus([]BusListen{{Key: "k", Network: "tcp", Address: addr,
			Allow: func(netip.Addr) bool { return a }}}); err != nil {
			t.Fatal(err)
		}
	}
	set()
	nc, err := nats.Connect("nats://"+addr, nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("allowed client: %v", err)
	}
	if err := nc.Publish("x", []byte("y")); err != nil || nc.Flush() != nil {
		t.Fatal("allowed client cannot publish")
	}
	nc.Close()
	allow = false
	set() // reload: same socket, new allow-list
	if nc, err := nats.Connect("nats://"+addr, nats.Timeout(time.Second), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("a refused client connected")
	}
	n.SetBus(nil)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the Listen still accepts after it was removed")
	}
}

// A cluster of one (a route port, no Cluster_Peers) runs JetStream: a push
// is stored and applied.
func TestClusterOfOne(t *testing.T) {
	got := make(chan string, 1)
	n, err := Start(Options{Node: "one", Cluster: "t", RouteAddr: fmt.Sprintf("127.0.0.1:%d", testport.Free(t)),
		StoreDir: t.TempDir(), Timeout: 2 * time.Second, Log: testLog(t)},
		Hooks{Apply: func(rev uint64, text []byte) error { got <- string(text); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waitFor(t, 20*time.Second, "a push", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := n.Push(ctx, []byte("solo"))
		return err == nil
	})
	select {
	case s := <-got:
		if s != "solo" {
			t.Fatalf("applied %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the push was not applied")
	}
}

// With Cluster_Credentials, routes and clients need the user and password:
// two nodes with the file form a cluster, a client without it is refused
// on the msgcserver Listen, one with it gets in.
func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "cluster.creds")
	os.WriteFile(cf, []byte("# test\nsluice:0123456789abcdef\n"), 0o600)
	routes := []string{fmt.Sprintf("127.0.0.1:%d", testport.Free(t)), fmt.Sprintf("127.0.0.1:%d", testport.Free(t))}
	var nodes []*Node
	for i := range 2 {
		n, err := Start(Options{Node: fmt.Sprintf("c%d", i), Cluster: "t", RouteAddr: routes[i], Peers: routes,
			Credentials: cf, StoreDir: t.TempDir(), Timeout: 2 * time.Second, Log: testLog(t)}, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Close)
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		waitFor(t, 15*time.Second, n.Name()+" sees two nodes", func() bool { return upCount(n) == 2 })
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testport.Free(t))
	if err := nodes[0].SetBus([]BusListen{{Key: "k", Network: "tcp", Address: addr}}); err != nil {
		t.Fatal(err)
	}
	if nc, err := nats.Connect("nats://"+addr, nats.Timeout(2*time.Second), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("a client without credentials connected")
	}
	nc, err := nats.Connect("nats://"+addr, nats.UserInfo("sluice", "0123456789abcdef"), nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("a client with the credentials: %v", err)
	}
	nc.Close()
}
