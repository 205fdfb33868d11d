package control

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

var (
	answerDenied  = frame("not-authorized", msgNotAuthorized)
	answerNeedLog = frame("not-authenticated", msgNotAuthenticated)
	answerBye     = frame("ok", "bye\n")
)

func TestUnixPeerCredentials(t *testing.T) {
	allow := map[string]*config.Value{"always_allow": boolV(true)}
	deny := map[string]*config.Value{"always_deny": boolV(true)}
	both := map[string]*config.Value{"always_allow": boolV(true), "always_deny": boolV(true)}
	tests := []struct {
		name  string
		uid   int
		extra map[string]*config.Value
		open  bool
	}{
		{"root", 0, nil, true},
		{"daemon uid", testUID, nil, true},
		{"other uid", 1000, nil, false},
		{"no credentials", -1, nil, false},
		{"other uid, Always_Allow", 1000, allow, true},
		{"root, Always_Deny", 0, deny, false},
		{"Always_Deny beats Always_Allow", 1000, both, false},
		{"Enable_Authentication is for TCP", 1000, map[string]*config.Value{"enable_authentication": boolV(true)}, false},
	}
	for _, tt := range tests {
		b := &fakeBackend{}
		res := run(newTestFactory(b), unixConn(policy(tt.extra), tt.uid), "summary\njson pid\nconfig reload\nquit\n")
		want := answerDenied + frame("not-authorized", `{"error":"Not Authorized for this command"}`+"\n") + answerDenied + answerBye
		if tt.open {
			want = frame("ok", "summary\n") + frame("ok", `{"pid":777}`+"\n") + frame("ok", `reload ""`+"\n") + answerBye
		}
		if string(res.Out) != want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, res.Out, want)
		}
		if !tt.open && len(b.calls) != 0 {
			t.Errorf("%s: refused client reached the backend: %q", tt.name, b.calls)
		}
	}
}

func writePasswd(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "console.passwd")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func loginPolicy(uri string, extra map[string]*config.Value) *config.Policy {
	m := map[string]*config.Value{
		"enable_authentication": boolV(true),
		"authloginparameters":   {Kind: config.KindDict, Dict: map[string]string{"URI": uri}},
	}
	for k, v := range extra {
		m[k] = v
	}
	return policy(m)
}

func login(user, pass string) string {
	return "auth login " + user + " " + base64.StdEncoding.EncodeToString([]byte(pass)) + "\n"
}

func TestTCPLogin(t *testing.T) {
	dir := t.TempDir()
	path := writePasswd(t, dir, "# console users\nadmin:s3cret: with colon\n\nops:pw\r\n")
	uri := "file://" + path
	okLogin := frame("ok", "Authenticated as admin\n")
	failed := frame("not-authenticated", "Authentication failed\n")
	tests := []struct {
		name   string
		p      *config.Policy
		in     string
		want   string
		closed bool
	}{
		{"no auth needed", policy(nil), "summary\n", frame("ok", "summary\n"), false},
		{"login first", loginPolicy(uri, nil), "summary\nhelp\nversion\n", answerNeedLog + answerNeedLog + answerNeedLog, false},
		{"good login", loginPolicy(uri, nil), "summary\n" + login("admin", "s3cret: with colon") + "summary\n",
			answerNeedLog + okLogin + frame("ok", "summary\n"), false},
		{"crlf file", loginPolicy(uri, nil), login("ops", "pw") + "pid\n", frame("ok", "Authenticated as ops\n") + frame("ok", "777\n"), false},
		{"wrong password", loginPolicy(uri, nil), login("admin", "nope") + "summary\n", failed + answerNeedLog, false},
		{"unknown user", loginPolicy(uri, nil), login("eve", "s3cret: with colon") + "summary\n", failed + answerNeedLog, false},
		{"three failures close", loginPolicy(uri, nil), login("a", "1") + login("a", "2") + login("admin", "3") + login("admin", "s3cret: with colon"),
			failed + failed + failed, true},
		{"bad base64", loginPolicy(uri, nil), "auth login admin ***\n", frame("failed", "auth login: the password must be base64 (RFC 4648, with padding)\n"), false},
		{"json login", loginPolicy(uri, nil), "json " + login("admin", "nope"), frame("not-authenticated", `{"error":"Authentication failed"}`+"\n"), false},
		{"missing file", loginPolicy("file://"+filepath.Join(dir, "none"), nil), login("admin", "s3cret: with colon"), failed, false},
		{"unsupported uri", loginPolicy("ecauth://", nil), login("admin", "s3cret: with colon"), failed, false},
		{"no uri", policy(map[string]*config.Value{"enable_authentication": boolV(true)}), login("admin", "x"), failed, false},
		{"Always_Allow skips login", loginPolicy(uri, map[string]*config.Value{"always_allow": boolV(true)}), "summary\n", frame("ok", "summary\n"), false},
		{"Always_Deny beats login", loginPolicy(uri, map[string]*config.Value{"always_deny": boolV(true)}), login("admin", "s3cret: with colon") + "summary\n", answerDenied + answerDenied, false},
		{"Always_Deny beats Always_Allow", policy(map[string]*config.Value{"always_deny": boolV(true), "always_allow": boolV(true)}), "summary\nquit\n", answerDenied + answerBye, true},
		{"quit before login", loginPolicy(uri, nil), "quit\n", answerBye, true},
	}
	for _, tt := range tests {
		b := &fakeBackend{}
		res := run(newTestFactory(b), tcpConn(tt.p), tt.in)
		if string(res.Out) != tt.want || res.Closed != tt.closed {
			t.Errorf("%s:\n got %q closed=%v\nwant %q closed=%v", tt.name, res.Out, res.Closed, tt.want, tt.closed)
		}
	}
	// Split at every offset, login included.
	in := "summary\n" + login("admin", "nope") + login("admin", "s3cret: with colon") + "json summary\nquit\n"
	if err := prototest.SplitEvery(mk(newTestFactory(&fakeBackend{}), tcpConn(loginPolicy(uri, nil))), []byte(in)); err != nil {
		t.Fatal(err)
	}
}

// The password file is re-read when it changes, and relative paths resolve
// against BaseDir.
func TestPasswordFileReloaded(t *testing.T) {
	dir := t.TempDir()
	path := writePasswd(t, dir, "admin:old\n")
	f := NewFactory(FactoryOptions{Backend: &fakeBackend{}, BaseDir: dir})
	p := loginPolicy("file://console.passwd", nil)
	if res := run(f, tcpConn(p), login("admin", "old")); !strings.HasPrefix(string(res.Out), "ok ") {
		t.Fatalf("old password: %q", res.Out)
	}
	if err := os.WriteFile(path, []byte("admin:new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if res := run(f, tcpConn(p), login("admin", "old")); !strings.HasPrefix(string(res.Out), "not-authenticated ") {
		t.Fatalf("old password still accepted: %q", res.Out)
	}
	if res := run(f, tcpConn(p), login("admin", "new")); !strings.HasPrefix(string(res.Out), "ok ") {
		t.Fatalf("new password: %q", res.Out)
	}
}

func TestRefuse(t *testing.T) {
	f := newTestFactory(nil)
	c := tcpConn(policy(nil))
	for why, want := range map[proto.RefuseReason]string{
		proto.RefuseACL:        answerDenied,
		proto.RefuseShutdown:   frame("failed", "sluice is shutting down\n"),
		proto.RefuseSessionCap: frame("failed", "too many console sessions; try again later\n"),
	} {
		if got := string(f.Refuse(c, why, []byte("x"))); got != "x"+want {
			t.Errorf("refuse %d: %q", why, got)
		}
	}
}
