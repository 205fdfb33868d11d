package engine

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine/echo"
)

// fakeScreen lists 127.0.0.2 (after a delay, asynchronously), allowlists
// 127.0.0.3 (at once) and passes everyone else after a delay.
type fakeScreen struct{}

func (fakeScreen) Screen(p *config.Policy, a netip.Addr, done func(Verdict)) (Verdict, bool) {
	switch a {
	case netip.MustParseAddr("127.0.0.3"):
		return Verdict{Allowed: true, Score: -1}, true
	case netip.MustParseAddr("127.0.0.2"):
		time.AfterFunc(50*time.Millisecond, func() { done(Verdict{Listed: true, Zone: "bl.test", Score: 1}) })
		return Verdict{}, false
	}
	time.AfterFunc(50*time.Millisecond, func() { done(Verdict{}) })
	return Verdict{}, false
}

func holdEngine(t *testing.T, backend string, vals map[string]*config.Value) (*Engine, string) {
	e, err := New(Options{Workers: 2, Backend: backend, Log: testLog(t), Screen: fakeScreen{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Shutdown(ctx)
	})
	port := freePort(t)
	s := tcpSpec("echo", "0.0.0.0:"+port, &echo.Factory{Greeting: "HELLO\r\n"})
	s.Peers = fixedPeers{&acl.Match{Policy: config.NewPolicy("Echo_Listener", "", vals)}}
	apply(t, e, 1, s)
	return e, "127.0.0.1:" + port
}

// TestPregreet: a client that talks before the banner is refused; a
// patient one gets the banner after the delay and its session works.
func TestPregreet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e, to := holdEngine(t, backend, map[string]*config.Value{"pregreet_delay": secVal(time.Second)})
		early := dialFrom(t, "127.0.0.1", to)
		early.send(t, "EHLO too.early\r\n")
		if got := early.line(t); got != "BUSY pregreet" {
			t.Fatalf("early talker: %q", got)
		}
		early.expectEOF(t)
		start := time.Now()
		patient := dialFrom(t, "127.0.0.1", to)
		if got := patient.line(t); got != "HELLO" {
			t.Fatalf("patient: %q", got)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Fatalf("banner after %v, before Pregreet_Delay", d)
		}
		patient.send(t, "ping\n")
		if got := patient.line(t); got != "ping" {
			t.Fatalf("session after the hold: %q", got)
		}
		eventually(t, 5*time.Second, "the counters", func() bool {
			var pre, pass uint64
			for _, wc := range e.Counters() {
				for _, l := range wc.Listens {
					pre += l.Counters.Pregreet.Load()
					pass += l.Counters.HoldPassed.Load()
				}
			}
			return pre == 1 && pass == 1
		})
	})
}

// TestScreen: listed is refused naming the zone, allowlisted skips the
// pregreet test, others pass once the lookup is done.
func TestScreen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		_, to := holdEngine(t, backend, map[string]*config.Value{
			"dnsbl_zones":    {Kind: config.KindArray, List: []string{"bl.test"}},
			"pregreet_delay": secVal(time.Second),
		})
		if got := dialFrom(t, "127.0.0.2", to).line(t); got != "BUSY dnsbl bl.test" {
			t.Fatalf("listed: %q", got)
		}
		allowed := dialFrom(t, "127.0.0.3", to)
		allowed.send(t, "early\n") // allowlisted: the pregreet test is skipped
		if a, b := allowed.line(t), allowed.line(t); a != "HELLO" || b != "early" {
			t.Fatalf("allowlisted: %q %q", a, b)
		}
		if got := dialFrom(t, "127.0.0.4", to).line(t); got != "HELLO" {
			t.Fatalf("unlisted: %q", got)
		}
	})
}
