package spool

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func isMem(t *testing.T, dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
}

func shmDir(t *testing.T) string {
	if !isMem(t, "/dev/shm") {
		t.Skip("no tmpfs at /dev/shm")
	}
	d, err := os.MkdirTemp("/dev/shm", "sluice-spool-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// TestBatchNoSync: a segment on tmpfs gives batches that skip fdatasync
// (and still commit); one on a disk gives batches that sync.
func TestBatchNoSync(t *testing.T) {
	for _, dir := range []string{shmDir(t), t.TempDir()} {
		s := openT(t, dir, Options{Workers: 1})
		w := s.Writer(0)
		for i := range 3 {
			w.Stage(testEnv(i), testData(i))
			b := w.Begin()
			if b.NoSync != isMem(t, dir) {
				t.Fatalf("%s: NoSync %v", dir, b.NoSync)
			}
			n, err := WriteBatch(b)
			if err := w.End(b, n, err); err != nil {
				t.Fatal(err)
			}
		}
		if st := s.Stats(); st.Records != 3 {
			t.Fatalf("%s: %d records", dir, st.Records)
		}
		s.Close()
	}
}

// TestMemFS: the answer is re-checked when a batch does not continue the
// file last checked.
func TestMemFS(t *testing.T) {
	f, err := os.Create(filepath.Join(shmDir(t), "seg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := memFS{fd: -1}
	b := Batch{Fd: int(f.Fd()), Buf: make([]byte, 10)}
	if !m.check(b) || m.end != 10 {
		t.Fatalf("tmpfs file not recognised: %+v", m)
	}
	b.Off = 10
	if !m.check(b) || m.end != 20 {
		t.Fatalf("continuing batch: %+v", m)
	}
	dir := t.TempDir()
	g, err := os.Create(filepath.Join(dir, "seg"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if m.check(Batch{Fd: int(g.Fd()), Buf: b.Buf}) != isMem(t, dir) {
		t.Fatal("file system misjudged after a change of file")
	}
	if m.check(Batch{Fd: -1, Off: 3}) {
		t.Fatal("bad fd taken for tmpfs")
	}
}

// TestSyncerInOrder: batches are written in the order given and each
// outcome is reported once; a bad fd is an error, not a hang.
func TestSyncerInOrder(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mu sync.Mutex
	var got []int64
	var errs int
	sy := NewSyncer(func(b Batch, n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, b.Off)
		if err != nil {
			errs++
		} else if n != len(b.Buf) {
			t.Errorf("batch at %d: %d of %d bytes", b.Off, n, len(b.Buf))
		}
	})
	for i := range 20 {
		sy.Sync(Batch{Fd: int(f.Fd()), Off: int64(i * 4), Buf: []byte("abcd")})
	}
	sy.Sync(Batch{Fd: -1, Off: 999, Buf: []byte("x")})
	sy.Close()
	if len(got) != 21 || errs != 1 {
		t.Fatalf("%d outcomes, %d errors", len(got), errs)
	}
	for i, off := range got[:20] {
		if off != int64(i*4) {
			t.Fatalf("outcome %d for offset %d", i, off)
		}
	}
	if st, _ := f.Stat(); st.Size() != 80 {
		t.Fatalf("file is %d bytes", st.Size())
	}
}
