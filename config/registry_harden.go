package config

// Options of the resource-control and hardening work (issue 21). They are
// sluice's own (Momentum has none of them) and are documented in
// docs/config.md and docs/security.md.
func init() {
	register(
		// Postfix 3.9 smtpd_forbid_bare_newline, as one three-way choice:
		// a bare CR or LF in message content is refused, rewritten as
		// CRLF, or kept (then RFC2822_Lone_LF_* decide, as in Momentum).
		opt("Bare_Newline_Policy", KindString, "normalize").both(tyESMTP).global().
			enum("reject", "normalize", "allow").acts(),
		// Postfix's smtpd_min_data_rate (3.7, 500 bytes/s): inside message
		// content the idle clock is extended by bytes / rate, never beyond
		// Idle_Time (engine/rate.go). 0: every byte restarts Idle_Time.
		// engine/reserve.go: descriptors below RLIMIT_NOFILE kept for the
		// console and HTTP health checks; 0 = max(32, limit/20), -1 = none.
		opt("FD_Reserve", KindInt, "0").global().acts().restart(),
		// internal/membudget: message data held in memory by all sessions
		// together; 0 = a quarter of MemTotal or the cgroup's memory.max.
		opt("Max_Inflight_Data", KindSize, "0").global().acts(),
		opt("Min_Data_Rate", KindInt, "500").in(tyESMTP|tyHTTP|tyECStream).peer(tyESMTP|tyHTTP).acts(),
	)
}
