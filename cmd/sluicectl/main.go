// Command sluicectl is sluice's operator tool: the console client (one
// command from the command line, an interactive prompt, or a batch from
// stdin; see docs/console.md) and "sluicectl spool" (spool.go).
//
// Exit status: 0 the command (every command, in batch mode) answered ok;
// 1 a command answered another status; 2 usage error; 3 cannot connect, log
// in or read the answer.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"sluice/proto/control"
)

const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitConnFail = 3
)

const usage = `usage: sluicectl [-s SOCKET|HOST:PORT] [-u USER] [-p PASSWORD] [-t TIMEOUT] [-json] [COMMAND...]
       sluicectl spool ls|cat|export|dead ...
       sluicectl apikey add|ls|rm -file FILE ...
       sluicectl cluster nodes | cluster config status | cluster config push [FILE]

  With COMMAND: run it and print its answer. Without: an interactive
  prompt on a terminal, else one command per line from stdin.
  Password: -p, else $SLUICE_PASSWORD, else prompted. 'help' lists commands.
`

func main() {
	os.Exit(runCtl(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options are the parsed command line.
type options struct {
	addr, user, pass string
	timeout          time.Duration
	json             bool
	words            []string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sluicectl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&o.addr, "s", "", "console: Unix socket path or host:port (default: the default config's control socket)")
	fs.StringVar(&o.user, "u", "", "user for a TCP console with Enable_Authentication")
	fs.StringVar(&o.pass, "p", "", "password (default $SLUICE_PASSWORD, else prompted)")
	fs.DurationVar(&o.timeout, "t", 30*time.Second, "connect timeout, and the limit on each answer in one-shot and batch modes")
	fs.BoolVar(&o.json, "json", false, "ask for JSON answers")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.words = clusterPushPath(fs.Args())
	return o, nil
}

func runCtl(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "spool" {
		return runSpool(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "apikey" {
		return runAPIKey(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if o.addr == "" {
		if o.addr, err = defaultSocket(); err != nil {
			fmt.Fprintf(stderr, "sluicectl: %v\n", err)
			return exitUsage
		}
	}
	cl, err := connect(o, stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sluicectl: %v\n", err)
		return exitConnFail
	}
	defer cl.Close()
	switch {
	case len(o.words) > 0:
		return oneShot(cl, o, stdout, stderr)
	case isTerminal(stdin) && isTerminal(stdout):
		return interactive(cl, o, stdin.(*os.File), stdout.(*os.File), stderr)
	}
	return batch(cl, o, stdin, stdout, stderr)
}

// connect dials the console and logs in when a user is given.
func connect(o options, stdin io.Reader, stderr io.Writer) (*control.Client, error) {
	cl, err := control.Dial(o.addr, o.timeout)
	if err != nil {
		return nil, fmt.Errorf("%v (is sluiced running? -s names another console)", err)
	}
	if o.user == "" {
		return cl, nil
	}
	pass, err := password(o, stdin, stderr)
	if err == nil {
		cl.Conn().SetDeadline(time.Now().Add(o.timeout))
		err = cl.Login(o.user, pass)
		cl.Conn().SetDeadline(time.Time{})
	}
	if err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}
