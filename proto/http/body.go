package http

import (
	"bytes"

	"sluice/internal/membudget"
)

// bodyReader decodes a Content-Length or chunked body into data (or drops it
// when discard is set) as input arrives. It never keeps input unconsumed
// except an incomplete chunk-size or trailer line (bounded by maxLine).
type bodyReader struct {
	st      bodyState
	remain  int64 // bytes left in the body (length) or the current chunk
	discard bool
	max     int64 // limit on the decoded body; a larger one is errTooLarge
	trailer int   // trailer bytes seen so far
	data    []byte
	held    int64 // message-data budget held by data (internal/membudget)
}

type bodyState uint8

const (
	bLength  bodyState = iota // remain bytes of a Content-Length body
	bSize                     // a chunk-size line
	bData                     // remain bytes of chunk data
	bDataEnd                  // the CRLF after chunk data
	bTrailer                  // trailer fields up to the blank line
	bDone
)

func (b *bodyReader) start(r *request, discard bool, max int64) {
	b.discard, b.max, b.trailer = discard, max, 0
	b.data = b.data[:0]
	if r.chunked {
		b.st = bSize
		return
	}
	b.st, b.remain = bLength, r.clen
}

// feed consumes body bytes from in. It returns how many it consumed and
// whether the body is complete.
func (b *bodyReader) feed(in []byte) (int, bool, *herr) {
	n := 0
	for b.st != bDone {
		switch b.st {
		case bLength, bData:
			k := int64(len(in) - n)
			if k > b.remain {
				k = b.remain
			}
			if !b.discard {
				if len(b.data)+int(k) > cap(b.data) {
					var ok bool
					if b.data, ok = membudget.Grow(b.data, &b.held, int(k)); !ok {
						return n, false, errNoMem
					}
				}
				b.data = append(b.data, in[n:n+int(k)]...)
			}
			n += int(k)
			if b.remain -= k; b.remain > 0 {
				return n, false, nil
			}
			if b.st == bLength {
				b.st = bDone
			} else {
				b.st = bDataEnd
			}
		case bDataEnd:
			if n == len(in) || (in[n] == '\r' && n+1 == len(in)) {
				return n, false, nil
			}
			switch {
			case in[n] == '\n':
				n++
			case in[n] == '\r' && in[n+1] == '\n':
				n += 2
			default:
				return n, false, errBadChunk
			}
			b.st = bSize
		case bSize, bTrailer:
			line, k, e := b.line(in[n:])
			if e != nil || k == 0 {
				return n, false, e
			}
			n += k
			if b.st == bTrailer {
				if b.trailer += k; b.trailer > maxHead {
					return n, false, errTrailerLarge
				}
				if len(line) == 0 {
					b.st = bDone
				}
				continue
			}
			if e := b.chunkSize(line); e != nil {
				return n, false, e
			}
		}
	}
	return n, true, nil
}

// line returns one complete line (without CRLF) and its length with the
// terminator, or k == 0 when the line is still incomplete.
func (b *bodyReader) line(in []byte) ([]byte, int, *herr) {
	tooLong := errBadChunk
	if b.st == bTrailer {
		tooLong = errTrailerLarge
	}
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		if len(in) > maxLine+1 { // +1: a CR whose LF has not come yet
			return nil, 0, tooLong
		}
		return nil, 0, nil
	}
	line := in[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) > maxLine {
		return nil, 0, tooLong
	}
	return line, i + 1, nil
}

// chunkSize parses "hex[;ext]" and moves to the chunk's data or, for the
// last chunk, to the trailer.
func (b *bodyReader) chunkSize(line []byte) *herr {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimOWS(line)
	if len(line) == 0 || len(line) > 15 {
		return errBadChunk
	}
	var size int64
	for _, c := range line {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return errBadChunk
		}
		size = size<<4 | int64(d)
	}
	if size == 0 {
		b.st = bTrailer
		return nil
	}
	if !b.discard && int64(len(b.data))+size > b.max {
		return errTooLarge
	}
	b.st, b.remain = bData, size
	return nil
}
