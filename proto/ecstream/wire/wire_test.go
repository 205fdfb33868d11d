package wire

import (
	"bytes"
	"testing"
)

func TestGreetingHelloRoundTrip(t *testing.T) {
	g := GreetingInfo{MinVersion: 1, MaxVersion: 3, MaxFrame: 1 << 25, MaxBatch: 10000, IdleSeconds: 300}
	b := AppendGreeting(nil, g)
	ty, n, ok := ParseHeader(b)
	if !ok || ty != Greeting || int(n) != GreetingLen || len(b) != HeaderLen+GreetingLen {
		t.Fatalf("header %v %d %v", ty, n, ok)
	}
	got, err := ParseGreeting(append(b[HeaderLen:], "future fields"...))
	if err != nil || got != g {
		t.Fatalf("greeting %+v %v", got, err)
	}
	h := AppendHello(nil, 1)
	if v, err := ParseHello(h[HeaderLen:]); err != nil || v != 1 {
		t.Fatalf("hello %d %v", v, err)
	}
	bad := [][]byte{nil, b[HeaderLen : len(b)-1], append([]byte("ECSTREAX"), b[HeaderLen+8:]...),
		AppendGreeting(nil, GreetingInfo{MinVersion: 2, MaxVersion: 1})[HeaderLen:]}
	for i, p := range bad {
		if _, err := ParseGreeting(p); err == nil {
			t.Errorf("bad greeting %d accepted", i)
		}
	}
	if _, _, ok := ParseHeader(h[:4]); ok {
		t.Error("short header accepted")
	}
}

func TestErrorNoticeQuit(t *testing.T) {
	e := AppendError(nil, 552, "too big")
	if c, tx, err := ParseError(e[HeaderLen:]); err != nil || c != 552 || string(tx) != "too big" {
		t.Fatalf("error %d %q %v", c, tx, err)
	}
	n := AppendNotice(nil, NoticeReconnect, "reload")
	if k, tx, err := ParseNotice(n[HeaderLen:]); err != nil || k != NoticeReconnect || string(tx) != "reload" {
		t.Fatalf("notice %d %q %v", k, tx, err)
	}
	if _, _, err := ParseError([]byte{1}); err == nil {
		t.Error("short error accepted")
	}
	if _, _, err := ParseNotice(nil); err == nil {
		t.Error("empty notice accepted")
	}
	if q := AppendQuit(nil); !bytes.Equal(q, []byte{0, 0, 0, 0, byte(Quit)}) {
		t.Errorf("quit %x", q)
	}
}

func TestBatchRoundTrip(t *testing.T) {
	type msg struct {
		from string
		to   []string
		body string
	}
	msgs := []msg{{"", []string{"a@b"}, ""}, {"s@x", []string{"a@b", "c@d", "e"}, "body\r\n"}, {"z", nil, "x"}}
	b, off := StartFrame(nil, Batch)
	b = AppendBatchHead(b, 42, uint32(len(msgs)))
	size := BatchHeadLen
	for _, m := range msgs {
		var ok bool
		b, ok = AppendMessage(b, m.from, m.to, []byte(m.body))
		size += MessageSize(m.from, m.to, []byte(m.body))
		if !ok {
			t.Fatal("append failed")
		}
	}
	b = EndFrame(b, off)
	if _, n, _ := ParseHeader(b); int(n) != size || len(b) != HeaderLen+size {
		t.Fatalf("length %d, want %d", n, size)
	}
	var r BatchReader
	if err := r.Reset(b[HeaderLen:]); err != nil || r.Tag != 42 || r.Count != 3 {
		t.Fatalf("reset %v %+v", err, r)
	}
	for i, m := range msgs {
		got, ok, err := r.Next()
		if !ok || err != nil || string(got.Sender) != m.from || got.NRcpt != len(m.to) || string(got.Body) != m.body {
			t.Fatalf("message %d: %+v %v %v", i, got, ok, err)
		}
		list := got.Rcpts
		for _, want := range m.to {
			var rc []byte
			rc, list = NextRcpt(list)
			if string(rc) != want {
				t.Fatalf("rcpt %q want %q", rc, want)
			}
		}
	}
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("end: %v %v", ok, err)
	}
	if _, ok := AppendMessage(nil, string(make([]byte, 70000)), nil, nil); ok {
		t.Error("oversized sender encoded")
	}
	if _, ok := AppendMessage(nil, "", []string{string(make([]byte, 70000))}, nil); ok {
		t.Error("oversized recipient encoded")
	}
}

