package smtp

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"sluice/config"
	"sluice/filter/milter"
	pdel "sluice/filter/policy"
)

// filterSettings are the content and policy hooks of one policy
// (docs/filters.md): a policy delegation service consulted at RCPT and/or
// at the end of the message, and milters run at the end of the message.
type filterSettings struct {
	policy     *pdel.Client // nil: no Policy_Service
	policyRcpt bool         // Policy_Stage rcpt or both
	policyEOM  bool         // Policy_Stage end-of-message or both
	milters    []*milter.Client
}

// message reports whether the end of a message must run filters off the
// worker before the spool gets it.
func (fs *filterSettings) message() bool { return fs.policyEOM || len(fs.milters) > 0 }

// FilterClients shares one client (and so one connection pool) between
// every policy, and every configuration generation, that names the same
// service with the same settings. The zero value is ready; it is safe for
// concurrent use. The daemon keeps one for its life (FactoryOptions.Filters)
// so that a reload keeps the pools and the metrics.
type FilterClients struct {
	mu       sync.Mutex
	policies map[string]*pdel.Client
	milters  map[string]*milter.Client
}

// milterClient returns the shared client for o.
func (fc *FilterClients) milterClient(o milter.Options) (*milter.Client, error) {
	key := fmt.Sprintf("%+v", o)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if c := fc.milters[key]; c != nil {
		return c, nil
	}
	c, err := milter.New(o)
	if err != nil {
		return nil, err
	}
	if fc.milters == nil {
		fc.milters = map[string]*milter.Client{}
	}
	fc.milters[key] = c
	return c, nil
}

// MilterClients returns the milter clients made so far, for metrics.
func (fc *FilterClients) MilterClients() []*milter.Client {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	out := make([]*milter.Client, 0, len(fc.milters))
	for _, c := range fc.milters {
		out = append(out, c)
	}
	return out
}

// policyClient returns the shared client for service.
func (fc *FilterClients) policyClient(service string, timeout time.Duration, def pdel.Decision) (*pdel.Client, error) {
	key := fmt.Sprintf("%s|%d|%+v", service, timeout, def)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if c := fc.policies[key]; c != nil {
		return c, nil
	}
	c, err := pdel.New(pdel.Options{Service: service, Timeout: timeout, Default: def})
	if err != nil {
		return nil, err
	}
	if fc.policies == nil {
		fc.policies = map[string]*pdel.Client{}
	}
	fc.policies[key] = c
	return c, nil
}

// PolicyClients returns the policy clients made so far, for metrics.
func (fc *FilterClients) PolicyClients() []*pdel.Client {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	out := make([]*pdel.Client, 0, len(fc.policies))
	for _, c := range fc.policies {
		out = append(out, c)
	}
	return out
}

// defaultPolicyAction is Postfix's smtpd_policy_service_default_action.
const defaultPolicyAction = "451 4.3.5 Server configuration problem"

// filterSettingsFor reads the Policy_* and Milter* options of p. A bad
// value is logged with its fix and the hook is left out, so a typo never
// takes the listener down; -check reports the same problems.
func (f *Factory) filterSettingsFor(p *config.Policy, s *settings) {
	f.milterSettingsFor(p, s)
	svc := p.String("policy_service")
	if svc == "" {
		return
	}
	defText := p.String("policy_default_action")
	if defText == "" {
		defText = defaultPolicyAction
	}
	def, err := pdel.ParseAction(defText)
	if err != nil || def.Kind == pdel.Prepend {
		f.o.Logger.Warn("smtp: bad Policy_Default_Action; using the Postfix default (write DUNNO to fail open, or a 4NN/5NN reply)",
			"value", defText, "default", defaultPolicyAction)
		def, _ = pdel.ParseAction(defaultPolicyAction)
	}
	timeout := p.Duration("policy_timeout")
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c, err := f.filters().policyClient(svc, timeout, def)
	if err != nil {
		f.o.Logger.Warn("smtp: Policy_Service ignored; write \"inet:host:port\" or \"unix:/path\"", "err", err)
		return
	}
	s.flt.policy = c
	switch strings.ToLower(p.String("policy_stage")) {
	case "end-of-message":
		s.flt.policyEOM = true
	case "both":
		s.flt.policyRcpt, s.flt.policyEOM = true, true
	default:
		s.flt.policyRcpt = true
	}
}

// milterSettingsFor reads Milter and its companions.
func (f *Factory) milterSettingsFor(p *config.Policy, s *settings) {
	for _, svc := range p.List("milter") {
		c, err := f.filters().milterClient(milter.Options{Service: svc,
			ConnectTimeout: p.Duration("milter_connect_timeout"), Timeout: p.Duration("milter_timeout"),
			Default: strings.ToLower(p.String("milter_default_action")), Hostname: s.host, MaxEdits: int(min(s.hardMax, 1<<30))})
		if err != nil {
			f.o.Logger.Warn("smtp: Milter entry ignored; write \"inet:host:port\" or \"unix:/path\"", "err", err)
			continue
		}
		s.flt.milters = append(s.flt.milters, c)
	}
}

// filters is the shared client cache: the daemon's, else the factory's own.
func (f *Factory) filters() *FilterClients {
	if f.o.Filters != nil {
		return f.o.Filters
	}
	return &f.ownFilters
}
