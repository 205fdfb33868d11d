package spool

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommitReadIterReopen(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 2})
	ids0 := commitN(t, s.Writer(0), 0, 10, 3)
	ids1 := commitN(t, s.Writer(1), 10, 5, 5)
	for i, id := range append(ids0, ids1...) {
		r, err := s.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		checkRecordIs(t, r, i)
	}
	if st := s.Stats(); st.Records != 15 || st.Commits != 5 || st.Fsyncs != 5 || st.Errors != 0 || st.Live != 15 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()

	s = openT(t, dir, Options{Workers: 2})
	defer s.Close()
	var got []ID
	err := s.Iter(func(r *Record) error {
		got = append(got, r.ID)
		return nil
	})
	if err != nil || len(got) != 15 {
		t.Fatalf("Iter after reopen: %d records, %v", len(got), err)
	}
	for i := 1; i < len(got); i++ {
		if compareID(got[i-1], got[i]) >= 0 {
			t.Fatal("Iter is not in ID order")
		}
	}
	// New IDs after a restart never collide with old ones.
	id, _ := s.Writer(0).Stage(testEnv(0), testData(0))
	if _, err := s.Read(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("staged record readable before commit: %v", err)
	}
	if err := s.Writer(0).Commit(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 16 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func TestAckRemovesSegmentsAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 1, SegmentSize: 2048})
	ids := commitN(t, s.Writer(0), 0, 40, 4)
	if n := len(segFiles(t, dir, ".seg")); n < 3 {
		t.Fatalf("expected rotation, got %d segments", n)
	}
	if err := s.AckMany(ids[:20]); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second ack: %v", err)
	}
	s.Close()

	s = openT(t, dir, Options{Workers: 1, SegmentSize: 2048})
	if s.Len() != 20 {
		t.Fatalf("after restart Len = %d, want 20", s.Len())
	}
	for i, id := range ids {
		_, err := s.Read(id)
		if (i < 20) != errors.Is(err, ErrNotFound) {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	for _, id := range ids[20:] {
		if err := s.Ack(id); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = openT(t, dir, Options{ReadOnly: true})
	defer s.Close()
	if s.Len() != 0 || len(segFiles(t, dir, ".seg")) != 0 || len(segFiles(t, dir, ".ack")) != 0 {
		t.Fatalf("all acked: Len %d, files %v %v", s.Len(), segFiles(t, dir, ".seg"), segFiles(t, dir, ".ack"))
	}
}

func TestFailedBatchIsNeverServedAndNextCommitWorks(t *testing.T) {
	dir := t.TempDir()
	log, lb := newLog()
	s := openT(t, dir, Options{Workers: 1, Log: log})
	w := s.Writer(0)
	good := commitN(t, w, 0, 3, 3)
	for _, fail := range []struct {
		name    string
		written func(n int) int
		err     error
	}{
		{"enospc", func(n int) int { return n / 2 }, errno(28)},
		{"eio on fsync", func(n int) int { return n }, errno(5)},
		{"short write", func(n int) int { return n - 1 }, nil},
	} {
		id, _ := w.Stage(testEnv(3), testData(3))
		b := w.Begin()
		n, _ := WriteBatch(Batch{Fd: b.Fd, Off: b.Off, Buf: b.Buf[:fail.written(len(b.Buf))]})
		err := w.End(b, n, fail.err)
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("%s: End = %v, want *Error", fail.name, err)
		}
		if fail.err != nil && se.Errno() != fail.err {
			t.Fatalf("%s: errno %v", fail.name, se.Errno())
		}
		if _, err := s.Read(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: failed record readable: %v", fail.name, err)
		}
	}
	if !strings.Contains(lb.String(), "suppressed") {
		t.Fatalf("no rate-limited error log: %s", lb.String())
	}
	if c := strings.Count(lb.String(), "spool: write failed"); c != 1 {
		t.Fatalf("%d error lines in one second, want 1", c)
	}
	more := commitN(t, w, 4, 2, 2)
	if st := s.Stats(); st.Errors != 3 || st.Records != 5 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
	s = openT(t, dir, Options{Workers: 1})
	defer s.Close()
	if s.Len() != 5 {
		t.Fatalf("after restart Len %d, want 5", s.Len())
	}
	for i, id := range append(good, more...) {
		r, err := s.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		checkRecordIs(t, r, []int{0, 1, 2, 4, 5}[i])
	}
}

func TestSecondOpenIsRefusedReadOnlyIsNot(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	ids := commitN(t, s.Writer(0), 0, 2, 1)
	if _, err := OpenWith(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer Open: %v", err)
	}
	ro := openT(t, dir, Options{ReadOnly: true})
	defer ro.Close()
	if ro.Len() != 2 || ro.Writer(0) != nil {
		t.Fatalf("read-only: Len %d", ro.Len())
	}
	if err := ro.Ack(ids[0]); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only Ack: %v", err)
	}
}

func TestOpenErrorsNameTheFix(t *testing.T) {
	_, err := OpenWith(filepath.Join("/proc", "nonexistent", "spool"), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "spool: ") || !strings.Contains(err.Error(), "Spoolbase") {
		t.Fatalf("Open of an impossible dir: %v", err)
	}
}

func TestIDs(t *testing.T) {
	g := newIDGen(3, 42)
	t0 := time.UnixMilli(1700000000000)
	a := g.next(t0)
	b := g.next(t0.Add(-time.Hour)) // clock stepped back
	c := g.next(t0.Add(time.Millisecond))
	if compareID(a, b) >= 0 || compareID(b, c) >= 0 || a.String() >= b.String() {
		t.Fatal("ids not increasing")
	}
	if a.Worker() != 3 || !a.Time().Equal(t0) {
		t.Fatalf("worker %d time %v", a.Worker(), a.Time())
	}
	p, err := ParseID(a.String())
	if err != nil || p != a {
		t.Fatalf("ParseID: %v %v", p, err)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("g", 32), a.String()[:31]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) passed", bad)
		}
	}
}
