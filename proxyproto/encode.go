package proxyproto

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
)

// AppendV1 appends h as a v1 line. A Local header, or one whose source is
// not a valid address, is written "PROXY UNKNOWN". Tests and clients use
// it; the receiver never writes a header.
func AppendV1(dst []byte, h *Header) []byte {
	if h.Local || !h.Src.IsValid() || !h.Dst.IsValid() {
		return append(dst, "PROXY UNKNOWN\r\n"...)
	}
	proto := "TCP4 "
	if !h.Src.Addr().Is4() {
		proto = "TCP6 "
	}
	dst = append(dst, prefixV1...)
	dst = append(dst, proto...)
	dst = h.Src.Addr().AppendTo(dst)
	dst = append(dst, ' ')
	dst = h.Dst.Addr().AppendTo(dst)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(h.Src.Port()), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(h.Dst.Port()), 10)
	return append(dst, "\r\n"...)
}

// AppendV2 appends h as a v2 header with its TLVs; withCRC adds a CRC32C
// TLV. Both addresses must be of one family unless h is Local.
func AppendV2(dst []byte, h *Header, withCRC bool) []byte {
	start := len(dst)
	dst = append(dst, sigV2[:]...)
	switch {
	case h.Local:
		dst = append(dst, 0x20, 0x00)
	case h.Src.Addr().Is4():
		dst = append(dst, 0x21, 0x11)
	default:
		dst = append(dst, 0x21, 0x21)
	}
	dst = append(dst, 0, 0) // length, patched below
	if !h.Local {
		if h.Src.Addr().Is4() {
			s, d := h.Src.Addr().As4(), h.Dst.Addr().As4()
			dst = append(append(dst, s[:]...), d[:]...)
		} else {
			s, d := h.Src.Addr().As16(), h.Dst.Addr().As16()
			dst = append(append(dst, s[:]...), d[:]...)
		}
		dst = binary.BigEndian.AppendUint16(dst, h.Src.Port())
		dst = binary.BigEndian.AppendUint16(dst, h.Dst.Port())
		dst = appendTLVs(dst, &h.TLV)
	}
	crcAt := -1
	if withCRC {
		crcAt = len(dst) + 3
		dst = appendTLV(dst, tlvCRC32C, []byte{0, 0, 0, 0})
	}
	binary.BigEndian.PutUint16(dst[start+14:], uint16(len(dst)-start-16))
	if crcAt >= 0 {
		c := crc32.Checksum(dst[start:], castagnoli)
		binary.BigEndian.PutUint32(dst[crcAt:], c)
	}
	return dst
}

func appendTLVs(dst []byte, t *TLVs) []byte {
	if t.ALPN != "" {
		dst = appendTLV(dst, tlvALPN, []byte(t.ALPN))
	}
	if t.Authority != "" {
		dst = appendTLV(dst, tlvAuthority, []byte(t.Authority))
	}
	if len(t.UniqueID) > 0 {
		dst = appendTLV(dst, tlvUniqueID, t.UniqueID)
	}
	if s := t.SSL; s != nil {
		var v []byte
		verify := uint32(1)
		if s.Verified {
			verify = 0
		}
		v = binary.BigEndian.AppendUint32(append(v, s.Client), verify)
		for _, sub := range []struct {
			typ byte
			s   string
		}{{subVersion, s.Version}, {subCN, s.CN}, {subCipher, s.Cipher}, {subSigAlg, s.SigAlg}, {subKeyAlg, s.KeyAlg}} {
			if sub.s != "" {
				v = appendTLV(v, sub.typ, []byte(sub.s))
			}
		}
		dst = appendTLV(dst, tlvSSL, v)
	}
	return dst
}

func appendTLV(dst []byte, typ byte, v []byte) []byte {
	dst = append(dst, typ)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}
