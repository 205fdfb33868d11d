// Package svg writes grouped bar charts as standalone SVG files: one group
// of bars per category (a scenario, a percentile), one bar per series (a
// server), optional min-max whiskers and an optional horizontal reference
// line (a target ratio). It is self-contained so the charts need no
// plotting library; all text is XML-escaped.
//
// A Chart is a plain value; WriteSVG does not keep or modify it.
package svg

import (
	"errors"
	"fmt"
	"html"
	"math"
	"strconv"
)

// Series is one bar per category. Lo and Hi, when set, have the same length
// as Values and draw a whisker from Lo to Hi (the spread of the rounds). A
// NaN value means "not measured": no bar, no label, no whisker.
type Series struct {
	Name   string
	Color  string // default: Palette by position
	Values []float64
	Lo, Hi []float64
}

// Chart is a grouped bar chart.
type Chart struct {
	Title      string
	YLabel     string
	Categories []string
	Series     []Series
	RefLine    float64 // drawn when > 0
	RefLabel   string
	Width      int // default: wide enough for the bars, at least 760
	Height     int // default 420
}

// Palette colours series in order (colour-blind safe, Okabe-Ito).
var Palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

func (c *Chart) validate() error {
	if len(c.Categories) == 0 || len(c.Series) == 0 {
		return errors.New("svg: chart needs at least one category and one series")
	}
	for _, s := range c.Series {
		n := len(c.Categories)
		if len(s.Values) != n || (s.Lo != nil && len(s.Lo) != n) || (s.Hi != nil && len(s.Hi) != n) {
			return fmt.Errorf("svg: series %q has %d values for %d categories", s.Name, len(s.Values), n)
		}
		for i, v := range append(append(append([]float64{}, s.Values...), s.Lo...), s.Hi...) {
			if math.IsNaN(v) && !math.IsNaN(s.Values[i%n]) {
				return fmt.Errorf("svg: series %q has a NaN whisker on a measured bar", s.Name)
			}
			if math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("svg: series %q has value %v; bars need finite values >= 0", s.Name, v)
			}
		}
	}
	return nil
}

// NiceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, so axis
// ticks land on round numbers.
func NiceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v*(1-1e-12) {
			return m * p
		}
	}
	return 10 * p
}

func (c *Chart) yMax() float64 {
	m := c.RefLine
	for _, s := range c.Series {
		for i, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			m = math.Max(m, v)
			if s.Hi != nil {
				m = math.Max(m, s.Hi[i])
			}
		}
	}
	return NiceCeil(m * 1.08)
}

// Label formats a value compactly for bar labels and ticks.
func Label(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 100 || a == math.Trunc(a):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func esc(s string) string { return html.EscapeString(s) }

func (s *Series) color(j int) string {
	if s.Color != "" {
		return s.Color
	}
	return Palette[j%len(Palette)]
}
