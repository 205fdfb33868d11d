package proxyproto

import (
	"errors"
	"fmt"
	"net/netip"
)

// Header is one parsed PROXY header.
type Header struct {
	Version int // 1 or 2
	// Local: the header carries no client address (v1 UNKNOWN, v2 LOCAL,
	// v2 UNSPEC or UNIX): the caller keeps the socket's real endpoints.
	Local bool
	Src   netip.AddrPort // the client, as the proxy saw it
	Dst   netip.AddrPort // the address the client connected to
	TLV   TLVs           // v2 only
}

// TLVs are the v2 type-length-values sluice records for logs.
type TLVs struct {
	ALPN      string // 0x01, e.g. "h2" or "smtp"
	Authority string // 0x02, normally the TLS SNI
	UniqueID  []byte // 0x05, at most 128 bytes
	SSL       *SSL   // 0x20; nil when absent
}

// SSL is the PP2_TYPE_SSL TLV: what the proxy knows of the client's TLS.
type SSL struct {
	Client   uint8  // bit 0x01 CLIENT_SSL, 0x02 CERT_CONN, 0x04 CERT_SESS
	Verified bool   // the verify field was 0: a client certificate was verified
	Version  string // sub 0x21, e.g. "TLSv1.3"
	CN       string // sub 0x22
	Cipher   string // sub 0x23
	SigAlg   string // sub 0x24
	KeyAlg   string // sub 0x25
}

// Client bits of SSL.Client.
const (
	ClientSSL      = 0x01
	ClientCertConn = 0x02
	ClientCertSess = 0x04
)

// Limits.
const (
	MaxV1     = 107  // longest v1 line, CRLF included
	MaxV2     = 4096 // longest v2 header accepted (16 + length)
	maxTLVStr = 255  // longest recorded string TLV; longer values are cut
	maxUnique = 128  // UNIQUE_ID bound from the spec
)

// ErrIncomplete: the input is a valid prefix of a header; read more.
var ErrIncomplete = errors.New("proxyproto: incomplete header")

// Error is a malformed header. Reason is short and fit for a log line.
type Error struct {
	Version int // 0 when the version could not be told
	Reason  string
}

func (e *Error) Error() string {
	if e.Version == 0 {
		return "proxyproto: " + e.Reason
	}
	return fmt.Sprintf("proxyproto: v%d: %s", e.Version, e.Reason)
}

func bad(v int, reason string) error { return &Error{Version: v, Reason: reason} }

// sigV2 is the 12-byte v2 signature; it holds a NUL, so never a C string.
var sigV2 = [12]byte{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}

const prefixV1 = "PROXY "

// Parse reads one header from the start of b. See the package comment for
// the three outcomes.
func Parse(b []byte) (h Header, n int, err error) {
	if len(b) == 0 {
		return h, 0, ErrIncomplete
	}
	switch b[0] {
	case 'P':
		return parseV1(b)
	case sigV2[0]:
		return parseV2(b)
	}
	return h, 0, bad(0, "no PROXY header (first byte "+quoteByte(b[0])+")")
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("0x%02x", c)
}

// String describes h for a log line.
func (h *Header) String() string {
	if h.Local {
		return fmt.Sprintf("v%d local", h.Version)
	}
	s := fmt.Sprintf("v%d %s -> %s", h.Version, h.Src, h.Dst)
	if h.TLV.ALPN != "" {
		s += " alpn=" + h.TLV.ALPN
	}
	if h.TLV.Authority != "" {
		s += " authority=" + h.TLV.Authority
	}
	if h.TLV.SSL != nil && h.TLV.SSL.Version != "" {
		s += " ssl=" + h.TLV.SSL.Version
	}
	return s
}
