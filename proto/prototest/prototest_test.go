package prototest

import (
	"bytes"
	"testing"
	"time"

	"sluice/proto"
)

// lineSession echoes each CRLF line; "SUBMIT x" submits x and answers the id.
type lineSession struct {
	h proto.Host
	m proto.Message
}

func (s *lineSession) Start(out []byte) ([]byte, proto.Action) {
	return append(out, "hello\r\n"...), proto.Continue
}

func (s *lineSession) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for {
		i := bytes.Index(in[n:], []byte("\r\n"))
		if i < 0 {
			return n, out, proto.Continue
		}
		line := in[n : n+i]
		n += i + 2
		switch {
		case bytes.Equal(line, []byte("QUIT")):
			return n, append(out, "bye\r\n"...), proto.CloseAfterFlush
		case bytes.HasPrefix(line, []byte("SUBMIT ")):
			s.m = proto.Message{Protocol: "test", Data: append([]byte(nil), line[7:]...)}
			s.h.Submit(&s.m)
			return n, out, proto.Suspend
		}
		out = append(append(out, line...), "\r\n"...)
	}
}

func (s *lineSession) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if r.Err != nil {
		return append(out, "451 fail\r\n"...), proto.Continue
	}
	return append(out, "250 "+r.ID+"\r\n"...), proto.Continue
}
func (s *lineSession) Timeout() time.Duration   { return 0 }
func (s *lineSession) Closed(proto.CloseReason) {}

func TestDriverResumesAndSplits(t *testing.T) {
	input := []byte("a\r\nSUBMIT one\r\nb\r\nSUBMIT two\r\nQUIT\r\nignored\r\n")
	mk := func() (proto.Session, *Host) { h := NewHost(); return &lineSession{h: h}, h }
	s, h := mk()
	res, err := Run(s, h, input)
	if err != nil {
		t.Fatal(err)
	}
	want := "hello\r\na\r\n250 MSGID0001\r\nb\r\n250 MSGID0002\r\nbye\r\n"
	if string(res.Out) != want || !res.Closed || len(h.Submitted) != 2 {
		t.Fatalf("got %q closed=%v msgs=%d", res.Out, res.Closed, len(h.Submitted))
	}
	if err := SplitEvery(mk, input); err != nil {
		t.Fatal(err)
	}
	s, h = mk()
	h.Fail = proto.ErrSpool
	res, _ = ByteAtATime(s, h, input)
	if !bytes.Contains(res.Out, []byte("451 fail")) {
		t.Fatalf("failure not delivered: %q", res.Out)
	}
}
