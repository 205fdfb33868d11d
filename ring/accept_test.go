//go:build linux

package ring

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMultishotAcceptRearm(t *testing.T) {
	r := newTestRing(t, 64)
	defer r.Close()
	lfd, addr := listenTCP(t)
	const ud = 0xacce
	arm := func() {
		s := r.GetSQE()
		s.PrepAcceptMultishot(lfd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		s.SetUserData(ud)
	}
	var clients []net.Conn
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	dial := func(n int) {
		for i := 0; i < n; i++ {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
	}
	accepted := 0
	acceptAll := func(n int) {
		for _, c := range reap(t, r, n) {
			if c.UserData != ud || c.Res < 0 || !c.More() {
				t.Fatalf("accept cqe %+v, want fd with F_MORE", c)
			}
			unix.Close(int(c.Res))
			accepted++
		}
	}
	arm()
	dial(40)
	acceptAll(40)
	// End the multishot from our side, as the kernel does on errors or
	// CQ overflow: the final CQE has no F_MORE and the caller re-arms.
	r.GetSQE().PrepCancel(ud, 0)
	var sawFinal bool
	for _, c := range reap(t, r, 2) {
		if c.UserData == ud {
			if c.More() || c.Res != -int32(unix.ECANCELED) {
				t.Fatalf("final accept cqe %+v", c)
			}
			sawFinal = true
		} else if c.Res != 0 {
			t.Fatalf("cancel cqe %+v", c)
		}
	}
	if !sawFinal {
		t.Fatal("no final accept CQE")
	}
	arm()
	dial(40)
	acceptAll(40)
	if accepted != 80 {
		t.Fatalf("accepted %d, want 80", accepted)
	}
}

// TestMultishotAcceptTinyCQ lets the kernel end a multishot accept itself:
// with a 4-entry CQ that nobody drains, the accept cannot post F_MORE CQEs
// and stops; the final CQE still carries a connection. Re-arming until the
// backlog is empty must yield every connection exactly once.
func TestMultishotAcceptTinyCQ(t *testing.T) {
	r := newTestRing(t, 4, WithCQEntries(4))
	defer r.Close()
	lfd, addr := listenTCP(t)
	const total = 50
	for i := 0; i < total; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	arm := func() { r.GetSQE().PrepAcceptMultishot(lfd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK) }
	arm()
	r.SubmitAndWait(0, 0) // runs the accepts; the CQ fills, the rest overflows
	accepted, finals := 0, 0
	for tries := 0; accepted < total && tries < 1000; tries++ {
		r.SubmitAndWait(1, 100*time.Millisecond)
		r.ForEachCQE(func(c *CQE) {
			if c.Res >= 0 {
				unix.Close(int(c.Res))
				accepted++
			} else if c.Res != -int32(unix.EAGAIN) {
				t.Errorf("accept: %v", unix.Errno(-c.Res))
			}
			if !c.More() {
				finals++
				arm()
			}
		})
	}
	if accepted != total {
		t.Fatalf("accepted %d of %d", accepted, total)
	}
	if finals == 0 {
		t.Fatal("the kernel never ended the multishot; the test did not exercise re-arming")
	}
	t.Logf("%d connections, multishot re-armed %d times", accepted, finals)
}
