//go:build linux

package ring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ring is one io_uring instance. It is not safe for concurrent use: every
// method except Fd and Caps must be called from the OS thread that called
// New (SINGLE_ISSUER; the kernel answers EEXIST otherwise).
type Ring struct {
	fd    int
	flags uint32
	feats uint32

	ringMem  unsafe.Pointer
	ringSize uintptr
	sqeMem   unsafe.Pointer
	sqeSize  uintptr

	sqHead    *uint32
	sqTail    *uint32
	sqFlags   *uint32
	sqDropped *uint32
	sqMask    uint32
	sqEntries uint32
	sqes      []SQE
	sqeTail   uint32 // next SQE to hand out; published on Submit

	cqHead     *uint32
	cqTail     *uint32
	cqOverflow *uint32
	cqMask     uint32
	cqEntries  uint32
	cqes       []CQE

	enterFlags uint32 // EnterRegisteredRing when the fd is registered
	enterFd    int    // registered index or the real fd
	arg        geteventsArg
	ts         unix.Timespec

	caps   Caps
	closed bool
}

// Option adjusts ring setup.
type Option func(*config)

type config struct {
	cqEntries uint32
	flags     []uint32 // candidate flag sets, best first; nil = default ladder
	noRegFd   bool
}

// WithCQEntries sizes the completion queue (>= entries; rounded up to a
// power of two); 0 keeps the default of 8x the submission queue, because
// multishot requests post many CQEs per SQE.
func WithCQEntries(n uint32) Option { return func(c *config) { c.cqEntries = n } }

// WithFlags forces one exact setup flag set (CQSIZE is always added); no
// fallback is tried. Used by tests and by operators pinning behaviour.
func WithFlags(f uint32) Option { return func(c *config) { c.flags = []uint32{f} } }

// WithoutRegisteredFd skips IORING_REGISTER_RING_FDS (saves nothing but a
// registered-ring slot; kept for comparison benchmarks).
func WithoutRegisteredFd() Option { return func(c *config) { c.noRegFd = true } }

// defaultLadder is tried in order; EINVAL moves to the next rung.
var defaultLadder = []uint32{
	SetupSingleIssuer | SetupDeferTaskrun | SetupSubmitAll | SetupNoSQArray,
	SetupSingleIssuer | SetupDeferTaskrun | SetupSubmitAll,
	SetupCoopTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	SetupSubmitAll,
	0,
}

// requiredFeats are the features the Ring relies on (Linux 5.11+).
const requiredFeats = FeatSingleMmap | FeatNoDrop | FeatExtArg

// New sets up a ring with room for entries SQEs. Call it from the locked OS
// thread (runtime.LockOSThread) that will use the ring. Errors from the
// kernel come back as *SetupError with the likely fix.
func New(entries uint32, opts ...Option) (*Ring, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if entries == 0 {
		return nil, errors.New("ring: entries must be > 0")
	}
	if c.cqEntries == 0 {
		c.cqEntries = entries * 8
	}
	ladder := c.flags
	if ladder == nil {
		ladder = defaultLadder
	}
	var p params
	var fd int
	var err error
	for _, f := range ladder {
		p = params{flags: f | SetupCQSize | SetupClamp, cqEntries: c.cqEntries}
		fd, err = setup(entries, &p)
		if err != unix.EINVAL {
			break
		}
	}
	if err != nil {
		return nil, newSetupError(err.(unix.Errno), entries)
	}
	r := &Ring{fd: fd, flags: p.flags, feats: p.features, enterFd: fd}
	if p.features&requiredFeats != requiredFeats {
		unix.Close(fd)
		return nil, &SetupError{Errno: unix.ENOSYS, Reason: fmt.Sprintf(
			"kernel lacks io_uring features %#x (needs Linux 5.11+); use the epoll back end",
			requiredFeats&^p.features)}
	}
	if err := r.mapRings(&p); err != nil {
		r.Close()
		return nil, err
	}
	if !c.noRegFd {
		r.registerFd()
	}
	r.caps = r.probeCaps()
	return r, nil
}

func setup(entries uint32, p *params) (int, error) {
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// mapRings maps the SQ/CQ rings (one mapping, FEAT_SINGLE_MMAP) and the
// SQE array, and resolves the kernel-given offsets into pointers.
func (r *Ring) mapRings(p *params) error {
	sqSize := uintptr(p.sqOff.array) + uintptr(p.sqEntries)*4
	cqSize := uintptr(p.cqOff.cqes) + uintptr(p.cqEntries)*unsafe.Sizeof(CQE{})
	r.ringSize = max(sqSize, cqSize)
	mem, err := unix.MmapPtr(r.fd, offSQRing, nil, r.ringSize,
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return mmapError(err, p.sqEntries)
	}
	r.ringMem = mem
	r.sqeSize = uintptr(p.sqEntries) * unsafe.Sizeof(SQE{})
	sqe, err := unix.MmapPtr(r.fd, offSQEs, nil, r.sqeSize,
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return mmapError(err, p.sqEntries)
	}
	r.sqeMem = sqe
	u32 := func(off uint32) *uint32 { return (*uint32)(unsafe.Add(mem, off)) }
	r.sqHead, r.sqTail = u32(p.sqOff.head), u32(p.sqOff.tail)
	r.sqFlags, r.sqDropped = u32(p.sqOff.flags), u32(p.sqOff.dropped)
	r.sqMask, r.sqEntries = *u32(p.sqOff.ringMask), *u32(p.sqOff.ringEntries)
	r.sqes = unsafe.Slice((*SQE)(sqe), p.sqEntries)
	r.sqeTail = atomic.LoadUint32(r.sqTail)
	if p.flags&SetupNoSQArray == 0 {
		// Identity map once: SQEs are always submitted in ring order.
		arr := unsafe.Slice((*uint32)(unsafe.Add(mem, p.sqOff.array)), p.sqEntries)
		for i := range arr {
			arr[i] = uint32(i)
		}
	}
	r.cqHead, r.cqTail = u32(p.cqOff.head), u32(p.cqOff.tail)
	r.cqOverflow = u32(p.cqOff.overflow)
	r.cqMask, r.cqEntries = *u32(p.cqOff.ringMask), *u32(p.cqOff.ringEntries)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Add(mem, p.cqOff.cqes)), p.cqEntries)
	return nil
}

