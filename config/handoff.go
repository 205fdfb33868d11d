package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Handoff is the resolved global Handoff scope: where accepted mail goes.
type Handoff struct {
	Targets          []*Target
	RetryInterval    time.Duration
	MaxRetryInterval time.Duration
	MaxRetryTime     time.Duration
	DrainTime        time.Duration
	HighWater        HighWater
	Src              Source
}

// Target is one Target scope with its options resolved (Target, then
// Handoff, then the default).
type Target struct {
	URL         string // as written
	Scheme      string // "smtp", "lmtp", "nats", "maildir"
	Network     string // "tcp" or "unix" (smtp, lmtp, nats)
	Addr        string // host:port or socket path (smtp, lmtp, nats)
	Path        string // maildir directory
	Stream      string // nats: JetStream stream
	Subject     string // nats: subject published to
	Connections int
	Weight      int
	TLS         string // "off", "opportunistic", "required"
	TLSVerify   bool
	Timeout     time.Duration
	HeloName    string
	Src         Source
}

// HighWater is Spool_High_Water: a share of the spool's filesystem
// (Percent > 0) or an absolute size in bytes.
type HighWater struct {
	Percent float64
	Bytes   int64
}

// Handoff returns the Handoff scope, or nil when there is none (the node
// then keeps every message: keep-only mode).
func (c *Config) Handoff() *Handoff {
	hs := c.root.child(lvHandoff, "Handoff")
	if hs == nil {
		return nil
	}
	get := func(name string, order ...*scope) *Value { return c.effective(lookupOpt(name), order) }
	h := &Handoff{Src: hs.src,
		RetryInterval:    get("retry_interval", hs).Dur,
		MaxRetryInterval: get("max_retry_interval", hs).Dur,
		MaxRetryTime:     get("max_retry_time", hs).Dur,
		DrainTime:        get("drain_time", hs).Dur,
	}
	h.HighWater, _ = ParseHighWater(get("spool_high_water", hs).Raw)
	for _, ts := range hs.kids {
		t, _ := ParseTargetURL(ts.name, c.baseDir)
		t.Src = ts.src
		t.Connections = int(get("connections", ts, hs).Int)
		t.Weight = int(get("weight", ts, hs).Int)
		t.TLS = strings.ToLower(get("tls", ts, hs).Raw)
		t.TLSVerify = get("tls_verify", ts, hs).Bool
		t.Timeout = get("timeout", ts, hs).Dur
		if v := get("helo_name", ts, hs); v != nil {
			t.HeloName = v.Raw
		}
		h.Targets = append(h.Targets, t)
	}
	return h
}

// handoff builds a Handoff scope (parent is the root) or one of its
// Target scopes (parent is the Handoff).
func (b *builder) handoff(parent *scope, n *node) {
	if parent.lv == lvGlobal {
		if n.inst != nil {
			b.errs.add(n.inst.src, "Handoff takes no instance name", "write Handoff { Target \"smtp://host:25\" { } }")
			return
		}
		sc := parent.child(lvHandoff, "Handoff")
		if sc == nil {
			sc = &scope{lv: lvHandoff, key: "Handoff", path: "Handoff", src: n.src}
			parent.kids = append(parent.kids, sc)
		}
		b.body(sc, n.body)
		if st := sc.get(lookupOpt("spool_high_water")); st != nil {
			if _, err := ParseHighWater(st.val.Raw); err != nil {
				b.errs.add(st.val.Src, err.Error(), "")
			}
		}
		return
	}
	if n.inst == nil {
		b.errs.add(n.src, "Target needs a URL, as in Target \"smtp://10.0.0.5:25\" { }", "")
		return
	}
	if _, err := ParseTargetURL(n.inst.text, b.baseDir); err != nil {
		b.errs.add(n.inst.src, err.Error(), "use smtp://host:port, lmtp://host:port, lmtp:/path/to/socket, nats://host:port/STREAM/subject or maildir:/path")
		return
	}
	if old := parent.child(lvTarget, n.inst.text); old != nil {
		b.errs.add(n.src, fmt.Sprintf("Target %q is already declared at %s", n.inst.text, old.src), "merge the two Target scopes")
		return
	}
	sc := &scope{lv: lvTarget, name: n.inst.text, key: n.inst.text, src: n.src}
	sc.path = childPath(parent, "Target", sc.key)
	parent.kids = append(parent.kids, sc)
	b.body(sc, n.body)
}

