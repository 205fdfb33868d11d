package http

import (
	"net/mail"
	"strings"
	"testing"

	"sluice/proto/prototest"
)

// FuzzTransmission feeds arbitrary transmission bodies. The session must
// not panic, must answer exactly one response, and every message it
// submits must parse as RFC 5322 with CRLF line ends only.
func FuzzTransmission(f *testing.F) {
	for _, s := range []string{
		`{"recipients":[{"address":"b@x.org","substitution_data":{"n":"B"}}],"content":{"from":"a@x.org","subject":"hi {{n}}","text":"{{each l}}{{loop_var}}{{end}}","html":"<b>{{n}}</b>"}}`,
		`{"recipients":[{"address":{"email":"b@x.org","header_to":"c@x.org"}}],"content":{"from":{"email":"{{e}}","name":"{{n}}"},"subject":"s","text":"t","headers":{"X-A":"{{n}}"}}}`,
		`{"recipients":[{"address":"b@x.org"}],"content":{"email_rfc822":"From: a@x.org\nSubject: {{s}}\n\nbody {{s}}\n"}}`,
		`{"campaign_id":"c","metadata":{"k":"ü"},"recipients":[{"address":"b@x.org","tags":["x"]}],"content":{"from":"a@x.org","subject":"s","text":"t","attachments":[{"name":"a.txt","type":"text/plain","data":"aGk="}],"inline_images":[{"name":"i.png","type":"image/png","data":"aGk="}]}}`,
		`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"{{ x","text":"t"}}`,
	} {
		f.Add(s)
	}
	fac := testFactory()
	f.Fuzz(func(t *testing.T, body string) {
		s, h := mk(fac, testPolicy(nil))()
		res, err := prototest.Run(s, h, []byte(post("/api/v1/transmissions", body)))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := parseResponses(res.Out)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%v %q", err, res.Out)
		}
		for _, m := range h.Submitted {
			if strings.Contains(strings.ReplaceAll(string(m.Data), "\r\n", ""), "\n") {
				t.Fatalf("bare LF in %q", m.Data)
			}
			if _, err := mail.ReadMessage(strings.NewReader(string(m.Data))); err != nil {
				t.Fatalf("%v: %q", err, m.Data)
			}
		}
	})
}
