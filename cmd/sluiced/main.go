// Command sluiced is the sluice ingress daemon. It is wiring only: flags,
// logging, signals; the daemon package does the work.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sluice/config"
	"sluice/daemon"
	"sluice/metrics"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluiced", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfgPath   = fs.String("config", "", "config file (default: the embedded default config)")
		check     = fs.Bool("check", false, "validate the config (TLS files loaded), print warnings, exit 0 (valid) or 1")
		strict    = fs.Bool("strict", false, "with -check: every warning is an error (exit 1)")
		dump      = fs.Bool("dump", false, "print every effective option value and where it came from")
		printDef  = fs.Bool("print-default-config", false, "print the embedded default config")
		eventLoop = fs.String("event-loop", "", "auto, io_uring or epoll (default: config Event_Loop_Backend, else auto)")
		workers   = fs.Int("workers", 0, "worker threads (default: config Workers, else GOMAXPROCS)")
		spoolDir  = fs.String("spool", "", "spool directory (overrides Spoolbase)")
		metricsAt = fs.String("metrics", "", "address for /metrics (overrides Metrics_Listen; \"off\" disables)")
		logFormat = fs.String("log-format", "", "text or json (default: config Log_Format, else text)")
		logLevel  = fs.String("log-level", "info", "debug, info, warn or error")
		drain     = fs.Duration("drain", 30*time.Second, "how long SIGTERM waits for sessions to finish")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *printDef {
		stdout.Write(config.DefaultSource())
		return 0
	}
	if *check || *dump {
		return checkConfig(*cfgPath, *dump, *strict, stdout, stderr)
	}
	c, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	g := c.Global()
	log, err := metrics.NewLogger(firstNonEmpty(*logFormat, g.String("log_format")), *logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sluiced:", err)
		return 2
	}
	d, err := daemon.New(daemon.Options{ConfigPath: *cfgPath, Config: c, EventLoop: *eventLoop,
		Workers: *workers, SpoolDir: *spoolDir, MetricsAddr: *metricsAt, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "sluiced:", err)
		return 1
	}
	pid, err := writePidfile(g.String("pidfile"))
	if err != nil {
		log.Error("pidfile", "err", err)
		d.Shutdown(context.Background())
		return 1
	}
	defer pid.remove()
	return serve(d, log, *drain)
}

// serve runs until SIGTERM/SIGINT or a console shutdown; SIGHUP reloads.
func serve(d *daemon.Daemon, log *slog.Logger, drain time.Duration) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				if text, err := d.Reload(""); err != nil {
					log.Error("reload failed; the old configuration keeps serving", "err", err)
				} else {
					log.Info("reloaded", "result", text)
				}
				continue
			}
			log.Info("shutting down", "signal", s.String(), "drain", drain)
		case <-d.Done():
			log.Info("shutting down", "reason", "console shutdown")
		}
		ctx, cancel := context.WithTimeout(context.Background(), drain)
		err := d.Shutdown(ctx)
		cancel()
		if err != nil {
			log.Warn("shutdown", "err", err)
		}
		return 0
	}
}
