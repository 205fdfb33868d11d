package tlsrec

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"testing"
	"time"
)

var suiteNames = map[uint16]string{
	tls.TLS_AES_128_GCM_SHA256:       "aes128gcm",
	tls.TLS_AES_256_GCM_SHA384:       "aes256gcm",
	tls.TLS_CHACHA20_POLY1305_SHA256: "chacha20poly1305",
}

// A real crypto/tls client talks to the taken-over server both ways, with
// session tickets (which crypto/tls sends under the application key before
// the takeover) and on a resumed session. crypto/tls picks AES-128-GCM on
// AES hardware whatever the config says; the other suites are covered by
// the record-level tests and the openssl interop.
func TestTakeoverWithCryptoTLSClient(t *testing.T) {
	cache := tls.NewLRUClientSessionCache(4)
	for _, resumed := range []bool{false, true} {
		t.Run(map[bool]string{false: "full", true: "resumed"}[resumed], func(t *testing.T) {
			{
				h := takeover(t, cache, []byte("EHLO early\r\n"))
				if got := h.client.ConnectionState().DidResume; got != resumed {
					t.Fatalf("DidResume = %v, want %v", got, resumed)
				}
				if got := h.readPlain(t, 12); string(got) != "EHLO early\r\n" {
					t.Fatalf("server read %q", got)
				}
				reply := h.server.Seal(nil, []byte("250 ok\r\n"))
				if _, err := h.raw.Write(reply); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, 8)
				h.client.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.ReadFull(h.client, got); err != nil || string(got) != "250 ok\r\n" {
					t.Fatalf("client read %q, %v", got, err)
				}
			}
		})
	}
}

// What the client sent right behind its Finished went into crypto/tls's
// buffer during the handshake; Takeover must hand it over, opened.
func TestTakeoverBufferedApplicationData(t *testing.T) {
	hello := bytes.Repeat([]byte("EHLO buffered\r\n"), 100)
	h := takeoverSlow(t, nil, hello, 100*time.Millisecond)
	if len(h.early) == 0 && len(h.tail) == 0 {
		t.Fatal("nothing was buffered during the handshake: the test did not exercise Takeover's replay")
	}
	if got := h.readPlain(t, len(hello)); !bytes.Equal(got, hello) {
		t.Fatalf("server read %q", got)
	}
}

// Two megabytes each way, in records of every size up to 2^14.
func TestLargeTransfer(t *testing.T) {
	h := takeover(t, nil, nil)
	msg := make([]byte, 2<<20)
	rand.Read(msg)
	errc := make(chan error, 1)
	go func() { _, err := h.client.Write(msg); errc <- err }()
	if got := h.readPlain(t, len(msg)); !bytes.Equal(got, msg) {
		t.Fatal("2 MB from the client arrived changed")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	go func() { _, err := h.raw.Write(h.server.Seal(nil, msg)); errc <- err }()
	got := make([]byte, len(msg))
	h.client.SetReadDeadline(time.Now().Add(90 * time.Second))
	if _, err := io.ReadFull(h.client, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("2 MB to the client: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// The client's close_notify ends the connection cleanly; ours reaches it.
func TestCloseNotify(t *testing.T) {
	h := takeover(t, nil, nil)
	h.raw.Write(h.server.Alert(nil, AlertCloseNotify))
	h.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := h.client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after our close_notify: %v, want EOF", err)
	}
	h.client.Close() // sends its close_notify
	buf := make([]byte, 512)
	n, _ := io.ReadAtLeast(h.raw, buf, 5)
	_, _, err := h.server.Open(nil, buf[:n])
	if !errors.Is(err, ErrCloseNotify) {
		t.Fatalf("Open of the client's close: %v", err)
	}
}

func TestSupported(t *testing.T) {
	if !Supported(tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256) || Supported(tls.VersionTLS12, tls.TLS_AES_128_GCM_SHA256) ||
		Supported(tls.VersionTLS13, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) {
		t.Fatal("Supported")
	}
}

func TestKeyLogBounded(t *testing.T) {
	k := &KeyLog{}
	for i := 0; i < maxKeyLog+10; i++ {
		var r [32]byte
		r[0], r[1] = byte(i), byte(i>>8)
		line := []byte("CLIENT_HANDSHAKE_TRAFFIC_SECRET " + hexOf(r[:]) + " " + hexOf(make([]byte, 32)) + "\n")
		k.Write(line)
	}
	if k.Len() > maxKeyLog {
		t.Fatalf("%d abandoned handshakes kept", k.Len())
	}
	k.Write([]byte("CLIENT_RANDOM abc def\n")) // TLS 1.2 line: ignored
	if _, ok := k.Take([32]byte{}); ok {
		t.Fatal("incomplete secrets taken")
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
