package e2e

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ht "sluice/handoff/handofftest"
	"sluice/internal/testport"
	"sluice/spool"
)

// loader sends messages over one session until stop or a broken
// connection, recording each number that got a 250 (acknowledged).
func loader(port int, next func() int, stop chan struct{}, acked func(int)) {
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
			if err != nil {
				return ""
			}
			if len(l) < 4 || l[3] != '-' {
				return l
			}
		}
	}
	if !strings.HasPrefix(read(), "220") {
		return
	}
	fmt.Fprintf(conn, "EHLO kill.test\r\n")
	read()
	for {
		select {
		case <-stop:
			return
		default:
		}
		i := next()
		fmt.Fprintf(conn, "MAIL FROM:<sender@local.test>\r\nRCPT TO:<alice@local.test>\r\nDATA\r\n")
		if !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "354") {
			return
		}
		fmt.Fprintf(conn, "%s.\r\n", strings.ReplaceAll(body(i), "\r\n.", "\r\n.."))
		if !strings.HasPrefix(read(), "250") {
			return
		}
		acked(i)
	}
}

// TestSIGKILLMidHandoff runs sluiced as a child handing off to a target
// while 8 clients send, SIGKILLs it mid-hand-off (a random moment), starts
// it again on the same spool, and checks that every message it
// acknowledged reaches the target: none lost; duplicates only from
// hand-offs not yet acked at the kill, and none at all for JetStream
// (Nats-Msg-Id = spool id inside the duplicate window). Three kills per
// target, alternating the event loops.
func TestSIGKILLMidHandoff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds sluiced and kills it several times")
	}
	bin := filepath.Join(t.TempDir(), "sluiced")
	if out, err := exec.Command("go", "build", "-o", bin, "sluice/cmd/sluiced").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("jetstream", func(t *testing.T) {
		port := testport.Free(t)
		srv := ht.StartNATS(t, t.TempDir(), port)
		defer srv.Shutdown()
		url := fmt.Sprintf("127.0.0.1:%d", port)
		killRounds(t, bin, "nats://"+url+"/MAIL/mail.in", 0, func(t *testing.T) [][]byte {
			return ht.StreamData(t, "nats://"+url, "MAIL")
		})
	})
	t.Run("smtp-sink", func(t *testing.T) {
		sk := ht.StartSink(t, false)
		// At least once: a message handed off but not yet acked when the
		// process died is handed off again. In flight at most 2 per
		// connection (4) plus the acks not yet made durable (a batch).
		killRounds(t, bin, "smtp://"+sk.Addr, 4*2+256, func(t *testing.T) [][]byte { return sk.Dumps(t) })
	})
}

func killRounds(t *testing.T, bin, target string, maxDupPerKill int, collect func(t *testing.T) [][]byte) {
	dir := t.TempDir()
	spoolDir := filepath.Join(dir, "spool")
	var mu sync.Mutex
	ackd := map[int]bool{}
	seq := 0
	next := func() int { mu.Lock(); defer mu.Unlock(); seq++; return seq - 1 }
	acked := func(i int) { mu.Lock(); ackd[i] = true; mu.Unlock() }
	start := func(be string) (*exec.Cmd, int) {
		port := testport.Free(t)
		conf := filepath.Join(dir, "kill.conf")
		os.WriteFile(conf, []byte(fmt.Sprintf(`Spoolbase = %q
Relay_Domains = ( "local.test" )
ESMTP_Listener { Listen "127.0.0.1:%d" { } }
Control_Listener { Listen %q { } }
Handoff {
  Retry_Interval = 1
  Target %q { Connections = 4 }
}
`, spoolDir, port, filepath.Join(dir, "control.sock"), target)), 0o644)
		cmd := exec.Command(bin, "-config", conf, "-event-loop", be, "-workers", "2", "-metrics", "off", "-log-level", "warn")
		cmd.Stderr = io.Discard
		if testing.Verbose() {
			cmd.Stderr = os.Stderr
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ht.WaitPort(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		return cmd, port
	}
	const kills = 3
	for r := 0; r < kills; r++ {
		cmd, port := start([]string{"epoll", "io_uring"}[r%2])
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for s := 0; s < 8; s++ {
			wg.Add(1)
			go func() { defer wg.Done(); loader(port, next, stop, acked) }()
		}
		time.Sleep(time.Duration(300+rand.IntN(500)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL: sessions, hand-offs and acks die mid-flight
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	cmd, _ := start("epoll") // the survivor hands off what the kills left
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	mu.Lock()
	want := make([]int, 0, len(ackd))
	for i := range ackd {
		want = append(want, i)
	}
	mu.Unlock()
	var got map[int]int
	ht.WaitFor(t, "every acknowledged message at the target", 2*time.Minute, func() bool {
		got = received(t, collect(t), 0, seq)
		for _, i := range want {
			if got[i] == 0 {
				return false
			}
		}
		return true
	})
	dups := 0
	for _, c := range got {
		dups += c - 1
	}
	ht.WaitFor(t, "empty spool", time.Minute, func() bool {
		st, err := spool.OpenWith(spoolDir, spool.Options{ReadOnly: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return false
		}
		defer st.Close()
		return st.Len() == 0
	})
	t.Logf("%s: %d kills, %d messages acknowledged (%d sent), all at the target, %d duplicates", target, kills, len(want), seq, dups)
	if dups > kills*maxDupPerKill {
		t.Fatalf("%d duplicates, at most %d allowed", dups, kills*maxDupPerKill)
	}
}
