package config

import "strings"

// Answer is what sluice does with a Momentum scope or option that lies
// outside the listener chapter.
type Answer uint8

const (
	// NotApplicable: understood, but it has no meaning on an ingress node
	// (or sluice has no counterpart yet). The load warns, naming the
	// reason, and goes on; -check -strict makes it an error.
	NotApplicable Answer = iota
	// Applies: a sluice feature reads the recorded scope (Config.Foreign).
	Applies
)

func (a Answer) String() string {
	if a == Applies {
		return "applies"
	}
	return "not applicable"
}

// foreignDef is one entry of the Momentum registry.
type foreignDef struct {
	Name   string // canonical spelling
	Scope  bool   // a scope (core or module) rather than an option
	Answer Answer
	Reason string
}

// Reasons shared by many entries.
const (
	whyOutbound  = "outbound delivery; an ingress node hands messages off and delivers none"
	whyEngine    = "a Momentum engine tunable with no counterpart in sluice"
	whyLogger    = "a Momentum log writer; sluice logs through log/slog to stderr (Log_Format, -log-level) and counts in /metrics"
	whyValidate  = "an in-process validation module; sluice runs no message validation before the hand-off"
	whyPolicy    = "a policy-script engine; sluice runs no Lua or Sieve"
	whyMobile    = "Mobile Momentum (push, MM7, SMPP)"
	whyCluster   = "the Momentum cluster manager; sluice nodes share no Momentum cluster state"
	whyReceiving = "a reception option sluice does not implement"
)

// foreignScopes are the scopes the Configuration Options Summary lists
// besides the listeners (binding, domain, security, ...) and every module
// of the Modules Summary, keyed by lower-cased name.
var foreignScopes = map[string]*foreignDef{}

// foreignOpts are the global options of momentum_names.go.
var foreignOpts = map[string]*foreignDef{}

// foreignNames lists every registered spelling, for suggestions.
var foreignNames []string

func foreign(scope bool, why string, names ...string) {
	for _, n := range names {
		d := &foreignDef{Name: n, Scope: scope, Reason: why}
		if !scope {
			d.Name = titleCase(n)
		}
		m := foreignOpts
		if scope {
			m = foreignScopes
		}
		k := strings.ToLower(n)
		if _, dup := m[k]; dup {
			panic("config: Momentum name registered twice: " + n)
		}
		m[k] = d
		foreignNames = append(foreignNames, d.Name)
	}
}

