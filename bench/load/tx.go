package load

import (
	"bytes"
	"fmt"
	"strings"
)

// Transmission is the scenario name of POST /api/v1/transmissions.
const Transmission = "transmission"

func init() { Scenarios = append(Scenarios, Transmission) }

// txRequest builds one Momentum 4 transmission with rcpts recipients and a
// text and an html part of about size bytes each. With subst, every
// recipient has substitution_data and the parts use it (a variable, an if
// and an each); without, the parts are plain.
func txRequest(host string, rcpts, size int, subst bool) []byte {
	var body bytes.Buffer
	body.WriteString(`{"campaign_id":"bench","recipients":[`)
	for i := range rcpts {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"address":{"email":"r%d@example.org","name":"R %d"}`, i, i)
		if subst {
			fmt.Fprintf(&body, `,"substitution_data":{"first":"R%d","n":%d,"vip":%t}`, i, i%7, i%3 == 0)
		}
		body.WriteByte('}')
	}
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n"
	text := strings.Repeat(line, max(1, size/len(line)))
	subject := "Your weekly report"
	if subst {
		subject = "Your weekly report, {{first}}"
		text = "Hello {{first}},\n{{if vip}}Thanks for being a VIP.\n{{end}}You have {{n}} new items:\n" +
			"{{each items}}- {{loop_var.name}}: {{loop_var.qty}}\n{{end}}" + text
	}
	fmt.Fprintf(&body, `],"substitution_data":{"items":[{"name":"pens","qty":2},{"name":"ink","qty":1}]},`+
		`"content":{"from":{"email":"news@example.com","name":"News"},"subject":%q,"text":%q,"html":%q}}`,
		subject, text, "<p>"+strings.ReplaceAll(text, "\n", "<br>\n")+"</p>")
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /api/v1/transmissions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\n\r\n", host, body.Len())
	b.Write(body.Bytes())
	return b.Bytes()
}

// txFactory reuses the HTTP keep-alive connection; one operation is one
// recipient, so ops/s is recipients per second and CPU/op is per recipient.
func txFactory(c *Config) Factory {
	return func(int) (Doer, error) {
		h := &txConn{httpConn{c: c, req: txRequest(c.Addr, c.Rcpts, c.Size, c.Subst)}}
		return h, h.dial()
	}
}

type txConn struct{ httpConn }

func (t *txConn) Do() (int, error) {
	if _, err := t.httpConn.Do(); err != nil {
		return 0, err
	}
	return t.c.Rcpts, nil
}
