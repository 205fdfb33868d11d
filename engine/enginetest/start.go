package enginetest

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine"
)

// Start runs an engine with two workers on backend and shuts it down when
// the test ends (after cleanups registered later, before earlier ones). A
// back end this machine cannot run skips the test with the engine's reason.
func Start(t testing.TB, backend string, sp engine.SpoolFactory) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Options{Workers: 2, Backend: backend, Spool: sp,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Skipf("%s back end unavailable: %v", backend, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Shutdown(ctx)
	})
	return e
}

// Peers is a peer table that gives every address the same policy, for
// tests that do not exercise Peer scopes.
func Peers(p *config.Policy) engine.PeerTable { return onePolicy{&acl.Match{Policy: p}} }

type onePolicy struct{ m *acl.Match }

func (o onePolicy) Lookup(netip.Addr) *acl.Match { return o.m }
