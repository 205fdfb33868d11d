package http

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"sluice/proto"
	"sluice/proto/prototest"
)

// jsonEq checks that got is the JSON document want (whitespace aside).
func jsonEq(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("JSON\n got %s\nwant %s", gb, wb)
	}
}

func TestRawMessage(t *testing.T) {
	body := "Subject: x\r\n\r\nbare\nLF and \x00 kept\r\n.\r\n"
	in := post("/api/v1/messages", body, "X-Mail-From: <>\r\n", "X-Rcpt-To: <b@example.org>, c@example.org\r\n",
		"x-rcpt-to: postmaster\r\n", "Content-Type: message/rfc822\r\n")
	res, h := run(t, testFactory(), testPolicy(nil), in)
	r := one(t, res.Out)
	jsonEq(t, r.body, `{"results":{"total_rejected_recipients":0,"total_accepted_recipients":3,"id":"MSGID0001"}}`)
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	m := h.Submitted[0]
	if m.Protocol != "http" || m.Sender != "" || strings.Join(m.Recipients, " ") != "b@example.org c@example.org postmaster" ||
		string(m.Data) != body {
		t.Fatalf("message %+v", m)
	}
}

const tpl = "From: <%= :from %>\nTo: [%=:TO%]\nSubject: <%=:Subject%> [%= :n %]\n\nHi <%= :name %>,<%= :missing %> bye\r\n<% not a marker"

func TestInject(t *testing.T) {
	req := map[string]any{"template": tpl, "recipients": []any{
		map[string]any{"to": "b@example.org", "from": "a@example.com",
			"keys": map[string]any{"SUBJECT": "hello", "Name": "Bob", "n": 3}},
		map[string]any{"to": "Carol <c@example.org>", "from": "a@example.com",
			"keys": map[string]any{"subject": "yo", "name": "Carol\nline"}, "vctx": map[string]any{"k": "v"}},
	}}
	body, _ := json.Marshal(req)
	res, h := run(t, testFactory(), testPolicy(nil), post("/v1.0/inject", string(body), "Content-Type: application/json\r\n"))
	r := one(t, res.Out)
	if r.StatusCode != 200 {
		t.Fatalf("%s", res.Out)
	}
	jsonEq(t, r.body, `{"results":[{"status":"success","mid":"MSGID0001","reason":"250 MSGID0001"},`+
		`{"status":"success","mid":"MSGID0002","reason":"250 MSGID0002"}],"status":"success"}`)
	want := []string{
		"From: a@example.com\r\nTo: b@example.org\r\nSubject: hello 3\r\n\r\nHi Bob, bye\r\n<% not a marker\r\n",
		"From: a@example.com\r\nTo: Carol <c@example.org>\r\nSubject: yo \r\n\r\nHi Carol\r\nline, bye\r\n<% not a marker\r\n",
	}
	if len(h.Submitted) != 2 {
		t.Fatalf("%d messages", len(h.Submitted))
	}
	for i, m := range h.Submitted {
		if string(m.Data) != want[i] {
			t.Errorf("message %d:\n got %q\nwant %q", i, m.Data, want[i])
		}
		if m.Sender != "a@example.com" || m.Protocol != "http" {
			t.Errorf("message %d envelope %+v", i, m)
		}
	}
	if h.Submitted[1].Recipients[0] != "c@example.org" {
		t.Errorf("recipient %v", h.Submitted[1].Recipients)
	}
}

func TestInjectRefused(t *testing.T) {
	for _, body := range []string{`{`, `{"recipients":[{"to":"a@b","from":"c@d"}]}`,
		`{"template":"x","recipients":[]}`, `{"template":"x","recipients":[{"to":"a b","from":"c@d"}]}`,
		`{"template":"é","recipients":[{"to":"a@b","from":"c@d"}]}`} {
		res, h := run(t, testFactory(), testPolicy(nil), post("/v1.0/inject", body))
		r := one(t, res.Out)
		var v struct{ Status, Reason string }
		if r.StatusCode != 400 || json.Unmarshal(r.body, &v) != nil || v.Status != "failure" || v.Reason == "" ||
			len(h.Submitted) != 0 || res.Closed {
			t.Errorf("%s: %s", body, res.Out)
		}
	}
}

