package metrics

import "sluice/proto"

// InContent forwards proto.ContentReceiver, so the engine's Min_Data_Rate
// sees through the instrumentation wrapper.
func (s *instSession) InContent() bool {
	cr, ok := s.s.(proto.ContentReceiver)
	return ok && cr.InContent()
}

// Authenticated forwards proto.AuthReporter (the fd reserve sheds
// unauthenticated connections first).
func (s *instSession) Authenticated() bool {
	a, ok := s.s.(proto.AuthReporter)
	return ok && a.Authenticated()
}
