//go:build linux

package ring

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// listenTCP opens a raw non-blocking listening socket on 127.0.0.1:0 (kept
// out of Go's netpoller, as the engine does) and returns fd and address.
func listenTCP(t testing.TB) (int, string) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 256); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	return fd, "127.0.0.1:" + strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
}

// acceptOne accepts a single connection through the ring.
func acceptOne(t testing.TB, r *Ring, lfd int) int {
	t.Helper()
	var sa unix.RawSockaddrAny
	salen := uint32(unix.SizeofSockaddrAny)
	s := r.GetSQE()
	s.PrepAccept(lfd, unsafe.Pointer(&sa), &salen, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
	c := reap(t, r, 1)[0]
	if c.Res < 0 {
		t.Fatalf("accept: %v", unix.Errno(-c.Res))
	}
	if sa.Addr.Family != unix.AF_INET || salen != unix.SizeofSockaddrInet4 {
		t.Fatalf("accept peer address: family %d len %d", sa.Addr.Family, salen)
	}
	t.Cleanup(func() { unix.Close(int(c.Res)) })
	return int(c.Res)
}

// TestMultishotRecvBufferExhaustion holds every buffer until the kernel ends
// the multishot with -ENOBUFS, then recycles, re-arms and reads on; the
// bytes must come out complete and in order, and EOF must end the stream.
func TestMultishotRecvBufferExhaustion(t *testing.T) {
	r := newTestRing(t, 16)
	defer r.Close()
	lfd, addr := listenTCP(t)
	cli, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fd := acceptOne(t, r, lfd)
	br, err := r.NewBufRing(3, 4, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	want := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), 20) // 720 B = 45 buffers
	if _, err := cli.Write(want); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	arm := func() { r.GetSQE().PrepRecvMultishot(fd, br.Group(), 0) }
	arm()
	var got []byte
	var held []uint16
	enobufs, eof := 0, false
	for !eof {
		for _, c := range reap(t, r, 1) {
			switch {
			case c.Res > 0:
				if !c.HasBuffer() {
					t.Fatalf("recv cqe without buffer: %+v", c)
				}
				got = append(got, br.Buf(c.BufferID(), int(c.Res))...)
				held = append(held, c.BufferID())
				if !c.More() {
					arm()
				}
			case c.Res == -int32(unix.ENOBUFS):
				if c.More() {
					t.Fatal("ENOBUFS with F_MORE")
				}
				enobufs++
				for _, id := range held {
					br.Recycle(id)
				}
				held = held[:0]
				br.Publish()
				arm()
			case c.Res == 0:
				if c.More() {
					t.Fatal("EOF with F_MORE")
				}
				eof = true
			default:
				t.Fatalf("recv: %v", unix.Errno(-c.Res))
			}
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes %q, want %d", len(got), got, len(want))
	}
	if enobufs < 5 {
		t.Fatalf("saw %d ENOBUFS, want >= 5 (45 buffers through a ring of 4)", enobufs)
	}
}

// TestPartialSend fills a small send buffer so the kernel takes only part
// of a large send; the remainder is resubmitted until all bytes arrive.
func TestPartialSend(t *testing.T) {
	r := newTestRing(t, 16)
	defer r.Close()
	lfd, addr := listenTCP(t)
	cli, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	fd := acceptOne(t, r, lfd)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 8192); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 1<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	s := r.GetSQE()
	s.PrepSend(fd, payload, 0)
	first := reap(t, r, 1)[0]
	if first.Res <= 0 || int(first.Res) >= len(payload) {
		t.Fatalf("first send res %d, want a partial send of %d", first.Res, len(payload))
	}
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(cli)
		done <- b
	}()
	sent, sends := int(first.Res), 1
	for sent < len(payload) {
		r.GetSQE().PrepSend(fd, payload[sent:], 0)
		c := reap(t, r, 1)[0]
		if c.Res <= 0 {
			t.Fatalf("send: res %d", c.Res)
		}
		sent += int(c.Res)
		sends++
	}
	r.GetSQE().PrepShutdown(fd, unix.SHUT_WR)
	if c := reap(t, r, 1)[0]; c.Res != 0 {
		t.Fatalf("shutdown res %d", c.Res)
	}
	if got := <-done; !bytes.Equal(got, payload) {
		t.Fatalf("peer got %d bytes, want %d identical", len(got), len(payload))
	}
	t.Logf("1 MiB went out in %d sends", sends)
}

func TestSendmsgAndRecv(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sp[0])
	defer unix.Close(sp[1])
	a, b := []byte("hello, "), []byte("world")
	iov := []unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	var msg unix.Msghdr
	msg.Iov = &iov[0]
	msg.SetIovlen(len(iov))
	r.GetSQE().PrepSendmsg(sp[0], &msg, 0)
	buf := make([]byte, 64)
	s := r.GetSQE()
	s.PrepRecv(sp[1], buf, unix.MSG_WAITALL)
	s.Len = 12
	got := reap(t, r, 2)
	for _, c := range got {
		if c.Res != 12 {
			t.Fatalf("cqe %+v, want 12 bytes", c)
		}
	}
	if string(buf[:12]) != "hello, world" {
		t.Fatalf("recv %q", buf[:12])
	}
}

// TestShutdownEndsMultishotRecv: the teardown order the engine uses. An
// armed multishot recv holds the socket; shutdown completes it (final CQE,
// res 0, no F_MORE) and close can follow.
func TestShutdownEndsMultishotRecv(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	lfd, addr := listenTCP(t)
	cli, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	fd := acceptOne(t, r, lfd)
	br, err := r.NewBufRing(2, 4, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	s := r.GetSQE()
	s.PrepRecvMultishot(fd, br.Group(), 0)
	s.SetUserData(1)
	r.SubmitAndWait(0, 0)
	s = r.GetSQE()
	s.PrepShutdown(fd, unix.SHUT_RDWR)
	s.SetUserData(2)
	m := byUD(reap(t, r, 2))
	if m[1].Res != 0 || m[1].More() || m[2].Res != 0 {
		t.Fatalf("recv %+v, shutdown %+v", m[1], m[2])
	}
}
