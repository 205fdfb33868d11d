package http

import (
	"encoding/json"
	"net/mail"
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto"
	"sluice/tplstore"
)

// api sends one request to f and returns the status and body.
func api(t *testing.T, f *Factory, p *config.Policy, method, target, body string, hdrs ...string) (int, string, []proto.Message) {
	t.Helper()
	req := method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(hdrs, "")
	if body != "" || method == "POST" || method == "PUT" {
		req = post(target, body, hdrs...)
		req = method + req[len("POST"):]
	} else {
		req += "\r\n"
	}
	res, h := run(t, f, p, req)
	r := one(t, res.Out)
	return r.StatusCode, string(r.body), h.Submitted
}

func tplFactory(t *testing.T) *Factory {
	st, err := tplstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := testFactory()
	f.o.Templates = st
	return f
}

func TestTemplatesLifecycle(t *testing.T) {
	f := tplFactory(t)
	p := testPolicy(nil)
	expect := func(method, target, body string, status int, want string) string {
		t.Helper()
		code, got, _ := api(t, f, p, method, target, body)
		if code != status || !strings.Contains(got, want) {
			t.Fatalf("%s %s -> %d %s\nwant %d %s", method, target, code, got, status, want)
		}
		return got
	}
	v1 := `{"from":"shop@example.com","subject":"Hi {{name}}","text":"v1 {{name}}","html":"<b>v1 {{name}}</b>"}`
	expect("POST", "/api/v1/templates", `{"name":"Summer Sale!","content":`+v1+`}`, 200, `{"results":{"id":"summer-sale"}}`)
	expect("POST", "/api/v1/templates", `{"id":"summer-sale","content":`+v1+`}`, 409, `"code":"1602"`)
	expect("POST", "/api/v1/templates", `{"id":"bad","content":{"from":"a@x.org","subject":"s","text":"a\n{{ if x }"}}`, 422,
		`"code":"3000","description":"Error while compiling part text: line 2: syntax error near '}'","part":"text","line":2`)
	expect("GET", "/api/v1/templates/bad", "", 404, `"code":"1600"`)
	// A draft only: transmissions need use_draft_template.
	tx := func(draft bool) (int, string, []proto.Message) {
		return api(t, f, p, "POST", "/api/v1/transmissions", `{"recipients":[{"address":"b@x.org","substitution_data":{"name":"Bo"}}],
			"content":{"template_id":"summer-sale","use_draft_template":`+map[bool]string{true: "true", false: "false"}[draft]+`}}`)
	}
	if code, body, _ := tx(false); code != 422 || !strings.Contains(body, "has no a published version") && !strings.Contains(body, "has no published") {
		t.Fatalf("%d %s", code, body)
	}
	code, body, msgs := tx(true)
	if code != 200 || len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "Subject: Hi Bo\r\n") {
		t.Fatalf("%d %s %v", code, body, msgs)
	}
	got := expect("GET", "/api/v1/templates/summer-sale", "", 200, `"has_draft":true,"has_published":false`)
	if !strings.Contains(got, `"published":false`) || !strings.Contains(got, `"name":"Summer Sale!"`) {
		t.Fatal(got)
	}
	expect("PUT", "/api/v1/templates/summer-sale", `{"published":true}`, 200, `{"results":{"id":"summer-sale"}}`)
	expect("PUT", "/api/v1/templates/summer-sale", `{"content":{"from":"shop@example.com","subject":"v2","text":"v2 {{name}}"}}`, 200, `summer-sale`)
	expect("GET", "/api/v1/templates/summer-sale?draft=false", "", 200, `"text":"v1 {{name}}"`)
	expect("GET", "/api/v1/templates/summer-sale?draft=true", "", 200, `"text":"v2 {{name}}"`)
	expect("GET", "/api/v1/templates", "", 200, `{"results":[{"description":"","has_draft":true,"has_published":true,"id":"summer-sale"`)
	// The transmission takes the published version, or the draft when asked.
	for draft, want := range map[bool]string{false: "v1 Bo", true: "v2 Bo"} {
		code, body, msgs := tx(draft)
		if code != 200 || len(msgs) != 1 {
			t.Fatalf("%d %s", code, body)
		}
		_, text := bodyText(t, msgs[0].Data)
		if m, _ := mail.ReadMessage(strings.NewReader(string(msgs[0].Data))); !draft && m.Header.Get("Content-Type") == "text/plain; charset=utf-8" {
			t.Fatal("published version lost its html part")
		} else if draft && text != want+"\r\n" {
			t.Fatalf("draft text %q", text)
		}
		if !draft && !strings.Contains(string(msgs[0].Data), "v1 Bo") {
			t.Fatalf("published: %s", msgs[0].Data)
		}
	}
	got = expect("POST", "/api/v1/templates/summer-sale/preview?draft=false", `{"substitution_data":{"name":"<Al>"}}`, 200, `"subject":"Hi <Al>"`)
	var pv struct{ Results map[string]any }
	json.Unmarshal([]byte(got), &pv)
	if pv.Results["html"] != "<b>v1 &lt;Al&gt;</b>" || pv.Results["text"] != "v1 <Al>" {
		t.Fatalf("%s", got)
	}
	expect("PUT", "/api/v1/templates/summer-sale?update_published=true", `{"content":{"from":"shop@example.com","subject":"v3","text":"v3"}}`, 200, "summer-sale")
	expect("GET", "/api/v1/templates/summer-sale", "", 200, `"text":"v3"`)
	expect("PUT", "/api/v1/templates/nope", `{"published":true}`, 404, `"code":"1600"`)
	expect("DELETE", "/api/v1/templates/summer-sale", "", 200, `{}`)
	expect("DELETE", "/api/v1/templates/summer-sale", "", 404, `"code":"1600"`)
	expect("GET", "/api/v1/templates", "", 200, `{"results":[]}`)
	expect("PATCH", "/api/v1/templates/x", "", 405, `method not allowed`)
}

func TestTemplatesPublishedAtCreate(t *testing.T) {
	f := tplFactory(t)
	code, body, _ := api(t, f, testPolicy(nil), "POST", "/api/v1/templates",
		`{"id":"welcome","published":true,"content":{"email_rfc822":"From: a@x.org\nSubject: hi {{n}}\n\nbody\n"}}`)
	if code != 200 {
		t.Fatal(code, body)
	}
	code, body, msgs := api(t, f, testPolicy(nil), "POST", "/api/v1/transmissions",
		`{"substitution_data":{"n":"N"},"recipients":[{"address":"b@x.org"}],"content":{"template_id":"welcome"}}`)
	if code != 200 || len(msgs) != 1 || string(msgs[0].Data) != "From: a@x.org\r\nSubject: hi N\r\n\r\nbody\r\n" {
		t.Fatal(code, body)
	}
}

func TestTemplatesAbsent(t *testing.T) {
	code, _, _ := api(t, testFactory(), testPolicy(nil), "GET", "/api/v1/templates", "")
	if code != 404 {
		t.Fatal(code)
	}
}
