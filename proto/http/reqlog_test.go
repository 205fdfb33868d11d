package http

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"sluice/proto/prototest"
)

func TestLogRequests(t *testing.T) {
	var buf bytes.Buffer
	f := testFactory()
	f.o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "time" || a.Key == "level" {
				return slog.Attr{}
			}
			return a
		}}))
	p := testPolicy(opts{"log_requests_to_paniclog": boolV(true)})
	s, h := mk(f, p)()
	d := prototest.NewDriver(s, h)
	d.Feed([]byte("GET /healthz?x=\"1\" HTTP/1.1\r\nHost: x\r\n\r\n" + post("/api/v1/messages", rawMsg, envHdrs...)))
	d.Feed([]byte("BAD\r\n\r\n"))
	want := []string{
		`msg="1795435200:127.0.0.1:40000 \"GET /healthz?x=?1? HTTP/1.1\" 200 3 0"`,
		`msg="1795435200:127.0.0.1:40000 \"POST /api/v1/messages HTTP/1.1\" 200 90 0"`,
		`msg="1795435200:127.0.0.1:40000 \"BAD\" 400 49 0"`,
	}
	if got := strings.TrimSpace(buf.String()); got != strings.Join(want, "\n") {
		t.Fatalf("log\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	buf.Reset()
	run(t, f, testPolicy(nil), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if buf.Len() != 0 {
		t.Fatalf("logged with the option off: %s", buf.String())
	}
}
