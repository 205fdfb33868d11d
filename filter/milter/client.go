package milter

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	gm "github.com/d--j/go-milter"
)

// Options configure a Client.
type Options struct {
	// Service is "inet:host:port", "inet:port@host" (Sendmail's form) or
	// "unix:/path".
	Service string
	// ConnectTimeout bounds the connect and the option negotiation. Default 30s.
	ConnectTimeout time.Duration
	// Timeout bounds each read and write after that. Default 30s.
	Timeout time.Duration
	// Default is what a failed milter means: "tempfail" (the default),
	// "reject" or "accept" (fail open: the message goes on unchanged).
	Default string
	// Hostname is sluice's name for the j and {daemon_name} macros.
	Hostname string
	// MaxEdits bounds the bytes a milter may add at end of message (headers,
	// a replaced body, recipients); more is a milter failure. Default 64 MiB.
	MaxEdits int
}

// Client runs messages through one milter. It is safe for concurrent use:
// each Run opens its own connection.
type Client struct {
	o     Options
	c     *gm.Client
	Stats Stats
}

// ParseService splits a milter address into a network and an address.
func ParseService(s string) (network, addr string, err error) {
	switch {
	case strings.HasPrefix(s, "inet:"):
		a := s[5:]
		if port, host, ok := strings.Cut(a, "@"); ok { // Sendmail: inet:port@host
			a = net.JoinHostPort(host, port)
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return "", "", fmt.Errorf("milter: %q: want inet:host:port: %v", s, err)
		}
		return "tcp", a, nil
	case strings.HasPrefix(s, "unix:") && len(s) > 5:
		return "unix", s[5:], nil
	case strings.HasPrefix(s, "local:") && len(s) > 6:
		return "unix", s[6:], nil
	}
	return "", "", fmt.Errorf("milter: %q: write inet:host:port or unix:/path", s)
}

