package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// policyRead is a Policy getter called with a literal option name.
var policyRead = regexp.MustCompile(`\.(String|Int|Bool|Duration|List|Dict|Value)\("([A-Za-z][A-Za-z0-9_]*)"\)`)

// TestOptionNamesRegistered: options are read by name (Policy.Int("x")),
// and a misspelt name would silently read the zero value. Every literal
// name a non-test Go file in the tree reads from a Policy must be a
// registered option.
func TestOptionNamesRegistered(t *testing.T) {
	root := ".."
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "testdata" || strings.HasPrefix(n, ".") && n != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil // tests may build policies with made-up names
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range policyRead.FindAllSubmatch(b, -1) {
			name := string(m[2])
			if strings.ToLower(name) != name { // option names are read lower-case
				continue
			}
			seen++
			if lookupOpt(name) == nil {
				t.Errorf("%s: %s(%q) reads an option that is not registered", path, m[1], name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("only %d option reads found: the scan is broken", seen)
	}
}
