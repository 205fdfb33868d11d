package tmpl

// nodeKind is a template element.
type nodeKind uint8

const (
	nText nodeKind = iota
	nExpr
	nIf
	nEach
)

type node struct {
	kind  nodeKind
	text  string // nText
	e     *expr  // nExpr, nEach (the array)
	raw   bool   // nExpr written {{{ }}}
	link  bool   // nExpr inside an http(s):// link
	name  string // nEach: the loop's name for loop_vars.<name>
	conds []cond // nIf: branches in order; the else branch has e == nil
	body  []node // nEach
}

type cond struct {
	e    *expr
	body []node
}

// exprKind is an expression node.
type exprKind uint8

const (
	eLit exprKind = iota
	ePath
	eNot
	eNeg
	eLen
	eAnd
	eOr
	eBin // arithmetic or comparison: op
	eCall
)

type expr struct {
	kind  exprKind
	lit   val
	root  string // ePath: first identifier
	steps []step // ePath
	a, b  *expr
	op    string // eBin
	fn    string // eCall
	args  []*expr
	pos   int
}

// step is .field or [index] in a path.
type step struct {
	field string
	idx   *expr
}

// MaxDepth bounds block nesting and expression nesting.
const MaxDepth = 64

// Template is a parsed template; immutable and safe for concurrent use.
type Template struct {
	nodes []node
}

// reserved are the names that cannot be substitution keys: Lua keywords and
// the per-recipient values the engine provides.
var reserved = map[string]bool{
	"address": true, "email": true, "email_id": true, "env_from": true, "return_path": true,
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "if": true, "local": true, "nil": true,
	"not": true, "or": true, "each": true, "return": true, "then": true, "true": true,
	"until": true, "while": true,
}

// Reserved reports whether key may not be used as a substitution key.
func Reserved(key string) bool { return reserved[key] }

// Literal returns a template that renders s as is (Momentum's
// perform_substitutions = false).
func Literal(s string) *Template {
	if s == "" {
		return &Template{}
	}
	return &Template{nodes: []node{{kind: nText, text: s}}}
}

// Static reports whether t has no expression or statement, and if so its
// text: such a part renders the same for every recipient.
func (t *Template) Static() (string, bool) {
	switch {
	case len(t.nodes) == 0:
		return "", true
	case len(t.nodes) == 1 && t.nodes[0].kind == nText:
		return t.nodes[0].text, true
	}
	for _, n := range t.nodes {
		if n.kind != nText {
			return "", false
		}
	}
	var b []byte
	for _, n := range t.nodes {
		b = append(b, n.text...)
	}
	return string(b), true
}
