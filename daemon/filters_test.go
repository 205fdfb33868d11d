package daemon

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/smtp"
	"strings"
	"testing"

	gm "github.com/d--j/go-milter"

	"sluice/config"
	"sluice/filter/milter/miltertest"
	"sluice/filter/policy/policytest"
)

const filterConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Policy_Service = "%s"
  Milter = ( "%s" )
  Listen "127.0.0.1:%d" { }
  Listen "127.0.0.1:%d" {
    Policy_Service = "%s"
    Policy_Default_Action = "DUNNO"
    Milter = ( )
  }
}
`

// TestFilterMetricsAndLogs: a real daemon configured with a policy service
// and a milter per Listen (with fallback) counts calls, decisions, errors
// and fail-open per service in /metrics, and logs refusals naming the
// filter and its answer.
func TestFilterMetricsAndLogs(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			pol := policytest.Start(t, func(r map[string]string) string {
				if strings.HasPrefix(r["recipient"], "no@") {
					return "REJECT unknown user"
				}
				return "DUNNO"
			})
			dead := policytest.Start(t, func(map[string]string) string { return "OK" })
			dead.Stop()
			mt := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
				m.AddHeader("X-Filtered", "yes")
				return gm.RespAccept, nil
			}})
			var logb lockedBuffer
			p1, p2 := freePort(t), freePort(t)
			td := startLog(t, be, fmt.Sprintf(filterConf, pol.Service, mt.Service, p1, p2, dead.Service), &logb)

			a := dialFrom(t, "127.0.0.1", addr(p1))
			a.expect("220")
			a.cmd("EHLO client.test", "250")
			a.cmd("MAIL FROM:<a@example.org>", "250")
			a.cmd("RCPT TO:<no@example.com>", "554")
			a.cmd("RCPT TO:<b@example.com>", "250")
			a.cmd("DATA", "354")
			a.cmd("Subject: t\r\n\r\nhello\r\n.", "250")
			a.cmd("QUIT", "221")
			a.eof()

			b := dialFrom(t, "127.0.0.1", addr(p2)) // the policy service is down: DUNNO, no milter here
			b.expect("220")
			b.cmd("EHLO client.test", "250")
			b.cmd("MAIL FROM:<a@example.org>", "250")
			b.cmd("RCPT TO:<b@example.com>", "250")
			b.cmd("QUIT", "221")
			b.eof()

			text := scrape(t, td)
			ps, ms, ds := `{filter="policy",service="`+pol.Service+`"}`, `{filter="milter",service="`+mt.Service+`"}`,
				`{filter="policy",service="`+dead.Service+`"}`
			for _, w := range []string{
				`sluice_filter_calls_total` + ps + ` 2`,
				`sluice_filter_errors_total` + ps + ` 0`,
				`sluice_filter_decisions_total{decision="reject",filter="policy",service="` + pol.Service + `"} 1`,
				`sluice_filter_decisions_total{decision="dunno",filter="policy",service="` + pol.Service + `"} 1`,
				`sluice_filter_latency_seconds_count` + ps + ` 2`,
				`sluice_filter_calls_total` + ms + ` 2`, // the accepted RCPT and the message
				`sluice_filter_decisions_total{decision="continue",filter="milter",service="` + mt.Service + `"} 2`,
				`sluice_filter_calls_total` + ds + ` 1`,
				`sluice_filter_errors_total` + ds + ` 1`,
				`sluice_filter_fail_open_total` + ds + ` 1`,
			} {
				if !strings.Contains(text, w+"\n") {
					t.Errorf("metrics lack %s", w)
				}
			}
			if len(mt.Seen()) != 1 {
				t.Errorf("milter saw %d messages", len(mt.Seen()))
			}
			log := logb.String()
			if !strings.Contains(log, `msg="smtp: rejected by filter" filter=policy service=`+pol.Service) ||
				!strings.Contains(log, `answer="REJECT unknown user"`) {
				t.Errorf("no reject line naming the filter:\n%s", log)
			}
			if !strings.Contains(log, "policy service failed; default action applied") {
				t.Errorf("no line for the failed service:\n%s", log)
			}
			if t.Failed() {
				t.Log(grepSluice(text))
			}
		})
	}
}

// TestCheckRefusesBadFilterOptions: a typo in a filter address or default
// action fails the load (and sluiced -check), naming the scope and the fix.
func TestCheckRefusesBadFilterOptions(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{`ESMTP_Listener { Listen "127.0.0.1:2525" { Policy_Service = "127.0.0.1:10023" } }`, "Policy_Service"},
		{`ESMTP_Listener { Policy_Service = "inet:127.0.0.1:10023" Policy_Default_Action = "MAYBE" Listen "127.0.0.1:2525" { } }`, "Policy_Default_Action"},
		{`ESMTP_Listener { Listen "127.0.0.1:2525" { Peer "10.0.0.0/8" { Milter = ( "opendkim.sock" ) } } }`, "Peer 10.0.0.0/8: smtp: Milter"},
		{`ESMTP_Listener { Policy_Service = "inet:127.0.0.1:10023" Policy_Default_Action = "DUNNO" Milter = ( "inet:11332@localhost" "unix:/run/x.sock" ) Listen "127.0.0.1:2525" { } }`, ""},
	} {
		c, err := config.Parse("filters.conf", []byte(tc.conf))
		if err != nil {
			t.Fatalf("%s: %v", tc.conf, err)
		}
		err = Check(c)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.conf, err, tc.want)
		}
	}
}

const filterTLSConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "STARTTLS" "ENHANCEDSTATUSCODES" )
  TLS_Certificate = "%s"
  TLS_Key = "%s"
  Policy_Service = "%s"
  Milter = ( "%s" )
  Listen "127.0.0.1:%d" { }
}
`

// TestFiltersOverTLS: after STARTTLS the session runs on the engine's TLS
// goroutine; the lookups still suspend and resume it through Host.Go.
func TestFiltersOverTLS(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			pol := policytest.Start(t, func(r map[string]string) string {
				if strings.HasPrefix(r["recipient"], "no@") {
					return "REJECT unknown user"
				}
				return "DUNNO"
			})
			mt := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
				m.AddHeader("X-Filtered", "yes")
				return gm.RespAccept, nil
			}})
			cert, key := genCert(t, t.TempDir(), "mx.test")
			port := freePort(t)
			start(t, be, fmt.Sprintf(filterTLSConf, cert, key, pol.Service, mt.Service, port))
			c, err := smtp.Dial(addr(port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
				t.Fatalf("STARTTLS: %v", err)
			}
			if err := c.Mail("a@example.org"); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt("no@example.com"); err == nil || !strings.Contains(err.Error(), "554") || !strings.Contains(err.Error(), "5.7.1 <no@example.com>: Recipient address rejected: unknown user") {
				t.Fatalf("policy over TLS: %v", err)
			}
			if err := c.Rcpt("b@example.com"); err != nil {
				t.Fatal(err)
			}
			w, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, "Subject: tls\r\n\r\nsecret\r\n")
			if err := w.Close(); err != nil {
				t.Fatalf("end of data over TLS: %v", err)
			}
			c.Quit()
			reqs := pol.Requests()
			if len(reqs) != 2 || reqs[0]["encryption_protocol"] != "TLSv1.3" || reqs[0]["encryption_cipher"] == "" || reqs[0]["encryption_keysize"] == "0" {
				t.Fatalf("policy requests %v", reqs)
			}
			if s := mt.Seen(); len(s) != 1 || string(s[0].Body) != "secret\r\n" {
				t.Fatalf("milter saw %+v", s)
			}
		})
	}
}
