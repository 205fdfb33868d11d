package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sluice/proto/control"
)

const consoleConf = `
Spoolbase = "{{DIR}}/spool"
ESMTP_Listener {
  Listen "127.0.0.1:%[1]d" { }
}
Control_Listener {
  Listen "{{DIR}}/ctl.sock" { File_Mode = 0666 }
  Listen "127.0.0.1:%[2]d" {
    Enable_Authentication = true
    AuthLoginParameters = [ uri = "file://{{DIR}}/console.passwd" ]
  }
}
`

func startConsole(t *testing.T, be string) (*testDaemon, int, int) {
	t.Helper()
	smtpPort, ctlPort := freePort(t), freePort(t)
	td := start(t, be, fmt.Sprintf(consoleConf, smtpPort, ctlPort))
	if err := os.WriteFile(filepath.Join(td.dir, "console.passwd"), []byte("admin:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return td, smtpPort, ctlPort
}

func do(t *testing.T, c *control.Client, cmd string) string {
	t.Helper()
	st, body, err := c.Do(cmd)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	if st != control.StatusOK {
		t.Fatalf("%s: %s: %s", cmd, st, body)
	}
	return string(body)
}

// TestConsoleEnableFalseThenTrue is the seed's operator story over the real
// console socket: enable false refuses connects, enable true accepts again.
func TestConsoleEnableFalseThenTrue(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, _ := startConsole(t, be)
			c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			listen := fmt.Sprintf("esmtp_listener listen %s", addr(smtpPort))
			do(t, c, "config set "+listen+" enable false")
			if !refused("tcp", addr(smtpPort)) {
				t.Fatal("connect accepted after enable false")
			}
			if got := do(t, c, "config eval "+listen+" enable"); !strings.Contains(got, "false") {
				t.Fatalf("eval enable: %q", got)
			}
			do(t, c, "config set "+listen+" enable true")
			waitDial(t, "tcp", addr(smtpPort)).Close()
			if got := do(t, c, "listeners"); !strings.Contains(got, "bound") {
				t.Fatalf("listeners: %q", got)
			}
		})
	}
}

// TestConsoleRefusals: a wrong password on TCP and an unauthorised uid on
// the Unix socket are both refused, and the listener keeps serving.
func TestConsoleRefusals(t *testing.T) {
	td, _, ctlPort := startConsole(t, "epoll")
	c, err := control.Dial(addr(ctlPort), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, _, _ := c.Do("version"); st != control.StatusNotAuthenticated {
		t.Fatalf("unauthenticated command: %s", st)
	}
	if err := c.Login("admin", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if err := c.Login("admin", "s3cret"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	do(t, c, "version")

	if os.Getuid() != 0 {
		t.Log("not root: cannot run a client as another uid; uid refusal covered by proto/control tests")
		return
	}
	os.Chmod(filepath.Dir(td.dir), 0o755) // t.TempDir makes both levels 0700
	os.Chmod(td.dir, 0o755)
	py := `import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"version\n")
print(s.recv(200).decode().split()[0])`
	pyBin := "/usr/bin/python3" // the system one: a per-user Python may be unreadable to nobody
	if _, err := os.Stat(pyBin); err != nil {
		t.Skip("no /usr/bin/python3 to run a client as another uid")
	}
	cmd := exec.Command(pyBin, "-c", py, td.dir+"/ctl.sock")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client as nobody: %v %s", err, out)
	}
	if strings.TrimSpace(string(out)) != control.StatusNotAuthorized.String() {
		t.Fatalf("uid 65534 got %q, want %s", out, control.StatusNotAuthorized)
	}
	c2, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	do(t, c2, "pid")
}

// TestFiftyConsoleClients runs 50 console sessions at once, each pipelining
// reads of the config and the listeners.
func TestFiftyConsoleClients(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, _ := startConsole(t, be)
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := control.Dial(td.dir+"/ctl.sock", 5*time.Second)
					if err != nil {
						errs <- err
						return
					}
					defer c.Close()
					rs, err := c.Pipeline("version",
						fmt.Sprintf("config eval esmtp_listener listen %s listen_backlog", addr(smtpPort)),
						"summary", "show inbound", "json listeners")
					if err != nil {
						errs <- err
						return
					}
					for _, r := range rs {
						if r.Status != control.StatusOK {
							errs <- fmt.Errorf("%s: %s", r.Status, r.Body)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// TestConsoleReloadSwapAndInvalid drives "config reload" over the console:
// one reload moves a Listen from specific to wildcard; a broken file is
// refused with FILE:LINE:COL and the old generation keeps serving.
func TestConsoleReloadSwapAndInvalid(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, ctlPort := startConsole(t, be)
			c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			wild := strings.Replace(fmt.Sprintf(consoleConf, smtpPort, ctlPort),
				fmt.Sprintf("127.0.0.1:%d\" { }", smtpPort), fmt.Sprintf("*:%d\" { }", smtpPort), 1)
			td.rewrite(t, wild)
			do(t, c, "config reload")
			if got := do(t, c, "listeners"); !strings.Contains(got, fmt.Sprintf("0.0.0.0:%d: bound", smtpPort)) {
				t.Fatalf("after one reload: %s", got)
			}
			waitDial(t, "tcp", addr(smtpPort)).Close()
			td.rewrite(t, "ESMTP_Listener {\n  Listen \"[::1:25\" { }\n}\n")
			st, body, err := c.Do("config reload")
			if err != nil || st != control.StatusFailed || !strings.Contains(string(body), "sluice.conf:2:") {
				t.Fatalf("invalid reload: %s %q %v", st, body, err)
			}
			waitDial(t, "tcp", addr(smtpPort)).Close()
		})
	}
}
