package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemonConf writes a config for one ESMTP Listen on port plus extra.
func daemonConf(t *testing.T, dir string, port int, extra string) string {
	t.Helper()
	p := filepath.Join(dir, "sluice.conf")
	os.WriteFile(p, []byte(fmt.Sprintf("Spoolbase = %q\n%s\nESMTP_Listener { Listen \"127.0.0.1:%d\" { } }\n",
		filepath.Join(dir, "spool"), extra, port)), 0o644)
	return p
}

// startDaemon starts the built sluiced and returns it with a reader of its
// stderr; it is killed at test end if still running.
func startDaemon(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(sluicedBin(t), args...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, bufio.NewReader(pr)
}

// TestTwoDaemonsOnePort: the second sluiced on a port exits 1 with the
// documented "address already in use" error; the first keeps serving.
func TestTwoDaemonsOnePort(t *testing.T) {
	port := freePort(t)
	d1 := t.TempDir()
	first, _ := startDaemon(t, "-config", daemonConf(t, d1, port, ""), "-metrics", "off")
	waitPort(t, port)
	d2 := t.TempDir()
	out, err := exec.Command(sluicedBin(t), "-config", daemonConf(t, d2, port, ""), "-metrics", "off").CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("second daemon: %v\n%s", err, out)
	}
	want := fmt.Sprintf("engine: listen 127.0.0.1:%d: address already in use", port)
	if !strings.Contains(string(out), want) {
		t.Fatalf("second daemon's error lacks %q:\n%s", want, out)
	}
	// Listens are bound before the spool is touched.
	if _, err := os.Stat(filepath.Join(d2, "spool")); !os.IsNotExist(err) {
		t.Errorf("the refused daemon created its spool directory (%v)", err)
	}
	waitPort(t, port)
	first.Process.Signal(syscall.SIGTERM)
}

// TestLogFormatPidfileMetricsOff: Log_Format = json makes every start-up
// line JSON, Pidfile holds the pid while serving and is removed at exit,
// and Metrics_Listen = off binds no metrics port.
func TestLogFormatPidfileMetricsOff(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "sluiced.pid")
	conf := daemonConf(t, dir, port, fmt.Sprintf("Log_Format = json\nPidfile = %q\nMetrics_Listen = off", pidPath))
	cmd, stderr := startDaemon(t, "-config", conf)
	waitPort(t, port)
	// Listens are bound before the pidfile is written: wait for it.
	var b []byte
	var err error
	for i := 0; i < 200; i++ {
		if b, err = os.ReadFile(pidPath); err == nil && len(b) > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("pidfile: %q %v, pid %d", b, err, cmd.Process.Pid)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	n := 0
	for {
		line, err := stderr.ReadString('\n')
		if err != nil {
			break
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			t.Errorf("not a JSON log line: %q", line)
		}
		if m["msg"] == "metrics" {
			t.Errorf("metrics served although Metrics_Listen = off: %q", line)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no log lines")
	}
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(pidPath); os.IsNotExist(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("pidfile left behind at exit")
}
