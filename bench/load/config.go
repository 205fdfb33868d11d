package load

import (
	"errors"
	"fmt"
	"time"
)

// Scenario names, as accepted by sluice-bench.
const (
	SMTPKeepalive = "smtp-keepalive"
	SMTPSession   = "smtp-session"
	ConnRate      = "connrate"
	IdleHold      = "idle-hold"
	HTTP          = "http"
	ECStream      = "ecstream"
	Exec          = "exec"
)

// Scenarios lists every scenario name.
var Scenarios = []string{SMTPKeepalive, SMTPSession, ConnRate, IdleHold, HTTP, ECStream, Exec}

// Config describes one run.
type Config struct {
	Scenario   string
	Case       string // what is compared across servers ("smtp-kept-open-1k")
	Label      string // server name in the results ("sluice-uring", "smtp-sink")
	Round      int    // round number when run by scripts/bench.sh
	Addr       string // host:port
	Conns      int    // workers (sessions, connections)
	Duration   time.Duration
	Ops        int64   // stop after this many ops (0: duration only)
	Rate       float64 // open loop: ops per second over all workers (0: closed loop)
	Size       int     // message body bytes
	Pipelining bool    // SMTP: send MAIL, RCPT, DATA in one write (RFC 2920)
	StartTLS   string  // SMTP: TLSOff, TLSFull or TLSResume
	TLSVersion string  // SMTP with StartTLS: "1.2" caps the version; default up to 1.3
	HTTPClose  bool    // HTTP: one connection per request
	Batch      int     // ECStream: messages per batch
	Rcpts      int     // transmission: recipients per request
	Subst      bool    // transmission: substitution data per recipient
	Timeout    time.Duration
	ServerPID  int  // measure this process's CPU and RSS (0: no server figures)
	Perf       bool // count syscalls with perf stat when it works
	Progress   bool // draw a progress bar (callers set it when stdout is a terminal)

	// idle-hold
	PerSource int    // connections per source address
	SourceNet string // first source address, e.g. 127.0.1.1
	Settle    time.Duration

	// exec
	Command []string
}

// Defaults returns the configuration of a plain `sluice-bench smtp-keepalive`.
func Defaults() Config {
	return Config{
		Scenario: SMTPKeepalive, Addr: "127.0.0.1:2525", Conns: 20, Duration: 5 * time.Second,
		Size: 1024, Batch: 100, Rcpts: 1, Timeout: 10 * time.Second, Perf: true,
		PerSource: 20000, SourceNet: "127.0.1.1", Settle: time.Second,
	}
}

// Validate reports the first impossible setting, with the flag to fix.
func (c *Config) Validate() error {
	known := false
	for _, s := range Scenarios {
		known = known || s == c.Scenario
	}
	switch {
	case !known:
		return fmt.Errorf("load: unknown scenario %q (one of %v)", c.Scenario, Scenarios)
	case c.Scenario == Exec && len(c.Command) == 0:
		return errors.New("load: exec needs a command after --")
	case c.Scenario == Exec && c.Ops <= 0:
		return errors.New("load: exec needs -ops (how many operations the command performs)")
	case c.Scenario != Exec && c.Addr == "":
		return errors.New("load: -addr is empty")
	case c.Conns <= 0:
		return fmt.Errorf("load: -conns %d must be positive", c.Conns)
	case c.Duration <= 0 && c.Ops <= 0 && c.Scenario != Exec && c.Scenario != IdleHold:
		return errors.New("load: give -duration or -ops")
	case c.Rate < 0:
		return errors.New("load: -rate must be >= 0")
	case c.Size < 0 || c.Size > 64<<20:
		return fmt.Errorf("load: -size %d out of range 0..64 MiB", c.Size)
	case c.Scenario == ECStream && c.Batch <= 0:
		return errors.New("load: -batch must be positive")
	case c.Scenario == IdleHold && c.PerSource <= 0:
		return errors.New("load: -per-source must be positive")
	case c.StartTLS != TLSOff && c.StartTLS != TLSFull && c.StartTLS != TLSResume:
		return fmt.Errorf("load: -starttls %q: off, full or resume", c.StartTLS)
	case c.TLSVersion != "" && c.TLSVersion != "1.2" && c.TLSVersion != "1.3":
		return fmt.Errorf("load: -tls-version %q: 1.2 or 1.3", c.TLSVersion)
	case c.Timeout <= 0:
		return errors.New("load: -timeout must be positive")
	}
	return nil
}

// Mode is "open" or "closed".
func (c *Config) Mode() string {
	if c.Rate > 0 {
		return "open"
	}
	return "closed"
}
