package main

import (
	"strings"
	"testing"

	"sluice/spool"
)

// ls, cat, purge and retry (no daemon: directly into the spool).
func TestSpoolDead(t *testing.T) {
	dir, ids, msgs := fillSpool(t)
	s, err := spool.Open(dir, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r, err := s.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Bury(r, "550 5.1.1 unknown user"); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	code, out, errs := run("dead", "ls", "-dir", dir)
	if code != 0 || !strings.Contains(out, ids[0].String()) || !strings.Contains(out, "550 5.1.1 unknown user") || !strings.Contains(out, "<a@example.com>") {
		t.Fatalf("ls: %d %q %q", code, out, errs)
	}
	if code, out, _ := run("dead", "cat", "-dir", dir, ids[1].String()); code != 0 || out != string(msgs[1]) {
		t.Fatalf("cat: %d %q", code, out)
	}
	if code, _, _ := run("dead", "purge", "-dir", dir, ids[1].String()); code != 0 {
		t.Fatal("purge failed")
	}
	if code, _, _ := run("dead", "cat", "-dir", dir, ids[1].String()); code != 1 {
		t.Fatal("purged message still there")
	}
	if code, out, errs := run("dead", "retry", "-dir", dir, "all"); code != 0 || !strings.Contains(out, ids[0].String()) {
		t.Fatalf("retry: %d %q %q", code, out, errs)
	}
	if left, _ := spool.ListDead(dir); len(left) != 0 {
		t.Fatalf("dead after retry: %v", left)
	}
	code, out, _ = run("ls", "-dir", dir)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "<a@example.com>") {
		t.Fatalf("spool after retry: %q", out)
	}
	if code, _, errs := run("dead", "frob"); code != 2 || !strings.Contains(errs, "spool dead ls") {
		t.Fatalf("usage: %d %q", code, errs)
	}
}
