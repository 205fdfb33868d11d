package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Segment file header: 8 bytes "SLSPOOL1", the 4-byte salt (LE), and the
// CRC32C of those 12 bytes (LE). Records follow from offset segHeaderSize.
const segHeaderSize = 16

var segMagic = [8]byte{'S', 'L', 'S', 'P', 'O', 'O', 'L', '1'}

var errSegHeader = errors.New("bad segment header")

func segHeader(salt uint32) []byte {
	h := make([]byte, segHeaderSize)
	copy(h, segMagic[:])
	binary.LittleEndian.PutUint32(h[8:12], salt)
	binary.LittleEndian.PutUint32(h[12:16], crc32.Checksum(h[:12], castagnoli))
	return h
}

// parseSegHeader returns the salt; intact is false if the header does not
// check out, and then the salt is only a guess the records must confirm.
func parseSegHeader(b []byte) (salt uint32, intact bool) {
	if len(b) < segHeaderSize {
		return 0, false
	}
	intact = [8]byte(b[:8]) == segMagic &&
		binary.LittleEndian.Uint32(b[12:16]) == crc32.Checksum(b[:12], castagnoli)
	return binary.LittleEndian.Uint32(b[8:12]), intact
}

// span is one intact record found by scan.
type span struct {
	off, size int
	rec       Record // Data aliases the scanned image
}

// damage is a byte range scan could not read as records. A tail damage
// runs to the end of the image: a torn write, cut by recovery. Any other
// is corruption inside the segment, skipped.
type damage struct {
	off, size int
	reason    error
	tail      bool
}

// scanResult is what a segment image holds.
type scanResult struct {
	salt uint32
	recs []span
	dmg  []damage
	end  int // offset just past the last intact record

	badHeader bool // the header was damaged but its salt is confirmed
}

// scan reads a whole segment image. It never returns a partial record: a
// record counts only with its magic, a sane length, a matching CRC and a
// well-formed body. After damage it looks for the next magic whose record
// checks out (the salt makes a false match a 2^-32 chance); if there is
// none, the rest is a torn tail. A damaged header costs nothing if its salt
// survived: the records' CRCs prove it; otherwise the segment is unreadable.
func scan(b []byte) (scanResult, error) {
	salt, intact := parseSegHeader(b)
	if len(b) < segHeaderSize {
		return scanResult{}, errSegHeader
	}
	res := scanResult{salt: salt, end: segHeaderSize, badHeader: !intact}
	pos := segHeaderSize
	for pos < len(b) {
		size, err := checkRecord(b[pos:], salt)
		var r Record
		if err == nil {
			err = decodeRecord(b[pos:pos+size], &r)
		}
		if err == nil {
			res.recs = append(res.recs, span{off: pos, size: size, rec: r})
			pos += size
			res.end = pos
			continue
		}
		next := resync(b, pos+1, salt)
		if next < 0 {
			res.dmg = append(res.dmg, damage{off: pos, size: len(b) - pos, reason: err, tail: true})
			break
		}
		res.dmg = append(res.dmg, damage{off: pos, size: next - pos, reason: err})
		pos = next
	}
	if !intact && len(res.recs) == 0 {
		return scanResult{}, errSegHeader
	}
	return res, nil
}

// resync finds the first offset at or after from where an intact record
// starts, or -1.
func resync(b []byte, from int, salt uint32) int {
	for from < len(b) {
		i := bytes.Index(b[from:], magic[:])
		if i < 0 {
			return -1
		}
		at := from + i
		if size, err := checkRecord(b[at:], salt); err == nil {
			var r Record
			if decodeRecord(b[at:at+size], &r) == nil {
				return at
			}
		}
		from = at + 1
	}
	return -1
}
