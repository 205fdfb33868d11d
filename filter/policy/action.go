package policy

import (
	"fmt"
	"strings"
)

// Kind is what a decision asks the SMTP server to do.
type Kind uint8

const (
	Dunno   Kind = iota // no opinion: go on (DUNNO, WARN, INFO, DEFER_IF_REJECT)
	Permit              // OK, RELAY, an all-numeric value
	Reject              // a 5xx reply
	Defer               // a 4xx reply (DEFER, DEFER_IF_PERMIT, 4NN)
	Prepend             // accept and prepend Header to the message
	Discard             // accept, then drop the message for every recipient
)

var kindNames = [...]string{"dunno", "permit", "reject", "defer", "prepend", "discard"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Decision is a parsed access(5) action.
type Decision struct {
	Kind     Kind
	Code     string // Reject, Defer: three digits ("554", "450")
	Enhanced string // Reject, Defer: "5.7.1"; "" when the text carries none
	Text     string // Reject, Defer: the reply text (may be ""); Prepend: the header line
	Close    bool   // 421 and 521: disconnect after the reply
	Warn     string // an action sluice accepts but does not carry out (HOLD, FILTER, ...)
}

// Default reply codes of access(5) (access_map_reject_code, _defer_code).
const (
	RejectCode = "554"
	DeferCode  = "450"
)

// ParseAction parses the value of a reply's action attribute. Keywords are
// case-insensitive. HOLD, FILTER, REDIRECT and BCC name queue features an
// ingress engine does not have: they parse as Dunno with Warn set, so the
// caller logs them. A value that is none of the access(5) forms (a table
// lookup, a restriction name other than permit or reject) is an error: the
// caller applies its default action, as Postfix does for a server error.
func ParseAction(v string) (Decision, error) {
	v = strings.TrimLeft(v, " \t")
	word, rest, _ := strings.Cut(v, " ")
	rest = strings.TrimLeft(rest, " \t")
	if isCode(word) {
		return codeDecision(word, rest)
	}
	switch strings.ToUpper(word) {
	case "OK", "RELAY", "PERMIT":
		return Decision{Kind: Permit}, nil
	case "DUNNO", "WARN", "INFO", "DEFER_IF_REJECT":
		return Decision{Kind: Dunno}, nil
	case "REJECT":
		return textDecision(Reject, RejectCode, "5.7.1", rest), nil
	case "DEFER", "DEFER_IF_PERMIT":
		return textDecision(Defer, DeferCode, "4.7.1", rest), nil
	case "PREPEND":
		if !validHeader(rest) {
			return Decision{}, fmt.Errorf("policy: PREPEND needs a header \"Name: value\", got %.60q", rest)
		}
		return Decision{Kind: Prepend, Text: rest}, nil
	case "DISCARD":
		return Decision{Kind: Discard}, nil
	case "HOLD", "FILTER", "REDIRECT", "BCC":
		return Decision{Kind: Dunno, Warn: strings.ToUpper(word) + " is not supported by sluice; treated as DUNNO"}, nil
	}
	if allDigits(word) && word != "" && rest == "" {
		return Decision{Kind: Permit}, nil // pop-before-smtp legacy: numeric means OK
	}
	return Decision{}, fmt.Errorf("policy: unknown action %.60q", v)
}

// codeDecision handles "4NN text" and "5NN text", with an optional
// enhanced code whose class must match the reply's.
func codeDecision(code, rest string) (Decision, error) {
	k := Reject
	if code[0] == '4' {
		k = Defer
	}
	d := Decision{Kind: k, Code: code, Close: code == "421" || code == "521"}
	enh, text, _ := strings.Cut(rest, " ")
	if isEnhanced(enh) {
		if enh[0] != code[0] {
			return Decision{}, fmt.Errorf("policy: enhanced code %s does not match reply %s", enh, code)
		}
		d.Enhanced, d.Text = enh, strings.TrimLeft(text, " ")
	} else {
		d.Text = rest
	}
	return d, nil
}

// textDecision builds a REJECT or DEFER decision; an enhanced code at the
// start of the text (postgrey sends "4.2.0 ..." in some cases) replaces
// the default one.
func textDecision(k Kind, code, enh, text string) Decision {
	if e, t, _ := strings.Cut(text, " "); isEnhanced(e) && e[0] == code[0] {
		return Decision{Kind: k, Code: code, Enhanced: e, Text: strings.TrimLeft(t, " ")}
	}
	return Decision{Kind: k, Code: code, Enhanced: enh, Text: text}
}

func isCode(s string) bool {
	return len(s) == 3 && (s[0] == '4' || s[0] == '5') && allDigits(s)
}

// isEnhanced reports an RFC 3463 code: class.subject.detail.
func isEnhanced(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || len(parts[0]) != 1 {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || !allDigits(p) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validHeader reports "Name: value" with a printable field name (RFC 5322
// ftext) and no line break.
func validHeader(h string) bool {
	name, _, ok := strings.Cut(h, ":")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 {
			return false
		}
	}
	return !strings.ContainsAny(h, "\r\n\x00")
}
