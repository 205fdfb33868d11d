package report

import (
	"fmt"
	"strings"
)

// Meta is written by scripts/bench.sh next to the raw results.
type Meta struct {
	Command string            `json:"command"`
	Machine string            `json:"machine"`
	Rounds  int               `json:"rounds"`
	Cases   map[string]string `json:"cases"` // case name -> description
	Notes   []string          `json:"notes"`
}

// Markdown renders the targets, one table per case, and the notes.
func Markdown(m Meta, cases []Case, targets []Target, chartDir string) string {
	var b strings.Builder
	if m.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`", m.Command)
		if m.Machine != "" {
			fmt.Fprintf(&b, " on %s", m.Machine)
		}
		fmt.Fprintf(&b, ". Medians (min–max) over %d interleaved rounds.\n\n", m.Rounds)
	}
	b.WriteString("| target | measured | limit | status |\n| --- | --- | --- | --- |\n")
	for _, t := range targets {
		prec := 2
		if t.Unit == "B" {
			prec = 0
		}
		fmt.Fprintf(&b, "| %s | %s %s | ≤ %g %s | %s |\n", t.Name, fmtStat(t.Value, prec), t.Unit, t.Limit, t.Unit, t.Status)
	}
	for _, c := range cases {
		desc := m.Cases[c.Name]
		if desc == "" {
			desc = c.Name
		}
		fmt.Fprintf(&b, "\n#### %s\n\n", desc)
		switch {
		case c.Scenario == "idle-hold":
			idleTable(&b, c)
		case strings.HasPrefix(c.Name, ScalePrefix):
			scaleTable(&b, c)
		default:
			opsTable(&b, c)
		}
		if len(c.DroppedRounds) > 0 {
			fmt.Fprintf(&b, "\nRounds %v left out of the ratios: %s was more than %.0f%% off its median.\n",
				c.DroppedRounds, c.Ref, RefTolerance*100)
		}
	}
	if chartDir != "" {
		fmt.Fprintf(&b, "\nCharts: [CPU per operation](%[1]s/cpu.svg), [ratio to the reference](%[1]s/ratio.svg), "+
			"[throughput](%[1]s/throughput.svg).\n", chartDir)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "\n- %s", n)
	}
	if len(m.Notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

func opsTable(b *strings.Builder, c Case) {
	ref := c.Ref
	if ref == "" {
		ref = "reference"
	}
	fmt.Fprintf(b, "| server | ops/s | server CPU | µs CPU/op | machine µs/op | × %s (same round) | syscalls/op | ctx-sw/op | p50 / p99 / p99.9 µs | errors |\n", ref)
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range c.Rows {
		lat := "—"
		if r.P50Us.N > 0 {
			lat = fmt.Sprintf("%.0f / %.0f / %.0f", r.P50Us.Median, r.P99Us.Median, r.P999Us.Median)
		}
		util := "—"
		if r.CPUUtil.N > 0 {
			util = fmt.Sprintf("%.0f%%", 100*r.CPUUtil.Median)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", r.Label, fmtStat(r.OpsPerSec, 0), util,
			fmtStat(r.CPUUsPerOp, 1), fmtStat(r.MachineUsOp, 1), fmtStat(r.RatioToRef, 2), fmtStat(r.SyscallsOp, 2), fmtStat(r.CtxSwitchOp, 3), lat, r.Errors)
	}
}

func idleTable(b *strings.Builder, c Case) {
	b.WriteString("| server | connections/s while opening | RSS per connection (bytes) | µs CPU per connection (accept + banner) | errors |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, r := range c.Rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d |\n", r.Label, fmtStat(r.OpsPerSec, 0), fmtStat(r.RSSPerConn, 0),
			fmtStat(r.CPUUsPerOp, 1), r.Errors)
	}
}
