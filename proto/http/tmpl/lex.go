package tmpl

import (
	"fmt"
	"strings"
)

// tokKind is a lexical token class inside {{ }}.
type tokKind uint8

const (
	tEOF   tokKind = iota // end of source inside a tag: an unclosed tag
	tClose                // }} or }}}
	tIdent
	tNum
	tStr
	tOp // == != <= >= < > + - * / # ( ) [ ] . ,
)

type token struct {
	k   tokKind
	s   string // identifier, operator, or the string's raw inner text
	pos int    // byte offset in the source
}

// lexer tokenizes one tag; raw says whether the tag opened with {{{.
type lexer struct {
	src string
	p   int
	raw bool
	tok token // current (peeked) token
}

func (l *lexer) next() token {
	t := l.tok
	if t.k != tClose && t.k != tEOF { // never read past the tag's end
		l.tok = l.scan()
	}
	return t
}

func (l *lexer) scan() token {
	for l.p < len(l.src) && isSpace(l.src[l.p]) {
		l.p++
	}
	start := l.p
	if l.p >= len(l.src) {
		return token{k: tEOF, pos: start}
	}
	c := l.src[l.p]
	switch {
	case c == '}':
		closer := "}}"
		if l.raw {
			closer = "}}}"
		}
		if strings.HasPrefix(l.src[l.p:], closer) {
			l.p += len(closer)
			return token{k: tClose, s: closer, pos: start}
		}
		l.p++
		return token{k: tOp, s: "}", pos: start}
	case isLetter(c):
		for l.p < len(l.src) && (isLetter(l.src[l.p]) || isDigit(l.src[l.p])) {
			l.p++
		}
		return token{k: tIdent, s: l.src[start:l.p], pos: start}
	case isDigit(c):
		for l.p < len(l.src) && (isDigit(l.src[l.p]) || l.src[l.p] == '.') {
			l.p++
		}
		return token{k: tNum, s: l.src[start:l.p], pos: start}
	case c == '\'' || c == '"':
		l.p++
		for l.p < len(l.src) && l.src[l.p] != c {
			if l.src[l.p] == '\\' {
				l.p++
			}
			l.p++
		}
		if l.p >= len(l.src) {
			return token{k: tEOF, pos: start}
		}
		l.p++
		return token{k: tStr, s: l.src[start+1 : l.p-1], pos: start}
	}
	if l.p+1 < len(l.src) {
		switch two := l.src[l.p : l.p+2]; two {
		case "==", "!=", "<=", ">=", "~=":
			l.p += 2
			if two == "~=" {
				two = "!="
			}
			return token{k: tOp, s: two, pos: start}
		}
	}
	if strings.IndexByte("<>+-*/#()[].,", c) >= 0 {
		l.p++
		return token{k: tOp, s: l.src[start:l.p], pos: start}
	}
	l.p++
	return token{k: tOp, s: l.src[start:l.p], pos: start}
}

func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
func isLetter(c byte) bool { return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// Error is a template syntax error, positioned 1-based.
type Error struct {
	Line, Col int
	Near      string // the text the error was found at, at most 20 bytes
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d: %s near '%s'", e.Line, e.Msg, e.Near)
}

// errAt builds an *Error for byte offset pos of src.
func errAt(src string, pos int, msg string) *Error {
	pos = min(max(pos, 0), len(src))
	line := 1 + strings.Count(src[:pos], "\n")
	col := pos - strings.LastIndexByte(src[:pos], '\n')
	near := src[pos:]
	if i := strings.IndexAny(near, "\r\n"); i >= 0 {
		near = near[:i]
	}
	if len(near) > 20 {
		near = near[:20]
	}
	return &Error{Line: line, Col: col, Near: near, Msg: msg}
}
