package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sluice/bench/load"
)

// Doc markers around the generated section of docs/performance.md.
const (
	BeginMarker = "<!-- bench:begin -->"
	EndMarker   = "<!-- bench:end -->"
)

// Output is bench/results/results.json.
type Output struct {
	Generated time.Time `json:"generated"`
	Meta      Meta      `json:"meta"`
	Targets   []Target  `json:"targets"`
	Cases     []Case    `json:"cases"`
}

// Main is `sluice-bench report`.
func Main(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sluice-bench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	raw := fs.String("raw", "", "directory of per-run JSON files (and meta.json)")
	out := fs.String("out", "bench/results", "where results.json, results.md and the charts go")
	doc := fs.String("doc", "", "Markdown file whose generated section to replace (e.g. docs/performance.md)")
	ref := fs.String("ref", "smtp-sink", "reference server label for the ratios")
	order := fs.String("order", "sluice-uring,sluice-epoll,sluice-uring-shm,sluice-epoll-shm,smtp-sink,gosmtp,postfix-hold,haraka,maddy", "label order in tables")
	caseOrder := fs.String("cases", strings.Join(CaseOrder, ","), "case order in tables and charts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *raw == "" {
		return fmt.Errorf("report: -raw DIR is required")
	}
	results, meta, err := ReadRaw(*raw)
	if err != nil {
		return err
	}
	cases := Aggregate(results, *ref, strings.Split(*order, ","), strings.Split(*caseOrder, ","))
	o := Output{Generated: time.Now().UTC(), Meta: meta, Targets: Targets(cases, results, *ref), Cases: cases}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	js, _ := json.MarshalIndent(o, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "results.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := Charts(cases, *ref, *out); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "results.md"), []byte(Markdown(meta, cases, o.Targets, ".")), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *doc != "" {
		rel, err := filepath.Rel(filepath.Dir(*doc), *out)
		if err != nil {
			rel = *out
		}
		if err := UpdateDoc(*doc, Markdown(meta, cases, o.Targets, filepath.ToSlash(rel))); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "report: %d runs, %d cases -> %s\n", len(results), len(cases), *out)
	return nil
}

// ReadRaw loads every *.json result in dir (meta.json is the Meta).
func ReadRaw(dir string) ([]*load.Result, Meta, error) {
	var meta Meta
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, meta, fmt.Errorf("report: no JSON results in %s", dir)
	}
	sort.Strings(files)
	var rs []*load.Result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, meta, fmt.Errorf("report: %w", err)
		}
		if filepath.Base(f) == "meta.json" {
			if err := json.Unmarshal(b, &meta); err != nil {
				return nil, meta, fmt.Errorf("report: %s: %w", f, err)
			}
			continue
		}
		r := &load.Result{}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, meta, fmt.Errorf("report: %s: %w", f, err)
		}
		if r.Case == "" {
			r.Case = r.Scenario
		}
		rs = append(rs, r)
	}
	return rs, meta, nil
}

// UpdateDoc replaces the text between the markers in path with section.
// Without markers it appends a "## Peer comparison" section holding them;
// a missing file is created.
func UpdateDoc(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("report: %w", err)
	}
	if len(old) == 0 {
		old = []byte("# Performance\n")
	}
	block := BeginMarker + "\n" + strings.TrimRight(section, "\n") + "\n" + EndMarker
	var doc []byte
	i, j := bytes.Index(old, []byte(BeginMarker)), bytes.Index(old, []byte(EndMarker))
	switch {
	case i >= 0 && j > i:
		doc = append(append(append([]byte{}, old[:i]...), block...), old[j+len(EndMarker):]...)
	case i >= 0 || j >= 0:
		return fmt.Errorf("report: %s has only one of the %s/%s markers; fix it by hand", path, BeginMarker, EndMarker)
	default:
		doc = append(bytes.TrimRight(old, "\n"), "\n\n## Peer comparison\n\n"+block+"\n"...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return os.WriteFile(path, doc, 0o644)
}
