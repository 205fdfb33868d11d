package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/testport"
	"sluice/ring"
)

// backends is the table every daemon test runs over: both event loops must
// pass the same tests.
func backends(t *testing.T) []string {
	t.Helper()
	out := []string{"epoll"}
	if _, err := ring.Probe(); err == nil {
		out = append(out, "io_uring")
	} else {
		t.Logf("io_uring unavailable here (%v): testing epoll only", err)
	}
	return out
}

// freePort returns a TCP port free now, below the ephemeral range.
func freePort(t *testing.T) int { return testport.Free(t) }

type testDaemon struct {
	*Daemon
	dir  string
	conf string
}

// start writes conf (with {{DIR}} replaced by a temp dir) and starts a
// daemon on backend with two workers. It is shut down at test end.
func start(t *testing.T, backend, conf string) *testDaemon {
	t.Helper()
	return startLog(t, backend, conf, nil)
}

// startLog is start with the daemon's log (info and above, text) written
// to logw, for tests that check the reception and reject lines.
func startLog(t *testing.T, backend, conf string, logw io.Writer) *testDaemon {
	t.Helper()
	dir := t.TempDir()
	conf = strings.ReplaceAll(conf, "{{DIR}}", dir)
	path := filepath.Join(dir, "sluice.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case logw != nil:
		log = slog.New(slog.NewTextHandler(logw, nil))
	case testing.Verbose():
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := New(Options{ConfigPath: path, EventLoop: backend, Workers: 2,
		SpoolDir: filepath.Join(dir, "spool"), MetricsAddr: "127.0.0.1:0", Log: log})
	if err != nil {
		t.Fatalf("daemon.New(%s): %v", backend, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	})
	return &testDaemon{Daemon: d, dir: dir, conf: path}
}

// rewrite replaces the config file (for reload tests).
func (td *testDaemon) rewrite(t *testing.T, conf string) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "{{DIR}}", td.dir)
	if err := os.WriteFile(td.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitDial dials until it connects or 3 s pass.
func waitDial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	var err error
	for i := 0; i < 60; i++ {
		var c net.Conn
		if c, err = net.DialTimeout(network, addr, time.Second); err == nil {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dial %s %s: %v", network, addr, err)
	return nil
}

// refused reports whether a connect to addr is refused now.
func refused(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := c.Read(one); err != nil {
			t.Fatalf("read: %v (have %q)", err, b)
		}
		b = append(b, one[0])
		if one[0] == '\n' {
			return string(b)
		}
	}
}
