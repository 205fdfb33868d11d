package http

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"sluice/proto"
)

// transReq is Momentum 4's minimal transmission (momentum-spec §7.2).
type transReq struct {
	ReturnPath string `json:"return_path"`
	Recipients []struct {
		Address json.RawMessage `json:"address"`
	} `json:"recipients"`
	Content struct {
		From    json.RawMessage `json:"from"`
		Subject string          `json:"subject"`
		Text    string          `json:"text"`
		HTML    string          `json:"html"`
		ReplyTo string          `json:"reply_to"`
	} `json:"content"`
}

// transmit serves POST /api/v1/transmissions: one RFC 5322 message per
// recipient (each sees only its own To:), submitted together.
func (s *session) transmit(out []byte) ([]byte, proto.Action) {
	var req transReq
	if err := json.Unmarshal(s.body.data, &req); err != nil {
		return s.badRequest(out, "invalid JSON: "+err.Error())
	}
	c := &req.Content
	from, err := parseAddress(c.From)
	if err != nil {
		return s.badRequest(out, "content.from: "+err.Error())
	}
	if c.Text == "" && c.HTML == "" {
		return s.badRequest(out, "content.text or content.html is required")
	}
	if hasCRLF(c.Subject) || hasCRLF(c.ReplyTo) {
		return s.badRequest(out, "content.subject and content.reply_to must be one line")
	}
	sender := from.Address
	if req.ReturnPath != "" {
		rp, ok := cleanAddr(req.ReturnPath, false)
		if !ok {
			return s.badRequest(out, "invalid return_path")
		}
		sender = rp
	}
	if len(req.Recipients) == 0 || len(req.Recipients) > maxRecipients {
		return s.badRequest(out, "recipients must hold 1 to 10000 entries")
	}
	s.grow(len(req.Recipients))
	for i, r := range req.Recipients {
		to, err := parseAddress(r.Address)
		if err != nil {
			return s.badRequest(out, fmt.Sprintf("recipients[%d].address: %v", i, err))
		}
		s.seq++
		s.bufs[i] = s.buildMessage(s.bufs[i][:0], &req, sender, from, to)
		s.msgs = append(s.msgs, proto.Message{Protocol: "http", Sender: sender,
			Recipients: []string{to.Address}, Data: s.bufs[i]})
	}
	return s.submit(out)
}

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
