package metrics

import "sluice/proto"

// InContent forwards proto.ContentReceiver, so the engine's Min_Data_Rate
// sees through the instrumentation wrapper.
func (s *instSession) InContent() bool {
	cr, ok := s.s.(proto.ContentReceiver)
	return ok && cr.InContent()
}
