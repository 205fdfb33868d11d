package systemd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeNotify listens like systemd does and returns the datagrams it gets.
func fakeNotify(t *testing.T, abstract bool) (string, <-chan string) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "notify")
	env := name
	if abstract {
		name = "\x00sluice-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		env = "@" + name[1:]
	}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ch := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return env, ch
}

func recv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return ""
}

func TestNotifyPathAndAbstract(t *testing.T) {
	for _, abstract := range []bool{false, true} {
		env, ch := fakeNotify(t, abstract)
		t.Setenv("NOTIFY_SOCKET", env)
		for _, st := range []string{"READY=1", "STATUS=serving 3 Listens\nMAINPID=42", "STOPPING=1"} {
			if err := Notify(st); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, ch); got != st {
				t.Errorf("abstract=%v: got %q want %q", abstract, got, st)
			}
		}
	}
}

func TestNotifyWithoutSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOTIFY_SOCKET", "relative/path")
	if err := Notify("READY=1"); err == nil {
		t.Fatal("a relative NOTIFY_SOCKET was accepted")
	}
}

func TestWatchdog(t *testing.T) {
	env, ch := fakeNotify(t, false)
	t.Setenv("NOTIFY_SOCKET", env)
	t.Setenv("WATCHDOG_USEC", "40000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if WatchdogInterval() != 40*time.Millisecond {
		t.Fatalf("interval %v", WatchdogInterval())
	}
	stop := make(chan struct{})
	alive := make(chan bool, 1)
	alive <- true
	healthy := true
	go Watchdog(stop, func() bool {
		select {
		case healthy = <-alive:
		default:
		}
		return healthy
	})
	if got := recv(t, ch); got != "WATCHDOG=1" {
		t.Fatalf("got %q", got)
	}
	alive <- false // a stuck process stops pinging
	time.Sleep(100 * time.Millisecond)
	for len(ch) > 0 {
		<-ch
	}
	select {
	case s := <-ch:
		t.Fatalf("pinged while not alive: %q", s)
	case <-time.After(150 * time.Millisecond):
	}
	close(stop)
	t.Setenv("WATCHDOG_PID", "1")
	if WatchdogInterval() != 0 {
		t.Fatal("a watchdog meant for another pid applied")
	}
}

// TestListenFDs runs a child with a listening socket at fd 3 and the
// variables systemd would set; the child reports what ListenFDs found.
func TestListenFDs(t *testing.T) {
	if os.Getenv("SYSTEMD_TEST_CHILD") == "1" {
		fds, names := ListenFDs()
		if len(fds) != 1 || fds[0] != 3 || names[0] != "smtp" || os.Getenv("LISTEN_FDS") != "" {
			os.Exit(3)
		}
		c, err := net.FileListener(os.NewFile(uintptr(fds[0]), "l"))
		if err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString(c.Addr().String())
		os.Exit(0)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, _ := ln.(*net.TCPListener).File()
	defer f.Close()
	// LISTEN_PID must be the child's pid, known only after fork: a shell
	// sets it to its own pid and execs the test binary.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" -test.run '^TestListenFDs$'`, os.Args[0])
	cmd.Env = append(os.Environ(), "SYSTEMD_TEST_CHILD=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=smtp")
	cmd.ExtraFiles = []*os.File{f}
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), ln.Addr().String()) {
		t.Fatalf("child: %v %q (want %s)", err, out, ln.Addr())
	}
	// Meant for another process: ignored.
	t.Setenv("LISTEN_PID", "1")
	t.Setenv("LISTEN_FDS", "1")
	if fds, _ := ListenFDs(); fds != nil {
		t.Fatalf("took fds meant for pid 1: %v", fds)
	}
}
