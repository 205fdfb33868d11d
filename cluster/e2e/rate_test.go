package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rateShared limits every loopback source to 30 messages a minute across
// the cluster.
const rateShared = sharedBase + `ESMTP_Listener {
  Peer "127.0.0.0/8" {
    Inbound_Throttle_Messages = "30/60"
    Cluster_Wide = true
  }
}
`

// TestClusterWideMessageRate: one source sends MAILs to the three nodes in
// turn, 10 ms apart; Inbound_Throttle_Messages = "30/60" with
// Cluster_Wide = true admits 30 in all (each node alone would admit 30).
func TestClusterWideMessageRate(t *testing.T) {
	ns := newCluster(t, "")
	for _, n := range ns {
		os.WriteFile(filepath.Join(n.dir, "shared.conf"), []byte(rateShared), 0o644)
		n.start(t)
	}
	for _, n := range ns {
		waitFor(t, 40*time.Second, n.name+" to see three nodes up", func() (bool, string) {
			out := nodesState(t, n)
			return strings.Contains(out, "3 nodes, 3 up"), out
		})
	}
	type sess struct {
		c net.Conn
		r *bufio.Reader
	}
	read := func(s sess) string {
		s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			l, err := s.r.ReadString('\n')
			if err != nil || len(l) < 4 || l[3] != '-' {
				return l
			}
		}
	}
	var ss []sess
	for _, n := range ns {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", n.smtp))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s := sess{c, bufio.NewReader(c)}
		read(s)
		fmt.Fprintf(c, "EHLO rate.test\r\n")
		read(s)
		ss = append(ss, s)
	}
	ok, refused := 0, 0
	for i := 0; i < 90; i++ {
		s := ss[i%3]
		fmt.Fprintf(s.c, "MAIL FROM:<a@rate.test>\r\n")
		switch l := read(s); {
		case strings.HasPrefix(l, "250"):
			ok++
			fmt.Fprintf(s.c, "RSET\r\n")
			read(s)
		case strings.HasPrefix(l, "450"):
			refused++
		default:
			t.Fatalf("MAIL %d: %q", i, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("90 MAILs from one source over 3 nodes (10 ms apart), limit 30/60 cluster-wide: %d accepted, %d refused (overshoot %d, bound N-1 = 2)",
		ok, refused, ok-30)
	if ok < 30 || ok > 32 {
		t.Fatalf("%d MAILs accepted against a cluster-wide limit of 30", ok)
	}
}
