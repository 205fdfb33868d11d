package http

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sluice/proto"
)

// injectReq is the Momentum 3 REST injector body (momentum-spec §7.1).
type injectReq struct {
	Template   string       `json:"template"`
	Recipients []injectRcpt `json:"recipients"`
}

type injectRcpt struct {
	To   string         `json:"to"`
	From string         `json:"from"`
	Keys map[string]any `json:"keys"`
	Vctx map[string]any `json:"vctx"` // accepted; sluice has no validation context
}

// maxRecipients bounds the messages one JSON request may create.
const maxRecipients = 10000

// inject serves POST /v1.0/inject: one message per recipient, rendered from
// the template, all submitted together and answered once all are durable.
func (s *session) inject(out []byte) ([]byte, proto.Action) {
	var req injectReq
	if err := json.Unmarshal(s.body.data, &req); err != nil {
		return s.injectFail(out, 400, "invalid JSON: "+err.Error())
	}
	if req.Template == "" {
		return s.injectFail(out, 400, "template is required")
	}
	for i := 0; i < len(req.Template); i++ {
		if c := req.Template[i]; c == 0 || c >= 0x80 {
			return s.injectFail(out, 400, "template must be 7-bit ASCII")
		}
	}
	if len(req.Recipients) == 0 || len(req.Recipients) > maxRecipients {
		return s.injectFail(out, 400, "recipients must hold 1 to 10000 entries")
	}
	s.grow(len(req.Recipients))
	var built int64 // bytes rendered so far: 10000 recipients × a big template must not exhaust memory
	for i, rc := range req.Recipients {
		keys := lowerKeys(rc.Keys)
		rawTo, rawFrom := orKey(rc.To, keys, "to"), orKey(rc.From, keys, "from")
		to, ok1 := cleanAddr(bareAddr(rawTo), false)
		from, ok2 := cleanAddr(bareAddr(rawFrom), true)
		// A control character (CRLF "a@b\r\n<c@evil>") would make bareAddr
		// pick the smuggled address; the whole value is refused instead.
		if !ok1 || to == "" || !ok2 || hasControl(rawTo) || hasControl(rawFrom) {
			return s.injectFail(out, 400, fmt.Sprintf("recipients[%d]: invalid or missing to/from", i))
		}
		if _, ok := keys["to"]; !ok {
			keys["to"] = rc.To
		}
		if _, ok := keys["from"]; !ok {
			keys["from"] = rc.From
		}
		s.resp = render(s.resp[:0], req.Template, keys)
		s.bufs[i] = appendCRLF(s.bufs[i][:0], s.resp)
		if built += int64(len(s.bufs[i])); built > s.f.o.MaxBuilt {
			return s.injectFail(out, 413, fmt.Sprintf("the messages built for this request exceed %d MiB; send fewer recipients per request", s.f.o.MaxBuilt>>20))
		}
		s.msgs = append(s.msgs, proto.Message{Protocol: "http", Sender: from,
			Recipients: []string{to}, Data: s.bufs[i]})
	}
	return s.submit(out)
}

// grow makes room for n message buffers.
func (s *session) grow(n int) {
	for len(s.bufs) < n {
		s.bufs = append(s.bufs, nil)
	}
	s.msgs = s.msgs[:0]
}

func orKey(v string, keys map[string]string, k string) string {
	if v != "" {
		return v
	}
	return keys[k]
}

// bareAddr takes the address out of "Name <a@b>".
func bareAddr(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.LastIndexByte(a, '<'); i > 0 && strings.HasSuffix(a, ">") {
		return a[i:]
	}
	return a
}

// lowerKeys makes substitution keys case-insensitive and turns JSON values
// into text (strings as is, numbers and booleans in JSON form).
func lowerKeys(m map[string]any) map[string]string {
	out := make(map[string]string, len(m)+2)
	for k, v := range m {
		var t string
		switch v := v.(type) {
		case nil:
		case string:
			t = v
		case float64:
			t = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			t = strconv.FormatBool(v)
		default:
			b, _ := json.Marshal(v)
			t = string(b)
		}
		out[strings.ToLower(k)] = t
	}
	return out
}

// injectDone answers once every message of the request has been resumed.
// The spool has no way to take back messages already committed, so a
// partial failure reports each recipient's real outcome and fails overall.
func (s *session) injectDone(out []byte) ([]byte, proto.Action) {
	failed := s.firstErr() != nil
	b := append(s.resp[:0], `{"results":[`...)
	for i, r := range s.results {
		if i > 0 {
			b = append(b, ',')
		}
		if r.Err != nil {
			b = append(b, `{"status":"failure","reason":`...)
			b = appendJSONString(b, "451 4.3.0 "+spoolReason(r.Err))
			b = append(b, '}')
			continue
		}
		b = append(b, `{"status":"success","mid":`...)
		b = appendJSONString(b, r.ID)
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, "250 "+r.ID)
		b = append(b, '}')
	}
	if failed {
		b = append(b, `],"status":"failure"}`...)
		s.resp = b
		return s.reply(out, 503, ctJSON, b, retryAfter)
	}
	b = append(b, `],"status":"success"}`...)
	s.resp = b
	return s.reply(out, 200, ctJSON, b, "")
}

// injectFail answers a request the injector refuses as a whole.
func (s *session) injectFail(out []byte, code int, why string) ([]byte, proto.Action) {
	b := append(s.resp[:0], `{"results":[],"status":"failure","reason":`...)
	b = appendJSONString(b, why)
	s.resp = append(b, '}')
	return s.reply(out, code, ctJSON, s.resp, "")
}

// hasControl reports a C0 control character or DEL in s.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
