package tlsrec

import (
	"errors"
	"fmt"
	"slices"
)

// Record framing (RFC 8446 §5).
const (
	headerLen     = 5
	maxPlaintext  = 16384
	maxCiphertext = maxPlaintext + 256

	typeChangeCipherSpec = 20
	typeAlert            = 21
	typeHandshake        = 22
	typeApplicationData  = 23

	hsKeyUpdate = 24
	maxHSBuffer = 64 // a post-handshake message split over records (KeyUpdate is 5 bytes)
)

// keyUpdateAfter is how many records we seal under one key before moving to
// the next (RFC 8446 §5.5: AES-GCM is safe for about 2^24.5 records).
var keyUpdateAfter uint64 = 1 << 24

// Alert descriptions sent or received (RFC 8446 §6).
const (
	AlertCloseNotify       uint8 = 0
	AlertUnexpectedMessage uint8 = 10
	AlertBadRecordMAC      uint8 = 20
	AlertRecordOverflow    uint8 = 22
	AlertDecodeError       uint8 = 50
	AlertInternalError     uint8 = 80
)

// ErrCloseNotify: the peer closed its side cleanly.
var ErrCloseNotify = errors.New("tlsrec: peer sent close_notify")

// AlertError is a protocol error found in the peer's records: the Conn is
// dead, and Alert should be sent before closing.
type AlertError struct {
	Alert  uint8
	Reason string
}

func (e *AlertError) Error() string { return fmt.Sprintf("tlsrec: alert %d: %s", e.Alert, e.Reason) }

// PeerAlertError is a fatal alert the peer sent.
type PeerAlertError struct{ Alert uint8 }

func (e *PeerAlertError) Error() string { return fmt.Sprintf("tlsrec: peer sent alert %d", e.Alert) }

func fail(alert uint8, reason string) error { return &AlertError{Alert: alert, Reason: reason} }

// Conn is one server connection's TLS 1.3 record layer after the handshake.
type Conn struct {
	in, out halfConn
	pending []byte // sealed control records (KeyUpdate reply) not yet handed out
	hs      []byte // a post-handshake message split over records
	dead    bool
}

// Pending reports whether control records wait to be sent: call Seal with
// no plaintext to get them.
func (c *Conn) Pending() bool { return len(c.pending) > 0 }

// Open decrypts the records in in, appends their application data to dst,
// and returns dst and the number of bytes consumed. A trailing partial
// record is left unconsumed. After an error the Conn is dead: an
// *AlertError names the alert to send; ErrCloseNotify and *PeerAlertError
// mean the peer ended the connection. Data opened before the error is in dst.
func (c *Conn) Open(dst, in []byte) ([]byte, int, error) {
	if c.dead {
		return dst, 0, fail(AlertInternalError, "record layer already failed")
	}
	n := 0
	for len(in)-n >= headerLen {
		h := in[n : n+headerLen]
		length := int(h[3])<<8 | int(h[4])
		switch {
		case h[0] != typeApplicationData:
			return c.die(dst, n, fail(AlertUnexpectedMessage, fmt.Sprintf("unprotected record of type %d after the handshake", h[0])))
		case length > maxCiphertext:
			return c.die(dst, n, fail(AlertRecordOverflow, fmt.Sprintf("record of %d bytes", length)))
		}
		if len(in)-n < headerLen+length {
			break
		}
		var err error
		if dst, err = c.openRecord(dst, h, in[n+headerLen:n+headerLen+length]); err != nil {
			return c.die(dst, n, err)
		}
		n += headerLen + length
	}
	return dst, n, nil
}

func (c *Conn) die(dst []byte, n int, err error) ([]byte, int, error) {
	c.dead = true
	return dst, n, err
}

