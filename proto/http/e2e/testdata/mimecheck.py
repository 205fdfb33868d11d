"""Parses each message file given with Python's email package (the strict
default policy) and prints its MIME tree, one part per line:
depth, content type, disposition, filename, Content-ID, and the decoded
content of leaf parts. Exits 1 on any defect."""
import email
import email.policy
import sys

bad = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    print("==", path.rsplit("/", 1)[-1], "to", msg["To"], "subject", msg["Subject"])

    def walk(part, depth):
        global bad
        if part.defects:
            print("DEFECT", path, part.get_content_type(), part.defects)
            bad = 1
        line = "%s%s" % ("  " * depth, part.get_content_type())
        if part.is_multipart():
            print(line)
            for sub in part.iter_parts():
                walk(sub, depth + 1)
            return
        disp = part.get_content_disposition()
        if disp:
            line += " %s %s" % (disp, part.get_filename())
        if part["Content-ID"]:
            line += " " + part["Content-ID"]
        content = part.get_content()
        if isinstance(content, bytes):
            content = content.hex()
        print(line, repr(content))

    walk(msg, 0)
sys.exit(bad)
