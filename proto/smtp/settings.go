package smtp

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"sluice/config"
)

// Content-policy values of rfc2822_lone_lf_in_* and rfc2822_max_line_length_policy.
const (
	polIgnore uint8 = iota
	polPedantic
	polFix
)

// Bare_Newline_Policy values.
const (
	bareNormalize uint8 = iota // a bare CR or LF becomes CRLF (the default)
	bareReject                 // the message is refused with 550 5.5.2
	bareAllow                  // kept; RFC2822_Lone_LF_* apply
)

// STARTTLS_Injection_Policy values.
const (
	injReject uint8 = iota
	injIgnore
	injAllow
)

// settings is what a session needs from its policy, computed once per
// *config.Policy (policies are immutable and shared) and cached by the
// factory, so NewSession costs one map lookup.
type settings struct {
	banner   string // whole greeting line, CRLF included
	host     string // banner host name, also in EHLO, HELO and QUIT replies
	recvHost string // host name in the Received: header
	enhanced bool

	exts      []string // EHLO lines always advertised (PIPELINING, 8BITMIME, SIZE ...)
	startTLS  bool     // STARTTLS listed and a certificate configured
	authPlain string   // password file for AUTH PLAIN, "" when not offered
	authLogin string   // password file for AUTH LOGIN
	eightBit  bool
	utf8      bool
	chunking  bool
	sizeAdv   bool

	maxSize     int64 // advertised limit, 0 none
	hardMax     int64 // what is enforced (maxSize, else the factory bound)
	maxRcptMsg  int64
	maxRcptConn int64
	maxRecv     int64

	requireEHLO, allowNull, allowIPLit, trailingWS, envWS bool

	openRelay, tlsVerifiedRelay bool
	relayHosts                  []netip.Prefix
	relayDomains                []string
	relaySenders                []string

	loneBody, loneHdr uint8
	lineMax           int // max octets per DATA line, CRLF excluded; 0 none
	linePol           uint8
	trace             bool
	injection         uint8
	reconfig          string
	idle              time.Duration
	useSSL            bool
	flt               filterSettings
	bare              uint8 // Bare_Newline_Policy
}

func (f *Factory) buildSettings(p *config.Policy) *settings {
	s := &settings{host: f.o.Hostname}
	if h := p.String("banner_hostname"); h != "" {
		s.host = h
	}
	s.recvHost = s.host
	if h := p.String("received_hostname"); h != "" {
		s.recvHost = h
	}
	s.banner = "220 " + s.host + " ESMTP sluice\r\n"
	if b := p.String("static_banner"); b != "" {
		if !strings.HasPrefix(b, "220") {
			b = "220 " + b
		}
		s.banner = b + "\r\n"
	}
	s.maxSize = p.Int("max_message_size")
	s.hardMax = s.maxSize
	if s.hardMax <= 0 {
		s.hardMax = f.o.MaxMessage
	}
	s.maxRcptMsg = p.Int("max_recipients_per_message")
	s.maxRcptConn = p.Int("max_recipients_per_connection")
	s.maxRecv = p.Int("max_receptions_per_connection")
	s.requireEHLO = p.Bool("require_ehlo")
	s.allowNull = boolOr(p, "allow_null_envelope_sender", true)
	s.allowIPLit = boolOr(p, "allow_ip_literal", true)
	s.trailingWS = p.Bool("allow_trailing_whitespace_in_commands")
	s.envWS = p.Bool("rfc2821_allow_whitespace_in_envelope")
	s.useSSL = p.Bool("use_ssl")
	s.idle = p.Duration("idle_time")
	s.trace = boolOr(p, "rfc2822_trace_headers", true)
	s.reconfig = p.String("reconfig_message")
	if s.reconfig == "" {
		s.reconfig = "4.3.2 Reconfiguration in progress"
	}
	f.relaySettings(p, s)
	contentSettings(p, s)
	f.extSettings(p, s)
	f.filterSettingsFor(p, s)
	return s
}

func (f *Factory) relaySettings(p *config.Policy, s *settings) {
	s.openRelay = p.Bool("open_relay")
	s.tlsVerifiedRelay = p.Bool("tls_verified_peer_can_relay")
	for _, h := range p.List("relay_hosts") {
		if pr, err := parsePrefix(h); err == nil {
			s.relayHosts = append(s.relayHosts, pr)
		} else {
			f.o.Logger.Warn("smtp: ignoring bad Relay_Hosts entry; write an address or CIDR", "entry", h)
		}
	}
	s.relayDomains = p.List("relay_domains")
	if _, ok := p.Value("relay_domains"); !ok {
		s.relayDomains = f.o.RelayDomains
	}
	s.relaySenders = p.List("relay_for_sending_domains")
}

func contentSettings(p *config.Policy, s *settings) {
	switch strings.ToLower(p.String("bare_newline_policy")) {
	case "reject":
		s.bare = bareReject
	case "allow":
		s.bare = bareAllow
	default:
		s.bare = bareNormalize
	}
	s.loneBody = lonePolicy(p.String("rfc2822_lone_lf_in_body"), polIgnore)
	s.loneHdr = lonePolicy(p.String("rfc2822_lone_lf_in_headers"), polPedantic)
	switch v := strings.ToLower(p.String("rfc2822_max_line_length")); v {
	case "", "ignore":
	case "pedantic":
		s.lineMax, s.linePol = 998, polPedantic
	case "fix":
		s.lineMax, s.linePol = 998, polFix
	default:
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			s.lineMax = n
			switch strings.ToLower(p.String("rfc2822_max_line_length_policy")) {
			case "fix":
				s.linePol = polFix
			case "reject":
				s.linePol = polPedantic
			default:
				s.lineMax = 0
			}
		}
	}
	switch strings.ToLower(p.String("starttls_injection_policy")) {
	case "ignore":
		s.injection = injIgnore
	case "allow":
		s.injection = injAllow
	}
}

func lonePolicy(v string, def uint8) uint8 {
	switch strings.ToLower(v) {
	case "ignore":
		return polIgnore
	case "pedantic":
		return polPedantic
	case "fix":
		return polFix
	}
	return def
}

func boolOr(p *config.Policy, name string, def bool) bool {
	if v, ok := p.Value(name); ok {
		return v.Bool
	}
	return def
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
