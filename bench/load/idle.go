package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"sluice/bench/hist"
	"sluice/bench/procfs"
)

// idleBatch connections are opened, then their banners awaited, before
// the next batch: it stays below sluice's default Listen_Backlog (500), so
// no SYN is dropped and retried a second later.
const idleBatch = 256

// runIdle opens c.Conns connections that stay idle, spread over source
// addresses c.SourceNet, c.SourceNet+1, ... (c.PerSource each) so more than
// the ~28k ephemeral ports of one address fit. Sockets are raw fds, not
// net.Conns, to keep the client small. The server's RSS is sampled before
// and after (plus c.Settle) and divided by the connection count.
func runIdle(ctx context.Context, c *Config, progress io.Writer) (*Result, error) {
	dst, err := netip.ParseAddrPort(c.Addr)
	if err != nil || !dst.Addr().Is4() {
		return nil, fmt.Errorf("load: idle-hold needs an IPv4 -addr ip:port, got %q", c.Addr)
	}
	src, err := netip.ParseAddr(c.SourceNet)
	if err != nil || !src.Is4() || src.As4()[0] != 127 {
		return nil, fmt.Errorf("load: -source %q must be an address in 127.0.0.0/8", c.SourceNet)
	}
	if last := SourceFor(src, c.Conns-1, c.PerSource); last.As4()[0] != 127 {
		return nil, fmt.Errorf("load: %d connections at %d per source run past 127.255.255.255; raise -per-source", c.Conns, c.PerSource)
	}
	if err := RaiseNoFile(uint64(c.Conns) + 1024); err != nil {
		return nil, err
	}
	var rss0 uint64
	var cpu0 procfs.CPU
	if c.ServerPID != 0 {
		if rss0, err = procfs.ReadRSS(c.ServerPID); err != nil {
			return nil, err
		}
		cpu0, _ = procfs.ReadCPU(c.ServerPID)
	}
	res := newResult(c)
	fds := make([]int, 0, c.Conns)
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	var tlsConns []net.Conn // -starttls: the sessions, upgraded and idle
	defer func() {
		for _, nc := range tlsConns {
			nc.Close()
		}
	}()
	var h hist.Hist
	start := time.Now()
	for len(fds)+len(tlsConns) < c.Conns && ctx.Err() == nil {
		held := len(fds) + len(tlsConns)
		k := min(idleBatch, c.Conns-held)
		opened, err := openBatch(c, dst, src, held, k, &h)
		if err == nil && c.StartTLS != TLSOff {
			var up []net.Conn
			up, err = upgradeIdle(c, opened) // takes the fds over
			tlsConns, opened = append(tlsConns, up...), nil
		}
		fds = append(fds, opened...)
		if err != nil {
			return nil, fmt.Errorf("load: idle-hold after %d connections: %w", len(fds)+len(tlsConns), err)
		}
		if c.Progress && progress != nil {
			n := len(fds) + len(tlsConns)
			fmt.Fprintf(progress, "\r%s idle-hold %d/%d", Bar(float64(n)/float64(c.Conns), 30), n, c.Conns)
		}
	}
	connectTime := time.Since(start)
	if c.Progress && progress != nil {
		fmt.Fprintln(progress)
	}
	sleepUntil(ctx, time.Now().Add(c.Settle))
	held := len(fds) + len(tlsConns)
	res.Ops, res.Seconds = int64(held), connectTime.Seconds()
	res.OpsPerSec = float64(held) / connectTime.Seconds()
	res.Latency = h.Summarize()
	if c.ServerPID != 0 {
		rss1, err := procfs.ReadRSS(c.ServerPID)
		if err != nil {
			return nil, err
		}
		cpu1, _ := procfs.ReadCPU(c.ServerPID)
		d := cpu1.Sub(cpu0)
		res.Server = &Server{PID: c.ServerPID, RSSBefore: rss0, RSSAfter: rss1,
			RSSPerConn: (float64(rss1) - float64(rss0)) / float64(held),
			CPUSeconds: d.Total().Seconds(), UserSeconds: d.User.Seconds(), SysSeconds: d.System.Seconds(),
			CPUUsPerConn: float64(d.Total().Microseconds()) / float64(held),
			PerfNote:     "idle-hold: no perf"}
		res.Server.CPUUsPerOp = res.Server.CPUUsPerConn
	}
	sleepUntil(ctx, time.Now().Add(c.Duration)) // hold; the server may time them out
	return res, nil
}

// SourceFor is the source address of connection i.
func SourceFor(first netip.Addr, i, perSource int) netip.Addr {
	a := first.As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i / perSource)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// openBatch connects k sockets (connection numbers base..base+k-1) and
// waits until each has received its banner.
func openBatch(c *Config, dst netip.AddrPort, src netip.Addr, base, k int, h *hist.Hist) ([]int, error) {
	fds := make([]int, 0, k)
	started := make([]time.Time, 0, k)
	to := &unix.SockaddrInet4{Port: int(dst.Port()), Addr: dst.Addr().As4()}
	for i := range k {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fds, fmt.Errorf("socket: %w", err)
		}
		fds = append(fds, fd)
		started = append(started, time.Now())
		// Let connect pick the port per 4-tuple, not per (addr, port) bind.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: SourceFor(src, base+i, c.PerSource).As4()}); err != nil {
			return fds, fmt.Errorf("bind %v: %w", SourceFor(src, base+i, c.PerSource), err)
		}
		if err := unix.Connect(fd, to); err != nil {
			return fds, fmt.Errorf("connect: %w", err)
		}
	}
	return fds, awaitBanners(fds, started, c.Timeout, h)
}

// awaitBanners polls until every fd has bytes to read (the greeting) and
// reads them; a server that does not greet (HTTP) fails with a timeout.
func awaitBanners(fds []int, started []time.Time, timeout time.Duration, h *hist.Hist) error {
	pfds := make([]unix.PollFd, len(fds))
	for i, fd := range fds {
		pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	deadline := time.Now().Add(timeout)
	left := len(fds)
	buf := make([]byte, 512)
	for left > 0 {
		ms := int(time.Until(deadline).Milliseconds())
		if ms <= 0 {
			return fmt.Errorf("%d of %d connections got no banner within %v", left, len(fds), timeout)
		}
		n, err := unix.Poll(pfds, ms)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll: %w", err)
		}
		if n <= 0 {
			continue
		}
		for i := range pfds {
			if pfds[i].Fd < 0 || pfds[i].Revents == 0 {
				continue
			}
			if pfds[i].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
				return fmt.Errorf("connection %d closed by the server before idling (session limit?)", i)
			}
			if _, err := unix.Read(fds[i], buf); err != nil {
				return fmt.Errorf("read banner: %w", err)
			}
			h.Record(time.Since(started[i]))
			pfds[i].Fd = -1 // poll ignores negative fds
			left--
		}
	}
	return nil
}

// RaiseNoFile lifts RLIMIT_NOFILE to at least n (raising the hard limit
// needs root or CAP_SYS_RESOURCE).
func RaiseNoFile(n uint64) error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= n {
		return nil
	}
	lim.Cur = n
	lim.Max = max(lim.Max, n)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("load: need %d open files: %w (run as root, or raise `ulimit -Hn`)", n, err)
	}
	return nil
}
