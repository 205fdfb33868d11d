package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Handover is what a running daemon passes to its successor in a
// zero-downtime upgrade: duplicates of every bound Listen's sockets and of
// its port claims. FDs[i] is described by Entries[i].
type Handover struct {
	Workers int               // the successor must run this many workers
	Entries []InheritedSocket // FD fields are indexes into FDs
	FDs     []int
}

// Handover duplicates the sockets for a successor. The caller owns the
// returned fds and closes them once sent (Close).
func (d *Daemon) Handover() (*Handover, error) {
	lfds, err := d.eng.ListenFDs()
	if err != nil {
		return nil, err
	}
	h := &Handover{Workers: d.sock.n}
	for key, fds := range lfds {
		for _, fd := range fds {
			h.Entries = append(h.Entries, InheritedSocket{FD: len(h.FDs), Key: key})
			h.FDs = append(h.FDs, fd)
		}
	}
	d.sock.mu.Lock()
	defer d.sock.mu.Unlock()
	for port, cfd := range d.sock.claims {
		nfd, err := unix.FcntlInt(uintptr(cfd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("daemon: duplicating the claim of port %d: %w", port, err)
		}
		h.Entries = append(h.Entries, InheritedSocket{FD: len(h.FDs), Claim: port})
		h.FDs = append(h.FDs, nfd)
	}
	return h, nil
}

// Close closes the duplicated fds.
func (h *Handover) Close() { closeFDs(h.FDs) }

// PrepareHandover makes the coming Shutdown leave Unix socket files for
// the successor that now serves on them.
func (d *Daemon) PrepareHandover() { d.eng.KeepSocketFiles() }

// RequestUpgrade asks the process to start its successor (console
// "upgrade"); UpgradeRequests delivers it to cmd/sluiced, which does the
// exec. A request while one is pending is dropped.
func (d *Daemon) RequestUpgrade() {
	select {
	case d.upgradeReq <- struct{}{}:
	default:
	}
}

// UpgradeRequests is where console "upgrade" requests arrive.
func (d *Daemon) UpgradeRequests() <-chan struct{} { return d.upgradeReq }
