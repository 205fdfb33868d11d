package config

import (
	"fmt"
	"slices"
	"strings"
)

// needsQuotes reports whether a scalar must be quoted to read back as one word.
func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if delimiter(c) || c == '/' || c == '\\' || c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// quote writes s so that the lexer reads it back unchanged, bare when it can.
func quote(s string) string {
	if !needsQuotes(s) {
		return s
	}
	return Quote(s)
}

// Quote returns s as a double-quoted string the lexer reads back unchanged
// (escaping \", \\, CR, LF and TAB). The console uses it to write values.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatList(l []string) string {
	var b strings.Builder
	b.WriteString("(")
	for _, s := range l {
		b.WriteString(" ")
		b.WriteString(quote(s))
	}
	b.WriteString(" )")
	return b.String()
}

func formatDict(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("[")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s = %s", quote(k), quote(m[k]))
	}
	b.WriteString(" ]")
	return b.String()
}

// formatValue is a value as config text.
func formatValue(v *Value) string {
	switch v.Kind {
	case KindArray:
		return formatList(v.List)
	case KindDict:
		return formatDict(v.Dict)
	}
	return quote(v.Raw)
}

// Print renders c as canonical config text: includes inlined, canonical
// option names, values quoted only where needed, two-space indentation.
// Parsing the result and printing again yields the same bytes.
func Print(c *Config) []byte {
	var b strings.Builder
	printBody(&b, c.root, 0, true)
	printForeign(&b, c.root.foreign, 0)
	return []byte(b.String())
}

func printBody(b *strings.Builder, sc *scope, depth int, recurse bool) {
	ind := strings.Repeat("  ", depth)
	for _, st := range sc.opts {
		if st.mapped {
			continue
		}
		fmt.Fprintf(b, "%s%s = %s\n", ind, st.def.Name, formatValue(st.val))
	}
	for _, k := range sc.kids {
		head := k.scopeWord()
		if k.lv != lvListener && k.lv != lvHandoff {
			head += " " + quote2(k.name)
		}
		if !recurse {
			fmt.Fprintf(b, "%s%s { ... }\n", ind, head)
			continue
		}
		fmt.Fprintf(b, "%s%s {\n", ind, head)
		printBody(b, k, depth+1, true)
		fmt.Fprintf(b, "%s}\n", ind)
	}
}

// quote2 always quotes: scope instances read best quoted ("*:25").
func quote2(s string) string {
	q := quote(s)
	if !strings.HasPrefix(q, `"`) {
		q = `"` + q + `"`
	}
	return q
}
