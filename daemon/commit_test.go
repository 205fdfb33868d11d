package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/proto/control"
)

// genCert writes a self-signed certificate and key named cn into dir.
func genCert(t *testing.T, dir, cn string) (string, string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(k)
	cp, kp := filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	return cp, kp
}

// starttlsName connects, runs STARTTLS and returns the server
// certificate's common name.
func starttlsName(t *testing.T, port int) string {
	t.Helper()
	c, err := smtp.Dial(addr(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	st, _ := c.TLSConnectionState()
	return st.PeerCertificates[0].Subject.CommonName
}

// TestConsoleTransactionSwapsCertificate: TLS_Certificate and TLS_Key
// change together live inside config begin … commit; set one at a time,
// the first set fails (the pair does not match) and nothing changes;
// rollback drops a queue; a bad change aborts the whole commit.
func TestConsoleTransactionSwapsCertificate(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			dir := t.TempDir()
			ca, ka := genCert(t, dir, "a.example")
			cb, kb := genCert(t, dir, "b.example")
			td := start(t, be, fmt.Sprintf(`Spoolbase = "{{DIR}}/spool"
ESMTP_Listener {
  SMTP_Extensions = ( "STARTTLS" )
  TLS_Certificate = %q
  TLS_Key = %q
  Listen "127.0.0.1:%d" { }
}
Control_Listener { Listen "{{DIR}}/ctl.sock" { } }
`, ca, ka, port))
			c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if n := starttlsName(t, port); n != "a.example" {
				t.Fatalf("first certificate: %s", n)
			}
			gen := td.Config().Generation
			if st, body, _ := c.Do("config set esmtp_listener TLS_Certificate " + control.QuoteArg(cb)); st == control.StatusOK {
				t.Fatalf("a lone certificate change that does not match the key applied: %s", body)
			}
			do(t, c, "config begin")
			do(t, c, "config set esmtp_listener TLS_Certificate "+control.QuoteArg(cb))
			do(t, c, "config rollback")
			if st, _, _ := c.Do("config commit"); st == control.StatusOK {
				t.Fatal("commit after rollback answered ok")
			}
			do(t, c, "config begin")
			do(t, c, "config set esmtp_listener TLS_Certificate "+control.QuoteArg(cb))
			do(t, c, "config set esmtp_listener No_Such_Option 1")
			if st, body, _ := c.Do("config commit"); st == control.StatusOK || !strings.Contains(string(body), "change 2 of 2") {
				t.Fatalf("commit with a bad change: %s %s", st, body)
			}
			if td.Config().Generation != gen || starttlsName(t, port) != "a.example" {
				t.Fatal("a failed commit changed the serving generation")
			}
			do(t, c, "config begin")
			if got := do(t, c, "config set esmtp_listener TLS_Certificate "+control.QuoteArg(cb)); !strings.Contains(got, "queued (1") {
				t.Fatalf("queued answer: %q", got)
			}
			do(t, c, "config set esmtp_listener TLS_Key "+control.QuoteArg(kb))
			if td.Config().Generation != gen {
				t.Fatal("a queued change applied before commit")
			}
			if got := do(t, c, "config commit"); !strings.Contains(got, "(commit)") {
				t.Fatalf("commit: %q", got)
			}
			if td.Config().Generation == gen {
				t.Fatal("commit made no new generation")
			}
			if n := starttlsName(t, port); n != "b.example" {
				t.Fatalf("after commit: %s", n)
			}
		})
	}
}

// TestLiveTCPConsoleNeedsAuth: a TCP console Listen created at the console
// without authentication is refused; with Enable_Authentication set in the
// same transaction it is created and asks for a login.
func TestLiveTCPConsoleNeedsAuth(t *testing.T) {
	td, _, _ := startConsole(t, "epoll")
	c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := freePort(t)
	listen := fmt.Sprintf("control_listener listen 127.0.0.1:%d", p)
	st, body, _ := c.Do("config set " + listen + " enable true")
	if st == control.StatusOK || !strings.Contains(string(body), "without authentication") {
		t.Fatalf("open TCP console created live: %s %s", st, body)
	}
	if !refused("tcp", addr(p)) {
		t.Fatal("the refused Listen is bound")
	}
	do(t, c, "config begin")
	do(t, c, "config set "+listen+" enable true")
	do(t, c, "config set "+listen+" Enable_Authentication true")
	do(t, c, "config set "+listen+" AuthLoginParameters [ uri = "+control.QuoteArg("file://"+td.dir+"/console.passwd")+" ]")
	do(t, c, "config commit")
	nc := waitDial(t, "tcp", addr(p))
	tc := control.NewClient(nc)
	defer tc.Close()
	if st, _, _ := tc.Do("summary"); st != control.StatusNotAuthenticated {
		t.Fatalf("live TCP console answered %s before login", st)
	}
	if err := tc.Login("admin", "s3cret"); err != nil {
		t.Fatal(err)
	}
	// Turning authentication off live is refused too.
	if st, _, _ := c.Do("config set " + listen + " Enable_Authentication false"); st == control.StatusOK {
		t.Fatal("authentication switched off live on a TCP console")
	}
}

// TestCountSessions: "count esmtp 24" (the help's example) counts SMTP
// sessions, under every spelling of the service; Unix console sessions
// count as 127.0.0.1.
func TestCountSessions(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, _ := startConsole(t, be)
			var conns []net.Conn
			for i := 0; i < 3; i++ {
				nc := waitDial(t, "tcp", addr(smtpPort))
				readLine(t, nc) // the banner: the session exists
				conns = append(conns, nc)
			}
			defer func() {
				for _, nc := range conns {
					nc.Close()
				}
			}()
			c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, svc := range []string{"esmtp", "SMTP", "ESMTP_Listener"} {
				if got := do(t, c, "count "+svc+" 24"); got != "3 sessions\n" {
					t.Errorf("count %s 24: %q", svc, got)
				}
			}
			if got := do(t, c, "count control 32"); got != "1 sessions\n" {
				t.Errorf("count control 32 (this Unix session): %q", got)
			}
		})
	}
}
