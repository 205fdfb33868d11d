package control

import (
	"net/netip"
	"strings"

	"sluice/config"
)

// Reply is what a Backend answers. Text is the human-readable body (a
// final LF is added when missing). Data is marshalled with encoding/json
// for a "json"-prefixed command; nil means {"text": Text}.
type Reply struct {
	Text string
	Data any
}

// Backend executes console commands against the running daemon. Every
// method is called from its own goroutine through proto.Host.Go, never from
// a worker, so it may block, take locks and call back into the engine
// (Apply, shutdown). Methods may be called concurrently by many sessions.
// A non-nil error is answered with status "failed" and err.Error() as body.
type Backend interface {
	// ConfigGet answers "config get <path...> <option>": the value set in
	// exactly that scope, or an error like "Option 'X' is not set in scope ''.".
	ConfigGet(path []string) (Reply, error)
	// ConfigEval answers "config eval": the effective value, fallback and
	// defaults applied.
	ConfigEval(path []string) (Reply, error)
	// ConfigSet answers "config set <path...> <option> [=] <value>" and
	// applies the change at once.
	ConfigSet(path []string, v Value) (Reply, error)
	// ConfigUnset answers "config unset <path...> [option]".
	ConfigUnset(path []string) (Reply, error)
	// ConfigCommit answers "config commit": it applies the queued changes
	// of one transaction (tx.go) as one generation, or none of them.
	ConfigCommit(changes []Change) (Reply, error)
	// ConfigShow answers "config show" (recurse false) and "config
	// showrecurse" (recurse true); path may be empty (global scope).
	ConfigShow(path []string, recurse bool) (Reply, error)
	// Reload answers "config reload [path]"; path "" means the file the
	// serving generation came from.
	Reload(path string) (Reply, error)
	// Summary answers "summary" (momentum-spec §11.1 ingress fields).
	Summary() Reply
	// SummaryReset answers "summary reset" ("statistics cleared.").
	SummaryReset() Reply
	// ShowInbound answers "show inbound": one line per connection.
	ShowInbound() Reply
	// Count answers "count <service> <cidr-bits>": open connections of
	// service grouped by their address masked to bits (0-128).
	Count(service string, bits int) (Reply, error)
	// Listeners answers "listeners": every Listen with its state, sockets
	// per worker and open connections.
	Listeners() Reply
	// Peer answers "peer <listener> <listen> <ip>": the matched Peer scope
	// and every effective option with its source.
	Peer(listener, listen string, ip netip.Addr) (Reply, error)
	// Shutdown answers "shutdown" and starts draining the daemon; it must
	// return before the drain completes so the answer can be sent.
	Shutdown() (Reply, error)
	// Upgrade answers "upgrade": it starts the zero-downtime replacement
	// of the process by the binary now at its path, and returns at once.
	Upgrade() (Reply, error)
}

// ValueKind is the shape of a "config set" value.
type ValueKind uint8

const (
	ValueScalar ValueKind = iota // a word or quoted string
	ValueArray                   // ( a b c )
	ValueDict                    // [ k = v, k2 = v2 ]
)

// Value is the value of a "config set" command as the client wrote it.
type Value struct {
	Kind   ValueKind
	Scalar string      // ValueScalar
	List   []string    // ValueArray
	Dict   [][2]string // ValueDict, in written order
}

// ConfigText renders v in ecelerity.conf syntax with every string quoted,
// ready for config.(*Config).Set: `"x"`, `( "a" "b" )`, `[ k = "v" ]`.
func (v Value) ConfigText() string {
	var b strings.Builder
	switch v.Kind {
	case ValueArray:
		b.WriteString("(")
		for _, s := range v.List {
			b.WriteString(" ")
			quoteConf(&b, s)
		}
		b.WriteString(" )")
	case ValueDict:
		b.WriteString("[")
		for i, kv := range v.Dict {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" " + kv[0] + " = ")
			quoteConf(&b, kv[1])
		}
		b.WriteString(" ]")
	default:
		quoteConf(&b, v.Scalar)
	}
	return b.String()
}

func quoteConf(b *strings.Builder, s string) { b.WriteString(config.Quote(s)) }
