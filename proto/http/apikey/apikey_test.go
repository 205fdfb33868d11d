package apikey

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	k1, k2 := NewKey(), NewKey()
	if len(k1) != 40 || k1 == k2 || !ValidKey(k1) {
		t.Fatalf("keys %q %q", k1, k2)
	}
	g, err := ParseGrants("transmissions:modify, templates:VIEW")
	if err != nil || g != TransmissionsModify|TemplatesView || g.String() != "transmissions:modify,templates:view" {
		t.Fatalf("%v %v", g, err)
	}
	if err := Save(path, []Entry{NewEntry(k1, g, "ci  runner"), NewEntry(k2, TemplatesModify, "")}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), k1) || !strings.Contains(string(raw), k1[:4]+" transmissions:modify,templates:view ci runner\n") {
		t.Fatalf("file:\n%s", raw)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	s, err := Load(path)
	if err != nil || len(s.Entries) != 2 {
		t.Fatal(err)
	}
	if got, ok := s.Lookup([]byte(k1)); !ok || got != g {
		t.Fatal("k1")
	}
	if _, ok := s.Lookup([]byte(k1[:39])); ok {
		t.Fatal("prefix accepted")
	}
	kb := []byte(k2)
	allocs := testing.AllocsPerRun(100, func() { s.Lookup(kb) })
	if allocs != 0 {
		t.Fatalf("%v allocs per lookup", allocs)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	for _, body := range []string{"zz short transmissions:modify\n", strings.Repeat("a", 64) + " abcd nope:grant\n", "onlyone\n"} {
		p := filepath.Join(dir, "k")
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", body, err)
		}
	}
	for _, k := range []string{"short", "has space in the key!!", strings.Repeat("x", 300)} {
		if ValidKey(k) {
			t.Errorf("%q valid", k)
		}
	}
}

func TestCacheReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	k1, k2 := NewKey(), NewKey()
	Save(path, []Entry{NewEntry(k1, TransmissionsModify, "")})
	c := Cache{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	now := time.Unix(1000, 0)
	if _, ok := c.Get(path, now).Lookup([]byte(k1)); !ok {
		t.Fatal("k1 not loaded")
	}
	Save(path, []Entry{NewEntry(k2, TransmissionsModify, "")})
	os.Chtimes(path, now, now.Add(time.Hour))
	if _, ok := c.Get(path, now.Add(500*time.Millisecond)).Lookup([]byte(k1)); !ok {
		t.Fatal("reloaded before the recheck interval")
	}
	s := c.Get(path, now.Add(2*time.Second))
	if _, ok := s.Lookup([]byte(k1)); ok {
		t.Fatal("removed key still valid")
	}
	if _, ok := s.Lookup([]byte(k2)); !ok {
		t.Fatal("new key not loaded")
	}
	os.Remove(path)
	if c.Get(path, now.Add(4*time.Second)) != nil {
		t.Fatal("missing file still has keys")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				c.Get(path, now.Add(time.Duration(10+i*100+j)*time.Second))
			}
		}()
	}
	wg.Wait()
}
