package metrics

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestScrapeCountsKnownTraffic drives one accepted message with one
// rejected RCPT, one ACL-refused and one cap-refused connection through a
// real engine and the real SMTP protocol, then checks exact values in the
// exposition text served by /metrics.
func TestScrapeCountsKnownTraffic(t *testing.T) {
	for _, be := range testBackends(t) {
		t.Run(be, func(t *testing.T) {
			r := startRig(t, be)
			a := dialFrom(t, "127.0.0.1", r.addr)
			a.expect("220")
			a.cmd("EHLO client.test", "250")
			a.cmd("MAIL FROM:<a@example.org>", "250")
			a.cmd("RCPT TO:<b@example.com>", "250")
			a.cmd("RCPT TO:<c@elsewhere.test>", "550") // not a relay domain
			a.cmd("DATA", "354")
			a.cmd("Subject: t\r\n\r\nhello\r\n.", "250")
			a.cmd("QUIT", "221")
			a.eof()

			denied := dialFrom(t, "127.0.0.2", r.addr) // Always_Deny: closed, no reply
			denied.eof()

			b := dialFrom(t, "127.0.0.1", r.addr) // holds the only session
			b.expect("220")
			capped := dialFrom(t, "127.0.0.1", r.addr)
			capped.expect("421")
			capped.eof()
			b.cmd("QUIT", "221")
			b.eof()

			listen := `{listen="` + r.addr + `",listener="ESMTP_Listener"`
			want := []string{
				`sluice_listen_connections_accepted_total` + listen + `} 2`,
				`sluice_listen_connections_refused_total` + listen + `,reason="acl"} 1`,
				`sluice_listen_connections_refused_total` + listen + `,reason="session_cap"} 1`,
				`sluice_listen_connections_refused_total` + listen + `,reason="shutdown"} 0`,
				`sluice_listen_connections_active` + listen + `} 0`,
				`sluice_listen_connections_closed_total` + listen + `,reason="protocol"} 2`,
				`sluice_listen_up` + listen + `} 1`,
				`sluice_protocol_sessions_total{protocol="esmtp"} 2`,
				`sluice_protocol_messages_received_total{protocol="esmtp"} 1`,
				`sluice_protocol_recipients_received_total{protocol="esmtp"} 1`,
				// 220 EHLO MAIL RCPT 250 QUIT, then 220 and 221 on the second session
				`sluice_protocol_replies_total{class="2xx",protocol="esmtp"} 8`,
				`sluice_protocol_replies_total{class="3xx",protocol="esmtp"} 1`,
				`sluice_protocol_replies_total{class="4xx",protocol="esmtp"} 0`,
				`sluice_protocol_replies_total{class="5xx",protocol="esmtp"} 1`,
				`sluice_protocol_session_duration_seconds_count{protocol="esmtp"} 2`,
				`sluice_protocol_message_size_bytes_count{protocol="esmtp"} 1`,
				`sluice_spool_records_total 1`,
				`sluice_spool_commits_total 1`,
				`sluice_spool_errors_total 0`,
				`sluice_backend_info{backend="` + be + `"`,
			}
			var text string
			deadline := time.Now().Add(5 * time.Second)
			for { // the last close is counted once the worker has seen it
				text = r.scrape(t)
				if strings.Contains(text, want[4]+"\n") || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("scrape lacks %q", w)
				}
			}
			if out := os.Getenv("SLUICE_SCRAPE_OUT"); out != "" { // scripts/promcheck.sh lints it
				if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			audit := r.audit.String()
			for _, w := range []string{
				`msg=reception id=`, ` protocol=esmtp peer=127.0.0.1:`, ` sender=a@example.org rcpts=1 size=`,
				`msg=reject peer=127.0.0.1:`, ` phase=reply code=550 text="550 `,
				` phase=connect code=421 text="421 `, ` phase=connect code=0 text="denied by Peer ACL"`,
			} {
				if !strings.Contains(audit, w) {
					t.Errorf("audit log lacks %q:\n%s", w, audit)
				}
			}
			if t.Failed() {
				t.Logf("scrape:\n%s", grepSluice(text))
			}
		})
	}
}

func grepSluice(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "sluice_") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
