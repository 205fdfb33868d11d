// Package extbin finds the external programs (servers and clients no one here
// wrote: haproxy, rspamd, nats, postfix …) that end-to-end tests run.
//
// scripts/test.sh installs them (scripts/deps.d) and sets SLUICE_EXTERNAL=require,
// so in CI a missing program fails the test instead of skipping it: a skip can
// never hide a missing feature there. Outside it, a developer without the
// program gets a skip that names the package to install.
package extbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Required reports whether a missing program must fail the test.
func Required() bool { return os.Getenv("SLUICE_EXTERNAL") == "require" }

// Need returns the path of program name, looked up in PATH and then in
// /usr/sbin and /usr/lib/<pkg>-style locations given in extra. When it is
// missing the test fails (SLUICE_EXTERNAL=require) or is skipped, naming pkg.
func Need(t testing.TB, name, pkg string, extra ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range append([]string{"/usr/sbin", "/usr/bin", "/sbin"}, extra...) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	if Required() {
		t.Fatalf("extbin: %s not found: install the Debian package %s (scripts/deps.sh does)", name, pkg)
	}
	t.Skipf("extbin: %s not found; install the Debian package %s (scripts/deps.sh), or run scripts/test.sh", name, pkg)
	return ""
}
