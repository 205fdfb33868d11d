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
	"strconv"
	"syscall"
	"time"

	"sluice/config"
	"sluice/daemon"
	"sluice/internal/systemd"
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
	opts := daemon.Options{ConfigPath: *cfgPath, Config: c, EventLoop: *eventLoop,
		Workers: *workers, SpoolDir: *spoolDir, MetricsAddr: *metricsAt, Log: log}
	// Sockets from a predecessor (upgrade) or from systemd (socket
	// activation) are served instead of bound.
	succ, inherited, err := receiveHandover()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if succ != nil {
		opts.Inherited, opts.BeforeSpool = inherited, succ.bound
		if succ.meta.Workers > 0 {
			opts.Workers = succ.meta.Workers
		}
	} else if fds, _ := systemd.ListenFDs(); len(fds) > 0 {
		for _, fd := range fds {
			opts.Inherited = append(opts.Inherited, daemon.InheritedSocket{FD: fd})
		}
		log.Info("socket activation", "sockets", len(fds))
	}
	d, err := daemon.New(opts)
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
	if succ != nil {
		succ.serving()
	}
	systemd.Notify("READY=1\nSTATUS=serving\nMAINPID=" + strconv.Itoa(os.Getpid()))
	stopDog := make(chan struct{})
	defer close(stopDog)
	go systemd.Watchdog(stopDog, d.Alive)
	return serve(d, log, *drain, exe, args)
}

// exe is this binary's path as started, resolved before anything can
// replace the file: an upgrade runs whatever is at that path then.
var exe, _ = os.Executable()

// serve runs until SIGTERM/SIGINT or a console shutdown; SIGHUP reloads;
// SIGUSR2 or console "upgrade" hands over to a new binary.
func serve(d *daemon.Daemon, log *slog.Logger, drain time.Duration, exe string, args []string) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR2)
	for {
		select {
		case s := <-sigs:
			switch s {
			case syscall.SIGHUP:
				systemd.Notify("RELOADING=1")
				if text, err := d.Reload(""); err != nil {
					log.Error("reload failed; the old configuration keeps serving", "err", err)
				} else {
					log.Info("reloaded", "result", text)
				}
				systemd.Notify("READY=1")
				continue
			case syscall.SIGUSR2:
				if upgrade(d, log, drain, exe, args) {
					return 0
				}
				continue
			}
			log.Info("shutting down", "signal", s.String(), "drain", drain)
		case <-d.UpgradeRequests():
			if upgrade(d, log, drain, exe, args) {
				return 0
			}
			continue
		case <-d.Done():
			log.Info("shutting down", "reason", "console shutdown")
		}
		systemd.Notify("STOPPING=1")
		ctx, cancel := context.WithTimeout(context.Background(), drain)
		err := d.Shutdown(ctx)
		cancel()
		if err != nil {
			log.Warn("shutdown", "err", err)
		}
		return 0
	}
}
