package daemon

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"sluice/engine"
)

// sockets binds Listens for the engine (engine.Options.Open) so that one
// daemon owns each TCP port:
//
//   - A TCP port is claimed by binding the abstract Unix socket
//     "@sluice/listen/tcp/PORT". Abstract names live in the same network
//     namespace as the port and vanish with the last process holding them,
//     so a crash leaves nothing stale. A second sluiced finds the name taken
//     and fails with "address already in use" instead of joining the
//     first's SO_REUSEPORT group (which would split the mail between two
//     spools). The claim is per port, not per address: a wildcard and a
//     specific address on one port would share connections the same way.
//   - Before the first bind on a port, a probe binds it without
//     SO_REUSEPORT, so a non-sluice program listening there is reported
//     even if it set SO_REUSEPORT itself.
//   - Sockets bound ahead of Apply (prepare), inherited from a predecessor
//     (upgrade) or from systemd (socket activation) are handed to the engine
//     by Listen key instead of binding again.
//
// A reload prepares every new or changed Listen before it changes anything,
// so a bind that fails leaves the old generation and its sockets serving.
type sockets struct {
	mu     sync.Mutex
	claims map[uint16]int      // TCP port -> fd of the abstract socket holding it
	ready  map[string]*bound   // by Listen key: bound ahead of Apply
	last   []engine.ListenSpec // the spec applied last
	n      int                 // workers: TCP sockets per Listen
}

// bound is a Listen's sockets, bound before the engine asks for them.
type bound struct {
	Address string // the ListenSpec address they were bound for
	Bound   string // the address actually bound (port 0 resolved)
	FDs     []int
}

func newSockets(workers int) *sockets {
	return &sockets{claims: map[uint16]int{}, ready: map[string]*bound{}, n: workers}
}

// open is engine.Options.Open.
func (s *sockets) open(ls *engine.ListenSpec, n int) ([]int, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.ready[ls.Key]; b != nil && b.Address == ls.Address {
		delete(s.ready, ls.Key)
		return b.FDs, b.Bound, nil
	}
	b, err := s.bind(ls, n)
	if err != nil {
		return nil, "", err
	}
	return b.FDs, b.Bound, nil
}

// bind claims ls's port when this process does not hold it yet, probes it,
// and binds. Callers hold s.mu.
func (s *sockets) bind(ls *engine.ListenSpec, n int) (*bound, error) {
	port, isTCP := tcpPort(ls)
	claimed := false
	if isTCP && port != 0 {
		if _, held := s.claims[port]; !held {
			fd, err := claimPort(ls.Address, port)
			if err != nil {
				return nil, err
			}
			s.claims[port] = fd
			claimed = true
			if err := probe(ls); err != nil {
				s.release(port)
				return nil, err
			}
		}
	}
	fds, addr, err := engine.OpenSockets(ls, n)
	if err != nil {
		if claimed {
			s.release(port)
		}
		return nil, err
	}
	return &bound{Address: ls.Address, Bound: addr, FDs: fds}, nil
}

// prepare binds every Listen of next that the engine would bind when it
// applies next after the spec applied last: new, re-enabled or changed.
// On any failure it closes what it bound and releases what it claimed, and
// returns every failure; nothing else changes.
func (s *sockets) prepare(next []engine.ListenSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := map[string]*engine.ListenSpec{}
	for i := range s.last {
		if s.last[i].Enabled {
			prev[s.last[i].Key] = &s.last[i]
		}
	}
	held := make(map[uint16]bool, len(s.claims))
	for p := range s.claims {
		held[p] = true
	}
	var made []string
	var errs []error
	for i := range next {
		ls := &next[i]
		old := prev[ls.Key]
		switch {
		case !ls.Enabled, old != nil && engine.SameSocket(old, ls), s.ready[ls.Key] != nil:
			continue
		case ls.Network == "unix" && unixBoundBy(s.last, ls.Address):
			continue // the engine closes the old socket first, then binds the path
		}
		b, err := s.bind(ls, s.n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.ready[ls.Key] = b
		made = append(made, ls.Key)
	}
	if len(errs) == 0 {
		return nil
	}
	for _, k := range made {
		closeFDs(s.ready[k].FDs)
		delete(s.ready, k)
	}
	for p := range s.claims {
		if !held[p] {
			s.release(p)
		}
	}
	return errors.Join(errs...)
}

// applied records the spec now serving, releases the ports no enabled
// Listen uses any more and closes sockets prepared or inherited for Listens
// the engine did not take.
func (s *sockets) applied(spec []engine.ListenSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = append(s.last[:0:0], spec...)
	used := map[uint16]bool{}
	for i := range spec {
		if p, ok := tcpPort(&spec[i]); ok && spec[i].Enabled {
			used[p] = true
		}
	}
	for p := range s.claims {
		if !used[p] {
			s.release(p)
		}
	}
	for k, b := range s.ready {
		closeFDs(b.FDs)
		delete(s.ready, k)
	}
}

// close releases every claim and closes sockets bound but not served
// (the process is exiting, or start-up failed).
func (s *sockets) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.claims {
		s.release(p)
	}
	for k, b := range s.ready {
		closeFDs(b.FDs)
		delete(s.ready, k)
	}
}

func (s *sockets) release(port uint16) {
	unix.Close(s.claims[port])
	delete(s.claims, port)
}

func tcpPort(ls *engine.ListenSpec) (uint16, bool) {
	if ls.Network != "tcp" {
		return 0, false
	}
	ap, err := netip.ParseAddrPort(ls.Address)
	if err != nil {
		return 0, false
	}
	return ap.Port(), true
}

func unixBoundBy(spec []engine.ListenSpec, path string) bool {
	for i := range spec {
		if spec[i].Enabled && spec[i].Network == "unix" && spec[i].Address == path {
			return true
		}
	}
	return false
}

// claimName is the abstract socket name that holds a TCP port.
func claimName(port uint16) string { return "@sluice/listen/tcp/" + strconv.Itoa(int(port)) }

// claimPort binds the port's abstract name; EADDRINUSE means another
// sluiced in this network namespace serves the port.
func claimPort(addr string, port uint16) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("daemon: listen %s: claiming the port: %w", addr, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: claimName(port)}); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EADDRINUSE) {
			return -1, &engine.BindError{Address: addr, Err: err, Hint: fmt.Sprintf(
				"address already in use: another sluiced serves port %d (one daemon per port; stop it, or replace it with `sluicectl upgrade`)", port)}
		}
		return -1, fmt.Errorf("daemon: listen %s: claiming the port: %w", addr, err)
	}
	return fd, nil
}

// probe binds ls's address once without SO_REUSEPORT and closes it, so a
// program already listening there is reported rather than joined.
func probe(ls *engine.ListenSpec) error {
	ap, err := netip.ParseAddrPort(ls.Address)
	if err != nil {
		return fmt.Errorf("daemon: listen %s: bad address: %v", ls.Address, err)
	}
	family := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	if a := ap.Addr().Unmap(); a.Is4() {
		family = unix.AF_INET
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("daemon: listen %s: probe: %w", ls.Address, err)
	}
	defer unix.Close(fd)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if family == unix.AF_INET6 && ls.V6Only {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); errors.Is(err, unix.EADDRINUSE) {
		return &engine.BindError{Address: ls.Address, Err: err,
			Hint: "address already in use: another process listens there; stop it or change the Listen"}
	}
	return nil // other errors are the real bind's to report
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
