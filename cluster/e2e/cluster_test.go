package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/testport"
)

// TestClusterEmbedded: three sluiced processes, each running an embedded
// NATS server routed to the others from Cluster_Peers (which lists all
// three, the node's own address included).
func TestClusterEmbedded(t *testing.T) {
	ns := newCluster(t, "")
	scenario(t, ns)
}

// TestClusterExternalNATS: the same with Msgc_Server pointing at one
// nats-server the test starts (built from the nats-server/v2 module).
func TestClusterExternalNATS(t *testing.T) {
	port := testport.Free(t)
	sd := t.TempDir()
	ns := exec.Command(filepath.Join(bins(t), "nats-server"), "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", sd)
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Process.Signal(syscall.SIGTERM); ns.Wait() })
	waitFor(t, 10*time.Second, "nats-server to listen", func() (bool, string) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil, fmt.Sprint(err)
	})
	scenario(t, newCluster(t, fmt.Sprintf("nats://127.0.0.1:%d", port)))
}

func scenario(t *testing.T, ns []*node) {
	for _, n := range ns {
		n.start(t)
	}
	// Formed from config alone: every node lists three nodes up.
	for _, n := range ns {
		waitFor(t, 40*time.Second, n.name+" to see three nodes up", func() (bool, string) {
			out := nodesState(t, n)
			return strings.Contains(out, "3 nodes, 3 up"), out
		})
	}

	// A push disables the ECStream Listen on all three nodes.
	// Pushed files must live in the pushing node's config directory (the
	// console rule of "config reload PATH").
	push := filepath.Join(ns[0].dir, "push.conf")
	os.WriteFile(push, []byte(sharedBase+"ECStream_Listener {\n  Enable = false\n}\n"), 0o644)
	out, err := ns[0].ctl(t, "cluster", "config", "push", push)
	if err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	for _, n := range ns {
		waitFor(t, 20*time.Second, n.name+" to disable its ECStream Listen", func() (bool, string) {
			st := listenState(t, n, n.ecs)
			return st == "disabled", st
		})
		if st := listenState(t, n, n.smtp); st != "bound" {
			t.Fatalf("%s: the SMTP Listen is %q after the push", n.name, st)
		}
	}
	var good string
	waitFor(t, 10*time.Second, "every node to report the push applied", func() (bool, string) {
		out, _ := ns[1].ctl(t, "cluster", "config", "status")
		good = lineOf(out, ns[0].name)
		return strings.Count(out, " ok\n") == 3 && strings.Contains(out, "runs the same shared config"), out
	})

	// A push with an error in the file is refused before any node sees it.
	bad := filepath.Join(ns[1].dir, "bad.conf")
	os.WriteFile(bad, []byte(sharedBase+"ESMTP_Listener {\n  Bogus_Option = 1\n}\n"), 0o644)
	if out, err := ns[1].ctl(t, "cluster", "config", "push", bad); err == nil || !strings.Contains(out, "not pushed") ||
		strings.Contains(out, "Bogus_Option") {
		t.Fatalf("a bad push was accepted, or its error shows file text: %v\n%s", err, out)
	}
	// Nor can a console user push a file from outside the config directory.
	if out, err := ns[1].ctl(t, "cluster", "config", "push", "/etc/passwd"); err == nil || !strings.Contains(out, "refused") {
		t.Fatalf("pushing /etc/passwd: %v\n%s", err, out)
	}
	// A push that is valid on its own but not with the nodes' files (each
	// node file declares Peer 192.0.2.0/24 in ESMTP_Listener already):
	// every node refuses it and keeps its generation.
	clash := filepath.Join(ns[2].dir, "clash.conf")
	os.WriteFile(clash, []byte(sharedBase+"ESMTP_Listener {\n  Peer \"192.0.2.0/24\" { }\n}\n"), 0o644)
	if out, err := ns[2].ctl(t, "cluster", "config", "push", clash); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	for _, n := range ns {
		waitFor(t, 20*time.Second, n.name+" to refuse the clashing push", func() (bool, string) {
			out, _ := ns[0].ctl(t, "cluster", "config", "status")
			return strings.Contains(lineOf(out, n.name), "refused"), out
		})
		if st := listenState(t, n, n.ecs); st != "disabled" {
			t.Fatalf("%s: ECStream Listen %q after a refused push", n.name, st)
		}
		if st := listenState(t, n, n.smtp); st != "bound" {
			t.Fatalf("%s: SMTP Listen %q after a refused push", n.name, st)
		}
	}
	if s := statusLine(t, ns[1], ns[0].name); hashOf(s) != hashOf(good) {
		t.Fatalf("the refused push changed the config hash: %q -> %q", good, s)
	}

	// SIGKILL one node: the others mark it gone within the timeout (3s,
	// checked against heartbeats once a second).
	ns[2].kill(t)
	killed := time.Now()
	for _, n := range ns[:2] {
		waitFor(t, 10*time.Second, n.name+" to mark n3 gone", func() (bool, string) {
			out := nodesState(t, n)
			return stateOf(out, "n3") == "gone", out
		})
	}
	t.Logf("n3 marked gone on both survivors %v after SIGKILL (Cluster_Node_Timeout 3s)", time.Since(killed).Round(100*time.Millisecond))
	if m := get(ns[0].metrics, "/metrics"); !strings.Contains(m, `sluice_cluster_nodes{state="gone"} 1`) ||
		!strings.Contains(m, `sluice_cluster_nodes{state="up"} 2`) {
		t.Fatalf("n1 /metrics does not count n3 gone:\n%s", grepLines(m, "sluice_cluster"))
	}
	if js := get(ns[1].http, "/stats/cluster"); !strings.Contains(js, `"node":"n3"`) || !strings.Contains(js, `"state":"gone"`) {
		t.Fatalf("n2 /stats/cluster: %s", js)
	}

	// While n3 is down, a push re-enables ECStream; n3 takes it when it
	// rejoins (late joiner).
	again := filepath.Join(ns[0].dir, "again.conf")
	os.WriteFile(again, []byte(sharedBase+"HTTP_Listener {\n  Idle_Time = 120\n}\n"), 0o644)
	if out, err := ns[0].ctl(t, "cluster", "config", "push", again); err != nil {
		t.Fatalf("push with a node down: %v\n%s", err, out)
	}
	for _, n := range ns[:2] {
		waitFor(t, 20*time.Second, n.name+" to re-enable ECStream", func() (bool, string) {
			st := listenState(t, n, n.ecs)
			return st == "bound", st
		})
	}
	ns[2].start(t)
	for _, n := range ns {
		waitFor(t, 40*time.Second, n.name+" to see n3 back", func() (bool, string) {
			out := nodesState(t, n)
			return strings.Contains(out, "3 nodes, 3 up"), out
		})
	}
	waitFor(t, 20*time.Second, "n3 to take the push it missed", func() (bool, string) {
		st := listenState(t, ns[2], ns[2].ecs)
		return st == "bound", st
	})
	for _, n := range ns {
		waitFor(t, 5*time.Second, n.name+" to report one shared config after the rejoin", func() (bool, string) {
			out, _ := n.ctl(t, "cluster", "config", "status")
			return strings.Count(out, " ok\n") == 3 && strings.Contains(out, "runs the same shared config"), out
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func lineOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return l
		}
	}
	return ""
}

func statusLine(t *testing.T, n *node, name string) string {
	out, err := n.ctl(t, "cluster", "config", "status")
	if err != nil {
		t.Fatalf("config status: %v\n%s", err, out)
	}
	return lineOf(out, name)
}

func hashOf(line string) string {
	_, h, _ := strings.Cut(line, "hash ")
	f := strings.Fields(h)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
