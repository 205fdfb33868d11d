package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// pidfile is the Pidfile this process wrote; remove deletes it only while
// it still names this process (a successor after an upgrade rewrites it).
type pidfile struct{ path, pid string }

// writePidfile writes the pid atomically (temp file, rename); "" writes
// nothing.
func writePidfile(path string) (*pidfile, error) {
	if path == "" {
		return &pidfile{}, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sluiced: Pidfile %s: %w", path, err)
	}
	pid := strconv.Itoa(os.Getpid())
	tmp := abs + ".tmp"
	if err := os.WriteFile(tmp, []byte(pid+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("sluiced: Pidfile %s: %w (its directory must exist and be writable)", path, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("sluiced: Pidfile %s: %w", path, err)
	}
	return &pidfile{path: abs, pid: pid}, nil
}

func (p *pidfile) remove() {
	if p.path == "" {
		return
	}
	if b, err := os.ReadFile(p.path); err == nil && string(bytes.TrimSpace(b)) == p.pid {
		os.Remove(p.path)
	}
}
