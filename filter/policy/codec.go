package policy

import (
	"bytes"
	"errors"
	"fmt"
)

// MaxReply bounds one reply, every attribute line included.
const MaxReply = 8 << 10

// Attr is one request attribute.
type Attr struct{ Name, Value string }

// ErrReply is wrapped by every reply decoding error.
var ErrReply = errors.New("policy: bad reply")

// AppendRequest appends the request made of attrs: one "name=value\n" line
// each, "request=smtpd_access_policy" first unless attrs already hold a
// request attribute, then the empty line. NUL, CR and LF in names or
// values, and '=' in names, become '?': they would end or split the line.
func AppendRequest(buf []byte, attrs []Attr) []byte {
	has := false
	for _, a := range attrs {
		if a.Name == "request" {
			has = true
		}
	}
	if !has {
		buf = append(buf, "request=smtpd_access_policy\n"...)
	}
	for _, a := range attrs {
		buf = appendClean(buf, a.Name, true)
		buf = append(buf, '=')
		buf = appendClean(buf, a.Value, false)
		buf = append(buf, '\n')
	}
	return append(buf, '\n')
}

func appendClean(buf []byte, s string, name bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 || c == '\r' || c == '\n' || (name && c == '=') {
			c = '?'
		}
		buf = append(buf, c)
	}
	return buf
}

// Reply is a decoded reply.
type Reply struct {
	Action string            // value of the first action attribute
	Attrs  map[string]string // the other attributes (Postfix ignores them)
}

// Decoder reads one reply at a time from a byte stream that may arrive in
// any pieces. The zero value is ready; after a reply or an error, Reset.
type Decoder struct {
	line  []byte // the current partial line
	total int    // octets of this reply so far
	r     Reply
	seen  bool // an action attribute was seen
}

// Reset prepares d for the next reply.
func (d *Decoder) Reset() { *d = Decoder{line: d.line[:0]} }

// Feed consumes p up to the end of a reply. It returns the octets consumed
// and, once the empty line has been read, the reply. Octets after the
// reply are not consumed. A reply with no action attribute, a line without
// '=', or more than MaxReply octets is an error (wrapping ErrReply).
func (d *Decoder) Feed(p []byte) (int, *Reply, error) {
	n := 0
	for n < len(p) {
		i := bytes.IndexByte(p[n:], '\n')
		chunk := p[n:]
		if i >= 0 {
			chunk = p[n : n+i]
		}
		d.total += len(chunk)
		if i >= 0 {
			d.total++
		}
		if d.total > MaxReply {
			return n, nil, fmt.Errorf("%w: longer than %d octets", ErrReply, MaxReply)
		}
		d.line = append(d.line, chunk...)
		if i < 0 {
			return len(p), nil, nil
		}
		n += i + 1
		if r, done, err := d.endLine(); done || err != nil {
			return n, r, err
		}
	}
	return n, nil, nil
}

// endLine handles one complete line held in d.line.
func (d *Decoder) endLine() (*Reply, bool, error) {
	line := d.line
	d.line = d.line[:0]
	if len(line) == 0 {
		if !d.seen {
			return nil, false, fmt.Errorf("%w: no action attribute", ErrReply)
		}
		r := d.r
		return &r, true, nil
	}
	name, value, ok := bytes.Cut(line, []byte{'='})
	if !ok {
		return nil, false, fmt.Errorf("%w: line without '=': %.40q", ErrReply, line)
	}
	if string(name) == "action" {
		if !d.seen {
			d.r.Action, d.seen = string(value), true
		}
		return nil, false, nil
	}
	if d.r.Attrs == nil {
		d.r.Attrs = map[string]string{}
	}
	if len(d.r.Attrs) < 32 {
		d.r.Attrs[string(name)] = string(value)
	}
	return nil, false, nil
}
