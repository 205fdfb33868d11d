package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/spool"
)

func fillSpool(t *testing.T) (string, []spool.ID, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	s, err := spool.Open(dir, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := s.Writer(0)
	var ids []spool.ID
	var msgs [][]byte
	for i, sender := range []string{"a@example.com", ""} {
		data := []byte(strings.Repeat("Subject: hi\r\n\r\nbody\r\n", i+1))
		id, err := w.Stage(&spool.Envelope{Sender: sender, Recipients: []string{"x@example.org", "y@example.org"},
			Time: time.Now()}, data)
		if err != nil {
			t.Fatal(err)
		}
		ids, msgs = append(ids, id), append(msgs, data)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return dir, ids, msgs
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runSpool(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSpoolLsCat(t *testing.T) {
	dir, ids, msgs := fillSpool(t)
	code, out, errs := run("ls", "-dir", dir)
	if code != 0 || !strings.Contains(out, ids[0].String()) || !strings.Contains(out, "<a@example.com>") ||
		!strings.Contains(out, "<>") || !strings.Contains(out, "x@example.org,y@example.org") {
		t.Fatalf("ls: %d %q %q", code, out, errs)
	}
	code, out, _ = run("cat", ids[1].String(), "-dir", dir) // flags after the id work too
	if code != 0 || out != string(msgs[1]) {
		t.Fatalf("cat: %d %q", code, out)
	}
	for _, bad := range [][]string{{}, {"cat", "-dir", dir}, {"cat", "-dir", dir, "nothex"}, {"frob"},
		{"export", "-dir", dir}, {"ls", "-dir", filepath.Join(dir, "missing")}} {
		if code, _, errs := run(bad...); code == 0 || errs == "" {
			t.Errorf("%q: exit %d", bad, code)
		}
	}
	var zero spool.ID
	if code, _, errs := run("cat", "-dir", dir, zero.String()); code != 1 || !strings.Contains(errs, "no such record") {
		t.Fatalf("cat of an unknown id: %d %q", code, errs)
	}
}

func TestSpoolExportMaildir(t *testing.T) {
	dir, _, msgs := fillSpool(t)
	md := filepath.Join(t.TempDir(), "Maildir")
	for round, want := range []string{"exported 2 ", "exported 0 "} {
		code, out, errs := run("export", "-dir", dir, "-maildir", md)
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Fatalf("export round %d: %d %q %q", round, code, out, errs)
		}
	}
	tmp, _ := os.ReadDir(filepath.Join(md, "tmp"))
	news, _ := os.ReadDir(filepath.Join(md, "new"))
	if _, err := os.Stat(filepath.Join(md, "cur")); err != nil || len(tmp) != 0 || len(news) != 2 {
		t.Fatalf("maildir: tmp %d new %d cur %v", len(tmp), len(news), err)
	}
	got := map[string]bool{}
	for _, e := range news {
		b, _ := os.ReadFile(filepath.Join(md, "new", e.Name()))
		got[string(b)] = true
		if strings.ContainsAny(e.Name(), "/:") {
			t.Fatalf("bad maildir name %q", e.Name())
		}
	}
	for _, m := range msgs {
		if !got[string(m)] {
			t.Fatalf("message %q not exported byte for byte", m)
		}
	}
}
