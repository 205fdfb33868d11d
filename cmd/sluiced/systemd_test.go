package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sluice/internal/extbin"
)

// notifySocket listens like systemd's notify socket and returns the
// variable to pass and the datagrams received.
func notifySocket(t *testing.T) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ch := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return path, ch
}

// next returns the next datagram that starts with one of prefixes.
func next(t *testing.T, ch <-chan string, prefixes ...string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-ch:
			for _, p := range prefixes {
				if strings.HasPrefix(s, p) {
					return s
				}
			}
		case <-deadline:
			t.Fatalf("no notification starting with %q", prefixes)
		}
	}
}

// TestSystemdNotifyProtocol runs sluiced under a fake NOTIFY_SOCKET:
// READY=1 comes only once the Listen accepts and the spool exists,
// RELOADING=1 then READY=1 around SIGHUP, WATCHDOG=1 at half of
// WATCHDOG_USEC, STOPPING=1 at SIGTERM.
func TestSystemdNotifyProtocol(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	sock, ch := notifySocket(t)
	cmd := exec.Command(sluicedBin(t), "-config", daemonConf(t, dir, port, ""), "-metrics", "off")
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=300000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := next(t, ch, "READY=1")
	if !strings.Contains(ready, fmt.Sprintf("MAINPID=%d", cmd.Process.Pid)) {
		t.Errorf("READY without MAINPID: %q", ready)
	}
	// At READY time the socket accepts and the spool is open.
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		t.Fatalf("READY=1 sent before the Listen accepts: %v", err)
	}
	c.Close()
	if _, err := os.Stat(filepath.Join(dir, "spool")); err != nil {
		t.Fatalf("READY=1 sent before the spool exists: %v", err)
	}
	next(t, ch, "WATCHDOG=1")
	cmd.Process.Signal(syscall.SIGHUP)
	if s := next(t, ch, "RELOADING=1", "READY=1"); s != "RELOADING=1" {
		t.Fatalf("after SIGHUP: %q", s)
	}
	next(t, ch, "READY=1")
	cmd.Process.Signal(syscall.SIGTERM)
	next(t, ch, "STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// TestSocketActivation passes a listening socket the way systemd does
// (fd 3, LISTEN_PID, LISTEN_FDS); sluiced serves SMTP on it without
// binding, and a second sluiced on that port is refused.
func TestSocketActivation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	f, _ := ln.(*net.TCPListener).File()
	ln.Close() // f keeps the socket
	dir := t.TempDir()
	conf := daemonConf(t, dir, port, "")
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, sluicedBin(t), "-config", conf, "-metrics", "off")
	cmd.Env = append(os.Environ(), "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{f}
	out := &strings.Builder{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := dialRetry(t, port)
	line := make([]byte, 512)
	n, _ := c.Read(line)
	c.Close()
	if !strings.HasPrefix(string(line[:n]), "220 ") {
		t.Fatalf("banner on the activated socket: %q", line[:n])
	}
	second, err := exec.Command(sluicedBin(t), "-config", daemonConf(t, t.TempDir(), port, ""), "-metrics", "off").CombinedOutput()
	if err == nil || !strings.Contains(string(second), "address already in use") {
		t.Fatalf("second daemon on the activated port: %v\n%s", err, second)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if !strings.Contains(out.String(), `msg="socket activation" sockets=1`) {
		t.Errorf("no socket activation in the log:\n%s", out)
	}
}

func dialRetry(t *testing.T, port int) net.Conn {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no connection to %d", port)
	return nil
}

// TestDeployFiles: the shipped default configuration passes -check, and
// the units pass systemd-analyze verify (with ExecStart pointing at the
// binary under test).
func TestDeployFiles(t *testing.T) {
	if code, out, errs := runCheck(t, "-check", "-config", "../../deploy/etc/sluice/ecelerity.conf"); code != 0 {
		t.Fatalf("deploy config: exit %d\n%s%s", code, out, errs)
	}
	analyze := extbin.Need(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	for _, u := range []string{"sluiced.service", "sluiced.socket"} {
		b, err := os.ReadFile(filepath.Join("../../deploy/systemd", u))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, u), []byte(strings.ReplaceAll(string(b), "/usr/local/bin/sluiced", sluicedBin(t))), 0o644)
	}
	out, err := exec.Command(analyze, "verify", filepath.Join(dir, "sluiced.service"), filepath.Join(dir, "sluiced.socket")).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// credNotifySocket is notifySocket with the sender's pid (SO_PASSCRED).
func credNotifySocket(t *testing.T) (string, <-chan [2]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	raw, _ := c.SyscallConn()
	raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1) })
	ch := make(chan [2]string, 64)
	go func() {
		buf, oob := make([]byte, 4096), make([]byte, 256)
		for {
			n, no, _, _, err := c.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			pid := "?"
			if msgs, err := unix.ParseSocketControlMessage(oob[:no]); err == nil && len(msgs) > 0 {
				if cred, err := unix.ParseUnixCredentials(&msgs[0]); err == nil {
					pid = strconv.Itoa(int(cred.Pid))
				}
			}
			ch <- [2]string{pid, string(buf[:n])}
		}
	}()
	return path, ch
}

// TestSystemdUpgradeNotify: across an upgrade under systemd, the old main
// process announces MAINPID=<new>, the successor then sends READY=1 and,
// although WATCHDOG_PID named its predecessor, its own WATCHDOG=1 pings.
func TestSystemdUpgradeNotify(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "pid")
	sock, ch := credNotifySocket(t)
	conf := daemonConf(t, dir, port, fmt.Sprintf("Pidfile = %q", pidPath))
	cmd := exec.Command("/bin/sh", "-c", `WATCHDOG_PID=$$ exec "$0" "$@"`, sluicedBin(t), "-config", conf, "-metrics", "off", "-drain", "2s")
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=400000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	old := strconv.Itoa(cmd.Process.Pid)
	var succ string
	t.Cleanup(func() {
		cmd.Process.Kill()
		if n, err := strconv.Atoi(succ); err == nil {
			syscall.Kill(n, syscall.SIGKILL)
		}
	})
	wait := func(from, prefix string) string {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case m := <-ch:
				if (from == "" || m[0] == from) && strings.HasPrefix(m[1], prefix) {
					return m[1]
				}
			case <-deadline:
				t.Fatalf("no %q from pid %s", prefix, from)
			}
		}
	}
	wait(old, "READY=1")
	wait(old, "WATCHDOG=1")
	cmd.Process.Signal(syscall.SIGUSR2)
	succ = strings.TrimPrefix(wait(old, "MAINPID="), "MAINPID=")
	if succ == old || succ == "" {
		t.Fatalf("MAINPID %q", succ)
	}
	if r := wait(succ, "READY=1"); !strings.Contains(r, "MAINPID="+succ) {
		t.Errorf("successor READY: %q", r)
	}
	wait(succ, "WATCHDOG=1")
	if b, _ := os.ReadFile(pidPath); strings.TrimSpace(string(b)) != succ {
		t.Errorf("pidfile %q, successor %s", b, succ)
	}
	n, _ := strconv.Atoi(succ)
	syscall.Kill(n, syscall.SIGTERM)
	wait(succ, "STOPPING=1")
}
