package config

import (
	"strings"
	"testing"
)

func lexAll(src string) ([]token, *Errors) {
	errs := &Errors{}
	lx := newLexer("t", []byte(src), errs)
	var out []token
	for {
		t := lx.next()
		if t.kind == tEOF {
			return out, errs
		}
		out = append(out, t)
	}
}

func TestLexer(t *testing.T) {
	cases := []struct {
		src  string
		want string // kind:text tokens joined by space
	}{
		{`a = b`, `word:a =:= word:b`},
		{`Listen "*:25" {}`, `word:Listen string:*:25 {:{ }:}`},
		{`x = ( a, "b c" 'd' )`, `word:x =:= (:( word:a ,:, string:b c string:d ):)`},
		{`d [ k = v ]`, `word:d [:[ word:k =:= word:v ]:]`},
		{"# comment\na # tail\nb", `word:a word:b`},
		{"a /* x\n y */ b", `word:a word:b`},
		{`Listen /tmp/2025 {}`, `word:Listen word:/tmp/2025 {:{ }:}`},
		{`p = 10.0.0.0/8`, `word:p =:= word:10.0.0.0/8`},
		{`s = "a\"b\\c\r\n\t\q"`, "word:s =:= string:a\"b\\c\r\n\t\\q"},
		{`s = 'it''s'`, `word:s =:= string:it string:s`},
		{`a/*c*/b`, `word:a word:b`},
		{`[::1]:25`, `[:[ word:::1 ]:] word::25`},
	}
	for _, c := range cases {
		toks, errs := lexAll(c.src)
		if len(errs.List) > 0 {
			t.Errorf("%q: unexpected errors %v", c.src, errs)
			continue
		}
		var got []string
		for _, tk := range toks {
			k := tk.kind.String()
			switch tk.kind {
			case tWord:
				k = "word"
			case tString:
				k = "string"
			default:
				k = tk.text
			}
			got = append(got, k+":"+tk.text)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, g, c.want)
		}
	}
}

func TestLexerPositions(t *testing.T) {
	toks, _ := lexAll("a\n  /* x\n */ b = \"c\"\n\td")
	want := [][2]int{{1, 1}, {3, 5}, {3, 7}, {3, 9}, {4, 2}}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens", len(toks))
	}
	for i, w := range want {
		if toks[i].line != w[0] || toks[i].col != w[1] {
			t.Errorf("token %d %q at %d:%d, want %d:%d", i, toks[i].text, toks[i].line, toks[i].col, w[0], w[1])
		}
	}
}

func TestLexerErrors(t *testing.T) {
	cases := map[string]string{
		"a = \"open\nb": "t:1:5: unterminated string",
		"a = 'open":     "t:1:5: unterminated string",
		"a /* never":    "t:1:3: unterminated /* comment",
		"x = \"a\\":     "t:1:5: unterminated string",
	}
	for src, want := range cases {
		_, errs := lexAll(src)
		if len(errs.List) != 1 || !strings.HasPrefix(errs.List[0].String(), want) {
			t.Errorf("%q: got %v, want prefix %q", src, errs, want)
		}
	}
}

func FuzzLexer(f *testing.F) {
	for _, s := range []string{"a = b", `Listen "*:25" { x = ( 1, 2 ) d = [ k = "v\n" ] }`, "/* c */ # x\n", "'\\", "\"\\\"", "a/*", "/"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		errs := &Errors{}
		lx := newLexer("f", src, errs)
		n := 0
		for lx.next().kind != tEOF {
			if n++; n > len(src)+1 {
				t.Fatalf("more tokens than bytes")
			}
		}
	})
}
