package spool

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadDead: a dead-letter file of any content reads back as a record
// or ErrCorrupt, never a panic; a good one round-trips.
func FuzzReadDead(f *testing.F) {
	dir := f.TempDir()
	r := &Record{ID: ID{1, 2, 3}, Env: *testEnv(3), Data: testData(3)}
	if err := WriteDead(dir, r, "550 5.1.1 gone"); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(DeadDir(dir), r.ID.String()+".dead"))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := t.TempDir()
		os.MkdirAll(DeadDir(d), 0o700)
		os.WriteFile(filepath.Join(DeadDir(d), r.ID.String()+".dead"), b, 0o600)
		m, err := ReadDead(d, r.ID)
		if err == nil && m.ID != r.ID {
			t.Fatalf("read back id %v", m.ID)
		}
	})
}

// FuzzFind: Find over a segment of any content (named for the ID's worker)
// returns the record, ErrNotFound or ErrCorrupt, never a panic or a hang.
func FuzzFind(f *testing.F) {
	dir := f.TempDir()
	s, err := OpenWith(dir, Options{Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	ids := commitN(f, s.Writer(0), 0, 3, 3)
	s.Close()
	segs := segFiles(f, dir, ".seg")
	for _, name := range segs {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if len(b) > segHeaderSize {
			f.Add(b)
			f.Add(b[:len(b)-5])
		}
	}
	f.Add(segHeader(7))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, segName(1, 0)), b, 0o600)
		for _, id := range ids {
			if r, err := Find(d, id); err == nil && r.ID != id {
				t.Fatalf("found %v for %v", r.ID, id)
			}
		}
	})
}
