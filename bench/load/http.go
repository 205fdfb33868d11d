package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// httpRequest builds POST /api/v1/messages with the envelope in
// X-Mail-From / X-Rcpt-To and the message as the body.
func httpRequest(host string, size int, closeConn bool) []byte {
	body := BuildMessage(size)
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /api/v1/messages HTTP/1.1\r\nHost: %s\r\nX-Mail-From: <%s>\r\nX-Rcpt-To: <%s>\r\n"+
		"Content-Type: message/rfc822\r\nContent-Length: %d\r\n", host, MailFrom, RcptTo, len(body))
	if closeConn {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

type httpConn struct {
	c         *Config
	conn      net.Conn
	r         *bufio.Reader
	req       []byte
	closeConn bool
}

func httpFactory(c *Config) Factory {
	return func(int) (Doer, error) {
		h := &httpConn{c: c, req: httpRequest(c.Addr, c.Size, c.HTTPClose), closeConn: c.HTTPClose}
		if !h.closeConn {
			return h, h.dial()
		}
		return h, nil
	}
}

func (h *httpConn) dial() error {
	nc, err := net.DialTimeout("tcp", h.c.Addr, h.c.Timeout)
	if err != nil {
		return err
	}
	h.conn = nc
	if h.r == nil {
		h.r = bufio.NewReaderSize(nc, 4096)
	} else {
		h.r.Reset(nc)
	}
	return nil
}

func (h *httpConn) Do() (int, error) {
	if h.conn == nil {
		if err := h.dial(); err != nil {
			return 0, err
		}
	}
	h.conn.SetDeadline(time.Now().Add(h.c.Timeout))
	if _, err := h.conn.Write(h.req); err != nil {
		return 0, err
	}
	status, serverClose, err := ReadHTTPResponse(h.r)
	if err != nil {
		return 0, err
	}
	if h.closeConn || serverClose {
		h.conn.Close()
		h.conn = nil
	}
	if status != 200 {
		return 0, fmt.Errorf("load: http status %d", status)
	}
	return 1, nil
}

func (h *httpConn) Close() error {
	if h.conn == nil {
		return nil
	}
	return h.conn.Close()
}

var errHTTP = errors.New("load: malformed HTTP response")

// ReadHTTPResponse reads one response (status line, headers, and a body
// framed by Content-Length or chunked encoding) and discards the body. It
// reports the status and whether the server will close the connection.
func ReadHTTPResponse(r *bufio.Reader) (status int, closeConn bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("%w: status line %q", errHTTP, line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil || status < 100 {
		return 0, false, fmt.Errorf("%w: status line %q", errHTTP, line)
	}
	closeConn = line[7] == '0'
	length, chunked := int64(-1), false
	for {
		h, err := readLine(r)
		if err != nil {
			return 0, false, err
		}
		if len(h) == 0 {
			break
		}
		name, val, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("%w: header %q", errHTTP, h)
		}
		val = bytes.TrimSpace(val)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(val), 10, 64); err != nil || length < 0 {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errHTTP, val)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(val, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeConn = bytes.EqualFold(val, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = discardChunked(r)
	case length >= 0:
		_, err = r.Discard(int(length))
	case status >= 200 && status != 204 && status != 304:
		closeConn = true // body runs to EOF
		_, err = io.Copy(io.Discard, r)
	}
	return status, closeConn, err
}

func discardChunked(r *bufio.Reader) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		hexLen, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(hexLen)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errHTTP, line)
		}
		if n == 0 {
			for { // trailers up to the empty line
				t, err := readLine(r)
				if err != nil || len(t) == 0 {
					return err
				}
			}
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
		if crlf, err := readLine(r); err != nil || len(crlf) != 0 {
			return firstErr(err, fmt.Errorf("%w: chunk not followed by CRLF", errHTTP))
		}
	}
}

// readLine returns one line without CRLF; the slice is valid until the
// next read. Lines longer than the reader's buffer are an error.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
