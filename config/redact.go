package config

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// Redacted renders e for a reader who may not read the files: the console.
// Every problem keeps its FILE:LINE:COL and the message's fixed wording,
// but each quoted segment (the only way a message carries text taken from
// a file: names, values, include paths) becomes "…". Without it
// "config reload /etc/shadow" would answer with the file's first token.
// The full text goes to the daemon log only.
func (e *Errors) Redacted() string {
	var b strings.Builder
	for i, x := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		if x.Src.File != "" || x.Src.Line != 0 {
			b.WriteString(x.Src.String())
			b.WriteString(": ")
		}
		b.WriteString(maskQuoted(x.Msg))
		if x.Hint != "" {
			b.WriteString("; ")
			b.WriteString(maskQuoted(x.Hint))
		}
	}
	return b.String()
}

// maskQuoted replaces each Go-quoted segment of s ("…" with \" escapes, as
// %q writes it) by "…". An unterminated quote masks the rest of s.
func maskQuoted(s string) string {
	if strings.IndexByte(s, '"') < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(`"…"`)
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			return b.String()
		}
		s = s[j+1:]
	}
}

// pathless drops the path an *os.PathError carries: messages quote the
// path themselves (%q), so the redacted form can mask it.
func pathless(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// quoteAll quotes every name and joins them with sep.
func quoteAll(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, sep)
}
