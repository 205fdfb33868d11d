package smtp

import (
	"strconv"
	"strings"

	"sluice/config"
	"sluice/internal/creds"
)

// extSettings turns SMTP_Extensions into the EHLO lines. PIPELINING and
// 8BITMIME are always offered (Momentum's defaults); SIZE is offered when
// Max_Message_Size is set or SIZE is listed; STARTTLS and AUTH depend on the
// connection and are added by appendEHLO.
func (f *Factory) extSettings(p *config.Policy, s *settings) {
	s.exts = append(s.exts, "PIPELINING", "8BITMIME")
	s.eightBit = true
	listed := p.List("smtp_extensions")
	size := s.maxSize > 0
	for _, e := range listed {
		if kw, _, _ := strings.Cut(strings.TrimSpace(e), " "); strings.EqualFold(kw, "SIZE") {
			size = true
		}
	}
	if size {
		s.sizeAdv = true
		s.exts = append(s.exts, "SIZE "+strconv.FormatInt(max(s.maxSize, 0), 10))
	}
	for _, e := range listed {
		kw, arg, _ := strings.Cut(strings.TrimSpace(e), " ")
		kw = strings.ToUpper(kw)
		switch kw {
		case "PIPELINING", "8BITMIME", "SIZE":
		case "ENHANCEDSTATUSCODES":
			if !s.enhanced {
				s.enhanced = true
				s.exts = append(s.exts, kw)
			}
		case "CHUNKING":
			if !s.chunking {
				s.chunking = true
				s.exts = append(s.exts, kw)
			}
		case "SMTPUTF8":
			if !s.utf8 {
				s.utf8 = true
				s.exts = append(s.exts, kw)
			}
		case "STARTTLS":
			s.startTLS = !s.useSSL && len(TLSFiles(p, "tls_certificate")) > 0 && len(TLSFiles(p, "tls_key")) > 0
			if !s.startTLS {
				f.o.Logger.Warn("smtp: STARTTLS listed but not offered; set TLS_Certificate and TLS_Key (and not Use_SSL)",
					"listen", p.Listen)
			}
		case "AUTH":
			f.authSettings(p, s, arg)
		default:
			f.o.Logger.Warn("smtp: SMTP_Extensions entry not implemented, not advertised", "entry", e)
		}
	}
}

func (f *Factory) authSettings(p *config.Policy, s *settings, mechs string) {
	for _, m := range strings.Fields(mechs) {
		var dict, name string
		switch strings.ToUpper(m) {
		case "PLAIN":
			dict, name = "authplainparameters", "AuthPlainParameters"
		case "LOGIN":
			dict, name = "authloginparameters", "AuthLoginParameters"
		default:
			f.o.Logger.Warn("smtp: AUTH mechanism not implemented, not advertised", "mechanism", m)
			continue
		}
		path, err := creds.Path(creds.URI(p.Dict(dict)), "")
		if err != nil {
			f.o.Logger.Warn("smtp: AUTH "+m+" listed without a file:// uri; set "+name+" = [ uri = \"file:///path\" ]",
				"listen", p.Listen)
			continue
		}
		if dict == "authplainparameters" {
			s.authPlain = path
		} else {
			s.authLogin = path
		}
	}
}

// appendEHLO writes the whole EHLO answer. It does not allocate when out has
// room.
func (s *session) appendEHLO(out []byte) []byte {
	st := s.set
	out = append(out, "250-"...)
	out = append(out, st.host...)
	out = append(out, " says EHLO to "...)
	out = s.c.Remote.AppendTo(out)
	out = append(out, '\r', '\n')
	n := len(st.exts)
	tls := st.startTLS && !s.tls
	auth := s.authOffered()
	for i, e := range st.exts {
		last := i == n-1 && !tls && !auth
		out = ehloLine(out, e, last)
	}
	if tls {
		out = ehloLine(out, "STARTTLS", !auth)
	}
	if auth {
		out = append(out, "250 AUTH"...)
		if s.users[mechPlain] != nil {
			out = append(out, " PLAIN"...)
		}
		if s.users[mechLogin] != nil {
			out = append(out, " LOGIN"...)
		}
		out = append(out, '\r', '\n')
	}
	return out
}

func ehloLine(out []byte, e string, last bool) []byte {
	if last {
		out = append(out, "250 "...)
	} else {
		out = append(out, "250-"...)
	}
	out = append(out, e...)
	return append(out, '\r', '\n')
}

// authOffered: AUTH is advertised when a mechanism has a password file, the
// session is not yet authenticated and the peer may not relay anyway
// (Momentum: hosts allowed by Relay_Hosts or Open_Relay are not asked).
func (s *session) authOffered() bool {
	return (s.users[mechPlain] != nil || s.users[mechLogin] != nil) && !s.authed && !s.peerRelay()
}
