package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sluice/proto/control"
)

// upgradeRig is a sluiced started from a copy of the binary in its own
// directory, with a Pidfile, an SMTP Listen and a console socket.
type upgradeRig struct {
	dir, bin, pidfile, ctl string
	port                   int
	log                    *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// install copies the binary under test to r.bin atomically (a new inode, as
// a package upgrade writes it).
func (r *upgradeRig) install(t *testing.T, src string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := r.bin + ".new"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, r.bin); err != nil {
		t.Fatal(err)
	}
}

func newUpgradeRig(t *testing.T, backend string) *upgradeRig {
	t.Helper()
	dir := t.TempDir()
	r := &upgradeRig{dir: dir, bin: filepath.Join(dir, "sluiced"), pidfile: filepath.Join(dir, "sluiced.pid"),
		ctl: filepath.Join(dir, "ctl.sock"), port: freePort(t), log: &syncBuf{}}
	r.install(t, sluicedBin(t))
	conf := filepath.Join(dir, "sluice.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`Spoolbase = %q
Pidfile = %q
Relay_Domains = ( "example.com" )
ESMTP_Listener { Listen "127.0.0.1:%d" { } }
Control_Listener { Listen %q { } }
`, filepath.Join(dir, "spool"), r.pidfile, r.port, r.ctl)), 0o644)
	cmd := exec.Command(r.bin, "-config", conf, "-event-loop", backend, "-workers", "2", "-metrics", "off", "-drain", "10s")
	cmd.Stderr = r.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait() // the first process; its successors are reparented
	t.Cleanup(func() {
		if pid := r.pid(); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		cmd.Process.Kill()
	})
	waitPort(t, r.port)
	for i := 0; r.pid() != cmd.Process.Pid; i++ {
		if i > 100 {
			t.Fatal("no pidfile")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func (r *upgradeRig) pid() int {
	b, _ := os.ReadFile(r.pidfile)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// gone reports whether pid has exited (missing, or a zombie nobody reaped).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// waitSwap waits until the pidfile names a new process and the old one
// has exited.
func (r *upgradeRig) waitSwap(t *testing.T, old int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p := r.pid(); p != old && p > 0 && gone(old) {
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("upgrade from pid %d did not complete; log:\n%s", old, r.log)
	return 0
}

// oneMessage connects, sends one message and quits. refused is true when
// the connection attempt itself was refused.
func oneMessage(port int, body string) (id string, refused bool, err error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
	if err != nil {
		return "", errors.Is(err, syscall.ECONNREFUSED), err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	read := func() string {
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return "ERR " + err.Error()
			}
			last = line
			if len(line) < 4 || line[3] != '-' {
				return last
			}
		}
	}
	if l := read(); !strings.HasPrefix(l, "220") {
		return "", false, fmt.Errorf("banner %q", l)
	}
	fmt.Fprintf(c, "EHLO upgrade.test\r\n")
	read()
	fmt.Fprintf(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
	for _, want := range []string{"250", "250", "354"} {
		if l := read(); !strings.HasPrefix(l, want) {
			return "", false, fmt.Errorf("want %s, got %q", want, l)
		}
	}
	fmt.Fprintf(c, "%s.\r\n", body)
	l := read()
	if !strings.HasPrefix(l, "250") {
		return "", false, fmt.Errorf("end of data: %q", l)
	}
	f := strings.Fields(l)
	fmt.Fprintf(c, "QUIT\r\n")
	read()
	return strings.Trim(f[len(f)-1], "<>"), false, nil
}

// TestZeroDowntimeUpgrade: four clients connect in a tight loop, one
// message per connection, while the binary is replaced and upgraded ten
// times (SIGUSR2 and console "upgrade" alternately) on each back end: no
// connection attempt is refused and every acknowledged message is in the
// spool afterwards. An upgrade to a binary that cannot start leaves the old
// process serving.
func TestZeroDowntimeUpgrade(t *testing.T) {
	upgrades := 10
	if testing.Short() {
		upgrades = 3
	}
	for _, be := range []string{"epoll", "io_uring"} {
		t.Run(be, func(t *testing.T) {
			r := newUpgradeRig(t, be)
			var (
				mu                      sync.Mutex
				sent                    = map[string]string{}
				acked                   = map[string]string{}
				attempts, refused, errs atomic.Int64
				lastErr                 atomic.Value
				stop                    = make(chan struct{})
				wg                      sync.WaitGroup
			)
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						body := fmt.Sprintf("Subject: %s-%d-%d\r\n\r\nupgrade test %d %d\r\n", be, g, i, g, i)
						mu.Lock()
						sent[body] = ""
						mu.Unlock()
						attempts.Add(1)
						id, ref, err := oneMessage(r.port, body)
						switch {
						case ref:
							refused.Add(1)
						case err != nil:
							errs.Add(1)
							lastErr.Store(err.Error())
						default:
							mu.Lock()
							acked[id] = body
							mu.Unlock()
						}
					}
				}(g)
			}
			// A binary that fails to start: the old process keeps serving.
			pid := r.pid()
			good := sluicedBin(t)
			os.WriteFile(r.bin+".new", []byte("#!/bin/sh\necho broken build >&2\nexit 1\n"), 0o755)
			os.Rename(r.bin+".new", r.bin)
			syscall.Kill(pid, syscall.SIGUSR2)
			for i := 0; !strings.Contains(r.log.String(), "upgrade failed; still serving"); i++ {
				if i > 500 {
					t.Fatalf("no failure logged:\n%s", r.log)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if r.pid() != pid || gone(pid) {
				t.Fatal("a failed upgrade replaced or stopped the old process")
			}
			r.install(t, good)
			start := time.Now()
			for u := 0; u < upgrades; u++ {
				time.Sleep(150 * time.Millisecond) // traffic between upgrades
				old := r.pid()
				r.install(t, good)
				if u%2 == 0 {
					syscall.Kill(old, syscall.SIGUSR2)
				} else {
					c, err := control.Dial(r.ctl, 5*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					st, body, err := c.Do("upgrade")
					c.Close()
					if err != nil || st != control.StatusOK {
						t.Fatalf("console upgrade: %v %s %s", err, st, body)
					}
				}
				r.waitSwap(t, old)
			}
			took := time.Since(start)
			time.Sleep(200 * time.Millisecond)
			close(stop)
			wg.Wait()
			last := r.pid()
			syscall.Kill(last, syscall.SIGTERM)
			for i := 0; !gone(last); i++ {
				if i > 1000 {
					t.Fatal("last process did not stop")
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("%s: %d upgrades in %v: %d connection attempts, %d refused, %d other errors (last: %v), %d acknowledged",
				be, upgrades, took.Round(time.Millisecond), attempts.Load(), refused.Load(), errs.Load(), lastErr.Load(), len(acked))
			if refused.Load() != 0 {
				t.Errorf("%d connection attempts refused during upgrades", refused.Load())
			}
			if len(acked) == 0 {
				t.Fatal("no message acknowledged")
			}
			verifySpool(t, filepath.Join(r.dir, "spool"), sent, acked, 0)
			if n := strings.Count(r.log.String(), "upgrade: successor serves; exiting"); n != upgrades {
				t.Errorf("%d successful upgrades logged, want %d", n, upgrades)
			}
		})
	}
}
