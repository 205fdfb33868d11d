package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"sluice/config"
	"sluice/proto/control"
)

// defaultSocket is the Unix Listen of the Control_Listener in the embedded
// default configuration, as sluiced would bind it from this directory.
// unitConfig is the configuration the systemd unit runs (deploy/).
var unitConfig = "/etc/sluice/ecelerity.conf"

// defaultSocket is the console to use without -s: $SLUICE_SOCKET, else
// the first Unix control socket of the unit's configuration when that file
// exists (so sluicectl on a server finds the daemon the unit runs), else
// the embedded default config's (var/control.sock under the working
// directory, for a daemon started from a clone).
func defaultSocket() (string, error) {
	if s := os.Getenv("SLUICE_SOCKET"); s != "" {
		return s, nil
	}
	c, err := config.LoadDefault()
	from := "the default config"
	if _, serr := os.Stat(unitConfig); serr == nil {
		from = unitConfig
		if c, err = config.Load(unitConfig); err != nil {
			return "", fmt.Errorf("cannot read %s (%v); use -s", unitConfig, err)
		}
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the default config (%v); use -s", err)
	}
	for _, L := range c.Listeners {
		if !strings.EqualFold(L.Kind, "Control_Listener") {
			continue
		}
		for _, l := range L.Listens {
			if l.Addr.Network == "unix" {
				return l.Addr.Path, nil
			}
		}
	}
	return "", fmt.Errorf("%s has no Control_Listener Unix socket; use -s", from)
}

// password takes -p, then $SLUICE_PASSWORD, then asks the terminal.
func password(o options, stdin io.Reader, stderr io.Writer) (string, error) {
	if o.pass != "" {
		return o.pass, nil
	}
	if p, ok := os.LookupEnv("SLUICE_PASSWORD"); ok {
		return p, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no password: use -p or $SLUICE_PASSWORD (stdin is not a terminal)")
	}
	fmt.Fprintf(stderr, "Password for %s: ", o.user)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %v", err)
	}
	return string(b), nil
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// line is one command as sent, with the json prefix when asked for.
func line(o options, cmd string) string {
	if o.json && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(cmd)), "json ") {
		return "json " + cmd
	}
	return cmd
}

// show prints one answer: the body on stdout when ok, else on stderr after
// the status word.
func show(r control.Response, stdout, stderr io.Writer) {
	if r.Status == control.StatusOK {
		stdout.Write(r.Body)
		return
	}
	fmt.Fprintf(stderr, "%s: %s", r.Status, r.Body)
	if len(r.Body) == 0 || r.Body[len(r.Body)-1] != '\n' {
		fmt.Fprintln(stderr)
	}
}

func oneShot(cl *control.Client, o options, stdout, stderr io.Writer) int {
	cl.Conn().SetDeadline(time.Now().Add(o.timeout))
	st, body, err := cl.Do(line(o, control.JoinArgs(o.words)))
	if err != nil {
		fmt.Fprintf(stderr, "sluicectl: %v\n", err)
		return exitConnFail
	}
	show(control.Response{Status: st, Body: body}, stdout, stderr)
	if st != control.StatusOK {
		return exitFailed
	}
	return exitOK
}

// batch pipelines stdin's non-blank lines and prints every answer in order.
func batch(cl *control.Client, o options, stdin io.Reader, stdout, stderr io.Writer) int {
	var cmds []string
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), control.MaxLine+2)
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if isQuit(s) {
			break // the server closes after quit: nothing later is answered
		}
		cmds = append(cmds, line(o, s))
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "sluicectl: reading stdin: %v\n", err)
		return exitUsage
	}
	if len(cmds) == 0 {
		return exitOK
	}
	cl.Conn().SetDeadline(time.Now().Add(o.timeout))
	rs, err := cl.Pipeline(cmds...)
	code := exitOK
	for _, r := range rs {
		show(r, stdout, stderr)
		if r.Status != control.StatusOK {
			code = exitFailed
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluicectl: %v\n", err)
		return exitConnFail
	}
	return code
}

func isQuit(s string) bool {
	return strings.EqualFold(s, "quit") || strings.EqualFold(s, "exit")
}
