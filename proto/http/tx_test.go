package http

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"sluice/proto/prototest"
	"strings"
	"testing"

	"sluice/proto"
)

// transmit posts body and returns the status, the JSON answer and what was
// submitted.
func transmitReq(t *testing.T, body string) (int, map[string]any, []proto.Message) {
	t.Helper()
	res, h := run(t, testFactory(), testPolicy(nil), post("/api/v1/transmissions", body))
	r := one(t, res.Out)
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return r.StatusCode, v, h.Submitted
}

// bodyText decodes a single-part message's quoted-printable body.
func bodyText(t *testing.T, data []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	b, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	return m, string(b)
}

func TestTransmissionGolden(t *testing.T) {
	body := `{"campaign_id":"spring","metadata":{"region":"eu"},"recipients":[{"address":{"email":"b@example.org","name":"Bob"},
	 "tags":["t1"],"substitution_data":{"first":"Bob"}}],
	 "content":{"from":"News <news@example.com>","subject":"Hi {{first}}","text":"Dear {{first}} from {{region}}","reply_to":"help@example.com",
	 "headers":{"X-Campaign":"{{region}}"}}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 1 {
		t.Fatalf("%d %v", code, v)
	}
	want := "Return-Path: <news@example.com>\r\n" +
		"Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n" +
		"Message-ID: <dn2kns84veo0.1.1@mx.example>\r\n" +
		"From: \"News\" <news@example.com>\r\n" +
		"To: \"Bob\" <b@example.org>\r\n" +
		"Subject: Hi Bob\r\n" +
		"Reply-To: help@example.com\r\n" +
		"X-Campaign: eu\r\n" +
		`X-MSYS-API: {"campaign_id":"spring","metadata":{"region":"eu"},"tags":["t1"]}` + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Dear Bob from eu\r\n"
	if got := string(msgs[0].Data); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTransmissionSubstitution(t *testing.T) {
	body := `{"return_path":"bounce@example.com","substitution_data":{"city":"Seattle","shop":"S&P","items":[{"n":"pen"},{"n":"ink"}]},
	 "metadata":{"city":"SF","m":"tm"},
	 "recipients":[
	  {"address":{"email":"a@example.org","name":"Ann"},"substitution_data":{"city":"New York"},"metadata":{"city":"Baltimore"}},
	  {"address":"b@example.org","metadata":{"city":"Baltimore"}},
	  {"address":"c@example.org"}],
	 "content":{"from":{"email":"{{m}}@example.com","name":"{{shop}}"},"subject":"{{city}} für {{address.name or 'you'}}",
	  "text":"{{city}} {{shop}}{{each items}} {{loop_var.n}}{{end}} {{email}} {{env_from}}",
	  "html":"<p>{{shop}} {{{shop}}} <a href=\"https://x.example/?c={{city}}\">go</a></p>"}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 3 {
		t.Fatalf("%d %v", code, v)
	}
	cities := []string{"New York", "Baltimore", "Seattle"}
	names := []string{"Ann", "you", "you"}
	for i, sm := range msgs {
		m, err := mail.ReadMessage(strings.NewReader(string(sm.Data)))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if subj != cities[i]+" für "+names[i] {
			t.Errorf("%d: subject %q (%q)", i, subj, m.Header.Get("Subject"))
		}
		if !strings.HasPrefix(m.Header.Get("Subject"), "=?utf-8?b?") {
			t.Errorf("8-bit subject not RFC 2047 base64: %q", m.Header.Get("Subject"))
		}
		if from := m.Header.Get("From"); from != `"S&P" <tm@example.com>` {
			t.Errorf("from %q", from)
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(quotedprintable.NewReader(p))
			parts = append(parts, string(b))
		}
		enc := strings.ReplaceAll(cities[i], " ", "%20")
		want := []string{cities[i] + " S&P pen ink " + sm.Recipients[0] + " bounce@example.com",
			`<p>S&amp;P S&P <a href="https://x.example/?c=` + enc + `">go</a></p>`}
		if strings.Join(parts, "|") != strings.Join(want, "|") {
			t.Errorf("%d: parts %q want %q", i, parts, want)
		}
	}
}

func TestTransmissionCCBCC(t *testing.T) {
	body := `{"recipients":[{"address":{"email":"to@example.org","name":"To"}},
	 {"address":{"email":"cc@example.org","header_to":"\"To\" <to@example.org>"}},
	 {"address":{"email":"bcc@example.org","header_to":"to@example.org"}}],
	 "content":{"from":"a@example.com","subject":"s","text":"t","headers":{"CC":"cc@example.org"}}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 3 {
		t.Fatalf("%d %v", code, v)
	}
	for i, want := range []string{`"To" <to@example.org>`, `"To" <to@example.org>`, "to@example.org"} {
		m, _ := bodyText(t, msgs[i].Data)
		if m.Header.Get("To") != want || m.Header.Get("Cc") != "cc@example.org" || strings.Contains(string(msgs[i].Data), "bcc@") {
			t.Errorf("%d: To %q Cc %q", i, m.Header.Get("To"), m.Header.Get("Cc"))
		}
		if msgs[i].Recipients[0] != []string{"to@example.org", "cc@example.org", "bcc@example.org"}[i] {
			t.Errorf("%d: envelope %v", i, msgs[i].Recipients)
		}
	}
}

func TestTransmissionAttachments(t *testing.T) {
	pdf := []byte("%PDF-1.4 fake \x00\xff binary")
	png := []byte("\x89PNG\r\n\x1a\n fake image")
	body := `{"recipients":[{"address":"b@example.org"}],"content":{"from":"a@example.com","subject":"s",
	 "text":"see attached","html":"<img src=\"cid:logo.png\">",
	 "attachments":[{"name":"report.pdf","type":"application/pdf","data":"` + base64.StdEncoding.EncodeToString(pdf) + `"}],
	 "inline_images":[{"name":"logo.png","type":"image/png","data":"` + base64.StdEncoding.EncodeToString(png) + `"}]}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 1 {
		t.Fatalf("%d %v", code, v)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(msgs[0].Data)))
	if err != nil {
		t.Fatal(err)
	}
	var tree []string
	var walk func(ctype string, r io.Reader, depth int)
	walk = func(ctype string, r io.Reader, depth int) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		tree = append(tree, strings.Repeat(" ", depth)+mt)
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ct := p.Header.Get("Content-Type")
			if strings.HasPrefix(ct, "multipart/") {
				walk(ct, p, depth+1)
				continue
			}
			raw, _ := io.ReadAll(p)
			desc := strings.Repeat(" ", depth+1) + ct
			if p.Header.Get("Content-Transfer-Encoding") == "base64" {
				dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
				if err != nil {
					t.Fatal(err)
				}
				desc += " " + p.Header.Get("Content-Disposition") + " " + p.Header.Get("Content-Id") + " " + string(dec)
			}
			tree = append(tree, desc)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, 0)
	want := []string{"multipart/mixed", " multipart/related", "  multipart/alternative",
		"   text/plain; charset=utf-8", "   text/html; charset=utf-8",
		`  image/png; name=logo.png inline; filename=logo.png <logo.png> ` + string(png),
		` application/pdf; name=report.pdf attachment; filename=report.pdf  ` + string(pdf)}
	if strings.Join(tree, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tree\n%s\nwant\n%s", strings.Join(tree, "\n"), strings.Join(want, "\n"))
	}
}

