package control

import (
	"bytes"
	"encoding/json"
)

// helpTopic is the help of one command, in text and JSON, built once.
type helpTopic struct {
	name, text string
	json       []byte
}

var helpTopics = []helpTopic{
	{name: "config", text: `config get [scope path] <option>     value set in exactly that scope
config eval [scope path] <option>    effective value (fallback and defaults applied)
config set [scope path] <option> [=] <value>
                                     change and apply at once; value: word, "quoted",
                                     ( a b ) array or [ k = v ] dictionary
config unset [scope path] [option]   remove an option (or a scope)
config show [scope path] [option]    a scope's options and child scopes
config showrecurse [scope path]      the whole subtree
config reload [path]                 re-read the files; an invalid file changes nothing
config begin                         queue the following sets and unsets of this session
config commit                        apply the queue as one generation, or nothing
config rollback                      drop the queue
scope path: e.g. esmtp_listener listen :25 peer 10.0.0.0/8
`},
	{name: "summary", text: "summary          ingress counters (momentum-spec 11.1)\nsummary reset    clear the counters\n"},
	{name: "show", text: "show inbound     one line per connection: listener, peer, state, time in state\n" +
		"show throttles   per-source limits: decisions per limit, the top sources (refused first)\n" +
		"show dnsbl       DNS lists: lookups, cache, timeouts, listings per zone; pregreet and PROXY counts\n"},
	{name: "count", text: "count <service> <cidr-bits>   open connections of a service grouped by network, e.g. count esmtp 24\n"},
	{name: "listeners", text: "listeners        every Listen: state (bound, disabled, failed), sockets per worker, connections\n"},
	{name: "peer", text: "peer <listener> <listen> <ip>  the Peer scope an address matches and every effective option with its source\n"},
	{name: "version", text: "version          the daemon's version\n"},
	{name: "pid", text: "pid              the daemon's process id\n"},
	{name: "help", text: "help [command]   this list, or one command's help\n"},
	{name: "shutdown", text: "shutdown         stop accepting, drain and exit\n"},
	{name: "upgrade", text: "upgrade          start the binary now at sluiced's path; it takes the sockets and the spool, this process drains and exits\n"},
	{name: "quit", text: "quit             close this console connection (also: exit)\n"},
	{name: "auth", text: "auth login <user> <password-base64>   log in (TCP listeners with Enable_Authentication)\n"},
	{name: "handoff", text: `handoff                      per target: state, connections, in flight, delivered, deferred,
                             bounced, latency p50/p99; backlog and oldest message age
handoff pause|resume [TARGET]  stop or restart deliveries (all targets without TARGET)
handoff flush                retry every deferred message now
`},
	{name: "spool", text: "spool dead ls|retry ID|purge ID   the dead-letter area (retry stores it in the spool again)\n"},
	{name: "cluster", text: clusterHelp},
	{name: "json", text: "json <command>   any command with a JSON body, e.g. json summary\n"},
}

// helpAll is the answer to a bare "help".
var helpAll helpTopic

func init() {
	var b bytes.Buffer
	b.WriteString("Commands (words are case-insensitive; 'help <command>' for details):\n")
	for _, t := range helpTopics {
		b.WriteString(t.text)
	}
	helpAll = helpTopic{name: "", text: b.String()}
	helpAll.json = helpJSON(helpAll)
	for i := range helpTopics {
		helpTopics[i].json = helpJSON(helpTopics[i])
	}
}

func helpJSON(t helpTopic) []byte {
	b, _ := json.Marshal(map[string]string{"help": t.text})
	return append(b, '\n')
}

// findHelp returns the topic named by word, nil if there is none.
func findHelp(word []byte) *helpTopic {
	for i := range helpTopics {
		if bytes.EqualFold(word, []byte(helpTopics[i].name)) {
			return &helpTopics[i]
		}
	}
	if bytes.EqualFold(word, []byte("exit")) {
		return findHelp([]byte("quit"))
	}
	return nil
}
