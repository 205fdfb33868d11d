package tmpl

import (
	"strconv"
	"strings"
)

// parser builds the node tree of one source.
type parser struct {
	src   string
	p     int  // next unread byte of src
	inURL bool // the text emitted so far ends inside an http(s):// link
	depth int
}

// Parse compiles src. A syntax error is an *Error.
func Parse(src string) (*Template, error) {
	ps := &parser{src: src}
	nodes, stop, err := ps.block(0)
	if err != nil {
		return nil, err
	}
	if stop.word != "" {
		return nil, errAt(src, stop.pos, "unexpected {{"+stop.word+"}}")
	}
	return &Template{nodes: nodes}, nil
}

// stopper is the statement that ended a block: else, elseif, end, or ""
// at the end of the source.
type stopper struct {
	word string
	e    *expr // elseif's condition
	pos  int
}

// block parses nodes until a stopping statement or the end of the source.
func (ps *parser) block(depth int) ([]node, stopper, error) {
	if depth > MaxDepth {
		return nil, stopper{}, errAt(ps.src, ps.p, "blocks nested too deeply")
	}
	var nodes []node
	for {
		i := strings.Index(ps.src[ps.p:], "{{")
		if i < 0 {
			nodes = ps.text(nodes, ps.src[ps.p:])
			ps.p = len(ps.src)
			return nodes, stopper{}, nil
		}
		tagAt := ps.p + i
		raw := strings.HasPrefix(ps.src[tagAt:], "{{{")
		open := 2
		if raw {
			open = 3
		}
		l := &lexer{src: ps.src, p: tagAt + open, raw: raw}
		l.tok = l.scan()
		word := ""
		if !raw && l.tok.k == tIdent {
			switch l.tok.s {
			case "if", "elseif", "else", "end", "each":
				word = l.tok.s
			}
		}
		if word == "" {
			nodes = ps.text(nodes, ps.src[ps.p:tagAt])
			e, err := ps.expr(l)
			if err != nil {
				return nil, stopper{}, err
			}
			if err := ps.close(l); err != nil {
				return nil, stopper{}, err
			}
			nodes = append(nodes, node{kind: nExpr, e: e, raw: raw, link: ps.inURL})
			ps.p = l.p
			continue
		}
		l.next()
		var e *expr
		var err error
		if word == "if" || word == "elseif" || word == "each" {
			if e, err = ps.expr(l); err != nil {
				return nil, stopper{}, err
			}
			if word != "each" && l.tok.k == tIdent && l.tok.s == "then" {
				l.next()
			}
		}
		if err := ps.close(l); err != nil {
			return nil, stopper{}, err
		}
		// A statement alone on its line leaves no blank line behind.
		before, after := ps.standalone(tagAt, l.p)
		nodes = ps.text(nodes, ps.src[ps.p:before])
		ps.p = after
		switch word {
		case "else", "elseif", "end":
			return nodes, stopper{word: word, e: e, pos: tagAt}, nil
		case "if":
			n, err := ps.ifBlock(e, tagAt, depth)
			if err != nil {
				return nil, stopper{}, err
			}
			nodes = append(nodes, n)
		case "each":
			body, stop, err := ps.block(depth + 1)
			if err != nil {
				return nil, stopper{}, err
			}
			if stop.word != "end" {
				return nil, stopper{}, errAt(ps.src, tagAt, "each without end")
			}
			nodes = append(nodes, node{kind: nEach, e: e, name: loopName(e), body: body})
		}
	}
}

// ifBlock parses the branches of an if whose condition is e.
func (ps *parser) ifBlock(e *expr, at, depth int) (node, error) {
	n := node{kind: nIf}
	seenElse := false
	for {
		body, stop, err := ps.block(depth + 1)
		if err != nil {
			return n, err
		}
		n.conds = append(n.conds, cond{e: e, body: body})
		switch stop.word {
		case "end":
			return n, nil
		case "":
			return n, errAt(ps.src, at, "if without end")
		}
		if seenElse {
			return n, errAt(ps.src, stop.pos, stop.word+" after else")
		}
		seenElse = stop.word == "else"
		e = stop.e
	}
}

// close expects the tag's closing braces.
func (ps *parser) close(l *lexer) error {
	t := l.next()
	switch t.k {
	case tClose:
		return nil
	case tEOF:
		return errAt(ps.src, t.pos, "unclosed tag")
	}
	return errAt(ps.src, t.pos, "syntax error")
}

// standalone returns the span a statement tag [at, end) removes: its line's
// leading whitespace and the rest of the line with its newline, when the tag
// is the only thing on the line; otherwise just the tag.
func (ps *parser) standalone(at, end int) (int, int) {
	b := at
	for b > 0 && (ps.src[b-1] == ' ' || ps.src[b-1] == '\t') {
		b--
	}
	if b > 0 && ps.src[b-1] != '\n' {
		return at, end
	}
	a := end
	for a < len(ps.src) && (ps.src[a] == ' ' || ps.src[a] == '\t' || ps.src[a] == '\r') {
		a++
	}
	switch {
	case a == len(ps.src):
		return b, a
	case ps.src[a] == '\n':
		return b, a + 1
	}
	return at, end
}

// text appends a text node and tracks whether the output is inside a link.
func (ps *parser) text(nodes []node, s string) []node {
	if s == "" {
		return nodes
	}
	tail := s
	if i := strings.LastIndexAny(s, " \t\r\n\"'<>()"); i >= 0 {
		ps.inURL = false
		tail = s[i+1:]
	}
	if j := strings.Index(tail, "://"); j >= 0 {
		sch := strings.ToLower(tail[:j])
		ps.inURL = strings.HasSuffix(sch, "http") || strings.HasSuffix(sch, "https")
	}
	return append(nodes, node{kind: nText, text: s})
}

// loopName is the name loop_vars.<name> refers to: the last field of the
// array's path.
func loopName(e *expr) string {
	if e == nil || e.kind != ePath {
		return ""
	}
	for i := len(e.steps) - 1; i >= 0; i-- {
		if e.steps[i].idx == nil {
			return e.steps[i].field
		}
	}
	return e.root
}

// parseNum reads a number literal.
func parseNum(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
