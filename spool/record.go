package spool

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"
)

// Envelope is what the spool keeps about a message besides its bytes.
type Envelope struct {
	Sender     string // reverse path without brackets; "" for the null sender
	Recipients []string
	Protocol   string // "esmtp", "http", "ecstream"
	Peer       string // remote address
	Listener   string
	Time       time.Time // reception time, kept to the nanosecond
}

// Record is one stored message.
type Record struct {
	ID   ID
	Env  Envelope
	Data []byte
}

const (
	headerSize = 12
	// MaxRecord bounds the body of one record (id, envelope and data):
	// anything larger is refused by Stage and treated as damage by recovery.
	MaxRecord = 256 << 20
	minBody   = 16 + 8 + 6 // id, time, five empty varints and a zero count
)

// magic opens every record; it lets recovery tell zero fill and garbage
// from a record start, and find the next record after damage.
var magic = [4]byte{'S', 'L', 'R', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordCRC covers the length field and the body, so a damaged length is
// caught as surely as damaged content. It starts from the segment's random
// salt: a record copied from elsewhere (another segment, or a message body
// that holds spool bytes) never checks out, so recovery may safely look for
// the next record after damage.
func recordCRC(salt uint32, rec []byte) uint32 {
	c := crc32.Update(salt, castagnoli, rec[4:8])
	return crc32.Update(c, castagnoli, rec[headerSize:])
}

// encodedSize is the exact size appendRecord will add.
func encodedSize(env *Envelope, data []byte) int {
	n := headerSize + 16 + 8
	for _, s := range [...]string{env.Sender, env.Protocol, env.Peer, env.Listener} {
		n += uvarintLen(uint64(len(s))) + len(s)
	}
	n += uvarintLen(uint64(len(env.Recipients)))
	for _, r := range env.Recipients {
		n += uvarintLen(uint64(len(r))) + len(r)
	}
	return n + uvarintLen(uint64(len(data))) + len(data)
}

// appendRecord encodes one record onto buf. The caller checked the size.
func appendRecord(buf []byte, salt uint32, id ID, env *Envelope, data []byte) []byte {
	start := len(buf)
	buf = append(buf, magic[:]...)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0) // length, crc: filled below
	buf = append(buf, id[:]...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(env.Time.UnixNano()))
	for _, s := range [...]string{env.Sender, env.Protocol, env.Peer, env.Listener} {
		buf = appendString(buf, s)
	}
	buf = binary.AppendUvarint(buf, uint64(len(env.Recipients)))
	for _, r := range env.Recipients {
		buf = appendString(buf, r)
	}
	buf = binary.AppendUvarint(buf, uint64(len(data)))
	buf = append(buf, data...)
	rec := buf[start:]
	binary.LittleEndian.PutUint32(rec[4:8], uint32(len(rec)-headerSize))
	binary.LittleEndian.PutUint32(rec[8:12], recordCRC(salt, rec))
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// errors found while checking a record; recovery names them in its log.
var (
	errShort = errors.New("short record")
	errMagic = errors.New("bad magic")
	errLen   = errors.New("bad length")
	errCRC   = errors.New("crc mismatch")
	errBody  = errors.New("malformed body")
)

// checkRecord reports the size of the whole record at the start of b, or
// why there is none. It verifies magic, length and CRC but not the body.
func checkRecord(b []byte, salt uint32) (int, error) {
	if len(b) < headerSize {
		return 0, errShort
	}
	if [4]byte(b[:4]) != magic {
		return 0, errMagic
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n < minBody || n > MaxRecord {
		return 0, errLen
	}
	size := headerSize + int(n)
	if len(b) < size {
		return 0, errShort
	}
	if binary.LittleEndian.Uint32(b[8:12]) != recordCRC(salt, b[:size]) {
		return 0, errCRC
	}
	return size, nil
}

// decodeRecord parses a whole record (as sized by checkRecord). Strings are
// copied; r.Data aliases rec.
func decodeRecord(rec []byte, r *Record) error {
	d := decoder{b: rec[headerSize:]}
	copy(r.ID[:], d.take(16))
	ts := d.take(8)
	if d.bad {
		return errBody
	}
	r.Env.Time = time.Unix(0, int64(binary.LittleEndian.Uint64(ts)))
	r.Env.Sender, r.Env.Protocol = d.str(), d.str()
	r.Env.Peer, r.Env.Listener = d.str(), d.str()
	nr := d.uvarint()
	if nr > uint64(len(d.b)) { // each recipient takes at least one byte
		return errBody
	}
	r.Env.Recipients = make([]string, nr)
	for i := range r.Env.Recipients {
		r.Env.Recipients[i] = d.str()
	}
	r.Data = d.take(int(min(d.uvarint(), uint64(MaxRecord)+1)))
	if d.bad || len(d.b) != 0 {
		return errBody
	}
	return nil
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || n > len(d.b) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	return string(d.take(int(min(d.uvarint(), uint64(MaxRecord)+1))))
}
