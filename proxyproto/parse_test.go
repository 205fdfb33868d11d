package proxyproto

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// hexb decodes spaced hex.
func hexb(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

const sig = "0D0A0D0A000D0A515549540A"

type parseCase struct {
	name string
	in   []byte
	want Header // compared when bad == ""
	n    int
	bad  string // substring of the error; "" = success
}

func parseCases() []parseCase {
	full := AppendV2(nil, &Header{Src: ap("192.0.2.7:40000"), Dst: ap("198.51.100.1:25"),
		TLV: TLVs{ALPN: "smtp", Authority: "mx.example.org", UniqueID: []byte{1, 2, 3},
			SSL: &SSL{Client: ClientSSL, Verified: true, Version: "TLSv1.3", CN: "client", Cipher: "TLS_AES_128_GCM_SHA256", SigAlg: "RSA-SHA256", KeyAlg: "RSA2048"}}}, true)
	badCRC := append([]byte(nil), full...)
	badCRC[20] ^= 1
	v6 := AppendV2(nil, &Header{Src: ap("[2001:db8::7]:1234"), Dst: ap("[2001:db8::1]:25")}, false)
	return []parseCase{
		{"v1 tcp4", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 40000 25\r\nEHLO"),
			Header{Version: 1, Src: ap("192.0.2.7:40000"), Dst: ap("198.51.100.1:25")}, 44, ""},
		{"v1 tcp6", []byte("PROXY TCP6 2001:db8::7 2001:DB8::1 0 65535\r\n"),
			Header{Version: 1, Src: ap("[2001:db8::7]:0"), Dst: ap("[2001:db8::1]:65535")}, 44, ""},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\n"), Header{Version: 1, Local: true}, 15, ""},
		{"v1 unknown with fields", []byte("PROXY UNKNOWN ffff:: ffff:: 1 2\r\n"), Header{Version: 1, Local: true}, 33, ""},
		{"v1 longest", []byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
			Header{Version: 1, Local: true}, 107, ""},
		{"v1 too long", []byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n"), Header{}, 0, "no CRLF"},
		{"v1 leading zero octet", []byte("PROXY TCP4 192.0.2.07 198.51.100.1 1 2\r\n"), Header{}, 0, "bad address"},
		{"v1 leading zero port", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 01 2\r\n"), Header{}, 0, "bad port"},
		{"v1 port too big", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 65536 2\r\n"), Header{}, 0, "bad port"},
		{"v1 v6 in tcp4", []byte("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n"), Header{}, 0, "non-IPv4"},
		{"v1 v4 in tcp6", []byte("PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n"), Header{}, 0, "non-IPv6"},
		{"v1 zone", []byte("PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n"), Header{}, 0, "non-IPv6"},
		{"v1 double space", []byte("PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n"), Header{}, 0, "too many"},
		{"v1 too few", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n"), Header{}, 0, "too few"},
		{"v1 too many", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n"), Header{}, 0, "too many"},
		{"v1 udp", []byte("PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n"), Header{}, 0, "unknown protocol"},
		{"v1 bare LF", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n"), Header{}, 0, "bare LF"},
		{"v1 bare CR", []byte("PROXY TCP4 192.0.2.7\r198.51.100.1 1 2\r\n"), Header{}, 0, "bare CR"},
		{"v1 lower case", []byte("proxy TCP4 192.0.2.7 198.51.100.1 1 2\r\n"), Header{}, 0, "no PROXY header"},
		{"v1 bad sig", []byte("PROXX TCP4"), Header{}, 0, "bad signature"},
		{"smtp instead", []byte("EHLO client\r\n"), Header{}, 0, "no PROXY header"},
		{"v2 full", append(append([]byte(nil), full...), "EHLO"...),
			Header{Version: 2, Src: ap("192.0.2.7:40000"), Dst: ap("198.51.100.1:25"),
				TLV: TLVs{ALPN: "smtp", Authority: "mx.example.org", UniqueID: []byte{1, 2, 3},
					SSL: &SSL{Client: ClientSSL, Verified: true, Version: "TLSv1.3", CN: "client", Cipher: "TLS_AES_128_GCM_SHA256", SigAlg: "RSA-SHA256", KeyAlg: "RSA2048"}}}, len(full), ""},
		{"v2 bad crc", badCRC, Header{}, 0, "CRC32C mismatch"},
		{"v2 tcp6", v6, Header{Version: 2, Src: ap("[2001:db8::7]:1234"), Dst: ap("[2001:db8::1]:25")}, 52, ""},
		{"v2 local skips len", hexb(sig + "20 00 0003 010203"), Header{Version: 2, Local: true}, 19, ""},
		{"v2 unspec", hexb(sig + "21 00 0000"), Header{Version: 2, Local: true}, 16, ""},
		{"v2 udp falls back", hexb(sig + "21 12 000C c0000207 c6336401 0001 0002"), Header{Version: 2, Local: true}, 28, ""},
		{"v2 unix", append(hexb(sig+"21 31 00D8"), make([]byte, 216)...), Header{Version: 2, Local: true}, 232, ""},
		{"v2 version 1", hexb(sig + "11 11 000C"), Header{}, 0, "bad version"},
		{"v2 command 2", hexb(sig + "22 11 000C"), Header{}, 0, "unknown command"},
		{"v2 family 4", hexb(sig + "21 41 000C"), Header{}, 0, "unknown address family"},
		{"v2 transport 3", hexb(sig + "21 13 000C"), Header{}, 0, "unknown address family"},
		{"v2 short address", hexb(sig + "21 11 0004 c0000207"), Header{}, 0, "address block"},
		{"v2 huge", hexb(sig + "21 11 FFFF"), Header{}, 0, "longer than 4096"},
		{"v2 truncated TLV", hexb(sig + "21 11 000E c0000207 c6336401 0001 0002 0100"), Header{}, 0, "truncated TLV"},
		{"v2 TLV overruns", hexb(sig + "21 11 0010 c0000207 c6336401 0001 0002 01 0005 61"), Header{}, 0, "TLV longer"},
		{"v2 short SSL", hexb(sig + "21 11 0010 c0000207 c6336401 0001 0002 20 0001 01"), Header{}, 0, "SSL TLV shorter"},
		{"v2 unique id too long", append(hexb(sig+"21 11 0090 c0000207 c6336401 0001 0002 05 0081"), make([]byte, 129)...), Header{}, 0, "UNIQUE_ID"},
		{"v2 noop and unknown TLVs", hexb(sig + "21 11 0017 c0000207 c6336401 0001 0002 04 0000 E0 0002 abcd 30 0000"),
			Header{Version: 2, Src: ap("192.0.2.7:1"), Dst: ap("198.51.100.1:2")}, 39, ""},
		{"v2 bad sig", hexb("0D0A0D0A000D0A5155495458"), Header{}, 0, "bad signature"},
	}
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			h, n, err := Parse(tc.in)
			if tc.bad != "" {
				var pe *Error
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err = %v, want *Error containing %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if n != tc.n {
				t.Errorf("n = %d, want %d", n, tc.n)
			}
			if !reflect.DeepEqual(h, tc.want) {
				t.Errorf("header\n got %+v\nwant %+v", h, tc.want)
			}
		})
	}
}

// TestSplit feeds every case cut at every offset: a prefix of a valid
// header is ErrIncomplete, and the whole gives the same answer as in one
// piece. A malformed header is an error at or before its full length,
// never a success.
func TestSplit(t *testing.T) {
	for _, tc := range parseCases() {
		wantH, wantN, wantErr := Parse(tc.in)
		for cut := 0; cut < len(tc.in); cut++ {
			h, n, err := Parse(tc.in[:cut])
			switch {
			case wantErr == nil && cut < wantN:
				if err != ErrIncomplete || n != 0 {
					t.Fatalf("%s: cut %d of a valid header: n=%d err=%v", tc.name, cut, n, err)
				}
			case wantErr == nil:
				if err != nil || n != wantN || !reflect.DeepEqual(h, wantH) {
					t.Fatalf("%s: cut %d after the header: n=%d err=%v", tc.name, cut, n, err)
				}
			default:
				if err == nil {
					t.Fatalf("%s: cut %d of a bad header parsed: %+v", tc.name, cut, h)
				}
			}
		}
	}
}

func TestEarlyRefusal(t *testing.T) {
	// A client speaking SMTP or TLS where a header is required is refused
	// from its first byte, not after the timeout.
	for _, first := range []string{"E", "H", "\x16", "Q", "PROXz", "\r\n\r\n\x01"} {
		if _, _, err := Parse([]byte(first)); err == nil || err == ErrIncomplete {
			t.Errorf("Parse(%q) = %v, want a refusal", first, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	hs := []Header{
		{Src: ap("192.0.2.1:1"), Dst: ap("192.0.2.2:25")},
		{Src: ap("[2001:db8::1]:65535"), Dst: ap("[2001:db8::2]:0")},
		{Local: true},
		{Src: ap("203.0.113.9:5"), Dst: ap("203.0.113.10:6"), TLV: TLVs{Authority: "a.example", SSL: &SSL{Client: 7}}},
	}
	for _, h := range hs {
		for v := 1; v <= 2; v++ {
			var b []byte
			want := h
			want.Version = v
			if v == 1 {
				b = AppendV1(nil, &h)
				want.TLV = TLVs{}
			} else {
				b = AppendV2(nil, &h, true)
			}
			got, n, err := Parse(b)
			if err != nil || n != len(b) || !reflect.DeepEqual(got, want) {
				t.Errorf("v%d %+v: got %+v n=%d err=%v", v, h, got, n, err)
			}
		}
	}
}

func TestStringForLogs(t *testing.T) {
	h := Header{Version: 2, Src: ap("192.0.2.1:1"), Dst: ap("192.0.2.2:25"), TLV: TLVs{ALPN: "h2", Authority: "x", SSL: &SSL{Version: "TLSv1.3"}}}
	if s := h.String(); s != "v2 192.0.2.1:1 -> 192.0.2.2:25 alpn=h2 authority=x ssl=TLSv1.3" {
		t.Errorf("String = %q", s)
	}
}

func BenchmarkParse(b *testing.B) {
	v1 := []byte("PROXY TCP4 192.0.2.7 198.51.100.1 40000 25\r\n")
	v2 := AppendV2(nil, &Header{Src: ap("192.0.2.7:40000"), Dst: ap("198.51.100.1:25")}, false)
	for _, c := range []struct {
		name string
		in   []byte
	}{{"v1", v1}, {"v2", v2}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Parse(c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
