package config

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDocsListActedOptions keeps docs/config.md's acted-on list equal to
// the registry's.
func TestDocsListActedOptions(t *testing.T) {
	b, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "<!-- acted-on begin -->")
	list, _, ok := strings.Cut(rest, "<!-- acted-on end -->")
	if !ok {
		t.Fatal("docs/config.md has no acted-on markers")
	}
	var doc []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			doc = append(doc, f)
		}
	}
	var reg []string
	for _, d := range optsFor(tyAll) {
		if d.Acts {
			reg = append(reg, d.Name)
		}
	}
	if !slices.Equal(doc, reg) {
		t.Errorf("docs list:\n%v\nregistry:\n%v", doc, reg)
	}
}

// TestRegistryDefaults checks the defaults the task and the spec fix, and
// that every default types cleanly.
func TestRegistryDefaults(t *testing.T) {
	want := map[string]string{
		"idle_time": "300", "reconfig_message": "4.3.2 Reconfiguration in progress",
		"timeout": "60", "ecstream_idle_time": "300", "ecstream_max_batch_size": "10000",
		"disable_chunked": "false", "max_request_size": "0", "file_mode": "0660",
		"listen_backlog": "500", "tcp_recv_buffer_size": "0", "tcp_send_buffer_size": "0",
		"enable": "true", "spoolbase": "var/spool", "metrics_listen": "127.0.0.1:9025",
		"workers": "0", "event_loop_backend": "auto", "starttls_injection_policy": "reject",
	}
	for name, def := range want {
		d := lookupOpt(name)
		if d == nil || !d.HasDef || d.Def != def {
			t.Errorf("%s: %+v, want default %q", name, d, def)
		}
	}
	for _, n := range optionNames {
		if d := lookupOpt(n); d.HasDef {
			_ = defaultValue(d) // panics on a bad default
		}
		if d := lookupOpt(n); !d.Global && d.Types == 0 && d.Peer == 0 && handoffWhere[d] == 0 {
			t.Errorf("%s is valid nowhere", n)
		}
	}
	for _, n := range []string{"spoolbase", "workers", "event_loop_backend", "pidfile", "event_loop"} {
		if !lookupOpt(n).Restart {
			t.Errorf("%s should be restart-only", n)
		}
	}
	if v := defaultValue(lookupOpt("file_mode")); v.Int != 0o660 {
		t.Errorf("file_mode default = %o", v.Int)
	}
}

func TestTypedValues(t *testing.T) {
	cases := []struct {
		opt, in string
		check   func(*Value) bool
	}{
		{"max_message_size", "10M", func(v *Value) bool { return v.Int == 10<<20 }},
		{"max_message_size", "512k", func(v *Value) bool { return v.Int == 512<<10 }},
		{"max_request_size", "2G", func(v *Value) bool { return v.Int == 2<<30 }},
		{"enable", "Disabled", func(v *Value) bool { return !v.Bool && v.Raw == "Disabled" }},
		{"enable", "YES", func(v *Value) bool { return v.Bool }},
		{"file_mode", "0666", func(v *Value) bool { return v.Int == 0o666 }},
		{"idle_time", "90", func(v *Value) bool { return v.Dur.Seconds() == 90 && v.Int == 90 }},
		{"inbound_throttle_messages", "100/60", func(v *Value) bool { return v.Int == 100 && v.Dur.Seconds() == 60 }},
		{"inbound_throttle_messages", "5", func(v *Value) bool { return v.Int == 5 && v.Dur.Seconds() == 1 }},
		{"rfc2822_max_line_length", "998", func(v *Value) bool { return v.Raw == "998" }},
		{"rfc2822_max_line_length", "FIX", func(v *Value) bool { return v.Raw == "FIX" }},
		{"metrics_listen", "[::1]:9100", func(v *Value) bool { return v.Raw == "[::1]:9100" }},
		{"listen_backlog", "-1", func(v *Value) bool { return v.Int == -1 }},
	}
	for _, c := range cases {
		v, err := typed(lookupOpt(c.opt), &rawVal{text: c.in})
		if err != nil || !c.check(v) {
			t.Errorf("%s = %s: %+v, %v", c.opt, c.in, v, err)
		}
	}
	bad := []struct{ opt, in string }{
		{"max_message_size", "-1"}, {"max_message_size", "1T"}, {"max_message_size", "99999999999G"},
		{"enable", "2"}, {"file_mode", "8"}, {"file_mode", "17777"}, {"idle_time", "1.5"},
		{"inbound_throttle_messages", "1/0"}, {"inbound_throttle_messages", "x/1"},
		{"rfc2822_max_line_length", "0"}, {"metrics_listen", "/tmp/sock"}, {"metrics_listen", "9100"},
		{"listen_backlog", "1e3"}, {"relay_hosts", "10.0.0.1/8"},
	}
	for _, c := range bad {
		if v, err := typed(lookupOpt(c.opt), &rawVal{text: c.in}); err == nil {
			t.Errorf("%s = %s accepted: %+v", c.opt, c.in, v)
		}
	}
}

func TestSuggest(t *testing.T) {
	cases := map[string]string{
		"Listen_Backlg":    "did you mean Listen_Backlog?",
		"idle_tme":         "did you mean Idle_Time?",
		"smtp_extension":   "did you mean SMTP_Extensions?",
		"completely_wrong": "",
		"x":                "",
	}
	for in, want := range cases {
		if got := suggest(in, optionNames); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
