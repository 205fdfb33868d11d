package spool

import (
	"encoding/binary"
	"errors"
	"os"
	"slices"
)

// Find reads live record id from the spool in dir without recovering the
// whole spool: it visits only the segments of the ID's worker and hops from
// record header to record header (12 + 16 bytes read per record), reading
// the one body it wants. It takes no lock and changes nothing, so it is
// safe beside a running daemon. A segment damaged before the record is
// searched no further: Find then reports ErrNotFound and a full read-only
// Open (which resyncs past damage) is the fallback.
func Find(dir string, id ID) (*Record, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &Error{Op: "find", Path: dir, Err: err}
	}
	var segs []string
	for _, e := range ents {
		if _, w, ok := parseSegName(e.Name()); ok && w == id.Worker() {
			segs = append(segs, e.Name())
		}
	}
	slices.Sort(segs)
	for i := len(segs) - 1; i >= 0; i-- { // a recent id is usually in a recent segment
		g := &segment{path: (&Store{dir: dir}).segPath(segs[i])}
		r, err := findIn(g, id)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return r, err
		}
	}
	return nil, &Error{Op: "find", Err: ErrNotFound}
}

func findIn(g *segment, id ID) (*Record, error) {
	f, err := os.Open(g.path)
	if err != nil {
		return nil, &Error{Op: "find", Path: g.path, Err: err}
	}
	defer f.Close()
	var hdr [segHeaderSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, &Error{Op: "find", Err: ErrNotFound}
	}
	salt, _ := parseSegHeader(hdr[:])
	var h [headerSize + 16]byte
	for off := int64(segHeaderSize); ; {
		if _, err := f.ReadAt(h[:], off); err != nil || [4]byte(h[:4]) != magic {
			return nil, &Error{Op: "find", Err: ErrNotFound}
		}
		n := binary.LittleEndian.Uint32(h[4:8])
		if n < minBody || n > MaxRecord {
			return nil, &Error{Op: "find", Err: ErrNotFound}
		}
		size := headerSize + int(n)
		if ID(h[headerSize:]) != id {
			off += int64(size)
			continue
		}
		buf := make([]byte, size)
		r := new(Record)
		if _, err := f.ReadAt(buf, off); err != nil {
			return nil, &Error{Op: "find", Path: g.path, Err: err}
		}
		if sz, err := checkRecord(buf, salt); err != nil || sz != size || decodeRecord(buf, r) != nil {
			return nil, &Error{Op: "find", Path: g.path, Err: ErrCorrupt}
		}
		if b, err := os.ReadFile(g.ackPath()); err == nil {
			if acked, _ := parseAcks(b, salt); acked[id] {
				return nil, &Error{Op: "find", Err: ErrNotFound}
			}
		}
		return r, nil
	}
}
