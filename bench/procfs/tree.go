package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Stat is what sluice-bench reads from one /proc/PID/stat: the parent, the
// process's own CPU, and the CPU of its children that have exited and been
// waited for (cutime/cstime).
type Stat struct {
	PID, PPID int
	Self      CPU
	Reaped    CPU
}

// ParseStatFull extracts ppid (field 4), utime, stime, cutime and cstime
// (fields 14–17) from the contents of /proc/PID/stat.
func ParseStatFull(b []byte) (Stat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return Stat{}, fmt.Errorf("%w: no '(comm)' in stat", errFormat)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return Stat{}, fmt.Errorf("%w: pid: %v", errFormat, err)
	}
	f := bytes.Fields(b[end+1:])
	if len(f) < 15 { // f[0] is field 3; cstime is field 17 = f[14]
		return Stat{}, fmt.Errorf("%w: stat has %d fields after comm", errFormat, len(f))
	}
	var v [5]uint64
	for i, idx := range []int{1, 11, 12, 13, 14} {
		if v[i], err = strconv.ParseUint(string(f[idx]), 10, 64); err != nil {
			return Stat{}, fmt.Errorf("%w: field %d: %v", errFormat, idx+3, err)
		}
	}
	tick := func(n uint64) time.Duration { return time.Duration(n) * ClockTick }
	return Stat{PID: pid, PPID: int(v[0]),
		Self:   CPU{User: tick(v[1]), System: tick(v[2])},
		Reaped: CPU{User: tick(v[3]), System: tick(v[4])}}, nil
}

// TreeCPU adds up the CPU of root and every live descendant, each with its
// reaped children, from a snapshot of every process's Stat. A child that
// exits between two snapshots moves from its own Self into its parent's
// Reaped, so the sum never loses it (Postfix's smtpd and cleanup, for
// example, come and go under master).
func TreeCPU(all []Stat, root int) CPU {
	kids := map[int][]int{}
	byPID := map[int]Stat{}
	for _, s := range all {
		kids[s.PPID] = append(kids[s.PPID], s.PID)
		byPID[s.PID] = s
	}
	var sum CPU
	stack := []int{root}
	seen := map[int]bool{}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s, ok := byPID[p]
		if !ok || seen[p] {
			continue
		}
		seen[p] = true
		sum.User += s.Self.User + s.Reaped.User
		sum.System += s.Self.System + s.Reaped.System
		stack = append(stack, kids[p]...)
	}
	return sum
}

// ReadTreeCPU samples the CPU of pid's whole process tree.
func ReadTreeCPU(pid int) (CPU, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return CPU{}, fmt.Errorf("procfs: %w", err)
	}
	all := make([]Stat, 0, len(ents))
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited since the listing
		}
		if s, err := ParseStatFull(b); err == nil {
			all = append(all, s)
		}
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return CPU{}, fmt.Errorf("procfs: server CPU: %w (is -server-pid right?)", err)
	}
	return TreeCPU(all, pid), nil
}

// ParseMachineBusy returns the busy CPU time of every core together from the
// contents of /proc/stat: user+nice+system+irq+softirq+steal (guest time is
// already inside user). Idle and iowait are left out, so journal commits,
// io-wq workers and softirq work of any process count, wherever they run.
func ParseMachineBusy(b []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, fmt.Errorf("%w: /proc/stat first line %q", errFormat, line)
	}
	var busy uint64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseUint(string(f[i]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: /proc/stat field %d: %v", errFormat, i, err)
		}
		busy += n
	}
	return time.Duration(busy) * ClockTick, nil
}

// ReadMachineBusy samples /proc/stat.
func ReadMachineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("procfs: %w", err)
	}
	return ParseMachineBusy(b)
}

// SelfAndChildren is the CPU of this process and of its waited-for children
// (the load generator and an exec'd client such as smtp-source).
func SelfAndChildren() CPU {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return CPU{User: tv(self.Utime) + tv(kids.Utime), System: tv(self.Stime) + tv(kids.Stime)}
}
