package procfs

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestParseStatFull(t *testing.T) {
	b := []byte("4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 50 7 3 20 0 1 0 1 2 3")
	s, err := ParseStatFull(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{PID: 4242, PPID: 17, Self: CPU{User: 2500 * time.Millisecond, System: 500 * time.Millisecond},
		Reaped: CPU{User: 70 * time.Millisecond, System: 30 * time.Millisecond}}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	for _, bad := range []string{"", "x (a) S", "1 (a) S 1 2 3", "1 (a) S x 1 1 0 -1 0 0 0 0 0 1 1 1 1 2"} {
		if _, err := ParseStatFull([]byte(bad)); err == nil {
			t.Errorf("ParseStatFull(%q): no error", bad)
		}
	}
}

func TestTreeCPU(t *testing.T) {
	ms := func(n int) CPU { return CPU{User: time.Duration(n) * time.Millisecond} }
	all := []Stat{
		{PID: 1, PPID: 0, Self: ms(1000)},               // not in the tree
		{PID: 10, PPID: 1, Self: ms(10), Reaped: ms(5)}, // root: master
		{PID: 11, PPID: 10, Self: ms(20)},               // smtpd
		{PID: 12, PPID: 10, Self: ms(30), Reaped: ms(1)},
		{PID: 13, PPID: 12, Self: ms(40)}, // grandchild
		{PID: 20, PPID: 1, Self: ms(500)}, // sibling of the root
	}
	if got := TreeCPU(all, 10).Total(); got != 106*time.Millisecond {
		t.Fatalf("tree CPU %v, want 106ms", got)
	}
	if got := TreeCPU(all, 99).Total(); got != 0 {
		t.Fatalf("missing root: %v", got)
	}
}

func TestReadTreeCPUCountsReapedChildren(t *testing.T) {
	// A shell whose busy child exits: once the child is reaped, its time must
	// still be in the shell's tree.
	cmd := exec.Command("sh", "-c", `i=0; ( while [ $i -lt 100000 ]; do i=$((i+1)); done ); sleep 5`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	stat := fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseStatFull(b)
		if err != nil {
			t.Fatal(err)
		}
		if s.Reaped.Total() > 0 {
			tree, err := ReadTreeCPU(cmd.Process.Pid)
			if err != nil || tree.Total() < s.Reaped.Total() {
				t.Fatalf("tree CPU %v (%v) < reaped %v", tree.Total(), err, s.Reaped.Total())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the busy child never showed up in cutime/cstime")
		}
	}
}

func TestMachineBusy(t *testing.T) {
	b := []byte("cpu  100 1 50 9000 7 2 3 4 0 0\ncpu0 1 2 3\n")
	d, err := ParseMachineBusy(b)
	if err != nil || d != 160*ClockTick {
		t.Fatalf("busy %v, %v; want 1.6s", d, err)
	}
	if _, err := ParseMachineBusy([]byte("intr 1 2\n")); err == nil {
		t.Fatal("no error for a file without the cpu line")
	}
	if _, err := os.Stat("/proc/stat"); err == nil {
		if _, err := ReadMachineBusy(); err != nil {
			t.Fatal(err)
		}
	}
	if SelfAndChildren().Total() <= 0 {
		t.Fatal("SelfAndChildren: no CPU for a running test")
	}
}
