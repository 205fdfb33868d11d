//go:build linux

package ring

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// newTestRing locks the test goroutine to its thread (required by
// SINGLE_ISSUER) and closes the ring on that thread at the end.
func newTestRing(t testing.TB, entries uint32, opts ...Option) *Ring {
	t.Helper()
	runtime.LockOSThread()
	r, err := New(entries, opts...)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { runtime.UnlockOSThread() })
	return r
}

// reap waits until want CQEs arrived (or 2s pass) and returns copies.
func reap(t testing.TB, r *Ring, want int) []CQE {
	t.Helper()
	var got []CQE
	deadline := time.Now().Add(2 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		if _, err := r.SubmitAndWait(1, 50*time.Millisecond); err != nil {
			t.Fatalf("SubmitAndWait: %v", err)
		}
		r.ForEachCQE(func(c *CQE) { got = append(got, *c) })
	}
	if len(got) < want {
		t.Fatalf("got %d CQEs, want %d: %+v", len(got), want, got)
	}
	return got
}

func TestLayout(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"SQE", unsafe.Sizeof(SQE{}), 64}, {"CQE", unsafe.Sizeof(CQE{}), 16},
		{"params", unsafe.Sizeof(params{}), 120}, {"geteventsArg", unsafe.Sizeof(geteventsArg{}), 24},
		{"bufReg", unsafe.Sizeof(bufReg{}), 40}, {"bufEntry", unsafe.Sizeof(bufEntry{}), 16},
		{"SQE.UserData", unsafe.Offsetof(SQE{}.UserData), 32}, {"SQE.BufIndex", unsafe.Offsetof(SQE{}.BufIndex), 40},
		{"SQE.FileIndex", unsafe.Offsetof(SQE{}.FileIndex), 44}, {"SQE.Addr3", unsafe.Offsetof(SQE{}.Addr3), 48},
		{"SQE.OpFlags", unsafe.Offsetof(SQE{}.OpFlags), 28}, {"params.sqOff", unsafe.Offsetof(params{}.sqOff), 40},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestNopRoundTrip(t *testing.T) {
	r := newTestRing(t, 8)
	defer r.Close()
	if r.Caps().DeferTaskrun == false || r.Caps().SingleIssuer == false {
		t.Logf("note: flags %s", FlagString(r.Flags()))
	}
	t.Log(r.Caps())
	for i := 0; i < 5; i++ {
		s := r.GetSQE()
		s.PrepNop()
		s.SetUserData(PackUserData(1, uint32(i), 7))
	}
	got := reap(t, r, 5)
	for i, c := range got {
		op, slot, gen := UnpackUserData(c.UserData)
		if op != 1 || slot != uint32(i) || gen != 7 || c.Res != 0 {
			t.Errorf("cqe %d = %+v (op %d slot %d gen %d)", i, c, op, slot, gen)
		}
	}
}

func TestGetSQEFull(t *testing.T) {
	r := newTestRing(t, 4)
	defer r.Close()
	for i := 0; i < 4; i++ {
		if s := r.GetSQE(); s == nil {
			t.Fatalf("GetSQE %d nil", i)
		} else {
			s.PrepNop()
		}
	}
	if r.GetSQE() != nil {
		t.Fatal("GetSQE on a full SQ returned an entry")
	}
	if n, err := r.Submit(); n != 4 || err != nil {
		t.Fatalf("Submit = %d, %v", n, err)
	}
	s := r.GetSQE()
	if s == nil {
		t.Fatal("GetSQE after Submit nil")
	}
	s.PrepNop()
	reap(t, r, 5)
}
