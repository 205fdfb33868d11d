package control

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"sluice/config"
)

// MaxResponse bounds a response body the client accepts.
const MaxResponse = 256 << 20

// Response is one framed answer.
type Response struct {
	Status Status
	Body   []byte
}

// Client speaks the console protocol over one connection. Its methods may
// be called from several goroutines: each call writes its requests and
// reads their responses under one lock, so answers never cross.
type Client struct {
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

// Network says how Dial reaches addr: "unix" for a path (it contains a '/'
// or no ':'), "tcp" for host:port.
func Network(addr string) string {
	if strings.Contains(addr, "/") || !strings.Contains(addr, ":") {
		return "unix"
	}
	return "tcp"
}

// Dial connects to a console at a Unix socket path or a host:port.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	c, err := net.DialTimeout(Network(addr), addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("control: connect to %s: %w", addr, err)
	}
	return NewClient(c), nil
}

// NewClient wraps an open connection.
func NewClient(c net.Conn) *Client {
	return &Client{conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Conn returns the underlying connection (for deadlines).
func (c *Client) Conn() net.Conn { return c.conn }

// Do sends one command line and returns its response.
func (c *Client) Do(cmd string) (Status, []byte, error) {
	rs, err := c.Pipeline(cmd)
	if err != nil {
		return 0, nil, err
	}
	return rs[0].Status, rs[0].Body, nil
}

// Pipeline sends every command in one write, then reads their responses in
// order. An empty command is refused: the server would not answer it.
func (c *Client) Pipeline(cmds ...string) ([]Response, error) {
	for _, cmd := range cmds {
		if strings.TrimSpace(cmd) == "" || strings.ContainsAny(cmd, "\r\n") {
			return nil, fmt.Errorf("control: command %q must be one non-blank line", cmd)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range cmds {
		c.w.WriteString(cmd)
		c.w.WriteByte('\n')
	}
	if err := c.w.Flush(); err != nil {
		return nil, fmt.Errorf("control: send: %w", err)
	}
	out := make([]Response, 0, len(cmds))
	for range cmds {
		st, body, err := ReadResponse(c.r)
		if err != nil {
			return out, err
		}
		out = append(out, Response{st, body})
	}
	return out, nil
}

// Login sends "auth login" with the password base64-encoded.
func (c *Client) Login(user, password string) error {
	if user == "" || strings.ContainsAny(user, " \t\r\n\"'()[]") {
		return fmt.Errorf("control: user name %q is not a plain word", user)
	}
	st, body, err := c.Do("auth login " + user + " " + base64.StdEncoding.EncodeToString([]byte(password)))
	if err != nil {
		return err
	}
	if st != StatusOK {
		return fmt.Errorf("control: login as %s: %s: %s", user, st, strings.TrimSpace(string(body)))
	}
	return nil
}

// ErrProtocol is wrapped by every malformed-response error.
var ErrProtocol = errors.New("control: malformed response")

// ReadResponse reads one "<status> <length>\n<body>" response.
func ReadResponse(r *bufio.Reader) (Status, []byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return 0, nil, fmt.Errorf("control: connection closed by the server: %w", io.EOF)
		}
		return 0, nil, fmt.Errorf("%w: header: %v", ErrProtocol, err)
	}
	word, num, ok := strings.Cut(string(line[:len(line)-1]), " ")
	st, known := ParseStatus(word)
	n, nerr := strconv.Atoi(num)
	if !ok || !known || nerr != nil || n < 0 || n > MaxResponse {
		return 0, nil, fmt.Errorf("%w: header %q", ErrProtocol, line)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("%w: body of %d bytes: %v", ErrProtocol, n, err)
	}
	return st, body, nil
}

// JoinArgs turns shell arguments into one command line, quoting every
// argument that would otherwise split or change meaning. A lone ( ) [ ] =
// stays bare so arrays and dictionaries can be typed as separate words.
func JoinArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(QuoteArg(a))
	}
	return b.String()
}

// QuoteArg quotes a when the console lexer would not read it back as one
// word.
func QuoteArg(a string) string {
	switch a {
	case "(", ")", "[", "]", "=":
		return a
	}
	if a != "" && !strings.ContainsAny(a, " \t\"'()[],=\\") && !hasControl(a) {
		return a
	}
	return config.Quote(a)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
