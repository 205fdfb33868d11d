package config

import (
	"fmt"
	"strings"
)

// Foreign is a Momentum scope or global option outside the listener
// chapter, as written: module scopes (`opendkim "inst" { … }`,
// `sched { }`), core scopes (Domain, Binding, Security, ThreadPool, …) and
// global options such as Keep_Message_Dicts_In_Memory. The body of a scope
// is kept as parsed, not checked option by option: its options belong to
// the module. Foreign values are immutable and shared between generations.
type Foreign struct {
	Name     string // canonical spelling from the registry
	Instance string // scope instance as written; "" when anonymous or an option
	Scope    bool
	Answer   Answer
	Reason   string
	Src      Source
	Options  []ForeignOption // a scope's top-level options, file order
	Scopes   []*Foreign      // nested scopes (Binding in Binding_Group, Domain in Binding, …)
	val      *rawVal         // an option's value
	raw      []*node         // a scope's body as parsed, for appliers
}

// ForeignOption is one option inside a Foreign scope, as text.
type ForeignOption struct {
	Name  string
	Value string // canonical config text of the value
	Src   Source
}

// Value is an option's value as config text ("" for a scope).
func (f *Foreign) Value() string {
	if f.val == nil {
		return ""
	}
	return rawText(f.val)
}

// foreignScope records a Momentum scope written at the top level, or
// reports it unknown. It reports false when name is not in the registry.
func (b *builder) foreignScope(root *scope, n *node) bool {
	d := lookupForeignScope(n.name)
	if d == nil || root.lv != lvGlobal {
		return false
	}
	root.foreign = append(root.foreign, newForeign(d, n))
	return true
}

func newForeign(d *foreignDef, n *node) *Foreign {
	f := &Foreign{Name: d.Name, Scope: true, Answer: d.Answer, Reason: d.Reason, Src: n.src, raw: n.body}
	if n.inst != nil {
		f.Instance = n.inst.text
	}
	for _, k := range n.body {
		if k.isScope {
			sub := &foreignDef{Name: k.name, Answer: d.Answer, Reason: d.Reason}
			if sd := lookupForeignScope(k.name); sd != nil {
				sub.Name = sd.Name
			}
			f.Scopes = append(f.Scopes, newForeign(sub, k))
			continue
		}
		f.Options = append(f.Options, ForeignOption{Name: k.name, Value: rawText(k.val), Src: k.src})
	}
	return f
}

// foreignOption records a global Momentum option sluice does not hold.
func (b *builder) foreignOption(sc *scope, name string, src Source, rv *rawVal) bool {
	d := lookupForeignOpt(name)
	if d == nil || sc.lv != lvGlobal {
		return false
	}
	for _, f := range sc.foreign {
		if !f.Scope && f.Name == d.Name {
			b.errs.add(src, fmt.Sprintf("option %s is already set in this scope at %s", d.Name, f.Src), "keep one of the two")
			return true
		}
	}
	sc.foreign = append(sc.foreign, &Foreign{Name: d.Name, Answer: d.Answer, Reason: d.Reason, Src: src, val: rv})
	return true
}

// foreignWarnings are the load's warnings for not-applicable entries.
func foreignWarnings(root *scope) []string {
	var out []string
	for _, f := range root.foreign {
		if f.Answer == Applies {
			continue
		}
		what := "option " + f.Name
		if f.Scope {
			what = "scope " + f.Name
			if f.Instance != "" {
				what += " " + quote2(f.Instance)
			}
		}
		out = append(out, fmt.Sprintf("%s: %s is understood but not applicable to an ingress node: %s", f.Src, what, f.Reason))
	}
	return out
}

// Foreign returns the Momentum scopes and options outside the listener
// chapter, in file order. Features with answer Applies read theirs here.
func (c *Config) Foreign() []*Foreign { return c.root.foreign }

// ForeignScope returns the first recorded scope named name (any case), or nil.
func (c *Config) ForeignScope(name string) *Foreign {
	for _, f := range c.root.foreign {
		if f.Scope && strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// rawText renders a parsed value as config text.
func rawText(v *rawVal) string {
	var b strings.Builder
	writeRaw(&b, v)
	return b.String()
}

func writeRaw(b *strings.Builder, v *rawVal) {
	switch v.kind {
	case rvArray:
		b.WriteString("(")
		for _, it := range v.items {
			b.WriteString(" ")
			writeRaw(b, it)
		}
		b.WriteString(" )")
	case rvDict:
		b.WriteString("[")
		for i, it := range v.items {
			fmt.Fprintf(b, " %s = ", quote(v.keys[i]))
			writeRaw(b, it)
		}
		b.WriteString(" ]")
	default:
		b.WriteString(quote(v.text))
	}
}

// printForeign writes the recorded entries back as config text (Print).
func printForeign(b *strings.Builder, fs []*Foreign, depth int) {
	ind := strings.Repeat("  ", depth)
	for _, f := range fs {
		if !f.Scope {
			fmt.Fprintf(b, "%s%s = %s\n", ind, f.Name, f.Value())
			continue
		}
		head := f.Name
		if f.Instance != "" {
			head += " " + quote2(f.Instance)
		}
		fmt.Fprintf(b, "%s%s {\n", ind, head)
		for _, o := range f.Options {
			fmt.Fprintf(b, "%s  %s = %s\n", ind, o.Name, o.Value)
		}
		printForeign(b, f.Scopes, depth+1)
		fmt.Fprintf(b, "%s}\n", ind)
	}
}

// dumpForeign is the -dump section for recorded Momentum entries.
func dumpForeign(b *strings.Builder, fs []*Foreign) {
	if len(fs) == 0 {
		return
	}
	b.WriteString("momentum  # scopes and options outside the listener chapter\n")
	for _, f := range fs {
		if !f.Scope {
			fmt.Fprintf(b, "  %s = %s  # %s %s: %s\n", f.Name, f.Value(), f.Src.short(), f.Answer, f.Reason)
			continue
		}
		head := f.Name
		if f.Instance != "" {
			head += " " + quote2(f.Instance)
		}
		fmt.Fprintf(b, "  %s { … }  # %s %s: %s\n", head, f.Src.short(), f.Answer, f.Reason)
		dumpForeignBody(b, f, "    ")
	}
}

func dumpForeignBody(b *strings.Builder, f *Foreign, ind string) {
	for _, o := range f.Options {
		fmt.Fprintf(b, "%s%s = %s  # %s\n", ind, o.Name, o.Value, o.Src.short())
	}
	for _, s := range f.Scopes {
		head := s.Name
		if s.Instance != "" {
			head += " " + quote2(s.Instance)
		}
		fmt.Fprintf(b, "%s%s {  # %s\n", ind, head, s.Src.short())
		dumpForeignBody(b, s, ind+"  ")
		fmt.Fprintf(b, "%s}\n", ind)
	}
}