func TestReplyRoundTrip(t *testing.T) {
	b, off := StartFrame(nil, Reply)
	b = AppendReplyHead(b, 7, 3)
	b = AppendReplyItem(b, StatusAccepted, 250, "ID1")
	b = AppendReplyItem(b, StatusTempFail, 451, "later")
	b = AppendReplyItem(b, StatusPermFail, 554, string(make([]byte, 70000)))
	b = EndFrame(b, off)
	var r ReplyReader
	if err := r.Reset(b[HeaderLen:]); err != nil || r.Tag != 7 || r.Count != 3 {
		t.Fatal(err)
	}
	want := []ReplyItem{{0, 250, []byte("ID1")}, {1, 451, []byte("later")}, {2, 554, make([]byte, MaxReplyText)}}
	for _, w := range want {
		it, ok, err := r.Next()
		if !ok || err != nil || it.Status != w.Status || it.Code != w.Code || !bytes.Equal(it.Text, w.Text) {
			t.Fatalf("item %+v %v %v", it, ok, err)
		}
	}
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatal("not at end")
	}
}

func TestMalformedPayloads(t *testing.T) {
	var br BatchReader
	var rr ReplyReader
	for i, p := range [][]byte{
		{0, 0, 0, 1, 0, 0, 0},          // short head
		{0, 0, 0, 1, 0, 0, 0, 2, 0, 0}, // count beyond payload
	} {
		if br.Reset(p) == nil || rr.Reset(p) == nil {
			t.Errorf("payload %d accepted", i)
		}
	}
	// Trailing bytes after the announced messages / items.
	if err := br.Reset([]byte{0, 0, 0, 1, 0, 0, 0, 0, 9}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := br.Next(); err == nil {
		t.Error("batch trailing bytes accepted")
	}
	if err := rr.Reset([]byte{0, 0, 0, 1, 0, 0, 0, 0, 9}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rr.Next(); err == nil {
		t.Error("reply trailing bytes accepted")
	}
}

// Walking a batch allocates nothing.
func TestBatchReaderAllocs(t *testing.T) {
	b := AppendBatchHead(nil, 1, 100)
	for range 100 {
		b, _ = AppendMessage(b, "s@x", []string{"a@b", "c@d"}, make([]byte, 1024))
	}
	var r BatchReader
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(b)
		for {
			m, ok, _ := r.Next()
			if !ok {
				break
			}
			for list, i := m.Rcpts, 0; i < m.NRcpt; i++ {
				_, list = NextRcpt(list)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

// FuzzReaders: arbitrary payloads never panic the readers, and what they
// accept re-encodes to the same bytes.
func FuzzReaders(f *testing.F) {
	seed, _ := AppendMessage(AppendBatchHead(nil, 1, 1), "a", []string{"b"}, []byte("c"))
	f.Add(seed)
	f.Add(AppendReplyItem(AppendReplyHead(nil, 1, 1), 0, 250, "id"))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		var br BatchReader
		if br.Reset(p) == nil {
			out := AppendBatchHead(nil, br.Tag, br.Count)
			for {
				m, ok, err := br.Next()
				if err != nil {
					out = nil
					break
				}
				if !ok {
					break
				}
				var to []string
				for list, i := m.Rcpts, 0; i < m.NRcpt; i++ {
					var rc []byte
					rc, list = NextRcpt(list)
					to = append(to, string(rc))
				}
				out, _ = AppendMessage(out, string(m.Sender), to, m.Body)
			}
			if out != nil && !bytes.Equal(out, p) {
				t.Fatalf("batch re-encoding differs:\n%x\n%x", out, p)
			}
		}
		var rr ReplyReader
		if rr.Reset(p) == nil {
			for {
				if _, ok, err := rr.Next(); err != nil || !ok {
					break
				}
			}
		}
		ParseGreeting(p)
		ParseHello(p)
		ParseError(p)
		ParseNotice(p)
	})
}
