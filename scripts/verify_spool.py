#!/usr/bin/env python3
"""Checks that messages landed in a Maildir export of the sluice spool.

Usage: verify_spool.py MAILDIR EXPECTED_TOTAL MANIFEST...

Every message must start with a Received: trace header added by sluice.
Every manifest message (JSON from interop_smtp.py or the swaks step) must be
present byte-exact after that header, exactly once.
"""
import base64
import json
import os
import sys

maildir, expected = sys.argv[1], int(sys.argv[2])
manifests = sys.argv[3:]


def strip_received(data):
    if not data.startswith(b"Received:"):
        raise SystemExit("verify FAIL: a stored message has no Received: header first")
    # The header may be folded: continuation lines start with a space or tab.
    i = data.index(b"\r\n") + 2
    while data[i:i + 1] in (b" ", b"\t"):
        i = data.index(b"\r\n", i) + 2
    return data[i:]


bodies = []
for sub in ("new", "cur"):
    d = os.path.join(maildir, sub)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as fh:
            bodies.append(strip_received(fh.read()))

if len(bodies) != expected:
    raise SystemExit(f"verify FAIL: {len(bodies)} messages in the spool, want {expected}")
print(f"verify ok: {len(bodies)} messages, each with a Received header")

counts = {}
for b in bodies:
    counts[b] = counts.get(b, 0) + 1
for path in manifests:
    for m in json.load(open(path)):
        want = base64.b64decode(m["body"])
        n = counts.get(want, 0)
        if n != 1:
            raise SystemExit(f"verify FAIL: message from {m['sender']} found {n} times byte-exact")
    print(f"verify ok: every message of {os.path.basename(path)} is byte-exact, once")
