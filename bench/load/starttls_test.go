package load

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"testing"
	"time"
)

func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Every session upgrades with STARTTLS; with "resume" all but the first
// few (one per worker at most) resume from the shared ticket cache.
func TestStartTLSScenarios(t *testing.T) {
	conf := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	for _, tc := range []struct {
		mode, version string
		scenario      string
		wantTLS       int64
	}{
		{TLSFull, "", SMTPSession, 40},
		{TLSResume, "", SMTPSession, 40},
		{TLSResume, "1.2", SMTPSession, 40},
		{TLSFull, "", SMTPKeepalive, 4},
	} {
		s := startFakeSMTP(t)
		s.tlsConf = conf
		c := testConfig(tc.scenario, s.addr())
		c.Ops, c.StartTLS, c.TLSVersion = 40, tc.mode, tc.version
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), c, nil)
		if err != nil || res.Errors != 0 || res.Ops != 40 || res.StartTLS != tc.mode {
			t.Fatalf("%+v: %v %+v", tc, err, res)
		}
		time.Sleep(20 * time.Millisecond)
		if s.tlsUp.Load() != tc.wantTLS || s.msgs.Load() != 40 {
			t.Fatalf("%+v: %d TLS sessions, %d messages", tc, s.tlsUp.Load(), s.msgs.Load())
		}
		switch r := s.resumed.Load(); {
		case tc.mode == TLSFull && r != 0:
			t.Fatalf("%+v: %d sessions resumed without a cache", tc, r)
		case tc.mode == TLSResume && r < tc.wantTLS-int64(c.Conns):
			t.Fatalf("%+v: only %d of %d sessions resumed", tc, r, tc.wantTLS)
		}
	}
	bad := testConfig(SMTPSession, "127.0.0.1:1")
	bad.StartTLS = "sometimes"
	if bad.Validate() == nil {
		t.Fatal("-starttls sometimes accepted")
	}
}
