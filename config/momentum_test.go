package config

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// momentumConfigs are the realistic Momentum configurations of
// testdata/momentum, with scopes each must record as not applicable.
var momentumConfigs = map[string][]string{
	"m4_default.conf":   {"Security", "ThreadPool \"IO\"", "Spool", "sched", "ec_logger \"ec_logger\"", "inbound_audit", "Domain \"example.com\"", "httpsrv", "msg_gen", "option Keep_Message_Dicts_In_Memory"},
	"supercharger.conf": {"EventLoop \"event_loops\"", "Binding_Group \"group1\"", "Domain \"/(?:^|[.])example[.](com|co[.]uk)$/\"", "Domain \"[IPv6:2001:db8::25]\"", "Pathway \"inbound_mx\"", "Pathway_Group \"edge\"", "option Delivery_Pool"},
	"policy.conf":       {"opendkim \"opendkim1\"", "conntrol \"conntrol1\"", "scriptlet \"scriptlet\"", "alerting", "Authorization", "SNMP", "custom_logger \"custom_logger1\"", "Logging", "option Force_Fsync"},
}

// TestMomentumConfigsLoad loads each realistic configuration: it must load,
// warn for every not-applicable scope and option it holds, and match its
// golden -dump section and warnings (testdata/momentum/*.dump; -update
// rewrites them).
func TestMomentumConfigsLoad(t *testing.T) {
	for name, want := range momentumConfigs {
		t.Run(name, func(t *testing.T) {
			c, err := Load(filepath.Join("testdata/momentum", name))
			if err != nil {
				t.Fatalf("realistic Momentum config rejected:\n%v", err)
			}
			all := strings.Join(c.Warnings, "\n")
			for _, w := range want {
				if !strings.Contains(w, " ") || strings.Contains(w, "\"") {
					w = "scope " + w
				}
				if !strings.Contains(all, w+" is understood but not applicable to an ingress node: ") {
					t.Errorf("no not-applicable warning for %s in:\n%s", w, all)
				}
			}
			// Only the Momentum section of -dump: the listener part is
			// covered by the valid/ goldens and grows with every option.
			var b strings.Builder
			dump := Dump(c)
			i := strings.Index(dump, "\nmomentum  #")
			if i < 0 {
				t.Fatalf("-dump has no momentum section:\n%s", dump)
			}
			b.WriteString(dump[i+1:])
			for _, w := range c.Warnings {
				b.WriteString("warning: " + w + "\n")
			}
			golden(t, strings.TrimSuffix(filepath.Join("testdata/momentum", name), ".conf")+".dump", scrub(t, b.String()))
		})
	}
}

// TestMomentumModuleRecorded checks that a module scope keeps its
// instance, options (arrays included) and nested scopes, that Print writes
// it back so that it parses to the same text, and that the listeners of
// the same file still serve.
func TestMomentumModuleRecorded(t *testing.T) {
	c, err := Load("testdata/momentum/policy.conf")
	if err != nil {
		t.Fatal(err)
	}
	f := c.ForeignScope("OpenDKIM")
	if f == nil || f.Instance != "opendkim1" || f.Answer != NotApplicable {
		t.Fatalf("opendkim scope: %+v", f)
	}
	opts := map[string]string{}
	for _, o := range f.Options {
		opts[o.Name] = o.Value
	}
	if opts["headerlist"] != `( from to message-id date subject Content-Type )` || opts["digest"] != "rsa-sha256" {
		t.Errorf("opendkim options: %v", opts)
	}
	if len(f.Scopes) != 1 || f.Scopes[0].Name != "dkim_domain" || f.Scopes[0].Instance != "ectest.example.com" ||
		len(f.Scopes[0].Options) != 1 || f.Scopes[0].Options[0].Value != "dkim-s1024" {
		t.Errorf("nested dkim_domain: %+v", f.Scopes)
	}
	if len(c.Listeners) != 2 || c.Listeners[1].Kind != "Control_Listener" {
		t.Errorf("listeners next to the modules: %+v", c.Listeners)
	}
	p1 := Print(c)
	c2, err := Parse("/nonexistent/p.conf", p1)
	if err != nil {
		t.Fatalf("printed config does not parse: %v\n%s", err, p1)
	}
	if p2 := Print(c2); !bytes.Equal(p1, p2) {
		t.Fatalf("print not stable:\n%s\n---\n%s", p1, p2)
	}
	if !bytes.Contains(p1, []byte("opendkim \"opendkim1\" {\n  header_canon = relaxed\n")) {
		t.Errorf("Print lost the module:\n%s", p1)
	}
}

