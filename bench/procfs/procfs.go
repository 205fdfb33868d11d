// Package procfs reads what sluice-bench needs about a server process from
// /proc: CPU time (utime+stime from /proc/PID/stat) and resident memory
// (VmRSS from /proc/PID/status). Parsers take the file contents, so they are
// tested without a process; Read* functions do the I/O.
//
// Every function is safe for concurrent use; nothing is cached.
package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// ClockTick is USER_HZ, the unit of utime/stime. It is 100 on every Linux
// architecture Go supports (the kernel fixes USER_HZ for the ABI); Go has no
// sysconf(_SC_CLK_TCK) without cgo.
const ClockTick = 10 * time.Millisecond

// CPU is a process's accumulated CPU time.
type CPU struct {
	User, System time.Duration
}

// Total is user plus system time.
func (c CPU) Total() time.Duration { return c.User + c.System }

// Sub is the CPU used between two samples.
func (c CPU) Sub(before CPU) CPU {
	return CPU{User: c.User - before.User, System: c.System - before.System}
}

var errFormat = errors.New("procfs: unexpected format")

// ParseStat extracts utime and stime (fields 14 and 15) from the contents
// of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func ParseStat(b []byte) (CPU, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return CPU{}, fmt.Errorf("%w: no ')' in stat", errFormat)
	}
	f := bytes.Fields(b[end+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return CPU{}, fmt.Errorf("%w: stat has %d fields after comm", errFormat, len(f))
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return CPU{}, fmt.Errorf("%w: utime/stime: %v", errFormat, err)
	}
	return CPU{User: time.Duration(ut) * ClockTick, System: time.Duration(st) * ClockTick}, nil
}

// ParseRSS returns VmRSS in bytes from the contents of /proc/PID/status.
func ParseRSS(b []byte) (uint64, error) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("%w: VmRSS line %q", errFormat, bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: VmRSS: %v", errFormat, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("%w: no VmRSS line (kernel thread or zombie?)", errFormat)
}

// ReadCPU samples /proc/PID/stat.
func ReadCPU(pid int) (CPU, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPU{}, fmt.Errorf("procfs: server CPU: %w (is -server-pid right?)", err)
	}
	return ParseStat(b)
}

// ReadRSS samples VmRSS of /proc/PID/status.
func ReadRSS(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("procfs: server RSS: %w (is -server-pid right?)", err)
	}
	return ParseRSS(b)
}
