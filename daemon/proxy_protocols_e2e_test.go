package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"sluice/proto/control"
	"sluice/proto/ecstream/ecsclient"
	"sluice/proxyproto"
)

// proxyAllConf: every listener takes PROXY headers from 127.0.0.1, and
// behind it the client 192.0.2.66 has Peer policies of its own: denied on
// HTTP and the console, one message a minute on ECStream.
const proxyAllConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
HTTP_Listener {
  Listen "127.0.0.1:%[1]d" {
    Peer "127.0.0.1" { Proxy_Protocol = true }
    Peer "192.0.2.66" { Always_Deny = true }
  }
}
ECStream_Listener {
  Listen "127.0.0.1:%[2]d" {
    Peer "127.0.0.1" { Proxy_Protocol = true }
    Peer "192.0.2.66" { Inbound_Throttle_Messages = "1/60" }
  }
}
Control_Listener {
  Listen "127.0.0.1:%[3]d" {
    Peer "127.0.0.1" { Proxy_Protocol = true  Always_Allow = true }
    Peer "192.0.2.66" { Always_Deny = true }
  }
}
`

// viaProxy dials addr and writes a v2 header naming client first, as a
// balancer would.
func viaProxy(client string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		h := proxyproto.Header{Src: netip.MustParseAddrPort(client), Dst: netip.MustParseAddrPort("198.51.100.1:25")}
		if _, err := c.Write(proxyproto.AppendV2(nil, &h, false)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// TestProxyAllListeners: on HTTP, ECStream and the console, the Peer
// policy applied is the one of the address in the PROXY header.
func TestProxyAllListeners(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			hp, ep, cp := freePort(t), freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(proxyAllConf, hp, ep, cp))
			waitDial(t, "tcp", addr(hp)).Close()

			// HTTP: 192.0.2.66 is denied (403), 192.0.2.8 injects.
			body, _ := json.Marshal(map[string]any{"template": "Subject: x\n\nx\n",
				"recipients": []any{map[string]any{"to": "b@example.com", "from": "a@example.org"}}})
			post := func(client string) int {
				hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: viaProxy(client)}}
				r, err := hc.Post("http://"+addr(hp)+"/v1.0/inject", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatalf("HTTP via %s: %v", client, err)
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				return r.StatusCode
			}
			// The denied client's 403 is written as soon as the header is
			// read, before any request: read it on a raw connection (an HTTP
			// client may see it as an unsolicited response and fail).
			ctx0, cancel0 := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel0()
			dc, err := viaProxy("192.0.2.66:1")(ctx0, "tcp", addr(hp))
			if err != nil {
				t.Fatal(err)
			}
			dc.SetDeadline(time.Now().Add(5 * time.Second))
			if l := readLine(t, dc); l != "HTTP/1.1 403 Forbidden\r\n" {
				t.Fatalf("HTTP denied client: %q", l)
			}
			dc.Close()
			if code := post("192.0.2.8:1"); code != 200 {
				t.Fatalf("HTTP other client: %d", code)
			}

			// ECStream: 192.0.2.66's second message is a temporary failure,
			// 192.0.2.8 is not limited.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			m := ecsclient.Message{Sender: "a@example.org", Recipients: []string{"b@example.com"}, Body: []byte("Subject: s\r\n\r\nx\r\n")}
			for _, tc := range []struct {
				client string
				second ecsclient.Status
			}{{"192.0.2.66:1", ecsclient.TempFail}, {"192.0.2.8:1", ecsclient.Accepted}} {
				ec, err := ecsclient.Dial(ctx, "tcp", addr(ep), ecsclient.WithDialer(viaProxy(tc.client)))
				if err != nil {
					t.Fatal(err)
				}
				rep, err := ec.Send(ctx, []ecsclient.Message{m, m})
				ec.Close(ctx)
				if err != nil || rep[0].Status != ecsclient.Accepted || rep[1].Status != tc.second {
					t.Fatalf("ECStream via %s: %+v %v", tc.client, rep, err)
				}
			}

			// Console: 192.0.2.66 is refused by its Peer's Always_Deny;
			// 192.0.2.8 gets an answer (the Listen has no authentication).
			for _, tc := range []struct {
				client string
				ok     bool
			}{{"192.0.2.66:1", false}, {"192.0.2.8:1", true}} {
				nc, err := viaProxy(tc.client)(ctx, "tcp", addr(cp))
				if err != nil {
					t.Fatal(err)
				}
				cc := control.NewClient(nc)
				st, out, err := cc.Do("version")
				cc.Close()
				if tc.ok != (err == nil && st == control.StatusOK) {
					t.Fatalf("console via %s: %v %q %v", tc.client, st, out, err)
				}
			}
		})
	}
}
