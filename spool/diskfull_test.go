package spool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// diskFullChild makes the kernel refuse writes for real: RLIMIT_FSIZE
// turns writes past the limit into EFBIG, as a full disk turns them into
// ENOSPC. The batch must fail whole, leave no trace, and the next commit
// after the limit is lifted must work. It prints "PASS" or the failure.
func diskFullChild(dir string) {
	fail := func(f string, a ...any) { fmt.Printf(f+"\n", a...); os.Exit(0) }
	signal.Ignore(syscall.SIGXFSZ)
	s, err := Open(dir, 1, nil)
	if err != nil {
		fail("open: %v", err)
	}
	w := s.Writer(0)
	w.Stage(testEnv(1), testData(1))
	if err := w.Commit(); err != nil {
		fail("first commit: %v", err)
	}
	size := w.off
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim)
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: uint64(size) + 100, Max: lim.Max})
	lost, _ := w.Stage(testEnv(2), make([]byte, 5000))
	err = w.Commit()
	var se *Error
	if !errors.As(err, &se) || se.Errno() != syscall.EFBIG {
		fail("commit past the limit: %v", err)
	}
	if fi, _ := os.Stat(w.seg.path); fi.Size() != size {
		fail("failed batch left %d bytes, want %d", fi.Size(), size)
	}
	if _, err := s.Read(lost); !errors.Is(err, ErrNotFound) {
		fail("failed record readable: %v", err)
	}
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim) // space returns
	kept, _ := w.Stage(testEnv(3), testData(3))
	if err := w.Commit(); err != nil {
		fail("commit after space returned: %v", err)
	}
	if r, err := s.Read(kept); err != nil || r.Env.Sender != testEnv(3).Sender {
		fail("record after recovery: %v", err)
	}
	if st := s.Stats(); st.Errors != 1 || st.Records != 2 {
		fail("stats %+v", st)
	}
	s.Close()
	fmt.Println("PASS")
}

func TestDiskFullThenSpaceReturns(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SPOOL_DISKFULL_CHILD="+dir)
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "PASS" {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s := openT(t, dir, Options{})
	defer s.Close()
	if s.Len() != 2 {
		t.Fatalf("after restart Len %d, want 2", s.Len())
	}
}
