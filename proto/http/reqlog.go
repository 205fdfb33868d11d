package http

import (
	"strconv"
	"time"
)

// Log_Requests_To_Paniclog: one line per response, in Momentum's format
// (momentum-spec §7.1):
//
//	<unix-ts>:<client-ip>:<port> "<METHOD> <path> <proto>" <status> <bytes> <ms>
//
// The request line is copied when the head arrives (the input is gone by the
// time a spool-bound request is answered). Nothing is done when the option
// is off.
type reqLog struct {
	on    bool
	line  []byte
	start time.Time
}

// maxLoggedLine bounds the request line kept for the log.
const maxLoggedLine = 512

// note records the request line of head and when it arrived.
func (l *reqLog) note(head []byte, now time.Time) {
	if !l.on {
		return
	}
	line, _ := nextLine(head)
	if len(line) > maxLoggedLine {
		line = line[:maxLoggedLine]
	}
	l.line, l.start = append(l.line[:0], line...), now
}

// logResponse writes the log line for a response and forgets the request.
func (s *session) logResponse(code, size int) {
	l := &s.log
	if !l.on {
		return
	}
	now := s.h.Now()
	line := l.line
	if len(line) == 0 {
		line, l.start = []byte("-"), now
	}
	b := strconv.AppendInt(nil, now.Unix(), 10)
	b = append(b, ':')
	b = s.c.Remote.Addr().AppendTo(b)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(s.c.Remote.Port()), 10)
	b = append(b, ` "`...)
	for _, c := range line {
		if c < ' ' || c == '"' || c >= 0x7f {
			c = '?'
		}
		b = append(b, c)
	}
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, now.Sub(l.start).Milliseconds(), 10)
	s.f.o.Logger.Info(string(b))
	l.line = l.line[:0]
}
