package handoff

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

// proc is an external server a test started; stopped by PID at cleanup.
type proc struct {
	cmd *exec.Cmd
	log *bytes.Buffer
}

func startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), log: new(bytes.Buffer)}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.log.String())
		}
	})
	return p
}

func (p *proc) stop() {
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

func waitPort(t *testing.T, network, addr string) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial(network, addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s %s never came up", network, addr)
}

// nobody returns the uid and gid of the unprivileged user servers run as.
func nobody(t *testing.T) (int, int) {
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// worldDir is a temporary directory that the unprivileged server users
// can reach (t.TempDir's parents are private to root).
func worldDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sluice-handoff-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// sink is Postfix's smtp-sink dumping every transaction into dir; extra
// arguments (e.g. "-r", "RCPT") go before the address.
type sink struct {
	*proc
	addr, dir string
}

func startSink(t *testing.T, lmtp bool, extra ...string) *sink {
	t.Helper()
	bin := extbin.Need(t, "smtp-sink", "postfix")
	dir := worldDir(t)
	uid, gid := nobody(t)
	os.Chown(dir, uid, gid)
	addr := fmt.Sprintf("127.0.0.1:%d", testport.Free(t))
	args := []string{"-u", "nobody", "-d", dir + "/%H%M%S."}
	if lmtp {
		args = append(args, "-L")
	}
	args = append(append(args, extra...), addr, "256")
	s := &sink{proc: startProc(t, bin, args...), addr: addr, dir: dir}
	waitPort(t, "tcp", addr)
	return s
}

// restart stops the sink and starts it again on the same address and dump
// directory with other extra arguments.
func (s *sink) restart(t *testing.T, lmtp bool, extra ...string) {
	t.Helper()
	s.stop()
	args := []string{"-u", "nobody", "-d", s.dir + "/%H%M%S."}
	if lmtp {
		args = append(args, "-L")
	}
	args = append(append(args, extra...), s.addr, "256")
	s.proc = startProc(t, s.cmd.Path, args...)
	waitPort(t, "tcp", s.addr)
}

// dumps returns the message files smtp-sink wrote.
func (s *sink) dumps(t *testing.T) [][]byte {
	t.Helper()
	ents, _ := os.ReadDir(s.dir)
	var out [][]byte
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}

// holds reports whether some dump holds body byte for byte (smtp-sink
// writes its own X- and Received lines first; line ends as LF).
func holds(dumps [][]byte, body string) bool {
	want := strings.ReplaceAll(body, "\r\n", "\n")
	for _, d := range dumps {
		if bytes.HasSuffix(bytes.ReplaceAll(d, []byte("\r\n"), []byte("\n")), []byte(want)) ||
			bytes.Contains(bytes.ReplaceAll(d, []byte("\r\n"), []byte("\n")), []byte("\n"+want)) {
			return true
		}
	}
	return false
}
