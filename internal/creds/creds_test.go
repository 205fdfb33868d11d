package creds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
		good     [][2]string // name, secret that must check
		bad      [][2]string
	}{
		{"plain", "alice:pw\nbob:x\n", true, [][2]string{{"alice", "pw"}, {"bob", "x"}}, [][2]string{{"alice", "x"}, {"carol", "pw"}, {"", ""}}},
		{"colons in secret", "a:b:c\n", true, [][2]string{{"a", "b:c"}}, [][2]string{{"a", "b"}}},
		{"comments, blanks, CRLF", "# users\n\n  \nops:pw\r\n", true, [][2]string{{"ops", "pw"}}, [][2]string{{"ops", "pw\r"}}},
		{"spaces kept", "ad min:s p \n", true, [][2]string{{"ad min", "s p "}}, [][2]string{{"admin", "sp"}}},
		{"empty secret", "u:\n", true, [][2]string{{"u", ""}}, [][2]string{{"u", " "}}},
		{"no colon", "ok:1\nnocolon\n", false, nil, nil},
		{"empty name", ":pw\n", false, nil, nil},
		{"empty file", "", true, nil, [][2]string{{"", ""}}},
	} {
		u, err := Parse(strings.NewReader(tc.in))
		if (err == nil) != tc.ok {
			t.Fatalf("%s: err %v", tc.name, err)
		}
		for _, g := range tc.good {
			if !u.Check([]byte(g[0]), []byte(g[1])) {
				t.Errorf("%s: %q:%q refused", tc.name, g[0], g[1])
			}
		}
		for _, b := range tc.bad {
			if u.Check([]byte(b[0]), []byte(b[1])) {
				t.Errorf("%s: %q:%q accepted", tc.name, b[0], b[1])
			}
		}
	}
	if _, err := Parse(strings.NewReader("ok:1\nnocolon\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("syntax error names no line: %v", err)
	}
	var none *Users
	if none.Check([]byte("a"), []byte("b")) || none.Len() != 0 {
		t.Fatal("nil Users matched")
	}
}

func TestCheckDoesNotAllocate(t *testing.T) {
	u, _ := Parse(strings.NewReader("alice:pw\n"))
	name, pw := []byte("alice"), []byte("pw")
	if n := testing.AllocsPerRun(100, func() { u.Check(name, pw) }); n != 0 {
		t.Fatalf("Check allocates %.1f", n)
	}
}

func TestPathAndURI(t *testing.T) {
	for _, tc := range []struct{ uri, base, want string }{
		{"file:///etc/p", "", "/etc/p"},
		{"file:///etc/p", "/conf", "/etc/p"},
		{"file://p", "/conf", "/conf/p"},
		{"file://p", "", "p"},
		{"/etc/p", "", "/etc/p"},
		{"digest://x", "", ""},
		{"file://", "", ""},
		{"", "", ""},
	} {
		got, err := Path(tc.uri, tc.base)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("Path(%q, %q) = %q, %v", tc.uri, tc.base, got, err)
		}
	}
	if URI(map[string]string{"URI": "file:///a"}) != "file:///a" || URI(map[string]string{"uri": "b"}) != "b" || URI(nil) != "" {
		t.Fatal("URI lookup")
	}
}

// TestCacheReload: a file is re-stat'ed only after Recheck, re-read when
// it changed, and a broken file is reported once and checks nothing.
func TestCacheReload(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "passwd")
	write := func(s string, m time.Time) {
		if err := os.WriteFile(pw, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(pw, m, m)
	}
	var reported []string
	c := Cache{Recheck: time.Second, OnError: func(p string, err error) { reported = append(reported, err.Error()) }}
	now := time.Unix(1000, 0)
	write("u:old\n", now)
	ok := func(at time.Time, secret string) bool {
		u, _ := c.Get(pw, at)
		return u.Check([]byte("u"), []byte(secret))
	}
	if !ok(now, "old") {
		t.Fatal("first load")
	}
	write("u:new-password\n", now.Add(time.Minute))
	if !ok(now.Add(time.Millisecond), "old") {
		t.Fatal("re-stat within Recheck")
	}
	if !ok(now.Add(2*time.Second), "new-password") {
		t.Fatal("not reloaded after change")
	}
	write("no colon here\n", now.Add(2*time.Minute))
	for i := 4; i < 8; i += 2 {
		if u, err := c.Get(pw, now.Add(time.Duration(i)*time.Second)); u != nil || err == nil {
			t.Fatalf("bad file gave %v, %v", u, err)
		}
	}
	if len(reported) != 1 || !strings.Contains(reported[0], "line 1") {
		t.Fatalf("reported %q", reported)
	}
	os.Remove(pw)
	if _, err := c.Get(pw, now.Add(10*time.Second)); err == nil {
		t.Fatal("missing file")
	}
	if _, err := c.Lookup("digest://x", "", now); err == nil || len(reported) != 2 {
		t.Fatalf("bad uri: %v, reported %q", err, reported)
	}
	c.Lookup("digest://x", "", now.Add(time.Hour))
	if len(reported) != 2 {
		t.Fatalf("bad uri reported again: %q", reported)
	}
}

// FuzzParse: a file that parses checks the last secret of every name it
// lists, and nothing else.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a:b\n", "# c\n\nx:y:z\r\n", ":\n", "nocolon", "a:\x00\na:2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		last := map[string]string{}
		for _, line := range strings.Split(in, "\n") {
			line = strings.TrimRight(line, "\r")
			if tl := strings.TrimSpace(line); tl == "" || tl[0] == '#' {
				continue
			}
			name, secret, _ := strings.Cut(line, ":")
			last[name] = secret
		}
		if u.Len() != len(last) {
			t.Fatalf("%d names, want %d", u.Len(), len(last))
		}
		for name, secret := range last {
			if !u.Check([]byte(name), []byte(secret)) || u.Check([]byte(name), []byte(secret+"x")) {
				t.Fatalf("%q:%q", name, secret)
			}
		}
	})
}
