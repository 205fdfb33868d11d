package http

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"sluice/internal/creds"
	"sluice/proto"
	"sluice/proto/http/apikey"
)

// DefaultMaxBody bounds a request body when Max_Request_Size is unset
// (Momentum's "unlimited"): bodies are held in memory until the spool has
// them, so some bound must exist.
const DefaultMaxBody = 64 << 20

// FactoryOptions is what the daemon gives the HTTP_Listener.
type FactoryOptions struct {
	// Hostname goes into generated Message-IDs (POST /api/v1/transmissions).
	// Default "localhost".
	Hostname string
	// Logger receives password-file problems. Default slog.Default().
	Logger *slog.Logger
	// Summary returns the /stats/summary fields keyed by Momentum's JSON
	// names (see SummaryKeys). nil: GET /stats/summary answers 404.
	Summary func() map[string]any
	// ResetSummary clears the counters behind Summary (DELETE /stats/summary).
	// nil: DELETE answers 405.
	ResetSummary func()
	// Ready reports whether every enabled Listen is bound and the spool is
	// writable, and if not, why. nil: /readyz reports ready unless draining.
	Ready func() (ok bool, why string)
	// Cluster returns the /stats/cluster JSON (cluster members). nil: 404.
	Cluster func() (string, error)
	// Metrics writes the Prometheus text exposition. nil: /metrics is 404.
	Metrics func(w io.Writer) error
	// MaxBody bounds a body when Max_Request_Size is unset. Default
	// DefaultMaxBody.
	MaxBody int64
	// MaxBuilt bounds the bytes of the messages one transmission builds
	// (they wait in memory for the spool). Default DefaultMaxBuilt.
	MaxBuilt int64
	// Templates keeps /api/v1/templates (tplstore beside the spool). nil:
	// the templates endpoints answer 404 and template_id finds nothing.
	Templates TemplateStore
	// Messages counts each injected message against
	// Inbound_Throttle_Messages; nil = no message-rate limit.
	Messages proto.MessageLimiter
	// Pressure answers injections 503 with Retry-After while on (pressure.go).
	Pressure proto.Pressure
}

// DefaultMaxBuilt bounds what one transmission may build when
// FactoryOptions.MaxBuilt is unset.
const DefaultMaxBuilt = 256 << 20

// Factory creates HTTP sessions. It is shared by every worker.
type Factory struct {
	o     FactoryOptions
	creds creds.Cache
	keys  apikey.Cache
	tplMu sync.Mutex // serialises template read-modify-writes
}

// NewFactory returns a Factory; zero fields of o get their defaults.
func NewFactory(o FactoryOptions) *Factory {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxBuilt <= 0 {
		o.MaxBuilt = DefaultMaxBuilt
	}
	f := &Factory{o: o}
	f.creds = creds.Cache{Recheck: time.Second, OnError: func(path string, err error) {
		o.Logger.Error("http: cannot load AuthPlainParameters file; every login will fail",
			"path", path, "err", err)
	}}
	f.keys.Log = o.Logger
	return f
}

// NewSession reads the connection's resolved policy once and returns its
// session.
func (f *Factory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	s := &session{f: f, c: c, h: h}
	p := c.Policy
	s.idle = p.Duration("idle_time")
	s.max = p.Int("max_request_size")
	if s.max <= 0 {
		s.max = f.o.MaxBody
	}
	s.maxMsg = p.Int("max_message_size")
	s.noChunked = p.Bool("disable_chunked")
	s.tx.keyFile = p.String("api_keys")
	s.log.on = p.Bool("log_requests_to_paniclog")
	switch {
	case p.Bool("always_deny"):
		s.auth = authDeny
	case p.Bool("always_allow"):
		s.auth = authOpenAllow
	case !p.Bool("enable_authentication"):
		s.auth = authOpen
	default:
		s.auth = authBasic
		if uri := creds.URI(p.Dict("authplainparameters")); uri != "" {
			s.users, _ = f.creds.Lookup(uri, "", h.Now()) // errors: OnError
		}
	}
	s.reset()
	return s
}

// Refuse writes the response sent before the engine closes a refused
// connection: 503 for session caps and shutdown, 403 for an ACL refusal.
func (f *Factory) Refuse(c *proto.ConnInfo, why RefuseReason, out []byte) []byte {
	code, msg, extra := 503, "service unavailable, concurrency limit reached", "Retry-After: 60\r\n"
	switch why {
	case proto.RefuseShutdown:
		msg = "service unavailable, shutting down"
	case proto.RefuseACL:
		code, msg, extra = 403, "forbidden", ""
	case proto.RefuseRate:
		code, msg, extra = 429, "too many connections from "+c.Remote.Addr().String(), refuseRateRetry(c)
	}
	var date [32]byte
	return appendResponse(out, code, c.Accepted.UTC().AppendFormat(date[:0], httpDate),
		ctJSON, appendErrorJSON(nil, msg), extra, true, false)
}

// RefuseReason is proto.RefuseReason, named here so Refuse's signature reads
// naturally.
type RefuseReason = proto.RefuseReason
