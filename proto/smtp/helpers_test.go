package smtp

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

const (
	tListen = "127.0.0.1:2525"
	tRemote = "192.0.2.7:40000"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// policy builds an ESMTP policy with the registry defaults this package
// reads, overridden by name/value pairs; a value is a string, int, bool,
// []string, time.Duration or map[string]string.
func policy(kv ...any) *config.Policy {
	vals := map[string]*config.Value{
		"allow_ip_literal":           val(true),
		"allow_null_envelope_sender": val(true),
		"idle_time":                  val(300 * time.Second),
		"reconfig_message":           val("4.3.2 Reconfiguration in progress"),
		"starttls_injection_policy":  val("reject"),
		"rfc2822_lone_lf_in_body":    val("ignore"),
		"rfc2822_lone_lf_in_headers": val("pedantic"),
		"rfc2822_trace_headers":      val(true),
		"relay_domains":              val([]string{"example.com", "*.example.net"}),
	}
	for i := 0; i < len(kv); i += 2 {
		vals[kv[i].(string)] = val(kv[i+1])
	}
	return config.NewPolicy("ESMTP_Listener", tListen, vals)
}

func val(v any) *config.Value {
	switch x := v.(type) {
	case string:
		return &config.Value{Kind: config.KindString, Raw: x}
	case int:
		return &config.Value{Kind: config.KindInt, Raw: fmt.Sprint(x), Int: int64(x)}
	case bool:
		return &config.Value{Kind: config.KindBool, Raw: fmt.Sprint(x), Bool: x}
	case time.Duration:
		return &config.Value{Kind: config.KindSeconds, Raw: fmt.Sprint(x.Seconds()), Dur: x}
	case []string:
		return &config.Value{Kind: config.KindArray, List: x}
	case map[string]string:
		return &config.Value{Kind: config.KindDict, Dict: x}
	}
	panic(fmt.Sprintf("val: %T", v))
}

func testFactory() *Factory {
	return NewFactory(FactoryOptions{Hostname: "mx.test", Logger: quiet})
}

// mk returns a fresh-session maker for prototest.SplitEvery.
func mk(f *Factory, p *config.Policy, remote string) func() (proto.Session, *prototest.Host) {
	return func() (proto.Session, *prototest.Host) {
		h := prototest.NewHost()
		return f.NewSession(prototest.Conn("ESMTP_Listener", tListen, remote, p), h), h
	}
}

// run drives input through a fresh session and returns the output after
// the banner, the submitted messages and the result.
func run(t testing.TB, p *config.Policy, input string) (string, *prototest.Host, prototest.Result) {
	t.Helper()
	s, h := mk(testFactory(), p, tRemote)()
	res, err := prototest.Run(s, h, []byte(input))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := string(res.Out)
	_, after, _ := strings.Cut(out, "\r\n")
	return after, h, res
}

// lines joins reply lines with CRLF, each terminated.
func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\r\n") + "\r\n"
}

// passwd writes a password file and returns its path.
func passwd(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// received is the trace header a default test session writes.
func received(helo, with string) string {
	return "Received: from " + helo + " ([192.0.2.7]:40000)\r\n\tby mx.test (sluice) with " + with +
		";\r\n\tMon, 23 Nov 2026 12:00:00 +0000\r\n"
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
