package config

import (
	"fmt"
	"strings"
)

// Limits that keep a hostile or broken input bounded in time and memory.
const (
	maxNesting      = 64       // scopes, arrays and dictionaries inside one another
	maxIncludeDepth = 16       // include chains
	maxIncludeFiles = 1024     // files per load
	maxFileSize     = 16 << 20 // bytes per included file
)

type rvKind uint8

const (
	rvScalar rvKind = iota
	rvArray
	rvDict
)

// rawVal is a value as written, before the registry gives it a type.
type rawVal struct {
	kind   rvKind
	text   string // rvScalar
	quoted bool
	items  []*rawVal // rvArray elements, rvDict values
	keys   []string  // rvDict keys, parallel to items
	src    Source
}

// node is one statement: an option (val set) or a scope (isScope).
type node struct {
	name    string
	src     Source
	inst    *rawVal // scope instance name; nil for anonymous scopes
	val     *rawVal
	isScope bool
	body    []*node
}

// reader reads an included file; tests and fuzzing replace it.
type reader func(path string) ([]byte, error)

// parser turns tokens into nodes, expanding includes as it goes.
type parser struct {
	lx    *lexer
	buf   [3]token // lookahead, buf[:nbuf]
	nbuf  int
	errs  *Errors
	inc   *includer
	depth int
	stop  bool // a syntax error ends this file
}

type includer struct {
	read  reader
	stack []string // absolute paths of the files being parsed
	names []string // the same files as named to the user
	files int
}

// parseFile parses src (named name) into statements.
func parseFile(name string, src []byte, inc *includer, errs *Errors) []*node {
	p := &parser{lx: newLexer(name, src, errs), errs: errs, inc: inc}
	var out []*node
	for !p.stop && !errs.full() {
		t := p.peek(0)
		if t.kind == tEOF {
			break
		}
		out = p.stmt(out)
	}
	return out
}

// peek returns the token i ahead (i < 3) without consuming it.
func (p *parser) peek(i int) token {
	for p.nbuf <= i {
		p.buf[p.nbuf] = p.lx.next()
		p.nbuf++
	}
	return p.buf[i]
}

func (p *parser) take() token {
	t := p.peek(0)
	copy(p.buf[:], p.buf[1:p.nbuf])
	p.nbuf--
	return t
}

func (p *parser) src(t token) Source { return Source{File: p.lx.file, Line: t.line, Col: t.col} }

func (p *parser) fail(t token, format string, a ...any) {
	if !p.stop {
		p.errs.add(p.src(t), fmt.Sprintf(format, a...), "")
	}
	p.stop = true
}

func describe(t token) string {
	switch t.kind {
	case tWord:
		return fmt.Sprintf("%q", t.text)
	case tString:
		return fmt.Sprintf("string %q", t.text)
	}
	return t.kind.String()
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// stmt parses one statement and appends it (or an include's statements) to out.
func (p *parser) stmt(out []*node) []*node {
	t := p.take()
	if t.kind != tWord || !validName(t.text) {
		p.fail(t, "expected an option or scope name (letters, digits, _), found %s", describe(t))
		return out
	}
	n := &node{name: t.text, src: p.src(t)}
	lname := strings.ToLower(t.text)
	if lname == "include" || lname == "readonly_include" {
		v := p.value()
		if p.stop {
			return out
		}
		if v.kind != rvScalar {
			p.fail(t, "%s wants a file or directory name", t.text)
			return out
		}
		return append(out, p.include(v)...)
	}
	if p.peek(0).kind == tEq {
		p.take()
	}
	switch p.peek(0).kind {
	case tLBrace:
		n.isScope = true
		n.body = p.block()
		return append(out, n)
	case tWord, tString:
		nx := p.peek(1)
		if nx.kind == tLBrace || nx.kind == tEq && p.peek(2).kind == tLBrace {
			n.inst = p.scalar()
			if p.peek(0).kind == tEq {
				p.take()
			}
			n.isScope = true
			n.body = p.block()
			return append(out, n)
		}
	}
	n.val = p.value()
	return append(out, n)
}

// block parses "{ stmt* }".
func (p *parser) block() []*node {
	open := p.take() // '{'
	if p.depth++; p.depth > maxNesting {
		p.fail(open, "scopes nested deeper than %d", maxNesting)
		return nil
	}
	defer func() { p.depth-- }()
	var body []*node
	for !p.stop && !p.errs.full() {
		switch t := p.peek(0); t.kind {
		case tRBrace:
			p.take()
			return body
		case tEOF:
			p.fail(open, "scope opened here is not closed (missing '}')")
			return body
		}
		body = p.stmt(body)
	}
	return body
}

func (p *parser) scalar() *rawVal {
	t := p.take()
	return &rawVal{kind: rvScalar, text: t.text, quoted: t.kind == tString, src: p.src(t)}
}

// value parses a scalar, "( … )" array or "[ k = v … ]" dictionary.
func (p *parser) value() *rawVal {
	t := p.peek(0)
	switch t.kind {
	case tWord, tString:
		return p.scalar()
	case tLParen, tLBrack:
		if p.depth++; p.depth > maxNesting {
			p.fail(t, "values nested deeper than %d", maxNesting)
			return &rawVal{}
		}
		defer func() { p.depth-- }()
		if t.kind == tLParen {
			return p.array()
		}
		return p.dict()
	}
	p.fail(t, "expected a value, found %s", describe(t))
	return &rawVal{}
}

func (p *parser) array() *rawVal {
	open := p.take()
	v := &rawVal{kind: rvArray, src: p.src(open)}
	for !p.stop {
		switch t := p.peek(0); t.kind {
		case tRParen:
			p.take()
			return v
		case tComma:
			p.take()
		case tEOF:
			p.fail(open, "array opened here is not closed (missing ')')")
		default:
			v.items = append(v.items, p.value())
		}
	}
	return v
}

func (p *parser) dict() *rawVal {
	open := p.take()
	v := &rawVal{kind: rvDict, src: p.src(open)}
	for !p.stop {
		t := p.take()
		switch t.kind {
		case tRBrack:
			return v
		case tComma:
			continue
		case tWord, tString:
			if p.peek(0).kind == tEq {
				p.take()
			}
			v.keys = append(v.keys, t.text)
			v.items = append(v.items, p.value())
		case tEOF:
			p.fail(open, "dictionary opened here is not closed (missing ']')")
		default:
			p.fail(t, "expected a dictionary key, found %s", describe(t))
		}
	}
	return v
}
