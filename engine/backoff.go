package engine

import "time"

// acceptBackoff is how long a listen socket rests after an accept error
// (EMFILE and friends). Without it a level-triggered or re-armed accept
// would spin on the same error.
const acceptBackoff = 100 * time.Millisecond

// acceptError logs a failing accept at most once a second per worker and
// parks the socket; the back end has stopped accepting on it.
func (w *worker) acceptError(s *lsock, err error) {
	if w.now.Sub(w.lastAcceptLog) >= time.Second {
		w.lastAcceptLog = w.now
		w.e.log.Error("engine: accept failed; pausing this listen socket", "listen", s.l.key,
			"worker", w.id, "err", err, "pause", acceptBackoff)
	}
	if s.parked || !s.armed {
		return
	}
	s.parked, s.until = true, w.nowNano+int64(acceptBackoff)
	w.parked = append(w.parked, s)
}

func (w *worker) unpark(s *lsock) {
	s.parked = false
	for i, p := range w.parked {
		if p == s {
			w.parked = append(w.parked[:i], w.parked[i+1:]...)
			return
		}
	}
}

// rearmParked re-arms the listens whose rest is over.
func (w *worker) rearmParked() {
	for i := 0; i < len(w.parked); i++ {
		s := w.parked[i]
		if s.until > w.nowNano {
			continue
		}
		w.parked = append(w.parked[:i], w.parked[i+1:]...)
		i--
		s.parked = false
		if err := w.b.addListen(s); err != nil {
			w.acceptError(s, err)
		}
	}
}
