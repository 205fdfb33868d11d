package load

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// runExec runs an external client (smtp-source, wrk) to completion while
// measuring the server; c.Ops says how many operations the client performs
// (smtp-source -m). The client's output goes to stderr.
func runExec(ctx context.Context, c *Config) (*Result, error) {
	cmd := exec.CommandContext(ctx, c.Command[0], c.Command[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	pr, err := startProbe(c.ServerPID, c.Perf)
	if err != nil {
		return nil, err
	}
	res := newResult(c)
	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start)
	if res.Server, err = pr.stop(c.Ops); err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, fmt.Errorf("load: %s: %w", c.Command[0], runErr)
	}
	res.Seconds, res.Ops = elapsed.Seconds(), c.Ops
	res.OpsPerSec = float64(c.Ops) / elapsed.Seconds()
	return res, nil
}
