package http

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// appendMSYS records campaign_id, metadata (the recipient's over the
// transmission's) and the recipient's tags in an X-MSYS-API header, the
// header Momentum and SparkPost read from SMTP-injected mail, so a hand-off
// (or a Momentum downstream) sees them with the message. The JSON is
// ASCII-only and folded between members, never inside a string.
func appendMSYS(dst []byte, req *txReq, r *txRcpt) []byte {
	v := struct {
		CampaignID string         `json:"campaign_id,omitempty"`
		Metadata   map[string]any `json:"metadata,omitempty"`
		Tags       []string       `json:"tags,omitempty"`
	}{CampaignID: req.CampaignID, Metadata: req.Metadata, Tags: r.Tags}
	if len(r.Metadata) > 0 {
		m := make(map[string]any, len(req.Metadata)+len(r.Metadata))
		for k, x := range req.Metadata {
			m[k] = x
		}
		for k, x := range r.Metadata {
			m[k] = x
		}
		v.Metadata = m
	}
	if len(v.Tags) > 10 { // Momentum keeps the first 10 tags of a recipient
		v.Tags = v.Tags[:10]
	}
	js, _ := json.Marshal(v)
	dst = append(dst, "X-MSYS-API: "...)
	line, inStr, esc := len("X-MSYS-API: "), false, false
	for i := 0; i < len(js); {
		c := js[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRune(js[i:])
			dst = appendU(dst, r)
			line += 12
			i += n
			continue
		}
		dst = append(dst, c)
		line++
		i++
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && c == ',' && line > 900:
			dst = append(dst, "\r\n "...)
			line = 1
		}
	}
	return append(dst, "\r\n"...)
}

// appendU writes r as JSON \u escapes (a surrogate pair above the BMP).
func appendU(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	w := func(dst []byte, u rune) []byte {
		return append(dst, '\\', 'u', hex[u>>12&15], hex[u>>8&15], hex[u>>4&15], hex[u&15])
	}
	if r > 0xffff {
		r -= 0x10000
		return w(w(dst, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
	}
	return w(dst, r)
}

// unsafeString views b as a string without copying; b must not change
// while the string is used.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
