package config

import (
	"fmt"
	"strings"
)

// Momentum scopes with the answer Applies: each maps its options onto
// sluice's own, so the rest of sluice reads them like any option. The
// mapped settings carry the Momentum lines as their source (-dump shows
// them) and are not printed back (Print writes the scope itself).

// foreignApplier maps the recorded scopes of one name onto root's options.
type foreignApplier func(b *builder, root *scope, fs []*Foreign)

var foreignAppliers = map[string]foreignApplier{}

// registerAppliers runs at the end of the Momentum registry's init.
func registerAppliers() {
	d := foreignScopes["dnsbl"]
	d.Answer = Applies
	d.Reason = "mapped onto DNSBL_Zones, DNSBL_Threshold and DNSBL_Timeout (docs/edge.md)"
	foreignAppliers["dnsbl"] = applyDNSBL
}

// applyForeign runs the appliers over the recorded scopes, once per name.
func (b *builder) applyForeign(root *scope) {
	byName := map[string][]*Foreign{}
	var order []string
	for _, f := range root.foreign {
		k := strings.ToLower(f.Name)
		if f.Scope && foreignAppliers[k] != nil {
			if byName[k] == nil {
				order = append(order, k)
			}
			byName[k] = append(byName[k], f)
		}
	}
	for _, k := range order {
		foreignAppliers[k](b, root, byName[k])
	}
}

// applyDNSBL: every dnsbl scope (Momentum's DNS list module, one instance
// per list or one for all) adds its zone or zones to DNSBL_Zones, in file
// order; threshold and timeout map to DNSBL_Threshold and DNSBL_Timeout
// (one value across the scopes). Other options inside are errors.
func applyDNSBL(b *builder, root *scope, fs []*Foreign) {
	zones := &rawVal{kind: rvArray}
	var zoneSrc Source
	single := map[string]*node{}
	for _, f := range fs {
		for _, n := range f.raw {
			if n.isScope {
				b.errs.add(n.src, fmt.Sprintf("dnsbl takes no %s scope", n.name), "")
				continue
			}
			switch k := strings.ToLower(n.name); k {
			case "zone", "zones":
				if zoneSrc.File == "" {
					zoneSrc = n.src
				}
				if n.val.kind == rvArray {
					zones.items = append(zones.items, n.val.items...)
				} else {
					zones.items = append(zones.items, n.val)
				}
			case "threshold", "timeout":
				if old := single[k]; old != nil {
					b.errs.add(n.src, fmt.Sprintf("dnsbl %s is already set at %s", k, old.src), "sluice has one value for every list")
					continue
				}
				single[k] = n
			default:
				b.errs.add(n.src, fmt.Sprintf("unknown dnsbl option %q", n.name), suggest(n.name, []string{"zone", "zones", "threshold", "timeout"}))
			}
		}
	}
	if len(zones.items) > 0 {
		b.mapped(root, "DNSBL_Zones", zoneSrc, zones)
	}
	for k, n := range single {
		b.mapped(root, "DNSBL_"+strings.ToUpper(k[:1])+k[1:], n.src, n.val)
	}
}

// mapped sets one of sluice's global options from a Momentum scope's value.
func (b *builder) mapped(root *scope, name string, src Source, rv *rawVal) {
	st, msg, hint := makeSetting(root, name, src, rv)
	if msg != "" {
		b.errs.add(src, msg, hint)
		return
	}
	if old := root.get(st.def); old != nil {
		b.errs.add(src, fmt.Sprintf("%s is set both here and at %s", st.def.Name, old.val.Src), "keep one of the two")
		return
	}
	st.mapped = true
	root.opts = append(root.opts, st)
}
