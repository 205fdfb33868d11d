//go:build linux

package ring

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Caps is what the kernel offered this ring: the engine logs String() and
// uses the booleans to choose io_uring or epoll.
type Caps struct {
	Kernel    string // uname release
	Features  uint32 // IORING_FEAT_* bits
	Flags     uint32 // setup flags accepted
	SQEntries uint32
	CQEntries uint32
	Ops       [4]uint64 // bit n set: opcode n supported (IORING_REGISTER_PROBE)
	LastOp    uint8     // highest opcode the kernel knows

	HasMultishotAccept bool // 5.19
	HasMultishotRecv   bool // 6.0
	HasBufRing         bool // PBUF_RING registration worked
	HasExtArg          bool
	HasFastPoll        bool
	HasBundle          bool
	RegisteredFd       bool
	DeferTaskrun       bool
	CoopTaskrun        bool
	SingleIssuer       bool
}

// Supports reports whether opcode op is supported.
func (c Caps) Supports(op uint8) bool { return c.Ops[op/64]&(1<<(op%64)) != 0 }

// OpCount is the number of supported opcodes.
func (c Caps) OpCount() int {
	n := 0
	for op := 0; op < 256; op++ {
		if c.Supports(uint8(op)) {
			n++
		}
	}
	return n
}

// Usable reports whether the ring has everything the engine's io_uring back
// end needs; if not, reason says what is missing.
func (c Caps) Usable() (ok bool, reason string) {
	var miss []string
	for _, m := range []struct {
		ok   bool
		what string
	}{{c.HasFastPoll, "FEAT_FAST_POLL"}, {c.HasExtArg, "FEAT_EXT_ARG"},
		{c.HasMultishotAccept, "multishot accept"}, {c.HasMultishotRecv, "multishot recv"},
		{c.HasBufRing, "provided buffer rings"}} {
		if !m.ok {
			miss = append(miss, m.what)
		}
	}
	if len(miss) > 0 {
		return false, "kernel " + c.Kernel + " lacks " + strings.Join(miss, ", ") + " (needs Linux 6.0+)"
	}
	return true, ""
}

var flagNames = [setupFlagNameCount]string{"IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP",
	"ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL", "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32",
	"SINGLE_ISSUER", "DEFER_TASKRUN", "NO_MMAP", "REGISTERED_FD_ONLY", "NO_SQARRAY", "HYBRID_IOPOLL"}

// FlagString names setup flags, e.g. "SINGLE_ISSUER|DEFER_TASKRUN".
func FlagString(f uint32) string {
	var parts []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := f &^ (1<<setupFlagNameCount - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(parts, "|")
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// String is the one-line capability report for the start-up log.
func (c Caps) String() string {
	return fmt.Sprintf("io_uring kernel=%s sq=%d cq=%d flags=%s features=%#x ops=%d last_op=%d "+
		"multishot_accept=%s multishot_recv=%s buf_ring=%s ext_arg=%s fast_poll=%s bundle=%s registered_fd=%s",
		c.Kernel, c.SQEntries, c.CQEntries, FlagString(c.Flags), c.Features, c.OpCount(), c.LastOp,
		yn(c.HasMultishotAccept), yn(c.HasMultishotRecv), yn(c.HasBufRing), yn(c.HasExtArg),
		yn(c.HasFastPoll), yn(c.HasBundle), yn(c.RegisteredFd))
}

// Caps returns what was probed when the ring was set up.
func (r *Ring) Caps() Caps { return r.caps }

// Probe sets up a throwaway ring on a locked thread, reads its capabilities
// and closes it. The engine calls it once to choose between io_uring and
// epoll; a *SetupError says why io_uring is unusable.
func Probe() (Caps, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r, err := New(8)
	if err != nil {
		return Caps{}, err
	}
	c := r.Caps()
	r.Close()
	return c, nil
}

// probeCaps fills Caps from the setup result, IORING_REGISTER_PROBE and a
// trial buffer-ring registration.
func (r *Ring) probeCaps() Caps {
	c := Caps{Features: r.feats, Flags: r.flags, SQEntries: r.sqEntries, CQEntries: r.cqEntries}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		c.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	// struct io_uring_probe: 16-byte header, then 256 x 8-byte ops.
	var buf [16 + 256*8]byte
	if _, err := r.register(regProbe, unsafe.Pointer(&buf[0]), 256); err == nil {
		c.LastOp = buf[0]
		n := int(buf[1])
		for i := 0; i < n; i++ {
			op := buf[16+i*8]
			if buf[16+i*8+2]&1 != 0 { // IO_URING_OP_SUPPORTED
				c.Ops[op/64] |= 1 << (op % 64)
			}
		}
	}
	// Multishot accept came with OP_SOCKET (5.19), multishot recv with
	// OP_SEND_ZC (6.0): the probe has no per-flag answer, so infer by era.
	c.HasMultishotAccept = c.Supports(OpAccept) && c.Supports(OpSocket)
	c.HasMultishotRecv = c.Supports(OpRecv) && c.Supports(OpSendZC)
	c.HasExtArg = r.feats&FeatExtArg != 0
	c.HasFastPoll = r.feats&FeatFastPoll != 0
	c.HasBundle = r.feats&FeatRecvSendBundle != 0
	c.RegisteredFd = r.enterFlags&EnterRegisteredRing != 0
	c.DeferTaskrun = r.flags&SetupDeferTaskrun != 0
	c.CoopTaskrun = r.flags&SetupCoopTaskrun != 0
	c.SingleIssuer = r.flags&SetupSingleIssuer != 0
	if b, err := r.NewBufRing(0xffff, 1, 64); err == nil {
		c.HasBufRing = b.Close() == nil
	}
	return c
}
