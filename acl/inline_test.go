package acl

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestInlining keeps the lookup helpers inlinable: if one grows past the
// inliner's budget, every lookup pays a call per level.
func TestInlining(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	out, err := exec.Command(runtime.GOROOT()+"/bin/go", "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"octet", "(*family).run", "(*leaf).contains", "key6",
		"(*Trie[*sluice/acl.Match]).index", "(*Trie[*sluice/acl.Match]).Lookup"} {
		if !strings.Contains(string(out), "can inline "+fn+"\n") &&
			!strings.Contains(string(out), "can inline "+fn+" with") {
			t.Errorf("%s is no longer inlinable", fn)
		}
	}
}
