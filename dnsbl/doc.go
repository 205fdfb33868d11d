// Package dnsbl looks client addresses up in DNS block and allow lists, the
// way Postfix's postscreen scores them (postscreen_dnsbl_sites).
//
// A list entry is "domain[=filter][*weight]". The filter is a dotted quad
// whose parts are a number or a bracketed set of numbers and ranges
// ("127.0.[0..255].[1;3..5]"); without one any 127.0.0.0/8 answer matches.
// The weight (default 1; negative for an allowlist) is added once per
// matching entry, however many A records matched. A client whose score
// reaches the threshold is listed; one with a negative score is
// allowlisted.
//
// Lookups run on their own goroutines (one per list entry) with a timeout;
// a timeout or a DNS error counts as "not listed" (fail open: a broken list
// must not stop mail) and is counted. Answers, positive and negative, are
// cached per (list domain, address) for their TTL clamped to [60 s, 1 h]
// (NXDOMAIN: the SOA minimum when the server sends one, else 60 s), in a
// bounded cache: when full it drops expired entries, then arbitrary ones.
//
// DNS is spoken with github.com/miekg/dns rather than net.Resolver because
// a cache that honours TTLs needs the TTLs (the standard resolver does not
// expose them) and because the lists' servers are configured per daemon
// (DNS_Servers) without touching the system resolver.
//
// # Buffer lifetimes
//
// Nothing is retained from a reply beyond the decoded addresses and TTL.
package dnsbl
