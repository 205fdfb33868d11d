package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sluice/engine/enginetest"
)

// TestWrkMessages runs a wrk keep-alive load against POST /api/v1/messages
// on the real engine (epoll) and logs wrk's report. It is a measurement, not
// a test of speed: it runs only with SLUICE_WRK=1 (and SLUICE_WRK_BACKEND,
// SLUICE_WRK_ARGS to change the defaults), and fails only if a request was
// not answered 200.
//
//	SLUICE_WRK=1 go test -run WrkMessages -v ./proto/http/e2e
func TestWrkMessages(t *testing.T) {
	if os.Getenv("SLUICE_WRK") == "" {
		t.Skip("set SLUICE_WRK=1 to run the wrk load")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk not installed")
	}
	backend := os.Getenv("SLUICE_WRK_BACKEND")
	if backend == "" {
		backend = "epoll"
	}
	dir := os.Getenv("SLUICE_WRK_DIR") // put the spool on a real disk to measure fdatasync
	if dir == "" {
		dir = t.TempDir()
	}
	sp, addr := startEngineSpool(t, backend, nil, &enginetest.Spool{Dir: dir, CountOnly: true})
	script := filepath.Join(t.TempDir(), "post.lua")
	body := strings.ReplaceAll(string(message("wrk", 4<<10)), "\x00", " ")
	lua := "wrk.method = \"POST\"\nwrk.body = [==[" + body + "]==]\n" +
		"wrk.headers[\"Content-Type\"] = \"message/rfc822\"\n" +
		"wrk.headers[\"X-Mail-From\"] = \"<a@example.com>\"\n" +
		"wrk.headers[\"X-Rcpt-To\"] = \"<b@example.org>\"\n"
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(os.Getenv("SLUICE_WRK_ARGS"))
	if len(args) == 0 {
		args = []string{"-t1", "-c32", "-d5s"}
	}
	args = append(args, "--latency", "-s", script, "http://"+addr+"/api/v1/messages")
	out, err := exec.Command("wrk", args...).CombinedOutput()
	t.Logf("wrk %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		t.Fatal("wrk saw errors")
	}
	t.Logf("%d messages committed to the spool in %s", sp.Count(), dir)
}
