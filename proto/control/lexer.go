package control

// tokKind classifies one token of a command line.
type tokKind uint8

const (
	tWord   tokKind = iota // a bare or quoted word
	tOpen                  // "(" starts an array
	tClose                 // ")" ends it
	tLBrack                // "[" starts a dictionary
	tRBrack                // "]" ends it
	tEq                    // "=" inside a dictionary
)

// token is a span of the lexer's scratch buffer, which holds every word
// with its quotes removed and escapes resolved.
type token struct {
	kind       tokKind
	quoted     bool
	start, end int
}

// lexer splits command lines. It keeps its slices between lines so that
// tokenising does not allocate once they have grown.
type lexer struct {
	toks    []token
	scratch []byte
	err     string // why the last line failed; "" when it succeeded
}

// maxTokens bounds the words of one line; a longer line is refused.
const maxTokens = 1024

func (lx *lexer) text(t token) []byte { return lx.scratch[t.start:t.end] }

// split tokenises line. Words are separated by spaces or tabs; "..." may
// contain the escapes of ecelerity.conf (\" \' \\ \r \n \t; any other
// backslash is kept); '...' is literal. Outside
// quotes, ( ) [ ] are tokens of their own; inside ( ) and [ ], commas
// separate like spaces and inside [ ], "=" is a token. It reports false and
// sets lx.err on a syntax error.
func (lx *lexer) split(line []byte) bool {
	lx.toks, lx.scratch, lx.err = lx.toks[:0], lx.scratch[:0], ""
	var depth tokKind // tOpen or tLBrack while inside one; tWord outside
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || (c == ',' && depth != tWord):
			i++
			continue
		case c < 0x20 || c == 0x7f:
			lx.err = "control character in command"
			return false
		case len(lx.toks) >= maxTokens:
			lx.err = "too many words in command"
			return false
		}
		if k, ok := punct(c, depth); ok {
			if !lx.nest(k, &depth) {
				return false
			}
			lx.toks = append(lx.toks, token{kind: k, start: len(lx.scratch), end: len(lx.scratch)})
			i++
			continue
		}
		start := len(lx.scratch)
		var ok bool
		switch c {
		case '"', '\'':
			i, ok = lx.quoted(line, i)
			if !ok {
				return false
			}
		default:
			for i < len(line) && !lx.ends(line[i], depth) {
				lx.scratch = append(lx.scratch, line[i])
				i++
			}
		}
		lx.toks = append(lx.toks, token{kind: tWord, quoted: c == '"' || c == '\'',
			start: start, end: len(lx.scratch)})
	}
	if depth != tWord {
		lx.err = "unbalanced [: missing ]"
		if depth == tOpen {
			lx.err = "unbalanced (: missing )"
		}
		return false
	}
	return true
}

// punct reports whether c is a token by itself at this depth.
func punct(c byte, depth tokKind) (tokKind, bool) {
	switch c {
	case '(':
		return tOpen, true
	case ')':
		return tClose, true
	case '[':
		return tLBrack, true
	case ']':
		return tRBrack, true
	case '=':
		return tEq, depth == tLBrack
	}
	return 0, false
}

// ends reports whether c ends a bare word.
func (lx *lexer) ends(c byte, depth tokKind) bool {
	if c == ' ' || c == '\t' || c < 0x20 || c == 0x7f || (c == ',' && depth != tWord) {
		return true
	}
	_, p := punct(c, depth)
	return p
}

// nest tracks ( ) and [ ]; they do not nest inside each other.
func (lx *lexer) nest(k tokKind, depth *tokKind) bool {
	switch k {
	case tOpen, tLBrack:
		if *depth != tWord {
			lx.err = "arrays and dictionaries cannot be nested"
			return false
		}
		*depth = k
	case tClose, tRBrack:
		want := tOpen
		if k == tRBrack {
			want = tLBrack
		}
		if *depth != want {
			lx.err = "unbalanced close bracket"
			return false
		}
		*depth = tWord
	}
	return true
}

// quoted copies the quoted word starting at line[i] into scratch and
// returns the index after its closing quote.
func (lx *lexer) quoted(line []byte, i int) (int, bool) {
	q := line[i]
	for i++; i < len(line); i++ {
		c := line[i]
		switch {
		case c == q:
			return i + 1, true
		case c < 0x20 && c != '\t' || c == 0x7f:
			lx.err = "control character in command"
			return i, false
		case c == '\\' && q == '"' && i+1 < len(line):
			// The escapes of ecelerity.conf; any other backslash is kept
			// so regex-like values survive.
			switch d := line[i+1]; d {
			case '"', '\'', '\\':
				c, i = d, i+1
			case 'n':
				c, i = '\n', i+1
			case 't':
				c, i = '\t', i+1
			case 'r':
				c, i = '\r', i+1
			}
		}
		lx.scratch = append(lx.scratch, c)
	}
	lx.err = "unterminated quoted string"
	return i, false
}
