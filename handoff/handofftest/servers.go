// Package handofftest starts the real downstream servers the hand-off
// tests deliver to: Postfix's smtp-Sink, a private Postfix instance,
// Dovecot's LMTP server and an embedded NATS server with JetStream. Each
// runs with private configuration and state under a temporary directory
// and is stopped by PID (or its own stop command) at the end of the test.
package handofftest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// Proc is an external server a test started; stopped by PID at cleanup.
type Proc struct {
	cmd *exec.Cmd
	log *bytes.Buffer
}

func StartProc(t *testing.T, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: exec.Command(name, args...), log: new(bytes.Buffer)}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.log.String())
		}
	})
	return p
}

func (p *Proc) Stop() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

func WaitPort(t *testing.T, network, addr string) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial(network, addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s %s never came up", network, addr)
}

// Nobody returns the uid and gid of the unprivileged user servers run as.
func Nobody(t *testing.T) (int, int) {
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// WorldDir is a temporary directory that the unprivileged server users
// can reach (t.TempDir's parents are private to root).
func WorldDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sluice-handoff-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Sink is Postfix's smtp-Sink dumping every transaction into dir; extra
// arguments (e.g. "-r", "RCPT") go before the address.
type Sink struct {
	*Proc
	Addr, Dir string
}

func StartSink(t *testing.T, lmtp bool, extra ...string) *Sink {
	t.Helper()
	bin := extbin.Need(t, "smtp-sink", "postfix")
	dir := WorldDir(t)
	uid, gid := Nobody(t)
	os.Chown(dir, uid, gid)
	addr := fmt.Sprintf("127.0.0.1:%d", testport.Free(t))
	args := []string{"-u", "nobody", "-d", dir + "/%H%M%S."}
	if lmtp {
		args = append(args, "-L")
	}
	args = append(append(args, extra...), addr, "256")
	s := &Sink{Proc: StartProc(t, bin, args...), Addr: addr, Dir: dir}
	WaitPort(t, "tcp", addr)
	return s
}

// restart stops the Sink and starts it again on the same address and dump
// directory with other extra arguments.
func (s *Sink) Restart(t *testing.T, lmtp bool, extra ...string) {
	t.Helper()
	s.Stop()
	args := []string{"-u", "nobody", "-d", s.Dir + "/%H%M%S."}
	if lmtp {
		args = append(args, "-L")
	}
	args = append(append(args, extra...), s.Addr, "256")
	s.Proc = StartProc(t, s.cmd.Path, args...)
	WaitPort(t, "tcp", s.Addr)
}

// dumps returns the message files smtp-Sink wrote.
func (s *Sink) Dumps(t *testing.T) [][]byte {
	t.Helper()
	ents, _ := os.ReadDir(s.Dir)
	var out [][]byte
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(s.Dir, e.Name()))
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}

// Holds reports whether some dump Holds body byte for byte (smtp-Sink
// writes its own X- and Received lines first; line ends as LF).
func Holds(dumps [][]byte, body string) bool {
	want := strings.ReplaceAll(body, "\r\n", "\n")
	for _, d := range dumps {
		if bytes.HasSuffix(bytes.ReplaceAll(d, []byte("\r\n"), []byte("\n")), []byte(want)) ||
			bytes.Contains(bytes.ReplaceAll(d, []byte("\r\n"), []byte("\n")), []byte("\n"+want)) {
			return true
		}
	}
	return false
}
