package http

import (
	"fmt"
	"strings"
	"testing"

	"sluice/proto"
	"sluice/proto/prototest"
)

// txBody is the body sluice-bench's transmission scenario sends: n
// recipients, a ~512-byte text and html part, and with subst a template
// using per-recipient data (a variable, an if, an each).
func txBody(n int, subst bool) string {
	var b strings.Builder
	b.WriteString(`{"campaign_id":"bench","recipients":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":{"email":"r%d@example.org","name":"R %d"}`, i, i)
		if subst {
			fmt.Fprintf(&b, `,"substitution_data":{"first":"R%d","n":%d,"vip":%t}`, i, i%7, i%3 == 0)
		}
		b.WriteByte('}')
	}
	text := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n", 7)
	subject := "Your weekly report"
	if subst {
		subject += ", {{first}}"
		text = "Hello {{first}},\n{{if vip}}Thanks for being a VIP.\n{{end}}You have {{n}} new items:\n" +
			"{{each items}}- {{loop_var.name}}: {{loop_var.qty}}\n{{end}}" + text
	}
	fmt.Fprintf(&b, `],"substitution_data":{"items":[{"name":"pens","qty":2},{"name":"ink","qty":1}]},`+
		`"content":{"from":{"email":"news@example.com","name":"News"},"subject":%q,"text":%q,"html":%q}}`,
		subject, text, "<p>"+strings.ReplaceAll(text, "\n", "<br>\n")+"</p>")
	return b.String()
}

// BenchmarkTransmission is the worker's CPU for one transmission: JSON
// decoding, compiling the parts, rendering and building every recipient's
// message, the Submits and the answer (the spool is not included).
// ns/op divided by the recipient count is the CPU per recipient.
func BenchmarkTransmission(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		for _, subst := range []bool{false, true} {
			b.Run(fmt.Sprintf("rcpts=%d/subst=%v", n, subst), func(b *testing.B) {
				in := []byte(post("/api/v1/transmissions", txBody(n, subst)))
				h := &benchHost{}
				s := testFactory().NewSession(prototest.Conn("HTTP_Listener", "127.0.0.1:8081", "127.0.0.1:4000", testPolicy(nil)), h)
				out := make([]byte, 0, 1024)
				b.ReportAllocs()
				for b.Loop() {
					h.n = 0
					k, _, a := s.Feed(in, out[:0])
					if k != len(in) || a != proto.Suspend || h.n != n {
						b.Fatal("feed", k, a, h.n)
					}
					for i := range n {
						if _, a = s.Resume(proto.Result{ID: "ID"}, out[:0]); (a != proto.Continue) != (i < n-1) {
							b.Fatal("resume", i, a)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n)/1000, "µs/rcpt")
			})
		}
	}
}
