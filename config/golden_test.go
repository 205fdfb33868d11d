package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .dump and .err files")

// scrub replaces the machine-dependent absolute testdata path.
func scrub(t *testing.T, s string) string {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(s, abs, "$TESTDATA")
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./config -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenValid loads every testdata/valid/*.conf and compares its -dump
// output (and its warnings) with the .dump golden file.
func TestGoldenValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.conf")
	if len(files) == 0 {
		t.Fatal("no valid testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := Load(f)
			if err != nil {
				t.Fatalf("valid config rejected:\n%v", err)
			}
			var b strings.Builder
			b.WriteString(Dump(c))
			for _, w := range c.Warnings {
				b.WriteString("warning: " + w + "\n")
			}
			golden(t, strings.TrimSuffix(f, ".conf")+".dump", scrub(t, b.String()))
		})
	}
}

// TestGoldenInvalid loads every testdata/invalid/*.conf and compares the
// exact error lines with the .err golden file.
func TestGoldenInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.conf")
	if len(files) == 0 {
		t.Fatal("no invalid testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := Load(f)
			if err == nil {
				t.Fatalf("invalid config accepted:\n%s", Print(c))
			}
			if _, ok := err.(*Errors); !ok {
				t.Fatalf("error is %T, want *config.Errors", err)
			}
			golden(t, strings.TrimSuffix(f, ".conf")+".err", scrub(t, err.Error())+"\n")
		})
	}
}
