package daemon

import (
	"math"
	"strings"
	"testing"
	"time"

	"sluice/proto/control"
)

// TestRatesWindow: the current rate is measured over the samples kept (at
// most a minute), not since the last reset.
func TestRatesWindow(t *testing.T) {
	var r rates
	t0 := time.Unix(1000, 0)
	if a, b := r.current(rateSample{at: t0}); a != 0 || b != 0 {
		t.Fatal("rates without samples")
	}
	// 100 msg/s for two minutes, then 10 msg/s for one minute.
	n := uint64(0)
	for s := 0; s <= 180; s += 5 {
		r.add(rateSample{at: t0.Add(time.Duration(s) * time.Second), received: n, rejected: n / 10})
		if s < 120 {
			n += 500
		} else {
			n += 50
		}
	}
	recv, rej := r.current(rateSample{at: t0.Add(185 * time.Second), received: n, rejected: n / 10})
	if math.Abs(recv-10) > 0.01 || math.Abs(rej-1) > 0.2 {
		t.Fatalf("current rates %.2f %.2f, want 10 and ~1 (the last minute only)", recv, rej)
	}
}

// TestSummaryUnits: the console summary prints a unit on every line and the
// current rates next to the averages.
func TestSummaryUnits(t *testing.T) {
	td, _, _ := startConsole(t, "epoll")
	c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := do(t, c, "summary")
	for _, want := range []string{"Reception Rate:", "msg/s (average since reset)", "Current Reception Rate:",
		"msg/s (last minute)", "Rejection Percentage:", " %\n", "Uptime:", "Inbound Concurrency:     1 connections"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	js := do(t, c, "json summary")
	if !strings.Contains(js, `"CurrentReceptionRate":`) {
		t.Errorf("json summary: %s", js)
	}
}
