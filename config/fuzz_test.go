package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse parses arbitrary input (includes disabled) and, when it is
// valid, checks print → parse → print stability and that Dump runs.
func FuzzParse(f *testing.F) {
	f.Add(defaultConf)
	for _, src := range seedExamples {
		f.Add([]byte(src))
	}
	files, _ := filepath.Glob("testdata/*/*.conf")
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := parse("/nonexistent/f.conf", "/nonexistent", src, nil)
		if err != nil {
			if _, ok := err.(*Errors); !ok {
				t.Fatalf("error type %T", err)
			}
			return
		}
		p1 := Print(c)
		c2, err := parse("/nonexistent/f.conf", "/nonexistent", p1, nil)
		if err != nil {
			t.Fatalf("printed config does not parse: %v\n%s", err, p1)
		}
		if p2 := Print(c2); !bytes.Equal(p1, p2) {
			t.Fatalf("print not stable:\n%s\n---\n%s", p1, p2)
		}
		_ = Dump(c)
	})
}

// TestLargeInputsBounded parses 1 MiB inputs built to be expensive: deep
// nesting, long comments, long strings, many scopes and options, garbage.
// Each must finish (the test's own time limit bounds it) with a bounded
// error list.
func TestLargeInputsBounded(t *testing.T) {
	const mib = 1 << 20
	fill := func(unit string) []byte {
		return []byte(strings.Repeat(unit, mib/len(unit)+1)[:mib])
	}
	inputs := map[string][]byte{
		"nesting":      fill("ESMTP_Listener { "),
		"arrays":       append([]byte("Relay_Domains = "), fill("( ")...),
		"comments":     fill("/* x */ # y\n"),
		"open-comment": append([]byte("/*"), fill("*")...),
		"string":       append([]byte(`Hostname = "`), fill("a")...),
		"words":        fill("a "),
		"options":      fill("Hostname = x\n"),
		"listens":      append(append([]byte("ESMTP_Listener {\n"), fill("Listen \"127.0.0.1:25\" {}\n")...), '}'),
		"peers":        append(append([]byte("ESMTP_Listener {\n"), fill("Peer 10.0.0.0/8 {}\n")...), '}'),
		"braces":       fill("}"),
		"binary":       bytes.Repeat([]byte{0, 0xff, '"', '\\', '\n'}, mib/5),
		"long-word":    fill("x"),
		"array-items":  append([]byte("Relay_Domains = ( "), fill("a, ")...),
	}
	var peers, listens strings.Builder
	peers.WriteString("ESMTP_Listener {\n")
	listens.WriteString("ESMTP_Listener {\n")
	for i := 0; peers.Len() < mib; i++ {
		fmt.Fprintf(&peers, "Peer 10.%d.%d.%d { Idle_Time = 1 }\n", i>>16&255, i>>8&255, i&255)
		fmt.Fprintf(&listens, "Listen \"127.%d.%d.%d:25\" { Idle_Time = 1 }\n", i>>16&255, i>>8&255, i&255)
	}
	inputs["distinct-peers"] = []byte(peers.String() + "}")
	inputs["distinct-listens"] = []byte(listens.String() + "}")
	for name, src := range inputs {
		start := time.Now()
		_, err := parse("/nonexistent/big.conf", "/nonexistent", src, nil)
		t.Logf("%s: %v", name, time.Since(start))
		if e, ok := err.(*Errors); ok && len(e.List) > maxErrors {
			t.Errorf("%s: %d errors", name, len(e.List))
		}
	}
}

func BenchmarkParseDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse("<default>", "", defaultConf, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	c, err := Parse("/etc/sluice/b.conf", []byte(seedACL))
	if err != nil {
		b.Fatal(err)
	}
	l := c.Listeners[0].Listens[0]
	chain := l.Peers
	b.ReportAllocs()
	for b.Loop() {
		c.Resolve(l, chain)
	}
}