// openRecord decrypts one record straight into dst and dispatches on its
// inner content type.
func (c *Conn) openRecord(dst, header, body []byte) ([]byte, error) {
	start := len(dst)
	nonce := c.in.nonce()
	out, err := c.in.aead.Open(dst, nonce, body, header)
	if err != nil {
		return dst, fail(AlertBadRecordMAC, "record failed authentication")
	}
	c.in.seq++
	// Strip the zero padding; the last non-zero byte is the content type.
	end := len(out)
	for end > start && out[end-1] == 0 {
		end--
	}
	if end == start {
		return dst, fail(AlertUnexpectedMessage, "record without a content type")
	}
	ctype, data := out[end-1], out[start:end-1]
	if len(data) > maxPlaintext {
		return dst, fail(AlertRecordOverflow, "plaintext over 2^14 bytes")
	}
	switch ctype {
	case typeApplicationData:
		return out[:end-1], nil
	case typeAlert:
		if len(data) != 2 {
			return dst, fail(AlertDecodeError, "malformed alert")
		}
		if data[1] == AlertCloseNotify {
			return dst, ErrCloseNotify
		}
		return dst, &PeerAlertError{Alert: data[1]}
	case typeHandshake:
		if len(data) == 0 {
			return dst, fail(AlertUnexpectedMessage, "empty handshake record")
		}
		c.hs = append(c.hs, data...)
		return out[:start], c.handshakeMessages()
	}
	return dst, fail(AlertUnexpectedMessage, fmt.Sprintf("inner content type %d", ctype))
}

// handshakeMessages handles the complete post-handshake messages in c.hs.
// A server accepts only KeyUpdate from a client.
func (c *Conn) handshakeMessages() error {
	for len(c.hs) >= 4 {
		n := int(c.hs[1])<<16 | int(c.hs[2])<<8 | int(c.hs[3])
		if c.hs[0] != hsKeyUpdate {
			return fail(AlertUnexpectedMessage, fmt.Sprintf("post-handshake message of type %d", c.hs[0]))
		}
		if n != 1 {
			return fail(AlertDecodeError, "KeyUpdate of the wrong length")
		}
		if len(c.hs) < 5 {
			break
		}
		requested := c.hs[4]
		c.hs = c.hs[5:]
		if requested > 1 {
			return fail(AlertDecodeError, "KeyUpdate request value")
		}
		if err := c.in.update(); err != nil {
			return fail(AlertInternalError, err.Error())
		}
		if requested == 1 {
			// Answer under the current key, then move ours on (§4.6.3).
			c.pending = c.seal(c.pending, typeHandshake, []byte{hsKeyUpdate, 0, 0, 1, 0})
			if err := c.out.update(); err != nil {
				return fail(AlertInternalError, err.Error())
			}
		}
	}
	if len(c.hs) > maxHSBuffer {
		return fail(AlertUnexpectedMessage, "post-handshake message too long")
	}
	if len(c.hs) == 0 {
		c.hs = nil
	}
	return nil
}

// Seal appends any pending control records, then p as application-data
// records of at most 2^14 bytes each, to dst.
func (c *Conn) Seal(dst, p []byte) []byte {
	if len(c.pending) > 0 {
		dst = append(dst, c.pending...)
		c.pending = nil
	}
	for len(p) > 0 {
		if c.out.seq >= keyUpdateAfter {
			dst = c.seal(dst, typeHandshake, []byte{hsKeyUpdate, 0, 0, 1, 0})
			if c.out.update() != nil {
				c.dead = true // cannot happen: the secret's length was checked at rekey
			}
		}
		chunk := p[:min(len(p), maxPlaintext)]
		dst = c.seal(dst, typeApplicationData, chunk)
		p = p[len(chunk):]
	}
	return dst
}

// Alert appends an alert record: close_notify as a warning, anything else
// fatal. After a fatal alert the Conn is dead.
func (c *Conn) Alert(dst []byte, alert uint8) []byte {
	level := byte(2)
	if alert == AlertCloseNotify {
		level = 1
	} else {
		c.dead = true
	}
	return c.seal(dst, typeAlert, []byte{level, alert})
}

// seal encrypts one record in place at the end of dst.
func (c *Conn) seal(dst []byte, ctype byte, p []byte) []byte {
	overhead := c.out.aead.Overhead()
	clen := len(p) + 1 + overhead
	dst = slices.Grow(dst, headerLen+clen)
	hdr := len(dst)
	dst = append(dst, typeApplicationData, 3, 3, byte(clen>>8), byte(clen))
	body := len(dst)
	dst = append(dst, p...)
	dst = append(dst, ctype)
	nonce := c.out.nonce()
	sealed := c.out.aead.Seal(dst[body:body], nonce, dst[body:], dst[hdr:body])
	c.out.seq++
	return dst[:body+len(sealed)]
}
