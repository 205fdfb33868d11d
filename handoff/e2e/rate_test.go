package e2e

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	ht "sluice/handoff/handofftest"
)

// TestPassThroughRate measures (it asserts nothing about speed) sustained
// pass-through against ingress only, interleaved rounds on the same
// machine: N messages in over 8 SMTP sessions, (a) kept in the spool, (b)
// handed off to smtp-sink over SMTP and acked, timed until the spool is
// empty. It logs messages per second and the process CPU per message
// (client included: the daemon runs in-process). Run by
// scripts/handoff-e2e.sh -rate; skipped otherwise.
func TestPassThroughRate(t *testing.T) {
	if os.Getenv("SLUICE_HANDOFF_RATE") == "" {
		t.Skip("set SLUICE_HANDOFF_RATE=1 (scripts/handoff-e2e.sh -rate)")
	}
	n := count()
	rounds := 3
	if r, err := strconv.Atoi(os.Getenv("SLUICE_HANDOFF_RATE")); err == nil && r > 1 {
		rounds = r
	}
	sk := ht.StartSink(t, false)
	for _, be := range backends(t) {
		var rate [2][]float64
		var cpu [2][]float64
		for r := 0; r < rounds; r++ {
			for mode := 0; mode < 2; mode++ {
				conf := confHead
				if mode == 1 {
					conf += "Handoff {\n  Target \"smtp://" + sk.Addr + "\" { Connections = 8 }\n}\n"
				}
				d, port, _ := startDaemon(t, be, conf)
				c0, t0 := cpuTime(), time.Now()
				send(t, port, r*n, (r+1)*n, 8)
				if mode == 1 {
					drained(t, d, 5*time.Minute)
				}
				el, c := time.Since(t0), cpuTime()-c0
				d.Shutdown(t.Context())
				rate[mode] = append(rate[mode], float64(n)/el.Seconds())
				cpu[mode] = append(cpu[mode], float64(c.Microseconds())/float64(n))
			}
		}
		for mode, name := range []string{"ingress only", "pass-through to smtp-sink"} {
			t.Logf("%s %s: %.0f msg/s (rounds %v), %.0f µs CPU/msg incl. client (rounds %v)",
				be, name, median(rate[mode]), round0(rate[mode]), median(cpu[mode]), round0(cpu[mode]))
		}
		t.Logf("%s pass-through / ingress throughput: %.2f", be, median(rate[1])/median(rate[0]))
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func round0(v []float64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x + 0.5)
	}
	return out
}
