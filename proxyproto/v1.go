package proxyproto

import (
	"bytes"
	"net/netip"
)

// parseV1 reads "PROXY proto src dst sport dport\r\n".
func parseV1(b []byte) (h Header, n int, err error) {
	for i := 0; i < len(b) && i < len(prefixV1); i++ {
		if b[i] != prefixV1[i] {
			return h, 0, bad(1, "bad signature")
		}
	}
	end := -1
	lim := min(len(b), MaxV1)
	for i := 0; i < lim; i++ {
		switch b[i] {
		case '\n':
			return h, 0, bad(1, "bare LF in header line")
		case '\r':
			if i+1 == len(b) {
				return h, 0, ErrIncomplete
			}
			if b[i+1] != '\n' {
				return h, 0, bad(1, "bare CR in header line")
			}
			end = i
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		if len(b) >= MaxV1 {
			return h, 0, bad(1, "no CRLF within 107 bytes")
		}
		return h, 0, ErrIncomplete
	}
	if end+2 > MaxV1 {
		return h, 0, bad(1, "no CRLF within 107 bytes")
	}
	if h, err = fieldsV1(b[len(prefixV1):end]); err != nil {
		return h, 0, err
	}
	return h, end + 2, nil
}

// fieldsV1 parses the line between "PROXY " and CRLF.
func fieldsV1(line []byte) (h Header, err error) {
	h.Version = 1
	var f [5][]byte
	nf := 0
	for rest := line; ; nf++ {
		i := bytes.IndexByte(rest, ' ')
		if nf == 0 && string(rest) == "UNKNOWN" || nf == 0 && i == 7 && string(rest[:i]) == "UNKNOWN" {
			h.Local = true // the sender may put anything after UNKNOWN
			return h, nil
		}
		if nf == len(f) {
			return h, bad(1, "too many fields")
		}
		if i < 0 {
			f[nf] = rest
			nf++
			break
		}
		f[nf], rest = rest[:i], rest[i+1:]
	}
	if nf != len(f) {
		return h, bad(1, "too few fields")
	}
	var want6 bool
	switch string(f[0]) {
	case "TCP4":
	case "TCP6":
		want6 = true
	default:
		return h, bad(1, "unknown protocol "+quoteField(f[0]))
	}
	src, err1 := addrV1(f[1], want6)
	dst, err2 := addrV1(f[2], want6)
	sp, ok1 := portV1(f[3])
	dp, ok2 := portV1(f[4])
	switch {
	case err1 != nil:
		return h, err1
	case err2 != nil:
		return h, err2
	case !ok1 || !ok2:
		return h, bad(1, "bad port")
	}
	h.Src, h.Dst = netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)
	return h, nil
}

// addrV1 parses a TCP4 or TCP6 address. netip refuses IPv4 octets with
// leading zeros, which the spec forbids (they could be read as octal).
func addrV1(s []byte, want6 bool) (netip.Addr, error) {
	a, err := netip.ParseAddr(string(s))
	switch {
	case err != nil:
		return a, bad(1, "bad address "+quoteField(s))
	case want6 && (!a.Is6() || a.Zone() != ""):
		return a, bad(1, "TCP6 with a non-IPv6 address")
	case !want6 && !a.Is4():
		return a, bad(1, "TCP4 with a non-IPv4 address")
	}
	return a, nil
}

// portV1 parses 0-65535 in decimal without leading zeros.
func portV1(s []byte) (uint16, bool) {
	if len(s) == 0 || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	v := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return uint16(v), v <= 65535
}

// quoteField bounds and quotes a field for an error message.
func quoteField(s []byte) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return "\"" + string(bytes.ToValidUTF8(s, []byte("?"))) + "\""
}
