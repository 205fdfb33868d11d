package daemon

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/internal/dnsmasqtest"
	"sluice/proto/control"
)

const dnsblConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
DNS_Servers = ( "%[2]s" )
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen "127.0.0.1:%[1]d" {
    DNSBL_Zones = ( "bl.test" "wl.test=127.0.[0..255].[1..3]*-5" )
    DNSBL_Timeout = 2
    Pregreet_Delay = 1
  }
}
Control_Listener { Listen "{{DIR}}/ctl.sock" { } }
`

// TestDNSBLSMTP against a real dnsmasq: 127.0.0.2 is listed and refused
// with 554 5.7.1 naming the zone; 127.0.0.4 (NXDOMAIN) sends its message;
// 127.0.0.3 is allowlisted and skips the pregreet test.
func TestDNSBLSMTP(t *testing.T) {
	srv := dnsmasqtest.Start(t, []string{"bl.test", "wl.test"},
		"2.0.0.127.bl.test,127.0.0.2", "3.0.0.127.wl.test,127.0.10.2")
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(dnsblConf, port, srv))
			got := smtpChat(t, dialFromAddr(t, "127.0.0.2", addr(port)))
			if got[0] != "554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test" {
				t.Fatalf("listed client: %q", got)
			}
			if got := smtplib(t, port, "127.0.0.4", "b@example.com", "Subject: ok\r\n\r\nunlisted\r\n"); got != "sent" {
				t.Fatalf("unlisted client: %q", got)
			}
			c := dialFromAddr(t, "127.0.0.3", addr(port))
			c.Write([]byte("EHLO early.but.allowlisted\r\n"))
			if l := readLine(t, c); !strings.HasPrefix(l, "220 ") {
				t.Fatalf("allowlisted early talker: %q", l)
			}
			cc, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			show := do(t, cc, "show dnsbl")
			for _, want := range []string{"bl.test                        listed 1", "dnsbl listed 1", "dnsbl allowlisted 1"} {
				if !strings.Contains(show, want) {
					t.Fatalf("show dnsbl lacks %q:\n%s", want, show)
				}
			}
		})
	}
}

// TestBadDNSBLZoneFailsLoad: a malformed DNSBL_Zones entry is a load error
// with its position, not a lookup that is silently skipped.
func TestBadDNSBLZoneFailsLoad(t *testing.T) {
	path := t.TempDir() + "/bad.conf"
	conf := "ESMTP_Listener {\n  DNSBL_Zones = ( \"ok.test\" \"bad.test=127.0.0\" )\n  Listen \"127.0.0.1:2525\" { }\n}\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if err == nil || !strings.Contains(err.Error(), "bad.conf:2:") || !strings.Contains(err.Error(), `dnsbl: "bad.test=127.0.0"`) {
		t.Fatalf("load error: %v", err)
	}
}
