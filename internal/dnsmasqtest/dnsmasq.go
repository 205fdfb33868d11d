// Package dnsmasqtest runs a real dnsmasq on loopback for tests, as a fake
// DNS block/allow list: each record "name,127.0.0.x" answers that A record;
// any other name under the given local domains is NXDOMAIN. It never
// forwards a query off the machine (--no-resolv).
package dnsmasqtest

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// Start runs dnsmasq answering for domains with records, stops it (by its
// PID) at the end of the test, and returns its "127.0.0.1:port".
func Start(t testing.TB, domains []string, records ...string) string {
	t.Helper()
	bin := extbin.Need(t, "dnsmasq", "dnsmasq-base")
	port := testport.Free(t)
	args := []string{"-k", "-C", "/dev/null", "-p", fmt.Sprint(port),
		"--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
		"--user=root", "--log-facility=-"}
	for _, d := range domains {
		args = append(args, "--local=/"+d+"/")
	}
	for _, r := range records {
		args = append(args, "--host-record="+r)
	}
	cmd := exec.Command(bin, args...)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("dnsmasq:\n%s", log.String())
		}
	})
	srv := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 100; i++ { // until it listens (TCP and UDP come up together)
		if c, err := net.DialTimeout("tcp", srv, 100*time.Millisecond); err == nil {
			c.Close()
			return srv
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("dnsmasq did not start:\n%s", log.String())
	return ""
}
