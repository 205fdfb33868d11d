package config

// Safe defaults: an internet-facing node must hold with every default, so
// these three differ from Momentum (where each is unset, i.e. unlimited).
// docs/config.md "Defaults that differ from Momentum" gives the reasons;
// -dump shows them with the source "default".
const (
	// DefaultMaxRecipients is Max_Recipients_Per_Message: Postfix's
	// smtpd_recipient_limit. One million RCPTs once took 2 GB and wrote one
	// 254 MB record.
	DefaultMaxRecipients = "1000"
	// DefaultMaxMessageSize is Max_Message_Size (ESMTP, ECStream, HTTP):
	// the common public limit (Gmail's 25 MB), 2.5× Postfix's
	// message_size_limit. A sender still learns it from EHLO SIZE.
	DefaultMaxMessageSize = "25M"
	// DefaultServiceSessions is Service_Sessions, per listener type: about
	// 52 MB of idle-session RSS at the measured 2.6 KB each, and a bound on
	// kernel socket buffers a connection flood can pin.
	DefaultServiceSessions = "20000"
)
