package config

// Options of the policy delegation and milter clients (filter/policy,
// filter/milter; docs/filters.md). They are valid globally and in every
// ESMTP_Listener scope, Listen and Peer included, with the usual fallback.
func init() {
	register(
		optNoDef("Policy_Service", KindString).both(tyESMTP).global().acts(),
		opt("Policy_Stage", KindString, "rcpt").both(tyESMTP).global().enum("rcpt", "end-of-message", "both").acts(),
		opt("Policy_Default_Action", KindString, "451 4.3.5 Server configuration problem").both(tyESMTP).global().acts(),
		opt("Policy_Timeout", KindSeconds, "10").both(tyESMTP).global().acts(),
		optNoDef("Milter", KindArray).both(tyESMTP).global().acts(),
		opt("Milter_Default_Action", KindString, "tempfail").both(tyESMTP).global().enum("tempfail", "accept", "reject").acts(),
		opt("Milter_Connect_Timeout", KindSeconds, "30").both(tyESMTP).global().acts(),
		opt("Milter_Timeout", KindSeconds, "30").both(tyESMTP).global().acts(),
	)
}
