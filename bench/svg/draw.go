package svg

import (
	"bufio"
	"fmt"
	"io"
	"math"
)

const (
	marginL, marginR, marginT, marginB = 70, 20, 60, 70
	ticks                              = 5
)

// WriteSVG renders the chart.
func (c *Chart) WriteSVG(w io.Writer) error {
	if err := c.validate(); err != nil {
		return err
	}
	W, H := c.Width, c.Height
	if W == 0 {
		W = max(760, marginL+marginR+len(c.Categories)*(len(c.Series)*26+24))
	}
	if H == 0 {
		H = 420
	}
	bw := bufio.NewWriter(w)
	pw, ph := float64(W-marginL-marginR), float64(H-marginT-marginB)
	top := c.yMax()
	y := func(v float64) float64 { return float64(marginT) + ph*(1-v/top) }

	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(bw, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", marginL, esc(c.Title))
	c.axes(bw, pw, ph, top, y)
	c.bars(bw, pw, y)
	c.legend(bw, W)
	if c.RefLine > 0 {
		fmt.Fprintf(bw, `<line class="ref" x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#C00" stroke-dasharray="6 4"/>`+"\n",
			marginL, float64(marginL)+pw, y(c.RefLine), y(c.RefLine))
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" fill="#C00" text-anchor="end">%s</text>`+"\n",
			float64(marginL)+pw-4, y(c.RefLine)-4, esc(c.RefLabel))
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

func (c *Chart) axes(bw *bufio.Writer, pw, ph, top float64, y func(float64) float64) {
	for i := 0; i <= ticks; i++ {
		v := top * float64(i) / ticks
		fmt.Fprintf(bw, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginL, float64(marginL)+pw, y(v), y(v))
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginL-6, y(v)+4, Label(v))
	}
	fmt.Fprintf(bw, `<line x1="%d" x2="%d" y1="%d" y2="%.1f" stroke="#333"/>`+"\n", marginL, marginL, marginT, float64(marginT)+ph)
	fmt.Fprintf(bw, `<text transform="translate(16,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n",
		float64(marginT)+ph/2, esc(c.YLabel))
	gw := pw / float64(len(c.Categories))
	for i, cat := range c.Categories {
		x, y := float64(marginL)+gw*(float64(i)+0.5), float64(marginT)+ph+16
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-20 %.1f %.1f)">%s</text>`+"\n",
			x+20, y, x+20, y, esc(cat))
	}
}

func (c *Chart) bars(bw *bufio.Writer, pw float64, y func(float64) float64) {
	gw := pw / float64(len(c.Categories))
	barW := gw * 0.8 / float64(len(c.Series))
	for i := range c.Categories {
		x0 := float64(marginL) + gw*float64(i) + gw*0.1
		for j := range c.Series {
			s := &c.Series[j]
			x := x0 + barW*float64(j)
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			fmt.Fprintf(bw, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`+"\n",
				x, y(v), barW*0.92, y(0)-y(v), s.color(j), esc(s.Name), Label(v))
			if s.Lo != nil && s.Hi != nil {
				cx := x + barW*0.46
				fmt.Fprintf(bw, `<line class="whisker" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", cx, cx, y(s.Lo[i]), y(s.Hi[i]))
			}
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%s</text>`+"\n",
				x+barW*0.46, y(v)-3, Label(v))
		}
	}
}

func (c *Chart) legend(bw *bufio.Writer, W int) {
	x := float64(marginL)
	for j, s := range c.Series {
		fmt.Fprintf(bw, `<rect x="%.1f" y="34" width="12" height="12" fill="%s"/>`, x, s.color(j))
		fmt.Fprintf(bw, `<text x="%.1f" y="45">%s</text>`+"\n", x+16, esc(s.Name))
		x += 24 + 7*float64(len(s.Name))
		if x > float64(W-100) {
			break // no room: the bar tooltips still name the series
		}
	}
}
