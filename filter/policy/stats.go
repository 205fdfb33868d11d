package policy

import (
	"sync/atomic"
	"time"
)

// Stats are the counters of one service, safe for concurrent use.
type Stats struct {
	Calls     atomic.Int64 // Checks made
	Errors    atomic.Int64 // Checks that failed and got the default decision
	FailOpen  atomic.Int64 // failed Checks whose default let the mail through
	LatencyNS atomic.Int64 // sum of Check durations, nanoseconds
	Decisions [len(kindNames)]atomic.Int64
}

func (s *Stats) record(o Outcome, d time.Duration) {
	s.Calls.Add(1)
	s.LatencyNS.Add(int64(d))
	if o.Err != nil {
		s.Errors.Add(1)
		if k := o.Decision.Kind; k != Reject && k != Defer {
			s.FailOpen.Add(1)
		}
	}
	if int(o.Decision.Kind) < len(s.Decisions) {
		s.Decisions[o.Decision.Kind].Add(1)
	}
}

// Kinds lists the decision kinds in Decisions order, for metric labels.
func Kinds() []Kind {
	out := make([]Kind, len(kindNames))
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}
