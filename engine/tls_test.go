package engine

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/engine/echo"
	"sluice/proto"
	"sluice/tlsrec"
)

func testTLSConfig(t *testing.T) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sluice test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, KeyLogWriter: tlsrec.Log}
}

func clientTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// tlsModes are the two ways a TLS connection runs after its handshake:
// TLS 1.3 records on the worker (tlsworker.go), TLS 1.2 on crypto/tls.
var tlsModes = []struct {
	name      string
	max       uint16
	goroutine bool   // Options.TLSOnGoroutine (TLS_Record_Layer = goroutine)
	worker    uint64 // TLSOnWorker after one connection
}{{"worker-tls13", tls.VersionTLS13, false, 1}, {"goroutine-tls12", tls.VersionTLS12, false, 0},
	{"goroutine-option-tls13", tls.VersionTLS13, true, 0}}

func tlsOnWorker(e *Engine) (n uint64) {
	for _, wc := range e.Counters() {
		for _, l := range wc.Listens {
			n += l.Counters.TLSOnWorker.Load()
		}
	}
	return n
}

// TestStartTLS: the plaintext connection switches to TLS on the same
// session; plaintext pipelined behind STARTTLS is discarded; Submit works
// over TLS; the connection is accounted for until it closes.
func TestStartTLS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, m := range tlsModes {
			t.Run(m.name, func(t *testing.T) { testStartTLS(t, backend, m.max, m.goroutine, m.worker) })
		}
	})
}

func testStartTLS(t *testing.T, backend string, maxVersion uint16, goroutine bool, onWorker uint64) {
	{
		sp := newFakeSpool(t)
		e := newEngine(t, backend, 2, sp)
		e.opts.TLSOnGoroutine = goroutine
		f := &echo.Factory{}
		s := tcpSpec("echo", "127.0.0.1:0", f)
		s.TLS = testTLSConfig(t)
		apply(t, e, 1, s)
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		c.send(t, "TLS?\nSTARTTLS\nINJECTED\n")
		if a, b := c.line(t), c.line(t); a != "tls no" || b != "220 ready" {
			t.Fatalf("got %q %q", a, b)
		}
		cc := clientTLS()
		cc.MaxVersion = maxVersion
		tc := tls.Client(c.Conn, cc)
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(tc)
		io := func(s string) string {
			t.Helper()
			if _, err := tc.Write([]byte(s + "\n")); err != nil {
				t.Fatal(err)
			}
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimRight(l, "\r\n")
		}
		if got := io("TLS?"); got != "tls yes" {
			t.Fatalf("after STARTTLS got %q (injected plaintext must be gone)", got)
		}
		if got := io("hello"); got != "hello" {
			t.Fatalf("got %q", got)
		}
		if got := io("SUBMIT over tls"); !okID(got) {
			t.Fatalf("submit over TLS: %q", got)
		}
		if got := io("GO x"); got != "GO x" {
			t.Fatalf("go over TLS: %q", got)
		}
		// 1 MiB pipelined in one write, echoed: many records each way.
		line := strings.Repeat("0123456789abcdef", 250)
		go tc.Write([]byte(strings.Repeat(line+"\n", 256)))
		for i := 0; i < 256; i++ {
			if l, err := r.ReadString('\n'); err != nil || strings.TrimRight(l, "\r\n") != line {
				t.Fatalf("line %d of 256 came back as %d bytes, %v", i, len(l), err)
			}
		}
		if cs := e.Conns(); len(cs) != 1 || (onWorker == 0) != (cs[0].State == "tls") {
			t.Fatalf("conns %+v", cs)
		}
		if got := tlsOnWorker(e); got != onWorker {
			t.Fatalf("TLSOnWorker = %d, want %d", got, onWorker)
		}
		if got := io("QUIT"); got != "BYE" {
			t.Fatalf("got %q", got)
		}
		// The server ends with close_notify: a clean EOF for the client.
		if _, err := r.ReadString('\n'); err == nil || err.Error() != "EOF" {
			t.Fatalf("after BYE: %v, want EOF after close_notify", err)
		}
		eventually(t, 5*time.Second, "closed", func() bool { return openConns(e) == 0 })
		if f.Closed[proto.CloseProtocol].Load() != 1 {
			t.Fatal("close not reported to the session")
		}
	}
}

// TestUseSSL: implicit TLS from the first byte, and the shutdown deadline
// reaches a TLS connection.
func TestUseSSL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e, err := New(Options{Workers: 1, Backend: backend, Log: testLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		s := tcpSpec("ssl", "127.0.0.1:0", f)
		s.TLS, s.UseSSL = testTLSConfig(t), true
		apply(t, e, 1, s)
		tc, err := tls.Dial("tcp", addrOf(t, e, "ssl"), clientTLS())
		if err != nil {
			t.Fatal(err)
		}
		defer tc.Close()
		r := bufio.NewReader(tc)
		tc.Write([]byte("TLS?\n"))
		for _, want := range []string{"HELLO", "tls yes"} {
			l, err := r.ReadString('\n')
			if err != nil || strings.TrimSpace(l) != want {
				t.Fatalf("got %q %v, want %q", l, err, want)
			}
		}
		ctx, cancel := contextWithTimeout(200 * time.Millisecond)
		defer cancel()
		if err := e.Shutdown(ctx); err == nil {
			t.Fatal("an idle TLS connection should outlive the deadline and be closed")
		}
		if f.Closed[proto.CloseShutdown].Load() != 1 {
			t.Fatalf("shutdown closes %d", f.Closed[proto.CloseShutdown].Load())
		}
	})
}

// TestTLSBadRecordOnWorker: a forged record after the handshake ends the
// connection with our bad_record_mac alert, on both back ends, and the
// engine counts it.
func TestTLSBadRecordOnWorker(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, newFakeSpool(t))
		s := tcpSpec("echo", "127.0.0.1:0", &echo.Factory{})
		s.TLS = testTLSConfig(t)
		apply(t, e, 1, s)
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		c.send(t, "STARTTLS\n")
		if l := c.line(t); l != "220 ready" {
			t.Fatalf("got %q", l)
		}
		tc := tls.Client(c.Conn, clientTLS())
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(tc)
		tc.Write([]byte("hello\n"))
		if l, err := r.ReadString('\n'); err != nil || l != "hello\r\n" && l != "hello\n" {
			t.Fatalf("echo over TLS: %q %v", l, err)
		}
		eventually(t, 5*time.Second, "worker takeover", func() bool { return tlsOnWorker(e) == 1 })
		forged := append([]byte{23, 3, 3, 0, 40}, make([]byte, 40)...)
		c.Conn.Write(forged) // under the TLS layer: a record no key opens
		tc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := r.ReadString('\n')
		if err == nil || !strings.Contains(err.Error(), "bad record MAC") {
			t.Fatalf("after a forged record: %v, want the server's bad_record_mac alert", err)
		}
		eventually(t, 5*time.Second, "closed", func() bool { return openConns(e) == 0 })
		var alerts uint64
		for _, wc := range e.Counters() {
			for _, l := range wc.Listens {
				alerts += l.Counters.TLSAlerts.Load()
			}
		}
		if alerts != 1 {
			t.Fatalf("TLSAlerts = %d", alerts)
		}
	})
}
