package dnsbl

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Bounds on what a reply may make us keep.
const (
	MaxAnswers = 8 // A records kept per answer
	MinTTL     = 60 * time.Second
	MaxTTL     = time.Hour
)

// Answer is one list's answer for one address.
type Answer struct {
	Codes []netip.Addr // the 127.x.y.z records (at most MaxAnswers); empty = not listed
	TTL   time.Duration
}

var errRcode = errors.New("dnsbl: server failure")

// ParseReply reads the reply to an A query for qname. NXDOMAIN and an
// empty NOERROR are "not listed"; any other rcode is an error (fail open).
// Only A records of qname inside 127.0.0.0/8 count: anything else in a
// list's answer is an error signal or noise. The TTL is the smallest seen,
// clamped to [MinTTL, MaxTTL].
func ParseReply(m *dns.Msg, qname string) (Answer, error) {
	var a Answer
	switch m.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return a, errRcode
	}
	ttl := uint32(0)
	seen := false
	low := func(t uint32) {
		if !seen || t < ttl {
			ttl, seen = t, true
		}
	}
	if m.Rcode == dns.RcodeSuccess {
		for _, rr := range m.Answer {
			r, ok := rr.(*dns.A)
			if !ok || !strings.EqualFold(r.Hdr.Name, qname) {
				continue
			}
			ip, ok := netip.AddrFromSlice(r.A.To4())
			if !ok || ip.As4()[0] != 127 {
				continue
			}
			low(r.Hdr.Ttl)
			if len(a.Codes) < MaxAnswers {
				a.Codes = append(a.Codes, ip)
			}
		}
	}
	if len(a.Codes) == 0 { // negative: the SOA minimum bounds its caching
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				low(min(soa.Minttl, soa.Hdr.Ttl))
			}
		}
	}
	a.TTL = min(max(time.Duration(ttl)*time.Second, MinTTL), MaxTTL)
	return a, nil
}
