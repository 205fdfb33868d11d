package http

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// httpDate is the IMF-fixdate layout of RFC 9110 §5.6.7 (the time must be UTC).
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

const (
	ctJSON = "application/json"
	ctText = "text/plain; charset=utf-8"
	ctProm = "text/plain; version=0.0.4; charset=utf-8"
)

const continue100 = "HTTP/1.1 100 Continue\r\n\r\n"

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 411:
		return "Length Required"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 417:
		return "Expectation Failed"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Unknown"
}

// appendResponse writes a complete response. extra holds whole header lines
// ("Allow: GET\r\n"). With omitBody (HEAD) the Content-Length is still that
// of body, as RFC 9110 §9.3.2 asks.
func appendResponse(out []byte, code int, date []byte, ctype string, body []byte,
	extra string, close, omitBody bool) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(code), 10)
	out = append(out, ' ')
	out = append(out, statusText(code)...)
	out = append(out, "\r\nDate: "...)
	out = append(out, date...)
	if ctype != "" {
		out = append(out, "\r\nContent-Type: "...)
		out = append(out, ctype...)
	}
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	if close {
		out = append(out, "\r\nConnection: close\r\n"...)
	} else {
		out = append(out, "\r\nConnection: keep-alive\r\n"...)
	}
	out = append(out, extra...)
	out = append(out, "\r\n"...)
	if !omitBody {
		out = append(out, body...)
	}
	return out
}

// dateCache formats the Date header at most once per second of Host.Now().
type dateCache struct {
	sec int64
	buf [29]byte
	n   int
}

func (d *dateCache) get(now time.Time) []byte {
	if s := now.Unix(); s != d.sec || d.n == 0 {
		d.sec = s
		d.n = len(now.UTC().AppendFormat(d.buf[:0], httpDate))
	}
	return d.buf[:d.n]
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, `\u00`...)
			b = append(b, hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// appendErrorJSON writes the Momentum 4 API error shape,
// {"errors":[{"message":"..."}]}.
func appendErrorJSON(b []byte, msg string) []byte {
	b = append(b, `{"errors":[{"message":`...)
	b = appendJSONString(b, msg)
	return append(b, "}]}"...)
}