// New returns a client of o.Service; it does not connect yet.
func New(o Options) (*Client, error) {
	nw, addr, err := ParseService(o.Service)
	if err != nil {
		return nil, err
	}
	switch o.Default {
	case "":
		o.Default = "tempfail"
	case "tempfail", "reject", "accept":
	default:
		return nil, fmt.Errorf("milter: default action %q: write tempfail, reject or accept", o.Default)
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.MaxEdits <= 0 {
		o.MaxEdits = 64 << 20
	}
	c := gm.NewClient(nw, addr,
		gm.WithDialer(&net.Dialer{Timeout: o.ConnectTimeout}),
		gm.WithReadTimeout(o.Timeout), gm.WithWriteTimeout(o.Timeout),
		gm.WithMacroRequest(gm.StageConnect, []gm.MacroName{gm.MacroMTAFQDN, gm.MacroDaemonName, gm.MacroMTAVersion,
			gm.MacroClientAddr, gm.MacroClientPort, gm.MacroClientName, gm.MacroClientPTR, gm.MacroDaemonAddr, gm.MacroDaemonPort}),
		gm.WithMacroRequest(gm.StageEOM, []gm.MacroName{gm.MacroQueueId}),
		gm.WithMacroRequest(gm.StageData, []gm.MacroName{gm.MacroQueueId}),
	)
	return &Client{o: o, c: c}, nil
}

// Service is the configured address.
func (c *Client) Service() string { return c.o.Service }

// Envelope is what the SMTP session knows about the message.
type Envelope struct {
	Client     netip.AddrPort
	Local      netip.AddrPort
	Unix       bool
	Helo       string
	TLS        bool
	TLSVersion string // "TLSv1.3"; with TLS set and this empty, "TLS"
	TLSCipher  string
	TLSBits    int
	AuthType   string
	AuthUser   string
	QueueID    string
	Sender     string // without brackets; "" is the null sender
	Recipients []string
}

// Kind is a verdict's outcome.
type Kind uint8

const (
	Continue Kind = iota // spool the (possibly modified) message
	Reject               // refuse with Reply (5xx)
	Tempfail             // refuse with Reply (4xx)
	Discard              // answer 250 and drop
)

var kindNames = [...]string{"continue", "reject", "tempfail", "discard"}

func (k Kind) String() string { return kindNames[k] }

// Verdict is the outcome of one milter on one message.
type Verdict struct {
	Kind       Kind
	Reply      string // Reject, Tempfail: "554 5.7.1 text" (lines joined by CRLF if several)
	Answer     string // the milter's answer, for logs
	Quarantine string // non-empty: the milter asked to quarantine, with this reason
	Err        error  // the milter failed; Kind is the default action's
	Changed    bool   // Data, Sender or Recipients differ from the input
	Data       []byte
	Sender     string
	Recipients []string
}

// Run sends one message through the milter on a connection of its own
// (connect, HELO, MAIL, RCPT..., the message) and returns its verdict, or
// the default action's verdict when the milter fails. env and data are
// not modified; a changed message comes back in the verdict.
func (c *Client) Run(env *Envelope, data []byte, traceLen int) Verdict {
	cv := c.NewConv()
	defer cv.Close()
	return cv.Message(env, data, traceLen)
}

// failed is the default action's verdict.
func (c *Client) failed(env *Envelope, data []byte, err error) Verdict {
	v := Verdict{Err: fmt.Errorf("milter: %s: %w", c.o.Service, err), Answer: "default " + c.o.Default,
		Data: data, Sender: env.Sender, Recipients: env.Recipients}
	switch c.o.Default {
	case "reject":
		v.Kind, v.Reply = Reject, "550 5.7.1 Command rejected"
	case "tempfail":
		v.Kind, v.Reply = Tempfail, "451 4.7.1 Service unavailable - try again later"
	}
	return v
}

// macros are the values sluice gives, as Postfix names them.
func (c *Client) macros(env *Envelope) *gm.MacroBag {
	m := gm.NewMacroBag()
	m.Set(gm.MacroMTAFQDN, c.o.Hostname)
	m.Set(gm.MacroDaemonName, c.o.Hostname)
	m.Set(gm.MacroMTAVersion, "sluice")
	m.Set(gm.MacroQueueId, env.QueueID)
	a := env.Client.Addr().Unmap()
	if env.Unix {
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	m.Set(gm.MacroClientAddr, a.String())
	m.Set(gm.MacroClientPort, strconv.Itoa(int(env.Client.Port())))
	m.Set(gm.MacroClientName, "unknown")
	m.Set(gm.MacroClientPTR, "unknown")
	m.Set(gm.MacroDaemonAddr, env.Local.Addr().Unmap().String())
	m.Set(gm.MacroDaemonPort, strconv.Itoa(int(env.Local.Port())))
	if env.TLS {
		v := env.TLSVersion
		if v == "" {
			v = "TLS"
		}
		m.Set(gm.MacroTlsVersion, v)
		if env.TLSCipher != "" {
			m.Set(gm.MacroCipher, env.TLSCipher)
			m.Set(gm.MacroCipherBits, strconv.Itoa(env.TLSBits))
		}
	}
	if env.AuthUser != "" {
		m.Set(gm.MacroAuthType, env.AuthType)
		m.Set(gm.MacroAuthAuthen, env.AuthUser)
	}
	return m
}

// fromAction records a final action; it reports whether act was one.
func (v *Verdict) fromAction(act *gm.Action) bool {
	v.Answer = act.String()
	switch act.Type {
	case gm.ActionDiscard:
		v.Kind = Discard
	case gm.ActionReject, gm.ActionTempFail, gm.ActionRejectWithCode:
		v.Kind, v.Reply = Reject, act.SMTPReply
		if act.SMTPCode < 500 {
			v.Kind = Tempfail
		}
	default: // accept: no further events, the message goes on as it is
		return act.Type == gm.ActionAccept
	}
	return true
}

// apply carries out the end-of-message modifications.
func (v *Verdict) apply(mods []gm.ModifyAction, msg *Message, limit int, lead bool) error {
	if len(mods) == 0 {
		return nil
	}
	var body []byte
	replaced := false
	grown := 0
	for _, a := range mods {
		grown += len(a.HeaderName) + len(a.HeaderValue) + len(a.Body) + len(a.Rcpt) + 4
		if grown > limit {
			return fmt.Errorf("edits larger than %d bytes", limit)
		}
		switch a.Type {
		case gm.ActionAddHeader:
			if f, ok := newField(a.HeaderName, a.HeaderValue, lead); ok {
				msg.Add(f)
			}
		case gm.ActionInsertHeader:
			if f, ok := newField(a.HeaderName, a.HeaderValue, lead); ok {
				msg.Insert(int(a.HeaderIndex), f)
			}
		case gm.ActionChangeHeader:
			msg.change(a.HeaderName, int(a.HeaderIndex), a.HeaderValue, lead)
		case gm.ActionChangeFrom:
			v.Sender = unbracket(a.From)
		case gm.ActionAddRcpt:
			v.addRcpt(unbracket(a.Rcpt))
		case gm.ActionDelRcpt:
			v.delRcpt(unbracket(a.Rcpt))
		case gm.ActionReplaceBody:
			body, replaced = append(body, a.Body...), true
		case gm.ActionQuarantine:
			v.Quarantine = a.Reason
			if v.Quarantine == "" {
				v.Quarantine = "quarantined"
			}
		}
	}
	if replaced {
		msg.Body = body
	}
	v.Data = msg.Bytes()
	v.Changed = true
	return nil
}

func (v *Verdict) addRcpt(r string) {
	for _, x := range v.Recipients {
		if strings.EqualFold(x, r) {
			return
		}
	}
	v.Recipients = append(v.Recipients[:len(v.Recipients):len(v.Recipients)], r)
}

func (v *Verdict) delRcpt(r string) {
	out := make([]string, 0, len(v.Recipients))
	for _, x := range v.Recipients {
		if !strings.EqualFold(x, r) {
			out = append(out, x)
		}
	}
	v.Recipients = out
}

func unbracket(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}
