package config

import (
	"fmt"
	"strings"
)

// Values are checked by kind before any option is set, from a file and
// from the console alike (both go through typed): no string may carry a
// control character, since every one of them ends up in a protocol line,
// a header or a log line, where CR or LF would start a new one
// ("Static_Banner = "x\r\n250 y"" made the banner two replies). Options
// naming a host and options sent as SMTP reply text are held to their
// narrower syntax.

// hostOptions hold a host name or address literal: the EHLO/banner name and
// the Received header's "by" name.
var hostOptions = map[string]bool{
	"hostname": true, "banner_hostname": true, "received_hostname": true,
	"domain_for_unqualified_recipient_addresses": true,
	"domain_for_unqualified_sender_address":      true,
}

// replyTextOptions are written into SMTP replies: RFC 5321 textstring,
// HT and printable US-ASCII.
var replyTextOptions = map[string]bool{"static_banner": true, "reconfig_message": true}

// checkText rejects control characters in any string value: C0 (HT
// allowed), DEL. It returns "" or a reason.
func checkText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return fmt.Sprintf("control character %s at byte %d is not allowed in a value", ctlName(c), i)
		}
	}
	return ""
}

// checkOption applies the option's narrower syntax, when it has one.
func checkOption(d *optDef, s string) string {
	if why := checkText(s); why != "" {
		return why
	}
	switch {
	case hostOptions[d.key]:
		if !validHost(s) {
			return "a host name (letters, digits, '-', '_', '.') or an address literal such as [192.0.2.1] is required"
		}
	case replyTextOptions[d.key]:
		for i := 0; i < len(s); i++ {
			if s[i] > 0x7e {
				return "SMTP reply text must be printable US-ASCII"
			}
		}
	}
	return ""
}

// validHost accepts a domain (LDH labels, '_' tolerated as resolvers do)
// or an address literal in brackets; at most 255 bytes.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	if s[0] == '[' {
		if s[len(s)-1] != ']' || len(s) < 3 {
			return false
		}
		for i := 1; i < len(s)-1; i++ {
			c := s[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':' || c == '.') {
				return false
			}
		}
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func ctlName(c byte) string {
	switch c {
	case '\r':
		return "CR"
	case '\n':
		return "LF"
	case 0:
		return "NUL"
	case 0x7f:
		return "DEL"
	}
	return fmt.Sprintf("0x%02x", c)
}
