package ecstream

import "sluice/proto/ecstream/wire"

// CodeNoStorage answers a message while the spool is above
// Spool_High_Water: a temporary failure, as SMTP's 452 4.3.1.
const CodeNoStorage = 452

// pressured fails a checked message temporarily while back-pressure is on;
// it is then neither counted nor submitted.
func (s *session) pressured(sl slot) slot {
	if s.f.pressure == nil || !sl.submitted || !s.f.pressure.On() {
		return sl
	}
	return slot{status: wire.StatusTempFail, code: CodeNoStorage, text: "4.3.1 insufficient system storage"}
}