func init() {
	// Core scopes (Options Summary, "(scope)" rows).
	foreign(true, whyOutbound, "Domain", "Binding", "Binding_Group", "Host",
		"Adaptive_Backstore_LevelDB", "Adaptive_Backstore_Riak", "Adaptive_Sweep_Rule")
	foreign(true, "sluice does not change its own identity; run it as an unprivileged user with CAP_NET_BIND_SERVICE (deploy/systemd/sluiced.service does)", "Security")
	foreign(true, "sluice sizes its own worker threads (Workers); Momentum thread pools do not exist in it", "ThreadPool")
	foreign(true, "sluice runs one event loop per worker (Workers, Event_Loop_Backend)", "EventLoop")
	foreign(true, "sluice does not resolve pathway fallback yet; set the options in the listener, Listen or Peer", "Pathway", "Pathway_Group")
	foreign(true, "sluice logs by level (-log-level); Momentum debug flags do not map", "Debug_Flags")
	foreign(true, "console authorisation roles; sluice's console authorises by Unix peer credentials or a login file (docs/console.md)", "Authorization")
	foreign(true, "sluice exports Prometheus metrics (Metrics_Listen), not SNMP", "SNMP", "SNMP_Traps")
	foreign(true, whyLogger, "Logs", "Logging")
	foreign(true, whyMobile, "XMPP_Listener")
	foreign(true, whyCluster, "Cluster")
	foreign(true, "Momentum's spool module; sluice's spool is set with Spoolbase", "Spool")

	// Modules (Modules Summary).
	foreign(true, whyOutbound, "adaptive", "bind_address_secondary", "bounce_classifier_override",
		"curfew", "dane", "delay_dsn", "dk_sign", "dkim_sign", "dnsbuf", "ipv6_lookup",
		"live_bounce_updates", "bounce_classifier", "maildir", "mxip", "outbound_audit",
		"outbound_smtp_auth", "pipe_transport", "response_transcode", "sched", "static_routes",
		"suppress_spool", "fbl", "engage_tracker", "tls_macros")
	foreign(true, whyLogger, "ec_logger", "as_logger", "bounce_logger", "chunk_logger",
		"custom_bounce_logger", "custom_logger", "exim_logger", "http_logger", "ilf_logger",
		"jlog", "postfix_logger", "sendmail_logger", "reception_timing", "syslog_io",
		"event_hydrant")
	foreign(true, whyValidate, "ac_auth", "alias", "antivirus", "beik", "brightmail", "cidrdb",
		"clamav", "cloudmark", "commtouch_ctasd", "conntrol", "csapi", "dk_validate",
		"dkim_validate", "eleven", "fingerprint", "inbound_audit", "mail_loop", "openarc",
		"opendkim", "seedlist", "senderid", "smtp_auth_proxy", "smtp_cbv", "smtp_rcptto_proxy",
		"spamassassin", "spf_macros", "spf_v1", "url_ripper", "auth_ds", "auth_radius")
	foreign(true, "", "dnsbl") // applies: momentum_apply.go
	foreign(true, whyPolicy, "scriptlet", "sieve", "alerting", "smtpapi")
	foreign(true, whyMobile, "apn", "apn_logger", "gcm", "gcm_logger", "mm7", "mm7_serv",
		"mms_bounce_logger", "mms_logger", "smpp", "smpp_bounce_logger", "smpp_logger")
	foreign(true, whyCluster, "msgc_client", "msgc_server")
	foreign(true, "sluice's HTTP_Listener is built in and needs no module; the module's own options are not used",
		"httpsrv", "restinjector", "msg_gen")
	foreign(true, whyEngine, "ds_core", "icu", "securecreds", "compress_spool", "bzip2io",
		"gzipio", "persist_io", "pipe_io", "csv_logger", "options_console")

	for _, n := range strings.Fields(momentumSending) {
		foreign(false, whyOutbound, n)
	}
	for _, n := range strings.Fields(momentumEngine) {
		foreign(false, whyEngine, n)
	}
	for _, n := range strings.Fields(momentumReceiving) {
		foreign(false, whyReceiving, n)
	}
	// Specific reasons where sluice has its own way.
	for n, why := range map[string]string{
		"force_fsync":                 "sluice always syncs the spool before it acknowledges a message",
		"server_max_file_descriptors": "set LimitNOFILE in the systemd unit; sluice raises its soft limit to the hard limit",
		"spool_mode":                  "sluice's spool files are private to the daemon user (0600)",
		"control_client_timeout":      "ec_console's timeout; sluicectl has its own -timeout",
		"local_changes_file":          "sluice keeps console changes in memory and has no writeback",
		"local_changes_only":          "sluice keeps console changes in memory and has no writeback",
		"license":                     "sluice needs no licence file",
	} {
		foreignOpts[n].Reason = why
	}
	registerAppliers() // momentum_apply.go
}

// titleCase spells a summary name the way Momentum's pages write options:
// keep_message_dicts_in_memory → Keep_Message_Dicts_In_Memory. Names
// already written with capitals (scopes) are kept.
func titleCase(n string) string {
	if strings.ToLower(n) != n {
		return n
	}
	parts := strings.Split(n, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "_")
}

func lookupForeignScope(name string) *foreignDef { return foreignScopes[strings.ToLower(name)] }
func lookupForeignOpt(name string) *foreignDef   { return foreignOpts[strings.ToLower(name)] }
