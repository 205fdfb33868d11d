package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"sluice/spool"
)

const spoolUsage = `usage:
  sluicectl spool ls     [-dir DIR]                 id, size, sender, recipients
  sluicectl spool cat    [-dir DIR] ID              the raw message
  sluicectl spool export [-dir DIR] -maildir DIR    copy every message into a Maildir
  sluicectl spool dead ls|cat|retry|purge ...       the dead-letter area (sluicectl spool dead for help)
`

// runSpool implements "sluicectl spool ...". It opens the spool read-only,
// so it is safe next to a running sluiced: it neither truncates nor acks.
func runSpool(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, spoolUsage)
		return 2
	}
	if args[0] == "dead" {
		return runDead(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("spool "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "var/spool", "spool directory (Spoolbase)")
	maildir := fs.String("maildir", "", "export: target Maildir (created if missing)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	open := func() (*spool.Store, error) {
		if _, err := os.Stat(*dir); err != nil {
			return nil, fmt.Errorf("sluicectl: spool directory %s: %w (pass -dir)", *dir, err)
		}
		return spool.OpenWith(*dir, spool.Options{ReadOnly: true, Log: log})
	}
	switch {
	case args[0] == "ls" && len(pos) == 0:
		err = withStore(open, func(s *spool.Store) error { return spoolLs(s, stdout) })
	case args[0] == "cat" && len(pos) == 1:
		err = spoolCat(*dir, open, pos[0], stdout)
	case args[0] == "export" && len(pos) == 0 && *maildir != "":
		err = withStore(open, func(s *spool.Store) error { return spoolExport(s, *maildir, stdout) })
	default:
		fmt.Fprint(stderr, spoolUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// parseInterleaved lets flags come before or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func withStore(open func() (*spool.Store, error), fn func(*spool.Store) error) error {
	s, err := open()
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func spoolLs(s *spool.Store, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSIZE\tSENDER\tRECIPIENTS")
	err := s.Iter(func(r *spool.Record) error {
		_, err := fmt.Fprintf(tw, "%s\t%d\t<%s>\t%s\n", r.ID, len(r.Data), r.Env.Sender,
			strings.Join(r.Env.Recipients, ","))
		return err
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

// spoolCat seeks to the one record (spool.Find reads record headers of the
// ID's worker's segments only); only if that fails, because damage stopped
// the seek, does it recover the whole spool read-only to look again.
func spoolCat(dir string, open func() (*spool.Store, error), idText string, w io.Writer) error {
	id, err := spool.ParseID(idText)
	if err != nil {
		return err
	}
	r, err := spool.Find(dir, id)
	if errors.Is(err, spool.ErrNotFound) {
		err = withStore(open, func(s *spool.Store) error {
			var rerr error
			r, rerr = s.Read(id)
			return rerr
		})
	}
	if err != nil {
		return fmt.Errorf("%w (id %s)", err, idText)
	}
	_, err = w.Write(r.Data)
	return err
}

// spoolExport writes each message as a Maildir file: created in tmp/,
// synced, then renamed into new/. Names are "<secs>.<id>.<host>", unique
// because ids are; a message already in new/ is not written twice.
func spoolExport(s *spool.Store, dir string, w io.Writer) error {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("sluicectl: maildir: %w", err)
		}
	}
	host, _ := os.Hostname()
	host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	written, present := 0, 0
	err := s.Iter(func(r *spool.Record) error {
		name := fmt.Sprintf("%d.%s.%s", r.ID.Time().Unix(), r.ID, host)
		final := filepath.Join(dir, "new", name)
		if _, err := os.Stat(final); err == nil {
			present++
			return nil
		}
		if err := writeSynced(filepath.Join(dir, "tmp", name), r.Data); err != nil {
			return err
		}
		written++
		return os.Rename(filepath.Join(dir, "tmp", name), final)
	})
	if err != nil {
		return fmt.Errorf("sluicectl: maildir export: %w", err)
	}
	if d, err := os.Open(filepath.Join(dir, "new")); err == nil {
		d.Sync()
		d.Close()
	}
	fmt.Fprintf(w, "exported %d messages to %s (%d already there)\n", written, dir, present)
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Sync(), f.Close())
}
