//go:build linux

package ring

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// GetSQE returns the next free submission entry, or nil when the SQ is full
// (submit, then retry). The entry is not reset: call one Prep* method, which
// overwrites all 64 bytes. It is handed to the kernel by the next Submit.
func (r *Ring) GetSQE() *SQE {
	head := atomic.LoadUint32(r.sqHead)
	if r.sqeTail-head >= r.sqEntries {
		return nil
	}
	s := &r.sqes[r.sqeTail&r.sqMask]
	r.sqeTail++
	return s
}

// SQReady is the number of SQEs prepared but not yet taken by the kernel.
func (r *Ring) SQReady() uint32 { return r.sqeTail - atomic.LoadUint32(r.sqHead) }

// SQSpace is how many more GetSQE calls succeed before a Submit is needed.
func (r *Ring) SQSpace() uint32 { return r.sqEntries - r.SQReady() }

// flushSQ publishes the prepared SQEs (store-release of the tail; Go atomics
// are sequentially consistent) and returns how many the kernel has to take.
func (r *Ring) flushSQ() uint32 {
	atomic.StoreUint32(r.sqTail, r.sqeTail)
	return r.sqeTail - atomic.LoadUint32(r.sqHead)
}

// Submit hands every prepared SQE to the kernel with one io_uring_enter; it
// makes no syscall when nothing is queued. It does not wait.
func (r *Ring) Submit() (int, error) {
	n := r.flushSQ()
	if n == 0 {
		return 0, nil
	}
	return r.enterRaw(n, 0, 0, nil)
}

// SubmitAndWait submits everything queued and waits until at least min CQEs
// are ready or timeout passes (timeout <= 0: no timeout). With DEFER_TASKRUN
// this call is also where the kernel runs completion work, so a worker loop
// calls it once per turn (min 0 to only reap). A timeout or a signal is not
// an error: the caller looks at the CQ either way.
func (r *Ring) SubmitAndWait(min uint32, timeout time.Duration) (int, error) {
	n := r.flushSQ()
	var arg unsafe.Pointer
	flags := EnterGetEvents
	if timeout > 0 && min > 0 {
		r.ts = unix.NsecToTimespec(int64(timeout))
		r.arg = geteventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		arg = unsafe.Pointer(&r.arg)
		flags |= EnterExtArg
	}
	if min == 0 {
		return r.enterRaw(n, 0, flags, nil) // never sleeps
	}
	return r.enter(n, min, flags, arg)
}

// enter calls io_uring_enter through unix.Syscall6 (not RawSyscall) so the Go
// scheduler hands this thread's P to another goroutine while it sleeps.
func (r *Ring) enter(submit, min, flags uint32, arg unsafe.Pointer) (int, error) {
	argsz := uintptr(0)
	if arg != nil {
		argsz = unsafe.Sizeof(geteventsArg{})
	}
	v, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.enterFd),
		uintptr(submit), uintptr(min), uintptr(flags|r.enterFlags), uintptr(arg), argsz)
	return enterResult(v, errno)
}

// enterRaw is enter for calls that never sleep (submit only, or GETEVENTS
// with min 0): RawSyscall6 skips the scheduler's entersyscall/exitsyscall.
func (r *Ring) enterRaw(submit, min, flags uint32, arg unsafe.Pointer) (int, error) {
	argsz := uintptr(0)
	if arg != nil {
		argsz = unsafe.Sizeof(geteventsArg{})
	}
	v, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.enterFd),
		uintptr(submit), uintptr(min), uintptr(flags|r.enterFlags), uintptr(arg), argsz)
	return enterResult(v, errno)
}

func enterResult(v uintptr, errno unix.Errno) (int, error) {
	switch errno {
	case 0:
		return int(v), nil
	case unix.ETIME, unix.EINTR:
		return 0, nil
	case unix.EAGAIN, unix.EBUSY:
		// Kernel short of resources or CQ backlog: SQEs stay queued and
		// go with the next enter, after the caller reaps completions.
		return 0, nil
	}
	return 0, fmt.Errorf("ring: io_uring_enter: %w", errno)
}

// CQReady is the number of completions waiting in the CQ.
func (r *Ring) CQReady() uint32 { return atomic.LoadUint32(r.cqTail) - atomic.LoadUint32(r.cqHead) }

// ForEachCQE calls fn for every ready completion, in order, then frees their
// CQ slots with one head store. The *CQE points into the shared ring and is
// valid only during the call. fn may prepare and submit SQEs but must not
// call ForEachCQE. If the kernel parked completions in its overflow list
// (CQ was full), they are flushed and delivered in the same call, so no
// completion is lost. Returns the number of CQEs seen. Does not allocate.
func (r *Ring) ForEachCQE(fn func(c *CQE)) int {
	n := 0
	for {
		head := atomic.LoadUint32(r.cqHead)
		tail := atomic.LoadUint32(r.cqTail)
		for ; head != tail; head++ {
			fn(&r.cqes[head&r.cqMask])
			n++
		}
		atomic.StoreUint32(r.cqHead, head)
		f := atomic.LoadUint32(r.sqFlags)
		if f&(SQCQOverflow|SQTaskrun) == 0 {
			return n
		}
		// Overflow backlog or pending task work: a GETEVENTS enter with
		// min 0 moves it into the CQ we just emptied.
		if _, err := r.enterRaw(0, 0, EnterGetEvents, nil); err != nil {
			return n
		}
		if f&SQCQOverflow == 0 && atomic.LoadUint32(r.cqTail) == head {
			return n
		}
	}
}

// Overflowed returns the kernel's count of CQEs it could not even park
// (must stay 0 with FEAT_NODROP) and SQEs it dropped as invalid.
func (r *Ring) Overflowed() (cqOverflow, sqDropped uint32) {
	return atomic.LoadUint32(r.cqOverflow), atomic.LoadUint32(r.sqDropped)
}
