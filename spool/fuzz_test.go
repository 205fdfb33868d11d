package spool

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzScan: whatever follows a segment header, scan never panics and every
// record it returns re-encodes to exactly the bytes it came from; records
// and damage never overlap and cover the image in order.
func FuzzScan(f *testing.F) {
	const salt = 0x5eed
	seg := segHeader(salt)
	for i := range 4 {
		seg = appendRecord(seg, salt, ID{byte(i)}, testEnv(i), testData(i))
	}
	f.Add(seg[segHeaderSize:])
	f.Add(seg[segHeaderSize : len(seg)-7])
	f.Add(append(bytes.Clone(seg[segHeaderSize:40]), seg[segHeaderSize:]...))
	f.Add([]byte("SLR1\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		img := append(segHeader(salt), body...)
		res, err := scan(img)
		if err != nil {
			t.Fatal(err)
		}
		pos := segHeaderSize
		ri, di := 0, 0
		for ri < len(res.recs) || di < len(res.dmg) {
			if ri < len(res.recs) && res.recs[ri].off == pos {
				sp := res.recs[ri]
				re := appendRecord(nil, salt, sp.rec.ID, &sp.rec.Env, sp.rec.Data)
				if !bytes.Equal(re, img[sp.off:sp.off+sp.size]) {
					t.Fatalf("record at %d does not re-encode", sp.off)
				}
				pos += sp.size
				ri++
				continue
			}
			if di < len(res.dmg) && res.dmg[di].off == pos && res.dmg[di].size > 0 {
				pos += res.dmg[di].size
				di++
				continue
			}
			t.Fatalf("gap or overlap at %d: %+v", pos, res)
		}
		if pos != len(img) {
			t.Fatalf("scan covered %d of %d bytes", pos, len(img))
		}
	})
}

// FuzzRecordRoundTrip: any envelope and data encode to encodedSize bytes
// and decode back unchanged.
func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("a@b", "c@d\x00e@f", "esmtp", "[::1]:25", "L", int64(1), []byte("hi\r\n"))
	f.Add("", "", "", "", "", int64(-1), []byte{})
	f.Fuzz(func(t *testing.T, sender, rcpts, proto, peer, lis string, ns int64, data []byte) {
		env := &Envelope{Sender: sender, Protocol: proto, Peer: peer, Listener: lis, Time: time.Unix(0, ns)}
		if rcpts != "" {
			env.Recipients = strings.Split(rcpts, "\x00")
		}
		rec := appendRecord(nil, 7, ID{1, 2}, env, data)
		if len(rec) != encodedSize(env, data) {
			t.Fatalf("size %d, encodedSize %d", len(rec), encodedSize(env, data))
		}
		size, err := checkRecord(rec, 7)
		var r Record
		if err != nil || size != len(rec) || decodeRecord(rec, &r) != nil {
			t.Fatalf("check %d %v", size, err)
		}
		if r.ID != (ID{1, 2}) || r.Env.Sender != sender || r.Env.Protocol != proto || r.Env.Peer != peer ||
			r.Env.Listener != lis || r.Env.Time.UnixNano() != ns || !bytes.Equal(r.Data, data) ||
			len(r.Env.Recipients) != len(env.Recipients) {
			t.Fatalf("round trip changed the record: %+v", r.Env)
		}
		if _, err := checkRecord(rec, 8); err == nil {
			t.Fatal("record passed under another salt")
		}
	})
}
