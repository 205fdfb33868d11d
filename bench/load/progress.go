package load

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// startBar draws a one-line progress bar until the returned stop is called.
func startBar(c *Config, w io.Writer, l *loop) (stop func()) {
	if !c.Progress || w == nil {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r"+strings.Repeat(" ", 78)+"\r")
				return
			case <-t.C:
				el := time.Since(l.start)
				fmt.Fprint(w, "\r"+Bar(fraction(c, el, l.done.Load()), 30)+
					fmt.Sprintf(" %s %d ops %.0f ops/s %d err ", c.Scenario, l.done.Load(),
						float64(l.done.Load())/el.Seconds(), l.errs.Load()))
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func fraction(c *Config, elapsed time.Duration, done int64) float64 {
	f := 0.0
	if c.Duration > 0 {
		f = elapsed.Seconds() / c.Duration.Seconds()
	}
	if c.Ops > 0 {
		f = max(f, float64(done)/float64(c.Ops))
	}
	return min(f, 1)
}

// Bar renders f (0..1) as "[#####.....] 50%" with width cells.
func Bar(f float64, width int) string {
	f = min(max(f, 0), 1)
	n := int(f*float64(width) + 0.5)
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat(".", width-n), f*100)
}
