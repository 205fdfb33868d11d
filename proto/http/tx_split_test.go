package http

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"sluice/proto"
	"sluice/proto/http/apikey"
	"sluice/proto/prototest"
)

// memStore is an in-memory TemplateStore, fresh per session in the split
// tests so every split starts from the same state.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Get(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[id]
	return d, ok
}

func (s *memStore) List() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.m))
	for id := range s.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = s.m[id]
	}
	return out
}

func (s *memStore) Put(id string, doc []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[id] = append([]byte(nil), doc...)
	return nil
}

func (s *memStore) Delete(id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[id]
	delete(s.m, id)
	return ok, nil
}

// txConversation is a keep-alive conversation over the Momentum 4 API:
// template create, get, preview, a transmission by template id with
// per-recipient data and an attachment, a template error, a bad key (whose
// body is skipped), a delete.
func txConversation(key string) string {
	auth := "Authorization: " + key + "\r\n"
	put := func(method, target, body string, hdrs ...string) string {
		return method + post(target, body, hdrs...)[len("POST"):]
	}
	return post("/api/v1/templates", `{"id":"w","published":true,"content":{"from":{"email":"n@x.org","name":"N"},`+
		`"subject":"Hi {{first}}","text":"{{each items}}{{loop_var}};{{end}}","html":"<b>{{first}}</b>"}}`, auth) +
		"GET /api/v1/templates/w?draft=false HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n" +
		post("/api/v1/templates/w/preview", `{"substitution_data":{"first":"<P>","items":[1,2]}}`, auth) +
		post("/api/v1/transmissions", `{"substitution_data":{"items":["a","b"]},"recipients":[`+
			`{"address":"r1@x.org","substitution_data":{"first":"One"}},{"address":{"email":"r2@x.org","header_to":"r1@x.org"}}],`+
			`"content":{"template_id":"w"}}`, auth) +
		post("/api/v1/transmissions", `{"recipients":[{"address":"r3@x.org"}],"content":{"from":"a@x.org","subject":"s",`+
			`"text":"t","attachments":[{"name":"a.txt","type":"text/plain","data":"aGVsbG8="}]}}`, auth) +
		post("/api/v1/transmissions", `{"recipients":[{"address":"r@x.org"}],"content":{"from":"a@x.org","subject":"s","text":"{{ if }}"}}`, auth) +
		post("/api/v1/transmissions", `{"recipients":[{"address":"r@x.org"}]}`, "Authorization: nope\r\n") +
		put("PUT", "/api/v1/templates/w", `{"content":{"from":"n@x.org","subject":"v2","text":"v2"}}`, auth) +
		put("DELETE", "/api/v1/templates/w", "", auth) +
		"GET /api/v1/templates HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + "\r\n"
}

func txMaker(t *testing.T, keys string) func() (proto.Session, *prototest.Host) {
	return func() (proto.Session, *prototest.Host) {
		f := testFactory()
		f.o.Templates = &memStore{}
		return mk(f, testPolicy(opts{"api_keys": strV(keys)}))()
	}
}

func TestTxConversation(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	key := apikey.NewKey()
	apikey.Save(keys, []apikey.Entry{apikey.NewEntry(key, apikey.TransmissionsModify|apikey.TemplatesModify|apikey.TemplatesView, "")})
	s, h := txMaker(t, keys)()
	res, err := prototest.Run(s, h, []byte(txConversation(key)))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := parseResponses(res.Out)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Out)
	}
	var codes []int
	for _, r := range rs {
		codes = append(codes, r.StatusCode)
	}
	if want := "[200 200 200 200 200 422 401 200 200 200]"; fmt.Sprint(codes) != want {
		t.Fatalf("codes %v, want %s\n%s", codes, want, res.Out)
	}
	if len(h.Submitted) != 3 || !res.Closed {
		t.Fatalf("%d messages, closed %v", len(h.Submitted), res.Closed)
	}
	if body := string(rs[2].body); body != `{"results":{"from":{"email":"n@x.org","name":"N"},"html":"<b>&lt;P&gt;</b>","subject":"Hi <P>","text":"1;2;"}}` {
		t.Fatalf("preview %s", body)
	}
}

// TestTxConversationSplitEverywhere: the same conversation split into two
// reads at every byte offset answers and submits exactly as in one read.
func TestTxConversationSplitEverywhere(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	key := apikey.NewKey()
	apikey.Save(keys, []apikey.Entry{apikey.NewEntry(key, apikey.TransmissionsModify|apikey.TemplatesModify|apikey.TemplatesView, "")})
	if err := prototest.SplitEvery(txMaker(t, keys), []byte(txConversation(key))); err != nil {
		t.Fatal(err)
	}
}
