package config

import (
	"fmt"
	"strings"
)

// maxErrors bounds how many problems one load reports; past it the parser
// stops, so a garbage input cannot produce an unbounded error list.
const maxErrors = 50

// Error is one problem at one position.
type Error struct {
	Src  Source
	Msg  string
	Hint string // e.g. "did you mean Listen_Backlog?"; may be empty
}

func (e *Error) String() string {
	s := e.Msg
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	if e.Src.File == "" && e.Src.Line == 0 {
		// Console errors (Get, Eval, Set, Unset, Show) carry no position
		// and read as Momentum's console answers them.
		return s
	}
	return fmt.Sprintf("%s: %s", e.Src, s)
}

// Errors is what Load, Parse, Set and Unset return on failure. Its Error
// text is one "FILE:LINE:COL: message" line per problem, in input order.
type Errors struct {
	List []*Error
}

func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, x := range e.List {
		lines[i] = x.String()
	}
	return strings.Join(lines, "\n")
}

func (e *Errors) add(src Source, msg, hint string) {
	if len(e.List) < maxErrors {
		e.List = append(e.List, &Error{Src: src, Msg: msg, Hint: hint})
	}
}

func (e *Errors) full() bool { return len(e.List) >= maxErrors }

// err returns e as an error, or nil when it holds nothing.
func (e *Errors) err() error {
	if len(e.List) == 0 {
		return nil
	}
	return e
}

// String formats a Source as FILE:LINE:COL ("default" for the zero Source).
func (s Source) String() string {
	if s.File == "" {
		return "default"
	}
	if s.Line == 0 {
		return s.File
	}
	if s.Col == 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return fmt.Sprintf("%s:%d:%d", s.File, s.Line, s.Col)
}

// short is FILE:LINE, the form -dump and Diff print.
func (s Source) short() string {
	if s.File == "" {
		return "default"
	}
	if s.Line == 0 {
		return s.File
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// suggest returns "did you mean X?" for the candidate closest to name when
// it is close enough to be a likely typo, else "".
func suggest(name string, candidates []string) string {
	n := strings.ToLower(name)
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(n, strings.ToLower(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(n) > 10 {
		limit = 3
	}
	if best == "" || bestD > limit || bestD >= len(n) {
		return ""
	}
	return "did you mean " + best + "?"
}

// editDistance is the Levenshtein distance (names are short; O(len²) is fine).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
