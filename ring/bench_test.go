//go:build linux

package ring

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHotPathNoAlloc: prepare, submit, wait, reap and buffer recycling do
// not allocate.
func TestHotPathNoAlloc(t *testing.T) {
	r := newTestRing(t, 16)
	defer r.Close()
	br, err := r.NewBufRing(5, 8, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	var sum uint64
	fn := func(c *CQE) { sum += c.UserData }
	allocs := testing.AllocsPerRun(200, func() {
		for i := 0; i < 4; i++ {
			s := r.GetSQE()
			s.PrepNop()
			s.SetUserData(PackUserData(1, uint32(i), 2))
		}
		r.SubmitAndWait(4, time.Second)
		r.ForEachCQE(fn)
		_ = br.Buf(3, 10)
		br.Recycle(3)
		br.Publish()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per turn, want 0", allocs)
	}
}

// BenchmarkNopBatch: cost per NOP when k NOPs go in one io_uring_enter.
func BenchmarkNopBatch(b *testing.B) {
	for _, k := range []int{1, 8, 32, 128, -1} {
		name, opts := "batch="+strconv.Itoa(k), []Option(nil)
		if k < 0 { // batch=1 without the registered ring fd, for comparison
			k, name, opts = 1, "batch=1-unregistered-fd", []Option{WithoutRegisteredFd()}
		}
		b.Run(name, func(b *testing.B) {
			r := newTestRing(b, 128, opts...)
			defer r.Close()
			fn := func(*CQE) {}
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(k, b.N-done)
				for i := 0; i < n; i++ {
					r.GetSQE().PrepNop()
				}
				r.SubmitAndWait(uint32(n), 5*time.Second)
				done += r.ForEachCQE(fn)
			}
		})
	}
}

// tcpPair returns a connected loopback pair of blocking fds with NODELAY
// and starts a plain-syscall echo on the server side on its own thread.
func tcpPair(b *testing.B) int {
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(lfd)
	unix.Bind(lfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(lfd, 1)
	sa, _ := unix.Getsockname(lfd)
	cfd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err := unix.Connect(cfd, sa); err != nil {
		b.Fatal(err)
	}
	sfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	for _, fd := range []int{cfd, sfd} {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := unix.Read(sfd, buf)
			if n <= 0 || err != nil {
				unix.Close(sfd)
				return
			}
			unix.Write(sfd, buf[:n])
		}
	}()
	b.Cleanup(func() { unix.Close(cfd); <-done })
	return cfd
}

const rtSize = 64 // an SMTP command line

// BenchmarkRoundTrip: one 64-byte request/echo over loopback TCP, client
// side by plain read/write syscalls or by the ring.
func BenchmarkRoundTrip(b *testing.B) {
	msg := make([]byte, rtSize)
	b.Run("syscalls", func(b *testing.B) {
		fd := tcpPair(b)
		in := make([]byte, rtSize)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			unix.Write(fd, msg)
			for got := 0; got < rtSize; {
				n, err := unix.Read(fd, in[got:])
				if n <= 0 {
					b.Fatal(n, err)
				}
				got += n
			}
		}
	})
	b.Run("ring-send+recv", func(b *testing.B) {
		fd := tcpPair(b)
		r := newTestRing(b, 8)
		defer r.Close()
		in := make([]byte, rtSize)
		got := 0
		fn := func(c *CQE) {
			if c.UserData == 2 {
				got += int(c.Res)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s := r.GetSQE()
			s.PrepSend(fd, msg, 0)
			s.SetUserData(1)
			for got = 0; got < rtSize; {
				s = r.GetSQE()
				s.PrepRecv(fd, in[got:], 0)
				s.SetUserData(2)
				r.SubmitAndWait(r.SQReady(), 5*time.Second) // send (if queued) and recv
				r.ForEachCQE(fn)
			}
		}
	})
	b.Run("ring-send+multishot-recv", func(b *testing.B) {
		fd := tcpPair(b)
		r := newTestRing(b, 8)
		defer r.Close()
		br, err := r.NewBufRing(1, 16, 4096)
		if err != nil {
			b.Fatal(err)
		}
		defer br.Close()
		got, armed := 0, false
		fn := func(c *CQE) {
			if c.UserData != 2 {
				return
			}
			armed = c.More()
			if c.Res > 0 {
				got += int(c.Res)
				br.Recycle(c.BufferID())
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s := r.GetSQE()
			s.PrepSend(fd, msg, 0)
			s.SetUserData(1)
			for got = 0; got < rtSize; {
				if !armed {
					s = r.GetSQE()
					s.PrepRecvMultishot(fd, br.Group(), 0)
					s.SetUserData(2)
					armed = true
				}
				r.SubmitAndWait(1, 5*time.Second)
				r.ForEachCQE(fn)
				br.Publish()
			}
		}
	})
}
