package load

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSMTPScenarios(t *testing.T) {
	for _, tc := range []struct {
		scenario   string
		pipelining bool
		msgs, sess int64
	}{
		{SMTPKeepalive, false, 200, 4},
		{SMTPKeepalive, true, 200, 4},
		{SMTPSession, false, 200, 200},
		{SMTPSession, true, 200, 200},
		{ConnRate, false, 0, 200},
	} {
		s := startFakeSMTP(t)
		c := testConfig(tc.scenario, s.addr())
		c.Ops, c.Pipelining, c.ServerPID = 200, tc.pipelining, os.Getpid()
		res, err := Run(context.Background(), c, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.scenario, err)
		}
		if res.Ops != 200 || res.Errors != 0 || res.Latency.Count != 200 {
			t.Fatalf("%s: ops %d errors %d (%s) latencies %d", tc.scenario, res.Ops, res.Errors, res.FirstError, res.Latency.Count)
		}
		time.Sleep(20 * time.Millisecond) // let the fake count the last QUITs
		if s.msgs.Load() != tc.msgs || s.sessions.Load() != tc.sess {
			t.Fatalf("%s pipelining=%v: server saw %d messages in %d sessions, want %d in %d",
				tc.scenario, tc.pipelining, s.msgs.Load(), s.sessions.Load(), tc.msgs, tc.sess)
		}
		if res.Server == nil || res.Server.PID != os.Getpid() || res.Server.RSSAfter == 0 || res.Mode != "closed" {
			t.Fatalf("%s: server figures %+v mode %s", tc.scenario, res.Server, res.Mode)
		}
	}
}

func TestRejectedRecipientCountsAsError(t *testing.T) {
	s := startFakeSMTP(t)
	s.failRCPT = true
	c := testConfig(SMTPKeepalive, s.addr())
	c.Ops = 10
	res, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 0 || res.Errors != 10 || !strings.Contains(res.FirstError, "550") {
		t.Fatalf("ops %d errors %d first %q", res.Ops, res.Errors, res.FirstError)
	}
}

func TestOpenLoopKeepsTheSchedule(t *testing.T) {
	s := startFakeSMTP(t)
	c := testConfig(SMTPKeepalive, s.addr())
	c.Rate, c.Duration = 100, 500*time.Millisecond
	res, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 100/s schedules op i at i/100 s; none may run before its due time, so
	// a run that lasted res.Seconds did at most 100·res.Seconds + 1 ops (the
	// run can overrun 0.5 s on a busy machine, never start ops early).
	if limit := int64(c.Rate*res.Seconds) + 1; res.Ops > limit || res.Ops < 1 || res.Mode != "open" {
		t.Fatalf("open loop did %d ops (mode %s)", res.Ops, res.Mode)
	}
}

type countingDoer struct {
	n      *atomic.Int64
	failAt int64
}

func (d *countingDoer) Do() (int, error) {
	if d.n.Add(1) == d.failAt {
		return 0, errors.New("boom")
	}
	return 3, nil
}
func (d *countingDoer) Close() error { return nil }

func TestRunLoopRedialsAfterError(t *testing.T) {
	var calls, dials atomic.Int64
	f := func(int) (Doer, error) { dials.Add(1); return &countingDoer{n: &calls, failAt: 5}, nil }
	c := testConfig(SMTPKeepalive, "unused:1")
	c.Ops, c.Conns = 20, 1
	res, err := RunLoop(context.Background(), &c, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 20 claimed ops, one failed: 19 Do calls counted 3 each.
	if res.Ops != 19*3 || res.Errors != 1 || res.FirstError != "boom" || dials.Load() != 2 {
		t.Fatalf("ops %d errors %d %q dials %d", res.Ops, res.Errors, res.FirstError, dials.Load())
	}
}

func TestDeadServerStopsTheRun(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := testConfig(SMTPKeepalive, addr)
	c.Ops = 10
	if _, err := Run(context.Background(), c, nil); err == nil {
		t.Fatal("no error for a closed port")
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(*Config){
		"scenario":     func(c *Config) { c.Scenario = "nope" },
		"exec no cmd":  func(c *Config) { c.Scenario, c.Ops = Exec, 1 },
		"exec no ops":  func(c *Config) { c.Scenario, c.Command = Exec, []string{"true"} },
		"addr":         func(c *Config) { c.Addr = "" },
		"conns":        func(c *Config) { c.Conns = 0 },
		"no stop":      func(c *Config) { c.Duration, c.Ops = 0, 0 },
		"rate":         func(c *Config) { c.Rate = -1 },
		"size":         func(c *Config) { c.Size = -1 },
		"batch":        func(c *Config) { c.Scenario, c.Batch = ECStream, 0 },
		"per-source":   func(c *Config) { c.Scenario, c.PerSource = IdleHold, 0 },
		"timeout zero": func(c *Config) { c.Timeout = 0 },
	}
	for name, mut := range bad {
		c := Defaults()
		mut(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "load: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBar(t *testing.T) {
	if got := Bar(0.5, 10); got != "[#####.....]  50%" {
		t.Fatalf("%q", got)
	}
	if got := Bar(2, 4); got != "[####] 100%" {
		t.Fatalf("%q", got)
	}
}

func TestExec(t *testing.T) {
	c := testConfig(Exec, "")
	c.Command, c.Ops, c.ServerPID = []string{"true"}, 10, os.Getpid()
	res, err := Run(context.Background(), c, nil)
	if err != nil || res.Ops != 10 || res.Server == nil {
		t.Fatalf("%+v %v", res, err)
	}
	c.Command = []string{"false"}
	if _, err := Run(context.Background(), c, nil); err == nil {
		t.Fatal("failing client not reported")
	}
}