// TestInjectPartialFailure: one failed commit fails the whole request, and
// the answer waits for every Resume.
func TestInjectPartialFailure(t *testing.T) {
	body := `{"template":"Subject: x\n\nx\n","recipients":[{"to":"a@b.c","from":"f@b.c"},{"to":"d@b.c","from":"f@b.c"}]}`
	s, h := mk(testFactory(), testPolicy(nil))()
	in := []byte(post("/v1.0/inject", body))
	n, out, a := s.Feed(in, nil)
	if n != len(in) || a != proto.Suspend || len(out) != 0 || len(h.Submitted) != 2 {
		t.Fatalf("feed: n=%d a=%v out=%q msgs=%d", n, a, out, len(h.Submitted))
	}
	out, a = s.Resume(proto.Result{ID: "ID1"}, nil)
	if a != proto.Suspend || len(out) != 0 {
		t.Fatalf("answered before the last Resume: %v %q", a, out)
	}
	out, a = s.Resume(proto.Result{Err: errors.Join(proto.ErrSpool, errors.New("disk"))}, nil)
	r := one(t, out)
	if a != proto.Continue || r.StatusCode != 503 || r.Header.Get("Retry-After") != "60" {
		t.Fatalf("%v %s", a, out)
	}
	jsonEq(t, r.body, `{"results":[{"status":"success","mid":"ID1","reason":"250 ID1"},`+
		`{"status":"failure","reason":"451 4.3.0 spool commit failed, try again later"}],"status":"failure"}`)
}

