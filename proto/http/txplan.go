package http

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/textproto"
	"strings"
	"time"

	"sluice/proto/http/tmpl"
)

// apiErr is one Momentum 4 API error: {message, code, description} and,
// for template errors, the part and line.
type apiErr struct {
	status int
	msg    string
	code   string
	desc   string
	part   string
	line   int
}

func (e *apiErr) Error() string { return e.msg + ": " + e.desc }

func badData(desc string) *apiErr {
	return &apiErr{status: 400, msg: "invalid data format/type", code: "1300", desc: desc}
}

func missing(desc string) *apiErr {
	return &apiErr{status: 400, msg: "required field is missing", code: "1400", desc: desc}
}

func notFound(desc string) *apiErr {
	return &apiErr{status: 422, msg: "Subresource not found", code: "1603", desc: desc}
}

// syntaxErr is Momentum's 422 for a part that does not compile.
func syntaxErr(part string, err error) *apiErr {
	e := &apiErr{status: 422, msg: "substitution language syntax error in template content",
		code: "3000", desc: "Error while compiling part " + part + ": " + err.Error(), part: part}
	var te *tmpl.Error
	if errors.As(err, &te) {
		e.line = te.Line
	}
	return e
}

// hdrTpl is one content.headers entry.
type hdrTpl struct {
	name string
	t    *tmpl.Template
}

// txPlan is a transmission compiled once for all its recipients.
type txPlan struct {
	subject, text, html, amp  *tmpl.Template
	from, fromEmail, fromName *tmpl.Template // from as a string, or as {email, name}
	replyTo                   *tmpl.Template
	headers                   []hdrTpl
	rfc822                    *tmpl.Template
	attach, inline            []txFile  // data validated and without whitespace
	meta                      bool      // campaign_id or metadata to record
	msys                      []byte    // the X-MSYS-API line of recipients without tags or metadata of their own
	fromHdr, fromBare         string    // From: value and address when from has no substitution
	static                    [3][]byte // text, amp_html, html parts that render the same for all, encoded once
}

// compile parses every part of c (a template's content already resolved).
// perform_substitutions = false keeps the body parts literal; headers are
// substituted anyway, as in Momentum.
func compile(c *txContent, subst bool) (*txPlan, *apiErr) {
	p := &txPlan{}
	var e *apiErr
	parse := func(name, src string, body bool) *tmpl.Template {
		if e != nil || src == "" {
			return nil
		}
		if body && !subst {
			return tmpl.Literal(src)
		}
		t, err := tmpl.Parse(src)
		if err != nil {
			e = syntaxErr(name, err)
		}
		return t
	}
	if c.EmailRFC822 != "" {
		p.rfc822 = parse("email_rfc822", c.EmailRFC822, true)
		return p, e
	}
	if c.Text == "" && c.HTML == "" {
		return nil, missing("content.text or content.html is required")
	}
	if c.Subject == "" {
		return nil, missing("content.subject is required")
	}
	p.subject = parse("Header:Subject", c.Subject, false)
	p.text = parse("text", c.Text, true)
	p.html = parse("html", c.HTML, true)
	p.amp = parse("amp_html", c.AMPHTML, true)
	p.replyTo = parse("Header:Reply-To", c.ReplyTo, false)
	var from string
	if json.Unmarshal(c.From, &from) == nil {
		p.from = parse("Header:From", from, false)
	} else {
		var obj struct{ Email, Name string }
		if len(c.From) == 0 || json.Unmarshal(c.From, &obj) != nil || obj.Email == "" {
			return nil, missing("content.from is required (a string or an object with email)")
		}
		p.fromEmail = parse("Header:From", obj.Email, false)
		p.fromName = parse("Header:From", obj.Name, false)
	}
	for _, name := range sortedKeys(c.Headers) {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if !token(name) {
			return nil, badData("content.headers: invalid header name " + name)
		}
		switch canon {
		case "Content-Type", "Content-Transfer-Encoding", "To", "Mime-Version":
			return nil, badData("content.headers may not set " + canon)
		}
		p.headers = append(p.headers, hdrTpl{name: name, t: parse("Header:"+name, c.Headers[name], false)})
	}
	if e != nil {
		return nil, e
	}
	for i, t := range [3]*tmpl.Template{p.text, p.amp, p.html} {
		if t == nil {
			continue
		}
		if text, ok := t.Static(); ok {
			p.static[i] = part(nil, altTypes[i], text)
		}
	}
	var err *apiErr
	if p.attach, err = files("attachments", c.Attachments); err != nil {
		return nil, err
	}
	if p.inline, err = files("inline_images", c.InlineImages); err != nil {
		return nil, err
	}
	return p, nil
}

// files validates attachments or inline images: a one-line name of at most
// 255 bytes, a MIME type, and base64 data (stored without whitespace).
func files(field string, fs []txFile) ([]txFile, *apiErr) {
	inline := field == "inline_images"
	out := make([]txFile, len(fs))
	for i, f := range fs {
		if f.Name == "" || len(f.Name) > 255 || hasCRLF(f.Name) || strings.ContainsAny(f.Name, `"\`) {
			return nil, badData(field + ": name is required, one line, at most 255 bytes, without quotes")
		}
		mt, params, err := mime.ParseMediaType(f.Type)
		if err != nil || hasCRLF(f.Type) || strings.HasPrefix(mt, "multipart/") {
			return nil, badData(field + ": invalid type " + f.Type)
		}
		data := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, f.Data)
		if _, err := base64.StdEncoding.DecodeString(data); err != nil {
			return nil, badData(field + ": data of " + f.Name + " is not valid base64")
		}
		params["name"] = f.Name
		disp := "attachment"
		if inline {
			disp = "inline"
		}
		h := "Content-Type: " + mime.FormatMediaType(mt, params) + "\r\n" +
			"Content-Transfer-Encoding: base64\r\n" +
			"Content-Disposition: " + mime.FormatMediaType(disp, map[string]string{"filename": f.Name}) + "\r\n"
		if inline {
			h += "Content-ID: <" + f.Name + ">\r\n"
		}
		out[i] = txFile{Name: f.Name, Type: f.Type, Data: data, hdr: h + "\r\n"}
	}
	return out, nil
}

// checkKeys refuses the reserved keywords as top-level substitution keys.
func checkKeys(where string, m map[string]any) *apiErr {
	for k := range m {
		if tmpl.Reserved(k) {
			return badData(where + ": '" + k + "' is a reserved keyword and cannot be a substitution key")
		}
	}
	return nil
}

// checkOptions refuses what sluice cannot do, in Momentum's error shape:
// there is no sandbox domain and no scheduled hand-off, so options.sandbox
// and a start_time in the future are refused; a past start_time sends now.
func checkOptions(o *txOptions, now time.Time) *apiErr {
	if o.Sandbox {
		return badData("options.sandbox is not supported: sluice has no sandbox domain")
	}
	if o.StartTime == "" || o.StartTime == "now" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, o.StartTime)
	if err != nil {
		return badData("options.start_time must be YYYY-MM-DDTHH:MM:SS+HH:MM")
	}
	if t.After(now) {
		return badData("options.start_time in the future is not supported: sluice has no scheduled hand-off; send at the time")
	}
	return nil
}

// token reports whether s is an RFC 5322 field name.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}
