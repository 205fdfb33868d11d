package handoff

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/spool"
)

// pipeConn is a net.Conn over a scripted server: reads come from the
// script in chunks of at most chunk bytes, writes are recorded.
type pipeConn struct {
	net.Conn
	r     io.Reader
	chunk int
	sent  bytes.Buffer
}

func (c *pipeConn) Read(p []byte) (int, error) {
	if c.chunk > 0 && len(p) > c.chunk {
		p = p[:c.chunk]
	}
	return c.r.Read(p)
}
func (c *pipeConn) Write(p []byte) (int, error)      { return c.sent.Write(p) }
func (c *pipeConn) SetDeadline(time.Time) error      { return nil }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }
func (c *pipeConn) Close() error                     { return nil }

func scripted(script string, chunk int, lmtp bool) *session {
	c := &pipeConn{r: strings.NewReader(script), chunk: chunk}
	o := &SMTPOptions{LMTP: lmtp, Timeout: time.Second, HeloName: "t", TLS: "off"}
	return &session{c: c, r: bufio.NewReaderSize(c, 16), w: bufio.NewWriter(c), o: o}
}

func TestReplyParsing(t *testing.T) {
	good := map[string]reply{
		"250 OK\r\n":                           {250, "OK"},
		"250-a\r\n250-b\r\n250 2.0.0 done\r\n": {250, "2.0.0 done"},
		"550\r\n":                              {550, ""},
		"421 4.3.2 bye\n":                      {421, "4.3.2 bye"},
	}
	for in, want := range good {
		got, err := scripted(in, 0, false).read()
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "25\r\n", "abc ok\r\n", "250x\r\n", "199 low\r\n", "600 high\r\n", "250-a\r\n"} {
		if r, err := scripted(bad, 0, false).read(); err == nil {
			t.Errorf("%q accepted: %+v", bad, r)
		}
	}
	st := reply{550, "5.1.1 no such user"}.status()
	if st.Enhanced != "5.1.1" || st.Text != "no such user" || !st.Permanent() {
		t.Errorf("status %+v", st)
	}
	if st := (reply{451, "9.9 later"}).status(); st.Enhanced != "" || st.Text != "9.9 later" {
		t.Errorf("not an enhanced code: %+v", st)
	}
}

// One LMTP transaction (greeting, LHLO, pipelined MAIL/RCPT×3/DATA, the
// message, per-recipient replies) gives the same statuses and the same
// bytes on the wire whatever the server's output is split into.
func TestLMTPConversationSplitEveryByte(t *testing.T) {
	script := "220 lmtp ready\r\n250-lmtp\r\n250-PIPELINING\r\n250 8BITMIME\r\n" +
		"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 <c@x> unknown\r\n250 2.1.5 ok\r\n354 go\r\n" +
		"250 2.0.0 <a@x> saved\r\n452 4.2.2 <d@x> over quota\r\n"
	m := &Message{ID: spool.ID{1}, Sender: "s@x", Recipients: []string{"a@x", "c@x", "d@x"},
		Data: []byte("Subject: x\r\n\r\n.dot\r\nend\r\n")}
	var wantSent string
	for chunk := 1; chunk <= len(script); chunk++ {
		s := scripted(script, chunk, true)
		if err := s.hello(); err != nil {
			t.Fatalf("chunk %d: hello: %v", chunk, err)
		}
		st, err := s.send(context.Background(), m)
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		got := fmt.Sprintf("%d %d %s %d %s", st[0].Code, st[1].Code, st[1].Enhanced, st[2].Code, st[2].Enhanced)
		if got != "250 550 5.1.1 452 4.2.2" {
			t.Fatalf("chunk %d: statuses %s", chunk, got)
		}
		sent := s.c.(*pipeConn).sent.String()
		if wantSent == "" {
			wantSent = sent
		} else if sent != wantSent {
			t.Fatalf("chunk %d: sent %q, want %q", chunk, sent, wantSent)
		}
	}
	want := "LHLO t\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<c@x>\r\nRCPT TO:<d@x>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\nend\r\n.\r\n"
	if wantSent != want {
		t.Fatalf("wire:\n%q\nwant\n%q", wantSent, want)
	}
}

