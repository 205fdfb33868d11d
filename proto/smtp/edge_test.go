package smtp

import (
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
	"sluice/throttle"
)

func throttled(n int64) *config.Value {
	return &config.Value{Kind: config.KindThrottle, Int: n, Dur: time.Minute, Scope: "esmtp_listener"}
}

func limitedFactory(tb *throttle.Table) *Factory {
	return NewFactory(FactoryOptions{Hostname: "mx.test", Logger: quiet, Messages: throttle.Policy{L: tb}})
}

// TestMessageRate: the third MAIL in the window is answered 450 4.7.1 and
// starts no transaction; RCPT after it is out of sequence.
func TestMessageRate(t *testing.T) {
	p := policy(enh...)
	vals := map[string]*config.Value{"inbound_throttle_messages": throttled(2)}
	for _, k := range p.Names() {
		v, _ := p.Value(k)
		vals[k] = v
	}
	p = config.NewPolicy("ESMTP_Listener", tListen, vals)
	s, h := mk(limitedFactory(throttle.New(0)), p, tRemote)()
	s.Start(nil)
	tx := "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRSET\r\n"
	_, out, _ := s.Feed([]byte(tx+tx+tx), nil)
	_ = h
	got := string(out)
	if strings.Count(got, "MAIL FROM accepted") != 2 || !strings.Contains(got, "450 4.7.1 Error: too much mail from 192.0.2.7\r\n503") {
		t.Fatalf("replies:\n%s", got)
	}
}

func TestRefuseRate(t *testing.T) {
	c := &proto.ConnInfo{Policy: policy(), Remote: mustAddrPort(tRemote)}
	if got := string(testFactory().Refuse(c, proto.RefuseRate, nil)); got != "421 4.7.0 mx.test Error: too many connections from 192.0.2.7\r\n" {
		t.Fatalf("refuse: %q", got)
	}
}

// BenchmarkTransactionLimits: one kept-alive 1 KiB message per op with
// Inbound_Throttle_Messages off and on (a limit never reached, so every
// MAIL pays the lookup), in one run.
func BenchmarkTransactionLimits(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			p := policy("max_message_size", 10<<20)
			f := testFactory()
			if on {
				vals := map[string]*config.Value{"inbound_throttle_messages": throttled(1 << 40)}
				for _, k := range p.Names() {
					v, _ := p.Value(k)
					vals[k] = v
				}
				p = config.NewPolicy("ESMTP_Listener", tListen, vals)
				f = limitedFactory(throttle.New(0))
			}
			h := &nopHost{}
			c := &proto.ConnInfo{Listener: "ESMTP_Listener", Listen: tListen, Policy: p, Generation: 1, Remote: mustAddrPort(tRemote)}
			s := f.NewSession(c, h).(*session)
			s.Start(nil)
			out := make([]byte, 0, 4096)
			b.SetBytes(int64(len(benchTx)))
			b.ReportAllocs()
			for b.Loop() {
				out = runTx(b, s, out)
			}
		})
	}
}

// TestMessageRateTarpit: with Inbound_Throttle_Tarpit the 450 comes after
// the delay (the session suspends on a Host.Go); what was pipelined behind
// the MAIL is answered after it, in order.
func TestMessageRateTarpit(t *testing.T) {
	p := policy(enh...)
	vals := map[string]*config.Value{"inbound_throttle_messages": throttled(1),
		"inbound_throttle_tarpit": {Kind: config.KindSeconds, Dur: time.Second}}
	for _, k := range p.Names() {
		v, _ := p.Value(k)
		vals[k] = v
	}
	p = config.NewPolicy("ESMTP_Listener", tListen, vals)
	s, h := mk(limitedFactory(throttle.New(0)), p, tRemote)()
	tx := "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRSET\r\n"
	start := time.Now()
	res, err := prototest.Run(s, h, []byte(tx+tx))
	if err != nil {
		t.Fatal(err)
	}
	got := string(res.Out)
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("450 after %v, before the tarpit", d)
	}
	if !strings.Contains(got, "250 2.0.0 OK\r\n450 4.7.1 Error: too much mail from 192.0.2.7\r\n503") {
		t.Fatalf("replies:\n%s", got)
	}
}
