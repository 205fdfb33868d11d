// Package cli is sluice-bench's command line: argument parsing, the run,
// the human summary and the JSON file. cmd/sluice-bench only calls Main.
//
// Usage:
//
//	sluice-bench SCENARIO [flags]            (or -scenario SCENARIO)
//	sluice-bench exec -ops N [flags] -- CLIENT ARGS...
//	sluice-bench report -raw DIR -out DIR [-doc FILE]
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"sluice/bench/load"
	"sluice/bench/report"
)

// Options is a parsed command line for a run.
type Options struct {
	Config   load.Config
	JSONPath string
	Progress string // auto, on, off
	Quiet    bool
}

// onOff is a flag accepting on/off as well as Go's boolean spellings.
type onOff struct{ v *bool }

func (o onOff) String() string {
	if o.v != nil && *o.v {
		return "on"
	}
	return "off"
}

func (o onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "1", "yes":
		*o.v = true
	case "off", "false", "0", "no":
		*o.v = false
	default:
		return fmt.Errorf("want on or off, got %q", s)
	}
	return nil
}

// Parse reads a run's arguments. A leading non-flag word is the scenario;
// everything after "--" is the external client command (exec).
func Parse(args []string, stderr io.Writer) (*Options, error) {
	o := &Options{Config: load.Defaults(), Progress: "auto"}
	c := &o.Config
	if i := slices.Index(args, "--"); i >= 0 {
		c.Command = slices.Clone(args[i+1:])
		args = args[:i]
	}
	scenarioSet := false
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.Scenario, args, scenarioSet = args[0], args[1:], true
	}
	fs := flag.NewFlagSet("sluice-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "one of "+strings.Join(load.Scenarios, ", ")+" (default "+c.Scenario+")")
	fs.StringVar(&c.Case, "case", "", "case name grouping runs in a report (default: the scenario)")
	fs.StringVar(&c.Label, "label", "", "server name written in the results")
	fs.IntVar(&c.Round, "round", 0, "round number (scripts/bench.sh)")
	fs.StringVar(&c.Addr, "addr", c.Addr, "server address host:port")
	fs.IntVar(&c.Conns, "conns", c.Conns, "concurrent sessions/connections (idle-hold: connections to hold)")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "run time (idle-hold: how long to hold after measuring)")
	fs.Int64Var(&c.Ops, "ops", 0, "stop after N requests (exec: operations the client performs)")
	fs.Float64Var(&c.Rate, "rate", 0, "open loop: requests per second over all connections (0: closed loop)")
	fs.IntVar(&c.Size, "size", c.Size, "message size in bytes")
	fs.Var(onOff{&c.Pipelining}, "pipelining", "SMTP PIPELINING of MAIL/RCPT/DATA: on or off")
	starttls := fs.String("starttls", "off", "SMTP: off, full (STARTTLS, full handshake per session) or resume (tickets after the first)")
	fs.StringVar(&c.TLSVersion, "tls-version", "", "SMTP with -starttls: 1.2 or 1.3 (default: up to 1.3)")
	fs.BoolVar(&c.HTTPClose, "http-close", false, "HTTP: one connection per request (Connection: close)")
	fs.IntVar(&c.Batch, "batch", c.Batch, "ECStream: messages per batch")
	fs.IntVar(&c.Rcpts, "rcpts", c.Rcpts, "transmission: recipients per request (ops count recipients)")
	fs.BoolVar(&c.Subst, "subst", false, "transmission: per-recipient substitution_data and a template using it")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "per-operation timeout")
	fs.IntVar(&c.ServerPID, "server-pid", 0, "server process to measure (CPU µs/op, RSS, syscalls)")
	fs.Var(onOff{&c.Perf}, "perf", "count syscalls/op with perf stat when it works: on or off")
	fs.IntVar(&c.PerSource, "per-source", c.PerSource, "idle-hold: connections per source address")
	fs.StringVar(&c.SourceNet, "source", c.SourceNet, "idle-hold: first source address in 127.0.0.0/8")
	fs.DurationVar(&c.Settle, "settle", c.Settle, "idle-hold: wait before sampling RSS")
	fs.StringVar(&o.JSONPath, "json", "", "write the result as JSON to this file")
	fs.StringVar(&o.Progress, "progress", "auto", "progress bar: auto (when stdout is a terminal), on, off")
	fs.BoolVar(&o.Quiet, "quiet", false, "no summary line")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *starttls != "off" {
		c.StartTLS = *starttls
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("sluice-bench: unexpected argument %q (flags go after the scenario; a client command after --)", fs.Arg(0))
	}
	if *scenario != "" {
		if scenarioSet && *scenario != c.Scenario {
			return nil, fmt.Errorf("sluice-bench: scenario %q and -scenario %q disagree", c.Scenario, *scenario)
		}
		c.Scenario = *scenario
	}
	if c.Case == "" {
		c.Case = c.Scenario
	}
	if c.Label == "" {
		c.Label = c.Scenario
	}
	if !slices.Contains([]string{"auto", "on", "off"}, o.Progress) {
		return nil, fmt.Errorf("sluice-bench: -progress %q: want auto, on or off", o.Progress)
	}
	if len(c.Command) > 0 && c.Scenario != load.Exec {
		return nil, fmt.Errorf("sluice-bench: a command after -- needs the exec scenario")
	}
	return o, c.Validate()
}

// Main runs sluice-bench and returns the exit status.
func Main(args []string, stdout, stderr io.Writer, isTerminal bool) int {
	if len(args) > 0 && args[0] == "report" {
		if err := report.Main(args[1:], stdout, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	o, err := Parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, err)
		}
		return 2
	}
	o.Config.Progress = o.Progress == "on" || (o.Progress == "auto" && isTerminal)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := load.Run(ctx, o.Config, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "sluice-bench:", err)
		return 1
	}
	if !o.Quiet {
		fmt.Fprintln(stdout, Summary(res))
	}
	if o.JSONPath != "" {
		if err := res.WriteJSON(o.JSONPath); err != nil {
			fmt.Fprintln(stderr, "sluice-bench:", err)
			return 1
		}
	}
	if res.Ops == 0 {
		fmt.Fprintln(stderr, "sluice-bench: no operation succeeded:", res.FirstError)
		return 1
	}
	return 0
}

// Summary is the one-line human form of a result.
func Summary(r *load.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d ops in %.2fs = %.0f/s", r.Scenario, r.Label, r.Ops, r.Seconds, r.OpsPerSec)
	if r.Errors > 0 {
		fmt.Fprintf(&b, ", %d errors (first: %s)", r.Errors, r.FirstError)
	}
	if r.Latency.Count > 0 {
		fmt.Fprintf(&b, "; latency p50 %.0f p99 %.0f p99.9 %.0f µs", r.Latency.P50Us, r.Latency.P99Us, r.Latency.P999Us)
	}
	if s := r.Server; s != nil {
		fmt.Fprintf(&b, "; server %.1f µs CPU/op", s.CPUUsPerOp)
		if s.CPUUtil > 0 {
			fmt.Fprintf(&b, " at %.0f%% CPU", 100*s.CPUUtil)
		}
		if s.SyscallsOp > 0 {
			fmt.Fprintf(&b, ", %.2f syscalls/op, %.3f ctx-sw/op", s.SyscallsOp, s.CtxSwitchOp)
		}
		if s.RSSPerConn != 0 {
			fmt.Fprintf(&b, ", RSS %.0f B/conn (%.1f → %.1f MiB)", s.RSSPerConn, float64(s.RSSBefore)/(1<<20), float64(s.RSSAfter)/(1<<20))
		}
	}
	return b.String()
}
