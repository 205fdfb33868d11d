package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/internal/testport"
	"sluice/spool"
	"sluice/spool/spooltest"
)

// TestCrashLosesNothingAcknowledged runs sluiced as a child under SMTP load,
// SIGKILLs it at a random moment, restarts it on the same spool, and checks
// that every message that got a 250 is present and byte-identical, and that
// no record is duplicated or partial. 30 rounds, alternating back ends; half
// the sessions run over STARTTLS (TLS 1.3 on the worker's record layer).
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and kills a daemon 30 times; skipped in -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sluiced")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	spoolDir := filepath.Join(dir, "spool")
	cert, key := crashCert(t, dir)
	sent := map[string]string{}  // body -> "" (every body ever sent, acked or not)
	acked := map[string]string{} // id -> body
	rounds := 30
	for r := 0; r < rounds; r++ {
		be := []string{"epoll", "io_uring"}[r%2]
		port := freePort(t)
		conf := filepath.Join(dir, "crash.conf")
		os.WriteFile(conf, []byte(fmt.Sprintf(`Spoolbase = %q
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "STARTTLS" )
  TLS_Certificate = %q
  TLS_Key = %q
  Listen "127.0.0.1:%d" { }
}
`, spoolDir, cert, key, port)), 0o644)
		cmd := exec.Command(bin, "-config", conf, "-event-loop", be, "-workers", "2", "-metrics", "off")
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitPort(t, port)
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for s := 0; s < 8; s++ {
			wg.Add(1)
			go func(s int) {
				defer wg.Done()
				load(port, fmt.Sprintf("r%d-s%d", r, s), s%2 == 1, stop, &mu, sent, acked)
			}(s)
		}
		time.Sleep(time.Duration(50+rand.IntN(350)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		close(stop)
		wg.Wait()
		verifySpool(t, spoolDir, sent, acked, r)
	}
	overTLS := 0
	for _, body := range acked {
		var r, s int
		if n, _ := fmt.Sscanf(body, "Subject: r%d-s%d", &r, &s); n == 2 && s%2 == 1 {
			overTLS++
		}
	}
	if overTLS == 0 {
		t.Fatal("no message was acknowledged over STARTTLS: the TLS half of the test did not run")
	}
	t.Logf("%d kills, %d messages acknowledged (%d over STARTTLS), %d sent: none lost, none duplicated or partial",
		rounds, len(acked), overTLS, len(sent))
}

// load sends messages on one session until the connection dies or stop;
// with starttls the session upgrades first.
func load(port int, tag string, starttls bool, stop chan struct{}, mu *sync.Mutex, sent, acked map[string]string) {
	var c net.Conn
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return
	}
	defer func() { c.Close() }()
	r := bufio.NewReader(c)
	read := func() string {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return ""
			}
			last = line
			if len(line) < 4 || line[3] != '-' {
				return last
			}
		}
	}
	if !strings.HasPrefix(read(), "220") {
		return
	}
	fmt.Fprintf(c, "EHLO crash.test\r\n")
	read()
	if starttls {
		fmt.Fprintf(c, "STARTTLS\r\n")
		if !strings.HasPrefix(read(), "220") {
			return
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		if tc.Handshake() != nil {
			return
		}
		tc.SetDeadline(time.Time{})
		c, r = tc, bufio.NewReader(tc)
		fmt.Fprintf(c, "EHLO crash.test\r\n")
		read()
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body := fmt.Sprintf("Subject: %s-%d\r\n\r\nbody of %s-%d\r\n%s\r\n", tag, i, tag, i,
			strings.Repeat("x", rand.IntN(3000)))
		mu.Lock()
		sent[body] = ""
		mu.Unlock()
		fmt.Fprintf(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
		if !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "250") || !strings.HasPrefix(read(), "354") {
			return
		}
		fmt.Fprintf(c, "%s.\r\n", body)
		line := read()
		if !strings.HasPrefix(line, "250") {
			return
		}
		f := strings.Fields(line) // "250 2.0.0 OK <id>" or "250 OK <id>"
		id := strings.Trim(f[len(f)-1], "<>")
		mu.Lock()
		acked[id] = body
		mu.Unlock()
	}
}

func verifySpool(t *testing.T, dir string, sent, acked map[string]string, round int) {
	t.Helper()
	st, err := spool.Open(dir, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("round %d: reopen spool: %v", round, err)
	}
	defer st.Close()
	have := map[string]string{}
	seen := map[string]bool{}
	err = st.Iter(func(rec *spool.Record) error {
		b, ok := spooltest.StripTrace(rec.Data)
		body := string(b)
		if !ok {
			return fmt.Errorf("record %s has no Received header: partial or foreign", rec.ID)
		}
		if _, known := sent[body]; !known {
			return fmt.Errorf("record %s holds bytes no client sent (partial?): %.80q", rec.ID, body)
		}
		if seen[body] {
			return fmt.Errorf("record %s duplicates a message", rec.ID)
		}
		seen[body] = true
		have[rec.ID.String()] = body
		return nil
	})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	for id, body := range acked {
		if have[id] != body {
			t.Fatalf("round %d: acknowledged message %s lost or altered", round, id)
		}
	}
}

func freePort(t *testing.T) int { return testport.Free(t) }

// crashCert writes a throwaway ECDSA certificate and key into dir.
func crashCert(t *testing.T, dir string) (string, string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(crand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(k)
	cp, kp := filepath.Join(dir, "crash.crt"), filepath.Join(dir, "crash.key")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	return cp, kp
}

func waitPort(t *testing.T, port int) {
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sluiced never listened on %d", port)
}
