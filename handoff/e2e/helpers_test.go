package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/daemon"
	"sluice/internal/testport"
	"sluice/ring"
	"sluice/spool"
)

// count is the number of messages per run: SLUICE_HANDOFF_N (the 10,000 of
// scripts/handoff-e2e.sh), else 1,000 (-short: 200).
func count() int {
	if n, err := strconv.Atoi(os.Getenv("SLUICE_HANDOFF_N")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 200
	}
	return 1000
}

func backends(t *testing.T) []string {
	out := []string{"epoll"}
	if _, err := ring.Probe(); err == nil {
		out = append(out, "io_uring")
	} else {
		t.Logf("io_uring unavailable (%v): epoll only", err)
	}
	return out
}

// body is message i as a client sends it (Postfix adds no header to it:
// it has From, Date and Message-ID).
func body(i int) string {
	return fmt.Sprintf("From: <sender@local.test>\r\nTo: <alice@local.test>\r\nDate: Sat, 28 Nov 2026 00:00:00 +0000\r\n"+
		"Subject: e2e %d\r\nMessage-ID: <%d@e2e.test>\r\n\r\nbody of message %d\r\n.dot line\r\n%s\r\n",
		i, i, i, strings.Repeat("x", 60+i%200))
}

var msgID = regexp.MustCompile(`Message-ID: <(\d+)@e2e\.test>`)

// received indexes delivered blobs by message number: each blob must end
// with the message exactly as sent (line ends compared as LF, since some
// servers store LF), after whatever trace lines the hops put in front.
// It returns how often each message arrived; a blob that does not match
// its message fails the test.
func received(t *testing.T, blobs [][]byte, base, n int) map[int]int {
	t.Helper()
	got := map[int]int{}
	for _, b := range blobs {
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		m := msgID.FindStringSubmatch(s)
		if m == nil {
			continue // a DSN or a foreign message
		}
		i, _ := strconv.Atoi(m[1])
		if i < base || i >= base+n {
			continue // another run's message
		}
		want := strings.ReplaceAll(body(i), "\r\n", "\n")
		if strings.HasSuffix(s, "\n\n") && !strings.HasSuffix(want, "\n\n") {
			s = s[:len(s)-1] // smtp-sink ends its dump files with an empty line
		}
		if !strings.HasSuffix(s, "\n"+want) {
			t.Fatalf("message %d arrived altered:\n%q\nwant suffix\n%q", i, s[max(0, len(s)-len(want)-200):], want)
		}
		got[i]++
	}
	return got
}

// checkAll: every message arrived, at most maxDup extra copies in total.
func checkAll(t *testing.T, got map[int]int, base, n, maxDup int) {
	t.Helper()
	dups := 0
	for i := base; i < base+n; i++ {
		if got[i] == 0 {
			t.Fatalf("message %d never arrived (%d of %d did)", i, len(got), n)
		}
		dups += got[i] - 1
	}
	if dups > maxDup {
		t.Fatalf("%d duplicates, at most %d allowed", dups, maxDup)
	}
	t.Logf("%d messages arrived, %d duplicates", n, dups)
}

// startDaemon runs sluiced in-process on backend with conf (%[1]d is the
// SMTP port, {{DIR}} a temp dir).
func startDaemon(t *testing.T, backend, conf string) (*daemon.Daemon, int, string) {
	t.Helper()
	dir := t.TempDir()
	port := testport.Free(t)
	conf = strings.ReplaceAll(fmt.Sprintf(conf, port), "{{DIR}}", dir)
	path := filepath.Join(dir, "sluice.conf")
	os.WriteFile(path, []byte(conf), 0o644)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	d, err := daemon.New(daemon.Options{ConfigPath: path, EventLoop: backend, Workers: 2,
		SpoolDir: filepath.Join(dir, "spool"), MetricsAddr: "off", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	})
	return d, port, dir
}

// send delivers messages from..to-1 over conns parallel SMTP sessions,
// each reusing its connection; every one must get a 250.
func send(t *testing.T, port, from, to, conns int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			if err := session(port, from, to, c, conns); err != nil {
				errs <- err
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func session(port, from, to, c, conns int) error {
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	read := func() (string, error) {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		for {
			l, err := r.ReadString('\n')
			if err != nil || len(l) < 4 || l[3] != '-' {
				return l, err
			}
		}
	}
	expect := func(code string) error {
		l, err := read()
		if err == nil && !strings.HasPrefix(l, code) {
			err = fmt.Errorf("want %s, got %q", code, l)
		}
		return err
	}
	if err := expect("220"); err != nil {
		return err
	}
	fmt.Fprintf(conn, "EHLO e2e.test\r\n")
	if err := expect("250"); err != nil {
		return err
	}
	w := bufio.NewWriter(conn)
	for i := from + c; i < to; i += conns {
		fmt.Fprintf(w, "MAIL FROM:<sender@local.test>\r\nRCPT TO:<alice@local.test>\r\nDATA\r\n")
		w.Flush()
		for _, code := range []string{"250", "250", "354"} {
			if err := expect(code); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		b := body(i)
		b = strings.ReplaceAll(b, "\r\n.", "\r\n..") // dot-stuffing
		w.WriteString(b + ".\r\n")
		w.Flush()
		if err := expect("250"); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	fmt.Fprintf(conn, "QUIT\r\n")
	return nil
}

// drained waits until the daemon's spool is empty.
func drained(t *testing.T, d *daemon.Daemon, within time.Duration) {
	t.Helper()
	end := time.Now().Add(within)
	for d.Store().Len() > 0 {
		if time.Now().After(end) {
			t.Fatalf("%d messages still in the spool after %s; handoff: %+v", d.Store().Len(), within, d.Handoff().Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// segmentsGone: once a drained daemon stopped, opening its spool finds no
// live record, and no segment file holding a record is left (each writer's
// last, drained segment goes at the next batch or, as here, at recovery).
func segmentsGone(t *testing.T, spoolDir string) {
	t.Helper()
	st, err := spool.Open(spoolDir, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n := st.Len()
	st.Close()
	if n != 0 {
		t.Fatalf("%d records live in the spool after hand-off", n)
	}
	ents, _ := os.ReadDir(spoolDir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".seg") {
			if st, err := os.Stat(filepath.Join(spoolDir, e.Name())); err == nil && st.Size() > 16 {
				t.Fatalf("segment %s (%d bytes) still on disk after everything was handed off", e.Name(), st.Size())
			}
		}
	}
}
