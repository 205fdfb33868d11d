package tmpl

import (
	"errors"
)

// Mode selects the escaping of {{x}} for a part.
type Mode uint8

const (
	Text   Mode = iota // text part: no escaping; URL-encoded inside links
	HTML               // html and amp_html: HTML-escaped; URL-encoded inside links
	Header             // subject, from, reply_to, headers: no escaping
)

// DefaultLimit bounds what one Render may add when Data.Limit is 0.
const DefaultLimit = 16 << 20

// ErrTooLarge is returned when a render would exceed Data.Limit.
var ErrTooLarge = errors.New("tmpl: rendered part exceeds the size limit")

var errTooDeep = errors.New("tmpl: loops nested too deeply")

// Data is what a template sees for one recipient. Layers are searched in
// order for a top-level key (Momentum: recipient substitution_data,
// recipient metadata, transmission substitution_data, transmission
// metadata); nil layers are skipped.
type Data struct {
	Email   string // address.email, email, email_id
	Name    string // address.name
	EnvFrom string // env_from, return_path
	Layers  [4]map[string]any
	// Limit bounds the bytes one Render may add (0: DefaultLimit).
	Limit int
}

// loop is one active {{each}}.
type loop struct {
	name string
	elem val
	i    int
}

// state is one Render's evaluation context.
type state struct {
	d       *Data
	mode    Mode
	limit   int                // dst may not grow past this length
	loops   [MaxDepth + 2]loop // fixed, so a render does not allocate
	nl      int                // active loops
	dynamic bool               // inside render_dynamic_content: no further nesting
}

// Render appends t rendered with d in mode to dst.
func (t *Template) Render(dst []byte, d *Data, mode Mode) ([]byte, error) {
	lim := d.Limit
	if lim <= 0 {
		lim = DefaultLimit
	}
	st := state{d: d, mode: mode, limit: len(dst) + lim}
	return st.nodes(dst, t.nodes)
}

func (st *state) nodes(dst []byte, ns []node) ([]byte, error) {
	var err error
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case nText:
			dst = append(dst, n.text...)
		case nExpr:
			dst, err = st.emit(dst, n)
		case nIf:
			for _, c := range n.conds {
				if c.e == nil || st.eval(c.e).truthy() {
					dst, err = st.nodes(dst, c.body)
					break
				}
			}
		case nEach:
			dst, err = st.each(dst, n)
		}
		if err != nil {
			return dst, err
		}
		if len(dst) > st.limit {
			return dst, ErrTooLarge
		}
	}
	return dst, nil
}

func (st *state) each(dst []byte, n *node) ([]byte, error) {
	v := st.eval(n.e)
	if v.k != kArr {
		return dst, nil
	}
	if st.nl == len(st.loops) { // dynamic content nested in deep loops
		return dst, errTooDeep
	}
	top := st.nl
	st.nl++
	st.loops[top] = loop{name: n.name}
	var err error
	for i, x := range v.a {
		st.loops[top].elem, st.loops[top].i = of(x), i
		if dst, err = st.nodes(dst, n.body); err != nil {
			break
		}
	}
	st.nl = top
	return dst, err
}

// emit writes one {{expr}} with the part's escaping.
func (st *state) emit(dst []byte, n *node) ([]byte, error) {
	if n.e.kind == eCall && n.e.fn == "render_dynamic_content" {
		return st.dynamicContent(dst, n.e)
	}
	v := st.eval(n.e)
	if n.raw || st.mode == Header {
		return appendVal(dst, v, st.d.Email), nil
	}
	start := len(dst)
	dst = appendVal(dst, v, st.d.Email)
	if start == len(dst) {
		return dst, nil
	}
	switch {
	case n.link:
		return escapeInPlace(dst, start, needURL, urlEscape), nil
	case st.mode == HTML:
		return escapeInPlace(dst, start, needHTML, htmlEscape), nil
	}
	return dst, nil
}

// dynamicContent renders a dynamic_html/dynamic_plain chunk: parsed here,
// rendered unescaped, one level deep.
func (st *state) dynamicContent(dst []byte, e *expr) ([]byte, error) {
	v := st.eval(e.args[0])
	if v.k != kStr || st.dynamic {
		return dst, nil
	}
	t, err := Parse(v.s)
	if err != nil {
		return dst, err
	}
	sub := *st
	sub.dynamic = true
	return sub.nodes(dst, t.nodes)
}
