package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"sluice/handoff"
	"sluice/spool"
)

const deadUsage = `usage:
  sluicectl spool dead ls    [-dir DIR]             the dead-letter area: id, when, sender, recipients, reason
  sluicectl spool dead cat   [-dir DIR] ID          the raw message
  sluicectl spool dead retry [-dir DIR] [-s SOCKET] ID|all   store it in the spool again (through the
                                                    running daemon's console, or directly when none runs)
  sluicectl spool dead purge [-dir DIR] ID|all      delete it
`

// runDead implements "sluicectl spool dead ...". ls, cat and purge work on
// the files (safe beside a running daemon: a dead message is never
// rewritten, only created and removed); retry needs the spool writer, so it
// asks the daemon when one holds the spool.
func runDead(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, deadUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("spool dead "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "var/spool", "spool directory (Spoolbase)")
	sock := fs.String("s", "", "console of the running daemon (default: the default config's control socket)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return exitUsage
	}
	switch {
	case args[0] == "ls" && len(pos) == 0:
		var text string
		text, _, err = handoff.DeadListing(*dir)
		fmt.Fprint(stdout, text)
	case args[0] == "cat" && len(pos) == 1:
		err = deadCat(*dir, pos[0], stdout)
	case args[0] == "purge" && len(pos) == 1:
		err = deadEach(*dir, pos[0], func(id spool.ID) error { return spool.RemoveDead(*dir, id) }, stdout)
	case args[0] == "retry" && len(pos) == 1:
		return deadRetry(*dir, *sock, pos[0], stdout, stderr)
	default:
		fmt.Fprint(stderr, deadUsage)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "sluicectl:", err)
		return exitFailed
	}
	return exitOK
}

func deadCat(dir, idText string, w io.Writer) error {
	id, err := spool.ParseID(idText)
	if err != nil {
		return err
	}
	m, err := spool.ReadDead(dir, id)
	if err != nil {
		return fmt.Errorf("%w (id %s)", err, idText)
	}
	_, err = w.Write(m.Data)
	return err
}

func deadEach(dir, which string, fn func(spool.ID) error, w io.Writer) error {
	var ids []spool.ID
	if strings.EqualFold(which, "all") {
		var err error
		if ids, err = spool.ListDead(dir); err != nil {
			return err
		}
	} else {
		id, err := spool.ParseID(which)
		if err != nil {
			return err
		}
		ids = []spool.ID{id}
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		fmt.Fprintln(w, id)
	}
	return nil
}

// deadRetry stores dead messages in the spool again: directly when no
// daemon holds the spool, else through its console.
func deadRetry(dir, sock, which string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := spool.OpenWith(dir, spool.Options{Workers: 1, Log: log})
	if err != nil && strings.Contains(err.Error(), "in use by another process") {
		o := options{addr: sock, timeout: 30 * time.Second, words: []string{"spool", "dead", "retry", which}}
		if o.addr == "" {
			if o.addr, err = defaultSocket(); err != nil {
				fmt.Fprintf(stderr, "sluicectl: %v\n", err)
				return exitUsage
			}
		}
		cl, err := connect(o, nil, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "sluicectl: the spool is in use and its daemon's console is not reachable: %v\n", err)
			return exitConnFail
		}
		defer cl.Close()
		return oneShot(cl, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sluicectl:", err)
		return exitFailed
	}
	defer st.Close()
	w := st.Writer(0)
	err = deadEach(dir, which, func(id spool.ID) error {
		m, err := spool.ReadDead(dir, id)
		if err != nil {
			return err
		}
		if _, err := w.Stage(&m.Env, m.Data); err != nil {
			return err
		}
		if err := w.Commit(); err != nil {
			return err
		}
		return spool.RemoveDead(dir, id)
	}, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "sluicectl:", err)
		return exitFailed
	}
	return exitOK
}
