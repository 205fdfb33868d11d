package dnsbl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Zone is one list entry.
type Zone struct {
	Domain string // e.g. "zen.example.org"
	Weight int    // added when the filter matches; negative = allowlist
	filter *[4][]span
}

type span struct{ lo, hi uint8 }

// ParseZone reads "domain[=filter][*weight]".
func ParseZone(s string) (Zone, error) {
	z := Zone{Weight: 1}
	rest := strings.TrimSpace(s)
	if i := strings.LastIndexByte(rest, '*'); i >= 0 {
		w, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			return z, fmt.Errorf("dnsbl: %q: bad weight %q", s, rest[i+1:])
		}
		z.Weight, rest = w, rest[:i]
	}
	if i := strings.IndexByte(rest, '='); i >= 0 {
		f, err := parseFilter(rest[i+1:])
		if err != nil {
			return z, fmt.Errorf("dnsbl: %q: %v", s, err)
		}
		z.filter, rest = f, rest[:i]
	}
	rest = strings.TrimSuffix(strings.ToLower(rest), ".")
	if rest == "" || strings.ContainsAny(rest, " \t/[]") || strings.Contains(rest, "..") {
		return z, fmt.Errorf("dnsbl: %q: bad domain", s)
	}
	z.Domain = rest
	return z, nil
}

// parseFilter reads d.d.d.d, each d a number or [n;n..m;…].
func parseFilter(s string) (*[4][]span, error) {
	var f [4][]span
	parts := splitDots(s)
	if len(parts) != 4 {
		return nil, fmt.Errorf("filter %q is not four dotted parts", s)
	}
	for i, p := range parts {
		if strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
			p = p[1 : len(p)-1]
		}
		for _, r := range strings.Split(p, ";") {
			lo, hi, isRange := strings.Cut(r, "..")
			a, err1 := strconv.ParseUint(lo, 10, 8)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.ParseUint(hi, 10, 8)
			}
			if err1 != nil || err2 != nil || b < a {
				return nil, fmt.Errorf("filter %q: bad part %q", s, r)
			}
			f[i] = append(f[i], span{uint8(a), uint8(b)})
		}
	}
	return &f, nil
}

// Matches reports whether answer a satisfies z's filter.
func (z *Zone) Matches(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	if z.filter == nil {
		return b[0] == 127
	}
	for i, spans := range z.filter {
		ok := false
		for _, sp := range spans {
			if b[i] >= sp.lo && b[i] <= sp.hi {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// QueryName is the name looked up for addr in z: the reversed octets (IPv4)
// or nibbles (IPv6), then the domain, fully qualified.
func QueryName(addr netip.Addr, domain string) string {
	var b strings.Builder
	addr = addr.Unmap()
	if addr.Is4() {
		a := addr.As4()
		for i := 3; i >= 0; i-- {
			b.WriteString(strconv.Itoa(int(a[i])))
			b.WriteByte('.')
		}
	} else {
		a := addr.As16()
		const hex = "0123456789abcdef"
		for i := 15; i >= 0; i-- {
			b.WriteByte(hex[a[i]&0xF])
			b.WriteByte('.')
			b.WriteByte(hex[a[i]>>4])
			b.WriteByte('.')
		}
	}
	b.WriteString(domain)
	b.WriteByte('.')
	return b.String()
}

// splitDots splits at dots outside brackets ("[1..3]" holds two).
func splitDots(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
