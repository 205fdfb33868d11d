package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"sluice/bench/svg"
)

type metric func(Row) Stat

// colours gives each server the same colour in every chart.
type colours map[string]string

func (c colours) of(label string) string {
	if v, ok := c[label]; ok {
		return v
	}
	c[label] = svg.Palette[len(c)%len(svg.Palette)]
	return c[label]
}

// Charts writes the SVG charts into dir and returns their file names.
func Charts(cases []Case, ref, dir string) ([]string, error) {
	var ops, idle []Case
	palette := colours{}
	for _, c := range cases {
		for _, r := range c.Rows {
			palette.of(r.Label) // first-seen order over all cases
		}
		if c.Scenario == "idle-hold" {
			idle = append(idle, c)
		} else {
			ops = append(ops, c)
		}
	}
	var charts = map[string]*svg.Chart{}
	if len(ops) > 0 {
		charts["cpu.svg"] = chart(palette, "Server CPU per operation (median, min–max)", "µs CPU / op", ops, "",
			func(r Row) Stat { return r.CPUUsPerOp })
		var withRef []Case
		for _, c := range ops {
			if c.Ref != "" {
				withRef = append(withRef, c)
			}
		}
		if r := chart(palette, "Server CPU per operation ÷ "+ref+" (same round)", "ratio", withRef, ref,
			func(r Row) Stat { return r.RatioToRef }); r != nil {
			r.RefLine, r.RefLabel = 0.67, "target ≤ 0.67×"
			charts["ratio.svg"] = r
		}
		charts["throughput.svg"] = chart(palette, "Throughput (median, min–max)", "ops/s", ops, "",
			func(r Row) Stat { return r.OpsPerSec })
	}
	if len(idle) > 0 {
		c := chart(palette, "Server RSS per idle connection", "bytes", idle, "", func(r Row) Stat { return r.RSSPerConn })
		if c != nil {
			c.RefLine, c.RefLabel = 2560, "target ≤ 2.5 KiB"
			charts["rss.svg"] = c
		}
	}
	for _, c := range ops {
		if lc := latencyChart(palette, c); lc != nil {
			charts["latency-"+c.Name+".svg"] = lc
		}
	}
	var names []string
	for name, c := range charts {
		if c == nil {
			continue
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return names, fmt.Errorf("report: %w", err)
		}
		err = c.WriteSVG(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return names, fmt.Errorf("report: %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// chart builds one bar per (case, label); skip leaves a label out (the
// reference in a ratio chart). Nil when no case has data.
func chart(palette colours, title, ylabel string, cases []Case, skip string, m metric) *svg.Chart {
	var labels []string
	for _, c := range cases {
		for _, r := range c.Rows {
			if r.Label != skip && !contains(labels, r.Label) {
				labels = append(labels, r.Label)
			}
		}
	}
	if len(cases) == 0 {
		return nil
	}
	ch := &svg.Chart{Title: title, YLabel: ylabel}
	for _, c := range cases {
		ch.Categories = append(ch.Categories, c.Name)
	}
	any := false
	for _, l := range labels {
		s := svg.Series{Name: l, Color: palette.of(l)}
		for _, c := range cases {
			st := Stat{}
			for _, r := range c.Rows {
				if r.Label == l {
					st = m(r)
				}
			}
			if st.N == 0 { // not measured: no bar rather than a zero
				st = Stat{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
			}
			any = any || st.N > 0
			s.Values, s.Lo, s.Hi = append(s.Values, st.Median), append(s.Lo, st.Min), append(s.Hi, st.Max)
		}
		ch.Series = append(ch.Series, s)
	}
	if !any {
		return nil
	}
	return ch
}

func latencyChart(palette colours, c Case) *svg.Chart {
	ch := &svg.Chart{Title: "Latency, " + c.Name + " (median over rounds)", YLabel: "µs",
		Categories: []string{"p50", "p99", "p99.9"}}
	for _, r := range c.Rows {
		if r.P50Us.N == 0 {
			continue
		}
		ch.Series = append(ch.Series, svg.Series{Name: r.Label, Color: palette.of(r.Label),
			Values: []float64{r.P50Us.Median, r.P99Us.Median, r.P999Us.Median}})
	}
	if len(ch.Series) == 0 {
		return nil
	}
	return ch
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
