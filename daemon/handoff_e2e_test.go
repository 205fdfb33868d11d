package daemon

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const maildirConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listen "127.0.0.1:%d" { }
}
Handoff {
  Retry_Interval = 1
  Target "maildir:{{DIR}}/mail" { Connections = 2 }
}
`

// readMaildir returns the messages in dir/new once there are n of them.
func readMaildir(t *testing.T, dir string, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		ents, _ := os.ReadDir(filepath.Join(dir, "new"))
		if len(ents) < n {
			continue
		}
		out = out[:0]
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, "new", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	t.Fatalf("fewer than %d messages in %s/new", n, dir)
	return nil
}

// Mail received over SMTP is handed off to a Maildir, byte-exact behind
// the trace header, and the spool empties; on both back ends.
func TestHandoffToMaildir(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(maildirConf, port))
			var bodies []string
			for i := 0; i < 30; i++ {
				body := fmt.Sprintf("Subject: handoff %d\r\n\r\nbody %d\r\n", i, i)
				sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, body)
				bodies = append(bodies, body)
			}
			got := readMaildir(t, filepath.Join(td.dir, "mail"), len(bodies))
			if len(got) != len(bodies) {
				t.Fatalf("%d messages in the Maildir, want %d", len(got), len(bodies))
			}
			for _, want := range bodies {
				if !containsBody(got, want) {
					t.Fatalf("message %q not in the Maildir byte-exact", want)
				}
			}
			for end := time.Now().Add(10 * time.Second); td.Store().Len() > 0 && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			if n := td.Store().Len(); n != 0 {
				t.Fatalf("%d records still in the spool after hand-off", n)
			}
			if !strings.Contains(string(got[0]), "Received: ") {
				t.Fatalf("no trace header: %q", got[0])
			}
			k := console{td.Daemon}
			rep, err := k.Handoff(nil)
			if err != nil || !strings.Contains(rep.Text, "maildir:"+td.dir+"/mail") || !strings.Contains(rep.Text, "backlog: 0 messages") {
				t.Fatalf("handoff console: %v\n%s", err, rep.Text)
			}
			if d := rep.Data.(map[string]any)["targets"].([]map[string]any)[0]["delivered"]; d != uint64(30) {
				t.Fatalf("delivered %v, want 30", d)
			}
			if _, err := k.Handoff([]string{"pause", "nope"}); err == nil {
				t.Fatal("pause of an unknown target accepted")
			}
			if _, err := k.Handoff([]string{"pause"}); err != nil {
				t.Fatal(err)
			}
			sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, "Subject: paused\r\n\r\nx\r\n")
			time.Sleep(100 * time.Millisecond)
			if td.Store().Len() != 1 {
				t.Fatalf("paused hand-off delivered anyway: %d in spool", td.Store().Len())
			}
			k.Handoff([]string{"resume"})
			readMaildir(t, filepath.Join(td.dir, "mail"), 31)
			for end := time.Now().Add(10 * time.Second); td.Store().Len() > 0 && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			resp, err := http.Get("http://" + td.MetricsAddr().String() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			mb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			target := "maildir:" + td.dir + "/mail"
			for _, want := range []string{
				`sluice_handoff_messages_total{result="delivered",target="` + target + `"} 31`,
				`sluice_handoff_messages_total{result="bounced",target="` + target + `"} 0`,
				`sluice_handoff_duration_seconds_count{target="` + target + `"} 31`,
				`sluice_handoff_target_up{target="` + target + `"} 1`,
				"sluice_spool_backlog_messages 0", "sluice_spool_backlog_bytes 0",
				"sluice_spool_oldest_message_age_seconds 0", "sluice_spool_back_pressure 0",
			} {
				if !strings.Contains(string(mb), want) {
					t.Errorf("metrics lack %q", want)
				}
			}
		})
	}
}

const pressureConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listen "127.0.0.1:%d" { }
}
Handoff {
  Spool_High_Water = "2K"
  Target "maildir:{{DIR}}/mail" { }
}
`

// A paused target lets the spool pass Spool_High_Water: MAIL gets 452
// 4.3.1 until the target resumes and the backlog drains, then mail flows
// again by itself.
func TestHandoffBackPressure(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(pressureConf, port))
			k := console{td.Daemon}
			k.Handoff([]string{"pause"})
			body := "Subject: fill\r\n\r\n" + strings.Repeat("x", 500) + "\r\n"
			for i := 0; i < 6; i++ {
				sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, body)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !td.BackPressure() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if !td.BackPressure() {
				t.Fatalf("back-pressure never engaged (backlog %+v)", td.Store().Backlog())
			}
			c, err := smtp.Dial(addr(port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Mail("a@example.org")
			var pe *textproto.Error
			if !errors.As(err, &pe) || pe.Code != 452 || !strings.Contains(pe.Msg, "Insufficient system storage") {
				t.Fatalf("MAIL above the high-water mark: %v", err)
			}
			k.Handoff([]string{"resume"})
			for td.BackPressure() && time.Now().Before(deadline.Add(10*time.Second)) {
				time.Sleep(20 * time.Millisecond)
			}
			if err := c.Mail("a@example.org"); err != nil {
				t.Fatalf("MAIL after the spool drained: %v", err)
			}
		})
	}
}

// config reload swaps the Handoff targets: mail after the reload goes to
// the new Maildir, nothing is lost; a reload naming an unusable target
// fails and keeps the old one.
func TestHandoffReloadSwapsTargets(t *testing.T) {
	port := freePort(t)
	td := start(t, "epoll", fmt.Sprintf(maildirConf, port))
	sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, "Subject: before\r\n\r\nx\r\n")
	readMaildir(t, filepath.Join(td.dir, "mail"), 1)
	td.rewrite(t, strings.ReplaceAll(fmt.Sprintf(maildirConf, port), "{{DIR}}/mail", "{{DIR}}/mail2"))
	if _, err := td.Reload(""); err != nil {
		t.Fatal(err)
	}
	sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, "Subject: after\r\n\r\ny\r\n")
	got := readMaildir(t, filepath.Join(td.dir, "mail2"), 1)
	if !strings.Contains(string(got[0]), "Subject: after") {
		t.Fatalf("after reload: %q", got[0])
	}
	os.WriteFile(filepath.Join(td.dir, "blocker"), nil, 0o644)
	td.rewrite(t, strings.ReplaceAll(fmt.Sprintf(maildirConf, port), "{{DIR}}/mail", "{{DIR}}/blocker/mail"))
	if _, err := td.Reload(""); err == nil || !strings.Contains(err.Error(), "Handoff Target") {
		t.Fatalf("reload to an unusable Maildir: %v", err)
	}
	sendNetSMTP(t, "tcp", addr(port), "a@example.org", []string{"b@example.com"}, "Subject: kept\r\n\r\nz\r\n")
	readMaildir(t, filepath.Join(td.dir, "mail2"), 2)
}
