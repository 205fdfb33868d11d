// Package wire is the ECStream version 1 wire codec, shared by the server
// state machine (proto/ecstream) and the Go client (proto/ecstream/ecsclient).
// docs/ecstream.md describes the format byte by byte.
//
// Every frame is a 5-byte header, a big-endian uint32 payload length and a
// type byte, followed by the payload. All integers are big-endian.
//
// The codec is allocation-free: Append* functions extend a caller's slice,
// Parse* functions and the readers return sub-slices of the caller's payload,
// valid only as long as that payload is.
package wire

import (
	"encoding/binary"
	"errors"
)

// Magic opens the greeting and the hello payloads.
const Magic = "ECSTREAM"

// Version1 is the only protocol version this package speaks.
const Version1 = 1

// HeaderLen is the size of a frame header: uint32 length + type byte.
const HeaderLen = 5

// Type is a frame type.
type Type uint8

const (
	Greeting Type = 1 // server → client, first frame of a connection
	Hello    Type = 2 // client → server, chooses the version
	Batch    Type = 3 // client → server, 0..MaxBatch messages
	Reply    Type = 4 // server → client, one per Batch, in order
	Error    Type = 5 // server → client, fatal; the server closes after it
	Notice   Type = 6 // server → client, e.g. reconnect; the server closes after it
	Quit     Type = 7 // client → server, polite end; the server answers Notice(Bye)
)

// Reply status of one message.
const (
	StatusAccepted uint8 = 0 // durable; text is the message id
	StatusTempFail uint8 = 1 // not stored; retry later
	StatusPermFail uint8 = 2 // not stored; do not retry
)

// Notice kinds.
const (
	NoticeReconnect uint8 = 1 // reload or shutdown: open a new connection and resend unanswered batches
	NoticeBye       uint8 = 2 // answer to Quit
)

// Fixed payload sizes.
const (
	GreetingLen    = 8 + 1 + 1 + 4 + 4 + 4 // magic, min, max version, max frame, max batch, idle seconds
	HelloLen       = 8 + 1                 // magic, version
	BatchHeadLen   = 4 + 4                 // tag, count
	MaxReplyText   = 0xffff
	MaxAddressLen  = 0xffff
	MaxRecipients  = 0xffff
	minMessageLen  = 2 + 2 + 4 // empty sender, zero recipients, empty body
	replyItemFixed = 1 + 2 + 2
)

// ErrMalformed reports a payload whose structure does not match its type.
var ErrMalformed = errors.New("ecstream: malformed frame")

// AppendHeader appends a frame header for a payload of n bytes.
func AppendHeader(b []byte, t Type, n int) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, byte(t))
}

// ParseHeader decodes a frame header; ok is false when b is shorter than HeaderLen.
func ParseHeader(b []byte) (t Type, n uint32, ok bool) {
	if len(b) < HeaderLen {
		return 0, 0, false
	}
	return Type(b[4]), binary.BigEndian.Uint32(b), true
}

// StartFrame appends a header whose length EndFrame fills in later, for
// payloads whose size is not known up front. It returns the header offset.
func StartFrame(b []byte, t Type) ([]byte, int) {
	return append(b, 0, 0, 0, 0, byte(t)), len(b)
}

// EndFrame sets the length of the frame started at off.
func EndFrame(b []byte, off int) []byte {
	binary.BigEndian.PutUint32(b[off:], uint32(len(b)-off-HeaderLen))
	return b
}

// GreetingInfo is the payload of a Greeting frame.
type GreetingInfo struct {
	MinVersion, MaxVersion uint8
	MaxFrame               uint32 // largest payload the server accepts
	MaxBatch               uint32 // most messages in one Batch
	IdleSeconds            uint32 // idle limit, 0: none
}

// AppendGreeting appends a whole Greeting frame.
func AppendGreeting(b []byte, g GreetingInfo) []byte {
	b = AppendHeader(b, Greeting, GreetingLen)
	b = append(b, Magic...)
	b = append(b, g.MinVersion, g.MaxVersion)
	b = binary.BigEndian.AppendUint32(b, g.MaxFrame)
	b = binary.BigEndian.AppendUint32(b, g.MaxBatch)
	return binary.BigEndian.AppendUint32(b, g.IdleSeconds)
}

// ParseGreeting decodes a Greeting payload. Bytes after the version 1
// fields are ignored, so later versions may extend the greeting.
func ParseGreeting(p []byte) (GreetingInfo, error) {
	if len(p) < GreetingLen || string(p[:8]) != Magic {
		return GreetingInfo{}, ErrMalformed
	}
	g := GreetingInfo{MinVersion: p[8], MaxVersion: p[9],
		MaxFrame:    binary.BigEndian.Uint32(p[10:]),
		MaxBatch:    binary.BigEndian.Uint32(p[14:]),
		IdleSeconds: binary.BigEndian.Uint32(p[18:])}
	if g.MinVersion > g.MaxVersion {
		return GreetingInfo{}, ErrMalformed
	}
	return g, nil
}

// AppendHello appends a whole Hello frame choosing version v.
func AppendHello(b []byte, v uint8) []byte {
	b = AppendHeader(b, Hello, HelloLen)
	return append(append(b, Magic...), v)
}

// ParseHello decodes a Hello payload (exactly HelloLen bytes in version 1).
func ParseHello(p []byte) (uint8, error) {
	if len(p) != HelloLen || string(p[:8]) != Magic {
		return 0, ErrMalformed
	}
	return p[8], nil
}

// AppendError appends a whole Error frame: code (uint16) then reason text.
func AppendError(b []byte, code uint16, text string) []byte {
	b = AppendHeader(b, Error, 2+len(text))
	b = binary.BigEndian.AppendUint16(b, code)
	return append(b, text...)
}

// AppendNotice appends a whole Notice frame: kind byte then text.
func AppendNotice(b []byte, kind uint8, text string) []byte {
	b = AppendHeader(b, Notice, 1+len(text))
	return append(append(b, kind), text...)
}

// ParseError decodes an Error payload.
func ParseError(p []byte) (code uint16, text []byte, err error) {
	if len(p) < 2 {
		return 0, nil, ErrMalformed
	}
	return binary.BigEndian.Uint16(p), p[2:], nil
}

// ParseNotice decodes a Notice payload.
func ParseNotice(p []byte) (kind uint8, text []byte, err error) {
	if len(p) < 1 {
		return 0, nil, ErrMalformed
	}
	return p[0], p[1:], nil
}

// AppendQuit appends a whole Quit frame (empty payload).
func AppendQuit(b []byte) []byte { return AppendHeader(b, Quit, 0) }
