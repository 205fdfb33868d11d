package spool

import "os"

// prepare starts creating the next segment in the background.
func (w *Writer) prepare() {
	if w.preparing {
		return
	}
	w.preparing = true
	w.s.bg.Add(1)
	go func() {
		defer w.s.bg.Done()
		g, err := w.s.newSegment(w.worker)
		w.spare <- spareSeg{g, err}
	}()
}

// dropSpare removes a prepared segment that was never used.
func (w *Writer) dropSpare() {
	if !w.preparing {
		return
	}
	w.preparing = false
	sp := <-w.spare
	if sp.g == nil {
		return
	}
	w.s.mu.Lock()
	delete(w.s.segs, sp.g.seq)
	w.s.mu.Unlock()
	sp.g.f.Close()
	os.Remove(sp.g.path)
}

// rotate moves to a new segment. If that fails, a full but sound segment
// keeps taking records; otherwise the batch fails through pendErr.
func (w *Writer) rotate() {
	var g *segment
	var err error
	if w.preparing { // usually ready long ago; else waiting is no worse than creating
		sp := <-w.spare
		w.preparing, g, err = false, sp.g, sp.err
	} else {
		g, err = w.s.newSegment(w.worker)
	}
	if err != nil {
		if w.seg == nil || w.broken {
			w.pendErr = err
		}
		w.logError(err)
		return
	}
	if w.seg != nil {
		w.s.seal(w.seg)
	}
	w.seg, w.off, w.broken = g, segHeaderSize, false
}
