package control

import (
	"fmt"
	"strings"
	"testing"
)

// describe renders a parsed command for table comparison.
func (p *parser) describe(c command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "op=%d", c.op)
	if c.json {
		b.WriteString(" json")
	}
	for _, t := range c.args {
		fmt.Fprintf(&b, " %q", p.lx.text(t))
	}
	if c.op == opConfigSet {
		s := &session{p: *p}
		fmt.Fprintf(&b, " value=%s", s.value(c.val).ConfigText())
	}
	if c.op == opCount {
		fmt.Fprintf(&b, " bits=%d", c.bits)
	}
	return b.String()
}

func TestParseTable(t *testing.T) {
	ok := func(o op) string { return fmt.Sprintf("op=%d", o) }
	tests := []struct{ line, want, err string }{
		{"", ok(opNone), ""},
		{"   \t ", ok(opNone), ""},
		{"config get esmtp_listener listen :25 enable", ok(opConfigGet) + ` "esmtp_listener" "listen" ":25" "enable"`, ""},
		{"CONFIG EVAL Control_Listener Listen 127.0.0.1:2025 Enable_Authentication", ok(opConfigEval) + ` "Control_Listener" "Listen" "127.0.0.1:2025" "Enable_Authentication"`, ""},
		{"config eval hostname", ok(opConfigEval) + ` "hostname"`, ""},
		{`config get esmtp_listener listen "/tmp/a b.sock" enable`, ok(opConfigGet) + ` "esmtp_listener" "listen" "/tmp/a b.sock" "enable"`, ""},
		{"config set esmtp_listener listen :25 enable false", ok(opConfigSet) + ` "esmtp_listener" "listen" ":25" "enable" value="false"`, ""},
		{"config set Max_Message_Size = 1000", ok(opConfigSet) + ` "Max_Message_Size" value="1000"`, ""},
		{"config set relay_hosts ( 10.0.0.1 10.0.0.2 )", ok(opConfigSet) + ` "relay_hosts" value=( "10.0.0.1" "10.0.0.2" )`, ""},
		{"config set relay_hosts = (a,b)", ok(opConfigSet) + ` "relay_hosts" value=( "a" "b" )`, ""},
		{"config set relay_hosts ()", ok(opConfigSet) + ` "relay_hosts" value=( )`, ""},
		{`config set control_listener AuthLoginParameters [ uri = "file://x y" ]`, ok(opConfigSet) + ` "control_listener" "AuthLoginParameters" value=[ uri = "file://x y" ]`, ""},
		{`config set c d [uri=file://p, k2 = v2]`, ok(opConfigSet) + ` "c" "d" value=[ uri = "file://p", k2 = "v2" ]`, ""},
		{`config set esmtp_listener peer 10.0.0.0/8 smtp_extensions ( "AUTH LOGIN" 8BITMIME )`, ok(opConfigSet) + ` "esmtp_listener" "peer" "10.0.0.0/8" "smtp_extensions" value=( "AUTH LOGIN" "8BITMIME" )`, ""},
		{`config set banner "a \"quoted\" \\ \d"`, ok(opConfigSet) + ` "banner" value="a \"quoted\" \\ \\d"`, ""},
		{`config set x 'single \n'`, ok(opConfigSet) + ` "x" value="single \\n"`, ""},
		{"config unset esmtp_listener listen :25", ok(opConfigUnset) + ` "esmtp_listener" "listen" ":25"`, ""},
		{"config show", ok(opConfigShow), ""},
		{"config show esmtp_listener", ok(opConfigShow) + ` "esmtp_listener"`, ""},
		{"config showrecurse esmtp_listener", ok(opConfigShowRecurse) + ` "esmtp_listener"`, ""},
		{"config reload", ok(opConfigReload), ""},
		{"config reload /etc/sluice/sluice.conf", ok(opConfigReload) + ` "/etc/sluice/sluice.conf"`, ""},
		{"summary", ok(opSummary), ""},
		{"Summary Reset", ok(opSummaryReset), ""},
		{"show inbound", ok(opShowInbound), ""},
		{"count esmtp 24", ok(opCount) + ` "esmtp" bits=24`, ""},
		{"count esmtp 128", ok(opCount) + ` "esmtp" bits=128`, ""},
		{"listeners", ok(opListeners), ""},
		{"peer esmtp_listener :25 192.0.2.7", ok(opPeer) + ` "esmtp_listener" ":25" "192.0.2.7"`, ""},
		{"version", ok(opVersion), ""},
		{"pid", ok(opPID), ""},
		{"help", ok(opHelp), ""},
		{"help config", ok(opHelp) + ` "config"`, ""},
		{"shutdown", ok(opShutdown), ""},
		{"quit", ok(opQuit), ""},
		{"exit", ok(opQuit), ""},
		{"auth login admin c2VjcmV0", ok(opAuthLogin) + ` "admin" "c2VjcmV0"`, ""},
		{"json summary", ok(opSummary) + " json", ""},
		{"JSON config eval x", ok(opConfigEval) + ` json "x"`, ""},

		{"json", "", "needs a command"},
		{"frobnicate", "", "Unknown command 'frobnicate'; try 'help'"},
		{"xml summary", "", "json <command>"},
		{`"config" show`, "", "Unknown command 'config'"},
		{"( config )", "", "starts with a word"},
		{"config", "", "needs a subcommand"},
		{"config frob x", "", "Unknown config subcommand 'frob'"},
		{"config begin", ok(opConfigBegin), ""},
		{"CONFIG Commit", ok(opConfigCommit), ""},
		{"config rollback", ok(opConfigRollback), ""},
		{"config begin now", "", "usage: config 'begin' (no arguments)"},
		{"config writeback", "", "not supported by sluice"},
		{"config get", "", "usage: config get|eval"},
		{"config eval ( a )", "", "usage: config get|eval"},
		{"config unset", "", "usage: config unset"},
		{"config show ( a )", "", "usage: config show|showrecurse"},
		{"config reload a b", "", "usage: config reload"},
		{"config set x", "", "usage: config set"},
		{"config set ( a )", "", "usage: config set"},
		{"config set x = ( a ( b ) )", "", "nested"},
		{"config set x ( a", "", "unbalanced ("},
		{"config set x a )", "", "unbalanced close"},
		{"config set x [ a b ]", "", "key = value"},
		{`config set x [ "a" = b ]`, "", "key = value"},
		{"config set x ( a [ b ] )", "", "nested"},
		{"config set x ( a b ) y", "", "usage: config set"},
		{`config set x "open`, "", "unterminated"},
		{"config set x \x01", "", "control character"},
		{"summary now", "", "usage: summary"},
		{"show outbound", "", "usage: show inbound"},
		{"count esmtp", "", "usage: count"},
		{"count esmtp 129", "", "0 to 128"},
		{"count esmtp -1", "", "0 to 128"},
		{"count esmtp 0x10", "", "0 to 128"},
		{"peer a b", "", "usage: peer"},
		{"version 2", "", "takes no arguments"},
		{"pid x", "", "takes no arguments"},
		{"shutdown now", "", "takes no arguments"},
		{"help ( x )", "", "usage: help"},
		{"auth plain x y", "", "usage: auth login"},
		{"auth login x", "", "usage: auth login"},
	}
	var p parser
	for _, tt := range tests {
		c, ok := p.parse([]byte(tt.line))
		if tt.err != "" {
			if ok {
				t.Errorf("%q: parsed as %s, want error %q", tt.line, p.describe(c), tt.err)
			} else if !strings.Contains(string(p.err), tt.err) || !strings.HasSuffix(string(p.err), "\n") {
				t.Errorf("%q: error %q, want %q", tt.line, p.err, tt.err)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: error %q", tt.line, p.err)
			continue
		}
		if got := p.describe(c); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.line, got, tt.want)
		}
	}
}

func TestTooManyWords(t *testing.T) {
	var p parser
	line := "config show" + strings.Repeat(" x", maxTokens)
	if _, ok := p.parse([]byte(line)); ok || !strings.Contains(string(p.err), "too many words") {
		t.Fatalf("got ok=%v err=%q", ok, p.err)
	}
}

func TestQuoteArgRoundTrip(t *testing.T) {
	args := []string{"config", "set", "x", "a b", `q"uote`, `back\slash`, "(", "tab\there", ")", "", "=", "new\nline", "a,b", "[x]", `\d+`}
	var p parser
	if !p.lx.split([]byte(JoinArgs(args))) {
		t.Fatal(p.lx.err)
	}
	var got []string
	for _, tk := range p.lx.toks {
		switch tk.kind {
		case tOpen:
			got = append(got, "(")
		case tClose:
			got = append(got, ")")
		default:
			got = append(got, string(p.lx.text(tk)))
		}
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", args) {
		t.Fatalf("round trip:\n got %q\nwant %q", got, args)
	}
}
