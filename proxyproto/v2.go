package proxyproto

import (
	"encoding/binary"
	"hash/crc32"
	"net/netip"
)

// v2 command, family and transport values.
const (
	cmdLocal = 0x0
	cmdProxy = 0x1

	famUnspec = 0x0
	famInet   = 0x1
	famInet6  = 0x2
	famUnix   = 0x3

	trStream = 0x1
)

// TLV types (spec §2.2).
const (
	tlvALPN      = 0x01
	tlvAuthority = 0x02
	tlvCRC32C    = 0x03
	tlvNoop      = 0x04
	tlvUniqueID  = 0x05
	tlvSSL       = 0x20
	subVersion   = 0x21
	subCN        = 0x22
	subCipher    = 0x23
	subSigAlg    = 0x24
	subKeyAlg    = 0x25
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func parseV2(b []byte) (h Header, n int, err error) {
	h.Version = 2
	for i := 0; i < len(b) && i < len(sigV2); i++ {
		if b[i] != sigV2[i] {
			return h, 0, bad(2, "bad signature")
		}
	}
	if len(b) > 12 && b[12]>>4 != 2 {
		return h, 0, bad(2, "bad version nibble")
	}
	if len(b) > 12 && b[12]&0xF > cmdProxy {
		return h, 0, bad(2, "unknown command")
	}
	if len(b) > 13 && (b[13]>>4 > famUnix || b[13]&0xF > 2) {
		return h, 0, bad(2, "unknown address family or transport")
	}
	if len(b) < 16 {
		return h, 0, ErrIncomplete
	}
	total := 16 + int(binary.BigEndian.Uint16(b[14:16]))
	if total > MaxV2 {
		return h, 0, bad(2, "header longer than 4096 bytes")
	}
	if len(b) < total {
		return h, 0, ErrIncomplete
	}
	hdr := b[:total]
	if b[12]&0xF == cmdLocal {
		h.Local = true // health check by the proxy itself: skip len bytes
		return h, total, nil
	}
	body, alen := hdr[16:], 0
	fam, tr := b[13]>>4, b[13]&0xF
	switch fam {
	case famInet:
		alen = 12
	case famInet6:
		alen = 36
	case famUnix:
		alen = 216
	}
	if len(body) < alen {
		return h, 0, bad(2, "address block longer than the header")
	}
	if fam == famInet || fam == famInet6 {
		if tr == trStream {
			h.Src, h.Dst = addrsV2(body[:alen], fam == famInet)
		} else {
			h.Local = true // not implemented combinations fall back to UNSPEC
		}
	} else {
		h.Local = true // UNSPEC or UNIX: keep the real endpoints
	}
	if err := parseTLVs(hdr, 16+alen, &h.TLV); err != nil {
		return h, 0, err
	}
	return h, total, nil
}

func addrsV2(a []byte, v4 bool) (src, dst netip.AddrPort) {
	if v4 {
		s, d := netip.AddrFrom4([4]byte(a[0:4])), netip.AddrFrom4([4]byte(a[4:8]))
		return netip.AddrPortFrom(s, binary.BigEndian.Uint16(a[8:])), netip.AddrPortFrom(d, binary.BigEndian.Uint16(a[10:]))
	}
	s, d := netip.AddrFrom16([16]byte(a[0:16])), netip.AddrFrom16([16]byte(a[16:32]))
	return netip.AddrPortFrom(s, binary.BigEndian.Uint16(a[32:])), netip.AddrPortFrom(d, binary.BigEndian.Uint16(a[34:]))
}

// parseTLVs walks hdr[off:]; the TLVs must tile it exactly.
func parseTLVs(hdr []byte, off int, t *TLVs) error {
	for off < len(hdr) {
		typ, val, next, err := tlvAt(hdr, off)
		if err != nil {
			return err
		}
		switch typ {
		case tlvALPN:
			t.ALPN = cut(val)
		case tlvAuthority:
			t.Authority = cut(val)
		case tlvCRC32C:
			if err := checkCRC(hdr, off+3, val); err != nil {
				return err
			}
		case tlvUniqueID:
			if len(val) > maxUnique {
				return bad(2, "UNIQUE_ID longer than 128 bytes")
			}
			t.UniqueID = append([]byte(nil), val...)
		case tlvSSL:
			s, err := parseSSL(val)
			if err != nil {
				return err
			}
			t.SSL = s
		}
		off = next
	}
	return nil
}

// tlvAt reads the TLV at hdr[off:].
func tlvAt(hdr []byte, off int) (typ byte, val []byte, next int, err error) {
	if len(hdr)-off < 3 {
		return 0, nil, 0, bad(2, "truncated TLV")
	}
	l := int(binary.BigEndian.Uint16(hdr[off+1:]))
	next = off + 3 + l
	if next > len(hdr) {
		return 0, nil, 0, bad(2, "TLV longer than the header")
	}
	return hdr[off], hdr[off+3 : next], next, nil
}

// checkCRC verifies the CRC32C of the whole header with the field zeroed.
func checkCRC(hdr []byte, at int, val []byte) error {
	if len(val) != 4 {
		return bad(2, "CRC32C TLV is not 4 bytes")
	}
	c := crc32.Update(0, castagnoli, hdr[:at])
	c = crc32.Update(c, castagnoli, []byte{0, 0, 0, 0})
	c = crc32.Update(c, castagnoli, hdr[at+4:])
	if c != binary.BigEndian.Uint32(val) {
		return bad(2, "CRC32C mismatch")
	}
	return nil
}

// parseSSL reads client(1) verify(4) and the sub-TLVs.
func parseSSL(v []byte) (*SSL, error) {
	if len(v) < 5 {
		return nil, bad(2, "SSL TLV shorter than 5 bytes")
	}
	s := &SSL{Client: v[0], Verified: binary.BigEndian.Uint32(v[1:5]) == 0}
	for off := 5; off < len(v); {
		typ, val, next, err := tlvAt(v, off)
		if err != nil {
			return nil, err
		}
		switch typ {
		case subVersion:
			s.Version = cut(val)
		case subCN:
			s.CN = cut(val)
		case subCipher:
			s.Cipher = cut(val)
		case subSigAlg:
			s.SigAlg = cut(val)
		case subKeyAlg:
			s.KeyAlg = cut(val)
		}
		off = next
	}
	return s, nil
}

// cut copies a string TLV, bounded at maxTLVStr bytes.
func cut(v []byte) string {
	if len(v) > maxTLVStr {
		v = v[:maxTLVStr]
	}
	return string(v)
}
