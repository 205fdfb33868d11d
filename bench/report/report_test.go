package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/bench/load"
)

func TestStatOf(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{math.NaN()}, Stat{}},
		{[]float64{3}, Stat{3, 3, 3, 1}},
		{[]float64{5, 1, 3}, Stat{3, 1, 5, 3}},
		{[]float64{4, 1, 3, 2}, Stat{2.5, 1, 4, 4}},
		{[]float64{2, math.NaN(), 1}, Stat{1.5, 1, 2, 2}},
	} {
		if got := StatOf(c.in); got != c.want {
			t.Errorf("StatOf(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func run(cs, label string, round int, cpu, ops float64) *load.Result {
	return &load.Result{Case: cs, Scenario: load.Exec, Label: label, Round: round, Ops: 1000, OpsPerSec: ops,
		Server: &load.Server{CPUUsPerOp: cpu, MachineUsPerOp: 2 * cpu, CPUUtil: 0.9, SyscallsOp: 2}}
}

func sample() []*load.Result {
	var rs []*load.Result
	sink := []float64{70, 68, 100, 69, 71} // round 3 is 45% off the median: dropped
	for i, s := range sink {
		round := i + 1
		rs = append(rs,
			run(CaseKeptOpen, "smtp-sink", round, s, 14000),
			run(CaseKeptOpen, Candidate, round, s*0.5, 15000),
			run(CaseKeptOpen, EpollLabel, round, s*0.6, 15000),
			run(CaseKeptOpen, ShmLabel, round, s*0.7, 16000),
			run(CaseSession, "smtp-sink", round, 190, 5000),
			run(CaseSession, Candidate, round, 150, 5500))
	}
	idle := &load.Result{Case: CaseIdle, Scenario: load.IdleHold, Label: Candidate, Round: 1, Ops: 100000,
		Server: &load.Server{RSSPerConn: 2000, CPUUsPerOp: 30}}
	return append(rs, idle)
}

func TestAggregateAndTargets(t *testing.T) {
	rs := sample()
	cases := Aggregate(rs, "smtp-sink", []string{Candidate, EpollLabel, "smtp-sink"}, CaseOrder)
	if len(cases) != 3 || cases[0].Name != CaseKeptOpen || cases[2].Name != CaseIdle {
		t.Fatalf("cases %+v", cases)
	}
	ko := cases[0]
	if len(ko.DroppedRounds) != 1 || ko.DroppedRounds[0] != 3 {
		t.Fatalf("dropped %v", ko.DroppedRounds)
	}
	if ko.Rows[0].Label != Candidate || ko.Rows[2].Label != "smtp-sink" {
		t.Fatalf("order %v", ko.Rows)
	}
	r, _ := Find(cases, CaseKeptOpen, Candidate)
	if r.RatioToRef.N != 4 || math.Abs(r.RatioToRef.Median-0.5) > 1e-9 || r.CPUUsPerOp.Median != 35 {
		t.Fatalf("ratio %+v cpu %+v", r.RatioToRef, r.CPUUsPerOp)
	}
	ts := Targets(cases, rs, "smtp-sink")
	// durable kept/session (0.5, 0.79 ≤ 1), machine kept/session (same ratios),
	// tmpfs kept 0.7 > 0.67, tmpfs session not run, idle, epoll 1.2 ≤ 1.25.
	want := []string{"met", "met", "met", "met", "missed", "not measured", "not measured", "not measured", "not measured", "met", "met"}
	for i, tg := range ts {
		if tg.Status != want[i] {
			t.Errorf("target %q: %s (%+v), want %s", tg.Name, tg.Status, tg.Value, want[i])
		}
	}
	if e := ts[10].Value; math.Abs(e.Median-1.2) > 1e-9 || e.N != 5 {
		t.Fatalf("epoll pair ratio %+v", e)
	}
	if ts2 := Targets(nil, nil, "smtp-sink"); ts2[0].Status != "not measured" {
		t.Fatalf("empty targets %+v", ts2[0])
	}
}

func TestMarkdown(t *testing.T) {
	rs := sample()
	cases := Aggregate(rs, "smtp-sink", nil, nil)
	md := Markdown(Meta{Command: "scripts/bench.sh", Rounds: 5, Cases: map[string]string{CaseKeptOpen: "Kept open"},
		Notes: []string{"sluiced fsyncs"}}, cases, Targets(cases, rs, "smtp-sink"), "../bench/results")
	for _, want := range []string{"Command: `scripts/bench.sh`", "#### Kept open", "| sluice-uring | 15000 | 90% | 35.0 (34.0–50.0) | 70.0 (68.0–100.0) | 0.50 |",
		"Rounds [3] left out", "RSS per connection", "| sluice-uring | 0 | 2000 |", "](../bench/results/cpu.svg)", "- sluiced fsyncs", "| missed |", "| not measured |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestMainWritesEverything(t *testing.T) {
	raw, out := t.TempDir(), t.TempDir()
	for i, r := range sample() {
		b, _ := json.Marshal(r)
		os.WriteFile(filepath.Join(raw, strings.Repeat("r", i+1)+".json"), b, 0o644)
	}
	meta, _ := json.Marshal(Meta{Command: "x", Rounds: 5})
	os.WriteFile(filepath.Join(raw, "meta.json"), meta, 0o644)
	doc := filepath.Join(out, "docs", "performance.md")
	var so strings.Builder
	if err := Main([]string{"-raw", raw, "-out", filepath.Join(out, "results"), "-doc", doc}, &so, &so); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.json", "results.md", "cpu.svg", "ratio.svg", "throughput.svg", "rss.svg"} {
		if _, err := os.Stat(filepath.Join(out, "results", f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	cpu, _ := os.ReadFile(filepath.Join(out, "results", "cpu.svg"))
	ratio, _ := os.ReadFile(filepath.Join(out, "results", "ratio.svg"))
	// kept-open has 4 servers, session 2: the missing epoll session is no bar.
	if n := strings.Count(string(cpu), `class="bar"`); n != 6 {
		t.Errorf("cpu.svg has %d bars, want 6", n)
	}
	// ratios leave the reference out: 3 + 1 bars.
	if n := strings.Count(string(ratio), `class="bar"`); n != 4 || strings.Contains(string(ratio), CaseIdle) {
		t.Errorf("ratio.svg has %d bars (idle present: %v)", n, strings.Contains(string(ratio), CaseIdle))
	}
	d, _ := os.ReadFile(doc)
	if !strings.Contains(string(d), "## Peer comparison") || !strings.Contains(string(d), "](../results/cpu.svg)") {
		t.Fatalf("doc:\n%s", d)
	}
	var o Output
	b, _ := os.ReadFile(filepath.Join(out, "results", "results.json"))
	if err := json.Unmarshal(b, &o); err != nil || len(o.Cases) != 3 || len(o.Targets) != 11 {
		t.Fatalf("results.json: %v %+v", err, o)
	}
	if err := Main([]string{"-raw", t.TempDir()}, &so, &so); err == nil {
		t.Fatal("empty raw dir accepted")
	}
}

func TestUpdateDoc(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "perf.md")
	os.WriteFile(p, []byte("# Performance\n\nLead's text.\n\n## Peer comparison\n\n"+BeginMarker+"\nold\n"+EndMarker+"\n\n## Later\nkept\n"), 0o644)
	if err := UpdateDoc(p, "new table\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	want := "# Performance\n\nLead's text.\n\n## Peer comparison\n\n" + BeginMarker + "\nnew table\n" + EndMarker + "\n\n## Later\nkept\n"
	if string(b) != want {
		t.Fatalf("got:\n%s", b)
	}
	// No markers: appended once, then replaced in place.
	q := filepath.Join(dir, "other.md")
	os.WriteFile(q, []byte("# Perf\n"), 0o644)
	UpdateDoc(q, "a")
	UpdateDoc(q, "b")
	b, _ = os.ReadFile(q)
	if string(b) != "# Perf\n\n## Peer comparison\n\n"+BeginMarker+"\nb\n"+EndMarker+"\n" {
		t.Fatalf("got:\n%q", b)
	}
	os.WriteFile(q, []byte(BeginMarker+" only"), 0o644)
	if err := UpdateDoc(q, "c"); err == nil {
		t.Fatal("half-marked doc accepted")
	}
}

func TestTLSTargets(t *testing.T) {
	var rs []*load.Result
	for round := 1; round <= 3; round++ {
		rs = append(rs, run(CasePlainKeptOpen, Candidate, round, 40, 1), run(CaseTLSKeptOpen, Candidate, round, 48, 1),
			run(CaseTLSSession, Candidate, round, 900, 1), run(CaseTLSSession, "postfix-hold", round, 2700, 1))
	}
	ts := Targets(Aggregate(rs, "smtp-sink", nil, nil), rs, "smtp-sink")
	if ts[6].Value.Median != 1.2 || ts[6].Status != "met" || ts[7].Status != "missed" {
		t.Fatalf("TLS targets %+v / %+v", ts[6], ts[7]) // 900/2700 = 0.333… misses 0.33
	}
}

func TestScaleTable(t *testing.T) {
	mk := func(label string, ops float64) *load.Result {
		return &load.Result{Case: "scale-kept-open-1k", Scenario: "exec", Label: label, Round: 1, Ops: 1000,
			OpsPerSec: ops, Server: &load.Server{CPUUsPerOp: 40}}
	}
	cases := Aggregate([]*load.Result{mk("sluice-uring-w1", 10000), mk("sluice-uring-w2", 18000), mk("sluice-uring-w4", 30000)}, "smtp-sink", nil, nil)
	md := Markdown(Meta{}, cases, nil, "")
	for _, want := range []string{"| 1 | 10000 | 10000 | 1.00 |", "| 2 | 18000 | 9000 | 0.90 |", "| 4 | 30000 | 7500 | 0.75 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("scaling table lacks %q:\n%s", want, md)
		}
	}
	if workersOf("sluice-uring") != 0 || workersOf("x-w0") != 0 || workersOf("x-w12") != 12 {
		t.Error("workersOf")
	}
}