func TestTransmission(t *testing.T) {
	body := `{"return_path":"bounce@example.com","recipients":[{"address":{"email":"b@example.org","name":"Bé"}},
	{"address":"c@example.org"}],"content":{"from":{"email":"a@example.com","name":"Al"},
	"subject":"Héllo","text":"plain text ` + strings.Repeat("long ", 40) + `\nline","html":"<p>html=é</p>"}}`
	res, h := run(t, testFactory(), testPolicy(nil), post("/api/v1/transmissions", body))
	r := one(t, res.Out)
	jsonEq(t, r.body, `{"results":{"total_rejected_recipients":0,"total_accepted_recipients":2,"id":"MSGID0001"}}`)
	if len(h.Submitted) != 2 {
		t.Fatalf("%d messages", len(h.Submitted))
	}
	ids := map[string]bool{}
	for i, sm := range h.Submitted {
		if sm.Sender != "bounce@example.com" {
			t.Errorf("sender %q", sm.Sender)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(sm.Data)))
		if err != nil {
			t.Fatal(err)
		}
		hd := m.Header
		for _, k := range []string{"Date", "Message-Id", "From", "To", "Subject", "Mime-Version", "Return-Path"} {
			if hd.Get(k) == "" {
				t.Errorf("message %d lacks %s:\n%s", i, k, sm.Data)
			}
		}
		ids[hd.Get("Message-Id")] = true
		if d, err := hd.Date(); err != nil || d.Unix() != prototest.NewHost().Clock.Unix() {
			t.Errorf("Date %q: %v", hd.Get("Date"), err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(hd.Get("Subject"))
		to, _ := mail.ParseAddress(hd.Get("To"))
		if subj != "Héllo" || to.Address != sm.Recipients[0] || hd.Get("Return-Path") != "<bounce@example.com>" {
			t.Errorf("headers %v", hd)
		}
		mt, params, _ := mime.ParseMediaType(hd.Get("Content-Type"))
		if mt != "multipart/alternative" {
			t.Fatalf("content type %q", mt)
		}
		mr := multipart.NewReader(m.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			dec, _ := io.ReadAll(quotedprintable.NewReader(p))
			parts = append(parts, p.Header.Get("Content-Type")+"|"+string(dec))
		}
		want := []string{"text/plain; charset=utf-8|plain text " + strings.Repeat("long ", 40) + "\r\nline",
			"text/html; charset=utf-8|<p>html=é</p>"}
		if strings.Join(parts, "#") != strings.Join(want, "#") {
			t.Errorf("parts\n got %q\nwant %q", parts, want)
		}
		for _, line := range strings.Split(string(sm.Data), "\r\n") {
			if len(line) > 998 || strings.Contains(line, "\n") {
				t.Errorf("bad line %q", line)
			}
		}
	}
	if len(ids) != 2 {
		t.Errorf("Message-IDs not unique: %v", ids)
	}
}

func TestTransmissionTextOnly(t *testing.T) {
	body := `{"recipients":[{"address":"b@example.org"}],"content":{"from":"Al <a@example.com>","subject":"s","text":"hi"}}`
	_, h := run(t, testFactory(), testPolicy(nil), post("/api/v1/transmissions", body))
	if len(h.Submitted) != 1 || h.Submitted[0].Sender != "a@example.com" {
		t.Fatalf("%+v", h.Submitted)
	}
	m, _ := mail.ReadMessage(strings.NewReader(string(h.Submitted[0].Data)))
	b, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if m.Header.Get("Content-Type") != "text/plain; charset=utf-8" || string(b) != "hi\r\n" {
		t.Fatalf("%s", h.Submitted[0].Data)
	}
}

func TestTransmissionRefused(t *testing.T) {
	for _, body := range []string{`[`, `{"recipients":[{"address":"b@x.org"}],"content":{"text":"x"}}`,
		`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org"}}`,
		`{"recipients":[],"content":{"from":"a@x.org","text":"x"}}`,
		`{"recipients":[{"address":"nope"}],"content":{"from":"a@x.org","text":"x"}}`,
		`{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","text":"x","subject":"a\r\nBcc: e@x.org"}}`} {
		res, h := run(t, testFactory(), testPolicy(nil), post("/api/v1/transmissions", body))
		r := one(t, res.Out)
		var v struct{ Errors []struct{ Message string } }
		if r.StatusCode != 400 || json.Unmarshal(r.body, &v) != nil || len(v.Errors) != 1 || len(h.Submitted) != 0 {
			t.Errorf("%s: %s", body, res.Out)
		}
	}
}

func TestOperatorEndpoints(t *testing.T) {
	reset := 0
	f := testFactory()
	f.o.ResetSummary = func() { reset++ }
	get := func(f *Factory, method, path string, draining bool) response {
		t.Helper()
		s, h := mk(f, testPolicy(nil))()
		h.Draining = draining
		res, err := prototest.Run(s, h, []byte(method+" "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return one(t, res.Out)
	}
	r := get(f, "GET", "/stats/summary", false)
	if string(r.body) != `{"InboundConcurrency":1,"ReceivedMessages":7,"Uptime":42,"Zeta":"z"}` {
		t.Errorf("summary %s", r.body)
	}
	r = get(f, "DELETE", "/stats/summary", false)
	if string(r.body) != `{"message":"statistics cleared"}` || reset != 1 {
		t.Errorf("reset %s %d", r.body, reset)
	}
	r = get(f, "GET", "/metrics", false)
	if r.StatusCode != 200 || string(r.body) != "# TYPE sluice_up gauge\nsluice_up 1\n" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("metrics %d %s", r.StatusCode, r.body)
	}
	if r = get(f, "GET", "/readyz", false); r.StatusCode != 200 {
		t.Errorf("readyz %d", r.StatusCode)
	}
	if r = get(f, "GET", "/readyz", true); r.StatusCode != 503 {
		t.Errorf("readyz draining %d", r.StatusCode)
	}
	f.o.Ready = func() (bool, string) { return false, "listen 127.0.0.1:25 not bound" }
	if r = get(f, "GET", "/readyz", false); r.StatusCode != 503 || !strings.Contains(string(r.body), "not bound") {
		t.Errorf("readyz not ready %d %s", r.StatusCode, r.body)
	}
	if r = get(f, "GET", "/healthz", true); r.StatusCode != 200 || !r.Close {
		t.Errorf("healthz draining %d close=%v", r.StatusCode, r.Close)
	}
	bare := NewFactory(FactoryOptions{})
	for _, p := range []string{"/stats/summary", "/metrics"} {
		if r = get(bare, "GET", p, false); r.StatusCode != 404 {
			t.Errorf("%s without callback: %d", p, r.StatusCode)
		}
	}
	if r = get(bare, "DELETE", "/stats/summary", false); r.StatusCode != 404 {
		t.Errorf("DELETE without callbacks: %d", r.StatusCode)
	}
}
