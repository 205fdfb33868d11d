package http

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// SummaryKeys are the Momentum /stats/summary fields (momentum-spec §11.1)
// that mean something for an ingress node, in the order they are written.
// Summary may return other keys too; they follow, sorted.
var SummaryKeys = []string{
	"InboundConcurrency",
	"ReceivedMessages",
	"RejectedMessages",
	"ReceptionRate",
	"RejectionRate",
	"RejectionPercentage",
	"StatisticsLastReset",
	"Uptime",
}

// The methods below run on a Host.Go goroutine, never on a worker.

func (f *Factory) summary() (string, error) {
	return encodeSummary(f.o.Summary())
}

func (f *Factory) resetSummary() (string, error) {
	f.o.ResetSummary()
	return `{"message":"statistics cleared"}`, nil
}

func (f *Factory) ready() (string, error) {
	ok, why := f.o.Ready()
	if ok {
		return "", nil
	}
	if why == "" {
		why = "not ready"
	}
	return "", errors.New(why)
}

func (f *Factory) metrics() (string, error) {
	var b strings.Builder
	err := f.o.Metrics(&b)
	return b.String(), err
}

// encodeSummary writes m as a JSON object, SummaryKeys first.
func encodeSummary(m map[string]any) (string, error) {
	keys := make([]string, 0, len(m))
	for _, k := range SummaryKeys {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	rest := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(SummaryKeys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	keys = append(keys, rest...)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		v, err := json.Marshal(m[k])
		if err != nil {
			return "", err
		}
		b = append(b, v...)
	}
	return string(append(b, '}')), nil
}
