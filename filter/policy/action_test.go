package policy

import "testing"

func TestParseAction(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decision
		err  bool
	}{
		{in: "OK", want: Decision{Kind: Permit}},
		{in: "ok whatever", want: Decision{Kind: Permit}},
		{in: "RELAY", want: Decision{Kind: Permit}},
		{in: "1234", want: Decision{Kind: Permit}},
		{in: "DUNNO", want: Decision{Kind: Dunno}},
		{in: "dunno", want: Decision{Kind: Dunno}},
		{in: "WARN be careful", want: Decision{Kind: Dunno}},
		{in: "DEFER_IF_REJECT x", want: Decision{Kind: Dunno}},
		{in: "REJECT", want: Decision{Kind: Reject, Code: "554", Enhanced: "5.7.1"}},
		{in: "REJECT go away", want: Decision{Kind: Reject, Code: "554", Enhanced: "5.7.1", Text: "go away"}},
		{in: "reject 5.7.26 DMARC", want: Decision{Kind: Reject, Code: "554", Enhanced: "5.7.26", Text: "DMARC"}},
		{in: "DEFER later", want: Decision{Kind: Defer, Code: "450", Enhanced: "4.7.1", Text: "later"}},
		{in: "DEFER_IF_PERMIT Greylisted, see http://postgrey.schweikert.ch/help/x.html",
			want: Decision{Kind: Defer, Code: "450", Enhanced: "4.7.1", Text: "Greylisted, see http://postgrey.schweikert.ch/help/x.html"}},
		{in: "DEFER_IF_PERMIT 4.2.0 Greylisted", want: Decision{Kind: Defer, Code: "450", Enhanced: "4.2.0", Text: "Greylisted"}},
		{in: "550 5.7.23 SPF fail", want: Decision{Kind: Reject, Code: "550", Enhanced: "5.7.23", Text: "SPF fail"}},
		{in: "451 try later", want: Decision{Kind: Defer, Code: "451", Text: "try later"}},
		{in: "421 bye", want: Decision{Kind: Defer, Code: "421", Text: "bye", Close: true}},
		{in: "521 5.7.0 bye", want: Decision{Kind: Reject, Code: "521", Enhanced: "5.7.0", Text: "bye", Close: true}},
		{in: "550 4.7.1 mismatch", err: true},
		{in: "PREPEND X-Greylist: delayed 2 seconds", want: Decision{Kind: Prepend, Text: "X-Greylist: delayed 2 seconds"}},
		{in: "PREPEND not a header", err: true},
		{in: "PREPEND : empty name", err: true},
		{in: "DISCARD", want: Decision{Kind: Discard}},
		{in: "HOLD", want: Decision{Kind: Dunno, Warn: "HOLD is not supported by sluice; treated as DUNNO"}},
		{in: "check_client_access hash:/x", err: true},
		{in: "", err: true},
		{in: "600 nope", err: true},
	} {
		got, err := ParseAction(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseAction(%q) = %+v, %v; want %+v, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
