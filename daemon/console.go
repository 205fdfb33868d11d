package daemon

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/control"
)

// Version is what "version" answers.
const Version = "sluice 0.1"

// controlFactory is the Control_Listener's factory; the daemon is its
// Backend. Console commands run off the workers (proto.Host.Go).
func (d *Daemon) controlFactory(c *config.Config) proto.Factory {
	base := ""
	if c.Path != "" && !strings.HasPrefix(c.Path, "<") {
		base = filepath.Dir(c.Path)
	}
	return control.NewFactory(control.FactoryOptions{Backend: console{d}, Logger: d.log,
		Version: Version, PID: os.Getpid(), BaseDir: base})
}

// console implements control.Backend over the daemon.
type console struct{ d *Daemon }

var _ control.Backend = console{}

func valueReply(path []string, v *config.Value) control.Reply {
	opt := path[len(path)-1]
	src := "default"
	if !v.Src.IsDefault() {
		src = fmt.Sprintf("%s:%d", v.Src.File, v.Src.Line)
	}
	return control.Reply{Text: fmt.Sprintf("%s = %s", opt, v.Raw),
		Data: map[string]any{"option": opt, "value": v.Raw, "source": src, "scope": v.Scope}}
}

func (k console) ConfigGet(path []string) (control.Reply, error) {
	v, err := k.d.Config().Get(path)
	if err != nil {
		return control.Reply{}, err
	}
	return valueReply(path, v), nil
}

func (k console) ConfigEval(path []string) (control.Reply, error) {
	v, err := k.d.Config().Eval(path)
	if err != nil {
		return control.Reply{}, err
	}
	return valueReply(path, v), nil
}

func (k console) ConfigSet(path []string, v control.Value) (control.Reply, error) {
	text, err := k.d.Set(path, v.ConfigText())
	if err != nil {
		return control.Reply{}, err
	}
	return control.Reply{Text: text}, nil
}

func (k console) ConfigCommit(cs []control.Change) (control.Reply, error) {
	text, err := k.d.Commit(cs)
	return control.Reply{Text: text}, err
}

func (k console) ConfigUnset(path []string) (control.Reply, error) {
	if _, err := k.d.Unset(path); err != nil {
		return control.Reply{}, err
	}
	opt := path[len(path)-1]
	v, err := k.d.Config().Eval(path)
	if err != nil {
		return control.Reply{Text: fmt.Sprintf("%q has been unset.", opt)}, nil
	}
	return control.Reply{Text: fmt.Sprintf("%q has been unset. Effective value is now:\n%s = %s", opt, opt, v.Raw)}, nil
}

func (k console) ConfigShow(path []string, recurse bool) (control.Reply, error) {
	text, err := k.d.Config().Show(path, recurse)
	return control.Reply{Text: text}, err
}

func (k console) Reload(path string) (control.Reply, error) {
	text, err := k.d.ConsoleReload(path)
	return control.Reply{Text: text}, err
}

// summaryLabels are Momentum's console labels for the JSON keys, in
// order, with the unit the text form prints after the value.
var summaryLabels = [][3]string{
	{"InboundConcurrency", "Inbound Concurrency", "connections"},
	{"AcceptedConnections", "Accepted Connections", "connections"},
	{"ReceivedMessages", "Received Messages", "messages"},
	{"RejectedMessages", "Rejected Messages", "messages"},
	{"ReceptionRate", "Reception Rate", "msg/s (average since reset)"},
	{"CurrentReceptionRate", "Current Reception Rate", "msg/s (last minute)"},
	{"RejectionRate", "Rejection Rate", "msg/s (average since reset)"},
	{"CurrentRejectionRate", "Current Rejection Rate", "msg/s (last minute)"},
	{"RejectionPercentage", "Rejection Percentage", "%"},
	{"StatisticsLastReset", "Statistics Last Reset", "s ago"},
	{"Uptime", "Uptime", "s"},
}

func (k console) Summary() control.Reply {
	s := k.d.summary()
	var b strings.Builder
	for _, l := range summaryLabels {
		switch v := s[l[0]].(type) {
		case float64:
			fmt.Fprintf(&b, "%-24s %.2f %s\n", l[1]+":", v, l[2])
		default:
			fmt.Fprintf(&b, "%-24s %v %s\n", l[1]+":", v, l[2])
		}
	}
	return control.Reply{Text: b.String(), Data: s}
}

func (k console) SummaryReset() control.Reply {
	k.d.resetSummary()
	return control.Reply{Text: "statistics cleared."}
}

