package procfs

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// PerfEvents are counted per operation when perf works.
var PerfEvents = []string{"raw_syscalls:sys_enter", "context-switches"}

// PerfCounts maps an event name to its count; a "<not counted>" event (the
// process never ran during the window) counts 0.
type PerfCounts map[string]uint64

// ParsePerfCSV reads `perf stat -x,` output (count,unit,event,...). It
// fails on "<not supported>" so callers can report perf as unusable.
func ParsePerfCSV(b []byte) (PerfCounts, error) {
	out := PerfCounts{}
	for line := range bytes.Lines(b) {
		f := strings.Split(strings.TrimSpace(string(line)), ",")
		if len(f) < 3 || f[2] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch v := f[0]; {
		case v == "<not counted>":
			out[f[2]] = 0
		case strings.HasPrefix(v, "<"):
			return nil, fmt.Errorf("procfs: perf event %s: %s", f[2], v)
		default:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue // a warning line, not a counter
			}
			out[f[2]] = uint64(n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("procfs: no perf counters in %q", bytes.TrimSpace(b))
	}
	return out, nil
}

// PerfWorks reports whether `perf stat` can count syscalls here (it needs
// tracepoints and, usually, root or perf_event_paranoid <= 1).
func PerfWorks() bool {
	out, err := exec.Command("perf", "stat", "-x,", "-e", PerfEvents[0], "--", "true").CombinedOutput()
	if err != nil {
		return false
	}
	c, err := ParsePerfCSV(out)
	return err == nil && c[PerfEvents[0]] > 0
}

// Perf is a running `perf stat -p PID`.
type Perf struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// StartPerf attaches perf stat to pid. Stop it with Stop.
func StartPerf(pid int) (*Perf, error) {
	p := &Perf{}
	p.cmd = exec.Command("perf", "stat", "-x,", "-e", strings.Join(PerfEvents, ","), "-p", strconv.Itoa(pid))
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("procfs: perf: %w", err)
	}
	return p, nil
}

// Stop interrupts perf (it prints its counters on SIGINT) and parses them.
func (p *Perf) Stop() (PerfCounts, error) {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	_ = p.cmd.Wait() // perf exits non-zero after SIGINT on some versions
	return ParsePerfCSV(p.out.Bytes())
}
