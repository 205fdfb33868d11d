//go:build linux

package ring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// SQE is struct io_uring_sqe (64 bytes), living in the shared SQ array.
// Fields are exported for ops without a Prep helper; unions are named by
// their most common member.
type SQE struct {
	Opcode      uint8
	Flags       uint8
	IoPrio      uint16
	Fd          int32
	Off         uint64 // also addr2
	Addr        uint64
	Len         uint32
	OpFlags     uint32 // rw/msg/accept/timeout/cancel/poll/fsync/msg_ring flags
	UserData    uint64
	BufIndex    uint16 // also buf_group
	Personality uint16
	FileIndex   uint32 // also splice_fd_in, addr_len
	Addr3       uint64
	pad2        uint64
}

func (s *SQE) prep(op uint8, fd int, addr uintptr, n uint32, off uint64) {
	*s = SQE{Opcode: op, Fd: int32(fd), Addr: uint64(addr), Len: n, Off: off}
}

// bufAddr is the address of buf's first byte (0 for an empty slice).
func bufAddr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

// SetUserData sets the value returned in the CQE (see PackUserData).
func (s *SQE) SetUserData(u uint64) { s.UserData = u }

// SetFlags ORs IOSQE_* flags (SqeIOLink, SqeBufferSelect, ...) into the SQE.
func (s *SQE) SetFlags(f uint8) { s.Flags |= f }

// PrepNop prepares a no-op (completes with res 0).
func (s *SQE) PrepNop() { s.prep(OpNop, -1, 0, 0, 0) }

// PrepAccept prepares a single accept; sa/salen may be nil. The kernel
// writes *sa and *salen on completion, so they must stay alive until then.
func (s *SQE) PrepAccept(fd int, sa unsafe.Pointer, salen *uint32, flags uint32) {
	s.prep(OpAccept, fd, uintptr(sa), 0, uint64(uintptr(unsafe.Pointer(salen))))
	s.OpFlags = flags
}

// PrepAcceptMultishot arms one accept that posts a CQE (res = new fd, F_MORE
// while armed) per connection. flags are accept4 flags, usually
// SOCK_CLOEXEC|SOCK_NONBLOCK. Re-arm when a CQE comes without F_MORE.
func (s *SQE) PrepAcceptMultishot(fd int, flags uint32) {
	s.prep(OpAccept, fd, 0, 0, 0)
	s.OpFlags = flags
	s.IoPrio = AcceptMultishot
}

// PrepRecv receives into buf (which must stay alive until the CQE).
func (s *SQE) PrepRecv(fd int, buf []byte, flags uint32) {
	s.prep(OpRecv, fd, bufAddr(buf), uint32(len(buf)), 0)
	s.OpFlags = flags
}

// PrepRecvMultishot arms a recv that picks buffers from provided-buffer
// group bgid and posts one CQE per chunk (F_BUFFER, id in flags>>16, F_MORE
// while armed). It ends with -ENOBUFS when the group is empty, or on EOF
// (res 0) / error: re-arm or tear down when F_MORE is absent.
func (s *SQE) PrepRecvMultishot(fd int, bgid uint16, flags uint32) {
	s.prep(OpRecv, fd, 0, 0, 0)
	s.OpFlags = flags
	s.IoPrio = RecvMultishot
	s.Flags = SqeBufferSelect
	s.BufIndex = bgid
}

// PrepRecvSelect is a single-shot recv into a buffer from group bgid.
func (s *SQE) PrepRecvSelect(fd int, bgid uint16, flags uint32) {
	s.prep(OpRecv, fd, 0, 0, 0)
	s.OpFlags = flags
	s.Flags = SqeBufferSelect
	s.BufIndex = bgid
}

// PrepSend sends buf; res may be short (partial send): resubmit the rest.
func (s *SQE) PrepSend(fd int, buf []byte, flags uint32) {
	s.prep(OpSend, fd, bufAddr(buf), uint32(len(buf)), 0)
	s.OpFlags = flags
}

// PrepSendmsg sends msg; msg, its iovecs and their buffers must stay alive
// until the CQE.
func (s *SQE) PrepSendmsg(fd int, msg *unix.Msghdr, flags uint32) {
	s.prep(OpSendmsg, fd, uintptr(unsafe.Pointer(msg)), 1, 0)
	s.OpFlags = flags
}

