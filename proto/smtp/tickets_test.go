package smtp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluice/proto"
)

// selfSignedRSA writes an RSA-2048 certificate and key for localhost.
func selfSignedRSA(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "rsa.pem"), filepath.Join(dir, "rsa.key")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600)
	return cert, key
}

// handshake runs one TLS handshake over loopback TCP (net.Pipe cannot
// carry TLS 1.3's crossing flights) and returns the client's view.
func handshake(t *testing.T, srv *tls.Config, cli *tls.Config) tls.ConnectionState {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	errc := make(chan error, 1)
	go func() {
		a, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer a.Close()
		s := tls.Server(a, srv)
		errc <- s.Handshake()
		// Let the client read the session tickets, which follow the handshake.
		s.Write([]byte("x"))
	}()
	b, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := tls.Client(b, cli)
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.Read(make([]byte, 1))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return c.ConnectionState()
}

// An ECDSA and an RSA pair side by side: crypto/tls serves each client the
// first pair its ClientHello can use.
func TestTLSCertificatePairs(t *testing.T) {
	ec, eck := selfSigned(t)
	rs, rsk := selfSignedRSA(t)
	f := testFactory()
	p := policy("tls_certificate", []string{ec, rs}, "tls_key", []string{eck, rsk})
	conf, err := f.TLSConfig(&proto.ConnInfo{Policy: p})
	if err != nil || len(conf.Certificates) != 2 {
		t.Fatalf("%v, %d certificates", err, len(conf.Certificates))
	}
	modern := handshake(t, conf, &tls.Config{InsecureSkipVerify: true})
	if _, ok := modern.PeerCertificates[0].PublicKey.(*rsa.PublicKey); ok {
		t.Fatal("a TLS 1.3 client got the RSA certificate; the ECDSA one comes first")
	}
	rsaOnly := handshake(t, conf, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}})
	if _, ok := rsaOnly.PeerCertificates[0].PublicKey.(*rsa.PublicKey); !ok {
		t.Fatal("an RSA-only client did not get the RSA certificate")
	}
	bad := policy("tls_certificate", []string{ec, rs}, "tls_key", []string{eck})
	if _, err := f.TLSConfig(&proto.ConnInfo{Policy: bad}); err == nil {
		t.Fatal("two certificates with one key accepted")
	}
}

// Tickets resume across connections; a ticket outlives one key rotation
// and not two; TLS_Session_Tickets = false turns them off.
func TestSessionTicketsRotate(t *testing.T) {
	cert, key := selfSigned(t)
	f := testFactory()
	now := time.Unix(1_000_000, 0)
	f.tlsConf.tickets.now = func() time.Time { return now }
	p := policy("tls_certificate", cert, "tls_key", key, "tls_ticket_key_period", time.Hour)
	// One configuration for the whole test, as the engine holds one per
	// Listen from load to reload: rotation must happen inside it.
	c, err := f.TLSConfig(&proto.ConnInfo{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	conf := func() *tls.Config { return c }
	cache := tls.NewLRUClientSessionCache(8)
	cli := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", ClientSessionCache: cache}
	steps := []struct {
		advance time.Duration
		resumed bool
	}{
		{0, false},               // full handshake, ticket under key 1
		{0, true},                // resumed, new ticket under key 1
		{time.Hour, true},        // key 2 current, key 1 still decrypts
		{2 * time.Hour, false},   // two rotations later: key 2's ticket is gone
		{10 * time.Minute, true}, // no rotation: resumes again
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := handshake(t, conf(), cli).DidResume; got != s.resumed {
			t.Fatalf("step %d: resumed=%v, want %v", i, got, s.resumed)
		}
	}
	off := policy("tls_certificate", cert, "tls_key", key, "tls_session_tickets", false)
	cOff, _ := f.TLSConfig(&proto.ConnInfo{Policy: off})
	cli2 := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	handshake(t, cOff, cli2)
	if handshake(t, cOff, cli2).DidResume {
		t.Fatal("resumed with TLS_Session_Tickets = false")
	}
}
