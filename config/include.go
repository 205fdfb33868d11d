package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// include reads a file, or every regular non-dot file of a directory in
// lexical order, relative to the including file, and returns their statements.
func (p *parser) include(v *rawVal) []*node {
	if p.inc == nil || p.inc.read == nil {
		p.errs.add(v.src, "include is not available here", "")
		return nil
	}
	target := v.text
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p.lx.file), target)
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		p.errs.add(v.src, fmt.Sprintf("include %q: %v", v.text, pathless(err)), "")
		return nil
	}
	st, err := os.Stat(abs)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		p.errs.add(v.src, fmt.Sprintf("include %q (%q): %v", v.text, target, err), "check the path; it is relative to the including file")
		return nil
	}
	if !st.IsDir() {
		return p.includeFile(v, target, abs)
	}
	ents, err := os.ReadDir(abs)
	if err != nil {
		p.errs.add(v.src, fmt.Sprintf("include %q: %v", v.text, pathless(err)), "")
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	var out []*node
	for _, nm := range names {
		out = append(out, p.includeFile(v, filepath.Join(target, nm), filepath.Join(abs, nm))...)
	}
	return out
}

func (p *parser) includeFile(v *rawVal, name, abs string) []*node {
	inc := p.inc
	if i := slices.Index(inc.stack, abs); i >= 0 {
		chain := quoteAll(append(slices.Clone(inc.names[i:]), name), " -> ")
		p.errs.add(v.src, "include cycle: "+chain, "remove one of these includes")
		return nil
	}
	if len(inc.stack) >= maxIncludeDepth || inc.files >= maxIncludeFiles {
		p.errs.add(v.src, fmt.Sprintf("includes nested deeper than %d or more than %d files", maxIncludeDepth, maxIncludeFiles), "")
		return nil
	}
	if st, err := os.Stat(abs); err == nil && (!st.Mode().IsRegular() || st.Size() > maxFileSize) {
		p.errs.add(v.src, fmt.Sprintf("include %q: not a regular file of at most %d bytes", name, maxFileSize), "")
		return nil
	}
	src, err := inc.read(abs)
	if err != nil {
		p.errs.add(v.src, fmt.Sprintf("include %q: %v", name, pathless(err)), "")
		return nil
	}
	inc.files++
	inc.stack = append(inc.stack, abs)
	inc.names = append(inc.names, name)
	defer func() {
		inc.stack = inc.stack[:len(inc.stack)-1]
		inc.names = inc.names[:len(inc.names)-1]
	}()
	return parseFile(name, src, inc, p.errs)
}
