package smtp

import (
	"net/netip"
	"unicode/utf8"
)

// path is a parsed RFC 5321 Reverse-path or Forward-path. Its slices point
// into the command line and are valid only while it is.
type path struct {
	mailbox    []byte // Local-part "@" domain, source route dropped
	domain     []byte // domain or address literal with its brackets
	null       bool   // "<>"
	postmaster bool   // "<postmaster>" without a domain
	ipLit      bool
	nonASCII   bool // UTF-8 in the mailbox (needs SMTPUTF8)
}

// Limits from RFC 5321 4.5.3.1.
const (
	maxLocal   = 64
	maxDomain  = 255
	maxMailbox = 254
)

// parsePath parses "<...>" at the start of b and returns the bytes after the
// closing bracket. ws allows blanks just inside the brackets. It does not
// allocate.
func parsePath(b []byte, ws bool) (p path, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != '<' {
		return p, nil, false
	}
	i := skipWS(b, 1, ws)
	if i < len(b) && b[i] == '>' {
		p.null = true
		return p, b[i+1:], true
	}
	if i < len(b) && b[i] == '@' { // A-d-l: accepted and ignored (RFC 5321 4.1.2)
		if i = skipRoute(b, i); i < 0 {
			return p, nil, false
		}
	}
	start := i
	if i = localPart(b, i, &p); i < 0 || i-start > maxLocal {
		return p, nil, false
	}
	if i < len(b) && b[i] == '@' {
		ds := i + 1
		if i = domainOrLiteral(b, ds, &p); i < 0 || i-ds > maxDomain {
			return p, nil, false
		}
		p.domain = b[ds:i]
	} else if !asciiFold(b[start:i], "postmaster") {
		return p, nil, false
	} else {
		p.postmaster = true
	}
	p.mailbox = b[start:i]
	i = skipWS(b, i, ws)
	if i >= len(b) || b[i] != '>' || len(p.mailbox) > maxMailbox {
		return p, nil, false
	}
	if p.nonASCII && !utf8.Valid(p.mailbox) {
		return p, nil, false
	}
	return p, b[i+1:], true
}

func skipWS(b []byte, i int, ws bool) int {
	for ws && i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// skipRoute skips `@domain *("," "@" domain) ":"`.
func skipRoute(b []byte, i int) int {
	var scratch path
	for i < len(b) && b[i] == '@' {
		if i = domain(b, i+1, &scratch); i < 0 || i >= len(b) {
			return -1
		}
		switch b[i] {
		case ':':
			return i + 1
		case ',':
			i++
		default:
			return -1
		}
	}
	return -1
}

// localPart parses a Dot-string or a Quoted-string.
func localPart(b []byte, i int, p *path) int {
	if i < len(b) && b[i] == '"' {
		for i++; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				return i + 1
			case c == '\\':
				if i+1 >= len(b) || b[i+1] < 32 || b[i+1] > 126 {
					return -1
				}
				i++
			case c >= 0x80:
				p.nonASCII = true
			case c < 32 || c > 126:
				return -1
			}
		}
		return -1
	}
	start, atom := i, 0
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '.':
			if atom == 0 {
				return -1
			}
			atom = 0
			continue
		case c >= 0x80:
			p.nonASCII = true
		case !atext[c]:
			if atom == 0 || i == start {
				return -1
			}
			return i
		}
		atom++
	}
	return -1
}

// domainOrLiteral parses a Domain or an address-literal.
func domainOrLiteral(b []byte, i int, p *path) int {
	if i >= len(b) || b[i] != '[' {
		return domain(b, i, p)
	}
	j := i + 1
	for j < len(b) && b[j] != ']' {
		j++
	}
	if j >= len(b) {
		return -1
	}
	lit := b[i+1 : j]
	v6 := len(lit) > 5 && asciiFold(lit[:5], "IPv6:")
	if v6 {
		lit = lit[5:]
	}
	a, err := netip.ParseAddr(string(lit))
	if err != nil || a.Is6() != v6 || a.Zone() != "" {
		return -1
	}
	p.ipLit = true
	return j + 1
}

// domain parses sub-domain *("." sub-domain); a sub-domain is letters,
// digits and inner hyphens (UTF-8 U-labels allowed, flagged non-ASCII).
func domain(b []byte, i int, p *path) int {
	label, last := 0, byte(0)
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '.':
			if label == 0 || last == '-' {
				return -1
			}
			label = 0
			last = c
			continue
		case c == '-':
			if label == 0 {
				return -1
			}
		case c >= 0x80:
			p.nonASCII = true
		case !isLetDig(c):
			if label == 0 || last == '-' {
				return -1
			}
			return i
		}
		if label++; label > 63 {
			return -1
		}
		last = c
	}
	if label == 0 || last == '-' {
		return -1
	}
	return i
}

func isLetDig(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// atext is RFC 5322 atext (ASCII part).
var atext = func() (t [128]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-/=?^_`{|}~" {
		t[c] = true
	}
	return t
}()

// validHelo accepts a domain (underscores tolerated: many hosts have
// them) or an address literal, and nothing else.
func validHelo(arg []byte) bool {
	if len(arg) == 0 || len(arg) > maxDomain {
		return false
	}
	var p path
	if arg[0] == '[' {
		return domainOrLiteral(arg, 0, &p) == len(arg)
	}
	for _, c := range arg {
		if !isLetDig(c) && c != '-' && c != '.' && c != '_' && c < 0x80 {
			return false
		}
	}
	return utf8.Valid(arg)
}
