package http

import (
	"mime"
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"sluice/proto/http/tmpl"
)

// txScratch holds one request's render buffers, reused for every recipient.
type txScratch struct {
	a, b, c []byte
}

// renderPart runs t for d in mode into the scratch buffer *buf and returns the
// result as a string that lives until the next render into *buf.
func renderPart(t *tmpl.Template, d *tmpl.Data, mode tmpl.Mode, buf *[]byte) (string, error) {
	if t == nil {
		return "", nil
	}
	out, err := t.Render((*buf)[:0], d, mode)
	*buf = out
	return unsafeString(out), err
}

// renderHeader renders a header-part template: one line, RFC 2047 encoded
// when it holds 8-bit data.
func renderHeader(t *tmpl.Template, d *tmpl.Data, buf *[]byte, name string) (string, *apiErr) {
	v, err := renderPart(t, d, tmpl.Header, buf)
	if err != nil {
		return "", renderErr("Header:"+name, err)
	}
	if hasCRLF(v) {
		return "", badData("header " + name + " contains a line break after substitution")
	}
	return v, nil
}

func renderErr(part string, err error) *apiErr {
	return &apiErr{status: 422, msg: "substitution failed", code: "3000",
		desc: "Error while rendering part " + part + ": " + err.Error(), part: part}
}

// message writes one recipient's message. sender is its envelope sender.
func (b *txBuild) message(dst []byte, p *txPlan, req *txReq, r *txRcpt, a rcptAddr,
	sender string, d *tmpl.Data) ([]byte, *apiErr) {
	sc := &b.scratch
	if p.rfc822 != nil {
		v, err := renderPart(p.rfc822, d, tmpl.Text, &sc.a)
		if err != nil {
			return dst, renderErr("email_rfc822", err)
		}
		return appendCRLF(dst, sc.a[:len(v)]), nil
	}
	from, _, e := p.fromAddr(d, sc)
	if e != nil {
		return dst, e
	}
	b.seq++
	id := strconv.FormatInt(b.now.UnixNano(), 36) + "." + strconv.FormatUint(b.conn, 36) +
		"." + strconv.FormatUint(b.seq, 36)
	dst = header(dst, "Return-Path", "<"+sender+">")
	dst = header(dst, "Date", b.date)
	dst = header(dst, "Message-ID", "<"+id+"@"+b.host+">")
	dst = header(dst, "From", from)
	if a.headerTo != "" {
		dst = header(dst, "To", encodeAddrs(a.headerTo))
	} else {
		dst = append(dst, "To: "...)
		dst = append(appendAddr(dst, a.name, a.email), "\r\n"...)
	}
	v, e := renderHeader(p.subject, d, &sc.a, "Subject")
	if e != nil {
		return dst, e
	}
	dst = header(dst, "Subject", mime.BEncoding.Encode("utf-8", v))
	if p.replyTo != nil {
		if v, e = renderHeader(p.replyTo, d, &sc.a, "Reply-To"); e != nil {
			return dst, e
		}
		dst = header(dst, "Reply-To", encodeAddrs(v))
	}
	for _, h := range p.headers {
		if v, e = renderHeader(h.t, d, &sc.a, h.name); e != nil {
			return dst, e
		}
		dst = header(dst, h.name, mime.BEncoding.Encode("utf-8", v))
	}
	switch {
	case len(r.Tags) > 0 || len(r.Metadata) > 0:
		dst = appendMSYS(dst, req, r)
	case p.meta:
		if p.msys == nil { // the same for every recipient without tags or metadata
			p.msys = appendMSYS(nil, req, &txRcpt{})
		}
		dst = append(dst, p.msys...)
	}
	dst = header(dst, "MIME-Version", "1.0")
	return b.body(dst, p, d, id)
}

// encodeAddrs makes an address-list header value 7-bit: a display name
// with 8-bit bytes is RFC 2047 encoded by itself (an address may never sit
// inside an encoded word); a list that does not parse is encoded whole.
func encodeAddrs(v string) string {
	ascii := true
	for i := 0; i < len(v) && ascii; i++ {
		ascii = v[i] < 0x80
	}
	if ascii {
		return v
	}
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return mime.BEncoding.Encode("utf-8", v)
	}
	var b []byte
	for i, a := range list {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendAddr(b, a.Name, a.Address)
	}
	return string(b)
}

