package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/proto/http/apikey"
)

func keyctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runCtl(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAPIKeyCommands(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	code, out, errs := keyctl(t, "apikey", "add", "-file", file, "-grants", "transmissions:modify,templates:modify", "-label", "ci runner")
	gen := strings.TrimSpace(out)
	if code != 0 || len(gen) != 40 {
		t.Fatalf("%d %q %s", code, out, errs)
	}
	mine := "0123456789abcdef-mine"
	if code, out, _ := keyctl(t, "apikey", "add", "-file", file, "-grants", "templates:view", mine); code != 0 || strings.TrimSpace(out) != mine {
		t.Fatalf("%d %q", code, out)
	}
	if code, _, errs := keyctl(t, "apikey", "add", "-file", file, "-grants", "templates:view", mine); code != 1 || !strings.Contains(errs, "already") {
		t.Fatalf("duplicate: %d %s", code, errs)
	}
	if code, _, errs := keyctl(t, "apikey", "add", "-file", file, "-grants", "bogus"); code != 1 || !strings.Contains(errs, "unknown grant") {
		t.Fatalf("bad grant: %d %s", code, errs)
	}
	if code, _, _ := keyctl(t, "apikey", "ls"); code != 2 {
		t.Fatal("ls without -file")
	}
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), gen) || strings.Contains(string(raw), mine) {
		t.Fatalf("clear key in file:\n%s", raw)
	}
	s, err := apikey.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := s.Lookup([]byte(gen)); !ok || g != apikey.TransmissionsModify|apikey.TemplatesModify {
		t.Fatal("generated key")
	}
	code, out, _ = keyctl(t, "apikey", "ls", "-file", file)
	want := "SHORT  GRANTS                                 LABEL\n" + gen[:4] +
		"   transmissions:modify,templates:modify  ci runner\n0123   templates:view                         \n"
	if code != 0 || out != want {
		t.Fatalf("ls:\n%q\nwant\n%q", out, want)
	}
	if code, out, _ := keyctl(t, "apikey", "rm", "-file", file, "ci runner"); code != 0 || !strings.Contains(out, "removed "+gen[:4]) {
		t.Fatalf("rm by label: %d %s", code, out)
	}
	if code, _, _ := keyctl(t, "apikey", "rm", "-file", file, "nothing"); code != 1 {
		t.Fatal("rm of nothing")
	}
	if code, _, _ := keyctl(t, "apikey", "rm", "-file", file, mine); code != 0 {
		t.Fatal("rm by key")
	}
	if s, _ := apikey.Load(file); len(s.Entries) != 0 {
		t.Fatal("keys left")
	}
}
