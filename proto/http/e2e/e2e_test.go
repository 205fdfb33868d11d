package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/enginetest"
	sluicehttp "sluice/proto/http"
)

// startEngine runs the real engine with the HTTP factory on 127.0.0.1:0.
func startEngine(t *testing.T, backend string, vals map[string]*config.Value) (*enginetest.Spool, string) {
	return startEngineSpool(t, backend, vals, enginetest.NewSpool(t.TempDir()))
}

func startEngineSpool(t *testing.T, backend string, vals map[string]*config.Value, sp *enginetest.Spool) (*enginetest.Spool, string) {
	return startEngineOpts(t, backend, vals, sp, nil)
}

// startEngineOpts is startEngineSpool with a hook that adjusts the
// factory's options (templates store, limits).
func startEngineOpts(t *testing.T, backend string, vals map[string]*config.Value, sp *enginetest.Spool,
	adjust func(*sluicehttp.FactoryOptions)) (*enginetest.Spool, string) {
	e := enginetest.Start(t, backend, sp)
	base := map[string]*config.Value{
		"idle_time": {Kind: config.KindSeconds, Dur: 30 * time.Second},
	}
	for k, v := range vals {
		base[k] = v
	}
	o := sluicehttp.FactoryOptions{Hostname: "e2e.example",
		Summary: func() map[string]any {
			return map[string]any{"ReceivedMessages": sp.Count()}
		},
		Ready:   func() (bool, string) { return true, "" },
		Metrics: func(w io.Writer) error { _, err := io.WriteString(w, "sluice_up 1\n"); return err },
	}
	if adjust != nil {
		adjust(&o)
	}
	f := sluicehttp.NewFactory(o)
	spec := engine.ListenSpec{Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0", NoDelay: true}, Key: "HTTP_Listener 127.0.0.1:0", Listener: "HTTP_Listener",
		Service: "HTTP", Enabled: true,
		Peers:   enginetest.Peers(config.NewPolicy("HTTP_Listener", "127.0.0.1:0", base)),
		Factory: f}
	if err := e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{spec}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Listeners() {
		if l.Key == spec.Key && l.State == "bound" {
			return sp, l.Bound
		}
	}
	t.Fatalf("listen not bound: %+v", e.Listeners())
	return nil, ""
}

// message makes a distinct raw message of about size bytes, with bytes a
// rewriting server would touch (bare LF, NUL, 8-bit, a lone dot line).
func message(tag string, size int) []byte {
	b := []byte("From: a@example.com\r\nTo: b@example.org\r\nSubject: " + tag + "\r\n\r\n.\r\nbare\nlf \x00 \xff\r\n")
	for len(b) < size {
		b = append(b, "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n"...)
	}
	return b
}

func backends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"epoll", "io_uring"} {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// checkStored waits for nothing: a 200 means the message is already durable.
func checkStored(t *testing.T, sp *enginetest.Spool, data []byte, sender string, rcpts ...string) {
	t.Helper()
	m := sp.Find(data)
	if m == nil {
		t.Fatalf("message %.40q not in the spool after 200", data)
	}
	if m.Sender != sender || strings.Join(m.Recipients, ",") != strings.Join(rcpts, ",") || m.Protocol != "http" {
		t.Fatalf("envelope %q %v %q", m.Sender, m.Recipients, m.Protocol)
	}
}

func TestE2EGoClient(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		sp, addr := startEngine(t, backend, nil)
		tr := &nethttp.Transport{ExpectContinueTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2}
		defer tr.CloseIdleConnections()
		cl := &nethttp.Client{Transport: tr, Timeout: 20 * time.Second}
		url := "http://" + addr + "/api/v1/messages"
		for i, size := range []int{100, 5000, 200 << 10, 3 << 20} {
			msg := message(fmt.Sprint("go", i), size)
			var body io.Reader = bytes.NewReader(msg)
			if i%2 == 1 {
				body = io.MultiReader(bytes.NewReader(msg)) // unknown length: chunked
			}
			req, _ := nethttp.NewRequest("POST", url, body)
			req.Header.Set("Content-Type", "message/rfc822")
			req.Header.Set("X-Mail-From", "<s@example.com>")
			req.Header.Add("X-Rcpt-To", "<r1@example.org>")
			req.Header.Add("X-Rcpt-To", "<r2@example.org>")
			if i >= 2 {
				req.Header.Set("Expect", "100-continue")
			}
			resp, err := cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			rb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var v struct {
				Results struct {
					Accepted int    `json:"total_accepted_recipients"`
					ID       string `json:"id"`
				}
			}
			if resp.StatusCode != 200 || json.Unmarshal(rb, &v) != nil || v.Results.Accepted != 2 || v.Results.ID == "" {
				t.Fatalf("request %d: %d %s", i, resp.StatusCode, rb)
			}
			checkStored(t, sp, msg, "s@example.com", "r1@example.org", "r2@example.org")
		}
		// Three recipients: three Submits, answered after the third Resume.
		inj := `{"template":"Subject: <%= :s %>\nTo: <%= :to %>\n\nhi\n","recipients":[` +
			`{"to":"b@x.org","from":"a@x.org","keys":{"s":"go"}},{"to":"c@x.org","from":"a@x.org","keys":{"s":"go"}},` +
			`{"to":"d@x.org","from":"a@x.org","keys":{"s":"go"}}]}`
		resp, err := cl.Post("http://"+addr+"/v1.0/inject", "application/json", strings.NewReader(inj))
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Count(string(rb), `"status":"success"`) != 4 {
			t.Fatalf("inject: %d %s", resp.StatusCode, rb)
		}
		for _, to := range []string{"b@x.org", "c@x.org", "d@x.org"} {
			checkStored(t, sp, []byte("Subject: go\r\nTo: "+to+"\r\n\r\nhi\r\n"), "a@x.org", to)
		}
		for _, p := range []string{"/healthz", "/readyz", "/metrics", "/stats/summary"} {
			resp, err := cl.Get("http://" + addr + p)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
		}
	})
}