func TestTransmissionRFC822(t *testing.T) {
	body := `{"recipients":[{"address":"b@example.org","substitution_data":{"n":"Bob"}}],
	 "content":{"email_rfc822":"From: Al <al@example.com>\nSubject: hi {{n}}\n\nHello {{n}}\n"}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 1 {
		t.Fatalf("%d %v", code, v)
	}
	if got := string(msgs[0].Data); got != "From: Al <al@example.com>\r\nSubject: hi Bob\r\n\r\nHello Bob\r\n" ||
		msgs[0].Sender != "al@example.com" {
		t.Fatalf("%q from %q", got, msgs[0].Sender)
	}
}

func TestTransmissionErrors(t *testing.T) {
	for _, c := range []struct {
		body   string
		status int
		want   string // a fragment of the answer
	}{
		{`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"a\nb\n\n  {{ name age }}"}}`,
			422, `{"errors":[{"message":"substitution language syntax error in template content","code":"3000","description":"Error while compiling part text: line 4: syntax error near 'age }}'","part":"text","line":4}]}`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"{{if x}}","text":"t"}}`,
			422, `"part":"Header:Subject","line":1`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"email_rfc822":"Subject: {{"}}`, 422, `"part":"email_rfc822"`},
		{`{"substitution_data":{"email":"x"},"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t"}}`,
			400, `"code":"1300","description":"substitution_data: 'email' is a reserved keyword and cannot be a substitution key"`},
		{`{"options":{"sandbox":true},"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t"}}`,
			400, `options.sandbox is not supported`},
		{`{"options":{"start_time":"2099-01-01T00:00:00+00:00"},"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t"}}`,
			400, `options.start_time in the future is not supported`},
		{`{"recipients":{"list_id":"vips"},"content":{"from":"a@x.org","subject":"s","text":"t"}}`,
			422, `"code":"1603","description":"recipient list 'vips' does not exist`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"template_id":"nope"}}`,
			422, `{"errors":[{"message":"Subresource not found","code":"1603","description":"template 'nope' does not exist"}]}`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t","headers":{"To":"x@y.z"}}}`,
			400, `content.headers may not set To`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t","attachments":[{"name":"a","type":"text/plain","data":"!!"}]}}`,
			400, `not valid base64`},
		{`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","text":"t"}}`, 400, `content.subject is required`},
	} {
		res, h := run(t, testFactory(), testPolicy(nil), post("/api/v1/transmissions", c.body))
		r := one(t, res.Out)
		if r.StatusCode != c.status || !strings.Contains(string(r.body), c.want) || len(h.Submitted) != 0 {
			t.Errorf("%s\n -> %d %s\nwant %d %s", c.body, r.StatusCode, r.body, c.status, c.want)
		}
	}
}

