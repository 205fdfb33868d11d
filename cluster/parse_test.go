package cluster

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestParseCreds(t *testing.T) {
	for _, c := range []struct {
		in, user, pass string
		bad            bool
	}{
		{in: "sluice:s3cret\n", user: "sluice", pass: "s3cret"},
		{in: "# cluster\n\n  sluice:a:b  \n", user: "sluice", pass: "a:b"},
		{in: "", bad: true},
		{in: "# only a comment\n", bad: true},
		{in: "nocolon\n", bad: true},
		{in: ":pass\n", bad: true},
		{in: "user:\n", bad: true},
	} {
		cr, err := parseCreds([]byte(c.in))
		if (err != nil) != c.bad || cr.user != c.user || cr.pass != c.pass {
			t.Errorf("%q: got %+v, %v", c.in, cr, err)
		}
	}
}

// bareNode is a Node with only the tables the message handlers touch.
func bareNode() *Node {
	return &Node{o: Options{Node: "self", Timeout: time.Second}, members: newMembers(time.Second),
		remote: newRemoteCounts("self", time.Second), rates: newRates()}
}

// The bus handlers take any bytes from the network: nothing panics, a
// message without a node name or from this node is ignored, and the
// tables stay bounded by what a valid message can add.
func FuzzBusMessages(f *testing.F) {
	hb, _ := json.Marshal(Heartbeat{Node: "n2", Sessions: 3})
	cm, _ := json.Marshal(countsMsg{Node: "n2", Counts: map[string]int64{"k": 2},
		Rates: map[string]rateWire{"s\x00127.0.0.1": {N: 4, TTL: 500}}})
	for _, s := range [][]byte{hb, cm, []byte(`{"node":"self"}`), []byte(`{"node":""}`), []byte(`{`),
		[]byte(`{"node":"x","rates":{"k":{"n":-5,"ttl_ms":-1}}}`), []byte(`null`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := bareNode()
		n.onHeartbeat(&nats.Msg{Data: b})
		n.onCounts(&nats.Msg{Data: b})
		for _, m := range n.Members() {
			if m.Node == "" || m.Node == "self" {
				t.Fatalf("member %q from %q", m.Node, b)
			}
		}
		n.Remote("k")
		n.rates.take("k", 10, time.Second, time.Now())
	})
}
