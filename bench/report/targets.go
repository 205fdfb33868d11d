package report

import (
	"fmt"
	"math"

	"sluice/bench/load"
)

// Case names scripts/bench.sh uses; the targets refer to them.
const (
	CaseKeptOpen = "smtp-kept-open-1k"
	CaseSession  = "smtp-session-1k"
	CaseIdle     = "idle-100k"
	Candidate    = "sluice-uring"

	EpollLabel = "sluice-epoll"
	ShmLabel   = "sluice-uring-shm" // spool on tmpfs: the protocol path without disk cost

	CasePlainKeptOpen = "smtp-plain-kept-open-1k"
	CaseTLSKeptOpen   = "smtp-tls-kept-open-1k"
	CaseTLSSession    = "smtp-tls-session-1k"
	CaseIdleTLS       = "idle-tls"
)

// CaseOrder lists scripts/bench.sh's cases in the order tables show them.
var CaseOrder = []string{CaseKeptOpen, CaseSession, "smtp-pipelined-1k", "connrate",
	"http-keepalive-1k", "http-close-1k", "ecstream-1k", CasePlainKeptOpen, CaseTLSKeptOpen, CaseTLSSession,
	"smtp-tls-session-resume-1k", CaseIdle, CaseIdleTLS}

// Target is one line of the target table, evaluated.
type Target struct {
	Name   string  `json:"name"`
	Value  Stat    `json:"value"`
	Limit  float64 `json:"limit"`
	Unit   string  `json:"unit"`
	Status string  `json:"status"` // met, missed, not measured
}

// Targets evaluates the performance issues' tables against the aggregated
// cases: durable (disk spool) at or below the discard sink on server and on
// whole-machine CPU, the protocol path (tmpfs) at two thirds of it, idle
// memory, and epoll against io_uring (each pairs runs of the same round).
func Targets(cases []Case, results []*load.Result, ref string) []Target {
	ratio := func(name, label string) Stat {
		r, _ := Find(cases, name, label)
		return r.RatioToRef // rounds whose reference is off its median left out
	}
	machine := func(r *load.Result) float64 {
		if r.Server == nil || r.Server.MachineUsPerOp == 0 {
			return math.NaN()
		}
		return r.Server.MachineUsPerOp
	}
	idle, _ := Find(cases, CaseIdle, Candidate)
	held := int64(0)
	for _, r := range results {
		if r.Case == CaseIdle && r.Label == Candidate {
			held = max(held, r.Ops)
		}
	}
	ts := []Target{
		{Name: "durable, kept-open 1 KiB ×20: server CPU/message vs " + ref, Value: ratio(CaseKeptOpen, Candidate), Limit: 1.0, Unit: "×"},
		{Name: "durable, new session per message: server CPU/session vs " + ref, Value: ratio(CaseSession, Candidate), Limit: 1.0, Unit: "×"},
		{Name: "durable, kept-open: whole-machine CPU/message vs " + ref, Value: PairRatioBy(results, CaseKeptOpen, Candidate, ref, machine), Limit: 1.0, Unit: "×"},
		{Name: "durable, new session: whole-machine CPU/session vs " + ref, Value: PairRatioBy(results, CaseSession, Candidate, ref, machine), Limit: 1.0, Unit: "×"},
		{Name: "protocol path (tmpfs spool), kept-open: server CPU/message vs " + ref, Value: ratio(CaseKeptOpen, ShmLabel), Limit: 0.67, Unit: "×"},
		{Name: "protocol path (tmpfs spool), new session: server CPU/session vs " + ref, Value: ratio(CaseSession, ShmLabel), Limit: 0.67, Unit: "×"},
		{Name: "STARTTLS kept-open: sluice CPU/message vs its own plaintext (same client)", Value: CrossRatio(results, Candidate, CaseTLSKeptOpen, CasePlainKeptOpen), Limit: 1.3, Unit: "×"},
		{Name: "STARTTLS, full handshake per session: sluice CPU/session vs postfix-hold", Value: PairRatio(results, CaseTLSSession, Candidate, "postfix-hold"), Limit: 0.33, Unit: "×"},
		{Name: "idle STARTTLS connection: server RSS beyond an idle plaintext one", Value: idleTLSExtra(cases), Limit: 4096, Unit: "B"},
		{Name: fmt.Sprintf("idle connections (target at 100,000; %d held): server RSS per connection", held), Value: idle.RSSPerConn, Limit: 2560, Unit: "B"},
		{Name: "epoll back end CPU/message vs io_uring (kept-open)", Value: PairRatio(results, CaseKeptOpen, EpollLabel, Candidate), Limit: 1.25, Unit: "×"},
	}
	for i := range ts {
		switch t := &ts[i]; {
		case t.Value.N == 0:
			t.Status = "not measured"
		case t.Value.Median <= t.Limit:
			t.Status = "met"
		default:
			t.Status = "missed"
		}
	}
	return ts
}

// idleTLSExtra is the candidate's RSS per idle TLS connection less its RSS
// per idle plaintext connection.
func idleTLSExtra(cases []Case) Stat {
	t, _ := Find(cases, CaseIdleTLS, Candidate)
	p, _ := Find(cases, CaseIdle, Candidate)
	if t.RSSPerConn.N == 0 || p.RSSPerConn.N == 0 {
		return Stat{}
	}
	d := t.RSSPerConn.Median - p.RSSPerConn.Median
	return Stat{Median: d, Min: d, Max: d, N: 1}
}

// CrossRatio is the per-round ratio of one server's CPU/op in case a to
// its CPU/op in case b (TLS against plaintext, same client).
func CrossRatio(results []*load.Result, label, a, b string) Stat {
	return roundRatio(results, func(r *load.Result) bool { return r.Case == a && r.Label == label },
		func(r *load.Result) bool { return r.Case == b && r.Label == label }, cpuPerOp)
}

// PairRatio is the per-round ratio of a's server CPU/op to b's in one case.
func PairRatio(results []*load.Result, name, a, b string) Stat {
	return PairRatioBy(results, name, a, b, cpuPerOp)
}

// PairRatioBy is the per-round ratio of a's metric to b's in one case.
func PairRatioBy(results []*load.Result, name, a, b string, metric func(*load.Result) float64) Stat {
	return roundRatio(results, func(r *load.Result) bool { return r.Case == name && r.Label == a },
		func(r *load.Result) bool { return r.Case == name && r.Label == b }, metric)
}

// roundRatio divides the metric of each run num picks by that of the run
// den picks in the same round.
func roundRatio(results []*load.Result, num, den func(*load.Result) bool, metric func(*load.Result) float64) Stat {
	base := map[int]float64{}
	for _, r := range results {
		if den(r) {
			base[r.Round] = metric(r)
		}
	}
	var xs []float64
	for _, r := range results {
		if v, ok := base[r.Round]; ok && num(r) && v > 0 {
			xs = append(xs, metric(r)/v)
		}
	}
	return StatOf(xs)
}

// fmtStat prints "median (min–max)" with the given precision; "—" when empty.
func fmtStat(s Stat, prec int) string {
	if s.N == 0 || math.IsNaN(s.Median) {
		return "—"
	}
	if s.N == 1 || s.Min == s.Max {
		return fmt.Sprintf("%.*f", prec, s.Median)
	}
	return fmt.Sprintf("%.*f (%.*f–%.*f)", prec, s.Median, prec, s.Min, prec, s.Max)
}
