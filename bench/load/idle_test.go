package load

import (
	"context"
	"crypto/tls"
	"net/netip"
	"os"
	"testing"
)

func TestSourceFor(t *testing.T) {
	first := netip.MustParseAddr("127.0.1.250")
	for i, want := range map[int]string{0: "127.0.1.250", 9: "127.0.1.250", 10: "127.0.1.251", 60: "127.0.2.0"} {
		if got := SourceFor(first, i, 10); got.String() != want {
			t.Errorf("SourceFor(%d) = %v, want %s", i, got, want)
		}
	}
}

func TestIdleHoldSpreadsSources(t *testing.T) {
	s := startFakeSMTP(t)
	c := testConfig(IdleHold, s.addr())
	c.Conns, c.PerSource, c.SourceNet, c.Settle, c.ServerPID = 300, 100, "127.0.3.1", 0, os.Getpid()
	res, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 300 || res.Latency.Count != 300 || res.Server == nil || res.Server.RSSAfter == 0 {
		t.Fatalf("result %+v server %+v", res, res.Server)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ip := range []string{"127.0.3.1", "127.0.3.2", "127.0.3.3"} {
		if s.sources[ip] != 100 {
			t.Fatalf("sources %v", s.sources)
		}
	}
}

func TestIdleHoldArguments(t *testing.T) {
	for _, mut := range []func(*Config){
		func(c *Config) { c.Addr = "[::1]:25" },
		func(c *Config) { c.SourceNet = "10.0.0.1" },
		func(c *Config) { c.SourceNet, c.Conns, c.PerSource = "127.255.255.255", 10, 1 },
	} {
		c := testConfig(IdleHold, "127.0.0.1:1")
		mut(&c)
		if _, err := Run(context.Background(), c, nil); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// With -starttls every held connection has upgraded before it goes idle.
func TestIdleHoldStartTLS(t *testing.T) {
	s := startFakeSMTP(t)
	s.tlsConf = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	c := testConfig(IdleHold, s.addr())
	c.Conns, c.PerSource, c.SourceNet, c.Settle, c.ServerPID = 60, 100, "127.0.3.1", 0, os.Getpid()
	c.StartTLS = TLSFull
	res, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 60 || s.tlsUp.Load() != 60 {
		t.Fatalf("held %d, %d upgraded", res.Ops, s.tlsUp.Load())
	}
}
