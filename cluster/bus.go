package cluster

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
)

// BusListen is one msgcserver_listener Listen: a client port of the
// embedded NATS server.
type BusListen struct {
	Key      string // names the Listen across generations
	Network  string // "tcp" or "unix"
	Address  string // host:port or a path
	FileMode os.FileMode
	// Allow decides from the client's address (unix sockets: the zero
	// Addr) whether it may talk to NATS: the Listen's Peer allow-list.
	Allow func(netip.Addr) bool
}

// bus owns the msgcserver_listener sockets and splices accepted
// connections into the embedded server.
type bus struct {
	connect func() (net.Conn, error) // Server.InProcessConn
	log     *slog.Logger

	mu   sync.Mutex
	live map[string]*busSock
}

type busSock struct {
	spec  BusListen
	ln    net.Listener
	allow func(netip.Addr) bool
	amu   sync.RWMutex
}

// set makes the bound sockets equal to ls: new ones are bound, gone ones
// closed, kept ones take the new allow-list. A socket that cannot bind is
// reported and the others still apply.
func (b *bus) set(ls []BusListen) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	want := map[string]BusListen{}
	for _, l := range ls {
		want[l.Key] = l
	}
	for k, s := range b.live {
		if _, ok := want[k]; !ok {
			s.ln.Close()
			delete(b.live, k)
		}
	}
	var errs []error
	for k, l := range want {
		if s, ok := b.live[k]; ok {
			s.amu.Lock()
			s.allow = l.Allow
			s.amu.Unlock()
			continue
		}
		if l.Network == "unix" {
			os.Remove(l.Address)
		}
		ln, err := net.Listen(l.Network, l.Address)
		if err != nil {
			errs = append(errs, err)
			b.log.Error("cluster: msgcserver_listener Listen failed", "listen", l.Address, "err", err)
			continue
		}
		if l.Network == "unix" && l.FileMode != 0 {
			os.Chmod(l.Address, l.FileMode)
		}
		s := &busSock{spec: l, ln: ln, allow: l.Allow}
		b.live[k] = s
		go b.accept(s)
	}
	return errors.Join(errs...)
}

// Addrs returns the bound addresses, for the heartbeat and tests.
func (b *bus) addrs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, s := range b.live {
		out = append(out, "msgcserver "+s.ln.Addr().String())
	}
	return out
}

func (b *bus) close() { b.set(nil) }

func (b *bus) accept(s *busSock) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var ip netip.Addr
		if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			ip = ta.AddrPort().Addr().Unmap()
		}
		s.amu.RLock()
		allow := s.allow
		s.amu.RUnlock()
		if allow != nil && !allow(ip) {
			b.log.Warn("cluster: NATS client refused by the msgcserver_listener Peer allow-list", "peer", c.RemoteAddr().String())
			c.Close()
			continue
		}
		go b.splice(c)
	}
}

// splice copies both ways between a client socket and an in-process
// server connection until either side closes.
func (b *bus) splice(c net.Conn) {
	s, err := b.connect()
	if err != nil {
		c.Close()
		return
	}
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go cp(s, c)
	go cp(c, s)
	<-done
	<-done
}
