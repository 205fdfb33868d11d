// Package e2e runs sluice clusters of three sluiced processes on loopback,
// formed from their config files alone, and drives them with sluicectl.
package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sluice/internal/testport"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// bins builds sluiced, sluicectl and nats-server (from the nats-server/v2
// module sluice already requires) once per test binary.
func bins(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sluice-cluster-e2e-")
		if buildErr != nil {
			return
		}
		for _, pkg := range []string{"sluice/cmd/sluiced", "sluice/cmd/sluicectl", "github.com/nats-io/nats-server/v2"} {
			name := filepath.Base(pkg)
			if name == "v2" {
				name = "nats-server"
			}
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// node is one sluiced of a test cluster.
type node struct {
	name, dir, conf, sock  string
	smtp, ecs, route, msgc int
	http, metrics          int
	backend                string
	cmd                    *exec.Cmd
	log                    *bytes.Buffer
	logMu                  sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// sharedBase is the shared config every node starts with; tests push
// variations of it.
const sharedBase = `Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Relay_Hosts = ( "127.0.0.0/8" )
}
`

// newCluster writes three node configs. external is a Msgc_Server URL, ""
// for embedded NATS servers routed to each other.
func newCluster(t *testing.T, external string, extra ...func(*node) string) []*node {
	t.Helper()
	root := t.TempDir()
	ns := make([]*node, 3)
	var peers []string
	for i := range ns {
		n := &node{name: fmt.Sprintf("n%d", i+1), dir: filepath.Join(root, fmt.Sprintf("n%d", i+1)),
			smtp: testport.Free(t), ecs: testport.Free(t), route: testport.Free(t), msgc: testport.Free(t),
			http: testport.Free(t), metrics: testport.Free(t),
			backend: []string{"io_uring", "epoll", "io_uring"}[i], log: &bytes.Buffer{}}
		n.conf = filepath.Join(n.dir, "sluice.conf")
		n.sock = filepath.Join(n.dir, "control.sock")
		os.MkdirAll(n.dir, 0o755)
		peers = append(peers, fmt.Sprintf("%q", fmt.Sprintf("127.0.0.1:%d", n.route)))
		ns[i] = n
	}
	for _, n := range ns {
		var b strings.Builder
		fmt.Fprintf(&b, "Spoolbase = %q\nCluster_Node_Name = %q\nCluster_Name = \"e2e\"\n", filepath.Join(n.dir, "spool"), n.name)
		fmt.Fprintf(&b, "Cluster_Config_File = \"shared.conf\"\nCluster_Node_Timeout = 3\n")
		if external != "" {
			fmt.Fprintf(&b, "Msgc_Server = %q\n", external)
		} else {
			fmt.Fprintf(&b, "Cluster_Peers = ( %s )\n", strings.Join(peers, " "))
			fmt.Fprintf(&b, "ECCluster_Listener { Listen \"127.0.0.1:%d\" { } }\n", n.route)
			fmt.Fprintf(&b, "msgcserver_listener {\n  Listen \"127.0.0.1:%d\" { }\n  Peer \"127.0.0.0/8\" { }\n}\n", n.msgc)
		}
		fmt.Fprintf(&b, "ESMTP_Listener {\n  Listen \"127.0.0.1:%d\" { }\n  Peer \"192.0.2.0/24\" { Always_Deny = true }\n}\n", n.smtp)
		fmt.Fprintf(&b, "ECStream_Listener { Listen \"127.0.0.1:%d\" { } }\n", n.ecs)
		fmt.Fprintf(&b, "HTTP_Listener { Listen \"127.0.0.1:%d\" { } }\n", n.http)
		fmt.Fprintf(&b, "Control_Listener { Listen %q { } }\n", n.sock)
		fmt.Fprintf(&b, "include \"shared.conf\"\n")
		for _, f := range extra {
			b.WriteString(f(n))
		}
		if err := os.WriteFile(n.conf, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(n.dir, "shared.conf"), []byte(sharedBase), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

func (n *node) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(filepath.Join(bins(t), "sluiced"), "-config", n.conf, "-event-loop", n.backend,
		"-workers", "1", "-metrics", fmt.Sprintf("127.0.0.1:%d", n.metrics), "-log-level", "warn")
	n.cmd.Stderr = lockedWriter{&n.logMu, n.log}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := n.cmd
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			n.logMu.Lock()
			t.Logf("%s log:\n%s", n.name, n.log.String())
			n.logMu.Unlock()
		}
	})
}

func (n *node) kill(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGKILL)
	n.cmd.Wait()
}

// get fetches a URL path from the node's HTTP_Listener or metrics port.
func get(port int, path string) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// ctl runs sluicectl against the node's console.
func (n *node) ctl(t *testing.T, words ...string) (string, error) {
	t.Helper()
	args := append([]string{"-s", n.sock, "-t", "10s"}, words...)
	out, err := exec.Command(filepath.Join(bins(t), "sluicectl"), args...).CombinedOutput()
	return string(out), err
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	last := ""
	for {
		good, state := ok()
		if good {
			return time.Since(start)
		}
		last = state
		if time.Since(start) > d {
			t.Fatalf("timed out after %v waiting for %s; last state:\n%s", d, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nodesLine is the summary line of "cluster nodes".
func nodesState(t *testing.T, n *node) string {
	out, err := n.ctl(t, "cluster", "nodes")
	if err != nil {
		return "error: " + out
	}
	return out
}

// stateOf returns the STATE column of node name in a "cluster nodes" answer.
func stateOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

// listenState returns the state of the Listen on port in "listeners".
func listenState(t *testing.T, n *node, port int) string {
	out, err := n.ctl(t, "listeners")
	if err != nil {
		return "error: " + out
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, fmt.Sprintf(":%d:", port)) {
			_, st, _ := strings.Cut(l, ": ")
			st, _, _ = strings.Cut(st, ",")
			st, _, _ = strings.Cut(st, " (")
			return st
		}
	}
	return "absent:\n" + out
}
