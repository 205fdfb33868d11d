package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	ht "sluice/handoff/handofftest"
)

// TestReplicatedHandoff: every node hands off to an R3 JetStream stream
// through its own msgcserver_listener. Clients send to all three; one node
// is SIGKILLed mid-load, mail keeps flowing into the stream through the
// survivors, the node restarts and delivers its leftovers; every message
// any node acknowledged is in the stream exactly once.
func TestReplicatedHandoff(t *testing.T) {
	if testing.Short() {
		t.Skip("three daemons, a kill and a restart under load")
	}
	ns := newCluster(t, "", func(n *node) string {
		return fmt.Sprintf("Handoff {\n  Retry_Interval = 1\n  Max_Retry_Interval = 2\n  Target \"nats://127.0.0.1:%d/MAIL/mail.in\" { }\n}\n", n.msgc)
	})
	for _, n := range ns {
		n.start(t)
	}
	for _, n := range ns {
		waitFor(t, 40*time.Second, n.name+" to see three nodes up", func() (bool, string) {
			out := nodesState(t, n)
			return strings.Contains(out, "3 nodes, 3 up"), out
		})
	}
	url := fmt.Sprintf("nats://127.0.0.1:%d", ns[0].msgc)
	createR3(t, url)

	var mu sync.Mutex
	acked := map[int]bool{}
	seq := 0
	next := func() int { mu.Lock(); defer mu.Unlock(); seq++; return seq }
	ack := func(i int) { mu.Lock(); acked[i] = true; mu.Unlock() }
	load := func(ports []int, d time.Duration) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, p := range ports {
			for range 2 {
				wg.Add(1)
				go func(p int) { defer wg.Done(); send(p, next, stop, ack) }(p)
			}
		}
		time.Sleep(d)
		close(stop)
		wg.Wait()
	}
	// Load on all three; n3 dies in the middle of it.
	go func() { time.Sleep(1500 * time.Millisecond); ns[2].kill(t) }()
	load([]int{ns[0].smtp, ns[1].smtp, ns[2].smtp}, 3*time.Second)
	// The survivors keep taking mail into the stream.
	load([]int{ns[0].smtp, ns[1].smtp}, 2*time.Second)
	ns[2].start(t)

	mu.Lock()
	want := len(acked)
	mu.Unlock()
	var got map[int]int
	waitFor(t, 90*time.Second, "every acknowledged message in the stream", func() (bool, string) {
		data, err := ht.TryStreamData(url, "MAIL") // the restarted node's JetStream may still be rejoining
		if err != nil {
			return false, "reading the stream: " + err.Error()
		}
		got = numbers(t, data)
		missing := 0
		for i := range acked {
			if got[i] == 0 {
				missing++
			}
		}
		return missing == 0, fmt.Sprintf("%d of %d acknowledged messages missing", missing, want)
	})
	dups := 0
	for i, c := range got {
		if c > 1 {
			dups++
			t.Errorf("message %d is in the stream %d times", i, c)
		}
	}
	t.Logf("%d messages acknowledged by the three nodes (n3 SIGKILLed mid-load and restarted); all %d in the R3 stream, %d duplicates, %d stored but not acknowledged (in flight at the kill)",
		want, want, dups, len(got)-want)
}

func createR3(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	waitFor(t, 30*time.Second, "the R3 stream", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "MAIL", Subjects: []string{"mail.in"},
			Storage: jetstream.FileStorage, Replicas: 3, Duplicates: 2 * time.Minute})
		return err == nil, fmt.Sprint(err)
	})
}

var numRE = regexp.MustCompile(`Message-ID: <(\d+)@r3\.test>`)

func numbers(t *testing.T, blobs [][]byte) map[int]int {
	out := map[int]int{}
	for _, b := range blobs {
		if m := numRE.FindSubmatch(b); m != nil {
			i, _ := strconv.Atoi(string(m[1]))
			out[i]++
		}
	}
	return out
}

// send submits messages over one SMTP session until stop or a broken
// connection, recording each number that got a 250.
func send(port int, next func() int, stop chan struct{}, acked func(int)) {
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	read := func() string {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			l, err := r.ReadString('\n')
			if err != nil || len(l) < 4 || l[3] != '-' {
				return l
			}
		}
	}
	if !strings.HasPrefix(read(), "220") {
		return
	}
	fmt.Fprintf(conn, "EHLO r3.test\r\n")
	read()
	for {
		select {
		case <-stop:
			return
		default:
		}
		i := next()
		fmt.Fprintf(conn, "MAIL FROM:<a@r3.test>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
		if !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "354") {
			return
		}
		fmt.Fprintf(conn, "Subject: r3 %d\r\nMessage-ID: <%d@r3.test>\r\n\r\nbody %d\r\n.\r\n", i, i, i)
		if !strings.HasPrefix(read(), "250") {
			return
		}
		acked(i)
	}
}