func TestE2ECurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	backends(t, func(t *testing.T, backend string) {
		users := filepath.Join(t.TempDir(), "users")
		os.WriteFile(users, []byte("ops:pw\n"), 0o600)
		sp, addr := startEngine(t, backend, map[string]*config.Value{
			"enable_authentication": {Kind: config.KindBool, Bool: true},
			"authplainparameters":   {Kind: config.KindDict, Dict: map[string]string{"uri": "file://" + users}},
		})
		for i, args := range [][]string{
			{},                                   // Content-Length; curl adds Expect: 100-continue for big bodies
			{"-H", "Transfer-Encoding: chunked"}, // chunked
			{"-H", "Expect:", "--http1.0"},       // HTTP/1.0, no 100-continue
		} {
			msg := message(fmt.Sprint("curl", i), 300<<10)
			file := filepath.Join(t.TempDir(), "m.eml")
			os.WriteFile(file, msg, 0o600)
			cmd := append([]string{"-sS", "-u", "ops:pw", "--data-binary", "@" + file,
				"-H", "Content-Type: message/rfc822", "-H", "X-Mail-From: s@example.com",
				"-H", "X-Rcpt-To: r@example.org", "-w", "\n%{http_code}"}, args...)
			out, err := exec.Command("curl", append(cmd, "http://"+addr+"/api/v1/messages")...).CombinedOutput()
			if err != nil || !strings.HasSuffix(string(out), "\n200") {
				t.Fatalf("curl %v: %v\n%s", args, err, out)
			}
			checkStored(t, sp, msg, "s@example.com", "r@example.org")
		}
		out, _ := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
			"--data-binary", "x", "http://"+addr+"/api/v1/messages").CombinedOutput()
		if string(out) != "401" {
			t.Fatalf("no credentials: %s", out)
		}
	})
}

func TestE2EPythonUrllib(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	backends(t, func(t *testing.T, backend string) {
		sp, addr := startEngine(t, backend, nil)
		msg := message("python", 70<<10)
		file := filepath.Join(t.TempDir(), "m.eml")
		os.WriteFile(file, msg, 0o600)
		script := `
import sys, urllib.request, json
data = open(sys.argv[2], "rb").read()
req = urllib.request.Request("http://" + sys.argv[1] + "/api/v1/messages", data=data, method="POST",
    headers={"X-Mail-From": "<py@example.com>", "X-Rcpt-To": "py1@example.org, py2@example.org",
             "Content-Type": "message/rfc822"})
with urllib.request.urlopen(req, timeout=20) as r:
    body = json.load(r)
    print(r.status, body["results"]["total_accepted_recipients"])
t = json.dumps({"recipients": [{"address": {"email": "t@example.org", "name": "T"}}],
    "content": {"from": "py@example.com", "subject": "s", "text": "t", "html": "<i>h</i>"}}).encode()
req = urllib.request.Request("http://" + sys.argv[1] + "/api/v1/transmissions", data=t,
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=20) as r:
    print(r.status, json.load(r)["results"]["total_accepted_recipients"])
`
		out, err := exec.Command("python3", "-c", script, addr, file).CombinedOutput()
		if err != nil || string(out) != "200 2\n200 1\n" {
			t.Fatalf("python: %v\n%s", err, out)
		}
		checkStored(t, sp, msg, "py@example.com", "py1@example.org", "py2@example.org")
	})
}
