package http

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

// opts are option overrides for a test policy, by lower-case name.
type opts map[string]*config.Value

func boolV(b bool) *config.Value { return &config.Value{Kind: config.KindBool, Bool: b} }
func intV(n int64) *config.Value { return &config.Value{Kind: config.KindSize, Int: n} }
func dictV(m map[string]string) *config.Value {
	return &config.Value{Kind: config.KindDict, Dict: m}
}

// testPolicy is a resolved HTTP_Listener policy: the defaults this package
// reads, overridden by o.
func testPolicy(o opts) *config.Policy {
	vals := map[string]*config.Value{
		"idle_time":             {Kind: config.KindSeconds, Raw: "300", Dur: 300 * time.Second},
		"max_request_size":      intV(0),
		"disable_chunked":       boolV(false),
		"always_allow":          boolV(false),
		"always_deny":           boolV(false),
		"enable_authentication": boolV(false),
	}
	for k, v := range o {
		vals[k] = v
	}
	return config.NewPolicy("HTTP_Listener", "127.0.0.1:8081", vals)
}

// testFactory has every operator callback, with fixed answers.
func testFactory() *Factory {
	return NewFactory(FactoryOptions{
		Hostname: "mx.example",
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Summary: func() map[string]any {
			return map[string]any{"ReceivedMessages": 7, "Uptime": 42, "InboundConcurrency": 1, "Zeta": "z"}
		},
		ResetSummary: func() {},
		Ready:        func() (bool, string) { return true, "" },
		Metrics: func(w io.Writer) error {
			_, err := io.WriteString(w, "# TYPE sluice_up gauge\nsluice_up 1\n")
			return err
		},
	})
}

// mk returns a session maker for prototest.SplitEvery.
func mk(f *Factory, p *config.Policy) func() (proto.Session, *prototest.Host) {
	return func() (proto.Session, *prototest.Host) {
		h := prototest.NewHost()
		return f.NewSession(prototest.Conn("HTTP_Listener", "127.0.0.1:8081", "127.0.0.1:40000", p), h), h
	}
}

// run drives input through a fresh default session in one read.
func run(t testing.TB, f *Factory, p *config.Policy, input string) (prototest.Result, *prototest.Host) {
	t.Helper()
	s, h := mk(f, p)()
	res, err := prototest.Run(s, h, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	return res, h
}

// response is one parsed response.
type response struct {
	*nethttp.Response
	body []byte
}

// parseResponses splits out into responses with net/http's client parser;
// heads lists which requests were HEAD (their responses have no body).
func parseResponses(out []byte, heads ...bool) ([]response, error) {
	br := bufio.NewReader(bytes.NewReader(out))
	var rs []response
	for i := 0; ; i++ {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return rs, nil
		}
		var req *nethttp.Request
		if i < len(heads) && heads[i] {
			req = &nethttp.Request{Method: "HEAD"}
		}
		r, err := nethttp.ReadResponse(br, req)
		if err != nil {
			return rs, fmt.Errorf("response %d: %w", i, err)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return rs, fmt.Errorf("response %d body: %w", i, err)
		}
		rs = append(rs, response{r, body})
	}
}

// one parses out as exactly one final response (after any 100 Continue).
func one(t testing.TB, out []byte) response {
	t.Helper()
	rs, err := parseResponses(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rs) > 0 && rs[0].StatusCode == 100 {
		rs = rs[1:]
	}
	if len(rs) != 1 {
		t.Fatalf("%d responses, want 1:\n%s", len(rs), out)
	}
	return rs[0]
}

// post builds a request with a Content-Length body.
func post(path, body string, hdrs ...string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(hdrs, "") +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
}

// chunked encodes body in chunks of n bytes.
func chunked(body string, n int) string {
	var b strings.Builder
	for len(body) > 0 {
		k := min(n, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, body[:k])
		body = body[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}
