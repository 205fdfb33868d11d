package engine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// SameSocket reports whether a and b describe the same bound socket, the
// test Apply uses to keep a socket across generations.
func SameSocket(a, b *ListenSpec) bool { return sameSocket(a, b) }

// ListenFDs returns duplicates of every bound Listen's sockets, by Listen
// key, in worker order (one per worker for TCP, one for Unix). The caller
// owns them (they are close-on-exec) and passes them to a successor
// process; the originals stay with the workers until Shutdown.
func (e *Engine) ListenFDs() (map[string][]int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]int{}
	for key, l := range e.listens {
		if l.state != "bound" {
			continue
		}
		seen := map[int]bool{}
		for _, s := range l.socks {
			if seen[s.fd] {
				continue
			}
			seen[s.fd] = true
			nfd, err := unix.FcntlInt(uintptr(s.fd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				for _, fds := range out {
					closeAll(fds)
				}
				return nil, fmt.Errorf("engine: duplicating %s: %w", key, err)
			}
			out[key] = append(out[key], nfd)
		}
	}
	return out, nil
}

// KeepSocketFiles makes the closes from now on (Shutdown, Apply) leave
// Unix socket files in place: a successor that inherited the sockets
// serves on them.
func (e *Engine) KeepSocketFiles() { e.keepFiles.Store(true) }
