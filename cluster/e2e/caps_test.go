package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// capShared caps SMTP sessions from loopback at 30 across the cluster.
const capShared = sharedBase + `ESMTP_Listener {
  Peer "127.0.0.0/8" {
    Listener_Sessions = 30
    Cluster_Wide = true
  }
}
`

// TestClusterWideSessionCap spreads clients over three nodes against
// Listener_Sessions = 30 with Cluster_Wide = true, and measures how far
// the cluster goes over the cap: paced arrivals (one client per node at a
// time) and a burst (20 clients per node at the same instant).
func TestClusterWideSessionCap(t *testing.T) {
	ns := newCluster(t, "")
	for _, n := range ns {
		os.WriteFile(filepath.Join(n.dir, "shared.conf"), []byte(capShared), 0o644)
		n.start(t)
	}
	for _, n := range ns {
		waitFor(t, 40*time.Second, n.name+" to see three nodes up", func() (bool, string) {
			out := nodesState(t, n)
			return strings.Contains(out, "3 nodes, 3 up"), out
		})
	}
	const limit, nodes = 30, 3

	// Paced: 20 rounds of one client per node at once, 20 ms apart.
	var held conns
	for r := 0; r < 20; r++ {
		held.dialAll(ns)
		time.Sleep(20 * time.Millisecond)
	}
	paced := held.admitted()
	t.Logf("paced: %d clients (3 at a time, 20 ms apart) -> %d admitted cluster-wide, cap %d, overshoot %d (bound N-1 = %d)",
		held.tried(), paced, limit, paced-limit, nodes-1)
	if paced < limit || paced > limit+nodes-1 {
		t.Fatalf("paced arrivals: %d admitted against a cluster-wide cap of %d (bound %d)", paced, limit, limit+nodes-1)
	}
	held.closeAll()
	time.Sleep(500 * time.Millisecond) // closes are gossiped

	// Burst: 20 clients per node at the same instant.
	var burst conns
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; burst.dialAll(ns) }()
	}
	close(start)
	wg.Wait()
	got := burst.admitted()
	t.Logf("burst: %d clients at once over 3 nodes -> %d admitted, cap %d, overshoot %d (bound N*cap = %d)",
		burst.tried(), got, limit, got-limit, nodes*limit)
	if got < limit || got > nodes*limit {
		t.Fatalf("burst: %d admitted against a cluster-wide cap of %d", got, limit)
	}
	// Once the counts have gone round, the cluster refuses until it is back
	// under the cap.
	time.Sleep(300 * time.Millisecond)
	var after conns
	after.dialAll(ns)
	if a := after.admitted(); a != 0 {
		t.Fatalf("after the burst settled, %d of 3 new clients were admitted with %d sessions open (cap %d)", a, got, limit)
	}
	burst.closeAll()
	after.closeAll()
}

// conns are client sessions and what their banner said.
type conns struct {
	mu    sync.Mutex
	open  []net.Conn
	n, ok int
}

func (c *conns) dialAll(ns []*node) {
	var wg sync.WaitGroup
	for _, n := range ns {
		wg.Add(1)
		go func(port int) { defer wg.Done(); c.dial(port) }(n.smtp)
	}
	wg.Wait()
}

func (c *conns) dial(port int) {
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	if err != nil {
		return
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open = append(c.open, conn)
	if strings.HasPrefix(line, "220") {
		c.ok++
	}
}

func (c *conns) admitted() int { c.mu.Lock(); defer c.mu.Unlock(); return c.ok }
func (c *conns) tried() int    { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

func (c *conns) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.open {
		x.Close()
	}
	c.open = nil
}
