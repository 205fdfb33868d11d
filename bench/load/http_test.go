package load

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var httpCases = []struct {
	name, in  string
	status    int
	closeConn bool
	rest      string // what must remain unread (the next response)
	bad       bool
}{
	{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", status: 200, rest: "NEXT"},
	{name: "zero length", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT", status: 200, rest: "NEXT"},
	{name: "close header", in: "HTTP/1.1 503 Busy\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nno", status: 503, closeConn: true},
	{name: "http/1.0", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200, closeConn: true},
	{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1a\r\n" +
		strings.Repeat("z", 26) + "\r\n0\r\nTrailer: x\r\n\r\nNEXT", status: 200, rest: "NEXT"},
	{name: "to eof", in: "HTTP/1.1 200 OK\r\n\r\nbody until eof", status: 200, closeConn: true},
	{name: "204 no body", in: "HTTP/1.1 204 No Content\r\n\r\nNEXT", status: 204, rest: "NEXT"},
	{name: "garbage", in: "SMTP/1.1 200 OK\r\n\r\n", bad: true},
	{name: "bad status", in: "HTTP/1.1 2x0 OK\r\n\r\n", bad: true},
	{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", bad: true},
	{name: "header without colon", in: "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", bad: true},
	{name: "bad chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", bad: true},
	{name: "chunk without crlf", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", bad: true},
	{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", bad: true},
	{name: "truncated headers", in: "HTTP/1.1 200 OK\r\nContent-Le", bad: true},
	{name: "empty", in: "", bad: true},
}

func TestReadHTTPResponse(t *testing.T) {
	for _, c := range httpCases {
		// Whole, then one byte per read (every split point of the stream).
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(c.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			r := bufio.NewReaderSize(src, 64)
			status, closeConn, err := ReadHTTPResponse(r)
			if c.bad {
				if err == nil {
					t.Errorf("%s: accepted", c.name)
				}
				continue
			}
			rest, _ := io.ReadAll(r)
			if err != nil || status != c.status || closeConn != c.closeConn || string(rest) != c.rest {
				t.Errorf("%s (one byte %v): status %d close %v rest %q err %v", c.name, oneByte, status, closeConn, rest, err)
			}
		}
	}
}

func TestHTTPRequestShape(t *testing.T) {
	req := httpRequest("127.0.0.1:1", 100, true)
	head, _, _ := bytes.Cut(req, []byte("\r\n\r\n"))
	for _, want := range []string{"POST /api/v1/messages HTTP/1.1", "X-Mail-From: <" + MailFrom + ">",
		"X-Rcpt-To: <" + RcptTo + ">", "Content-Length: 100", "Connection: close"} {
		if !bytes.Contains(head, []byte(want)) {
			t.Errorf("request lacks %q:\n%s", want, head)
		}
	}
	if !bytes.HasSuffix(req, BuildMessage(100)) {
		t.Fatal("body is not the 100-byte message")
	}
	if bytes.Contains(httpRequest("h", 10, false), []byte("Connection:")) {
		t.Fatal("keep-alive request says Connection")
	}
}

func FuzzReadHTTPResponse(f *testing.F) {
	for _, c := range httpCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(b), 64)
		status, _, err := ReadHTTPResponse(r)
		if err == nil && (status < 100 || status > 999) {
			t.Fatalf("status %d accepted", status)
		}
	})
}
