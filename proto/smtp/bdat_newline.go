package smtp

import "bytes"

// BDAT content is taken byte-exact (RFC 3030: no dot-stuffing, no end
// mark), so a bare CR or LF in it would reach the spool and, later, a
// downstream relay speaking DATA. putChunk applies Bare_Newline_Policy to
// chunk octets as they stream; d.st carries a CR that ended one piece of
// input (or one chunk) into the next, so any split gives the same result.

// putChunk stores chunk octets under Bare_Newline_Policy.
func (s *session) putChunk(p []byte) {
	if s.set.bare == bareAllow {
		s.put(p)
		return
	}
	d := &s.d
	for len(p) > 0 {
		if d.st == dsCR {
			d.st = dsText
			if p[0] == '\n' {
				s.put(crlf)
				p = p[1:]
				continue
			}
			s.bareNewline()
		}
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			s.put(p)
			return
		}
		s.put(p[:i])
		switch {
		case p[i] == '\n':
			s.bareNewline()
			p = p[i+1:]
		case i+1 == len(p):
			d.st = dsCR
			return
		case p[i+1] == '\n':
			s.put(crlf)
			p = p[i+2:]
		default:
			s.bareNewline()
			p = p[i+1:]
		}
	}
}

// endChunks settles a CR left pending by the last chunk and reports
// whether the message must be refused (policy reject).
func (s *session) endChunks() bool {
	if s.set.bare == bareAllow {
		return false
	}
	if s.d.st == dsCR {
		s.d.st = dsText
		s.bareNewline()
	}
	return s.d.bare
}

func (s *session) bareNewline() {
	if s.set.bare == bareNormalize {
		s.put(crlf)
		return
	}
	s.d.bare = true
}
