package spool

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// segment is one append-only file of records, written by one writer, and
// its ack file. The fields after f are guarded by Store.mu.
type segment struct {
	seq    uint64
	worker int
	salt   uint32
	path   string // ".seg"
	f      *os.File

	live int // committed records not yet acknowledged
	// drained: everything committed so far was acknowledged; the writer
	// moves on so the file can go (reclaim.go). Read without Store.mu.
	drained atomic.Bool
	sealed  bool     // no writer appends to it any more
	dead    bool     // removed from disk; f closes when refs drops to zero
	refs    int      // readers (and the active writer) using f
	ackf    *os.File // guarded by Store.ackMu while g is alive
	ackLen  int64    // intact length of the ack file
}

// segName is "<seq as 16 hex digits>-w<worker>.seg": names sort in creation
// order, and the worker is visible to an operator.
func segName(seq uint64, worker int) string {
	return fmt.Sprintf("%016x-w%d.seg", seq, worker)
}

// parseSegName reads a segName; ok is false for any other file.
func parseSegName(name string) (seq uint64, worker int, ok bool) {
	base, found := strings.CutSuffix(name, ".seg")
	if !found {
		return 0, 0, false
	}
	s, w, found := strings.Cut(base, "-w")
	if !found || len(s) != 16 {
		return 0, 0, false
	}
	seq, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, 0, false
	}
	wk, err := strconv.Atoi(w)
	if err != nil || wk < 0 || wk > 0xffff {
		return 0, 0, false
	}
	return seq, wk, true
}

func (g *segment) ackPath() string { return strings.TrimSuffix(g.path, ".seg") + ".ack" }

// Ack file: a sequence of 20-byte entries, the acknowledged ID and the
// CRC32C (LE, seeded with the segment salt) of those 16 bytes. A torn last
// entry fails its CRC and is ignored.
const ackEntrySize = 20

func appendAck(buf []byte, salt uint32, id ID) []byte {
	buf = append(buf, id[:]...)
	return binary.LittleEndian.AppendUint32(buf, crc32.Update(salt, castagnoli, id[:]))
}

// parseAcks returns the acknowledged IDs and the length of the intact part.
func parseAcks(b []byte, salt uint32) (map[ID]bool, int) {
	acked := make(map[ID]bool, len(b)/ackEntrySize)
	n := 0
	for len(b)-n >= ackEntrySize {
		e := b[n : n+ackEntrySize]
		if binary.LittleEndian.Uint32(e[16:]) != crc32.Update(salt, castagnoli, e[:16]) {
			break
		}
		acked[ID(e[:16])] = true
		n += ackEntrySize
	}
	return acked, n
}

// syncDir makes a create, rename or unlink in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *Store) segPath(name string) string { return filepath.Join(s.dir, name) }
