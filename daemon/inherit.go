package daemon

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"sluice/engine"
)

// InheritedSocket is a socket this process received: a listening socket
// from its predecessor (upgrade, with its Listen key) or from systemd
// (socket activation, matched by address), or a predecessor's port claim.
type InheritedSocket struct {
	FD    int
	Key   string // the Listen key the predecessor served it under; "" = match by address
	Claim uint16 // != 0: the abstract claim of this TCP port, not a listener
}

// adopt takes over inherited sockets before anything is bound: claims go
// to s.claims, listeners to s.ready under their Listen's key. A listener
// no enabled Listen of spec names is closed and reported in the returned
// notes (its queued connections are lost; the config changed meanwhile).
func (s *sockets) adopt(in []InheritedSocket, spec []engine.ListenSpec) (notes []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := map[string]*engine.ListenSpec{}
	byAddr := map[string]*engine.ListenSpec{}
	for i := range spec {
		if spec[i].Enabled {
			byKey[spec[i].Key] = &spec[i]
			byAddr[spec[i].Network+" "+spec[i].Address] = &spec[i]
		}
	}
	for _, is := range in {
		if is.Claim != 0 {
			s.claims[is.Claim] = is.FD
			continue
		}
		ls := byKey[is.Key]
		if is.Key == "" {
			ls = byAddr[sockName(is.FD)]
		}
		if ls == nil {
			notes = append(notes, fmt.Sprintf("inherited socket %s (%s) matches no enabled Listen; closed", sockName(is.FD), is.Key))
			unix.Close(is.FD)
			continue
		}
		b := s.ready[ls.Key]
		if b == nil {
			b = &bound{Address: ls.Address, Bound: ls.Address}
			s.ready[ls.Key] = b
		}
		b.FDs = append(b.FDs, is.FD)
	}
	for key, b := range s.ready {
		ls := byKey[key]
		if len(b.FDs) > 1 && len(b.FDs) != s.n {
			return notes, fmt.Errorf("daemon: %s: inherited %d sockets for %d workers (an upgrade keeps the worker count)", key, len(b.FDs), s.n)
		}
		if p, ok := tcpPort(ls); ok && p != 0 {
			if _, held := s.claims[p]; !held {
				fd, err := claimPort(ls.Address, p)
				if err != nil {
					return notes, err
				}
				s.claims[p] = fd
			}
		}
	}
	return notes, nil
}

// sockName is "tcp ADDR:PORT" or "unix PATH" for a listening socket.
func sockName(fd int) string {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "?"
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return "tcp " + netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return "tcp " + netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrUnix:
		return "unix " + a.Name
	}
	return "?"
}
