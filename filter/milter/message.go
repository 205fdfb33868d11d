package milter

import (
	"bytes"
	"strings"
)

// Message is a message split into sluice's hidden trace header, the
// header fields a milter sees, and the body.
type Message struct {
	Trace  []byte  // sluice's own Received: field, hidden from milters (as Postfix hides its own)
	Fields []Field // the visible header fields, in order
	Body   []byte  // everything after the empty line, CRLF line ends
}

// Field is one header field.
type Field struct {
	Name string
	Raw  []byte // the whole field: name, colon, value, folds, final CRLF
}

// Value is the field's value as a milter gets it: after the colon, one
// leading space removed, the final CRLF removed, folds kept.
func (f Field) Value() string { return f.value(false) }

// value is Value; with lead (HDR_LEADSPC negotiated) nothing is removed
// before the value.
func (f Field) value(lead bool) string {
	v := f.Raw[len(f.Name)+1:]
	v = bytes.TrimSuffix(v, []byte("\r\n"))
	if !lead && len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	return string(v)
}

// Parse splits data. The first traceLen octets are the hidden trace
// header. The header section ends at the first empty line; a line that is
// neither a field nor a fold also ends it, and the rest is body (a body
// with no header section at all is legal).
func Parse(data []byte, traceLen int) *Message {
	m := &Message{Trace: data[:traceLen]}
	rest := data[traceLen:]
	for len(rest) > 0 {
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			m.Body = rest[2:]
			return m
		}
		end := fieldEnd(rest)
		line := rest[:end]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validName(line[:colon]) {
			break
		}
		m.Fields = append(m.Fields, Field{Name: string(line[:colon]), Raw: line})
		rest = rest[end:]
	}
	m.Body = rest
	return m
}

// fieldEnd is the length of the field at the start of b, folds included.
func fieldEnd(b []byte) int {
	i := 0
	for {
		j := bytes.Index(b[i:], []byte("\r\n"))
		if j < 0 {
			return len(b)
		}
		i += j + 2
		if i >= len(b) || (b[i] != ' ' && b[i] != '\t') {
			return i
		}
	}
}

// Bytes is the whole message: trace, fields, the empty line, body. A
// message parsed without a header section gets the empty line only when
// it has fields.
func (m *Message) Bytes() []byte {
	n := len(m.Trace) + len(m.Body) + 2
	for _, f := range m.Fields {
		n += len(f.Raw)
	}
	b := make([]byte, 0, n)
	b = append(b, m.Trace...)
	for _, f := range m.Fields {
		b = append(b, f.Raw...)
	}
	b = append(b, '\r', '\n')
	return append(b, m.Body...)
}

// NewField builds "Name: value\r\n" from a milter's name and value. It
// returns false for a name that is not a field name. Line breaks in the
// value become CRLF followed by a blank (a fold), so a value can neither
// start a new field nor end the header section.
func NewField(name, value string) (Field, bool) { return newField(name, value, false) }

// newField is NewField; with lead (HDR_LEADSPC negotiated) the value keeps
// its own leading blank and none is added.
func newField(name, value string, lead bool) (Field, bool) {
	if !validName([]byte(name)) {
		return Field{}, false
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(':')
	if !lead {
		b.WriteByte(' ')
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch c {
		case '\r':
			continue
		case '\n':
			b.WriteString("\r\n")
			if i+1 >= len(value) || (value[i+1] != ' ' && value[i+1] != '\t') {
				b.WriteByte('\t')
			}
			continue
		case 0:
			c = ' '
		}
		b.WriteByte(c)
	}
	b.WriteString("\r\n")
	return Field{Name: name, Raw: []byte(b.String())}, true
}

// Add appends a field at the end of the header section.
func (m *Message) Add(f Field) { m.Fields = append(m.Fields, f) }

// Insert puts f after the index-th visible field; 0 is the very top of the
// visible fields (just under the trace header). An index past the end
// appends.
func (m *Message) Insert(index int, f Field) {
	index = max(0, min(index, len(m.Fields)))
	m.Fields = append(m.Fields, Field{})
	copy(m.Fields[index+1:], m.Fields[index:])
	m.Fields[index] = f
}

// Change replaces the index-th (1-based; 0 counts as 1, as in Postfix)
// field called name (case-insensitive). An empty value deletes it. When
// there is no such field a non-empty value is added, as Sendmail does.
func (m *Message) Change(name string, index int, value string) bool {
	return m.change(name, index, value, false)
}

func (m *Message) change(name string, index int, value string, lead bool) bool {
	index = max(index, 1)
	seen := 0
	for i, f := range m.Fields {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		if seen++; seen != index {
			continue
		}
		if value == "" {
			m.Fields = append(m.Fields[:i], m.Fields[i+1:]...)
			return true
		}
		nf, ok := newField(f.Name, value, lead)
		if ok {
			m.Fields[i] = nf
		}
		return ok
	}
	if value == "" {
		return true
	}
	nf, ok := newField(name, value, lead)
	if ok {
		m.Add(nf)
	}
	return ok
}

// validName reports an RFC 5322 field name: printable ASCII but colon.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}
