package tplstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestStoreDurable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "templates")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"b", "a/../x", "Sale", "sale"} {
		if err := s.Put(id, []byte(`{"id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	s.Put("b", []byte(`{"v":2}`))
	if ok, err := s.Delete("Sale"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, _ := s.Delete("nope"); ok {
		t.Fatal("deleted a missing id")
	}
	os.WriteFile(filepath.Join(dir, ".tpl-123"), []byte("partial"), 0o600) // a crashed write
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s", r.List())
	if got != `[{"id":"a/../x"} {"v":2} {"id":"sale"}]` {
		t.Fatal(got)
	}
	if doc, ok := r.Get("a/../x"); !ok || string(doc) != `{"id":"a/../x"}` {
		t.Fatal("get")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x.json")); err == nil {
		t.Fatal("id escaped the directory")
	}
}

func TestStoreConcurrent(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				id := fmt.Sprint(i, "-", j%3)
				s.Put(id, []byte(id))
				s.Get(id)
				s.List()
				if j%5 == 0 {
					s.Delete(id)
				}
			}
		}()
	}
	wg.Wait()
}

func TestOpenRefused(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := Open(filepath.Join(f, "sub")); err == nil {
		t.Fatal("opened a directory under a file")
	}
}
