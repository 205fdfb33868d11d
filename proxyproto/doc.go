// Package proxyproto parses the HAProxy PROXY protocol header, versions 1
// (text) and 2 (binary), as a load balancer sends it ahead of a client's
// bytes. It is pure: bytes in, a Header and a length out. No socket, no
// clock, no goroutine.
//
// Parse is called with everything received so far. It answers
// ErrIncomplete (n == 0) while the bytes are a valid prefix of a header and
// more are needed, a *Error as soon as they cannot be one (so a client that
// speaks SMTP where a header is required is refused at its first bytes), or
// the Header and the number of bytes it took. The bytes after n belong to
// the protocol behind the header.
//
// # Invariants
//
//   - The version is detected from the first bytes ("PROXY" or the 12-byte
//     v2 signature); anything else is an error. The caller enables PROXY
//     per listener and never guesses whether a header is present.
//   - v1: one CRLF-terminated line of at most 107 bytes; TCP4, TCP6 or
//     UNKNOWN; dotted quads without leading zeros; ports 0-65535 without
//     leading zeros. A lone CR or LF is an error.
//   - v2: at most MaxV2 bytes in all (the spec allows 65551; like
//     go-proxyproto we refuse more than 4096, a bound on memory per
//     connection). LOCAL, UNSPEC and UNIX headers keep the real endpoints
//     (Header.Local). TLVs must tile the rest of the header exactly; a
//     CRC32C TLV is checked; ALPN, AUTHORITY, UNIQUE_ID and the SSL TLV
//     (with its sub-TLVs) are recorded, each bounded in length; unknown
//     types are skipped.
//
// # Buffer lifetimes
//
// A Header owns its memory: strings and byte slices are copied out of the
// input, so the caller may reuse the buffer as soon as Parse returns.
package proxyproto
