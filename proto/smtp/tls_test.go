package smtp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/prototest"
)

// selfSigned writes a certificate and key for localhost and returns paths.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestTLSConfig(t *testing.T) {
	cert, key := selfSigned(t)
	f := testFactory()
	c := &proto.ConnInfo{Policy: policy("tls_certificate", cert, "tls_key", key, "tls_client_ca", cert)}
	conf, err := f.TLSConfig(c)
	if err != nil || len(conf.Certificates) != 1 || conf.ClientAuth != tls.VerifyClientCertIfGiven || conf.ClientCAs == nil {
		t.Fatalf("conf %v err %v", conf, err)
	}
	if again, _ := f.TLSConfig(c); again != conf {
		t.Fatal("TLS config not cached")
	}
	c2 := &proto.ConnInfo{Policy: policy("tls_certificate", cert, "tls_key", key, "tls_verify_mode", "require")}
	if conf, err := f.TLSConfig(c2); err != nil || conf.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Fatalf("require: %v %v", conf, err)
	}
	for _, p := range []*proto.ConnInfo{
		{Policy: policy()},
		{Policy: policy("tls_certificate", cert, "tls_key", cert)},
		{Policy: policy("tls_certificate", "/nonexistent", "tls_key", key)},
	} {
		if _, err := f.TLSConfig(p); err == nil || !strings.HasPrefix(err.Error(), "smtp: ") {
			t.Fatalf("want an smtp: error, got %v", err)
		}
	}
}

// TestUseSSL: an implicit-TLS connection never offers STARTTLS and its
// trace header says ESMTPS.
func TestUseSSL(t *testing.T) {
	p := policy("use_ssl", true, "smtp_extensions", []string{"STARTTLS"}, "tls_certificate", "/c", "tls_key", "/k")
	c := prototest.Conn("ESMTP_Listener", tListen, tRemote, p)
	c.TLS = true
	h := prototest.NewHost()
	res, err := prototest.Run(testFactory().NewSession(c, h), h,
		[]byte("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n.\r\n"))
	if err != nil || strings.Contains(string(res.Out), "250 STARTTLS") || !strings.Contains(string(res.Out), "500 unrecognized command") {
		t.Fatalf("%v %q", err, res.Out)
	}
	if len(h.Submitted) != 1 || !strings.HasPrefix(string(h.Submitted[0].Data), received("c", "ESMTPS")) {
		t.Fatalf("%q", h.Submitted)
	}
}
