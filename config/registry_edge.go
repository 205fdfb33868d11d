package config

import "strings"

// Options of the edge defences (issue 17, docs/edge.md): per-source rate
// and concurrency limits, the pregreet test and DNS lists. Proxy_Protocol[_Timeout] are the netlistener
// knobs in options.go. The limits are valid globally and in the ESMTP,
// ECStream and HTTP listeners, their Listens and their Peers, with the
// usual fallback; the scope that sets a limit names its budget.
func init() {
	const lim = tyESMTP | tyECStream | tyHTTP
	register(
		optNoDef("Inbound_Throttle_Messages", KindThrottle).global().both(lim).acts(),
		optNoDef("Inbound_Throttle_Connections", KindThrottle).global().both(lim).acts(),
		opt("Inbound_Concurrent_Connections", KindInt, "0").global().both(lim).acts(),
		opt("Inbound_Throttle_Tarpit", KindSeconds, "0").global().both(tyESMTP).acts(),
		// postscreen's tests before the banner, ESMTP only.
		opt("Pregreet_Delay", KindSeconds, "0").both(tyESMTP).acts(),
		optNoDef("DNSBL_Zones", KindArray).global().both(tyESMTP).acts(),
		opt("DNSBL_Threshold", KindInt, "1").global().both(tyESMTP).acts(),
		opt("DNSBL_Timeout", KindSeconds, "5").global().both(tyESMTP).acts(),
		optNoDef("DNS_Servers", KindArray).global().acts().restart(),
		opt("DNSBL_Cache_Size", KindInt, "100000").global().acts().restart(),
	)
}

// checks are value checks owned by other packages (a DNS list entry's
// grammar lives in dnsbl); makeSetting runs them when a file or a console
// "config set" types the value, so a bad value fails the load with its
// position like any other.
var checks = map[string]func(*Value) error{}

// RegisterCheck adds fn as a check of option name's values. Call it from an
// init function only (the map is not guarded).
func RegisterCheck(name string, fn func(*Value) error) { checks[strings.ToLower(name)] = fn }
