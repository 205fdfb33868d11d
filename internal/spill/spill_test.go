package spill

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func rssAnonKB(t *testing.T) int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			var kb int
			for _, f := range strings.Fields(rest)[:1] {
				for _, c := range f {
					kb = kb*10 + int(c-'0')
				}
			}
			return kb
		}
	}
	return 0
}

// TestSpillGrowsAndKeepsData writes 24 MiB through a spilled buffer in
// 64 KiB pieces, as a DATA body arrives: every byte reads back, the file
// count returns to zero after Release.
func TestSpillGrowsAndKeepsData(t *testing.T) {
	SetDir(t.TempDir())
	defer SetDir("")
	var b Buf
	buf := bytes.Repeat([]byte{'h'}, Threshold) // the heap part before the spill
	piece := make([]byte, 64<<10)
	for i := 0; len(buf) < 24<<20; i++ {
		for j := range piece {
			piece[j] = byte(i + j)
		}
		if len(buf)+len(piece) > cap(buf) {
			var ok bool
			if buf, ok = b.Grow(buf, len(piece)); !ok {
				t.Fatalf("grow at %d bytes failed", len(buf))
			}
		}
		buf = append(buf, piece...)
		b.Written(len(buf))
	}
	if !b.Active() || Open() != 1 {
		t.Fatalf("active %v, open %d", b.Active(), Open())
	}
	if !bytes.Equal(buf[:Threshold], bytes.Repeat([]byte{'h'}, Threshold)) {
		t.Fatal("the heap part was not carried into the spill file")
	}
	for i := 0; Threshold+i*len(piece) < len(buf); i++ {
		off := Threshold + i*len(piece)
		for j := 0; j < len(piece); j += 4093 {
			if buf[off+j] != byte(i+j) {
				t.Fatalf("byte %d: %d, want %d", off+j, buf[off+j], byte(i+j))
			}
		}
	}
	t.Logf("24 MiB spilled; RssAnon %d KiB", rssAnonKB(t))
	b.Release()
	if Open() != 0 || b.Active() {
		t.Fatalf("after Release: open %d", Open())
	}
}

// TestSpillDisabled: without a directory nothing spills and buf is kept.
func TestSpillDisabled(t *testing.T) {
	SetDir("")
	var b Buf
	in := []byte("abc")
	if out, ok := b.Grow(in, 10); ok || &out[0] != &in[0] || b.Active() {
		t.Fatal("spilled without a directory")
	}
}
