package http

import (
	"encoding/json"
	"strings"
	"testing"

	"sluice/internal/membudget"
)

// TestInjectRejectsControlInAddress (issue 21 item 8): "a@b\r\n<c@evil>"
// once became the envelope recipient c@evil.
func TestInjectRejectsControlInAddress(t *testing.T) {
	for _, rc := range []map[string]any{
		{"to": "a@example.org\r\n<c@evil.test>", "from": "f@example.com"},
		{"to": "a@example.org\n<c@evil.test>", "from": "f@example.com"},
		{"to": "a@example.org", "from": "f@example.com\r\n<x@evil.test>"},
		{"from": "f@example.com", "keys": map[string]any{"to": "Bob <b@example.org>\r\n<c@evil.test>"}},
		{"to": "a@example.org\x00", "from": "f@example.com"},
	} {
		body, _ := json.Marshal(map[string]any{"template": "Subject: x\n\nx\n", "recipients": []any{rc}})
		res, h := run(t, testFactory(), testPolicy(nil), post("/v1.0/inject", string(body)))
		r := one(t, res.Out)
		if r.StatusCode != 400 || len(h.Submitted) != 0 {
			t.Errorf("%v: %d, %d submitted", rc, r.StatusCode, len(h.Submitted))
		}
	}
}

// TestMaxMessageSizeHTTP: a message over Max_Message_Size is refused with
// 413 and nothing reaches the spool; one at the limit passes.
func TestMaxMessageSizeHTTP(t *testing.T) {
	p := testPolicy(opts{"max_message_size": intV(1000)})
	tplOf := func(n int) string {
		return `{"template":"Subject: x\n\n` + strings.Repeat("a", n) + `\n","recipients":[{"to":"a@b.c","from":"f@b.c"}]}`
	}
	res, h := run(t, testFactory(), p, post("/v1.0/inject", tplOf(2000)))
	if r := one(t, res.Out); r.StatusCode != 413 || len(h.Submitted) != 0 || !strings.Contains(string(r.body), "Max_Message_Size") {
		t.Fatalf("over the limit: %s", res.Out)
	}
	res, h = run(t, testFactory(), p, post("/v1.0/inject", tplOf(900)))
	if r := one(t, res.Out); r.StatusCode != 200 || len(h.Submitted) != 1 {
		t.Fatalf("under the limit: %s", res.Out)
	}
}

// TestInjectBuiltBounds: 10000 recipients of one template cannot build
// more than MaxBuilt (413), and built messages come out of the daemon's
// message-data budget (503 when it is spent, nothing submitted).
func TestInjectBuiltBounds(t *testing.T) {
	rcpts := make([]any, 200)
	for i := range rcpts {
		rcpts[i] = map[string]any{"to": "b@example.com", "from": "a@example.org"}
	}
	body, _ := json.Marshal(map[string]any{"template": "Subject: x\n\n" + strings.Repeat("t", 10000) + "\n", "recipients": rcpts})
	f := testFactory()
	f.o.MaxBuilt = 1 << 20 // 200 × 10 KB = 2 MB built
	res, h := run(t, f, testPolicy(nil), post("/v1.0/inject", string(body)))
	if r := one(t, res.Out); r.StatusCode != 413 || len(h.Submitted) != 0 {
		t.Fatalf("over MaxBuilt: %s", res.Out)
	}
	used := membudget.Used()
	membudget.SetLimit(used + 1<<20)
	defer membudget.SetLimit(0)
	res, h = run(t, testFactory(), testPolicy(nil), post("/v1.0/inject", string(body)))
	if r := one(t, res.Out); r.StatusCode != 503 || len(h.Submitted) != 0 {
		t.Fatalf("over the budget: %s", res.Out)
	}
}
