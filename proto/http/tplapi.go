package http

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"sluice/proto"
	"sluice/proto/http/tmpl"
)

// templates serves /api/v1/templates and /api/v1/templates/{id}[/preview].
// Reads are answered on the worker from the store's memory; writes run
// through Host.Go (file I/O, fsync) and are answered by Resume.
func (s *session) templates(out []byte) ([]byte, proto.Action) {
	id, preview, q := tplTarget(s.tx.target)
	m := s.req.method
	if s.rt == rTemplates {
		if m == mPOST {
			return s.tplWrite(out, "", q.Get("update_published") == "true")
		}
		return s.tplList(out, q.Get("draft"))
	}
	if id == "" {
		return s.apiError(out, &apiErr{status: 404, msg: "resource not found", code: "1600", desc: "invalid template id"})
	}
	switch {
	case preview && m == mPOST:
		return s.tplPreview(out, id, q.Get("draft"))
	case preview:
		return s.apiError(out, &apiErr{status: 405, msg: "method not allowed", desc: "preview takes POST"})
	case m == mGET || m == mHEAD:
		return s.tplGet(out, id, q.Get("draft"))
	case m == mPUT:
		return s.tplWrite(out, id, q.Get("update_published") == "true")
	case m == mDELETE:
		st := s.f.o.Templates
		return s.call(out, func() (string, error) {
			s.f.tplMu.Lock()
			defer s.f.tplMu.Unlock()
			ok, err := st.Delete(id)
			switch {
			case err != nil:
				return tplAnswer(500, apiErrJSON(&apiErr{msg: "template store failed", desc: err.Error()})), nil
			case !ok:
				return tplAnswer(404, apiErrJSON(tplMissing(id))), nil
			}
			return tplAnswer(200, "{}"), nil
		})
	}
	return s.apiError(out, &apiErr{status: 405, msg: "method not allowed"})
}

func tplMissing(id string) *apiErr {
	return &apiErr{status: 404, msg: "resource not found", code: "1600", desc: "template '" + id + "' does not exist"}
}

// tplAnswer packs a status and a JSON body into a Go result's text.
func tplAnswer(status int, body string) string { return strconv.Itoa(status) + " " + body }

func apiErrJSON(e *apiErr) string {
	b := append([]byte(`{"errors":[`), appendAPIErr(nil, e)...)
	return string(append(b, "]}"...))
}

// tplDone answers a template write from its Go result.
func (s *session) tplDone(out []byte, r proto.Result) ([]byte, proto.Action) {
	code, body, _ := strings.Cut(r.Text, " ")
	status, err := strconv.Atoi(code)
	if r.Err != nil || err != nil {
		return s.reply(out, 500, ctJSON, appendErrorJSON(s.resp[:0], "template store failed"), "")
	}
	s.resp = append(s.resp[:0], body...)
	return s.reply(out, status, ctJSON, s.resp, "")
}

func (s *session) tplDoc(id string) (*tplDoc, *apiErr) {
	raw, ok := s.f.o.Templates.Get(id)
	if !ok {
		return nil, tplMissing(id)
	}
	var d tplDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, &apiErr{status: 500, msg: "stored template is corrupt", desc: err.Error()}
	}
	return &d, nil
}

func (s *session) tplGet(out []byte, id, draft string) ([]byte, proto.Action) {
	d, e := s.tplDoc(id)
	if e != nil {
		return s.apiError(out, e)
	}
	v, isDraft := d.version(draft)
	if v == nil {
		return s.apiError(out, tplMissing(id))
	}
	return s.jsonResults(out, d.summary(v, isDraft, true))
}

func (s *session) tplList(out []byte, draft string) ([]byte, proto.Action) {
	list := []map[string]any{}
	for _, raw := range s.f.o.Templates.List() {
		var d tplDoc
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		v, isDraft := d.version(draft)
		if v == nil {
			continue
		}
		list = append(list, d.summary(v, isDraft, false))
	}
	return s.jsonResults(out, list)
}

func (s *session) jsonResults(out []byte, v any) ([]byte, proto.Action) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"results": v})
	s.resp = append(s.resp[:0], bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
	return s.reply(out, 200, ctJSON, s.resp, "")
}

// tplPreview renders a stored template with the body's substitution_data.
func (s *session) tplPreview(out []byte, id, draft string) ([]byte, proto.Action) {
	var req struct {
		SubstitutionData map[string]any `json:"substitution_data"`
	}
	if len(s.body.data) > 0 {
		if err := json.Unmarshal(s.body.data, &req); err != nil {
			return s.apiError(out, badData("invalid JSON: "+err.Error()))
		}
	}
	if e := checkKeys("substitution_data", req.SubstitutionData); e != nil {
		return s.apiError(out, e)
	}
	d, e := s.tplDoc(id)
	if e != nil {
		return s.apiError(out, e)
	}
	v, _ := d.version(draft)
	if v == nil {
		return s.apiError(out, tplMissing(id))
	}
	p, e := compile(v.Content.tx(), true)
	if e != nil {
		return s.apiError(out, e)
	}
	data := &tmpl.Data{Layers: [4]map[string]any{req.SubstitutionData}}
	res := map[string]any{}
	for _, f := range []struct {
		key  string
		t    *tmpl.Template
		mode tmpl.Mode
	}{{"subject", p.subject, tmpl.Header}, {"reply_to", p.replyTo, tmpl.Header}, {"text", p.text, tmpl.Text},
		{"html", p.html, tmpl.HTML}, {"amp_html", p.amp, tmpl.HTML}, {"email_rfc822", p.rfc822, tmpl.Text}} {
		if f.t == nil {
			continue
		}
		r, err := f.t.Render(nil, data, f.mode)
		if err != nil {
			return s.apiError(out, renderErr(f.key, err))
		}
		res[f.key] = string(r)
	}
	if p.from != nil || p.fromEmail != nil {
		var sc txScratch
		from, _, e := p.fromAddr(data, &sc)
		if e != nil {
			return s.apiError(out, e)
		}
		res["from"] = fromJSON(from)
	}
	if len(p.headers) > 0 {
		h := map[string]string{}
		for _, x := range p.headers {
			o, _ := x.t.Render(nil, data, tmpl.Header)
			h[x.name] = string(o)
		}
		res["headers"] = h
	}
	return s.jsonResults(out, res)
}

