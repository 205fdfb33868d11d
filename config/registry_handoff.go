package config

// Options of the global Handoff scope and its Target scopes (issue 15).
// They live outside the listener type masks: handoffWhere records, per
// option, whether it is valid in the Handoff scope, in a Target, or both
// (a Handoff-level value is then the default of every Target).

const (
	inHandoff uint8 = 1 << iota
	inTarget
)

var handoffWhere = map[*optDef]uint8{}

func handoffOpt(d *optDef, where uint8) *optDef {
	handoffWhere[d] = where
	return d.acts()
}

func init() {
	both := inHandoff | inTarget
	register(
		handoffOpt(opt("Retry_Interval", KindSeconds, "30"), inHandoff),
		handoffOpt(opt("Max_Retry_Interval", KindSeconds, "3600"), inHandoff),
		handoffOpt(opt("Max_Retry_Time", KindSeconds, "432000"), inHandoff),
		handoffOpt(opt("Spool_High_Water", KindString, "80%"), inHandoff),
		handoffOpt(opt("Drain_Time", KindSeconds, "10"), inHandoff),
		handoffOpt(opt("Connections", KindInt, "4"), both),
		handoffOpt(opt("Weight", KindInt, "1"), both),
		handoffOpt(opt("TLS", KindString, "opportunistic").enum("off", "opportunistic", "required"), both),
		handoffOpt(opt("TLS_Verify", KindBool, "false"), both),
		handoffOpt(optNoDef("Helo_Name", KindString), both),
	)
	// Timeout (seconds per command or reply) is the Control_Listener's
	// option of the same name and default (60), also valid here.
	handoffWhere[lookupOpt("timeout")] = both
}

// handoffValidAt reports whether o may be set in a Handoff (lv ==
// lvHandoff) or Target scope.
func handoffValidAt(o *optDef, lv level) bool {
	w := handoffWhere[o]
	if lv == lvHandoff {
		return w&inHandoff != 0
	}
	return w&inTarget != 0
}

// handoffOpts lists the options valid at lv, in registration order.
func handoffOpts(lv level) []*optDef {
	var out []*optDef
	for _, n := range optionNames {
		if d := lookupOpt(n); handoffValidAt(d, lv) {
			out = append(out, d)
		}
	}
	return out
}
