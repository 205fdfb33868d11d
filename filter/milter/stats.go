package milter

import (
	"sync/atomic"
	"time"
)

// Stats are the counters of one milter, safe for concurrent use.
type Stats struct {
	Calls     atomic.Int64 // messages sent through the milter
	Errors    atomic.Int64 // runs that failed and got the default action
	FailOpen  atomic.Int64 // failed runs whose default let the message through
	LatencyNS atomic.Int64 // sum of run durations, nanoseconds
	Decisions [len(kindNames)]atomic.Int64
}

func (s *Stats) record(v Verdict, d time.Duration) {
	s.Calls.Add(1)
	s.LatencyNS.Add(int64(d))
	if v.Err != nil {
		s.Errors.Add(1)
		if v.Kind == Continue {
			s.FailOpen.Add(1)
		}
	}
	s.Decisions[v.Kind].Add(1)
}

// KindNames lists the decision names in Decisions order, for metric labels.
func KindNames() []string { return kindNames[:] }
