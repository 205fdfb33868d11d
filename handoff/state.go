package handoff

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"sluice/spool"
)

// progress is what the dispatcher remembers about a record that was tried:
// the retry schedule and the recipients already finished (taken by a
// target, or bounced).
type progress struct {
	attempts int
	next     time.Time
	done     map[int]bool // recipient index -> finished
}

// stateFile is the append-only log "handoff.state" in the spool directory:
// entries of [u32 length][u32 CRC32C of the body][body], the body being
// [16 id][u8 kind][u32 attempts][i64 next, Unix ms][uvarint n][n uvarint
// recipient indexes]. kind 'D' drops the id. The last entry of an id wins;
// a torn tail is ignored. The file is rewritten (compacted) at start.
type stateFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	n    int // entries appended since the last compaction
}

const stateName = "handoff.state"

var crcTab = crc32.MakeTable(crc32.Castagnoli)

// loadState reads the state of the spool in dir, keeping only ids for
// which live reports true, and rewrites the file with just those.
func loadState(dir string, live func(spool.ID) bool) (*stateFile, map[spool.ID]*progress, error) {
	path := filepath.Join(dir, stateName)
	m := map[spool.ID]*progress{}
	if b, err := os.ReadFile(path); err == nil {
		parseState(b, m)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	for id := range m {
		if !live(id) {
			delete(m, id)
		}
	}
	sf := &stateFile{path: path}
	if err := sf.rewrite(m); err != nil {
		return nil, nil, err
	}
	return sf, m, nil
}

func parseState(b []byte, m map[spool.ID]*progress) {
	for len(b) >= 8 {
		n := int(binary.LittleEndian.Uint32(b))
		if n < 29 || n > len(b)-8 || binary.LittleEndian.Uint32(b[4:]) != crc32.Checksum(b[8:8+n], crcTab) {
			return
		}
		body := b[8 : 8+n]
		b = b[8+n:]
		id := spool.ID(body[:16])
		if body[16] == 'D' {
			delete(m, id)
			continue
		}
		p := &progress{attempts: int(binary.LittleEndian.Uint32(body[17:])),
			next: time.UnixMilli(int64(binary.LittleEndian.Uint64(body[21:]))), done: map[int]bool{}}
		rest := body[29:]
		cnt, k := binary.Uvarint(rest)
		if k <= 0 {
			return
		}
		rest = rest[k:]
		for i := uint64(0); i < cnt; i++ {
			v, k := binary.Uvarint(rest)
			if k <= 0 {
				return
			}
			p.done[int(v)] = true
			rest = rest[k:]
		}
		m[id] = p
	}
}

func appendEntry(buf []byte, id spool.ID, p *progress) []byte {
	body := append([]byte(nil), id[:]...)
	if p == nil {
		body = append(body, 'D')
		body = append(body, make([]byte, 12)...)
		body = binary.AppendUvarint(body, 0)
	} else {
		body = append(body, 'P')
		body = binary.LittleEndian.AppendUint32(body, uint32(p.attempts))
		body = binary.LittleEndian.AppendUint64(body, uint64(p.next.UnixMilli()))
		body = binary.AppendUvarint(body, uint64(len(p.done)))
		for i := range p.done {
			body = binary.AppendUvarint(body, uint64(i))
		}
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(body)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(body, crcTab))
	return append(buf, body...)
}

// put records p for id (nil: forget id). Buffered; flush makes it reach
// the file (not the disk: see the package doc).
func (sf *stateFile) put(id spool.ID, p *progress) error {
	sf.n++
	_, err := sf.w.Write(appendEntry(nil, id, p))
	return err
}

func (sf *stateFile) flush() error { return sf.w.Flush() }

// rewrite replaces the file with one entry per id in m.
func (sf *stateFile) rewrite(m map[spool.ID]*progress) error {
	if sf.f != nil {
		sf.w.Flush()
		sf.f.Close()
	}
	tmp := sf.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	var buf []byte
	for id, p := range m {
		buf = appendEntry(buf, id, p)
	}
	if _, err = f.Write(buf); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, sf.path)
	}
	if err != nil {
		f.Close()
		return err
	}
	sf.f, sf.w, sf.n = f, bufio.NewWriter(f), 0
	_, err = f.Seek(0, io.SeekEnd)
	return err
}

func (sf *stateFile) close() error {
	if sf.f == nil {
		return nil
	}
	err := errors.Join(sf.w.Flush(), sf.f.Sync(), sf.f.Close())
	sf.f = nil
	return err
}
