package control

import (
	"strings"
	"testing"

	"sluice/proto/prototest"
)

const txConversation = "config commit\n" +
	"config begin\n" +
	"config begin\n" +
	"config set esmtp_listener TLS_Certificate \"/c.pem\"\n" +
	"config unset esmtp_listener Idle_Time\n" +
	"config commit\n" +
	"config begin\n" +
	"config set esmtp_listener Idle_Time 5\n" +
	"config rollback\n" +
	"config rollback\n" +
	"config get esmtp_listener Idle_Time\n" +
	"quit\n"

// TestTransactionConversation: begin queues sets and unsets (answered at
// once, no backend call), commit hands them over in order as one call,
// rollback drops them, and the misuses answer failed.
func TestTransactionConversation(t *testing.T) {
	b := &fakeBackend{}
	res := run(newTestFactory(b), unixConn(policy(nil), 0), txConversation)
	rs := readAll(t, string(res.Out))
	want := []struct {
		st   Status
		body string
	}{
		{StatusFailed, "no transaction is open"},
		{StatusOK, "transaction begun"},
		{StatusFailed, "already open with 0 changes"},
		{StatusOK, "queued (1 changes"},
		{StatusOK, "queued (2 changes"},
		{StatusOK, `commit [config set esmtp_listener TLS_Certificate "/c.pem" config unset esmtp_listener Idle_Time]`},
		{StatusOK, "transaction begun"},
		{StatusOK, "queued (1 changes"},
		{StatusOK, "rolled back 1 changes"},
		{StatusFailed, "no transaction is open"},
		{StatusOK, "get"},
		{StatusOK, "bye"},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d responses, want %d: %q", len(rs), len(want), res.Out)
	}
	for i, w := range want {
		if rs[i].Status != w.st || !strings.Contains(string(rs[i].Body), w.body) {
			t.Errorf("response %d: %s %q, want %s %q", i, rs[i].Status, rs[i].Body, w.st, w.body)
		}
	}
	if len(b.calls) != 2 {
		t.Errorf("backend calls: %q (want the commit and the get only)", b.calls)
	}
	if err := prototest.SplitEvery(mk(newTestFactory(&fakeBackend{}), unixConn(policy(nil), 0)), []byte(txConversation)); err != nil {
		t.Fatal(err)
	}
}

// TestTransactionBounded: a transaction holds at most maxTxChanges.
func TestTransactionBounded(t *testing.T) {
	var in strings.Builder
	in.WriteString("config begin\n")
	for i := 0; i <= maxTxChanges; i++ {
		in.WriteString("config set esmtp_listener Idle_Time 5\n")
	}
	res := run(newTestFactory(&fakeBackend{}), unixConn(policy(nil), 0), in.String())
	rs := readAll(t, string(res.Out))
	last := rs[len(rs)-1]
	if last.Status != StatusFailed || !strings.Contains(string(last.Body), "at most 1024 changes") {
		t.Fatalf("change %d: %s %q", maxTxChanges+1, last.Status, last.Body)
	}
}