func fromJSON(from string) map[string]string {
	name, email := "", from
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(from[:i]), `"`)
		email = strings.Trim(from[i:], "<>")
	}
	return map[string]string{"email": email, "name": name}
}

// tplWrite creates (id == "") or updates a template. The content is
// compiled first, so a template that does not parse is never stored.
func (s *session) tplWrite(out []byte, id string, updatePublished bool) ([]byte, proto.Action) {
	var req tplReq
	if err := json.Unmarshal(s.body.data, &req); err != nil {
		return s.apiError(out, badData("invalid JSON: "+err.Error()))
	}
	create := id == ""
	if create {
		switch {
		case req.ID != nil && *req.ID != "":
			id = *req.ID
		case req.Name != nil && *req.Name != "":
			id = slug(*req.Name)
		}
		if id == "" || req.Content == nil {
			return s.apiError(out, missing("id or name, and content, are required"))
		}
		if len(id) > 64 || strings.ContainsAny(id, "/\x00") {
			return s.apiError(out, badData("id must be at most 64 bytes, without '/'"))
		}
	}
	if req.Content != nil {
		if _, e := compile(req.Content.tx(), true); e != nil {
			return s.apiError(out, e)
		}
	}
	now := s.h.Now().UTC().Format(time.RFC3339)
	st := s.f.o.Templates
	return s.call(out, func() (string, error) {
		s.f.tplMu.Lock()
		defer s.f.tplMu.Unlock()
		d, status, e := applyTplWrite(st, id, &req, create, updatePublished, now)
		if e != nil {
			return tplAnswer(e.status, apiErrJSON(e)), nil
		}
		doc, _ := json.Marshal(d)
		if err := st.Put(id, doc); err != nil {
			return tplAnswer(500, apiErrJSON(&apiErr{msg: "template store failed", desc: err.Error()})), nil
		}
		return tplAnswer(status, `{"results":{"id":`+string(appendJSONString(nil, id))+`}}`), nil
	})
}

// applyTplWrite is the read-modify-write of a template under tplMu.
func applyTplWrite(st TemplateStore, id string, req *tplReq, create, updatePublished bool, now string) (*tplDoc, int, *apiErr) {
	var d tplDoc
	raw, exists := st.Get(id)
	switch {
	case create && exists:
		return nil, 0, &apiErr{status: 409, msg: "resource conflict", code: "1602", desc: "template '" + id + "' already exists"}
	case !create && !exists:
		return nil, 0, tplMissing(id)
	case exists:
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, 0, &apiErr{status: 500, msg: "stored template is corrupt", desc: err.Error()}
		}
	default:
		d.ID, d.Name = id, id
	}
	if req.Name != nil {
		d.Name = *req.Name
	}
	if req.Description != nil {
		d.Description = *req.Description
	}
	if req.Options != nil {
		d.Options = req.Options
	}
	if req.Shared != nil {
		d.Shared = *req.Shared
	}
	switch {
	case updatePublished:
		if d.Published == nil {
			return nil, 0, badData("template '" + id + "' has no published version to update")
		}
		if req.Content != nil {
			d.Published = &tplVersion{Content: *req.Content, LastUpdateTime: now}
		}
	case req.Content != nil:
		d.Draft = &tplVersion{Content: *req.Content, LastUpdateTime: now}
	case create:
		return nil, 0, missing("content is required")
	}
	if req.Published && !updatePublished {
		if d.Draft == nil {
			return nil, 0, badData("template '" + id + "' has no draft to publish")
		}
		d.Published, d.Draft = d.Draft, nil
		d.Published.LastUpdateTime = now
	}
	return &d, 200, nil
}

// storedContent returns the content of stored template id for a
// transmission: its draft when draft is set, otherwise its published
// version.
func (f *Factory) storedContent(id string, draft bool) (*txContent, *apiErr) {
	if f.o.Templates == nil {
		return nil, notFound("template '" + id + "' does not exist")
	}
	raw, ok := f.o.Templates.Get(id)
	if !ok {
		return nil, notFound("template '" + id + "' does not exist")
	}
	var d tplDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, &apiErr{status: 500, msg: "stored template is corrupt", desc: err.Error()}
	}
	v := d.Published
	if draft {
		v = d.Draft
	}
	if v == nil {
		which := "a published version"
		if draft {
			which = "a draft"
		}
		return nil, notFound("template '" + id + "' has no " + which)
	}
	return v.Content.tx(), nil
}
