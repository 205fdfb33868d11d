package acl

import (
	"net/netip"

	"sluice/config"
)

// Match is the answer to one lookup: the fully resolved policy for the most
// specific Peer scope that contains the address (or the Listen's own policy
// when no Peer matches). Matches are immutable and shared.
type Match struct {
	Policy *config.Policy
	Peer   netip.Prefix // the most specific matching Peer; invalid when none matched
	Chain  []string     // console paths of the matching Peer scopes, most specific first
}
