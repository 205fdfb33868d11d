package control

import (
	"bufio"
	"bytes"
	"testing"

	"sluice/proto/prototest"
)

// FuzzSession drives random transcripts through a session (open, and one
// that must log in): no panic, every answer a well-formed frame, at most
// one answer per line, and the same output however the input is cut.
func FuzzSession(f *testing.F) {
	in, _ := joined()
	f.Add([]byte(in), uint16(7), false)
	f.Add([]byte("config set a ( b \"c\" , d )\njson config set x [ k = v ]\n"), uint16(3), false)
	f.Add([]byte("auth login admin cHc=\nsummary\nquit\n"), uint16(9), true)
	f.Add([]byte("json \"unterminated\njson count x 999\nhelp help\n\r\n"), uint16(1), true)
	f.Add([]byte("config set x = ( a ] \nconfig set [ a = b ] c\n'"), uint16(5), false)
	f.Add([]byte(txConversation+"config begin\nconfig set a b\nupgrade\nconfig commit\n"), uint16(11), false)
	fac := newTestFactory(&fakeBackend{})
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, needLogin bool) {
		c := unixConn(policy(nil), 0)
		if needLogin {
			c = tcpConn(loginPolicy("file:///nonexistent/sluice-fuzz", nil))
		}
		whole := run(fac, c, string(data))
		frames := 0
		r := bufio.NewReader(bytes.NewReader(whole.Out))
		for {
			if _, err := r.Peek(1); err != nil {
				break
			}
			if _, _, err := ReadResponse(r); err != nil {
				t.Fatalf("bad frame %d: %v in %q", frames, err, whole.Out)
			}
			frames++
		}
		if lines := bytes.Count(data, []byte("\n")); frames > lines {
			t.Fatalf("%d answers for %d lines", frames, lines)
		}
		if whole.Left > MaxLine {
			t.Fatalf("%d bytes left unconsumed", whole.Left)
		}
		if len(data) > 1 {
			i := 1 + int(cut)%(len(data)-1)
			s, h := mk(fac, c)()
			split, err := prototest.Run(s, h, data[:i], data[i:])
			if err != nil || !bytes.Equal(split.Out, whole.Out) {
				t.Fatalf("cut at %d: err=%v\n got %q\nwant %q", i, err, split.Out, whole.Out)
			}
		}
	})
}

// FuzzLexer: the lexer never panics and JoinArgs survives a round trip
// through it for words it produced (except a lone ( ) [ ] =, which
// JoinArgs keeps bare so arrays can be typed as shell words).
func FuzzLexer(f *testing.F) {
	f.Add([]byte(`config set x "a \"b\"" ( c, d ) [ k = 'v' ]`))
	f.Add([]byte("a\\ b\t'c\"'"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var p parser
		if !p.lx.split(line) {
			return
		}
		var args []string
		for _, tk := range p.lx.toks {
			if tk.kind != tWord {
				return
			}
			switch string(p.lx.text(tk)) {
			case "(", ")", "[", "]", "=": // JoinArgs leaves these bare on purpose
				return
			}
			args = append(args, string(p.lx.text(tk)))
		}
		var q parser
		if !q.lx.split([]byte(JoinArgs(args))) {
			t.Fatalf("JoinArgs(%q) does not lex: %s", args, q.lx.err)
		}
		if len(q.lx.toks) != len(args) {
			t.Fatalf("JoinArgs(%q): %d tokens", args, len(q.lx.toks))
		}
		for i, tk := range q.lx.toks {
			if string(q.lx.text(tk)) != args[i] {
				t.Fatalf("JoinArgs(%q): word %d is %q", args, i, q.lx.text(tk))
			}
		}
	})
}
