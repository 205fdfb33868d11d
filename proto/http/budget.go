package http

import "sluice/internal/membudget"

// takeBuilt takes the messages built for this request (rendered templates,
// transmissions) from the daemon's message-data budget until they are
// answered; a raw body handed on as is was taken already (body.go).
func (s *session) takeBuilt() bool {
	var n int64
	for i := range s.msgs {
		d := s.msgs[i].Data
		if len(d) > 0 && len(s.body.data) > 0 && &d[0] == &s.body.data[0] {
			continue
		}
		n += int64(cap(d))
	}
	if n == 0 || !membudget.Take(n) {
		return n == 0
	}
	s.built = n
	return true
}