// FuzzSession: any server output gives statuses or an error, never a
// panic, and never more statuses than recipients.
func FuzzSession(f *testing.F) {
	f.Add("220 x\r\n250 x\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n", false)
	f.Add("220 x\r\n250-x\r\n250 PIPELINING\r\n250 ok\r\n550 no\r\n554 no rcpt\r\n250 reset\r\n", true)
	f.Add("220 x\r\n250 x\r\n421 bye\r\n", false)
	f.Fuzz(func(t *testing.T, script string, lmtp bool) {
		s := scripted(script, 7, lmtp)
		if s.hello() != nil {
			return
		}
		m := &Message{Sender: "s@x", Recipients: []string{"a@x", "b@x"}, Data: []byte("x\r\n")}
		st, err := s.send(context.Background(), m)
		if err == nil && len(st) != 2 {
			t.Fatalf("%d statuses for 2 recipients", len(st))
		}
	})
}

// FuzzParseState: the retry state file parser never panics on garbage or
// a torn tail and keeps what precedes the damage.
func FuzzParseState(f *testing.F) {
	good := appendEntry(nil, spool.ID{1}, &progress{attempts: 3, next: time.UnixMilli(5), done: map[int]bool{0: true, 7: true}})
	good = appendEntry(good, spool.ID{2}, nil)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m := map[spool.ID]*progress{}
		parseState(b, m)
	})
}

func TestStateRoundTrip(t *testing.T) {
	b := appendEntry(nil, spool.ID{1}, &progress{attempts: 3, next: time.UnixMilli(5000), done: map[int]bool{0: true, 7: true}})
	b = appendEntry(b, spool.ID{2}, &progress{attempts: 1, next: time.UnixMilli(6000), done: map[int]bool{}})
	b = appendEntry(b, spool.ID{2}, nil) // forgotten
	m := map[spool.ID]*progress{}
	parseState(append(b, 0xff, 0x01), m) // torn tail ignored
	p := m[spool.ID{1}]
	if len(m) != 1 || p.attempts != 3 || p.next.UnixMilli() != 5000 || !p.done[0] || !p.done[7] || len(p.done) != 2 {
		t.Fatalf("parsed %+v %+v", m, p)
	}
}

// The same LMTP transaction over CHUNKING: one write (MAIL, RCPTs, BDAT
// LAST and the raw message), whatever the reply split.
func TestLMTPBDATSplitEveryByte(t *testing.T) {
	script := "220 lmtp ready\r\n250-lmtp\r\n250-PIPELINING\r\n250 CHUNKING\r\n" +
		"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 <c@x> unknown\r\n250 2.1.5 ok\r\n" +
		"250 2.0.0 <a@x> saved\r\n452 4.2.2 <d@x> over quota\r\n250 2.0.0 reset\r\n"
	m := &Message{ID: spool.ID{1}, Sender: "s@x", Recipients: []string{"a@x", "c@x", "d@x"},
		Data: []byte("Subject: x\r\n\r\n.dot\r\nend\r\n")}
	want := "LHLO t\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<c@x>\r\nRCPT TO:<d@x>\r\nBDAT 25 LAST\r\nSubject: x\r\n\r\n.dot\r\nend\r\nRSET\r\n"
	for chunk := 1; chunk <= len(script); chunk++ {
		s := scripted(script, chunk, true)
		if err := s.hello(); err != nil {
			t.Fatalf("chunk %d: hello: %v", chunk, err)
		}
		st, err := s.send(context.Background(), m)
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		got := fmt.Sprintf("%d %d %s %d %s", st[0].Code, st[1].Code, st[1].Enhanced, st[2].Code, st[2].Enhanced)
		if got != "250 550 5.1.1 452 4.2.2" {
			t.Fatalf("chunk %d: statuses %s", chunk, got)
		}
		if sent := s.c.(*pipeConn).sent.String(); sent != want {
			t.Fatalf("chunk %d: wire\n%q\nwant\n%q", chunk, sent, want)
		}
	}
}