// registerFd registers the ring fd with itself so io_uring_enter skips the
// fd table lookup. Failure is harmless: the plain fd keeps working.
func (r *Ring) registerFd() {
	up := rsrcUpdate{offset: ^uint32(0), data: uint64(r.fd)}
	n, err := r.register(regRingFds, unsafe.Pointer(&up), 1)
	if err == nil && n == 1 {
		r.enterFd = int(up.offset)
		r.enterFlags = EnterRegisteredRing
	}
}

func (r *Ring) register(op uintptr, arg unsafe.Pointer, n uint32) (int, error) {
	v, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), op,
		uintptr(arg), uintptr(n), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(v), nil
}

// Fd returns the ring's file descriptor (target of PrepMsgRing).
func (r *Ring) Fd() int { return r.fd }

// Flags returns the setup flags the kernel accepted.
func (r *Ring) Flags() uint32 { return r.flags }

// Close unmaps the rings and closes the fd. Call it on the owner thread
// (the registered ring fd is per thread). In-flight requests are cancelled
// by the kernel; buffers they referenced may be written until the fd's last
// reference goes, so free them only after Close returns.
func (r *Ring) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.enterFlags&EnterRegisteredRing != 0 {
		// Registered ring fds pin the ring per thread: drop ours (works only
		// on the owner thread; elsewhere the ring lives until that thread exits).
		up := rsrcUpdate{offset: uint32(r.enterFd)}
		r.register(regUnregRingFds, unsafe.Pointer(&up), 1)
		r.enterFlags, r.enterFd = 0, r.fd
	}
	if r.sqeMem != nil {
		unix.MunmapPtr(r.sqeMem, r.sqeSize)
		r.sqeMem, r.sqes = nil, nil
	}
	if r.ringMem != nil {
		unix.MunmapPtr(r.ringMem, r.ringSize)
		r.ringMem, r.cqes = nil, nil
	}
	if err := unix.Close(r.fd); err != nil {
		return fmt.Errorf("ring: close: %w", err)
	}
	return nil
}

// SetupError reports why io_uring could not be used, with the likely fix.
type SetupError struct {
	Errno  unix.Errno
	Reason string
}

func (e *SetupError) Error() string {
	return "ring: io_uring_setup: " + e.Errno.Error() + ": " + e.Reason
}

func (e *SetupError) Unwrap() error { return e.Errno }

func newSetupError(errno unix.Errno, entries uint32) *SetupError {
	e := &SetupError{Errno: errno}
	switch errno {
	case unix.ENOSYS:
		e.Reason = "kernel has no io_uring (needs Linux 5.11+) or a seccomp profile answers ENOSYS; use the epoll back end"
	case unix.EPERM:
		e.Reason = permReason()
	case unix.ENOMEM:
		e.Reason = fmt.Sprintf("locked-memory limit too low for %d entries; raise RLIMIT_MEMLOCK (ulimit -l) or use fewer entries", entries)
	case unix.EMFILE, unix.ENFILE:
		e.Reason = "out of file descriptors; raise RLIMIT_NOFILE"
	case unix.EINVAL:
		e.Reason = "kernel rejected every setup flag set; kernel too old for sluice's io_uring use"
	default:
		e.Reason = "unexpected error"
	}
	return e
}

// permReason tells the sysctl apart from seccomp by reading the sysctl.
func permReason() string {
	b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
	switch strings.TrimSpace(string(b)) {
	case "2":
		return "io_uring is switched off by sysctl kernel.io_uring_disabled=2; set it to 0"
	case "1":
		return "io_uring is restricted by sysctl kernel.io_uring_disabled=1 to group kernel.io_uring_group; add the user to that group or set the sysctl to 0"
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "io_uring refused (EPERM) and kernel.io_uring_disabled is unreadable; likely a seccomp profile"
	}
	return "io_uring blocked by a seccomp profile (container default profiles deny it); allow io_uring_setup/enter/register or use the epoll back end"
}

func mmapError(err error, entries uint32) error {
	errno, _ := err.(unix.Errno)
	if errno == unix.ENOMEM {
		return newSetupError(unix.ENOMEM, entries)
	}
	return &SetupError{Errno: errno, Reason: "mmap of the rings failed: " + err.Error()}
}
