package tmpl

import "strings"

// Expression grammar (lowest precedence first):
//
//	or   = and { "or" and }
//	and  = not { "and" not }
//	not  = "not" not | cmp
//	cmp  = sum [ ("=="|"!="|"<"|">"|"<="|">=") sum ]
//	sum  = prod { ("+"|"-") prod }
//	prod = un { ("*"|"/") un }
//	un   = "-" un | "#" un | prim
//	prim = number | string | true | false | nil | "(" or ")" | call | path
//	path = ident { "." ident | "[" or "]" }
//	call = ident "(" [ or { "," or } ] ")"

// funcs are the macros the language knows, with their argument counts.
var funcs = map[string]int{
	"empty": 1, "render_dynamic_content": 1,
	"opening_single_curly": 0, "closing_single_curly": 0,
	"opening_double_curly": 0, "closing_double_curly": 0,
	"opening_triple_curly": 0, "closing_triple_curly": 0,
}

func (ps *parser) expr(l *lexer) (*expr, error) {
	ps.depth++
	defer func() { ps.depth-- }()
	if ps.depth > MaxDepth {
		return nil, errAt(ps.src, l.tok.pos, "expression nested too deeply")
	}
	return ps.binary(l, 0)
}

// levels are the binary operators by precedence, lowest first.
var levels = [][]string{{"or"}, {"and"}, nil, {"==", "!=", "<", ">", "<=", ">="}, {"+", "-"}, {"*", "/"}}

func (ps *parser) binary(l *lexer, lv int) (*expr, error) {
	if lv == len(levels) {
		return ps.unary(l)
	}
	if levels[lv] == nil { // "not" sits between "and" and comparisons
		if l.tok.k == tIdent && l.tok.s == "not" {
			t := l.next()
			a, err := ps.nested(l, lv)
			if err != nil {
				return nil, err
			}
			return &expr{kind: eNot, a: a, pos: t.pos}, nil
		}
		return ps.binary(l, lv+1)
	}
	a, err := ps.binary(l, lv+1)
	if err != nil {
		return nil, err
	}
	for isOp(l.tok, levels[lv]) {
		t := l.next()
		b, err := ps.binary(l, lv+1)
		if err != nil {
			return nil, err
		}
		a = &expr{kind: eBin, op: t.s, a: a, b: b, pos: t.pos}
		switch t.s {
		case "or":
			a.kind = eOr
		case "and":
			a.kind = eAnd
		}
		if lv == 3 { // comparisons do not chain
			break
		}
	}
	return a, nil
}

// nested re-enters the grammar at level lv with the depth bound applied.
func (ps *parser) nested(l *lexer, lv int) (*expr, error) {
	ps.depth++
	defer func() { ps.depth-- }()
	if ps.depth > MaxDepth {
		return nil, errAt(ps.src, l.tok.pos, "expression nested too deeply")
	}
	return ps.binary(l, lv)
}

func isOp(t token, ops []string) bool {
	if t.k != tOp && t.k != tIdent {
		return false
	}
	for _, o := range ops {
		if t.s == o {
			return true
		}
	}
	return false
}

func (ps *parser) unary(l *lexer) (*expr, error) {
	if l.tok.k == tOp && (l.tok.s == "-" || l.tok.s == "#") {
		t := l.next()
		a, err := ps.nested(l, len(levels))
		if err != nil {
			return nil, err
		}
		k := eNeg
		if t.s == "#" {
			k = eLen
		}
		return &expr{kind: k, a: a, pos: t.pos}, nil
	}
	return ps.primary(l)
}

func (ps *parser) primary(l *lexer) (*expr, error) {
	t := l.next()
	switch t.k {
	case tNum:
		f, ok := parseNum(t.s)
		if !ok {
			return nil, errAt(ps.src, t.pos, "bad number")
		}
		return &expr{kind: eLit, lit: val{k: kNum, n: f}, pos: t.pos}, nil
	case tStr:
		return &expr{kind: eLit, lit: val{k: kStr, s: unquote(t.s)}, pos: t.pos}, nil
	case tOp:
		if t.s != "(" {
			break
		}
		e, err := ps.expr(l)
		if err != nil {
			return nil, err
		}
		if c := l.next(); c.k != tOp || c.s != ")" {
			return nil, errAt(ps.src, c.pos, "missing )")
		}
		return e, nil
	case tIdent:
		switch t.s {
		case "true", "false":
			return &expr{kind: eLit, lit: val{k: kBool, b: t.s == "true"}, pos: t.pos}, nil
		case "nil":
			return &expr{kind: eLit, pos: t.pos}, nil
		}
		if reserved[t.s] && !autoKey(t.s) {
			break
		}
		if l.tok.k == tOp && l.tok.s == "(" {
			return ps.call(l, t)
		}
		return ps.path(l, t)
	case tEOF:
		return nil, errAt(ps.src, t.pos, "unclosed tag")
	}
	return nil, errAt(ps.src, t.pos, "syntax error")
}

// autoKey reports the reserved names that are readable values.
func autoKey(s string) bool {
	switch s {
	case "address", "email", "email_id", "env_from", "return_path":
		return true
	}
	return false
}

func (ps *parser) call(l *lexer, name token) (*expr, error) {
	n, ok := funcs[name.s]
	if !ok {
		if name.s == "render_snippet" {
			return nil, errAt(ps.src, name.pos, "render_snippet is not supported (no snippets)")
		}
		return nil, errAt(ps.src, name.pos, "unknown function")
	}
	l.next() // (
	e := &expr{kind: eCall, fn: name.s, pos: name.pos}
	for !(l.tok.k == tOp && l.tok.s == ")") {
		if len(e.args) > 0 {
			if c := l.next(); c.k != tOp || c.s != "," {
				return nil, errAt(ps.src, c.pos, "syntax error")
			}
		}
		a, err := ps.expr(l)
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, a)
	}
	l.next() // )
	if len(e.args) != n {
		return nil, errAt(ps.src, name.pos, "wrong number of arguments")
	}
	return e, nil
}

func (ps *parser) path(l *lexer, root token) (*expr, error) {
	e := &expr{kind: ePath, root: root.s, pos: root.pos}
	for l.tok.k == tOp && (l.tok.s == "." || l.tok.s == "[") {
		t := l.next()
		if t.s == "." {
			f := l.next()
			if f.k != tIdent {
				return nil, errAt(ps.src, f.pos, "syntax error")
			}
			e.steps = append(e.steps, step{field: f.s})
			continue
		}
		ix, err := ps.expr(l)
		if err != nil {
			return nil, err
		}
		if c := l.next(); c.k != tOp || c.s != "]" {
			return nil, errAt(ps.src, c.pos, "missing ]")
		}
		if ix.kind == eLit && ix.lit.k == kStr {
			e.steps = append(e.steps, step{field: ix.lit.s})
			continue
		}
		e.steps = append(e.steps, step{idx: ix})
	}
	return e, nil
}

// unquote resolves backslash escapes in a string literal.
func unquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch c = s[i]; c {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
