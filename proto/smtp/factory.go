package smtp

import (
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"sluice/config"
	"sluice/internal/creds"
	"sluice/proto"
)

// DefaultMaxMessage bounds a message when Max_Message_Size is unset
// (Momentum's "no limit"): a message is held in memory until the spool has
// it, so some bound must exist. Over it the client gets 552 5.3.4.
const DefaultMaxMessage = 64 << 20

// FactoryOptions is what the daemon gives the ESMTP_Listener.
type FactoryOptions struct {
	// Hostname is the default Banner_Hostname and Received_Hostname.
	// Default: os.Hostname(), else "localhost".
	Hostname string
	// Logger receives configuration and password-file problems.
	// Default slog.Default().
	Logger *slog.Logger
	// RelayDomains is used when the policy carries no Relay_Domains (it is
	// a global option; the config layer normally resolves it into every
	// ESMTP policy).
	RelayDomains []string
	// MaxMessage bounds a message when Max_Message_Size is unset.
	// Default DefaultMaxMessage.
	MaxMessage int64
	// Messages counts each MAIL against Inbound_Throttle_Messages; nil =
	// no message-rate limit.
	Messages proto.MessageLimiter
	// Pressure refuses MAIL with 452 4.3.1 while on (pressure.go).
	Pressure proto.Pressure
	// Filters shares policy and milter clients (their connection pools and
	// statistics) across factories; nil = this factory keeps its own.
	Filters *FilterClients
}

// Factory creates ESMTP sessions. It is shared by every worker and safe for
// concurrent use: its caches are guarded by a mutex or are sync.Maps.
type Factory struct {
	o          FactoryOptions
	setMap     sync.Map // *config.Policy -> *settings
	setN       atomic.Int64
	creds      creds.Cache
	tlsConf    tlsCache
	ownFilters FilterClients // when FactoryOptions.Filters is nil
}

// maxCachedPolicies bounds the settings cache; reloads create new policies,
// so it is cleared when it grows past this.
const maxCachedPolicies = 4096

// NewFactory returns a Factory; zero fields of o get their defaults.
func NewFactory(o FactoryOptions) *Factory {
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
		if o.Hostname == "" {
			o.Hostname = "localhost"
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	f := &Factory{o: o}
	f.creds = creds.Cache{Recheck: time.Second, OnError: func(path string, err error) {
		o.Logger.Error("smtp: cannot load password file; AUTH is not offered until it is fixed",
			"path", path, "err", err)
	}}
	return f
}

// settingsFor returns the cached settings of p.
func (f *Factory) settingsFor(p *config.Policy) *settings {
	if v, ok := f.setMap.Load(p); ok {
		return v.(*settings)
	}
	if f.setN.Add(1) > maxCachedPolicies {
		f.setMap.Clear()
		f.setN.Store(1)
	}
	if p == nil {
		p = config.NewPolicy("ESMTP_Listener", "", nil)
	}
	s := f.buildSettings(p)
	v, _ := f.setMap.LoadOrStore(p, s)
	return v.(*settings)
}

// NewSession returns the session of an accepted connection. c.Policy is the
// connection's resolved policy; c.TLS true means implicit TLS (Use_SSL) is
// already up.
func (f *Factory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	st := f.settingsFor(c.Policy)
	s := &session{f: f, c: c, h: h, set: st, tls: c.TLS}
	now := h.Now()
	if st.authPlain != "" {
		s.users[mechPlain], _ = f.creds.Get(st.authPlain, now) // errors: OnError
	}
	if st.authLogin != "" {
		s.users[mechLogin], _ = f.creds.Get(st.authLogin, now)
	}
	s.relayHost = hostMayRelay(st, c)
	return s
}

// Refuse writes the 421 line of a refused connection. The session-cap reply
// is Momentum's; a refusal for shutdown says so; an ACL refusal writes
// nothing (Momentum has no ESMTP deny verb; the engine just closes).
func (f *Factory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	enh := false
	if c != nil && c.Policy != nil {
		enh = f.settingsFor(c.Policy).enhanced
	}
	switch why {
	case proto.RefuseSessionCap:
		// Momentum writes the enhanced code here whatever the extensions.
		return appendReply(out, rRefuseCap, true)
	case proto.RefuseShutdown:
		return appendReply(out, rShutdown, enh)
	case proto.RefuseRate:
		host := f.o.Hostname
		if c != nil && c.Policy != nil {
			host = f.settingsFor(c.Policy).host
		}
		return appendReply(out, f.refuseRate(c, host), true)
	case proto.RefusePregreet:
		return appendReply(out, rPregreet, true)
	case proto.RefuseDNSBL:
		return appendReply(out, refuseDNSBL(c), true)
	}
	return out
}
