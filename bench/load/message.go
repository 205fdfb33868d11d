package load

import "bytes"

// BuildMessage returns an RFC 5322 message of exactly size bytes (at least
// two bytes, one empty line): a Subject header, an empty line, then lines of
// 'x' of at most 78 characters, every line ending in CRLF and none starting
// with '.', so it needs no dot-stuffing.
func BuildMessage(size int) []byte {
	const head = "Subject: sluice-bench\r\n\r\n"
	if size < len(head) {
		size = max(size, 2)
		b := bytes.Repeat([]byte{'x'}, size)
		copy(b[size-2:], "\r\n")
		return b
	}
	b := make([]byte, 0, size)
	rem := size - len(head)
	if rem == 1 { // no body line is one byte long: lengthen the subject
		return append(b, "Subject: sluice-bench1\r\n\r\n"...)
	}
	b = append(b, head...)
	for rem > 0 {
		n := min(78, rem-2)
		if rem-(n+2) == 1 {
			n-- // never leave a single byte
		}
		for range n {
			b = append(b, 'x')
		}
		b = append(b, '\r', '\n')
		rem -= n + 2
	}
	return b
}
