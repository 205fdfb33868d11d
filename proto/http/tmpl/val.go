package tmpl

import (
	"encoding/json"
	"strconv"
)

// kind is a value's type. Values come from JSON-decoded data.
type kind uint8

const (
	kNil kind = iota
	kBool
	kNum
	kStr
	kObj
	kArr
	kAddr // the recipient's address: .email, .name
)

// val is a value without boxing, so evaluation does not allocate.
type val struct {
	k kind
	b bool
	n float64
	s string
	o map[string]any
	a []any
}

// of converts a JSON-decoded value.
func of(x any) val {
	switch x := x.(type) {
	case string:
		return val{k: kStr, s: x}
	case float64:
		return val{k: kNum, n: x}
	case bool:
		return val{k: kBool, b: x}
	case map[string]any:
		return val{k: kObj, o: x}
	case []any:
		return val{k: kArr, a: x}
	case int:
		return val{k: kNum, n: float64(x)}
	case json.Number:
		f, _ := x.Float64()
		return val{k: kNum, n: f}
	}
	return val{}
}

// truthy is Lua's truth: everything but nil and false.
func (v val) truthy() bool { return v.k != kNil && !(v.k == kBool && !v.b) }

// num converts a number or a numeric string, as Lua's arithmetic does.
func (v val) num() (float64, bool) {
	switch v.k {
	case kNum:
		return v.n, true
	case kStr:
		f, err := strconv.ParseFloat(v.s, 64)
		return f, err == nil
	}
	return 0, false
}

func equal(a, b val) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kNil:
		return true
	case kBool:
		return a.b == b.b
	case kNum:
		return a.n == b.n
	case kStr:
		return a.s == b.s
	}
	return false // tables compare by identity in Lua; distinct JSON values never match
}

// less orders two numbers or two strings; other pairs are not ordered.
func less(a, b val) (lt, ok bool) {
	switch {
	case a.k == kNum && b.k == kNum:
		return a.n < b.n, true
	case a.k == kStr && b.k == kStr:
		return a.s < b.s, true
	}
	return false, false
}

// appendVal writes v's text form: numbers without a needless ".0", tables
// as JSON, nil as nothing.
func appendVal(dst []byte, v val, email string) []byte {
	switch v.k {
	case kStr:
		return append(dst, v.s...)
	case kNum:
		return strconv.AppendFloat(dst, v.n, 'f', -1, 64)
	case kBool:
		return strconv.AppendBool(dst, v.b)
	case kObj:
		b, _ := json.Marshal(v.o)
		return append(dst, b...)
	case kArr:
		b, _ := json.Marshal(v.a)
		return append(dst, b...)
	case kAddr:
		return append(dst, email...)
	}
	return dst
}
