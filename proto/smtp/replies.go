package smtp

// reply is one fixed SMTP reply. The enhanced status code (RFC 2034/3463)
// is written only when the policy advertises ENHANCEDSTATUSCODES.
type reply struct {
	code string // "250"
	enh  string // "2.0.0", "" for none
	text string
}

// Reply texts follow momentum-spec §6.3 where it documents one; the rest are
// ours. docs/smtp.md lists them all.
var (
	rMailOK      = reply{"250", "2.0.0", "MAIL FROM accepted"}
	rRcptOK      = reply{"250", "2.0.0", "RCPT TO accepted"}
	rOK          = reply{"250", "2.0.0", "OK"}
	rData        = reply{"354", "", `continue.  finished with "\r\n.\r\n"`}
	rVrfy        = reply{"252", "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"}
	rHelp        = reply{"214", "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH"}
	rTLSReady    = reply{"220", "2.0.0", "Ready to start TLS"}
	rAuthOK      = reply{"235", "2.7.0", "Authentication successful"}
	rUnknown     = reply{"500", "5.5.2", "unrecognized command"}
	rTooLong     = reply{"500", "5.5.2", "line too long"}
	rBareCRLF    = reply{"500", "5.5.2", "bare CR or LF in command"}
	rBadHELO     = reply{"501", "5.5.2", "invalid HELO"}
	rBadEHLO     = reply{"501", "5.5.2", "invalid EHLO"}
	rMailSyntax  = reply{"501", "5.5.2", "MAIL FROM syntax error"}
	rRcptSyntax  = reply{"501", "5.5.2", "RCPT TO syntax error"}
	rNullSender  = reply{"501", "5.5.2", "null sender not allowed"}
	rIPLiteral   = reply{"501", "5.5.2", "IP literal not allowed"}
	rMailTwice   = reply{"501", "5.5.1", "MAIL FROM already established"}
	rRsetArgs    = reply{"501", "5.5.4", "invalid arguments to RSET"}
	rDataArgs    = reply{"501", "5.5.4", "unexpected argument to DATA"}
	rNoParams    = reply{"501", "5.5.4", "Syntax error (no parameters allowed)"}
	rBDATSyntax  = reply{"501", "5.5.4", "BDAT syntax error"}
	rBadBase64   = reply{"501", "5.5.2", "invalid base64"}
	rAuthCancel  = reply{"501", "5.7.0", "authentication cancelled"}
	rRcptNoMail  = reply{"503", "5.5.1", "RCPT TO without MAIL FROM"}
	rDataNoMail  = reply{"503", "5.5.1", "DATA without MAIL FROM"}
	rDataNoRcpt  = reply{"503", "5.5.1", "DATA without RCPT TO"}
	rBadSeq      = reply{"503", "5.5.1", "bad sequence of commands"}
	rTLSActive   = reply{"503", "5.5.1", "TLS already active"}
	rAuthTwice   = reply{"503", "5.5.1", "already authenticated"}
	rMechanism   = reply{"504", "5.5.4", "unrecognized authentication mechanism"}
	rAuthFail    = reply{"535", "5.7.8", "authentication credentials invalid"}
	rNeedEHLO    = reply{"550", "5.5.1", "RFC2821 HELO/EHLO needed"}
	rRelayDenied = reply{"550", "5.7.1", "relaying denied"}
	rLoneHdr     = reply{"550", "5.6.0", "Lone CR or LF in headers (see RFC2822 section 2.2)"}
	rLoneBody    = reply{"550", "5.6.0", "Lone CR or LF in body (see RFC2822 section 2.3)"}
	rBareNewline = reply{"550", "5.5.2", "bare CR or LF received; end every line with CRLF"}
	rNoMem       = reply{"452", "4.3.1", "Insufficient system storage, try again later"}
	rHdrLong     = reply{"550", "5.6.0", "Header line too long (see RFC2822 section 3.5)"}
	rBodyLong    = reply{"550", "5.6.0", "Body line too long (see RFC2822 section 3.5)"}
	rTooBig      = reply{"552", "5.3.4", "message size limit exceeded"}
	rNeedUTF8    = reply{"553", "5.6.7", "non-ASCII address requires SMTPUTF8"}
	rInjection   = reply{"554", "5.5.1", "commands pipelined after STARTTLS, closing connection"}
	rBadParam    = reply{"555", "5.5.4", "unsupported parameter"}
	rRcptPerMsg  = reply{"452", "4.5.3", "Service unavailable, recipients per message limit reached"}
	rRcptPerConn = reply{"452", "4.5.3", "Service unavailable, recipients per connection limit reached"}
	rSpoolFail   = reply{"451", "4.3.0", "transaction failed"}
	rReceptions  = reply{"421", "4.4.5", "Service unavailable, receptions per connection limit reached"}
	rTooMany     = reply{"421", "4.7.0", "too many bad commands, closing connection"}
	rShutdown    = reply{"421", "4.3.2", "Service shutting down, closing connection"}
	rNoTLS       = reply{"454", "4.7.0", "TLS not available"}
	rRefuseCap   = reply{"421", "4.4.5", "Service unavailable, concurrency limit reached."}
)

// appendReply appends r as one line. It does not allocate when out has room.
func appendReply(out []byte, r reply, enhanced bool) []byte {
	out = append(out, r.code...)
	out = append(out, ' ')
	if enhanced && r.enh != "" {
		out = append(out, r.enh...)
		out = append(out, ' ')
	}
	out = append(out, r.text...)
	return append(out, '\r', '\n')
}

// bad reports whether r counts towards the bad-command limit: syntax,
// sequence and unknown-command errors (5.5.x), not policy refusals.
func (r reply) bad() bool {
	return r.code[0] == '5' && len(r.enh) > 3 && r.enh[:3] == "5.5"
}
