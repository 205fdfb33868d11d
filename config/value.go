package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

var kindNames = [...]string{"a string", "an integer", "a size in bytes", "a boolean (true/false, yes/no, on/off, enabled/disabled, 1/0)",
	"an octal permission mode such as 0660", "a number of seconds", "an array ( a b … )", "a dictionary [ key = value … ]",
	"a socket address such as 127.0.0.1:25 or [::1]:25", "an IP address or CIDR", "a throttle \"N\" or \"N/S\""}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", k)
}

// typed converts a raw value for option d into a Value, or explains why not.
func typed(d *optDef, rv *rawVal) (*Value, error) {
	v := &Value{Kind: d.Kind, Src: rv.src}
	switch d.Kind {
	case KindArray:
		items := []*rawVal{rv}
		if rv.kind == rvArray {
			items = rv.items
		} else if rv.kind == rvDict {
			return nil, fmt.Errorf("option %s wants %s", d.Name, d.Kind)
		}
		v.List = make([]string, 0, len(items))
		for _, it := range items {
			if it.kind != rvScalar {
				return nil, fmt.Errorf("option %s: array elements must be plain values, not nested arrays or dictionaries", d.Name)
			}
			if why := checkText(it.text); why != "" {
				return nil, fmt.Errorf("option %s: %s", d.Name, why)
			}
			if d.Elem == KindCIDR {
				if _, err := ParsePeer(it.text); err != nil {
					return nil, fmt.Errorf("option %s: %v", d.Name, err)
				}
			}
			v.List = append(v.List, it.text)
		}
		v.Raw = formatList(v.List)
		return v, nil
	case KindDict:
		if rv.kind != rvDict {
			return nil, fmt.Errorf("option %s wants %s", d.Name, d.Kind)
		}
		v.Dict = make(map[string]string, len(rv.keys))
		for i, k := range rv.keys {
			if rv.items[i].kind != rvScalar {
				return nil, fmt.Errorf("option %s: dictionary values must be plain values", d.Name)
			}
			if why := checkText(k + rv.items[i].text); why != "" {
				return nil, fmt.Errorf("option %s: %s", d.Name, why)
			}
			v.Dict[strings.ToLower(k)] = rv.items[i].text
		}
		v.Raw = formatDict(v.Dict)
		return v, nil
	}
	if rv.kind != rvScalar {
		return nil, fmt.Errorf("option %s wants %s, not an array or dictionary", d.Name, d.Kind)
	}
	v.Raw = rv.text
	if why := checkOption(d, rv.text); why != "" {
		return nil, fmt.Errorf("option %s: %s", d.Name, why)
	}
	if err := scalar(d, v, rv.text); err != nil {
		if len(d.Enum) > 0 {
			return nil, fmt.Errorf("option %s wants one of %s; got %q", d.Name, enumText(d), rv.text)
		}
		return nil, fmt.Errorf("option %s wants %s, got %q%s", d.Name, d.Kind, rv.text, err.Error())
	}
	return v, nil
}

// scalar fills v from text per d's kind. The error text is appended to a
// standard message, so it is "" or starts with a separator.
func scalar(d *optDef, v *Value, s string) error {
	bad := fmt.Errorf("")
	switch d.Kind {
	case KindString:
		if len(d.Enum) > 0 && !inEnum(d, s) {
			return bad
		}
	case KindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad
		}
		v.Int = n
	case KindSize:
		n, err := parseSize(s)
		if err != nil {
			return bad
		}
		v.Int = n
	case KindBool:
		b, ok := parseBool(s)
		if !ok {
			return bad
		}
		v.Bool = b
	case KindPerms:
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil || n > 0o7777 {
			return bad
		}
		v.Int = int64(n)
	case KindSeconds:
		n, err := strconv.ParseUint(s, 10, 31)
		if err != nil {
			return bad
		}
		v.Int = int64(n)
		v.Dur = time.Duration(n) * time.Second
	case KindSockAddr:
		if d.OffOK && strings.EqualFold(s, "off") {
			return nil
		}
		a, err := ParseListenAddr(s, "/")
		if err != nil || a.Network != "tcp" {
			return bad
		}
	case KindCIDR:
		if _, err := ParsePeer(s); err != nil {
			return fmt.Errorf(": %v", err)
		}
	case KindThrottle:
		return parseThrottle(v, s)
	}
	return nil
}

func inEnum(d *optDef, s string) bool {
	for _, e := range d.Enum {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	if d.EnumNum {
		n, err := strconv.ParseUint(s, 10, 31)
		return err == nil && n > 0
	}
	return false
}

func enumText(d *optDef) string {
	s := strings.Join(d.Enum, ", ")
	if d.EnumNum {
		s += " or a positive number"
	}
	return s
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "enabled", "1":
		return true, true
	case "false", "no", "off", "disabled", "0":
		return false, true
	}
	return false, false
}

// parseSize accepts a non-negative byte count with an optional K, M or G
// suffix (powers of 1024).
func parseSize(s string) (int64, error) {
	mul := int64(1)
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'k', 'K':
			mul = 1 << 10
		case 'm', 'M':
			mul = 1 << 20
		case 'g', 'G':
			mul = 1 << 30
		}
		if mul > 1 {
			s = s[:n-1]
		}
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || int64(n) > (1<<62)/mul {
		return 0, fmt.Errorf("bad size")
	}
	return int64(n) * mul, nil
}

// parseThrottle reads "N" (per second) or "N/S" (N per S seconds).
func parseThrottle(v *Value, s string) error {
	num, per, slash := strings.Cut(s, "/")
	n, err := strconv.ParseUint(num, 10, 62)
	if err != nil {
		return fmt.Errorf("")
	}
	secs := uint64(1)
	if slash {
		if secs, err = strconv.ParseUint(per, 10, 31); err != nil || secs == 0 {
			return fmt.Errorf("")
		}
	}
	v.Int = int64(n)
	v.Dur = time.Duration(secs) * time.Second
	return nil
}

// defaultValue builds the Value of d's compiled default.
func defaultValue(d *optDef) *Value {
	rv := &rawVal{kind: rvScalar, text: d.Def}
	if d.Kind == KindArray {
		rv = &rawVal{kind: rvArray}
	}
	v, err := typed(d, rv)
	if err != nil {
		panic("config: bad default for " + d.Name + ": " + err.Error())
	}
	v.Src = Source{}
	return v
}

// ParsePeer parses a Peer name: an IP address or CIDR, brackets tolerated.
// A bare address is a host route (/32 or /128). Host bits set are an error
// that names the network address.
func ParsePeer(s string) (netip.Prefix, error) {
	t := s
	if strings.HasPrefix(t, "[") {
		if i := strings.IndexByte(t, ']'); i > 0 {
			t = t[1:i] + t[i+1:]
		}
	}
	if strings.Contains(t, "%") {
		return netip.Prefix{}, fmt.Errorf("Peer %q: zones are not allowed", s)
	}
	if !strings.Contains(t, "/") {
		a, err := netip.ParseAddr(t)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("Peer %q is not an IP address or CIDR", s)
		}
		return unmapPrefix(netip.PrefixFrom(a, a.BitLen())), nil
	}
	p, err := netip.ParsePrefix(t)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("Peer %q is not an IP address or CIDR", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("Peer %q has host bits set; the network is %q", s, m.String())
	}
	return unmapPrefix(p), nil
}

// unmapPrefix writes an IPv4-mapped IPv6 prefix of /96 or longer as the
// IPv4 prefix it covers, because connections are matched as IPv4.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}