// PrepRecvmsg receives into msg (kept alive until the CQE).
func (s *SQE) PrepRecvmsg(fd int, msg *unix.Msghdr, flags uint32) {
	s.prep(OpRecvmsg, fd, uintptr(unsafe.Pointer(msg)), 1, 0)
	s.OpFlags = flags
}

// PrepClose closes fd.
func (s *SQE) PrepClose(fd int) { s.prep(OpClose, fd, 0, 0, 0) }

// PrepShutdown shuts down fd (how = unix.SHUT_RD/WR/RDWR); it completes an
// armed multishot recv on the socket, unlike close.
func (s *SQE) PrepShutdown(fd, how int) { s.prep(OpShutdown, fd, 0, uint32(how), 0) }

// PrepTimeout completes after ts (relative unless TimeoutAbs) with -ETIME,
// or with 0 once count other completions happened (count 0: time only). ts
// is read at submission; keep it alive until Submit returns.
func (s *SQE) PrepTimeout(ts *unix.Timespec, count uint32, flags uint32) {
	s.prep(OpTimeout, -1, uintptr(unsafe.Pointer(ts)), 1, uint64(count))
	s.OpFlags = flags
}

// PrepLinkTimeout bounds the previous SQE (which has SqeIOLink): if it has
// not completed after ts it is cancelled (-ECANCELED) and this one posts
// -ETIME; otherwise this one posts -ECANCELED.
func (s *SQE) PrepLinkTimeout(ts *unix.Timespec, flags uint32) {
	s.prep(OpLinkTimeout, -1, uintptr(unsafe.Pointer(ts)), 1, 0)
	s.OpFlags = flags
}

// PrepTimeoutRemove cancels a pending timeout by its user data.
func (s *SQE) PrepTimeoutRemove(userData uint64, flags uint32) {
	s.prep(OpTimeoutRem, -1, uintptr(userData), 0, 0)
	s.OpFlags = flags
}

// PrepCancel cancels the request with this user data (CancelAll: every
// match). The target completes with -ECANCELED; this one with 0, -ENOENT
// (not found) or -EALREADY (running).
func (s *SQE) PrepCancel(userData uint64, flags uint32) {
	s.prep(OpAsyncCancel, -1, uintptr(userData), 0, 0)
	s.OpFlags = flags
}

// PrepCancelFd cancels requests on fd (add CancelAll for all of them).
func (s *SQE) PrepCancelFd(fd int, flags uint32) {
	s.prep(OpAsyncCancel, fd, 0, 0, 0)
	s.OpFlags = flags | CancelFd
}

// PrepMsgRing posts a CQE {userData, res} on the ring ringFd (another
// worker's ring: a wake-up that needs no eventfd). This SQE's own CQE has
// res 0 or an error; with DEFER_TASKRUN the target sees its CQE at its next
// GETEVENTS enter, which the post itself wakes.
func (s *SQE) PrepMsgRing(ringFd int, res uint32, userData uint64, flags uint32) {
	s.prep(OpMsgRing, ringFd, 0, res, userData) // addr 0 = IORING_MSG_DATA
	s.OpFlags = flags
}

// PrepPollAdd completes once fd has any of events (POLLIN...) ready; res is
// the ready mask.
func (s *SQE) PrepPollAdd(fd int, events uint32) {
	s.prep(OpPollAdd, fd, 0, 0, 0)
	s.OpFlags = events
}

// PrepPollMultishot is PrepPollAdd that stays armed (F_MORE) for every
// readiness edge.
func (s *SQE) PrepPollMultishot(fd int, events uint32) {
	s.PrepPollAdd(fd, events)
	s.Len = PollAddMulti
}

// PrepPollRemove removes the poll request with this user data.
func (s *SQE) PrepPollRemove(userData uint64) {
	s.prep(OpPollRemove, -1, uintptr(userData), 0, 0)
}

// PrepRead reads into buf at off (^uint64(0): current file position).
func (s *SQE) PrepRead(fd int, buf []byte, off uint64) {
	s.prep(OpRead, fd, bufAddr(buf), uint32(len(buf)), off)
}

// PrepWrite writes buf at off (^uint64(0): current file position).
func (s *SQE) PrepWrite(fd int, buf []byte, off uint64) {
	s.prep(OpWrite, fd, bufAddr(buf), uint32(len(buf)), off)
}

// PrepFsync flushes fd to stable storage; FsyncDatasync for fdatasync.
func (s *SQE) PrepFsync(fd int, flags uint32) {
	s.prep(OpFsync, fd, 0, 0, 0)
	s.OpFlags = flags
}
