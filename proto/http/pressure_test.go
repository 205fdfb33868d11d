package http

import (
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

type flag struct{ atomic.Bool }

func (f *flag) On() bool { return f.Load() }

// Back-pressure answers an injection 503 with Retry-After and submits
// nothing; off again, the same request is taken.
func TestPressureRefusesInjection(t *testing.T) {
	var on flag
	f := NewFactory(FactoryOptions{Hostname: "mx.example", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pressure: &on})
	body := `{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t"}}`
	on.Store(true)
	res, h := run(t, f, testPolicy(nil), post("/api/v1/transmissions", body))
	r := one(t, res.Out)
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "insufficient system storage") || len(h.Submitted) != 0 {
		t.Fatalf("pressure on: %d %v %s (%d submitted)", r.StatusCode, r.Header, r.body, len(h.Submitted))
	}
	on.Store(false)
	res, h = run(t, f, testPolicy(nil), post("/api/v1/transmissions", body))
	if r := one(t, res.Out); r.StatusCode != 200 || len(h.Submitted) != 1 {
		t.Fatalf("pressure off: %d %s", r.StatusCode, r.body)
	}
}
