package http

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"sluice/proto"
	"sluice/proto/prototest"
)

const rawMsg = "From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

var envHdrs = []string{"X-Mail-From: <a@example.com>\r\n", "X-Rcpt-To: <b@example.org>\r\n"}

// TestStatusCodes walks every status code path once.
func TestStatusCodes(t *testing.T) {
	long := strings.Repeat("a", 9<<10)
	tests := []struct {
		name   string
		o      opts
		fail   bool
		in     string
		code   int
		close  bool
		header map[string]string
		msgs   int
	}{
		{name: "healthz", in: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", code: 200},
		{name: "raw message", in: post("/api/v1/messages", rawMsg, envHdrs...), code: 200, msgs: 1},
		{name: "inject GET", in: "GET /v1.0/inject/ HTTP/1.1\r\nHost: x\r\n\r\n", code: 200,
			header: map[string]string{"Content-Length": "0"}},
		{name: "unknown path", in: "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", code: 404},
		{name: "wrong method", in: "PUT /api/v1/messages HTTP/1.1\r\nHost: x\r\n\r\n", code: 405,
			header: map[string]string{"Allow": "POST"}},
		{name: "garbage", in: "GARBAGE\r\n\r\n", code: 400, close: true},
		{name: "bad target", in: "GET nope HTTP/1.1\r\nHost: x\r\n\r\n", code: 400, close: true},
		{name: "http2", in: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", code: 505, close: true},
		{name: "long request line", in: "GET /" + long + " HTTP/1.1\r\n\r\n", code: 414, close: true},
		{name: "long header line", in: "GET / HTTP/1.1\r\nX: " + long + "\r\n\r\n", code: 431, close: true},
		{name: "long head", in: "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: "+long[:4000]+"\r\n", 5) + "\r\n",
			code: 431, close: true},
		{name: "too many headers", in: "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 101) + "\r\n",
			code: 431, close: true},
		{name: "no host", in: "GET /healthz HTTP/1.1\r\n\r\n", code: 400, close: true},
		{name: "space before colon", in: "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", code: 400, close: true},
		{name: "folded", in: "GET /healthz HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", code: 400, close: true},
		{name: "bad length", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
			code: 400, close: true},
		{name: "two lengths", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
			code: 400, close: true},
		{name: "length and chunked", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
			code: 400, close: true},
		{name: "gzip coding", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			code: 501, close: true},
		{name: "bad chunk", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			code: 400, close: true},
		{name: "expect other", in: "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx",
			code: 417, close: true},
		{name: "chunked disabled", o: opts{"disable_chunked": boolV(true)},
			in:   "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rawMsg, 10),
			code: 411, close: true},
		{name: "length over max", o: opts{"max_request_size": intV(10)},
			in: post("/api/v1/messages", rawMsg, envHdrs...), code: 413, close: true},
		{name: "chunked over max", o: opts{"max_request_size": intV(30)},
			in:   "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rawMsg, 20),
			code: 413, close: true},
		{name: "deny beats allow", o: opts{"always_deny": boolV(true), "always_allow": boolV(true)},
			in: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", code: 403},
		{name: "auth required", o: opts{"enable_authentication": boolV(true)},
			in: "GET /stats/summary HTTP/1.1\r\nHost: x\r\n\r\n", code: 401,
			header: map[string]string{"Www-Authenticate": `Basic realm="sluice"`}},
		{name: "spool failure", fail: true, in: post("/api/v1/messages", rawMsg, envHdrs...), code: 503,
			header: map[string]string{"Retry-After": "60"}, msgs: 1},
		{name: "no sender", in: post("/api/v1/messages", rawMsg, envHdrs[1]), code: 400},
		{name: "no recipient", in: post("/api/v1/messages", rawMsg, envHdrs[0]), code: 400},
		{name: "bad recipient", in: post("/api/v1/messages", rawMsg, envHdrs[0], "X-Rcpt-To: a b\r\n"), code: 400},
		{name: "empty body", in: post("/api/v1/messages", "", envHdrs...), code: 400},
		{name: "http/1.0 closes", in: "GET /healthz HTTP/1.0\r\n\r\n", code: 200, close: true,
			header: map[string]string{"Connection": "close"}},
		{name: "http/1.0 keep-alive", in: "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", code: 200,
			header: map[string]string{"Connection": "keep-alive"}},
		{name: "connection close", in: "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			code: 200, close: true, header: map[string]string{"Connection": "close"}},
		{name: "huge refused body closes", o: opts{"max_request_size": intV(10)},
			in: "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", code: 404, close: true},
		{name: "small refused body skipped", o: opts{"max_request_size": intV(10)},
			in: "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n", code: 404},
		{name: "refused with 100-continue closes", in: "POST /nope HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
			code: 404, close: true},
	}
	f := testFactory()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, h := mk(f, testPolicy(tc.o))()
			if tc.fail {
				h.Fail = errors.New("disk full")
			}
			res, err := prototest.Run(s, h, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			r := one(t, res.Out)
			if r.StatusCode != tc.code {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tc.code, res.Out)
			}
			if res.Closed != tc.close {
				t.Errorf("closed = %v, want %v", res.Closed, tc.close)
			}
			for k, v := range tc.header {
				if k == "Connection" && v == "close" { // net/http moves it to Close
					if !r.Close {
						t.Errorf("no Connection: close")
					}
					continue
				}
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if r.Header.Get("Date") != "Mon, 23 Nov 2026 12:00:00 GMT" {
				t.Errorf("Date %q", r.Header.Get("Date"))
			}
			if len(h.Submitted) != tc.msgs {
				t.Errorf("%d messages submitted, want %d", len(h.Submitted), tc.msgs)
			}
		})
	}
}

// TestRefusedBodySkipped: a refused request's body is read and dropped, and
// the next pipelined request is served on the same connection.
func TestRefusedBodySkipped(t *testing.T) {
	in := post("/nope", rawMsg) + "POST /nope HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		chunked(rawMsg, 7) + post("/api/v1/messages", rawMsg, envHdrs...)
	res, h := run(t, testFactory(), testPolicy(nil), in)
	rs, err := parseResponses(res.Out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].StatusCode != 404 || rs[1].StatusCode != 404 || rs[2].StatusCode != 200 {
		t.Fatalf("responses:\n%s", res.Out)
	}
	if len(h.Submitted) != 1 || string(h.Submitted[0].Data) != rawMsg || res.Closed {
		t.Fatalf("submitted %+v closed %v", h.Submitted, res.Closed)
	}
}

// TestHead: HEAD gets the GET headers and no body.
func TestHead(t *testing.T) {
	res, _ := run(t, testFactory(), testPolicy(nil), "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	rs, err := parseResponses(res.Out, true)
	if err != nil || len(rs) != 2 {
		t.Fatalf("%v\n%s", err, res.Out)
	}
	if rs[0].ContentLength != 3 || len(rs[0].body) != 0 || string(rs[1].body) != "ok\n" {
		t.Fatalf("%s", res.Out)
	}
}

// TestExpectContinue: 100 Continue goes out after the head and before the
// body is read, and the final answer waits for the spool.
func TestExpectContinue(t *testing.T) {
	s, h := mk(testFactory(), testPolicy(nil))()
	d := prototest.NewDriver(s, h)
	head := "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" +
		envHdrs[0] + envHdrs[1] + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(rawMsg))
	if err := d.Feed([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if got := string(d.Finish().Out); got != continue100 {
		t.Fatalf("after head: %q", got)
	}
	if err := d.Feed([]byte(rawMsg)); err != nil {
		t.Fatal(err)
	}
	res := d.Finish()
	if r := one(t, res.Out); r.StatusCode != 200 || len(h.Submitted) != 1 {
		t.Fatalf("%s", res.Out)
	}
}

// TestDateCache: the Date header follows Host.Now(), second by second.
func TestDateCache(t *testing.T) {
	s, h := mk(testFactory(), testPolicy(nil))()
	d := prototest.NewDriver(s, h)
	req := []byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	d.Feed(req)
	h.Clock = h.Clock.Add(1500 * 1e6)
	d.Feed(req)
	rs, err := parseResponses(d.Finish().Out)
	if err != nil || len(rs) != 2 {
		t.Fatal(err)
	}
	if a, b := rs[0].Header.Get("Date"), rs[1].Header.Get("Date"); a != "Mon, 23 Nov 2026 12:00:00 GMT" ||
		b != "Mon, 23 Nov 2026 12:00:01 GMT" {
		t.Fatalf("dates %q %q", a, b)
	}
}

func TestRefuse(t *testing.T) {
	f := testFactory()
	c := prototest.Conn("HTTP_Listener", "127.0.0.1:8081", "127.0.0.1:4000", testPolicy(nil))
	for why, want := range map[RefuseReason]int{proto.RefuseSessionCap: 503, proto.RefuseShutdown: 503, proto.RefuseACL: 403} {
		r := one(t, f.Refuse(c, why, nil))
		if r.StatusCode != want || !r.Close || r.Header.Get("Date") != "Mon, 23 Nov 2026 12:00:00 GMT" {
			t.Errorf("%v: %d close=%v date=%q", why, r.StatusCode, r.Close, r.Header.Get("Date"))
		}
		if want == 503 && r.Header.Get("Retry-After") != "60" {
			t.Errorf("%v: no Retry-After", why)
		}
	}
}
