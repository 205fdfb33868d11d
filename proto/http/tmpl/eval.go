package tmpl

// eval computes an expression. It never fails: a missing key, a bad index
// or arithmetic on non-numbers yields nil, which renders as nothing.
func (st *state) eval(e *expr) val {
	switch e.kind {
	case eLit:
		return e.lit
	case ePath:
		return st.path(e)
	case eNot:
		return val{k: kBool, b: !st.eval(e.a).truthy()}
	case eNeg:
		if f, ok := st.eval(e.a).num(); ok {
			return val{k: kNum, n: -f}
		}
	case eLen:
		switch v := st.eval(e.a); v.k {
		case kArr:
			return val{k: kNum, n: float64(len(v.a))}
		case kStr:
			return val{k: kNum, n: float64(len(v.s))}
		}
		return val{k: kNum}
	case eAnd:
		if a := st.eval(e.a); !a.truthy() {
			return a
		}
		return st.eval(e.b)
	case eOr:
		if a := st.eval(e.a); a.truthy() {
			return a
		}
		return st.eval(e.b)
	case eBin:
		return binop(e.op, st.eval(e.a), st.eval(e.b))
	case eCall:
		return st.call(e)
	}
	return val{}
}

func binop(op string, a, b val) val {
	switch op {
	case "==":
		return val{k: kBool, b: equal(a, b)}
	case "!=":
		return val{k: kBool, b: !equal(a, b)}
	case "<":
		lt, _ := less(a, b)
		return val{k: kBool, b: lt}
	case ">":
		gt, _ := less(b, a)
		return val{k: kBool, b: gt}
	case "<=":
		gt, ok := less(b, a)
		return val{k: kBool, b: ok && !gt}
	case ">=":
		lt, ok := less(a, b)
		return val{k: kBool, b: ok && !lt}
	}
	x, ok1 := a.num()
	y, ok2 := b.num()
	if !ok1 || !ok2 {
		return val{}
	}
	switch op {
	case "+":
		return val{k: kNum, n: x + y}
	case "-":
		return val{k: kNum, n: x - y}
	case "*":
		return val{k: kNum, n: x * y}
	case "/":
		if y == 0 {
			return val{}
		}
		return val{k: kNum, n: x / y}
	}
	return val{}
}

func (st *state) call(e *expr) val {
	switch e.fn {
	case "empty":
		v := st.eval(e.args[0])
		switch v.k {
		case kArr:
			return val{k: kBool, b: len(v.a) == 0}
		case kObj:
			return val{k: kBool, b: len(v.o) == 0}
		case kStr:
			return val{k: kBool, b: v.s == ""}
		}
		return val{k: kBool, b: v.k == kNil}
	case "opening_single_curly":
		return val{k: kStr, s: "{"}
	case "closing_single_curly":
		return val{k: kStr, s: "}"}
	case "opening_double_curly":
		return val{k: kStr, s: "{{"}
	case "closing_double_curly":
		return val{k: kStr, s: "}}"}
	case "opening_triple_curly":
		return val{k: kStr, s: "{{{"}
	case "closing_triple_curly":
		return val{k: kStr, s: "}}}"}
	}
	return val{} // render_dynamic_content inside an expression renders nothing
}

// path resolves root.steps: loop variables first, then the recipient's
// own values, then the data layers.
func (st *state) path(e *expr) val {
	steps := e.steps
	var v val
	switch e.root {
	case "loop_var":
		if st.nl > 0 {
			v = st.loops[st.nl-1].elem
		}
	case "loop_index":
		if st.nl > 0 {
			v = val{k: kNum, n: float64(st.loops[st.nl-1].i)}
		}
	case "loop_vars":
		if len(steps) == 0 || steps[0].idx != nil {
			return val{}
		}
		for i := st.nl - 1; i >= 0; i-- {
			if st.loops[i].name == steps[0].field {
				v = st.loops[i].elem
				break
			}
		}
		steps = steps[1:]
	case "address":
		v = val{k: kAddr}
	case "email", "email_id":
		v = val{k: kStr, s: st.d.Email}
	case "env_from", "return_path":
		v = val{k: kStr, s: st.d.EnvFrom}
	default:
		for _, m := range st.d.Layers {
			if x, ok := m[e.root]; ok {
				v = of(x)
				break
			}
		}
	}
	for _, s := range steps {
		v = st.step(v, s)
		if v.k == kNil {
			break
		}
	}
	return v
}

func (st *state) step(v val, s step) val {
	if v.k == kAddr {
		switch s.field {
		case "email":
			return val{k: kStr, s: st.d.Email}
		case "name":
			if st.d.Name == "" { // no name given: nil, so "or" supplies a default
				return val{}
			}
			return val{k: kStr, s: st.d.Name}
		}
		return val{}
	}
	if s.idx == nil {
		if v.k == kObj {
			return of(v.o[s.field])
		}
		return val{}
	}
	ix := st.eval(s.idx)
	switch {
	case v.k == kArr && ix.k == kNum:
		i := int(ix.n) // arrays are 1-based, as in Lua
		if float64(i) == ix.n && i >= 1 && i <= len(v.a) {
			return of(v.a[i-1])
		}
	case v.k == kObj && ix.k == kStr:
		return of(v.o[ix.s])
	}
	return val{}
}
