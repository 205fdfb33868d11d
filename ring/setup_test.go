//go:build linux

package ring

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSetupFlagsAndErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, f := range []uint32{0, SetupCoopTaskrun | SetupTaskrunFlag, SetupSingleIssuer} {
		r, err := New(4, WithFlags(f))
		if err != nil {
			t.Fatalf("flags %s: %v", FlagString(f), err)
		}
		r.GetSQE().PrepNop()
		n := 0
		r.SubmitAndWait(1, time.Second)
		r.ForEachCQE(func(*CQE) { n++ })
		if n != 1 || r.Flags()&f != f {
			t.Fatalf("flags %s: %d CQEs, accepted %s", FlagString(f), n, FlagString(r.Flags()))
		}
		r.Close()
	}
	// The kernel refuses SQPOLL with DEFER_TASKRUN: a typed EINVAL.
	_, err := New(4, WithFlags(SetupSQPoll|SetupSingleIssuer|SetupDeferTaskrun))
	var se *SetupError
	if !errors.As(err, &se) || se.Errno != unix.EINVAL || !errors.Is(err, unix.EINVAL) {
		t.Fatalf("SQPOLL|DEFER_TASKRUN: %v", err)
	}
	for _, e := range []unix.Errno{unix.ENOSYS, unix.EPERM, unix.ENOMEM, unix.EMFILE, unix.EINVAL} {
		msg := newSetupError(e, 64).Error()
		if !strings.HasPrefix(msg, "ring: io_uring_setup: ") || len(msg) < 60 {
			t.Errorf("%v: unhelpful message %q", e, msg)
		}
	}
	if !strings.Contains(newSetupError(unix.ENOMEM, 64).Error(), "RLIMIT_MEMLOCK") {
		t.Error("ENOMEM message does not name the memlock limit")
	}
	if _, err := New(0); err == nil {
		t.Error("New(0) succeeded")
	}
}

func TestProbe(t *testing.T) {
	c, err := Probe()
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := c.Usable(); !ok {
		t.Fatalf("not usable on this kernel: %s", why)
	}
	for _, op := range []uint8{OpNop, OpAccept, OpRecv, OpSend, OpMsgRing, OpFsync, OpShutdown} {
		if !c.Supports(op) {
			t.Errorf("op %d reported unsupported", op)
		}
	}
	if !c.DeferTaskrun || !c.SingleIssuer || c.Flags&SetupSubmitAll == 0 {
		t.Errorf("best flags not chosen: %s", FlagString(c.Flags))
	}
	if s := c.String(); !strings.Contains(s, "DEFER_TASKRUN") || !strings.Contains(s, "buf_ring=yes") {
		t.Errorf("String() = %q", s)
	}
	var none Caps
	if ok, why := none.Usable(); ok || !strings.Contains(why, "multishot") {
		t.Errorf("empty caps usable=%v %q", ok, why)
	}
}

func TestUserDataPacking(t *testing.T) {
	for _, c := range []struct {
		op        uint8
		slot, gen uint32
		wantGen   uint32
	}{{0, 0, 0, 0}, {255, ^uint32(0), UserDataGenMask, UserDataGenMask},
		{3, 12345, 1 << 24, 0}, {1, 1, 1<<24 + 5, 5}} {
		op, slot, gen := UnpackUserData(PackUserData(c.op, c.slot, c.gen))
		if op != c.op || slot != c.slot || gen != c.wantGen {
			t.Errorf("pack(%d,%d,%d) -> %d,%d,%d", c.op, c.slot, c.gen, op, slot, gen)
		}
	}
	if PackUserData(1, 2, 3) != 0x01_000003_00000002 {
		t.Errorf("layout: %#x", PackUserData(1, 2, 3))
	}
}

func FuzzUserData(f *testing.F) {
	f.Add(uint8(1), uint32(2), uint32(3))
	f.Add(uint8(255), ^uint32(0), ^uint32(0))
	f.Fuzz(func(t *testing.T, op uint8, slot, gen uint32) {
		u := PackUserData(op, slot, gen)
		o, s, g := UnpackUserData(u)
		if o != op || s != slot || g != gen&UserDataGenMask || PackUserData(o, s, g) != u {
			t.Fatalf("%d %d %d -> %#x -> %d %d %d", op, slot, gen, u, o, s, g)
		}
	})
}
