package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"sluice/proto/http/apikey"
)

const apikeyUsage = `usage:
  sluicectl apikey add -file FILE -grants G1,G2 [-label TEXT] [KEY]   add KEY (or a new random one, printed)
  sluicectl apikey ls  -file FILE                                     short key, grants, label
  sluicectl apikey rm  -file FILE KEY|SHORT|LABEL                     remove the matching key

  grants: transmissions:modify, templates:modify, templates:view
  The file (API_Keys in the HTTP_Listener) holds SHA-256 hashes, never keys;
  a running sluiced picks changes up within a second.
`

// runAPIKey implements "sluicectl apikey ...": it edits the key file
// directly, so it needs no running daemon.
func runAPIKey(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, apikeyUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("apikey "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "the API_Keys file")
	grants := fs.String("grants", "", "add: comma-separated grants")
	label := fs.String("label", "", "add: a label shown by ls")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return exitUsage
	}
	if *file == "" {
		fmt.Fprint(stderr, "sluicectl apikey: -file is required\n"+apikeyUsage)
		return exitUsage
	}
	switch args[0] {
	case "add":
		err = apikeyAdd(*file, *grants, *label, pos, stdout)
	case "ls":
		err = apikeyLs(*file, stdout)
	case "rm":
		if len(pos) != 1 {
			fmt.Fprint(stderr, apikeyUsage)
			return exitUsage
		}
		err = apikeyRm(*file, pos[0], stdout)
	default:
		fmt.Fprint(stderr, apikeyUsage)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluicectl apikey: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// loadKeys reads the file; a missing file is an empty one.
func loadKeys(file string) ([]apikey.Entry, error) {
	s, err := apikey.Load(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Entries, nil
}

func apikeyAdd(file, grants, label string, pos []string, out io.Writer) error {
	if grants == "" {
		return errors.New("-grants is required (transmissions:modify, templates:modify, templates:view)")
	}
	g, err := apikey.ParseGrants(grants)
	if err != nil {
		return err
	}
	key := apikey.NewKey()
	switch len(pos) {
	case 0:
	case 1:
		key = pos[0]
	default:
		return errors.New("at most one KEY")
	}
	if !apikey.ValidKey(key) {
		return errors.New("a key is 16 to 256 printable ASCII characters without spaces")
	}
	entries, err := loadKeys(file)
	if err != nil {
		return err
	}
	e := apikey.NewEntry(key, g, label)
	for _, x := range entries {
		if x.Hash == e.Hash {
			return errors.New("that key is already in the file")
		}
	}
	if err := apikey.Save(file, append(entries, e)); err != nil {
		return err
	}
	fmt.Fprintln(out, key)
	return nil
}

func apikeyLs(file string, out io.Writer) error {
	entries, err := loadKeys(file)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SHORT\tGRANTS\tLABEL")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Short, e.Grants, e.Label)
	}
	return tw.Flush()
}

// apikeyRm removes the key whose text, short form or label is which; a
// short form or label must match exactly one key.
func apikeyRm(file, which string, out io.Writer) error {
	entries, err := loadKeys(file)
	if err != nil {
		return err
	}
	full := sha256.Sum256([]byte(which))
	var keep []apikey.Entry
	var hit []apikey.Entry
	for _, e := range entries {
		if e.Hash == full || e.Short == which || (e.Label != "" && e.Label == which) {
			hit = append(hit, e)
			continue
		}
		keep = append(keep, e)
	}
	switch {
	case len(hit) == 0:
		return fmt.Errorf("no key matches %q", which)
	case len(hit) > 1:
		return fmt.Errorf("%d keys match %q; give the whole key", len(hit), which)
	}
	if err := apikey.Save(file, keep); err != nil {
		return err
	}
	fmt.Fprintf(out, "removed %s (%s)\n", hit[0].Short, hit[0].Grants)
	return nil
}
