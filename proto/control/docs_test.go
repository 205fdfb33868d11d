package control

import (
	"os"
	"strings"
	"testing"
)

// The examples in docs/console.md are what the session really sends.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/console.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- example-response -->\n```\n")
	if !ok {
		t.Fatal("docs/console.md lost its example-response marker")
	}
	block, _, _ := strings.Cut(after, "\n```")
	want := strings.ReplaceAll(block, `\n`, "\n")
	f := NewFactory(FactoryOptions{Backend: &fakeBackend{}, Version: "sluice", PID: 777})
	res := run(f, unixConn(policy(nil), 0), "version\njson pid\nfrob\n\nquit\n")
	if string(res.Out) != want {
		t.Fatalf("docs example:\n doc %q\nreal %q", want, res.Out)
	}
	// The login example's first two responses.
	res = run(f, tcpConn(loginPolicy("file:///nonexistent", nil)), "summary\n")
	for _, s := range []string{strings.ReplaceAll(string(res.Out), "\n", `\n`), `ok 23\nAuthenticated as admin\n`} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("docs/console.md does not show %q", s)
		}
	}
}