// TestMomentumUnknown: names outside both registries stay errors, with a
// suggestion drawn from Momentum's names too; Momentum scopes are valid
// only at the top level.
func TestMomentumUnknown(t *testing.T) {
	cases := []struct{ src, want string }{
		{"opendkm \"x\" { }\n", `unknown scope "opendkm"; did you mean opendkim?`},
		{"Keep_Message_Dict_In_Memory = true\n", `unknown option "Keep_Message_Dict_In_Memory"; did you mean Keep_Message_Dicts_In_Memory?`},
		{"ThreadPol \"IO\" { }\n", `did you mean ThreadPool?`},
		{"ESMTP_Listener { Domain \"x\" { } }\n", `unknown scope "Domain"`},
		{"ESMTP_Listener { Max_Outbound_Connections = 3 }\n", `unknown option "Max_Outbound_Connections"`},
		{"Growbuf_Size = 1\nGrowbuf_Size = 2\n", `option Growbuf_Size is already set in this scope`},
	}
	for _, tc := range cases {
		_, err := Parse("/nonexistent/u.conf", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestMomentumSplitEveryOffset parses a module-heavy file cut at every byte
// offset: each prefix either parses or fails with positioned errors, never
// panics, and the whole file always gives the same records.
func TestMomentumSplitEveryOffset(t *testing.T) {
	src := []byte("opendkim \"o\" {\n  headerlist = (\"from\", \"to\")\n  d \"x\" { s = 1 }\n}\nGrowbuf_Size = 4\nESMTP_Listener { Listen \"127.0.0.1:2525\" { } }\n")
	for i := 0; i <= len(src); i++ {
		_, err := parse("/nonexistent/s.conf", "/nonexistent", src[:i], nil)
		if err != nil {
			if _, ok := err.(*Errors); !ok {
				t.Fatalf("offset %d: error type %T", i, err)
			}
		}
	}
	c, err := parse("/nonexistent/s.conf", "/nonexistent", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A Momentum global that is a Handoff option in sluice is recorded at
	// the top level, and still typed inside Handoff.
	c2, err := parse("/nonexistent/r.conf", "/nonexistent", []byte("Retry_Interval = 1200\nHandoff { Retry_Interval = 60 }\n"), nil)
	if err != nil || len(c2.Foreign()) != 1 || c2.Foreign()[0].Name != "Retry_Interval" {
		t.Errorf("global Retry_Interval: %v %+v", err, c2)
	}
	if fs := c.Foreign(); len(fs) != 2 || fs[0].Name != "opendkim" || fs[1].Value() != "4" {
		t.Errorf("records: %+v", fs)
	}
}

// TestMomentumDNSBLApplies: a dnsbl module scope is the one with the
// answer "applies": its zones, threshold and timeout become DNSBL_Zones,
// DNSBL_Threshold and DNSBL_Timeout (no warning), shown by -dump with the
// scope's lines, and Print writes the scope back, not the mapped options.
func TestMomentumDNSBLApplies(t *testing.T) {
	src := "dnsbl \"a\" { zone = \"zen.example.org\"  threshold = 2 }\ndnsbl \"b\" { zones = ( \"bl.example.net*2\" ) timeout = 3 }\n"
	c, err := parse("/nonexistent/d.conf", "/nonexistent", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := c.Global()
	if z := g.List("dnsbl_zones"); len(z) != 2 || z[0] != "zen.example.org" || z[1] != "bl.example.net*2" {
		t.Errorf("DNSBL_Zones = %q", z)
	}
	if g.Int("dnsbl_threshold") != 2 || g.Int("dnsbl_timeout") != 3 {
		t.Errorf("threshold %d timeout %d", g.Int("dnsbl_threshold"), g.Int("dnsbl_timeout"))
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "dnsbl") {
			t.Errorf("warning for an applied scope: %s", w)
		}
	}
	if d := Dump(c); !strings.Contains(d, "DNSBL_Zones = ( zen.example.org bl.example.net*2 )  # /nonexistent/d.conf:1") ||
		!strings.Contains(d, "applies: mapped onto DNSBL_Zones") {
		t.Errorf("dump:\n%s", d)
	}
	p1 := Print(c)
	if strings.Contains(string(p1), "DNSBL_Zones") {
		t.Errorf("Print wrote the mapped option:\n%s", p1)
	}
	c2, err := parse("/nonexistent/d.conf", "/nonexistent", p1, nil)
	if err != nil || !bytes.Equal(Print(c2), p1) {
		t.Fatalf("print round trip: %v\n%s", err, p1)
	}
	for _, bad := range []struct{ src, want string }{
		{"DNSBL_Zones = ( x.example )\ndnsbl { zone = y.example }\n", "DNSBL_Zones is set both here and at"},
		{"dnsbl { zonez = y.example }\n", `unknown dnsbl option "zonez"; did you mean zone?`},
		{"dnsbl \"a\" { threshold = 1 }\ndnsbl \"b\" { threshold = 2 }\n", "dnsbl threshold is already set"},
		{"dnsbl { timeout = soon }\n", "DNSBL_Timeout"},
	} {
		if _, err := parse("/nonexistent/d.conf", "/nonexistent", []byte(bad.src), nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.src, err, bad.want)
		}
	}
}
