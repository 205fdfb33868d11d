package http

import (
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
)

// txReq is a Momentum 4 transmission (POST /api/v1/transmissions).
type txReq struct {
	Options          txOptions       `json:"options"`
	CampaignID       string          `json:"campaign_id"`
	Description      string          `json:"description"`
	Metadata         map[string]any  `json:"metadata"`
	SubstitutionData map[string]any  `json:"substitution_data"`
	ReturnPath       string          `json:"return_path"`
	Recipients       json.RawMessage `json:"recipients"`
	Content          txContent       `json:"content"`
}

type txOptions struct {
	Sandbox              bool   `json:"sandbox"`
	StartTime            string `json:"start_time"`
	PerformSubstitutions *bool  `json:"perform_substitutions"`
	// open_tracking, click_tracking, transactional, ip_pool, inline_css,
	// skip_suppression and dkim_key are accepted and have no effect: an
	// ingress node neither tracks nor signs (docs/http.md).
}

// txContent is every content shape: inline, stored template, A/B test and
// RFC 822. The shapes are exclusive.
type txContent struct {
	From         json.RawMessage   `json:"from"`
	Subject      string            `json:"subject"`
	Text         string            `json:"text"`
	HTML         string            `json:"html"`
	AMPHTML      string            `json:"amp_html"`
	ReplyTo      string            `json:"reply_to"`
	Headers      map[string]string `json:"headers"`
	Attachments  []txFile          `json:"attachments"`
	InlineImages []txFile          `json:"inline_images"`
	TemplateID   string            `json:"template_id"`
	UseDraft     bool              `json:"use_draft_template"`
	EmailRFC822  string            `json:"email_rfc822"`
	ABTestID     string            `json:"ab_test_id"`
}

// txFile is an attachment or an inline image: base64 data with a type and
// a name (the inline image's Content-ID).
type txFile struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Data string `json:"data"`
	hdr  string // the part's header lines, built once by files
}

type txRcpt struct {
	Address          json.RawMessage `json:"address"`
	ReturnPath       string          `json:"return_path"`
	Tags             []string        `json:"tags"`
	Metadata         map[string]any  `json:"metadata"`
	SubstitutionData map[string]any  `json:"substitution_data"`
}

// rcptAddr is a recipient's address: email is the RCPT TO; headerTo, when
// set, is the To: header instead of the recipient (CC and BCC copies).
type rcptAddr struct {
	email, name, headerTo string
}

// parseRcptAddr accepts "a@b", "Name <a@b>" or {"email","name","header_to"},
// decoding the JSON once.
func parseRcptAddr(raw json.RawMessage) (rcptAddr, error) {
	if len(raw) == 0 || raw[0] != '{' {
		a, err := parseAddress(raw)
		if err != nil {
			return rcptAddr{}, err
		}
		return rcptAddr{email: a.Address, name: a.Name}, nil
	}
	var obj struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		HeaderTo string `json:"header_to"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return rcptAddr{}, errField("must be a string or an object with email")
	}
	email := strings.TrimSpace(obj.Email)
	if _, ok := cleanAddr(email, false); !ok || email == "" || hasCRLF(obj.Name) || hasCRLF(obj.HeaderTo) {
		return rcptAddr{}, errField("invalid address " + strconv.Quote(email))
	}
	return rcptAddr{email: email, name: obj.Name, headerTo: obj.HeaderTo}, nil
}

// appendAddr writes "Name" <email> (or <email>) as a header value; names
// that are not plain ASCII go through net/mail, which RFC 2047-encodes them.
func appendAddr(dst []byte, name, email string) []byte {
	if name == "" {
		return append(append(append(dst, '<'), email...), '>')
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c >= 0x7f {
			return append(dst, (&mail.Address{Name: name, Address: email}).String()...)
		}
	}
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, name[i])
	}
	dst = append(dst, `" <`...)
	return append(append(dst, email...), '>')
}

type errField string

func (e errField) Error() string { return string(e) }
