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
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const oneListen = "Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"127.0.0.1:%d\" { } }\n"

// newErr starts a second daemon and returns New's error (nil: it started,
// and is shut down at test end).
func newErr(t *testing.T, conf string) error {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "second.conf")
	os.WriteFile(path, []byte(strings.ReplaceAll(conf, "{{DIR}}", dir)), 0o644)
	d, err := New(Options{ConfigPath: path, EventLoop: "epoll", Workers: 2,
		SpoolDir: filepath.Join(dir, "spool"), MetricsAddr: "off", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Cleanup(func() { d.Shutdown(context.Background()) })
	}
	return err
}

// TestSecondDaemonSamePortFails: a second daemon on the port of a first
// one (same address, the wildcard, or another address of the same port)
// fails with "address already in use", on both back ends; the first keeps
// serving. After the first stops, the port is free again.
func TestSecondDaemonSamePortFails(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			p := freePort(t)
			first := start(t, be, fmt.Sprintf(oneListen, p))
			for _, a := range []string{"127.0.0.1", "*", "[::1]"} {
				err := newErr(t, fmt.Sprintf("Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"%s:%d\" { } }\n", a, p))
				if err == nil || !strings.Contains(err.Error(), "address already in use: another sluiced serves port") {
					t.Fatalf("second daemon on %s:%d: %v", a, p, err)
				}
			}
			waitDial(t, "tcp", addr(p)).Close()
			first.Shutdown(context.Background())
			if err := newErr(t, fmt.Sprintf(oneListen, p)); err != nil {
				t.Fatalf("port not released at shutdown: %v", err)
			}
		})
	}
}

// TestPortHeldByAnotherProgram: a listener that set SO_REUSEPORT itself
// (as a second sluiced would) is found by the probe, not joined.
func TestPortHeldByAnotherProgram(t *testing.T) {
	p := freePort(t)
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) })
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", addr(p))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = newErr(t, fmt.Sprintf(oneListen, p))
	if err == nil || !strings.Contains(err.Error(), "address already in use: another process listens there") {
		t.Fatalf("want the probe's error, got %v", err)
	}
}

// TestStartOnListenFailure: the documented option keeps the daemon up with
// the Listens that did bind.
func TestStartOnListenFailure(t *testing.T) {
	held, free := freePort(t), freePort(t)
	ln, err := net.Listen("tcp", addr(held))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conf := fmt.Sprintf("Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"127.0.0.1:%d\" { }\n Listen \"127.0.0.1:%d\" { } }\n", held, free)
	if err := newErr(t, conf); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("default: want a start-up failure, got %v", err)
	}
	if err := newErr(t, "Start_On_Listen_Failure = true\n"+conf); err != nil {
		t.Fatalf("Start_On_Listen_Failure = true: %v", err)
	}
	waitDial(t, "tcp", addr(free)).Close()
}

// TestReloadBindFailureKeepsOldSockets: a reload whose new Listen cannot
// bind answers an error, keeps the old generation and every old socket;
// a reload that changes a bound Listen (same port) or moves it to the
// wildcard still works: the claim is this process's own.
func TestReloadBindFailureKeepsOldSockets(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			p, held := freePort(t), freePort(t)
			ln, err := net.Listen("tcp", addr(held))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			td := start(t, be, fmt.Sprintf(oneListen, p))
			gen := td.Config().Generation
			td.rewrite(t, fmt.Sprintf("Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen_Backlog = 7\n Listen \"127.0.0.1:%d\" { }\n Listen \"127.0.0.1:%d\" { } }\n", p, held))
			_, err = td.Reload("")
			if err == nil || !strings.Contains(err.Error(), "already in use") {
				t.Fatalf("reload onto a taken port: %v", err)
			}
			if td.Config().Generation != gen {
				t.Fatal("a reload that could not bind replaced the generation")
			}
			for _, l := range td.Engine().Listeners() {
				if l.State != "bound" {
					t.Fatalf("%s is %s after the failed reload", l.Key, l.State)
				}
			}
			waitDial(t, "tcp", addr(p)).Close()
			for _, conf := range []string{
				"Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen_Backlog = 7\n Listen \"127.0.0.1:%d\" { } }\n",
				"Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"*:%d\" { } }\n",
			} {
				td.rewrite(t, fmt.Sprintf(conf, p))
				if _, err := td.Reload(""); err != nil {
					t.Fatalf("reload on its own port: %v", err)
				}
				waitDial(t, "tcp", addr(p)).Close()
			}
		})
	}
}

// TestMetricsBindErrorOnce: a taken Metrics_Listen fails the start-up with
// one message that names the option, the address and the fix once each.
func TestMetricsBindErrorOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.conf")
	os.WriteFile(path, []byte(fmt.Sprintf("Spoolbase = %q\nMetrics_Listen = %q\nESMTP_Listener { Listen \"127.0.0.1:%d\" { } }\n",
		filepath.Join(dir, "spool"), ln.Addr().String(), freePort(t))), 0o644)
	_, err = New(Options{ConfigPath: path, EventLoop: "epoll", Workers: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Fatal("started on a taken metrics port")
	}
	msg := err.Error()
	for _, s := range []string{"Metrics_Listen " + ln.Addr().String(), ln.Addr().String(), "choose a free address", "address already in use"} {
		if n := strings.Count(msg, s); n != 1 {
			t.Errorf("%q appears %d times in %q", s, n, msg)
		}
	}
}
