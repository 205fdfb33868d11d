package smtp

import (
	"net/netip"

	"sluice/proto"
)

// hostMayRelay: Open_Relay or the peer address in Relay_Hosts. A Unix
// socket peer counts as 127.0.0.1, as Momentum treats it as loopback.
func hostMayRelay(st *settings, c *proto.ConnInfo) bool {
	if st.openRelay {
		return true
	}
	ip := c.Remote.Addr().Unmap()
	if c.Unix {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	for _, p := range st.relayHosts {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// peerRelay: the peer may relay anywhere (Relay_Hosts, Open_Relay,
// successful AUTH, or a verified client certificate with
// TLS_Verified_Peer_Can_Relay).
func (s *session) peerRelay() bool {
	return s.relayHost || s.authed || (s.tlsVerified && s.set.tlsVerifiedRelay)
}

// mayRelayTo: a recipient in domain is accepted.
func (s *session) mayRelayTo(domain []byte) bool {
	return s.peerRelay() || s.tx.senderRelay || domainIn(s.set.relayDomains, domain)
}

// domainIn matches domain against left-glob patterns: "*" matches every
// domain, "*.example.com" its subdomains, anything else exactly. Case is
// ignored (ASCII). It does not allocate.
func domainIn(pats []string, domain []byte) bool {
	for _, p := range pats {
		switch {
		case p == "*":
			return true
		case len(p) > 2 && p[0] == '*' && p[1] == '.':
			suf := p[1:]
			if len(domain) > len(suf) && foldEq(domain[len(domain)-len(suf):], suf) {
				return true
			}
		case foldEq(domain, p):
			return true
		}
	}
	return false
}

// foldEq is asciiFold for arbitrary patterns (non-letters compared as is).
func foldEq(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
