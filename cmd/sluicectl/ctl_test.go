package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/control"
	"sluice/proto/control/controltest"
)

// console starts a console on a Unix socket; info may refine each
// connection (nil: root on the socket).
func console(t *testing.T, info func(net.Conn) *proto.ConnInfo) (string, *controltest.Backend) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "control.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	b := &controltest.Backend{}
	f := control.NewFactory(control.FactoryOptions{Backend: b, Version: "sluice test", PID: 99, DaemonUID: 4242})
	if info == nil {
		info = func(net.Conn) *proto.ConnInfo {
			return &proto.ConnInfo{Listener: "Control_Listener", Listen: path, Unix: true, PeerUID: 0}
		}
	}
	go controltest.Serve(ln, f, info)
	return path, b
}

func ctl(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runCtl(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestOneShot(t *testing.T) {
	sock, b := console(t, nil)
	code, out, errs := ctl("", "-s", sock, "config", "eval", "esmtp_listener", "listen", ":25", "enable")
	if code != 0 || out != "eval [esmtp_listener listen :25 enable]\n" || errs != "" {
		t.Fatalf("eval: %d %q %q", code, out, errs)
	}
	code, out, _ = ctl("", "-s", sock, "config", "set", "esmtp_listener", "banner", "hello \"world\"")
	if code != 0 || out != `set [esmtp_listener banner] "hello \"world\""`+"\n" {
		t.Fatalf("set: %d %q", code, out)
	}
	code, out, _ = ctl("", "-s", sock, "config", "set", "relay_hosts", "(", "a", "b", ")")
	if code != 0 || out != `set [relay_hosts] ( "a" "b" )`+"\n" {
		t.Fatalf("set array: %d %q", code, out)
	}
	code, out, errs = ctl("", "-s", sock, "config", "get", "bad", "x")
	if code != exitFailed || out != "" || errs != "failed: no such scope 'bad'\n" {
		t.Fatalf("failed command: %d %q %q", code, out, errs)
	}
	code, _, errs = ctl("", "-s", sock, "frobnicate")
	if code != exitFailed || !strings.Contains(errs, "Unknown command 'frobnicate'") {
		t.Fatalf("unknown: %d %q", code, errs)
	}
	code, out, _ = ctl("", "-s", sock, "-json", "pid")
	if code != 0 || out != `{"pid":99}`+"\n" {
		t.Fatalf("json: %d %q", code, out)
	}
	if len(b.Calls) != 4 {
		t.Fatalf("backend calls %q", b.Calls)
	}
}

func TestBatchFromStdin(t *testing.T) {
	sock, _ := console(t, nil)
	code, out, errs := ctl("version\n\n# comment\nsummary\nconfig get bad\npid\nquit\nsummary\n", "-s", sock)
	if code != exitFailed || out != "sluice test\nsummary\n99\n" || errs != "failed: no such scope 'bad'\n" {
		t.Fatalf("batch: %d %q %q", code, out, errs)
	}
	if code, out, _ := ctl("pid\n", "-s", sock); code != 0 || out != "99\n" {
		t.Fatalf("ok batch: %d %q", code, out)
	}
}

func TestConnectionFailures(t *testing.T) {
	code, _, errs := ctl("", "-s", filepath.Join(t.TempDir(), "none.sock"), "pid")
	if code != exitConnFail || !strings.Contains(errs, "is sluiced running?") {
		t.Fatalf("missing socket: %d %q", code, errs)
	}
	if code, _, _ := ctl("", "-nosuchflag"); code != exitUsage {
		t.Fatalf("bad flag: %d", code)
	}
}

func TestRefusedUID(t *testing.T) {
	sock, b := console(t, func(net.Conn) *proto.ConnInfo {
		return &proto.ConnInfo{Listener: "Control_Listener", Unix: true, PeerUID: 1000}
	})
	code, _, errs := ctl("", "-s", sock, "config", "reload")
	if code != exitFailed || errs != "not-authorized: Not Authorized for this command\n" || len(b.Calls) != 0 {
		t.Fatalf("refused uid: %d %q %q", code, errs, b.Calls)
	}
}

func TestTCPLogin(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pw, []byte("admin:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := config.NewPolicy("Control_Listener", "127.0.0.1:0", map[string]*config.Value{
		"enable_authentication": {Kind: config.KindBool, Bool: true},
		"authloginparameters":   {Kind: config.KindDict, Dict: map[string]string{"uri": "file://" + pw}},
	})
	f := control.NewFactory(control.FactoryOptions{Backend: &controltest.Backend{}, PID: 99})
	go controltest.Serve(ln, f, func(net.Conn) *proto.ConnInfo {
		return &proto.ConnInfo{Listener: "Control_Listener", PeerUID: -1, Policy: p}
	})
	addr := ln.Addr().String()
	if code, _, errs := ctl("", "-s", addr, "pid"); code != exitFailed || !strings.HasPrefix(errs, "not-authenticated: ") {
		t.Fatalf("no login: %d %q", code, errs)
	}
	if code, out, errs := ctl("", "-s", addr, "-u", "admin", "-p", "s3cret", "pid"); code != 0 || out != "99\n" {
		t.Fatalf("login: %d %q %q", code, out, errs)
	}
	if code, _, errs := ctl("", "-s", addr, "-u", "admin", "-p", "wrong", "pid"); code != exitConnFail || !strings.Contains(errs, "Authentication failed") {
		t.Fatalf("wrong password: %d %q", code, errs)
	}
	t.Setenv("SLUICE_PASSWORD", "s3cret")
	if code, out, _ := ctl("", "-s", addr, "-u", "admin", "pid"); code != 0 || out != "99\n" {
		t.Fatalf("env password: %d %q", code, out)
	}
	os.Unsetenv("SLUICE_PASSWORD")
	if code, _, errs := ctl("", "-s", addr, "-u", "admin", "pid"); code != exitConnFail || !strings.Contains(errs, "no password") {
		t.Fatalf("no password: %d %q", code, errs)
	}
}

func TestDefaultSocketAndSpoolDispatch(t *testing.T) {
	p, err := defaultSocket()
	if err != nil || !strings.HasSuffix(p, "var/control.sock") {
		t.Fatalf("default socket %q %v", p, err)
	}
	if code, _, errs := ctl("", "spool"); code != 2 || !strings.Contains(errs, "sluicectl spool ls") {
		t.Fatalf("spool dispatch: %d %q", code, errs)
	}
}

// The prompt edits lines and keeps history: Up recalls the last command.
func TestPromptHistory(t *testing.T) {
	sock, b := console(t, nil)
	cl, err := control.Dial(sock, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	keys := "config eval x\r" + // a command
		"\x1b[A\r" + // Up, Enter: the same command again
		"pix\x7fd\r" + // "pix", Backspace, "d": pid
		"frob\r" + // fails
		"\x04" // Ctrl-D leaves
	var screen bytes.Buffer
	code := prompt(cl, options{addr: sock}, struct {
		io.Reader
		io.Writer
	}{strings.NewReader(keys), &screen}, "sluice test", 80, 24)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d (last command failed)", code, exitFailed)
	}
	if fmt.Sprint(b.Calls) != "[eval [x] eval [x]]" {
		t.Fatalf("calls %q", b.Calls)
	}
	s := screen.String()
	for _, want := range []string{"Connected to sluice test", "eval [x]\r\n", "99\r\n", "failed: Unknown command 'frob'"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%q", want, s)
		}
	}
}
