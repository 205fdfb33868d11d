package hist

import "time"

// Summary is the JSON form of a latency histogram, in microseconds.
type Summary struct {
	Count  uint64  `json:"count"`
	MinUs  float64 `json:"min_us"`
	MeanUs float64 `json:"mean_us"`
	P50Us  float64 `json:"p50_us"`
	P90Us  float64 `json:"p90_us"`
	P99Us  float64 `json:"p99_us"`
	P999Us float64 `json:"p99_9_us"`
	MaxUs  float64 `json:"max_us"`
}

func us(ns uint64) float64 { return float64(ns) / float64(time.Microsecond) }

// Summarize reports the usual percentiles of h (recorded in nanoseconds).
func (h *Hist) Summarize() Summary {
	return Summary{
		Count:  h.n,
		MinUs:  us(h.min),
		MeanUs: h.Mean() / float64(time.Microsecond),
		P50Us:  us(h.ValueAt(0.50)),
		P90Us:  us(h.ValueAt(0.90)),
		P99Us:  us(h.ValueAt(0.99)),
		P999Us: us(h.ValueAt(0.999)),
		MaxUs:  us(h.max),
	}
}
