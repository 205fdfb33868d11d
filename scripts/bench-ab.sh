#!/usr/bin/env bash
# scripts/bench-ab.sh: before/after throughput of sluiced in one run, for a
# change too small for the full scripts/bench.sh comparison.
#
#   scripts/bench-ab.sh OLD_REV [ROUNDS] [DURATION] [NEW_REV]   # default 6 rounds of 3s
#
# Builds sluiced at OLD_REV (a temporary git worktree) and from the working
# tree (or at NEW_REV), then runs sluice-bench smtp-keepalive (PIPELINING, 1 KiB, 20
# sessions, spool on /dev/shm so the protocol path is measured, not the
# disk) against each on io_uring and epoll, alternating old/new inside every
# round so both see the same machine noise. Prints per-run figures and the
# median ops/s and server CPU µs/op per binary and back end
# (BACKENDS="epoll" to run one).
set -euo pipefail
OLD=${1:?usage: scripts/bench-ab.sh OLD_REV [ROUNDS] [DURATION]}
ROUNDS=${2:-6} DUR=${3:-3s} NEW=${4:-} BACKENDS=${BACKENDS:-io_uring epoll}
cd "$(dirname "$0")/.."
W=$(mktemp -d /var/tmp/sluice-ab.XXXXXX) SHM=$(mktemp -d /dev/shm/sluice-ab.XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  git worktree remove --force "$W/old" >/dev/null 2>&1 || true
  git worktree remove --force "$W/new" >/dev/null 2>&1 || true
  rm -rf "$W" "$SHM"
}
trap cleanup EXIT
git worktree add -q --detach "$W/old" "$OLD"
(cd "$W/old" && go build -o "$W/sluiced-old" ./cmd/sluiced)
if [ -n "$NEW" ]; then
  git worktree add -q --detach "$W/new" "$NEW"
  (cd "$W/new" && go build -o "$W/sluiced-new" ./cmd/sluiced)
else
  go build -o "$W/sluiced-new" ./cmd/sluiced
fi
go build -o "$W/sluice-bench" ./cmd/sluice-bench
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() { # run BIN BACKEND ROUND
  local p h e; p=$(port) h=$(port) e=$(port)
  sed -e "s#@SPOOL@#$SHM/spool-$1-$2-$3#; s#@SMTP_PORT@#$p#; s#@HTTP_PORT@#$h#; s#@ECS_PORT@#$e#" \
    -e '/TLS_Certificate\|TLS_Key\|STARTTLS/d' bench/config/sluice.conf.in > "$W/$1.conf"
  "$W/sluiced-$1" -config "$W/$1.conf" -event-loop "$2" -workers 1 -metrics off -log-level error 2>>"$W/$1.log" &
  PID=$!
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done
  "$W/sluice-bench" -scenario smtp-keepalive -pipelining on -addr "127.0.0.1:$p" -conns 20 -size 1024 \
    -duration "$DUR" -server-pid "$PID" -perf off -progress off -quiet -label "$1-$2" -round "$3" \
    -json "$W/r.$1.$2.$3.json"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  rm -rf "$SHM/spool-$1-$2-$3"
}
for r in $(seq "$ROUNDS"); do
  for be in $BACKENDS; do
    if [ $((r % 2)) = 1 ]; then run old "$be" "$r"; run new "$be" "$r"; else run new "$be" "$r"; run old "$be" "$r"; fi
  done
done
python3 - "$W" <<'PY'
import glob, json, statistics, sys
rows = {}
for f in sorted(glob.glob(sys.argv[1] + "/r.*.json")):
    d = json.load(open(f))
    _, binary, be, rnd, _ = f.rsplit("/", 1)[1].split(".")
    ops, cpu = d["ops_per_s"], d["server"]["cpu_us_per_op"]
    if d.get("errors"):
        print(f"{f}: {d['errors']} errors: {d.get('first_error')}")
    rows.setdefault((be, binary), []).append((ops, cpu))
    print(f"round {rnd} {be:8} {binary}: {ops:10.0f} ops/s  {cpu:7.1f} µs CPU/op")
print()
for be in ("io_uring", "epoll"):
    o, n = rows.get((be, "old"), []), rows.get((be, "new"), [])
    if not o or not n:
        continue
    mo, mn = statistics.median(x[0] for x in o), statistics.median(x[0] for x in n)
    co, cn = statistics.median(x[1] for x in o), statistics.median(x[1] for x in n)
    print(f"{be:8} median ops/s old {mo:8.0f} new {mn:8.0f} ({mn/mo:5.2f}x); "
          f"server CPU/op old {co:6.1f} µs new {cn:6.1f} µs ({cn/co:5.2f}x)")
PY
