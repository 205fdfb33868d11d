package e2e

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/enginetest"
	smtpl "sluice/proto/smtp"
)

var backends = []string{"epoll", "io_uring"}

// opts turns name/value pairs into policy values: string, []string,
// time.Duration.
func opts(kv ...any) map[string]*config.Value {
	m := map[string]*config.Value{
		"relay_domains":   {Kind: config.KindArray, List: []string{"local.test", "example.com"}},
		"smtp_extensions": {Kind: config.KindArray, List: []string{"ENHANCEDSTATUSCODES", "PIPELINING"}},
	}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			m[kv[i].(string)] = &config.Value{Kind: config.KindString, Raw: v}
		case []string:
			m[kv[i].(string)] = &config.Value{Kind: config.KindArray, List: v}
		case time.Duration:
			m[kv[i].(string)] = &config.Value{Kind: config.KindSeconds, Raw: strconv.Itoa(int(v.Seconds())), Dur: v}
		default:
			panic("opts: type")
		}
	}
	return m
}

// sluice runs the ESMTP listener on the engine's backend with the given
// policy values, and returns its address, its durable test spool and the
// factory.
func sluice(t testing.TB, backend string, vals map[string]*config.Value) (string, *enginetest.Spool, *smtpl.Factory) {
	t.Helper()
	sp := enginetest.NewSpool(t.TempDir())
	_, sp.CountOnly = t.(*testing.B) // a benchmark's messages are counted, not kept
	e := enginetest.Start(t, backend, sp)
	p := config.NewPolicy("ESMTP_Listener", "", vals)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	f := smtpl.NewFactory(smtpl.FactoryOptions{Hostname: "mx.local.test", Logger: log})
	if err := e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{{Key: "smtp",
		Listener: "ESMTP_Listener", Service: "SMTP", Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0", NoDelay: true},
		Enabled: true, Peers: enginetest.Peers(p), Factory: f}}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Listeners() {
		if l.State == "bound" {
			return l.Bound, sp, f
		}
	}
	t.Fatalf("listener not bound: %+v", e.Listeners())
	return "", nil, nil
}

// result is how one SMTP transaction ended.
type result struct {
	code int    // the first failing reply's code, 250 when the message was accepted
	msg  string // its text
	id   string // the queue id in the final 250
}

// sendMail runs one transaction with net/smtp; a refusal at any step ends
// it and is returned (not a test failure), any other error fails the test.
func sendMail(t *testing.T, addr, from string, rcpts []string, body string) result {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := smtp.NewClient(conn, "mx.local.test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	refused := func(err error) (result, bool) {
		var te *textproto.Error
		if errors.As(err, &te) {
			return result{code: te.Code, msg: te.Msg}, true
		}
		if err != nil {
			t.Fatalf("smtp: %v", err)
		}
		return result{}, false
	}
	if r, bad := refused(c.Hello("client.local.test")); bad {
		return r
	}
	if r, bad := refused(c.Mail(from)); bad {
		return r
	}
	for _, rc := range rcpts {
		if r, bad := refused(c.Rcpt(rc)); bad {
			return r
		}
	}
	w, err := c.Data()
	if r, bad := refused(err); bad {
		return r
	}
	io.WriteString(w, body)
	if r, bad := refused(w.Close()); bad {
		return r
	}
	c.Quit()
	return result{code: 250}
}

// daemon is an external server a test started.
type daemon struct {
	cmd *exec.Cmd
	log string
}

// start runs argv with its output in dir/<name>.log and kills it (by PID,
// process group included) when the test ends.
func start(t *testing.T, dir, name string, argv ...string) *daemon {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	lf.Close()
	d := &daemon{cmd: cmd, log: logPath}
	t.Cleanup(d.kill)
	return d
}

// kill stops the daemon and its children (their group is its PID).
func (d *daemon) kill() {
	if d.cmd.ProcessState != nil {
		return
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	d.cmd.Wait()
}

// output returns the daemon's log, for failure messages.
func (d *daemon) output() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitPort waits until addr accepts connections.
func waitPort(t *testing.T, d *daemon, addr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if d.cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s does not listen after %v; log:\n%s", addr, limit, d.output())
}

// waitSpooled waits until sp holds n messages.
func waitSpooled(t *testing.T, sp *enginetest.Spool, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for sp.Count() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if sp.Count() != n {
		t.Fatalf("%d messages spooled, want %d", sp.Count(), n)
	}
}

func lastMessage(sp *enginetest.Spool) string {
	ms := sp.Messages()
	if len(ms) == 0 {
		return ""
	}
	return string(ms[len(ms)-1].Data)
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
