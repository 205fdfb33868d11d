#!/usr/bin/env python3
"""Drives a running sluiced with Python's smtplib and a raw pipelining client.

Usage: interop_smtp.py HOST PORT CAFILE USER PASSWORD MANIFEST_OUT

Writes a JSON manifest of every message that got a 250 (sender, recipients,
body as sent), so verify_spool.py can check each one landed byte-exact.
"""
import base64
import json
import smtplib
import socket
import ssl
import sys

host, port, cafile, user, password, manifest_path = sys.argv[1:7]
port = int(port)
sent = []


def body(tag):
    # A leading dot (dot-stuffed on the wire) and an 8-bit line, CRLF throughout.
    return (f"From: a@example.org\r\nTo: b@example.com\r\nSubject: {tag}\r\n\r\n"
            f"hello from {tag}\r\n.leading dot\r\n..two dots\r\n"
            "caf\u00e9 8bit\r\nlast line\r\n").encode("utf-8")


def check(cond, what):
    if not cond:
        print(f"interop FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"interop ok: {what}")


# 1. EHLO advertises what the config asks for.
with smtplib.SMTP(host, port, timeout=10) as s:
    code, msg = s.ehlo("interop.test")
    text = msg.decode()
    lines = text.split("\n")
    print("EHLO transcript:")
    for i, l in enumerate(lines):
        print(f"  250{'-' if i < len(lines) - 1 else ' '}{l}")
    check(code == 250, "EHLO answers 250")
    for ext in ("PIPELINING", "8BITMIME", "STARTTLS", "ENHANCEDSTATUSCODES"):
        check(ext in text, f"EHLO advertises {ext}")
    check("says EHLO to" in text, "EHLO greets with 'says EHLO to <ip>:<port>'")
    # 2. A plain smtplib transaction to a relay domain.
    b = body("smtplib-plain")
    s.sendmail("a@example.org", ["b@example.com"], b)
    sent.append({"sender": "a@example.org", "rcpts": ["b@example.com"], "body": b})
    check(True, "smtplib sendmail accepted")
    # 3. Relaying to a foreign domain without auth is refused.
    try:
        s.sendmail("a@example.org", ["x@elsewhere.net"], body("denied"))
        check(False, "unauthenticated relay refused")
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients["x@elsewhere.net"]
        check(code == 550 and b"relaying denied" in text, "unauthenticated relay gets 550 relaying denied")

# 4. A pipelined transaction: EHLO, MAIL, RCPT, RCPT, DATA in one write.
sock = socket.create_connection((host, port), timeout=10)
f = sock.makefile("rb")


def reply():
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("interop FAIL: connection closed")
        lines.append(line)
        if line[3:4] != b"-":
            return int(line[:3]), b"".join(lines)


check(reply()[0] == 220, "banner 220")
sock.sendall(b"EHLO pipe.test\r\nMAIL FROM:<p@example.org>\r\n"
             b"RCPT TO:<q@example.com>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n")
codes = [reply()[0] for _ in range(5)]
check(codes == [250, 250, 250, 250, 354], f"pipelined replies {codes}")
b = body("pipelined")
wire = b.replace(b"\r\n.", b"\r\n..")
sock.sendall(wire + b".\r\nQUIT\r\n")
code, text = reply()
check(code == 250 and b"OK" in text, f"pipelined message accepted: {text.strip().decode()}")
check(reply()[0] == 221, "QUIT 221")
sock.close()
sent.append({"sender": "p@example.org", "rcpts": ["q@example.com", "r@example.com"], "body": b})

# 5. STARTTLS with a generated certificate, then AUTH PLAIN, then relay anywhere.
ctx = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP(host, port, timeout=10) as s:
    s.ehlo("tls.test")
    code, _ = s.starttls(context=ctx)
    check(code == 220, "STARTTLS 220")
    code, msg = s.ehlo("tls.test")
    check(b"STARTTLS" not in msg, "STARTTLS not advertised again under TLS")
    check(b"AUTH" in msg and b"PLAIN" in msg, "AUTH PLAIN advertised under TLS")
    s.user, s.password = user, password
    code, _ = s.auth("PLAIN", s.auth_plain)
    check(code == 235, "AUTH PLAIN 235")
    b = body("starttls-auth")
    s.sendmail("auth@example.org", ["far@elsewhere.net"], b)
    sent.append({"sender": "auth@example.org", "rcpts": ["far@elsewhere.net"], "body": b})
    check(True, "authenticated relay over TLS accepted")

with open(manifest_path, "w") as out:
    json.dump([{"sender": m["sender"], "rcpts": m["rcpts"],
                "body": base64.b64encode(m["body"]).decode()} for m in sent], out)
print(f"interop: {len(sent)} messages sent by python")
