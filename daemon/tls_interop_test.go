package daemon

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
)

const tlsConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "STARTTLS" "ENHANCEDSTATUSCODES" )
  TLS_Certificate = %[2]q
  TLS_Key = %[3]q
  Max_Message_Size = 64M
  Listen "127.0.0.1:%[1]d" { }
}
`

// sclient drives `openssl s_client -starttls smtp` line by line: it sends
// a line and waits for the reply that starts with want.
type sclient struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Reader
	cmd *exec.Cmd
}

func startSClient(t *testing.T, port int, args ...string) *sclient {
	t.Helper()
	bin := extbin.Need(t, "openssl", "openssl")
	all := append([]string{"s_client", "-starttls", "smtp", "-crlf", "-connect", addr(port)}, args...)
	cmd := exec.Command(bin, all...)
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &sclient{t: t, in: in, out: bufio.NewReader(outp), cmd: cmd}
	s.expect("250 ") // s_client's own EHLO after the handshake is not sent: it waits for us
	return s
}

// expect reads lines until one starts with prefix (or contains it, for
// s_client's own status lines), failing after 10 s.
func (s *sclient) expect(prefix string) string {
	s.t.Helper()
	done := make(chan string, 1)
	var seen strings.Builder
	go func() {
		for {
			l, err := s.out.ReadString('\n')
			seen.WriteString(l)
			if matches(l, prefix) {
				done <- l
				return
			}
			if err != nil {
				done <- ""
				return
			}
		}
	}()
	select {
	case l := <-done:
		if l == "" {
			s.t.Fatalf("openssl s_client ended before %q:\n%s", prefix, seen.String())
		}
		return l
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("no %q from openssl s_client", prefix)
	}
	return ""
}

// matches: an SMTP reply by its code at the start of the line, an
// s_client status word (KEYUPDATE) anywhere in it.
func matches(line, want string) bool {
	if want[0] >= '2' && want[0] <= '5' {
		return strings.HasPrefix(line, want)
	}
	return strings.Contains(line, want)
}

func (s *sclient) send(line, want string) string {
	s.t.Helper()
	fmt.Fprintf(s.in, "%s\n", line)
	return s.expect(want)
}

// sendMessage runs one transaction (lower-case commands: s_client reads a
// line starting with Q, R or K as a command of its own).
func (s *sclient) sendMessage(body string) {
	s.t.Helper()
	s.send("mail FROM:<a@example.org>", "250 ")
	s.send("rcpt TO:<b@example.com>", "250 ")
	s.send("data", "354 ")
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		fmt.Fprintf(s.in, "%s\n", l)
	}
	s.send(".", "250 ")
}

// TestTLSInteropOpenSSL: openssl s_client over STARTTLS with every TLS 1.3
// suite and two TLS 1.2 ones, a KeyUpdate the client asks us to answer in
// the middle of the session, on both back ends; TLS 1.3 sessions run on
// the worker's record layer.
func TestTLSInteropOpenSSL(t *testing.T) {
	variants := []struct {
		name string
		args []string
		tls3 bool
	}{
		{"tls13-aes128gcm", []string{"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"}, true},
		{"tls13-aes256gcm", []string{"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"}, true},
		{"tls13-chacha20", []string{"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}, true},
		{"tls12-aes128gcm", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}, false},
		{"tls12-chacha20", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"}, false},
	}
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			dir := t.TempDir()
			cert, key := genCert(t, dir, "localhost")
			td := start(t, be, fmt.Sprintf(tlsConf, port, cert, key))
			var bodies []string
			want13 := uint64(0)
			for _, v := range variants {
				s := startSClient(t, port, v.args...)
				s.send("EHLO interop.test", "250 ")
				b1 := "Subject: " + v.name + " one\n\nbefore the key update\n"
				s.sendMessage(b1)
				bodies = append(bodies, b1)
				if v.tls3 {
					want13++
					// "K": a KeyUpdate asking for ours in return. The next
					// transaction only works if both sides moved to new keys.
					fmt.Fprintf(s.in, "K\n")
					s.expect("KEYUPDATE")
					b2 := "Subject: " + v.name + " two\n\nafter the key update\n"
					s.sendMessage(b2)
					bodies = append(bodies, b2)
				}
				s.send("quit", "221 ")
			}
			got := spoolMessages(t, td.Store(), len(bodies))
			for _, b := range bodies {
				if !containsBody(got, strings.ReplaceAll(b, "\n", "\r\n")) {
					t.Errorf("spool lacks %q; it holds %q", b, got[0])
				}
			}
			if n := tlsOnWorkerCount(td.Daemon); n != want13 {
				t.Errorf("%d sessions on the worker's record layer, want %d (the TLS 1.3 ones)", n, want13)
			}
		})
	}
}

func tlsOnWorkerCount(d *Daemon) (n uint64) {
	for _, wc := range d.eng.Counters() {
		for _, l := range wc.Listens {
			n += l.Counters.TLSOnWorker.Load()
		}
	}
	return n
}

// TestTLSInteropClients: Python's smtplib sends a 10 MB message over
// STARTTLS and swaks one over TLS, on both back ends; the stored bytes are
// exact.
func TestTLSInteropClients(t *testing.T) {
	py := extbin.Need(t, "python3", "python3")
	swaks := extbin.Need(t, "swaks", "swaks")
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			dir := t.TempDir()
			cert, key := genCert(t, dir, "localhost")
			td := start(t, be, fmt.Sprintf(tlsConf, port, cert, key))
			script := fmt.Sprintf(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
body = "Subject: big\r\n\r\n" + ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ....\r\n" * 160000)
s = smtplib.SMTP("127.0.0.1", %d, timeout=60)
s.starttls(context=ctx)
s.sendmail("a@example.org", ["b@example.com"], body)
s.quit()
print(len(body))
`, port)
			out, err := exec.Command(py, "-c", script).CombinedOutput()
			if err != nil {
				t.Fatalf("smtplib: %v\n%s", err, out)
			}
			out2, err := exec.Command(swaks, "--server", addr(port), "--tls", "--from", "a@example.org",
				"--to", "b@example.com", "--body", "swaks over TLS", "--header", "Subject: swaks").CombinedOutput()
			if err != nil {
				t.Fatalf("swaks: %v\n%s", err, out2)
			}
			got := spoolMessages(t, td.Store(), 2)
			big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ....\r\n", 160000)
			if len(big) < 10<<20 || !containsBody(got, big) {
				t.Errorf("the %d-byte message over TLS is not in the spool byte for byte", len(big))
			}
			if tlsOnWorkerCount(td.Daemon) != 2 {
				t.Errorf("TLSOnWorker = %d, want 2", tlsOnWorkerCount(td.Daemon))
			}
		})
	}
}
