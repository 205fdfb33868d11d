package smtp

import (
	"strings"
	"testing"
	"time"

	"sluice/filter/policy/policytest"
	"sluice/proto/prototest"
)

// byRecipient answers by the recipient's local part.
func byRecipient(r map[string]string) string {
	local, _, _ := strings.Cut(r["recipient"], "@")
	switch local {
	case "rej":
		return "REJECT no such user"
	case "grey":
		return "DEFER_IF_PERMIT Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"
	case "spf":
		return "550 5.7.23 SPF fail"
	case "pre":
		return "PREPEND X-Greylist: delayed 2 seconds by postgrey"
	case "disc":
		return "DISCARD"
	case "bye":
		return "421 4.7.0 go away"
	}
	return "DUNNO"
}

func TestPolicyRcpt(t *testing.T) {
	srv := policytest.Start(t, byRecipient)
	p := policy("policy_service", srv.Service, "policy_stage", "rcpt", "policy_timeout", 2*time.Second)
	for _, tc := range []struct {
		name, rcpts string
		want        string
		nmsg        int
	}{
		{"dunno", "ok", "250 RCPT TO accepted", 1},
		{"reject", "rej", "554 <rej@example.com>: Recipient address rejected: no such user", 0},
		{"greylist", "grey", "450 <grey@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html", 0},
		{"code", "spf", "550 <spf@example.com>: Recipient address rejected: SPF fail", 0},
		{"one of two", "rej ok", "554 <rej@example.com>: Recipient address rejected: no such user", 1},
	} {
		in := "EHLO c.test\r\nMAIL FROM:<s@example.org>\r\n"
		for _, r := range strings.Fields(tc.rcpts) {
			in += "RCPT TO:<" + r + "@example.com>\r\n"
		}
		in += "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"
		out, h, _ := run(t, p, in)
		if !strings.Contains(out, tc.want+"\r\n") {
			t.Errorf("%s: no %q in\n%s", tc.name, tc.want, out)
		}
		if len(h.Submitted) != tc.nmsg {
			t.Errorf("%s: %d messages, want %d", tc.name, len(h.Submitted), tc.nmsg)
		}
	}
}

func TestPolicyPrependDiscardClose(t *testing.T) {
	srv := policytest.Start(t, byRecipient)
	p := policy("policy_service", srv.Service)
	out, h, _ := run(t, p, "HELO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<pre@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n")
	if len(h.Submitted) != 1 || !strings.HasPrefix(string(h.Submitted[0].Data), "X-Greylist: delayed 2 seconds by postgrey\r\nReceived: ") {
		t.Fatalf("prepend: %s %+v", out, h.Submitted)
	}
	out, h, _ = run(t, p, "HELO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<disc@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n")
	if len(h.Submitted) != 0 || !strings.Contains(out, "250 OK discarded\r\n") {
		t.Fatalf("discard: %s %+v", out, h.Submitted)
	}
	out, _, res := run(t, p, "HELO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<bye@example.com>\r\nNOOP\r\n")
	if !res.Closed || !strings.HasSuffix(out, "421 <bye@example.com>: Recipient address rejected: go away\r\n") {
		t.Fatalf("421: closed=%v %q", res.Closed, out)
	}
}

// TestPolicyAttributes checks what the service is told.
func TestPolicyAttributes(t *testing.T) {
	srv := policytest.Start(t, byRecipient)
	p := policy("policy_service", srv.Service, "smtp_extensions", []string{"SIZE"})
	run(t, p, "EHLO c.test\r\nMAIL FROM:<s@example.org> SIZE=1234\r\nRCPT TO:<ok@example.com>\r\nQUIT\r\n")
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := map[string]string{"request": "smtpd_access_policy", "protocol_state": "RCPT", "protocol_name": "ESMTP",
		"helo_name": "c.test", "sender": "s@example.org", "recipient": "ok@example.com", "client_address": "192.0.2.7",
		"client_port": "40000", "server_address": "127.0.0.1", "server_port": "2525", "size": "1234", "recipient_count": "0",
		"encryption_protocol": "", "client_name": "unknown"}
	for k, v := range want {
		if got, ok := reqs[0][k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if reqs[0]["instance"] == "" {
		t.Error("no instance")
	}
}

// TestPolicyFailure: a dead service gets the default action, fail closed
// by default and open with DUNNO.
func TestPolicyFailure(t *testing.T) {
	srv := policytest.Start(t, byRecipient)
	srv.Stop()
	in := "HELO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<ok@example.com>\r\nDATA\r\n\r\nbody\r\n.\r\n"
	out, h, _ := run(t, policy("policy_service", srv.Service, "policy_timeout", time.Second), in)
	if !strings.Contains(out, "451 <ok@example.com>: Recipient address rejected: Server configuration problem\r\n") || len(h.Submitted) != 0 {
		t.Fatalf("fail closed: %s", out)
	}
	out, h, _ = run(t, policy("policy_service", srv.Service, "policy_default_action", "DUNNO"), in)
	if !strings.Contains(out, "250 RCPT TO accepted\r\n") || len(h.Submitted) != 1 {
		t.Fatalf("fail open: %s", out)
	}
}

func TestPolicyEndOfMessage(t *testing.T) {
	srv := policytest.Start(t, func(r map[string]string) string {
		if r["protocol_state"] == "END-OF-MESSAGE" && r["size"] != "0" {
			return "REJECT 5.7.0 content refused"
		}
		return "DUNNO"
	})
	p := policy("policy_service", srv.Service, "policy_stage", "end-of-message", "smtp_extensions", []string{"ENHANCEDSTATUSCODES"})
	out, h, _ := run(t, p, "EHLO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nRSET\r\n")
	if !strings.Contains(out, "554 5.7.0 Message rejected: content refused\r\n250 2.0.0 OK\r\n") || len(h.Submitted) != 0 {
		t.Fatalf("%s", out)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0]["recipient_count"] != "1" || reqs[0]["recipient"] != "a@example.com" {
		t.Fatalf("only the end-of-message request, with the count: %v", reqs)
	}
}

// TestPolicySplitEvery: the same pipelined conversation with lookups gives
// the same replies and message whatever the read boundaries.
func TestPolicySplitEvery(t *testing.T) {
	srv := policytest.Start(t, byRecipient)
	p := policy("policy_service", srv.Service, "policy_stage", "both")
	in := []byte("EHLO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<rej@example.com>\r\nRCPT TO:<pre@example.com>\r\n" +
		"RCPT TO:<ok@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
	if err := prototest.SplitEvery(mk(testFactory(), p, tRemote), in); err != nil {
		t.Fatal(err)
	}
	out, h, _ := run(t, p, string(in))
	if len(h.Submitted) != 1 || strings.Join(h.Submitted[0].Recipients, ",") != "pre@example.com,ok@example.com" ||
		!strings.HasPrefix(string(h.Submitted[0].Data), "X-Greylist: ") {
		t.Fatalf("%s\n%+v", out, h.Submitted)
	}
}
