package engine

import (
	"net/netip"
	"syscall"
	"testing"
	"time"

	"sluice/engine/echo"
)

// TestAcceptEMFILE: out of file descriptors, a listen socket rests instead of
// spinning on the error, and accepting resumes once fds are free again.
func TestAcceptEMFILE(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		ap := netip.MustParseAddrPort(freeAddr(t))
		const n = 40
		var socks []int
		for i := 0; i < n; i++ { // client fds exist before the limit drops
			fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			socks = append(socks, fd)
		}
		defer func() {
			for _, fd := range socks {
				syscall.Close(fd)
			}
		}()
		var old syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old)
		low := old
		low.Cur = uint64(countFds(t) + 6) // the listen socket and a little slack
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
			t.Fatal(err)
		}
		restored := false
		restore := func() {
			if !restored {
				syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
				restored = true
			}
		}
		defer restore()
		// Bind under the low limit: io_uring takes the fd limit when the
		// accept is prepared, so a multishot accept armed before the limit
		// dropped would never see EMFILE.
		apply(t, e, 1, tcpSpec("echo", ap.String(), &echo.Factory{}))
		sa := &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
		for _, fd := range socks {
			if err := syscall.Connect(fd, sa); err != nil {
				restore()
				t.Fatal(err)
			}
		}
		accepted := func() uint64 { return e.Counters()[0].Listens[0].Counters.Accepted.Load() }
		time.Sleep(50 * time.Millisecond)
		turns0 := e.workers[0].ctr.LoopTurns.Load()
		time.Sleep(300 * time.Millisecond)
		turns := e.workers[0].ctr.LoopTurns.Load() - turns0
		got := accepted()
		restore()
		if got >= n {
			t.Fatalf("all %d accepted under the low limit: the test did not bite", got)
		}
		if turns > 200 {
			t.Fatalf("%d loop turns in 300 ms while out of fds: spinning", turns)
		}
		eventually(t, 5*time.Second, "accepting resumed", func() bool { return accepted() == n })
		t.Logf("accepted %d under the limit, %d loop turns in 300 ms", got, turns)
	})
}

// freeAddr returns a loopback address whose port is free now.
func freeAddr(t *testing.T) string { return "127.0.0.1:" + freePort(t) }
