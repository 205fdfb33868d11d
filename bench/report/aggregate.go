// Package report turns the per-run JSON files written by sluice-bench into
// the comparison: medians (min-max) over rounds per case and server, ratios
// to the reference server of the same round, the targets, a
// Markdown table, SVG charts, and the generated section of
// docs/performance.md. It reads files and writes files; it keeps no state.
package report

import (
	"math"
	"slices"
	"sort"

	"sluice/bench/load"
)

// Stat is a median with the spread of the rounds.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// StatOf summarises xs (NaNs dropped); zero Stat when empty.
func StatOf(xs []float64) Stat {
	v := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(v) == 0 {
		return Stat{}
	}
	sort.Float64s(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return Stat{Median: m, Min: v[0], Max: v[len(v)-1], N: len(v)}
}

// Row is one server in one case.
type Row struct {
	Label       string `json:"label"`
	Rounds      int    `json:"rounds"`
	Errors      int64  `json:"errors"`
	OpsPerSec   Stat   `json:"ops_per_s"`
	CPUUsPerOp  Stat   `json:"cpu_us_per_op"`
	MachineUsOp Stat   `json:"machine_us_per_op"` // every core, less the client
	CPUUtil     Stat   `json:"cpu_util"`
	SyscallsOp  Stat   `json:"syscalls_per_op"`
	CtxSwitchOp Stat   `json:"ctx_switches_per_op"`
	RatioToRef  Stat   `json:"cpu_ratio_to_ref"` // per-round CPU/op ÷ the reference's
	RSSPerConn  Stat   `json:"rss_per_conn_bytes"`
	P50Us       Stat   `json:"p50_us"`
	P99Us       Stat   `json:"p99_us"`
	P999Us      Stat   `json:"p99_9_us"`
}

// Case is every server's figures for one case.
type Case struct {
	Name          string `json:"case"`
	Scenario      string `json:"scenario"`
	Ref           string `json:"reference,omitempty"`
	DroppedRounds []int  `json:"dropped_rounds,omitempty"` // reference off its median by >15%
	Rows          []Row  `json:"rows"`
}

// RefTolerance: a round whose reference CPU/op is further than this from
// the reference's median is left out of the ratios (performance-anchors §7.5).
const RefTolerance = 0.15

// Aggregate groups results by case and label. Labels follow order and
// cases follow caseOrder; names not listed come after, sorted.
func Aggregate(results []*load.Result, ref string, order, caseOrder []string) []Case {
	byCase := map[string][]*load.Result{}
	for _, r := range results {
		byCase[r.Case] = append(byCase[r.Case], r)
	}
	names := labelOrder(byCase, caseOrder)
	out := make([]Case, 0, len(names))
	for _, n := range names {
		out = append(out, aggregateCase(n, byCase[n], ref, order))
	}
	return out
}

func aggregateCase(name string, rs []*load.Result, ref string, order []string) Case {
	c := Case{Name: name, Scenario: rs[0].Scenario}
	byLabel := map[string][]*load.Result{}
	for _, r := range rs {
		byLabel[r.Label] = append(byLabel[r.Label], r)
	}
	refCPU := map[int]float64{}
	if refRuns, ok := byLabel[ref]; ok {
		c.Ref = ref
		med := StatOf(collect(refRuns, cpuPerOp)).Median
		for _, r := range refRuns {
			v := cpuPerOp(r)
			if med > 0 && math.Abs(v-med)/med > RefTolerance {
				c.DroppedRounds = append(c.DroppedRounds, r.Round)
				continue
			}
			refCPU[r.Round] = v
		}
	}
	for _, label := range labelOrder(byLabel, order) {
		runs := byLabel[label]
		row := Row{Label: label, Rounds: len(runs),
			OpsPerSec:   StatOf(collect(runs, func(r *load.Result) float64 { return r.OpsPerSec })),
			CPUUsPerOp:  StatOf(collect(runs, cpuPerOp)),
			MachineUsOp: StatOf(collect(runs, server(func(s *load.Server) float64 { return s.MachineUsPerOp }))),
			CPUUtil:     StatOf(collect(runs, server(func(s *load.Server) float64 { return s.CPUUtil }))),
			SyscallsOp:  StatOf(collect(runs, server(func(s *load.Server) float64 { return s.SyscallsOp }))),
			CtxSwitchOp: StatOf(collect(runs, server(func(s *load.Server) float64 { return s.CtxSwitchOp }))),
			RSSPerConn:  StatOf(collect(runs, server(func(s *load.Server) float64 { return s.RSSPerConn }))),
			P50Us:       StatOf(collect(runs, latency(func(r *load.Result) float64 { return r.Latency.P50Us }))),
			P99Us:       StatOf(collect(runs, latency(func(r *load.Result) float64 { return r.Latency.P99Us }))),
			P999Us:      StatOf(collect(runs, latency(func(r *load.Result) float64 { return r.Latency.P999Us }))),
		}
		var ratios []float64
		for _, r := range runs {
			row.Errors += r.Errors
			if base, ok := refCPU[r.Round]; ok && base > 0 {
				ratios = append(ratios, cpuPerOp(r)/base)
			}
		}
		row.RatioToRef = StatOf(ratios)
		c.Rows = append(c.Rows, row)
	}
	return c
}

// labelOrder lists the keys of byLabel: those in order first, in that
// order, then the rest sorted.
func labelOrder(byLabel map[string][]*load.Result, order []string) []string {
	var out, rest []string
	for _, l := range order {
		if _, ok := byLabel[l]; ok {
			out = append(out, l)
		}
	}
	for l := range byLabel {
		if !slices.Contains(out, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func collect(rs []*load.Result, f func(*load.Result) float64) []float64 {
	out := make([]float64, 0, len(rs))
	for _, r := range rs {
		out = append(out, f(r))
	}
	return out
}

// cpuPerOp is NaN when the run measured no server.
func cpuPerOp(r *load.Result) float64 {
	if r.Server == nil || r.Ops == 0 {
		return math.NaN()
	}
	return r.Server.CPUUsPerOp
}

func server(f func(*load.Server) float64) func(*load.Result) float64 {
	return func(r *load.Result) float64 {
		if r.Server == nil {
			return math.NaN()
		}
		if v := f(r.Server); v != 0 {
			return v
		}
		return math.NaN()
	}
}

// latency is NaN for runs without a histogram (external clients).
func latency(f func(*load.Result) float64) func(*load.Result) float64 {
	return func(r *load.Result) float64 {
		if r.Latency.Count == 0 {
			return math.NaN()
		}
		return f(r)
	}
}

// Find returns the row of label in case name.
func Find(cases []Case, name, label string) (Row, bool) {
	for _, c := range cases {
		if c.Name != name {
			continue
		}
		for _, r := range c.Rows {
			if r.Label == label {
				return r, true
			}
		}
	}
	return Row{}, false
}
