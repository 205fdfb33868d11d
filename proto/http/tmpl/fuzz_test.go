package tmpl

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzTemplate parses arbitrary sources and renders the ones that parse in
// every mode. Neither may panic; a render stays within its limit; a source
// without "{{" renders as itself; a syntax error is positioned inside the
// source.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"hi {{name}}!", "{{{html}}}", "{{user.tags[1]}} {{user[key]}}",
		"{{if n == 1}}a{{elseif not vip}}b{{else}}c{{end}}",
		"{{each items}}{{loop_index}}{{loop_var.name}}{{end}}",
		"{{each cart.items}}{{each loop_vars.items.sub}}{{loop_vars.items.k}}{{end}}{{end}}",
		"{{missing or 'x'}} {{#items}} {{-n * 2 + 1 / 3}}", "{{render_dynamic_content(dynamic_html.hero)}}",
		`<a href="https://x/?q={{q}}">`, "line\n  {{if vip}}\nx\n{{end}}\n", "{{ 'a\\'b' }}", "{{", "}}", "{{{ a }}",
		"{{empty(items)}}{{opening_triple_curly()}}", "{{if a}}{{else}}{{elseif b}}{{end}}",
	} {
		f.Add(s)
	}
	d := data(f, sub)
	d.Limit = 1 << 16
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Line > strings.Count(src, "\n")+1 || e.Col < 1 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		for _, m := range []Mode{Text, HTML, Header} {
			out, err := tp.Render([]byte("p"), d, m)
			if err == nil && len(out) > 1+d.Limit+1<<16 {
				t.Fatalf("render grew to %d", len(out))
			}
			if err == nil && !bytes.HasPrefix(out, []byte("p")) {
				t.Fatal("prefix lost")
			}
		}
		if !strings.Contains(src, "{{") {
			out, _ := tp.Render(nil, d, Text)
			if string(out) != src {
				t.Fatalf("plain text changed: %q", out)
			}
		}
	})
}
