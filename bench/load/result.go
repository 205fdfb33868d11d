package load

import (
	"encoding/json"
	"os"
	"time"

	"sluice/bench/hist"
)

// Server holds what was measured during the run: the server's whole process
// tree (children that exited included), and the whole machine's busy CPU less
// the client's own (so kernel threads — journal commits, io-wq workers,
// softirq — count for every server wherever they run).
type Server struct {
	PID          int     `json:"pid"`
	CPUSeconds   float64 `json:"cpu_s"` // the server's process tree
	UserSeconds  float64 `json:"user_s"`
	SysSeconds   float64 `json:"sys_s"`
	CPUUtil      float64 `json:"cpu_util"`      // CPU seconds / wall seconds
	CPUUsPerOp   float64 `json:"cpu_us_per_op"` // the primary metric
	Syscalls     uint64  `json:"syscalls,omitempty"`
	SyscallsOp   float64 `json:"syscalls_per_op,omitempty"`
	CtxSwitchOp  float64 `json:"ctx_switches_per_op,omitempty"`
	PerfNote     string  `json:"perf_note,omitempty"`
	RSSBefore    uint64  `json:"rss_before_bytes"`
	RSSAfter     uint64  `json:"rss_after_bytes"`
	RSSPerConn   float64 `json:"rss_per_conn_bytes,omitempty"` // idle-hold only
	CPUUsPerConn float64 `json:"cpu_us_per_conn,omitempty"`    // idle-hold: accept + greet

	ClientCPUSeconds  float64 `json:"client_cpu_s,omitempty"`
	MachineCPUSeconds float64 `json:"machine_cpu_s,omitempty"`     // all cores, less the client
	MachineUsPerOp    float64 `json:"machine_us_per_op,omitempty"` // the whole-machine measure
}

// Result is one run, written as JSON by -json.
type Result struct {
	Case       string       `json:"case"`
	Scenario   string       `json:"scenario"`
	Label      string       `json:"label"`
	Round      int          `json:"round"`
	Addr       string       `json:"addr,omitempty"`
	Mode       string       `json:"mode"`
	Conns      int          `json:"conns"`
	Size       int          `json:"size"`
	Pipelining bool         `json:"pipelining,omitempty"`
	StartTLS   string       `json:"starttls,omitempty"`
	HTTPClose  bool         `json:"http_close,omitempty"`
	Batch      int          `json:"batch,omitempty"`
	Rcpts      int          `json:"rcpts,omitempty"`
	Subst      bool         `json:"subst,omitempty"`
	Rate       float64      `json:"rate,omitempty"`
	Command    []string     `json:"command,omitempty"`
	Start      time.Time    `json:"start"`
	Seconds    float64      `json:"seconds"`
	Ops        int64        `json:"ops"`
	Errors     int64        `json:"errors"`
	FirstError string       `json:"first_error,omitempty"`
	OpsPerSec  float64      `json:"ops_per_s"`
	Latency    hist.Summary `json:"latency"`
	Server     *Server      `json:"server,omitempty"`
}

func newResult(c *Config) *Result {
	return &Result{Case: c.Case, Scenario: c.Scenario, Label: c.Label, Round: c.Round, Addr: c.Addr, Mode: c.Mode(),
		Conns: c.Conns, Size: c.Size, Pipelining: c.Pipelining, StartTLS: c.StartTLS, HTTPClose: c.HTTPClose,
		Batch: c.Batch, Rcpts: c.Rcpts, Subst: c.Subst, Rate: c.Rate, Command: c.Command, Start: time.Now().UTC()}
}

// WriteJSON writes r to path, indented.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
