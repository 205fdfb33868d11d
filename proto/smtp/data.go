package smtp

import (
	"bytes"

	"sluice/proto"
)

// DATA scanner states. Only a CRLF that really was CR LF puts the scanner
// at a line start, so only CRLF "." CRLF ends the body: a bare LF or CR
// never starts a line (no SMTP smuggling, CVE-2023-51764 family), and the
// state survives any split of the input.
const (
	dsLineStart uint8 = iota // after CRLF (or right after DATA)
	dsText                   // inside a line
	dsCR                     // after a CR inside a line
	dsDot                    // after a "." at a line start
	dsDotCR                  // after "." CR at a line start
)

// dataScan is the streaming state of one DATA body.
type dataScan struct {
	st       uint8
	hdr      bool  // still in the header section
	lineLen  int   // octets since the last line break
	size     int64 // message octets kept (trace header excluded)
	over     bool  // size limit passed: the rest is read and dropped
	loneHdr  bool  // lone CR/LF seen, pedantic policy
	loneBody bool
	longHdr  bool // over-long line seen, pedantic policy
	longBody bool
	bare     bool // a bare CR or LF seen, Bare_Newline_Policy reject
	noMem    bool // the daemon's message-data budget refused to grow s.buf
}

// feedData consumes body bytes; at CRLF.CRLF it ends the message.
func (s *session) feedData(in, out []byte) (int, []byte, proto.Action) {
	n, done := s.scan(in)
	if !done {
		return n, out, proto.Continue
	}
	s.st = stCmd
	d := &s.d
	var r reply
	switch {
	case d.over:
		r = rTooBig
	case d.noMem:
		r = rNoMem
	case d.bare:
		r = rBareNewline
	case d.loneHdr:
		r = rLoneHdr
	case d.loneBody:
		r = rLoneBody
	case d.longHdr:
		r = rHdrLong
	case d.longBody:
		r = rBodyLong
	default:
		out, a := s.submit(out)
		return n, out, a
	}
	s.resetTx()
	return n, s.reply(out, r), proto.Continue
}

// scan runs the DATA state machine over p and appends the unstuffed body to
// s.buf. It returns the bytes consumed and whether the end mark was seen.
func (s *session) scan(p []byte) (int, bool) {
	d := &s.d
	n := 0
	for n < len(p) {
		c := p[n]
		switch d.st {
		case dsLineStart:
			if c == '.' {
				d.st = dsDot
				n++
				continue
			}
			d.st = dsText
		case dsDot:
			if c == '\r' {
				d.st = dsDotCR
				n++
				continue
			}
			d.st = dsText // a stuffed dot: dropped (RFC 5321 4.5.2)
		case dsDotCR:
			if c == '\n' {
				return n + 1, true
			}
			s.lone('\r') // "." CR x: the dot was stuffed, the CR is lone
			d.st = dsText
		case dsCR:
			if c == '\n' {
				n++
				s.lineBreak()
				d.st = dsLineStart
				continue
			}
			s.lone('\r')
			d.st = dsText
		default: // dsText
			j := bytes.IndexByte(p[n:], '\r')
			run := p[n:]
			if j >= 0 {
				run = run[:j]
			}
			if k := bytes.IndexByte(run, '\n'); k >= 0 {
				run = run[:k]
			}
			s.text(run)
			n += len(run)
			if n == len(p) {
				return n, false
			}
			if p[n] == '\r' {
				d.st = dsCR
			} else {
				s.lone('\n')
			}
			n++
		}
	}
	return n, false
}

// lineBreak handles a real CRLF; an empty line ends the header section.
func (s *session) lineBreak() {
	if s.d.hdr && s.d.lineLen == 0 {
		s.d.hdr = false
	}
	s.d.lineLen = 0
	s.put(crlf)
}

// lone handles a bare CR or LF per rfc2822_lone_lf_in_headers / _in_body.
func (s *session) lone(c byte) {
	switch s.set.bare {
	case bareNormalize:
		// Stored as a real line break, so no bare "\n.\n" ever reaches a
		// downstream relay that might read it as the end of data. The DATA
		// scanner itself still ends the body only at CRLF "." CRLF.
		s.lineBreak()
		return
	case bareReject:
		s.d.bare = true
		return
	}
	pol := s.set.loneBody
	if s.d.hdr {
		pol = s.set.loneHdr
	}
	s.d.lineLen = 0
	switch pol {
	case polFix:
		s.put(crlf)
		return
	case polPedantic:
		if s.d.hdr {
			s.d.loneHdr = true
		} else {
			s.d.loneBody = true
		}
	}
	s.put1(c)
}

// text handles octets inside a line, enforcing rfc2822_max_line_length.
func (s *session) text(b []byte) {
	d := &s.d
	max := s.set.lineMax
	for max > 0 && d.lineLen+len(b) > max {
		if s.set.linePol != polFix {
			if d.hdr {
				d.longHdr = true
			} else {
				d.longBody = true
			}
			break
		}
		k := max - d.lineLen
		s.put(b[:k])
		b = b[k:]
		if d.hdr && max > 1 { // fold the header: the continuation starts with a blank
			s.put(foldHdr)
			d.lineLen = 1
		} else {
			s.put(crlf)
			d.lineLen = 0
		}
	}
	d.lineLen += len(b)
	s.put(b)
}

var foldHdr = []byte("\r\n ")

// put appends message octets unless the size limit is passed, after which
// the rest of the message is only counted, never buffered.
func (s *session) put(b []byte) {
	if s.d.over || s.d.noMem {
		return
	}
	if s.d.size+int64(len(b)) > s.set.hardMax {
		s.d.over = true
		return
	}
	if !s.room(len(b)) {
		return
	}
	s.d.size += int64(len(b))
	s.buf = append(s.buf, b...)
	if s.spill.Active() {
		s.spill.Written(len(s.buf))
	}
}

func (s *session) put1(c byte) {
	if s.d.over || s.d.noMem {
		return
	}
	if s.d.size+1 > s.set.hardMax {
		s.d.over = true
		return
	}
	if !s.room(1) {
		return
	}
	s.d.size++
	s.buf = append(s.buf, c)
}
