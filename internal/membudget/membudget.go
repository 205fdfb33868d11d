// Package membudget is the daemon-wide budget for message data held in
// memory (issue 21 item 1): DATA/BDAT buffers, HTTP request bodies and
// rendered messages, ECStream Batch frames. Sessions grow their buffers
// through Grow, which takes the new capacity from the budget before it
// allocates; when the budget is spent the caller answers a temporary
// failure (SMTP 452 4.3.1, HTTP 503, ECStream 451) instead of growing, so
// the daemon's RSS stays near the budget whatever clients send.
//
// The budget is one process-wide atomic counter: a Take is one CAS, done
// only when a buffer's capacity grows (geometrically), never per read.
// Limit 0 means no budget. Buffers are accounted by capacity, which is
// what they cost.
package membudget

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

var (
	limit   atomic.Int64
	used    atomic.Int64
	refused atomic.Uint64
)

// SetLimit sets the budget in bytes; 0 = unlimited. Bytes already held
// stay held; a smaller limit only refuses new growth.
func SetLimit(n int64) { limit.Store(max(n, 0)) }

// Limit is the budget in bytes (0 = unlimited).
func Limit() int64 { return limit.Load() }

// Used is the number of bytes held now.
func Used() int64 { return used.Load() }

// Refused counts the growths refused since start.
func Refused() uint64 { return refused.Load() }

// Take takes n bytes from the budget, or reports false and takes nothing.
func Take(n int64) bool {
	for {
		u := used.Load()
		if lim := limit.Load(); lim > 0 && u+n > lim {
			refused.Add(1)
			return false
		}
		if used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// Give returns n bytes taken earlier.
func Give(n int64) { used.Add(-n) }

// Grow returns buf with room for n more bytes, its extra capacity taken
// from the budget and added to *held (the caller's running account). On
// refusal buf is returned unchanged with false. Small buffers double;
// past 1 MiB they grow by a quarter, so a large message costs about 1.25×
// its size instead of up to 2×.
func Grow(buf []byte, held *int64, n int) ([]byte, bool) {
	need := len(buf) + n
	if need <= cap(buf) {
		return buf, true
	}
	c := cap(buf)
	switch {
	case c < 4096:
		c = 4096
	case c < 1<<20:
		c *= 2
	default:
		c += c / 4
	}
	c = max(c, need)
	if !Take(int64(c - cap(buf))) {
		return buf, false
	}
	*held += int64(c - cap(buf))
	nb := make([]byte, len(buf), c)
	copy(nb, buf)
	return nb, true
}

// Release gives back everything in *held and zeroes it; call it when the
// buffer accounted there is dropped.
func Release(held *int64) {
	if *held != 0 {
		Give(*held)
		*held = 0
	}
}

// DefaultLimit is a quarter of the memory this process may use: the
// cgroup's memory.max when set, else MemTotal; 256 MiB when neither can be
// read.
func DefaultLimit() int64 {
	m := memTotal()
	if c := cgroupMax(); c > 0 && (m == 0 || c < m) {
		m = c
	}
	if m <= 0 {
		return 256 << 20
	}
	return m / 4
}

func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

func cgroupMax() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < 1<<60 {
			return n
		}
	}
	return 0
}
