package http

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
)

// parseAddress accepts "a@b", "Name <a@b>" or {"email":"a@b","name":"Name"}.
func parseAddress(raw json.RawMessage) (*mail.Address, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("address is required")
	}
	var a *mail.Address
	var str string
	if json.Unmarshal(raw, &str) == nil {
		p, err := mail.ParseAddress(str)
		if err != nil {
			return nil, fmt.Errorf("invalid address %q", str)
		}
		a = p
	} else {
		var obj struct{ Email, Name string }
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("must be a string or an object with email")
		}
		a = &mail.Address{Name: obj.Name, Address: strings.TrimSpace(obj.Email)}
	}
	if _, ok := cleanAddr(a.Address, false); !ok || a.Address == "" || hasCRLF(a.Name) {
		return nil, fmt.Errorf("invalid address %q", a.Address)
	}
	return a, nil
}

func hasCRLF(s string) bool { return strings.ContainsAny(s, "\r\n") }
