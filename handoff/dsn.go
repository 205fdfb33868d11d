package handoff

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"sluice/spool"
)

// bounce makes a DSN (RFC 3464) for the failed recipients of rec durable
// in the spool, addressed to rec's sender, with the null sender so that it
// can never bounce in turn. Nothing is sent for the null sender.
func (d *Dispatcher) bounce(rec *spool.Record, failed []rcptFailure) error {
	if rec.Env.Sender == "" || d.o.Inject == nil {
		d.log.Info("handoff: no DSN", "id", rec.ID.String(), "null_sender", rec.Env.Sender == "", "failed", len(failed))
		return nil
	}
	msg := BuildDSN(d.o.Hostname, rec, failed, time.Now())
	env := &spool.Envelope{Sender: "", Recipients: []string{rec.Env.Sender}, Protocol: "dsn",
		Peer: "local", Listener: "handoff", Time: time.Now()}
	nid, err := d.o.Inject(env, msg)
	if err != nil {
		return err
	}
	d.log.Info("handoff: DSN queued", "id", rec.ID.String(), "dsn_id", nid.String(), "to", rec.Env.Sender, "failed", len(failed))
	return nil
}

// BuildDSN renders a multipart/report delivery status notification for
// the failed recipients of rec (RFC 3464, RFC 6522): a human-readable
// part, the machine-readable message/delivery-status part, and the
// original message's header as text/rfc822-headers.
func BuildDSN(host string, rec *spool.Record, failed []rcptFailure, now time.Time) []byte {
	if host == "" {
		host = "localhost"
	}
	boundary := rec.ID.String() + "/" + host
	var b bytes.Buffer
	crlf := func(format string, a ...any) { fmt.Fprintf(&b, format+"\r\n", a...) }
	crlf("From: Mail Delivery System <MAILER-DAEMON@%s>", host)
	crlf("To: <%s>", rec.Env.Sender)
	crlf("Subject: Undelivered Mail Returned to Sender")
	crlf("Date: %s", now.Format(time.RFC1123Z))
	crlf("Message-ID: <%s.dsn@%s>", rec.ID, host)
	crlf("Auto-Submitted: auto-replied")
	crlf("MIME-Version: 1.0")
	crlf("Content-Type: multipart/report; report-type=delivery-status;")
	crlf("\tboundary=\"%s\"", boundary)
	crlf("")
	crlf("This is a MIME-encapsulated message.")
	crlf("")
	crlf("--%s", boundary)
	crlf("Content-Description: Notification")
	crlf("Content-Type: text/plain; charset=utf-8")
	crlf("")
	crlf("This is the mail system at host %s.", host)
	crlf("")
	crlf("Your message (queue id %s) could not be delivered to one or more", rec.ID)
	crlf("recipients. It has been kept by the postmaster. The errors follow.")
	crlf("")
	for _, f := range failed {
		crlf("<%s>: %s", f.rcpt, oneLine(f.status.String()))
	}
	crlf("")
	crlf("--%s", boundary)
	crlf("Content-Description: Delivery report")
	crlf("Content-Type: message/delivery-status")
	crlf("")
	crlf("Reporting-MTA: dns; %s", host)
	crlf("X-Sluice-Queue-ID: %s", rec.ID)
	crlf("Arrival-Date: %s", rec.Env.Time.Format(time.RFC1123Z))
	for _, f := range failed {
		crlf("")
		crlf("Final-Recipient: rfc822; %s", f.rcpt)
		crlf("Action: failed")
		crlf("Status: %s", dsnStatus(f.status))
		crlf("Diagnostic-Code: smtp; %s", oneLine(f.status.String()))
	}
	crlf("")
	crlf("--%s", boundary)
	crlf("Content-Description: Undelivered Message Headers")
	crlf("Content-Type: text/rfc822-headers")
	crlf("")
	b.Write(headerOf(rec.Data))
	crlf("")
	crlf("--%s--", boundary)
	return b.Bytes()
}

// dsnStatus is the RFC 3463 code of a failure: the target's enhanced
// code when it gave one, else derived from the reply class.
func dsnStatus(s Status) string {
	if s.Enhanced != "" {
		return s.Enhanced
	}
	if s.Permanent() {
		return "5.0.0"
	}
	return "4.0.0"
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// headerOf is the header section of a message (up to the blank line),
// with CRLF line ends and at most 64 KiB.
func headerOf(data []byte) []byte {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(data)
	} else {
		end += 2
	}
	h := data[:min(end, 64<<10)]
	if !bytes.HasSuffix(h, []byte("\r\n")) {
		h = append(append([]byte(nil), h...), "\r\n"...)
	}
	return h
}
