// Package ring is sluice's io_uring binding: pure Go over
// golang.org/x/sys/unix (no cgo, no go:linkname), Linux 5.11+ (6.0+ for the
// engine's multishot paths), little-endian 64-bit targets.
//
// # Use
//
//	runtime.LockOSThread()                 // the ring belongs to this thread
//	r, err := ring.New(256)                // *ring.SetupError says why not
//	log.Print(r.Caps())                    // one-line capability report
//	br, _ := r.NewBufRing(1, 512, 4096)    // provided buffers, group 1
//	s := r.GetSQE()                        // nil: SQ full, Submit and retry
//	s.PrepAcceptMultishot(lfd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
//	s.SetUserData(ring.PackUserData(opAccept, slot, gen))
//	for {
//		r.SubmitAndWait(1, 10*time.Millisecond) // one enter per loop turn
//		r.ForEachCQE(func(c *ring.CQE) { ... br.Buf(c.BufferID(), int(c.Res)) ...; br.Recycle(id) })
//		br.Publish()                            // one tail store per batch
//	}
//
// Setup tries SINGLE_ISSUER|DEFER_TASKRUN|SUBMIT_ALL|NO_SQARRAY, then without
// NO_SQARRAY, then COOP_TASKRUN|TASKRUN_FLAG, then plain, always with a CQ of
// 8x the SQ (WithCQEntries to change) and the ring fd registered with itself.
// Probe sets up and closes a throwaway ring to decide io_uring vs epoll.
//
// # Concurrency contract
//
// A Ring and its BufRings are owned by one OS thread: New, every Prep/Submit/
// wait/ForEachCQE call, NewBufRing, Publish and Close must run on the thread
// that called New, held with runtime.LockOSThread (the kernel enforces
// SINGLE_ISSUER with EEXIST, DEFER_TASKRUN runs completions only for that
// thread, and the registered ring fd is per thread). Only Fd and Caps may be
// read elsewhere. Other threads reach a ring by PrepMsgRing from their own ring.
//
// Shared indexes: the SQ tail and CQ head are written with atomic stores, the
// SQ head, CQ tail and SQ flags read with atomic loads (Go atomics are
// sequentially consistent, stronger than the acquire/release the kernel
// needs). ForEachCQE advances the CQ head once per batch; when the kernel
// has parked completions (IORING_SQ_CQ_OVERFLOW, FEAT_NODROP) it enters with
// GETEVENTS to flush them into the CQ and delivers them in the same call.
//
// # Buffer ownership and lifetimes
//
// The kernel reads and writes memory by address, outside the Go GC's view.
// The GC does not move heap objects but frees unreachable ones, so every
// pointer given to the kernel must stay reachable until the request's final
// CQE (the one without F_MORE):
//
//   - PrepRecv/PrepRead buffers: the kernel writes them until the CQE. The
//     caller keeps the slice referenced from its per-slot table, or uses
//     mmapped memory.
//   - PrepSend/PrepWrite buffers, PrepSendmsg msghdr+iovecs+data: read until
//     the CQE (a partial send reads only part); same rule.
//   - PrepAccept sockaddr and length: written at completion; same rule.
//     PrepAcceptMultishot passes none.
//   - PrepTimeout/PrepLinkTimeout timespec: copied at submission; it need
//     only live until the Submit that carries it returns.
//   - BufRing memory (ring and buffers) is anonymous mmap, invisible to the
//     GC; a buffer belongs to the kernel from Publish until a CQE names its
//     id, then to the caller until Recycle+Publish. Close unmaps it: first
//     make sure no request can still pick from the group.
//   - SQEs belong to the caller from GetSQE until Submit; CQE pointers from
//     ForEachCQE are valid only during the callback.
//   - Ring.Close unmaps the rings; requests still in flight are cancelled by
//     the kernel, but callers must keep their buffers until Close returns.
//
// # Multishot rules
//
// A multishot accept or recv stays armed while its CQEs carry F_MORE. A CQE
// without F_MORE ends it: re-arm (accept; recv after -ENOBUFS once buffers
// were recycled and published) or tear down (recv res 0 = EOF, or an error).
// Closing a socket does not end an armed recv (the request holds a file
// reference): shutdown or cancel first, close after the final CQE.
//
// # User data
//
// PackUserData puts op (8 bits) | gen (24 bits) | slot (32 bits) in the
// 64-bit user data; see UnpackUserData.
package ring
