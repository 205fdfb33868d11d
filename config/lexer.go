package config

import (
	"bytes"
	"fmt"
	"strings"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // bare word
	tString         // quoted string; text is the unescaped content
	tLBrace         // {
	tRBrace         // }
	tLParen         // (
	tRParen         // )
	tLBrack         // [
	tRBrack         // ]
	tEq             // =
	tComma          // ,
)

var tokNames = [...]string{"end of file", "word", "string", "'{'", "'}'", "'('", "')'", "'['", "']'", "'='", "','"}

func (k tokKind) String() string { return tokNames[k] }

// token is one lexeme with its position (1-based line and column, column in bytes).
type token struct {
	kind tokKind
	text string
	line int
	col  int
}

// lexer splits one file into tokens. It never backtracks, so its cost is
// linear in the input; it allocates one string per word or string token.
type lexer struct {
	file string
	src  []byte
	off  int
	line int
	col  int
	errs *Errors
}

func newLexer(file string, src []byte, errs *Errors) *lexer {
	return &lexer{file: file, src: src, line: 1, col: 1, errs: errs}
}

// delimiter reports whether c ends a bare word.
func delimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', '\v', '#', '"', '\'', '=', '{', '}', '[', ']', '(', ')', ',':
		return true
	}
	return false
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.off < len(lx.src); i++ {
		if lx.src[lx.off] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.off++
	}
}

func (lx *lexer) errorf(line, col int, format string, a ...any) {
	lx.errs.add(Source{File: lx.file, Line: line, Col: col}, fmt.Sprintf(format, a...), "")
}

// skip passes over whitespace and comments. An unterminated block comment
// is reported once and consumes the rest of the file.
func (lx *lexer) skip() {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			lx.advance(1)
		case c == '#':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '*':
			line, col := lx.line, lx.col
			end := bytes.Index(lx.src[lx.off+2:], []byte("*/"))
			if end < 0 {
				lx.errorf(line, col, "unterminated /* comment")
				lx.advance(len(lx.src) - lx.off)
				return
			}
			lx.advance(end + 4)
		default:
			return
		}
	}
}

// next returns the next token; at the end it returns tEOF forever.
func (lx *lexer) next() token {
	lx.skip()
	t := token{line: lx.line, col: lx.col}
	if lx.off >= len(lx.src) {
		return t
	}
	c := lx.src[lx.off]
	if k, ok := punct(c); ok {
		t.kind = k
		t.text = string(c)
		lx.advance(1)
		return t
	}
	if c == '"' || c == '\'' {
		t.kind = tString
		t.text = lx.quoted(c)
		return t
	}
	start := lx.off
	for lx.off < len(lx.src) && !delimiter(lx.src[lx.off]) {
		if lx.src[lx.off] == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '*' {
			break
		}
		lx.advance(1)
	}
	t.kind = tWord
	t.text = string(lx.src[start:lx.off])
	return t
}

func punct(c byte) (tokKind, bool) {
	switch c {
	case '{':
		return tLBrace, true
	case '}':
		return tRBrace, true
	case '(':
		return tLParen, true
	case ')':
		return tRParen, true
	case '[':
		return tLBrack, true
	case ']':
		return tRBrack, true
	case '=':
		return tEq, true
	case ',':
		return tComma, true
	}
	return 0, false
}

// quoted reads a string opened by q. Escapes \" \' \\ \r \n \t are decoded;
// any other backslash is kept as written so regex-like values survive. A
// string may not span lines: an unterminated one is reported at its start.
func (lx *lexer) quoted(q byte) string {
	line, col := lx.line, lx.col
	lx.advance(1)
	var b strings.Builder
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == q:
			lx.advance(1)
			return b.String()
		case c == '\n':
			lx.errorf(line, col, "unterminated string (a quoted value must end on its line)")
			return b.String()
		case c == '\\' && lx.off+1 < len(lx.src):
			d := lx.src[lx.off+1]
			switch d {
			case '"', '\'', '\\':
				b.WriteByte(d)
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte('\\')
				b.WriteByte(d)
			}
			lx.advance(2)
		default:
			b.WriteByte(c)
			lx.advance(1)
		}
	}
	lx.errorf(line, col, "unterminated string")
	return b.String()
}
