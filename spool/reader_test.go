package spool

import (
	"errors"
	"path/filepath"
	"testing"
)

// The follower sees every commit once it follows, and records live before.
func TestFollowFeed(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 2})
	defer s.Close()
	before := commitN(t, s.Writer(0), 0, 3, 2)
	ch, live := s.Follow()
	if len(live) != 3 || live[0] != before[0] {
		t.Fatalf("live at Follow: %v, want %v", live, before)
	}
	select {
	case <-ch:
		t.Fatal("woken with nothing committed")
	default:
	}
	after := commitN(t, s.Writer(1), 10, 5, 2)
	<-ch
	got := s.Committed(nil)
	if len(got) != 5 || got[0] != after[0] || got[4] != after[4] {
		t.Fatalf("committed %v, want %v", got, after)
	}
	if got := s.Committed(got); len(got) != 0 {
		t.Fatalf("second take: %v", got)
	}
	b := s.Backlog()
	if b.Messages != 8 || b.Bytes <= 0 || !b.Oldest.Equal(before[0].Time()) {
		t.Fatalf("backlog %+v", b)
	}
}

// Segments whose records are all acknowledged go while running, not only
// at restart: with small segments, acking everything leaves only the
// active segment of each writer.
func TestReclaimWhileRunning(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 1, SegmentSize: 4 << 10})
	defer s.Close()
	ids := commitN(t, s.Writer(0), 0, 300, 7)
	if n := len(segFiles(t, dir, ".seg")); n < 10 {
		t.Fatalf("only %d segments; the test wants many", n)
	}
	for i := 0; i < len(ids); i += 50 {
		if err := s.AckMany(ids[i:min(i+50, len(ids))]); err != nil {
			t.Fatal(err)
		}
	}
	s.bg.Wait()
	if n := len(segFiles(t, dir, ".seg")); n > 2 { // the active one (and a prepared spare)
		t.Fatalf("%d segments left after acking everything: %v", n, segFiles(t, dir, ".seg"))
	}
	if n := len(segFiles(t, dir, ".ack")); n > 1 {
		t.Fatalf("%d ack files left: %v", n, segFiles(t, dir, ".ack"))
	}
	if st := s.Stats(); st.Live != 0 {
		t.Fatalf("live %d", st.Live)
	}
}

func TestDeadLetterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 1})
	ids := commitN(t, s.Writer(0), 0, 3, 3)
	r, err := s.Read(ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bury(r, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("buried record still live: %v", err)
	}
	s.Close()
	s = openT(t, dir, Options{Workers: 1})
	defer s.Close()
	if s.Len() != 2 {
		t.Fatalf("after restart %d live, want 2", s.Len())
	}
	list, err := ListDead(dir)
	if err != nil || len(list) != 1 || list[0] != ids[1] {
		t.Fatalf("dead list %v %v", list, err)
	}
	d, err := ReadDead(dir, ids[1])
	if err != nil || d.Reason != "550 5.1.1 no such user" || d.Buried.IsZero() {
		t.Fatalf("dead %+v %v", d, err)
	}
	checkRecordIs(t, &d.Record, 1)
	if err := RemoveDead(dir, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDead(dir, ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after purge: %v", err)
	}
	if err := RemoveDead(dir, ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second purge: %v", err)
	}
}

// Find seeks to one record without recovering the spool, sees acks, and
// agrees with Read for every record.
func TestFindSeeks(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 2, SegmentSize: 8 << 10})
	defer s.Close()
	a := commitN(t, s.Writer(0), 0, 100, 9)
	b := commitN(t, s.Writer(1), 100, 50, 4)
	if err := s.Ack(a[42]); err != nil {
		t.Fatal(err)
	}
	for i, id := range append(a, b...) {
		r, err := Find(dir, id)
		if i == 42 {
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("acked record found: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("find %d: %v", i, err)
		}
		checkRecordIs(t, r, i)
	}
	var missing ID
	missing[15] = 1
	if _, err := Find(dir, missing); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing id: %v", err)
	}
}

// A writer's active segment, once drained (all its records acked), is
// replaced at the next batch and deleted, without waiting to fill up.
func TestReclaimDrainedActiveSegment(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 1})
	defer s.Close()
	w := s.Writer(0)
	var ids []ID
	big := make([]byte, 64<<10)
	for i := 0; i < 20; i++ { // 1.25 MiB: above reclaimMin, far below SegmentSize
		id, err := w.Stage(testEnv(i), big)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	first := filepath.Base(w.seg.path)
	if err := s.AckMany(ids); err != nil {
		t.Fatal(err)
	}
	commitN(t, w, 100, 1, 1)
	s.bg.Wait()
	if filepath.Base(w.seg.path) == first {
		t.Fatal("the writer did not move on from its drained segment")
	}
	for _, f := range segFiles(t, dir, ".seg") {
		if f == first {
			t.Fatalf("drained segment %s still on disk: %v", f, segFiles(t, dir, ".seg"))
		}
	}
	if n := len(segFiles(t, dir, ".ack")); n != 0 {
		t.Fatalf("ack files left: %v", segFiles(t, dir, ".ack"))
	}
}
