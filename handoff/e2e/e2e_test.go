// Package e2e runs sluiced (in-process, both event loops) with each kind
// of hand-off target against real servers: N messages in through SMTP,
// all of them out byte for byte (the trace headers aside), the spool empty
// and its segments deleted afterwards. N is SLUICE_HANDOFF_N (10,000 in
// scripts/handoff-e2e.sh), 1,000 by default.
package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	ht "sluice/handoff/handofftest"
	"sluice/internal/testport"
)

const confHead = `
Relay_Domains = ( "local.test" )
ESMTP_Listener {
  Listen "127.0.0.1:%d" { }
}
`

func run(t *testing.T, target string, collect func(t *testing.T) [][]byte) {
	n := count()
	for k, be := range backends(t) {
		base := k * n // each run's messages are numbered apart: the downstream is shared
		t.Run(be, func(t *testing.T) {
			d, port, dir := startDaemon(t, be, confHead+"Handoff {\n  Retry_Interval = 1\n  Target \""+target+"\" { Connections = 4 }\n}\n")
			start := time.Now()
			send(t, port, base, base+n, 8)
			sent := time.Since(start)
			drained(t, d, 5*time.Minute)
			t.Logf("%s %s: %d messages in %.1fs, all handed off after %.1fs", be, target, n, sent.Seconds(), time.Since(start).Seconds())
			var got map[int]int
			ht.WaitFor(t, "every message at the downstream", time.Minute, func() bool {
				got = received(t, collect(t), base, n)
				return len(got) >= n
			})
			checkAll(t, got, base, n, 0)
			d.Shutdown(t.Context())
			segmentsGone(t, filepath.Join(dir, "spool"))
		})
	}
}

func TestEndToEndSmtpSink(t *testing.T) {
	sk := ht.StartSink(t, false)
	run(t, "smtp://"+sk.Addr, func(t *testing.T) [][]byte { return sk.Dumps(t) })
}

func TestEndToEndPostfix(t *testing.T) {
	pf := ht.StartPostfix(t, "")
	run(t, "smtp://"+pf.Addr, func(t *testing.T) [][]byte {
		var out [][]byte
		for _, c := range pf.Contents(t) {
			out = append(out, []byte(c))
		}
		return out
	})
}

func TestEndToEndDovecotLMTP(t *testing.T) {
	addr, mail := ht.StartDovecot(t, "alice")
	run(t, "lmtp://"+addr, func(t *testing.T) [][]byte {
		var out [][]byte
		for _, m := range ht.ReadDir(t, filepath.Join(mail, "alice", "new")) {
			out = append(out, []byte(m))
		}
		return out
	})
}

func TestEndToEndJetStream(t *testing.T) {
	port := testport.Free(t)
	srv := ht.StartNATS(t, t.TempDir(), port)
	defer srv.Shutdown()
	url := fmt.Sprintf("127.0.0.1:%d", port)
	run(t, "nats://"+url+"/MAIL/mail.in", func(t *testing.T) [][]byte { return ht.StreamData(t, "nats://"+url, "MAIL") })
}
