package http

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto/prototest"
)

func basic(user, pass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)) + "\r\n"
}

func writeUsers(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func authPolicy(path string, extra opts) *config.Policy {
	o := opts{"enable_authentication": boolV(true),
		"authplainparameters": dictV(map[string]string{"uri": "file://" + path})}
	for k, v := range extra {
		o[k] = v
	}
	return testPolicy(o)
}

func TestBasicAuth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	writeUsers(t, path, "# operators\nalice:s3cret:with:colons\n\nbob:pw\n", time.Unix(1000, 0))
	f := testFactory()
	p := authPolicy(path, nil)
	req := func(hdr string) string { return "GET /stats/summary HTTP/1.1\r\nHost: x\r\n" + hdr + "\r\n" }
	for _, tc := range []struct {
		name, in string
		code     int
	}{
		{"good", req(basic("alice", "s3cret:with:colons")), 200},
		{"second user", req(basic("bob", "pw")), 200},
		{"scheme case", req("Authorization: bAsIc " + base64.StdEncoding.EncodeToString([]byte("bob:pw")) + "\r\n"), 200},
		{"wrong password", req(basic("bob", "nope")), 401},
		{"unknown user", req(basic("carol", "pw")), 401},
		{"no colon", req("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("bob")) + "\r\n"), 401},
		{"bad base64", req("Authorization: Basic !!!\r\n"), 401},
		{"bearer", req("Authorization: Bearer abc\r\n"), 401},
		{"none", req(""), 401},
		{"probe needs none", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200},
	} {
		res, _ := run(t, f, p, tc.in)
		if r := one(t, res.Out); r.StatusCode != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, r.StatusCode, tc.code)
		}
	}
	// Momentum's order: always_allow skips authentication, always_deny
	// refuses even good credentials and even the probes.
	res, _ := run(t, f, authPolicy(path, opts{"always_allow": boolV(true)}), req(""))
	if r := one(t, res.Out); r.StatusCode != 200 {
		t.Errorf("always_allow: %d", r.StatusCode)
	}
	for _, in := range []string{req(basic("bob", "pw")), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n"} {
		res, _ = run(t, f, authPolicy(path, opts{"always_deny": boolV(true), "always_allow": boolV(true)}), in)
		if r := one(t, res.Out); r.StatusCode != 403 {
			t.Errorf("always_deny: %d", r.StatusCode)
		}
	}
	// No password file: nobody gets in.
	res, _ = run(t, f, authPolicy(filepath.Join(t.TempDir(), "missing"), nil), req(basic("bob", "pw")))
	if r := one(t, res.Out); r.StatusCode != 401 {
		t.Errorf("missing file: %d", r.StatusCode)
	}
}

// TestAuthFileReload: the file is cached by path and mtime, and looked at
// again at most once a second of Host time.
func TestAuthFileReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	writeUsers(t, path, "bob:old\n", time.Unix(1000, 0))
	f := testFactory()
	p := authPolicy(path, nil)
	try := func(pass string, at time.Duration) int {
		h := prototest.NewHost()
		h.Clock = h.Clock.Add(at)
		s := f.NewSession(prototest.Conn("HTTP_Listener", "127.0.0.1:8081", "127.0.0.1:4000", p), h)
		res, err := prototest.Run(s, h, []byte("GET /stats/summary HTTP/1.1\r\nHost: x\r\n"+basic("bob", pass)+"\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return one(t, res.Out).StatusCode
	}
	if c := try("old", 0); c != 200 {
		t.Fatalf("old password: %d", c)
	}
	writeUsers(t, path, "bob:new\n", time.Unix(2000, 0))
	if c := try("old", 500*time.Millisecond); c != 200 {
		t.Fatalf("file re-read within a second: %d", c)
	}
	if c := try("new", 2*time.Second); c != 200 {
		t.Fatalf("new password after mtime change: %d", c)
	}
	if c := try("old", 3*time.Second); c != 401 {
		t.Fatalf("old password still accepted: %d", c)
	}
}
