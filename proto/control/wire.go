package control

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// MaxLine bounds one request line (LF excluded). A longer line is consumed
// up to its LF and answered "failed"; the session never holds more than
// MaxLine unconsumed bytes.
const MaxLine = 16 << 10

// Status is the outcome word that starts every response. The values follow
// Momentum's console result codes (COMPLETED, FAILED, NOT_AUTHZ, NOT_AUTHN).
type Status uint8

const (
	StatusOK               Status = iota // "ok": the command completed
	StatusFailed                         // "failed": bad syntax or the command failed
	StatusNotAuthorized                  // "not-authorized": this client may not run commands
	StatusNotAuthenticated               // "not-authenticated": log in first
)

var statusWords = [...]string{"ok", "failed", "not-authorized", "not-authenticated"}

func (s Status) String() string {
	if int(s) < len(statusWords) {
		return statusWords[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// ParseStatus maps a status word back to its Status.
func ParseStatus(w string) (Status, bool) {
	for i, s := range statusWords {
		if s == w {
			return Status(i), true
		}
	}
	return 0, false
}

// appendFrame appends one response: "<status> <len>\n" then body.
func appendFrame(out []byte, st Status, body []byte) []byte {
	out = append(out, statusWords[st]...)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, '\n')
	return append(out, body...)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD so the output is always valid JSON. It does not allocate.
func appendJSONString(out []byte, s string) []byte {
	// Read-only view of s: appendJSON never writes to its argument.
	return appendJSON(out, unsafe.Slice(unsafe.StringData(s), len(s)))
}

// appendJSON is appendJSONString for bytes.
func appendJSON(out []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c == '\n':
				out = append(out, '\\', 'n')
			case c == '\t':
				out = append(out, '\\', 't')
			case c == '\r':
				out = append(out, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, `\ufffd`...)
		} else {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return append(out, '"')
}
