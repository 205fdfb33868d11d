// Package tmpl is Momentum 4's (SparkPost's) handlebars-style substitution
// language: {{expr}}, {{{raw}}}, {{if}}/{{elseif}}/{{else}}/{{end}},
// {{each}} with loop_var, loop_vars and loop_index, defaults with "or",
// comparisons, arithmetic and a few macros. It is pure: no I/O, no globals
// that change.
//
// A Template is parsed once and is immutable, so it may be rendered by many
// goroutines at once and for many recipients. Render appends to a caller's
// buffer and does not allocate for plain variable, path, comparison and
// loop rendering of JSON-decoded data (maps, slices, strings, float64,
// bool, nil); arithmetic, JSON rendering of whole objects and
// render_dynamic_content allocate.
//
// Invariants:
//   - Parse never panics and bounds nesting (MaxDepth) so a hostile template
//     cannot exhaust the stack; errors are *Error with a 1-based line and
//     column.
//   - Render never writes more than Data.Limit bytes past len(dst) (default
//     DefaultLimit): loops over large arrays fail with ErrTooLarge instead
//     of growing without bound.
//   - Values are never interpreted as template text, except by
//     render_dynamic_content, which parses its argument at most one level
//     deep.
//
// Escaping depends on the part (Mode): HTML escapes {{x}} (& < > " ' /),
// Text and Header do not; an expression inside an http(s):// link in HTML or
// Text is URL-encoded instead. {{{x}}} is never escaped or encoded.
package tmpl
