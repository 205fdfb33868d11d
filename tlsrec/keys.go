// Package tlsrec is the TLS 1.3 record layer that lets a worker carry a TLS
// connection on its own ring once crypto/tls has finished the handshake:
// records are opened and sealed with crypto/cipher AEADs under keys derived
// (RFC 8446 §7.1, §7.3) from the traffic secrets crypto/tls reports through
// Config.KeyLogWriter. There is no unsafe access to crypto/tls and no
// linkname: the secrets are the only thing taken from it.
//
// A Conn is pure: ciphertext in, plaintext out (Open), plaintext in,
// ciphertext out (Seal), with no socket, goroutine or clock. It is not safe
// for concurrent use; a worker owns it.
//
// Buffer lifetimes: Open and Seal append to the dst slice they are given and
// return it; the in slice is read during the call only, and bytes Open does
// not consume (a partial record) must be passed again, followed by new
// input, exactly as a proto.Session's unconsumed tail. A Conn keeps no buffer
// between calls, except a KeyUpdate reply waiting to be sent (a few dozen
// bytes) and a handshake message split over records (at most 64 bytes), so
// an idle TLS connection costs only its keys.
package tlsrec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suite is a TLS 1.3 cipher suite: its AEAD and its hash.
type suite struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	hashSz int
	aead   func(key []byte) (cipher.AEAD, error)
}

func aesGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var suites = []suite{
	{tls.TLS_AES_128_GCM_SHA256, 16, sha256.New, 32, aesGCM},
	{tls.TLS_AES_256_GCM_SHA384, 32, sha512.New384, 48, aesGCM},
	{tls.TLS_CHACHA20_POLY1305_SHA256, 32, sha256.New, 32, chacha20poly1305.New},
}

// Supported reports whether the record layer can carry a connection that
// negotiated this TLS version and cipher suite (TLS 1.3 only; TLS 1.2 stays
// on crypto/tls).
func Supported(version, cipherSuite uint16) bool {
	if version != tls.VersionTLS13 {
		return false
	}
	_, err := suiteOf(cipherSuite)
	return err == nil
}

func suiteOf(id uint16) (*suite, error) {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i], nil
		}
	}
	return nil, fmt.Errorf("tlsrec: cipher suite %#04x is not a TLS 1.3 suite", id)
}

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
func (s *suite) expandLabel(secret []byte, label string, n int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label))
	info = append(info, byte(n>>8), byte(n), byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0) // empty context
	return hkdf.Expand(s.hash, secret, string(info), n)
}

// halfConn is one direction: its secret (kept for KeyUpdate), its AEAD, its
// static IV and the sequence number of the next record.
type halfConn struct {
	s        *suite
	secret   []byte
	aead     cipher.AEAD
	iv       [12]byte
	seq      uint64
	nonceBuf [12]byte // the current record's nonce, kept here so it never escapes to the heap
}

var errSecret = errors.New("tlsrec: traffic secret has the wrong length for the suite")

func newHalf(s *suite, secret []byte) (halfConn, error) {
	h := halfConn{s: s}
	return h, h.rekey(secret)
}

// rekey installs secret: key and IV per RFC 8446 §7.3, sequence back to 0.
func (h *halfConn) rekey(secret []byte) error {
	if len(secret) != h.s.hashSz {
		return errSecret
	}
	key, err := h.s.expandLabel(secret, "key", h.s.keyLen)
	if err != nil {
		return err
	}
	iv, err := h.s.expandLabel(secret, "iv", 12)
	if err != nil {
		return err
	}
	if h.aead, err = h.s.aead(key); err != nil {
		return err
	}
	h.secret = append(h.secret[:0], secret...)
	copy(h.iv[:], iv)
	h.seq = 0
	return nil
}

// update moves to the next generation of traffic secret (RFC 8446 §7.2).
func (h *halfConn) update() error {
	next, err := h.s.expandLabel(h.secret, "traffic upd", h.s.hashSz)
	if err != nil {
		return err
	}
	return h.rekey(next)
}

// nonce is the per-record nonce: the IV XORed with the sequence number.
// The slice is valid until the next call.
func (h *halfConn) nonce() []byte {
	h.nonceBuf = h.iv
	for i := 0; i < 8; i++ {
		h.nonceBuf[11-i] ^= byte(h.seq >> (8 * i))
	}
	return h.nonceBuf[:]
}
