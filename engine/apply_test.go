package engine

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine/echo"
	"sluice/internal/testport"
)

func unixSpec(key, path string, mode os.FileMode, f *echo.Factory) ListenSpec {
	return ListenSpec{Socket: config.Socket{Network: "unix", Address: path, FileMode: mode}, Key: key, Listener: "Control_Listener", Service: "CONTROL", Enabled: true, Factory: f}
}

func ping(t *testing.T, network, addr string) {
	t.Helper()
	c := dial(t, network, addr)
	c.send(t, "ping\n")
	if got := c.line(t); got != "ping" {
		t.Fatalf("%s: got %q", addr, got)
	}
	c.Close()
}

func refused(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

func TestUnixSocketMode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{}
		a, b := filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
		apply(t, e, 1, unixSpec("a", a, 0600, f), unixSpec("b", b, 0660, f))
		for p, want := range map[string]os.FileMode{a: 0600, b: 0660} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != want {
				t.Fatalf("%s: mode %v, want socket %v", p, st.Mode(), want)
			}
			ping(t, "unix", p)
		}
		// a live socket is not taken over
		e2 := newEngine(t, backend, 1, nil)
		err := e2.Apply(&Spec{Generation: 1, Listens: []ListenSpec{unixSpec("a", a, 0600, f)}})
		if err == nil || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("binding a live socket: %v", err)
		}
		// removing the Listen removes its file
		apply(t, e, 2, unixSpec("b", b, 0660, f))
		if _, err := os.Lstat(a); !os.IsNotExist(err) {
			t.Fatalf("%s left behind: %v", a, err)
		}
		ping(t, "unix", b)
	})
}

func TestUnixStaleAndForeignFiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		stale, plain := filepath.Join(dir, "stale.sock"), filepath.Join(dir, "plain")
		fd, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: stale}); err != nil {
			t.Fatal(err)
		}
		syscall.Close(fd) // the file stays: a stale socket
		os.WriteFile(plain, []byte("keep me"), 0644)
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		err := e.Apply(&Spec{Generation: 1, Listens: []ListenSpec{unixSpec("s", stale, 0600, f), unixSpec("p", plain, 0600, f)}})
		if err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Fatalf("foreign file: %v", err)
		}
		if b, _ := os.ReadFile(plain); string(b) != "keep me" {
			t.Fatal("a regular file was touched")
		}
		ping(t, "unix", stale)
		states := map[string]string{}
		for _, l := range e.Listeners() {
			states[l.Key] = l.State
		}
		if states["s"] != "bound" || states["p"] != "failed" {
			t.Fatalf("states %v", states)
		}
	})
}

// TestSpreadOverWorkers: SO_REUSEPORT shares connections among all workers.
func TestSpreadOverWorkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		const workers = 4
		e := newEngine(t, backend, workers, nil)
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", &echo.Factory{}))
		addr := addrOf(t, e, "echo")
		if l := e.Listeners()[0]; l.Sockets != workers {
			t.Fatalf("%d sockets, want %d", l.Sockets, workers)
		}
		for i := 0; i < 200; i++ {
			ping(t, "tcp", addr)
		}
		for _, wc := range e.Counters() {
			n := wc.Listens[0].Counters.Accepted.Load()
			if n == 0 {
				t.Fatalf("worker %d accepted nothing", wc.Worker)
			}
			t.Logf("worker %d accepted %d", wc.Worker, n)
		}
	})
}

func TestDisabledNotBound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		port := freePort(t)
		s := tcpSpec("off", "127.0.0.1:"+port, &echo.Factory{})
		s.Enabled = false
		apply(t, e, 1, s)
		if !refused("tcp", "127.0.0.1:"+port) {
			t.Fatal("a disabled Listen accepts connections")
		}
		if l := e.Listeners()[0]; l.State != "disabled" || l.Sockets != 0 {
			t.Fatalf("state %+v", l)
		}
	})
}

// freePort finds a port nothing listens on now, below the ephemeral range
// so that no client socket of a parallel test can take it meanwhile.
func freePort(t *testing.T) string { return strconv.Itoa(testport.Free(t)) }
