package http

import (
	"encoding/json"
	"net/url"
	"strings"
)

// TemplateStore keeps stored templates as opaque JSON documents by id
// (package tplstore is the durable one beside the spool). Get and List are
// called on the worker and must not block; Put and Delete run through
// Host.Go and must be durable before they return.
type TemplateStore interface {
	Get(id string) ([]byte, bool)
	List() [][]byte
	Put(id string, doc []byte) error
	Delete(id string) (bool, error)
}

const tplPrefix = "/api/v1/templates/"

// tplContent is a stored template's content (Momentum 4: from, subject,
// text, html, amp_html, reply_to, headers, or email_rfc822).
type tplContent struct {
	From        json.RawMessage   `json:"from,omitempty"`
	Subject     string            `json:"subject,omitempty"`
	Text        string            `json:"text,omitempty"`
	HTML        string            `json:"html,omitempty"`
	AMPHTML     string            `json:"amp_html,omitempty"`
	ReplyTo     string            `json:"reply_to,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	EmailRFC822 string            `json:"email_rfc822,omitempty"`
}

func (c *tplContent) tx() *txContent {
	return &txContent{From: c.From, Subject: c.Subject, Text: c.Text, HTML: c.HTML, AMPHTML: c.AMPHTML,
		ReplyTo: c.ReplyTo, Headers: c.Headers, EmailRFC822: c.EmailRFC822}
}

// tplVersion is a draft or the published version.
type tplVersion struct {
	Content        tplContent `json:"content"`
	LastUpdateTime string     `json:"last_update_time"`
}

// tplDoc is what the store keeps per template. A template is created as a
// draft (or published at once with "published": true); PUT edits the
// draft, PUT {"published": true} publishes it, and update_published=true
// rewrites the published version in place.
type tplDoc struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Options     map[string]any `json:"options,omitempty"`
	Shared      bool           `json:"shared_with_subaccounts"`
	Draft       *tplVersion    `json:"draft,omitempty"`
	Published   *tplVersion    `json:"published,omitempty"`
}

// tplReq is the body of POST and PUT /api/v1/templates.
type tplReq struct {
	ID          *string        `json:"id"`
	Name        *string        `json:"name"`
	Description *string        `json:"description"`
	Content     *tplContent    `json:"content"`
	Options     map[string]any `json:"options"`
	Shared      *bool          `json:"shared_with_subaccounts"`
	Published   bool           `json:"published"`
}

// version picks the draft (draft == "true"), the published version
// ("false"), or the published one if there is one, else the draft ("").
func (d *tplDoc) version(draft string) (*tplVersion, bool) {
	switch draft {
	case "true":
		return d.Draft, true
	case "false":
		return d.Published, false
	}
	if d.Published != nil {
		return d.Published, false
	}
	return d.Draft, true
}

// summary is a template as GET and the list show it.
func (d *tplDoc) summary(v *tplVersion, isDraft bool, withContent bool) map[string]any {
	m := map[string]any{"id": d.ID, "name": d.Name, "description": d.Description,
		"published": !isDraft, "has_draft": d.Draft != nil, "has_published": d.Published != nil,
		"shared_with_subaccounts": d.Shared}
	if v != nil {
		m["last_update_time"] = v.LastUpdateTime
		if withContent {
			m["content"] = v.Content
		}
	}
	if withContent {
		opts := d.Options
		if opts == nil {
			opts = map[string]any{}
		}
		m["options"] = opts
	}
	return m
}

// tplTarget splits a templates request target into the id, whether it is
// a preview, and the query.
func tplTarget(target []byte) (id string, preview bool, q url.Values) {
	path, rawq, _ := strings.Cut(string(target), "?")
	q, _ = url.ParseQuery(rawq)
	path = strings.TrimSuffix(path, "/")
	if !strings.HasPrefix(path, tplPrefix) {
		return "", false, q
	}
	rest := path[len(tplPrefix):]
	if r, ok := strings.CutSuffix(rest, "/preview"); ok {
		rest, preview = r, true
	}
	id, err := url.PathUnescape(rest)
	if err != nil || strings.Contains(id, "/") {
		return "", false, q
	}
	return id, preview, q
}

// appendTarget copies the request target of a head's request line.
func appendTarget(dst, head []byte) []byte {
	line := head
	if i := strings.IndexByte(string(head), '\n'); i >= 0 {
		line = head[:i]
	}
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return dst
	}
	return append(dst, f[1]...)
}

// slug makes an id from a name, as Momentum does when none is given.
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 64 {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