// ParseTargetURL reads a Target name. Relative maildir and LMTP socket
// paths resolve against baseDir (the configuration's directory; "" keeps
// them relative to the working directory).
func ParseTargetURL(s, baseDir string) (*Target, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("target %q: no scheme", s)
	}
	t := &Target{URL: s, Scheme: strings.ToLower(scheme)}
	abs := func(p string) string {
		if baseDir != "" && !filepath.IsAbs(p) {
			return filepath.Join(baseDir, p)
		}
		return p
	}
	hostPort := func(def int) error {
		h, p, err := net.SplitHostPort(rest)
		if err != nil {
			h, p = rest, strconv.Itoa(def)
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || h == "" {
			return fmt.Errorf("target %q: want host:port", s)
		}
		t.Network, t.Addr = "tcp", net.JoinHostPort(h, p)
		return nil
	}
	switch t.Scheme {
	case "maildir":
		rest = strings.TrimPrefix(rest, "//")
		if rest == "" {
			return nil, fmt.Errorf("target %q: maildir needs a directory", s)
		}
		t.Path = abs(rest)
		return t, nil
	case "smtp", "lmtp":
		if !strings.HasPrefix(rest, "//") {
			if t.Scheme == "smtp" || rest == "" {
				return nil, fmt.Errorf("target %q: want %s://host:port", s, t.Scheme)
			}
			t.Network, t.Addr = "unix", abs(rest)
			return t, nil
		}
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "//"), "/")
		def := 25
		if t.Scheme == "lmtp" {
			def = 24
		}
		return t, hostPort(def)
	case "nats":
		rest = strings.TrimPrefix(rest, "//")
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("target %q: want nats://host:port/STREAM/subject", s)
		}
		rest, t.Stream, t.Subject = parts[0], parts[1], parts[2]
		return t, hostPort(4222)
	}
	return nil, fmt.Errorf("target %q: unknown scheme %q", s, scheme)
}

// ParseHighWater reads Spool_High_Water: "80%" or a size such as "20G".
func ParseHighWater(s string) (HighWater, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return HighWater{}, fmt.Errorf("Spool_High_Water %q: want a percentage in (0,100]", s)
		}
		return HighWater{Percent: f}, nil
	}
	n, err := parseSizeText(s)
	if err != nil || n <= 0 {
		return HighWater{}, fmt.Errorf("Spool_High_Water %q: want a percentage (\"80%%\") or a size (\"20G\")", s)
	}
	return HighWater{Bytes: n}, nil
}

// parseSizeText reads a byte count with an optional K, M, G or T suffix
// (powers of 1024).
func parseSizeText(s string) (int64, error) {
	mult := int64(1)
	if s != "" {
		switch strings.ToUpper(s[len(s)-1:]) {
		case "K":
			mult = 1 << 10
		case "M":
			mult = 1 << 20
		case "G":
			mult = 1 << 30
		case "T":
			mult = 1 << 40
		}
		if mult > 1 {
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

// handoffWarnings: with no Handoff scope nothing ever leaves the spool.
func handoffWarnings(root *scope) []string {
	hs := root.child(lvHandoff, "Handoff")
	if hs == nil {
		return []string{"no Handoff scope: accepted mail is kept in the spool and never passed on, so it accumulates until the disk fills (add Handoff { Target \"smtp://host:25\" { } })"}
	}
	if len(hs.kids) == 0 {
		return []string{fmt.Sprintf("%s: Handoff has no Target: accepted mail accumulates in the spool", hs.src)}
	}
	return nil
}

// dumpHandoff adds the Handoff scope to Dump: every option with its
// effective value and origin, per Target.
func dumpHandoff(b *strings.Builder, c *Config) {
	hs := c.root.child(lvHandoff, "Handoff")
	if hs == nil {
		b.WriteString("Handoff  # none: keep-only, mail accumulates in the spool\n")
		return
	}
	fmt.Fprintf(b, "Handoff  # %s\n", hs.src.short())
	for _, d := range handoffOpts(lvHandoff) {
		dumpLine(b, "  ", d, c.effective(d, []*scope{hs}))
	}
	for _, ts := range hs.kids {
		fmt.Fprintf(b, "  Target %s  # %s\n", quote2(ts.name), ts.src.short())
		for _, d := range handoffOpts(lvTarget) {
			dumpLine(b, "    ", d, c.effective(d, []*scope{ts, hs}))
		}
	}
}
