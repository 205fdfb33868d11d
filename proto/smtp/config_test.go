package smtp

import (
	"net/netip"
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto/prototest"
)

const peerConf = `
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Max_Recipients_Per_Message = 2
  Listen "127.0.0.1:2525" {
    Peer "127.0.0.2" {
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "CHUNKING" "SMTPUTF8" )
      Max_Message_Size = 5000
      Open_Relay = true
    }
  }
}
`

// TestParsedConfigPeers parses a real configuration and resolves the
// policies of connections from 127.0.0.1 and 127.0.0.2 the way the engine
// does (Peer chain, then fallback): two different EHLO answers, relay rules
// and limits from the right scopes.
func TestParsedConfigPeers(t *testing.T) {
	c, err := config.Parse("peer.conf", []byte(peerConf))
	if err != nil {
		t.Fatal(err)
	}
	l := c.FindListen("ESMTP_Listener", "127.0.0.1:2525")
	if l == nil {
		t.Fatal("listen not found")
	}
	f := testFactory()
	talk := func(remote string) string {
		a := netip.MustParseAddrPort(remote)
		p := c.Resolve(l, config.PeerChain(l, netip.PrefixFrom(a.Addr(), 32)))
		h := prototest.NewHost()
		res, err := prototest.Run(f.NewSession(prototest.Conn("ESMTP_Listener", tListen, remote, p), h), h,
			[]byte("EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nRCPT TO:<y@far.org>\r\nRCPT TO:<z@example.com>\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, after, _ := strings.Cut(string(res.Out), "\r\n")
		return after
	}
	one, two := talk("127.0.0.1:50001"), talk("127.0.0.2:50002")
	wantOne := lines("250-mx.test says EHLO to 127.0.0.1:50001", "250-PIPELINING", "250-8BITMIME", "250-SIZE 26214400", "250 ENHANCEDSTATUSCODES",
		"250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted", "550 5.7.1 relaying denied", "250 2.0.0 RCPT TO accepted")
	wantTwo := lines("250-mx.test says EHLO to 127.0.0.2:50002", "250-PIPELINING", "250-8BITMIME", "250-SIZE 5000",
		"250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250 SMTPUTF8", "250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted",
		"250 2.0.0 RCPT TO accepted", "452 4.5.3 Service unavailable, recipients per message limit reached")
	if one != wantOne {
		t.Errorf("127.0.0.1:\n got %q\nwant %q", one, wantOne)
	}
	if two != wantTwo {
		t.Errorf("127.0.0.2:\n got %q\nwant %q", two, wantTwo)
	}
}

// TestTwoPeersTwoExtensionSets: a listener whose Peer "127.0.0.2" scope
// sets another SMTP_Extensions. The engine hands each connection the
// policy of its most specific Peer; dialled from 127.0.0.1 and 127.0.0.2
// the two EHLO answers differ accordingly, from one shared Factory.
func TestTwoPeersTwoExtensionSets(t *testing.T) {
	listener := policy("smtp_extensions", []string{"ENHANCEDSTATUSCODES"})
	peer := policy("smtp_extensions", []string{"ENHANCEDSTATUSCODES", "CHUNKING", "SMTPUTF8"}, "max_message_size", 5000)
	peer.Peer = netip.MustParsePrefix("127.0.0.2/32")
	peer.PeerScope = `esmtp_listener listen "127.0.0.1:2525" peer "127.0.0.2"`
	match := func(remote netip.Addr) *config.Policy { // what the engine's ACL lookup returns
		if peer.Peer.Contains(remote) {
			return peer
		}
		return listener
	}
	f := testFactory()
	ehlo := func(remote string) string {
		p := match(netip.MustParseAddrPort(remote).Addr())
		h := prototest.NewHost()
		res, err := prototest.Run(f.NewSession(prototest.Conn("ESMTP_Listener", tListen, remote, p), h), h, []byte("EHLO c\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, after, _ := strings.Cut(string(res.Out), "\r\n")
		return after
	}
	one := ehlo("127.0.0.1:50001")
	two := ehlo("127.0.0.2:50002")
	wantOne := lines("250-mx.test says EHLO to 127.0.0.1:50001", "250-PIPELINING", "250-8BITMIME", "250 ENHANCEDSTATUSCODES")
	wantTwo := lines("250-mx.test says EHLO to 127.0.0.2:50002", "250-PIPELINING", "250-8BITMIME", "250-SIZE 5000",
		"250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250 SMTPUTF8")
	if one != wantOne || two != wantTwo {
		t.Fatalf("127.0.0.1:\n%s\n127.0.0.2:\n%s", one, two)
	}
	// The same policy pointer gives the cached settings.
	if f.settingsFor(peer) != f.settingsFor(peer) || f.settingsFor(peer) == f.settingsFor(listener) {
		t.Fatal("settings cache is not per policy")
	}
}