func TestTransmissionPartialRejection(t *testing.T) {
	body := `{"options":{"start_time":"2020-01-01T00:00:00+00:00","open_tracking":true},
	 "recipients":[{"address":"ok@x.org"},{"address":"bad"},{"address":"c@x.org","substitution_data":{"if":1}}],
	 "content":{"from":"a@x.org","subject":"s","text":"t"}}`
	code, v, msgs := transmitReq(t, body)
	js, _ := json.Marshal(v)
	if code != 200 || len(msgs) != 1 || msgs[0].Recipients[0] != "ok@x.org" {
		t.Fatalf("%d %s", code, js)
	}
	res := v["results"].(map[string]any)
	errs := res["rcpt_to_errors"].([]any)
	if res["total_rejected_recipients"] != 2.0 || res["total_accepted_recipients"] != 1.0 || len(errs) != 2 ||
		!strings.Contains(string(js), `"code":"2000"`) || !strings.Contains(string(js), `recipients[2]: substitution_data: 'if' is a reserved`) {
		t.Fatalf("%s", js)
	}
}

func TestTransmissionNoSubstitution(t *testing.T) {
	body := `{"options":{"perform_substitutions":false},"substitution_data":{"x":"X"},"recipients":[{"address":"b@x.org"}],
	 "content":{"from":"a@x.org","subject":"S {{x}}","text":"T {{x}} {{ unclosed"}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 {
		t.Fatalf("%d %v", code, v)
	}
	m, text := bodyText(t, msgs[0].Data)
	if m.Header.Get("Subject") != "S X" || text != "T {{x}} {{ unclosed\r\n" {
		t.Fatalf("%q %q", m.Header.Get("Subject"), text)
	}
}

// TestTransmissionFromPerRecipient: a from with substitution gives every
// recipient its own From and envelope sender (which must not alias the
// render buffers reused by the next recipient).
func TestTransmissionFromPerRecipient(t *testing.T) {
	body := `{"recipients":[{"address":"a@x.org","substitution_data":{"d":"one.example"}},
	 {"address":"b@x.org","substitution_data":{"d":"two.example"}}],
	 "content":{"from":"News <news@{{d}}>","subject":"s","text":"t"}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 || len(msgs) != 2 {
		t.Fatalf("%d %v", code, v)
	}
	for i, d := range []string{"one.example", "two.example"} {
		m, _ := bodyText(t, msgs[i].Data)
		if msgs[i].Sender != "news@"+d || m.Header.Get("From") != `"News" <news@`+d+`>` {
			t.Errorf("%d: sender %q from %q", i, msgs[i].Sender, m.Header.Get("From"))
		}
	}
}

// TestTransmissionReleasesBuffers: after a large transmission the session
// keeps at most bufsKeep message buffers, so an idle keep-alive connection
// stays small.
func TestTransmissionReleasesBuffers(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"recipients":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":"r%d@x.org"}`, i)
	}
	b.WriteString(`],"content":{"from":"a@x.org","subject":"s","text":"t"}}`)
	s, h := mk(testFactory(), testPolicy(nil))()
	res, err := prototest.Run(s, h, []byte(post("/api/v1/transmissions", b.String())))
	if err != nil || one(t, res.Out).StatusCode != 200 || len(h.Submitted) != 500 {
		t.Fatalf("%v %s", err, res.Out)
	}
	if n := len(s.(*session).bufs); n > bufsKeep {
		t.Fatalf("%d message buffers kept", n)
	}
}

// TestTransmissionEncodedAddresses: 8-bit display names in Reply-To and
// header_to are encoded by themselves; the addresses stay readable.
func TestTransmissionEncodedAddresses(t *testing.T) {
	body := `{"recipients":[{"address":{"email":"cc@x.org","header_to":"Zoë <to@x.org>, b@x.org"}}],
	 "content":{"from":"a@x.org","subject":"s","text":"t","reply_to":"Aïda <help@x.org>"}}`
	code, v, msgs := transmitReq(t, body)
	if code != 200 {
		t.Fatalf("%d %v", code, v)
	}
	m, _ := bodyText(t, msgs[0].Data)
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Zoë" || to[0].Address != "to@x.org" || to[1].Address != "b@x.org" {
		t.Fatalf("To %q: %v %v", m.Header.Get("To"), to, err)
	}
	rt, err := m.Header.AddressList("Reply-To")
	if err != nil || rt[0].Name != "Aïda" || rt[0].Address != "help@x.org" {
		t.Fatalf("Reply-To %q: %v", m.Header.Get("Reply-To"), err)
	}
	for _, c := range msgs[0].Data {
		if c >= 0x80 {
			t.Fatalf("8-bit byte in headers:\n%s", msgs[0].Data)
		}
	}
}
