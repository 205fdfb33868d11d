package policy

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Options configure a Client.
type Options struct {
	// Service is "inet:host:port" or "unix:/path".
	Service string
	// Timeout bounds one request: dial, write and read together. Default 10s.
	Timeout time.Duration
	// Default is the decision applied when the service fails (the parsed
	// Policy_Default_Action). Zero value: Dunno, i.e. fail open.
	Default Decision
	// MaxIdle is how many idle connections are kept. Default 32.
	MaxIdle int
	// IdleTime closes a pooled connection unused for this long (Postfix
	// smtpd_policy_service_max_idle). Default 300s.
	IdleTime time.Duration
}

// Client talks to one policy service. It is safe for concurrent use: every
// concurrent Check gets its own connection from the pool or a new one.
type Client struct {
	network, addr string
	o             Options
	Stats         Stats

	mu   sync.Mutex
	idle []*pconn // LIFO: the most recently used first to go out
}

type pconn struct {
	c    net.Conn
	used time.Time
}

// ParseService splits "inet:host:port" or "unix:/path" into a network and
// an address for net.Dial.
func ParseService(s string) (network, addr string, err error) {
	switch {
	case strings.HasPrefix(s, "inet:"):
		addr = s[5:]
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return "", "", fmt.Errorf("policy: service %q: want inet:host:port: %v", s, err)
		}
		return "tcp", addr, nil
	case strings.HasPrefix(s, "unix:") && len(s) > 5:
		return "unix", s[5:], nil
	}
	return "", "", fmt.Errorf("policy: service %q: write inet:host:port or unix:/path", s)
}

// New returns a client of o.Service; it does not connect yet.
func New(o Options) (*Client, error) {
	nw, addr, err := ParseService(o.Service)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxIdle <= 0 {
		o.MaxIdle = 32
	}
	if o.IdleTime <= 0 {
		o.IdleTime = 300 * time.Second
	}
	return &Client{network: nw, addr: addr, o: o}, nil
}

// Service is the configured service string.
func (c *Client) Service() string { return c.o.Service }

// Outcome is the result of one Check.
type Outcome struct {
	Decision Decision
	Action   string // the raw action value; "" when the default was applied
	Err      error  // why the default was applied; nil otherwise
}

// Check sends one request and returns the service's decision, or the
// default decision with the error when the service failed. Like Postfix
// (try_limit 2) it tries twice; the second try always uses a new
// connection, since a pooled one may have been closed by the server. It
// blocks for up to twice Options.Timeout.
func (c *Client) Check(attrs []Attr) Outcome {
	start := time.Now()
	req := AppendRequest(make([]byte, 0, 512), attrs)
	action, err := c.try(req, false)
	if err != nil {
		action, err = c.try(req, true)
	}
	var out Outcome
	if err == nil {
		out.Action = action
		out.Decision, err = ParseAction(action)
	}
	if err != nil {
		out = Outcome{Decision: c.o.Default, Err: fmt.Errorf("policy: %s: %w", c.o.Service, err)}
	}
	c.Stats.record(out, time.Since(start))
	return out
}

// try runs one request on a pooled (or, with fresh, a new) connection.
func (c *Client) try(req []byte, fresh bool) (string, error) {
	pc := (*pconn)(nil)
	if !fresh {
		pc = c.get()
	}
	if pc == nil {
		conn, err := net.DialTimeout(c.network, c.addr, c.o.Timeout)
		if err != nil {
			return "", err
		}
		pc = &pconn{c: conn}
	}
	pc.c.SetDeadline(time.Now().Add(c.o.Timeout))
	r, err := exchange(pc.c, req)
	if err != nil {
		pc.c.Close()
		return "", err
	}
	c.put(pc)
	return r.Action, nil
}

// exchange writes req and reads one whole reply.
func exchange(conn net.Conn, req []byte) (*Reply, error) {
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	var d Decoder
	buf := make([]byte, 1024)
	for {
		k, err := conn.Read(buf)
		if k > 0 {
			n, r, derr := d.Feed(buf[:k])
			if derr != nil {
				return nil, derr
			}
			if r != nil {
				if n != k { // the server answered more than it was asked
					return nil, fmt.Errorf("%w: data after the reply", ErrReply)
				}
				return r, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("reading the reply: %w", err)
		}
	}
}

func (c *Client) get() *pconn {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.idle) > 0 {
		pc := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if now.Sub(pc.used) < c.o.IdleTime {
			return pc
		}
		pc.c.Close()
	}
	return nil
}

func (c *Client) put(pc *pconn) {
	pc.used = time.Now()
	c.mu.Lock()
	if len(c.idle) < c.o.MaxIdle {
		c.idle = append(c.idle, pc)
		pc = nil
	}
	c.mu.Unlock()
	if pc != nil {
		pc.c.Close()
	}
}

// Close closes the idle connections; Checks in flight finish normally.
func (c *Client) Close() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, pc := range idle {
		pc.c.Close()
	}
}
