package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// NewLogger returns the daemon's structured logger: format is "text" or
// "json", level one of debug, info, warn, error. Records are rate-limited per
// message text (see RateLimit).
func NewLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("metrics: -log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "text", "":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("metrics: -log-format %q: want text or json", format)
	}
	return slog.New(RateLimit(h, 20, time.Second)), nil
}

// RateLimit wraps h so that at most burst records with the same message are
// written per period. When a period ends with records suppressed, the next
// record of that message carries suppressed=N. Reception lines
// (ReceptionMsg) are never limited. Errors during a disk-full
// storm or a flood of protocol rejects thus cost one line per second, not
// one per event.
func RateLimit(h slog.Handler, burst int, period time.Duration) slog.Handler {
	return &limitHandler{next: h, st: &limitState{burst: burst, period: period,
		msgs: make(map[string]*limitEntry)}}
}

type limitEntry struct {
	start      time.Time
	n          int
	suppressed int
}

type limitState struct {
	mu     sync.Mutex
	burst  int
	period time.Duration
	msgs   map[string]*limitEntry
}

type limitHandler struct {
	next slog.Handler
	st   *limitState
}

func (h *limitHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *limitHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == ReceptionMsg { // the mainlog loses nothing
		return h.next.Handle(ctx, r)
	}
	suppressed, ok := h.st.admit(r.Message, r.Time)
	if !ok {
		return nil
	}
	if suppressed > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", suppressed))
	}
	return h.next.Handle(ctx, r)
}

// admit reports whether a record with this message may be written now, and
// how many were dropped since the last one written.
func (s *limitState) admit(msg string, now time.Time) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.msgs[msg]
	if e == nil {
		if len(s.msgs) > 4096 { // bound the table; formats are few, this is a safety net
			s.msgs = make(map[string]*limitEntry)
		}
		e = &limitEntry{start: now}
		s.msgs[msg] = e
	}
	if now.Sub(e.start) >= s.period {
		e.start, e.n = now, 0
	}
	if e.n >= s.burst {
		e.suppressed++
		return 0, false
	}
	e.n++
	sup := e.suppressed
	e.suppressed = 0
	return sup, true
}

func (h *limitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &limitHandler{next: h.next.WithAttrs(as), st: h.st}
}

func (h *limitHandler) WithGroup(name string) slog.Handler {
	return &limitHandler{next: h.next.WithGroup(name), st: h.st}
}
