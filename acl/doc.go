// Package acl decides, for each accepted connection, which Peer scope of its
// Listen is the most specific match for the remote address and what its
// fully resolved options are: one trie walk, no lock, no allocation.
//
// # Layers
//
// Trie[V] is a generic longest-prefix-match table for IPv4 and IPv6 with
// separate roots. It is a stride-8 multibit trie whose nodes keep two
// 256-bit maps with popcount ranks: one for children, one for "runs" of the
// best prefix. Prefixes of the ancestors are pushed down into every node's
// runs at build time, so a lookup walks down while a child exists and then
// reads a single run; it never backtracks. A prefix alone in its subtree is
// stored as a leaf at the node above (path compression). Nodes hold no
// pointers (children and values are uint32 indexes into flat slices), so
// the garbage collector never scans a table.
//
// Table is the policy layer for one Listen. NewTable takes the Peer scopes
// (the daemon passes the Listener-level and the Listen-level ones); for
// every distinct prefix it asks the caller to flatten the chain of containing Peers
// (most specific first, the Listen's own Peer first on equal prefixes) into
// one Policy, so a lookup never walks scopes. Lookup returns the stored
// Match, or the Listen's own Match when no Peer contains the address.
//
// # Invariants
//
//   - A Trie, a Table and every Match and Policy they return are immutable
//     once built. Callers must not modify Match.Chain or the Policy.
//   - IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4.
//     IPv4-mapped prefixes of length 96 or more are stored as the IPv4
//     prefix they cover; shorter IPv6 prefixes (such as ::/0) never match
//     IPv4 addresses. Zones are ignored.
//   - Inserting a prefix twice keeps the last value.
//   - Unix-socket peers have no address; the engine looks them up as
//     127.0.0.1, not this package.
//
// # Concurrency contract
//
// A Builder is for one goroutine. Everything else is read-only after
// construction and safe for any number of concurrent readers without
// locks. A reload builds a new Table off the hot path and publishes it with
// Ref.Store (an atomic pointer swap); readers never wait, and a reader that
// loaded the old Table may keep using it (and the Matches it returned) for
// as long as it likes: the garbage collector frees it when the last reader
// is done. There are no buffers whose lifetime callers must manage.
package acl