// fromAddr renders content.from for d: the From: header value and the
// bare address. A from without substitution is worked out once per
// transmission.
func (p *txPlan) fromAddr(d *tmpl.Data, sc *txScratch) (hdr, addr string, e *apiErr) {
	if p.fromHdr != "" {
		return p.fromHdr, p.fromBare, nil
	}
	static := true
	for _, t := range []*tmpl.Template{p.from, p.fromEmail, p.fromName} {
		if t != nil {
			_, ok := t.Static()
			static = static && ok
		}
	}
	if p.from != nil {
		v, e := renderHeader(p.from, d, &sc.a, "From")
		if e != nil {
			return "", "", e
		}
		a, err := mail.ParseAddress(v)
		if err != nil {
			return "", "", badData("content.from: invalid address " + strconv.Quote(v))
		}
		// v is scratch memory reused by the next render: keep copies only.
		hdr, addr = string(appendAddr(nil, a.Name, a.Address)), strings.Clone(a.Address)
	} else {
		email, e := renderHeader(p.fromEmail, d, &sc.a, "From")
		if e != nil {
			return "", "", e
		}
		name, e := renderHeader(p.fromName, d, &sc.b, "From")
		if e != nil {
			return "", "", e
		}
		if _, ok := cleanAddr(email, false); !ok || !strings.Contains(email, "@") {
			return "", "", badData("content.from: invalid address " + strconv.Quote(email))
		}
		email = strings.Clone(email)
		hdr, addr = string(appendAddr(nil, name, email)), email
	}
	if static {
		p.fromHdr, p.fromBare = hdr, addr
	}
	return hdr, addr, nil
}

// txBody writes the MIME body: alternative text/amp/html parts, inside
// multipart/related when there are inline images, inside multipart/mixed
// when there are attachments. Boundaries start with "=_", which neither
// quoted-printable nor base64 can produce.
func (b *txBuild) body(dst []byte, p *txPlan, d *tmpl.Data, id string) ([]byte, *apiErr) {
	if len(p.attach) > 0 {
		bd := "=_m_" + id
		dst = multipartHead(dst, "mixed", bd)
		dst = append(dst, "--"+bd+"\r\n"...)
		var e *apiErr
		if dst, e = b.related(dst, p, d, id); e != nil {
			return dst, e
		}
		dst = filesParts(dst, p.attach, bd)
		return append(dst, "--"+bd+"--\r\n"...), nil
	}
	return b.related(dst, p, d, id)
}

func (b *txBuild) related(dst []byte, p *txPlan, d *tmpl.Data, id string) ([]byte, *apiErr) {
	if len(p.inline) == 0 {
		return b.alternative(dst, p, d, id)
	}
	bd := "=_r_" + id
	dst = multipartHead(dst, "related", bd)
	dst = append(dst, "--"+bd+"\r\n"...)
	dst, e := b.alternative(dst, p, d, id)
	if e != nil {
		return dst, e
	}
	dst = filesParts(dst, p.inline, bd)
	return append(dst, "--"+bd+"--\r\n"...), nil
}

// altTypes are the body parts' types, in the order of txPlan.static.
var altTypes = [3]string{"text/plain", "text/x-amp-html", "text/html"}

// alternative renders the body parts, in the order mail clients prefer
// the last of: text/plain, text/x-amp-html, text/html.
func (b *txBuild) alternative(dst []byte, p *txPlan, d *tmpl.Data, id string) ([]byte, *apiErr) {
	type bp struct {
		t     *tmpl.Template
		mode  tmpl.Mode
		ctype string
		name  string
	}
	parts := [3]bp{{p.text, tmpl.Text, altTypes[0], "text"}, {p.amp, tmpl.HTML, altTypes[1], "amp_html"},
		{p.html, tmpl.HTML, altTypes[2], "html"}}
	n := 0
	for _, x := range parts {
		if x.t != nil {
			n++
		}
	}
	bd := "=_a_" + id
	if n > 1 {
		dst = multipartHead(dst, "alternative", bd)
	}
	sc := &b.scratch
	for i, x := range parts {
		if x.t == nil {
			continue
		}
		if n > 1 {
			dst = append(dst, "--"+bd+"\r\n"...)
		}
		if p.static[i] != nil {
			dst = append(dst, p.static[i]...)
			continue
		}
		v, err := renderPart(x.t, d, x.mode, &sc.c)
		if err != nil {
			return dst, renderErr(x.name, err)
		}
		dst = part(dst, x.ctype, v)
	}
	if n > 1 {
		dst = append(dst, "--"+bd+"--\r\n"...)
	}
	return dst, nil
}

// multipartHead writes a multipart Content-Type and ends the header block.
func multipartHead(dst []byte, sub, boundary string) []byte {
	dst = header(dst, "Content-Type", "multipart/"+sub+`; boundary="`+boundary+`"`)
	return append(dst, "\r\n"...)
}

// filesParts writes attachments or inline images as base64 parts.
func filesParts(dst []byte, fs []txFile, boundary string) []byte {
	for _, f := range fs {
		dst = append(dst, "--"+boundary+"\r\n"...)
		dst = append(dst, f.hdr...)
		for data := f.Data; len(data) > 0; {
			n := min(76, len(data))
			dst = append(dst, data[:n]...)
			dst = append(dst, "\r\n"...)
			data = data[n:]
		}
	}
	return dst
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
