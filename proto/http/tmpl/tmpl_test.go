package tmpl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func data(t testing.TB, layers ...string) *Data {
	d := &Data{Email: "bob@example.org", Name: "Bob", EnvFrom: "bounce@example.com"}
	for i, l := range layers {
		if l == "" {
			continue
		}
		if err := json.Unmarshal([]byte(l), &d.Layers[i]); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

const sub = `{"name":"Ann","n":3,"price":10.5,"vip":true,"off":false,"zero":0,"empty":"",
 "user":{"city":"Oslo","tags":["a","b"]},"items":[{"name":"pen","qty":2},{"name":"ink","qty":1}],
 "cart":{"items":[{"k":"x","sub":[1,2]},{"k":"y","sub":[]}]},"html":"<b>&'/\"</b>",
 "q":"a b&c","key":"city","dynamic_html":{"hero":"<h1>{{name}}</h1>"}}`

func TestRender(t *testing.T) {
	for _, c := range []struct {
		tpl, want string
		mode      Mode
	}{
		{"hi {{name}}!", "hi Ann!", Text},
		{"hi {{ name }}!", "hi Ann!", Text},
		{"{{missing}}|{{nil}}", "|", Text},
		{"{{user.city}} {{user['city']}} {{user[key]}}", "Oslo Oslo Oslo", Text},
		{"{{user.tags[1]}}{{user.tags[2]}}{{user.tags[3]}}{{user.tags[0]}}", "ab", Text},
		{"{{items[2].name}}", "ink", Text},
		{"{{n}} {{price}} {{vip}} {{n + 2}} {{price - 0.5}} {{n * 2}} {{n / 2}} {{-n}}", "3 10.5 true 5 10 6 1.5 -3", Text},
		{"{{n / 0}}|{{name + 1}}|{{'4' + 1}}", "||5", Text},
		{"{{#items}} {{#name}} {{#missing}}", "2 3 0", Text},
		{"{{missing or 'Customer'}} {{name or 'Customer'}} {{off or 'no'}}", "Customer Ann no", Text},
		{"{{vip and 'yes'}}|{{off and 'yes'}}", "yes|false", Text},
		{"{{address.email}} {{address.name}} {{email}} {{address}} {{env_from}} {{return_path}}",
			"bob@example.org Bob bob@example.org bob@example.org bounce@example.com bounce@example.com", Text},
		{"{{html}}", "&lt;b&gt;&amp;&#x27;&#x2F;&quot;&lt;&#x2F;b&gt;", HTML},
		{"{{{html}}}", `<b>&'/"</b>`, HTML},
		{"{{html}}", `<b>&'/"</b>`, Text},
		{"{{html}}", `<b>&'/"</b>`, Header},
		{`<a href="https://x.example/?q={{q}}&n={{name}}">{{q}}</a>`, `<a href="https://x.example/?q=a%20b%26c&n=Ann">a b&amp;c</a>`, HTML},
		{`<a href="https://x.example/?q={{{q}}}">`, `<a href="https://x.example/?q=a b&c">`, HTML},
		{"see http://x.example/{{q}} and {{q}}", "see http://x.example/a%20b%26c and a b&c", Text},
		{"{{if vip}}V{{else}}N{{end}}", "V", Text},
		{"{{if off}}V{{else}}N{{end}}", "N", Text},
		{"{{if zero}}T{{end}}{{if empty}}E{{end}}{{if missing}}M{{end}}", "TE", Text},
		{"{{if n == 1}}one{{elseif n == 3}}three{{else}}other{{end}}", "three", Text},
		{"{{if n > 2 then}}big{{end}}{{if n < 2}}small{{end}}{{if n >= 3 and n <= 3}}eq{{end}}", "bigeq", Text},
		{"{{if n != 3}}a{{elseif not vip}}b{{else}}c{{end}}", "c", Text},
		{"{{if not missing}}none{{end}}{{if not (n == 3)}}x{{end}}", "none", Text},
		{"{{if name == 'Ann'}}hi Ann{{end}}{{if name > 'Aa'}}>{{end}}{{if n == '3'}}num-str{{end}}", "hi Ann>", Text},
		{"{{each items}}[{{loop_index}}:{{loop_var.name}}x{{loop_var.qty}}]{{end}}", "[0:penx2][1:inkx1]", Text},
		{"{{each user.tags}}{{loop_var}},{{end}}", "a,b,", Text},
		{"{{each missing}}x{{end}}{{each name}}y{{end}}", "", Text},
		{"{{each cart.items}}{{each loop_vars.items.sub}}{{loop_vars.items.k}}{{loop_var}};{{end}}{{end}}", "x1;x2;", Text},
		{"{{if empty(cart.items[2].sub)}}E{{end}}{{if not empty(items)}}F{{end}}", "EF", Text},
		{"{{opening_double_curly()}}x{{closing_double_curly()}} {{opening_triple_curly()}}{{closing_single_curly()}}", "{{x}} {{{}", Text},
		{"{{render_dynamic_content(dynamic_html.hero)}}", "<h1>Ann</h1>", HTML},
		{"a {{ oops", "", Text}, // placeholder replaced below: syntax error
		{"line1\n{{if vip}}\nyes\n{{end}}\nline2\n", "line1\nyes\nline2\n", Text},
		{"  {{each user.tags}}  \n- {{loop_var}}\n  {{end}}\nend", "- a\n- b\nend", Text},
		{"x {{if vip}}y{{end}} z\n", "x y z\n", Text},
		{"{{if vip}}a{{end}} after\n", "a after\n", Text},
		{"no tags at all { } }} {", "no tags at all { } }} {", Text},
		{"{{ 'a\\'b' }}{{\"q\"}}", "a'bq", Text},
	} {
		if c.tpl == "a {{ oops" {
			continue
		}
		tp, err := Parse(c.tpl)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.tpl, err)
			continue
		}
		got, err := tp.Render([]byte("PFX"), data(t, sub), c.mode)
		if err != nil || string(got) != "PFX"+c.want {
			t.Errorf("Render(%q) = %q, %v; want %q", c.tpl, got, err, c.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	d := data(t, `{"city":"NY"}`, `{"city":"Baltimore","m":"rm"}`, `{"city":"Seattle","ts":"t"}`, `{"city":"SF","tm":"m"}`)
	tp, _ := Parse("{{city}} {{m}} {{ts}} {{tm}}")
	for _, c := range []struct {
		drop []int
		want string
	}{
		{nil, "NY rm t m"}, {[]int{0}, "Baltimore rm t m"}, {[]int{0, 1}, "Seattle  t m"}, {[]int{0, 1, 2}, "SF   m"},
	} {
		dd := *d
		for _, i := range c.drop {
			dd.Layers[i] = nil
		}
		if got, _ := tp.Render(nil, &dd, Text); string(got) != c.want {
			t.Errorf("drop %v: %q want %q", c.drop, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		tpl       string
		line, col int
		msg       string
	}{
		{"hello {{name", 1, 13, "unclosed tag"},
		{"a\nb {{ if x }}", 2, 3, "if without end"},
		{"{{end}}", 1, 1, "unexpected {{end}}"},
		{"{{else}}", 1, 1, "unexpected {{else}}"},
		{"x\n\n  {{name age}}", 3, 10, "syntax error"},
		{"{{each items}}x", 1, 1, "each without end"},
		{"{{if a}}{{else}}{{elseif b}}{{end}}", 1, 17, "elseif after else"},
		{"{{ foo( }}", 1, 4, "unknown function"},
		{"{{render_snippet('x')}}", 1, 3, "render_snippet is not supported (no snippets)"},
		{"{{empty()}}", 1, 3, "wrong number of arguments"},
		{"{{ a[1 }}", 1, 8, "missing ]"},
		{"{{ (a }}", 1, 7, "missing )"},
		{"{{ a. }}", 1, 7, "syntax error"},
		{"{{{ a }}", 1, 7, "syntax error"},
		{"{{ 'abc }}", 1, 4, "unclosed tag"},
		{"{{ if }}", 1, 7, "syntax error"}, // if's keyword is a statement; its expression is missing
		{"{{ x == }}", 1, 9, "syntax error"},
		{"{{ 1.2.3 }}", 1, 4, "bad number"},
		{"{{ while }}", 1, 4, "syntax error"},
		{strings.Repeat("(", 200), 0, 0, ""},
		{"{{" + strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200) + "}}", 1, 0, "expression nested too deeply"},
		{strings.Repeat("{{if a}}", 100) + strings.Repeat("{{end}}", 100), 1, 0, "blocks nested too deeply"},
	} {
		_, err := Parse(c.tpl)
		if c.msg == "" {
			if err != nil {
				t.Errorf("Parse(%.30q): %v", c.tpl, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%.30q) = %v, want *Error", c.tpl, err)
			continue
		}
		if e.Msg != c.msg || e.Line != c.line || (c.col != 0 && e.Col != c.col) {
			t.Errorf("Parse(%.30q) = line %d col %d %q, want line %d col %d %q", c.tpl, e.Line, e.Col, e.Msg, c.line, c.col, c.msg)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := Parse("a\nb\nc\nHi {{ name age }}")
	if err == nil || err.Error() != "line 4: syntax error near 'age }}'" {
		t.Fatalf("%v", err)
	}
}

func TestLimit(t *testing.T) {
	tp, _ := Parse("{{each a}}{{each a}}{{each a}}xxxxxxxxxx{{end}}{{end}}{{end}}")
	d := &Data{Limit: 1000}
	arr := make([]any, 100)
	d.Layers[0] = map[string]any{"a": arr}
	if _, err := tp.Render(nil, d, Text); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v", err)
	}
	d.Limit = 0
	arr = arr[:3]
	d.Layers[0]["a"] = arr
	if out, err := tp.Render(nil, d, Text); err != nil || len(out) != 270 {
		t.Fatalf("%d %v", len(out), err)
	}
}

func TestDynamicNoRecursion(t *testing.T) {
	tp, _ := Parse("{{{render_dynamic_content(d.x)}}}")
	d := &Data{}
	d.Layers[0] = map[string]any{"d": map[string]any{"x": "A{{render_dynamic_content(d.x)}}B"}}
	if out, err := tp.Render(nil, d, HTML); err != nil || string(out) != "AB" {
		t.Fatalf("%q %v", out, err)
	}
	d.Layers[0] = map[string]any{"d": map[string]any{"x": "{{ bad"}}
	if _, err := tp.Render(nil, d, HTML); err == nil {
		t.Fatal("bad dynamic content rendered")
	}
}

func TestReserved(t *testing.T) {
	for _, k := range []string{"address", "email", "if", "each", "return_path", "nil"} {
		if !Reserved(k) {
			t.Errorf("%s not reserved", k)
		}
	}
	if Reserved("name") || Reserved("loop_var") {
		t.Error("name reserved")
	}
}

// TestRenderAllocs: variables, paths, conditions and loops over decoded JSON
// render without allocating.
func TestRenderAllocs(t *testing.T) {
	tp, err := Parse(`<p>Hi {{name}} from {{user.city}}</p>{{if n > 2}}<b>{{html}}</b>{{end}}` +
		`{{each items}}<li>{{loop_var.name}} x{{loop_var.qty}}</li>{{end}}<a href="https://x/?q={{q}}">`)
	if err != nil {
		t.Fatal(err)
	}
	d := data(t, sub)
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := tp.Render(buf[:0], d, HTML); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per render, want 0", allocs)
	}
}
