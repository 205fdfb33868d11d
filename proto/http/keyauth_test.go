package http

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/http/apikey"
	"sluice/proto/prototest"
)

func strV(s string) *config.Value { return &config.Value{Kind: config.KindString, Raw: s} }

func TestAPIKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	send, view, tpl := apikey.NewKey(), apikey.NewKey(), apikey.NewKey()
	if err := apikey.Save(path, []apikey.Entry{apikey.NewEntry(send, apikey.TransmissionsModify, "ci"),
		apikey.NewEntry(view, apikey.TemplatesView, ""), apikey.NewEntry(tpl, apikey.TemplatesModify|apikey.TemplatesView, "")}); err != nil {
		t.Fatal(err)
	}
	f := tplFactory(t)
	p := testPolicy(opts{"api_keys": strV(path)})
	txBody := `{"recipients":[{"address":"b@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"t"}}`
	for _, c := range []struct {
		method, target, body, key string
		status                    int
		want                      string
	}{
		{"POST", "/api/v1/transmissions", txBody, "", 401, `{"errors":[{"message":"Unauthorized: a valid API key is required in the Authorization header"}]}`},
		{"POST", "/api/v1/transmissions", txBody, "wrong-key-0123456789", 401, "Unauthorized"},
		{"POST", "/api/v1/transmissions", txBody, send[:39], 401, "Unauthorized"},
		{"POST", "/api/v1/transmissions", txBody, view, 403, `{"errors":[{"message":"Forbidden: the API key lacks the grant this request needs"}]}`},
		{"POST", "/api/v1/transmissions", txBody, send, 200, `"total_accepted_recipients":1`},
		{"POST", "/api/v1/messages", "x", send, 400, "X-Mail-From"},
		{"GET", "/api/v1/templates", "", send, 403, "Forbidden"},
		{"GET", "/api/v1/templates", "", view, 200, `{"results":[]}`},
		{"POST", "/api/v1/templates", `{"id":"a","content":{"from":"a@x.org","subject":"s","text":"t"}}`, view, 403, "Forbidden"},
		{"POST", "/api/v1/templates", `{"id":"a","content":{"from":"a@x.org","subject":"s","text":"t"}}`, tpl, 200, `"id":"a"`},
		{"POST", "/api/v1/templates/a/preview?draft=true", `{}`, view, 200, `"text":"t"`},
		{"DELETE", "/api/v1/templates/a", "", view, 403, "Forbidden"},
		{"GET", "/healthz", "", "", 200, ""},
	} {
		var hdrs []string
		if c.key != "" {
			hdrs = append(hdrs, "Authorization: "+c.key+"\r\n")
		}
		code, body, _ := api(t, f, p, c.method, c.target, c.body, hdrs...)
		if code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s key %.8q: %d %s, want %d %s", c.method, c.target, c.key, code, body, c.status, c.want)
		}
	}
	// Always_Allow needs no key; Always_Deny refuses even a good one.
	if code, _, _ := api(t, f, testPolicy(opts{"api_keys": strV(path), "always_allow": boolV(true)}),
		"POST", "/api/v1/transmissions", txBody); code != 200 {
		t.Errorf("always_allow: %d", code)
	}
	if code, _, _ := api(t, f, testPolicy(opts{"api_keys": strV(path), "always_deny": boolV(true)}),
		"POST", "/api/v1/transmissions", txBody, "Authorization: "+send+"\r\n"); code != 403 {
		t.Errorf("always_deny: %d", code)
	}
	// Reload: the removed key stops working once the file changes.
	apikey.Save(path, []apikey.Entry{apikey.NewEntry(view, apikey.TemplatesView, "")})
	later := time.Now().Add(time.Hour)
	os.Chtimes(path, later, later)
	s, h := mk(f, p)()
	h.Clock = h.Clock.Add(10 * time.Second)
	res, err := runOn(s, h, post("/api/v1/transmissions", txBody, "Authorization: "+send+"\r\n"))
	if err != nil || one(t, res).StatusCode != 401 {
		t.Fatalf("removed key still accepted: %s", res)
	}
}

// runOn drives input through a given session.
func runOn(s proto.Session, h *prototest.Host, input string) ([]byte, error) {
	res, err := prototest.Run(s, h, []byte(input))
	return res.Out, err
}