func (k console) ShowInbound() control.Reply {
	conns := k.d.eng.Conns()
	sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
	var b strings.Builder
	now := time.Now()
	for _, c := range conns {
		fmt.Fprintf(&b, "%d: [inbound/%s] %s %s %s (for %.3fs) [worker %d]\n", c.ID,
			strings.ToLower(c.Listener), c.Listen, c.Peer, c.State, now.Sub(c.Since).Seconds(), c.Worker)
	}
	if len(conns) == 0 {
		b.WriteString("no inbound connections\n")
	}
	return control.Reply{Text: b.String(), Data: conns}
}

func (k console) Count(service string, bits int) (control.Reply, error) {
	groups := map[netip.Prefix]int{}
	total := 0
	for _, c := range k.d.eng.Conns() {
		if !serviceIs(c.Listener, service) {
			continue
		}
		// A Unix-socket client counts as 127.0.0.1, as for Peer matching.
		a := netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if c.Peer != "unix" {
			ap, err := netip.ParseAddrPort(c.Peer)
			if err != nil {
				continue
			}
			a = ap.Addr().Unmap()
		}
		b := bits
		if a.Is4() && b > 32 {
			b = 32
		}
		p, _ := a.Prefix(b)
		groups[p]++
		total++
	}
	if len(groups) <= 1 {
		return control.Reply{Text: fmt.Sprintf("%d sessions", total), Data: map[string]int{"sessions": total}}, nil
	}
	keys := make([]netip.Prefix, 0, len(groups))
	for p := range groups {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	var b strings.Builder
	data := map[string]int{}
	for _, p := range keys {
		fmt.Fprintf(&b, "  %-40s %d\n", p, groups[p])
		data[p.String()] = groups[p]
	}
	fmt.Fprintf(&b, "%d sessions\n", total)
	return control.Reply{Text: b.String(), Data: data}, nil
}

func (k console) Listeners() control.Reply {
	ls := k.d.eng.Listeners()
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "%s %s: %s", l.Listener, l.Address, l.State)
		if l.Reason != "" {
			fmt.Fprintf(&b, " (%s)", l.Reason)
		}
		fmt.Fprintf(&b, ", %d sockets, %d open connections\n", l.Sockets, l.Open)
	}
	return control.Reply{Text: b.String(), Data: ls}
}

func (k console) Peer(listener, listen string, ip netip.Addr) (control.Reply, error) {
	c := k.d.Config()
	l := c.FindListen(listener, listen)
	if l == nil {
		return control.Reply{}, fmt.Errorf("no Listen %q in %s", listen, listener)
	}
	tbl, err := peerTable(c, l)
	if err != nil {
		return control.Reply{}, err
	}
	m := tbl.Lookup(ip)
	var b strings.Builder
	matched := "none (Listen and listener values apply)"
	if len(m.Chain) > 0 {
		matched = strings.Join(m.Chain, " > ")
	}
	fmt.Fprintf(&b, "matched Peer: %s\n", matched)
	names := m.Policy.Names()
	sort.Strings(names)
	opts := map[string]map[string]string{}
	for _, n := range names {
		v, _ := m.Policy.Value(n)
		src := "default"
		if !v.Src.IsDefault() {
			src = fmt.Sprintf("%s:%d (%s)", v.Src.File, v.Src.Line, v.Scope)
		}
		fmt.Fprintf(&b, "  %-40s %-30s %s\n", n, v.Raw, src)
		opts[n] = map[string]string{"value": v.Raw, "source": src}
	}
	return control.Reply{Text: b.String(), Data: map[string]any{"peer": m.Chain, "options": opts}}, nil
}

// Shutdown asks sluiced to drain and stop; it returns at once so the
// answer reaches the console before the listeners close.
func (k console) Shutdown() (control.Reply, error) {
	k.d.requestStop()
	return control.Reply{Text: "shutting down"}, nil
}

// serviceIs matches a "count" service name against a listener type: the
// Momentum service name (SMTP, ECStream, HTTP, Control), the listener type
// (ESMTP_Listener) or the type without "_Listener" (esmtp), in any case.
func serviceIs(listener, service string) bool {
	l := strings.ToLower(listener)
	return strings.EqualFold(config.KindOf(listener).Service, service) || strings.EqualFold(listener, service) ||
		strings.EqualFold(strings.TrimSuffix(l, "_listener"), service)
}

// Upgrade asks cmd/sluiced to start its successor; it returns at once so
// the answer reaches the console before this process drains.
func (k console) Upgrade() (control.Reply, error) {
	k.d.RequestUpgrade()
	return control.Reply{Text: "upgrade started: the binary at sluiced's path takes the sockets and the spool; this process drains and exits (the daemon log tells the outcome)"}, nil
}
