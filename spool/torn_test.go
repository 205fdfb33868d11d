package spool

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildSegment commits n records through a one-segment store and returns
// the segment's image and the spans of its records.
func buildSegment(t *testing.T, n, batch int) (string, []byte, []span) {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 1})
	commitN(t, s.Writer(0), 0, n, batch)
	s.Close()
	names := segFiles(t, dir, ".seg")
	if len(names) != 1 {
		t.Fatalf("segments: %v", names)
	}
	img, err := os.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan(img)
	if err != nil || len(res.recs) != n || len(res.dmg) != 0 || res.end != len(img) {
		t.Fatalf("intact scan: %d recs, %v, %v", len(res.recs), res.dmg, err)
	}
	return names[0], img, res.recs
}

// TestScanCutAtEveryOffset: a segment cut anywhere yields exactly the
// records that end at or before the cut, and reports the rest as tail.
func TestScanCutAtEveryOffset(t *testing.T) {
	_, img, recs := buildSegment(t, 8, 3)
	for cut := 0; cut <= len(img); cut++ {
		res, err := scan(img[:cut])
		if cut < segHeaderSize {
			if err == nil {
				t.Fatalf("cut %d: torn header accepted", cut)
			}
			continue
		}
		want := 0
		for want < len(recs) && recs[want].off+recs[want].size <= cut {
			want++
		}
		if err != nil || len(res.recs) != want {
			t.Fatalf("cut %d: %d records, want %d (%v)", cut, len(res.recs), want, err)
		}
		for i, sp := range res.recs {
			checkRecordIs(t, &sp.rec, i)
		}
		torn := cut > res.end
		if torn != (len(res.dmg) == 1 && res.dmg[0].tail && res.dmg[0].off == res.end) {
			t.Fatalf("cut %d: damage %v, end %d", cut, res.dmg, res.end)
		}
	}
}

// TestScanFlipEveryByte: one flipped byte loses at most the record that
// holds it; every other record is kept, and nothing partial appears.
func TestScanFlipEveryByte(t *testing.T) {
	_, img, recs := buildSegment(t, 6, 6)
	buf := make([]byte, len(img))
	for at := 0; at < len(img); at++ {
		copy(buf, img)
		buf[at] ^= 0x40
		res, err := scan(buf)
		if at >= 8 && at < 12 { // the salt: nothing can vouch for the records
			if err == nil {
				t.Fatalf("flip %d in salt: %d records accepted", at, len(res.recs))
			}
			continue
		}
		if err != nil {
			t.Fatalf("flip %d: %v", at, err)
		}
		got := map[int]bool{}
		for _, sp := range res.recs {
			got[sp.off] = true
			if sp.off <= at && at < sp.off+sp.size {
				t.Fatalf("flip %d: damaged record at %d served", at, sp.off)
			}
		}
		for i, sp := range recs {
			holds := sp.off <= at && at < sp.off+sp.size
			if !holds && !got[sp.off] {
				t.Fatalf("flip %d: intact record %d (at %d) lost", at, i, sp.off)
			}
		}
	}
}

// TestRecoverRandomCutsAndFlips opens real spools whose segments were cut
// at random offsets and had random bytes flipped.
func TestRecoverRandomCutsAndFlips(t *testing.T) {
	name, img, recs := buildSegment(t, 20, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		dir := t.TempDir()
		cut := segHeaderSize + rng.IntN(len(img)-segHeaderSize+1)
		b := append([]byte(nil), img[:cut]...)
		flip := -1
		if round%2 == 1 {
			flip = segHeaderSize + rng.IntN(cut-segHeaderSize+1)
			if flip < len(b) {
				b[flip] ^= byte(1 + rng.IntN(255))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
		log, lb := newLog()
		s := openT(t, dir, Options{Workers: 1, Log: log})
		want := 0
		for _, sp := range recs {
			if sp.off+sp.size <= cut && !(sp.off <= flip && flip < sp.off+sp.size) {
				want++
			}
		}
		if s.Len() != want {
			t.Fatalf("round %d (cut %d flip %d): %d records, want %d\n%s", round, cut, flip, s.Len(), want, lb)
		}
		n := 0
		if err := s.Iter(func(r *Record) error { n++; return nil }); err != nil || n != want {
			t.Fatalf("round %d: Iter %d, %v", round, n, err)
		}
		cutMid := cut < len(img) && !isBoundary(recs, cut)
		if cutMid && !strings.Contains(lb.String(), "cut torn tail") {
			t.Fatalf("round %d: torn tail not logged:\n%s", round, lb)
		}
		// A new writer starts a new segment; a second recovery finds no damage.
		commitN(t, s.Writer(0), 100, 1, 1)
		s.Close()
		log2, lb2 := newLog()
		s = openT(t, dir, Options{Workers: 1, Log: log2})
		if s.Len() != want+1 || (flip < 0 && lb2.String() != "") {
			t.Fatalf("round %d: second open Len %d, log:\n%s", round, s.Len(), lb2)
		}
		s.Close()
	}
}

func isBoundary(recs []span, off int) bool {
	for _, sp := range recs {
		if sp.off == off {
			return true
		}
	}
	return false
}

// TestReadOnlyDoesNotCut: a reader next to a live daemon must not truncate.
func TestReadOnlyDoesNotCut(t *testing.T) {
	name, img, recs := buildSegment(t, 4, 4)
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	os.WriteFile(path, img[:len(img)-5], 0o600)
	s := openT(t, dir, Options{ReadOnly: true})
	if s.Len() != len(recs)-1 {
		t.Fatalf("Len %d", s.Len())
	}
	s.Close()
	if fi, _ := os.Stat(path); fi.Size() != int64(len(img)-5) {
		t.Fatalf("read-only open changed the file to %d bytes", fi.Size())
	}
}
