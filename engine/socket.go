package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// openTCP binds n listen sockets for one TCP Listen, all in one SO_REUSEPORT
// group so the kernel spreads connections over the workers. Options that
// accepted sockets inherit from their listener on Linux (TCP_NODELAY,
// SO_RCVBUF, SO_SNDBUF) are set once here, not per connection.
//
// Port 0 (tests) binds the first socket to a free port and the others to
// the same one; the port chosen is returned in bound.
func openTCP(s *ListenSpec, n int) (fds []int, bound string, err error) {
	ap, err := netip.ParseAddrPort(s.Address)
	if err != nil {
		return nil, "", fmt.Errorf("engine: listen %s: bad address: %v", s.Address, err)
	}
	for i := 0; i < n; i++ {
		fd, err := tcpSocket(s, ap)
		if err != nil {
			closeAll(fds)
			return nil, "", err
		}
		fds = append(fds, fd)
		if ap.Port() == 0 {
			sa, err := unix.Getsockname(fd)
			if err != nil {
				closeAll(fds)
				return nil, "", fmt.Errorf("engine: listen %s: getsockname: %w", s.Address, err)
			}
			ap = netip.AddrPortFrom(ap.Addr(), addrPort(sa).Port())
		}
	}
	return fds, ap.String(), nil
}

func tcpSocket(s *ListenSpec, ap netip.AddrPort) (int, error) {
	family := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	if a := ap.Addr().Unmap(); a.Is4() {
		family = unix.AF_INET
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("engine: listen %s: socket: %w", s.Address, err)
	}
	opts := []struct {
		level, name, val int
		on               bool
	}{
		{unix.SOL_SOCKET, unix.SO_REUSEADDR, 1, true},
		{unix.SOL_SOCKET, unix.SO_REUSEPORT, 1, true},
		{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, b2i(s.V6Only), family == unix.AF_INET6},
		{unix.IPPROTO_TCP, unix.TCP_NODELAY, 1, s.NoDelay},
		{unix.SOL_SOCKET, unix.SO_RCVBUF, s.RecvBuf, s.RecvBuf > 0},
		{unix.SOL_SOCKET, unix.SO_SNDBUF, s.SendBuf, s.SendBuf > 0},
	}
	for _, o := range opts {
		if !o.on {
			continue
		}
		if err := unix.SetsockoptInt(fd, o.level, o.name, o.val); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("engine: listen %s: setsockopt %d/%d: %w", s.Address, o.level, o.name, err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, bindError(s.Address, int(ap.Port()), err)
	}
	if err := unix.Listen(fd, backlog(s)); err != nil {
		unix.Close(fd)
		return -1, bindError(s.Address, int(ap.Port()), err)
	}
	return fd, nil
}

// openUnix binds a Unix Listen. A stale socket file (a socket nothing answers
// on) is replaced; any other file at the path is an error. The mode is set
// between bind and listen so no client can connect under the umask's mode.
func openUnix(s *ListenSpec) (int, error) {
	p := s.Address
	if st, err := os.Lstat(p); err == nil {
		if st.Mode()&os.ModeSocket == 0 {
			return -1, fmt.Errorf("engine: listen %s: the path exists and is not a socket; remove it or choose another path", p)
		}
		if live(p) {
			return -1, fmt.Errorf("engine: listen %s: address in use: a process answers on this socket (another sluiced?)", p)
		}
		if err := os.Remove(p); err != nil {
			return -1, fmt.Errorf("engine: listen %s: removing the stale socket: %w", p, err)
		}
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("engine: listen %s: socket: %w", p, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: p}); err != nil {
		unix.Close(fd)
		return -1, unixBindError(p, err)
	}
	if s.FileMode != 0 {
		if err := os.Chmod(p, s.FileMode.Perm()); err != nil {
			unix.Close(fd)
			os.Remove(p)
			return -1, fmt.Errorf("engine: listen %s: File_Mode %#o: %w", p, s.FileMode.Perm(), err)
		}
	}
	if err := unix.Listen(fd, backlog(s)); err != nil {
		unix.Close(fd)
		os.Remove(p)
		return -1, fmt.Errorf("engine: listen %s: %w", p, err)
	}
	return fd, nil
}

// live reports whether something accepts connections on the Unix socket p.
func live(p string) bool {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(time.Second))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	err = unix.Connect(fd, &unix.SockaddrUnix{Name: p})
	return err == nil || errors.Is(err, unix.EAGAIN)
}

func bindError(addr string, port int, err error) error {
	var hint string
	switch {
	case errors.Is(err, unix.EADDRINUSE):
		hint = "address already in use: another process listens there; stop it or change the Listen"
	case errors.Is(err, unix.EACCES) && port < 1024:
		hint = fmt.Sprintf("permission denied: port %d is below 1024; run as root or grant CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep sluiced)", port)
	case errors.Is(err, unix.EADDRNOTAVAIL):
		hint = "address not available: it is not an address of this host (check `ip addr`)"
	default:
		hint = err.Error()
	}
	return &BindError{Address: addr, Err: err, Hint: hint}
}

func unixBindError(p string, err error) error {
	hint := err.Error()
	switch {
	case errors.Is(err, unix.EACCES):
		hint = "permission denied: the directory is not writable by this user"
	case errors.Is(err, unix.ENOENT):
		hint = "the directory does not exist; create it first"
	case errors.Is(err, unix.EADDRINUSE):
		hint = "address already in use"
	}
	return &BindError{Address: p, Err: err, Hint: hint}
}

// BindError is a Listen that could not be bound, with the likely cause.
type BindError struct {
	Address string
	Err     error
	Hint    string
}

func (e *BindError) Error() string { return "engine: listen " + e.Address + ": " + e.Hint }
func (e *BindError) Unwrap() error { return e.Err }

func backlog(s *ListenSpec) int {
	if s.Backlog > 0 {
		return s.Backlog
	}
	return 4096 // the kernel caps it at net.core.somaxconn
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
