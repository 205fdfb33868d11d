//go:build linux

package ring

import (
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func pipe(t testing.TB) (rd, wr int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// byUD indexes CQEs by user data.
func byUD(cs []CQE) map[uint64]CQE {
	m := make(map[uint64]CQE, len(cs))
	for _, c := range cs {
		m[c.UserData] = c
	}
	return m
}

func TestTimeoutFiresAndCancel(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	short := unix.NsecToTimespec(int64(20 * time.Millisecond))
	long := unix.NsecToTimespec(int64(time.Hour))
	s := r.GetSQE()
	s.PrepTimeout(&short, 0, 0)
	s.SetUserData(1)
	s = r.GetSQE()
	s.PrepTimeout(&long, 0, 0)
	s.SetUserData(2)
	if _, err := r.Submit(); err != nil {
		t.Fatal(err)
	}
	if c := reap(t, r, 1)[0]; c.UserData != 1 || c.Res != -int32(unix.ETIME) {
		t.Fatalf("short timeout cqe %+v, want -ETIME", c)
	}
	s = r.GetSQE()
	s.PrepCancel(2, 0)
	s.SetUserData(3)
	m := byUD(reap(t, r, 2))
	if m[2].Res != -int32(unix.ECANCELED) || m[3].Res != 0 {
		t.Fatalf("cancel: timeout %+v, cancel %+v", m[2], m[3])
	}
	// Cancelling what is gone reports ENOENT.
	s = r.GetSQE()
	s.PrepCancel(2, 0)
	s.SetUserData(4)
	if c := reap(t, r, 1)[0]; c.Res != -int32(unix.ENOENT) {
		t.Fatalf("cancel of finished request: %+v", c)
	}
}

func TestTimeoutRemoveAndCount(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	long := unix.NsecToTimespec(int64(time.Hour))
	s := r.GetSQE()
	s.PrepTimeout(&long, 2, 0) // fires after 2 other completions
	s.SetUserData(9)
	r.GetSQE().PrepNop()
	r.GetSQE().PrepNop()
	m := byUD(reap(t, r, 3))
	if c, ok := m[9]; !ok || c.Res != 0 {
		t.Fatalf("count timeout %+v, want res 0", c)
	}
	s = r.GetSQE()
	s.PrepTimeout(&long, 0, 0)
	s.SetUserData(10)
	s = r.GetSQE()
	s.PrepTimeoutRemove(10, 0)
	s.SetUserData(11)
	m = byUD(reap(t, r, 2))
	if m[10].Res != -int32(unix.ECANCELED) || m[11].Res != 0 {
		t.Fatalf("timeout remove: %+v %+v", m[10], m[11])
	}
}

func TestLinkTimeoutAndCancelFd(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	rd, wr := pipe(t)
	ts := unix.NsecToTimespec(int64(20 * time.Millisecond))
	s := r.GetSQE()
	s.PrepPollAdd(rd, unix.POLLIN) // never readable
	s.SetUserData(1)
	s.SetFlags(SqeIOLink)
	s = r.GetSQE()
	s.PrepLinkTimeout(&ts, 0)
	s.SetUserData(2)
	m := byUD(reap(t, r, 2))
	if m[1].Res != -int32(unix.ECANCELED) || m[2].Res != -int32(unix.ETIME) {
		t.Fatalf("link timeout: poll %+v, timeout %+v", m[1], m[2])
	}
	buf := make([]byte, 8)
	s = r.GetSQE()
	s.PrepRead(rd, buf, ^uint64(0))
	s.SetUserData(3)
	r.Submit()
	s = r.GetSQE()
	s.PrepCancelFd(rd, CancelAll)
	s.SetUserData(4)
	m = byUD(reap(t, r, 2))
	if m[3].Res != -int32(unix.ECANCELED) || m[4].Res != 1 {
		t.Fatalf("cancel fd: read %+v, cancel %+v (res = number cancelled)", m[3], m[4])
	}
	_ = wr
}

func TestPipeReadWriteAndPoll(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	rd, wr := pipe(t)
	s := r.GetSQE()
	s.PrepPollMultishot(rd, unix.POLLIN)
	s.SetUserData(1)
	r.Submit()
	s = r.GetSQE()
	s.PrepWrite(wr, []byte("ping"), ^uint64(0))
	s.SetUserData(2)
	m := byUD(reap(t, r, 2))
	if m[2].Res != 4 || m[1].Res&unix.POLLIN == 0 || !m[1].More() {
		t.Fatalf("write %+v, poll %+v", m[2], m[1])
	}
	buf := make([]byte, 16)
	s = r.GetSQE()
	s.PrepRead(rd, buf, ^uint64(0))
	s.SetUserData(3)
	if c := reap(t, r, 1)[0]; c.Res != 4 || string(buf[:4]) != "ping" {
		t.Fatalf("read %+v %q", c, buf[:4])
	}
	s = r.GetSQE()
	s.PrepPollRemove(1)
	s.SetUserData(4)
	m = byUD(reap(t, r, 2))
	if m[1].More() || m[4].Res != 0 {
		t.Fatalf("poll remove: poll %+v, remove %+v", m[1], m[4])
	}
}

func TestFsyncWrittenFile(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	path := filepath.Join(t.TempDir(), "spool")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("From: a\r\n\r\nbody\r\n")
	s := r.GetSQE()
	s.PrepWrite(fd, data, 0)
	s.SetUserData(1)
	s.SetFlags(SqeIOLink) // fsync only after the write succeeded
	s = r.GetSQE()
	s.PrepFsync(fd, FsyncDatasync)
	s.SetUserData(2)
	s.SetFlags(SqeIOLink)
	s = r.GetSQE()
	s.PrepFsync(fd, 0)
	s.SetUserData(3)
	s.SetFlags(SqeIOLink)
	s = r.GetSQE()
	s.PrepClose(fd)
	s.SetUserData(4)
	m := byUD(reap(t, r, 4))
	if m[1].Res != int32(len(data)) || m[2].Res != 0 || m[3].Res != 0 || m[4].Res != 0 {
		t.Fatalf("write/fdatasync/fsync/close: %+v", m)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(data) {
		t.Fatalf("file %q, %v", got, err)
	}
}

// TestMsgRingBetweenThreads wakes a ring blocked in SubmitAndWait on one
// locked thread from a ring on another, and back.
func TestMsgRingBetweenThreads(t *testing.T) {
	fdB := make(chan int)
	gotB := make(chan CQE, 1)
	errB := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b, err := New(8)
		if err != nil {
			errB <- err
			close(fdB)
			return
		}
		defer b.Close()
		fdB <- b.Fd()
		for n := 0; n == 0; {
			if _, err := b.SubmitAndWait(1, 5*time.Second); err != nil {
				errB <- err
				return
			}
			n = b.ForEachCQE(func(c *CQE) { gotB <- *c })
		}
		errB <- nil
	}()
	r := newTestRing(t, 8)
	defer r.Close()
	target, ok := <-fdB
	if !ok {
		t.Fatal(<-errB)
	}
	s := r.GetSQE()
	s.PrepMsgRing(target, 42, PackUserData(7, 3, 1), 0)
	s.SetUserData(99)
	if c := reap(t, r, 1)[0]; c.UserData != 99 || c.Res != 0 {
		t.Fatalf("sender cqe %+v", c)
	}
	if err := <-errB; err != nil {
		t.Fatal(err)
	}
	c := <-gotB
	if op, slot, gen := UnpackUserData(c.UserData); op != 7 || slot != 3 || gen != 1 || c.Res != 42 {
		t.Fatalf("target cqe %+v", c)
	}
}

// TestCQOverflowLosesNothing floods a 2-entry CQ with 1000 completions
// without reaping; the kernel parks the excess and ForEachCQE must still
// deliver every one exactly once.
func TestCQOverflowLosesNothing(t *testing.T) {
	r := newTestRing(t, 2, WithCQEntries(2))
	defer r.Close()
	if r.Caps().CQEntries != 2 {
		t.Fatalf("CQ has %d entries, want 2", r.Caps().CQEntries)
	}
	const total = 1000
	for i := 0; i < total; {
		if s := r.GetSQE(); s != nil {
			s.PrepNop()
			s.SetUserData(uint64(i))
			i++
			continue
		}
		if _, err := r.SubmitAndWait(0, 0); err != nil {
			t.Fatal(err)
		}
	}
	r.SubmitAndWait(0, 0)
	if atomic.LoadUint32(r.sqFlags)&SQCQOverflow == 0 {
		t.Fatal("flood did not overflow the CQ; the test proves nothing")
	}
	seen := make([]int, total)
	n := r.ForEachCQE(func(c *CQE) {
		if c.UserData >= total || c.Res != 0 {
			t.Errorf("bad cqe %+v", *c)
			return
		}
		seen[c.UserData]++
	})
	for i, k := range seen {
		if k != 1 {
			t.Fatalf("user data %d seen %d times (ForEachCQE returned %d)", i, k, n)
		}
	}
	if ov, dropped := r.Overflowed(); ov != 0 || dropped != 0 {
		t.Fatalf("kernel dropped: cq overflow %d, sq dropped %d", ov, dropped)
	}
}
