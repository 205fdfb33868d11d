#!/usr/bin/env bash
# ECStream against SMTP on one sluiced: server CPU per 1 KiB message, same
# server process, same round, interleaved (issue 10's target: ECStream at
# most one third of SMTP's server CPU per message).
#   SMTP:     smtp-source -d -s 20 -l 1024 (kept-open sessions, no pipelining)
#   ECStream: sluice-bench -scenario ecstream -conns 4 -batch 100 -size 1024
# Server pinned to CPU 0, clients to CPU 1. Usage: scripts/bench-ecstream.sh [rounds] [messages] [spool-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}; n=${2:-20000}; spoolbase=${3:-}
bash scripts/deps.sh >/dev/null
work=$(mktemp -d /tmp/sluice-ecsbench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/sluiced" ./cmd/sluiced
go build -o "$work/sluice-bench" ./cmd/sluice-bench
spool=${spoolbase:-$work/spool}
cat > "$work/b.conf" <<CONF
Spoolbase = "$spool"
ESMTP_Listener { Open_Relay = true
  Listen "127.0.0.1:25460" { } }
ECStream_Listener { Listen "127.0.0.1:25461" { } }
CONF
cpu() { local a; read -r -a a < "/proc/$1/stat"; echo $((a[13] + a[14])); }
hz=$(getconf CLK_TCK)
printf '| round | SMTP msg/s | SMTP µs CPU/msg | ECStream msg/s | ECStream µs CPU/msg | ratio |\n|---|---|---|---|---|---|\n'
for r in $(seq 1 "$rounds"); do
  rm -rf "$spool"
  taskset -c 0 "$work/sluiced" -config "$work/b.conf" -event-loop io_uring -workers 1 -metrics off >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/25460) 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
  c0=$(cpu "$pid"); t0=$(date +%s.%N)
  taskset -c 1 /usr/sbin/smtp-source -M '[127.0.0.1]' -d -s 20 -m "$n" -l 1024 -f a@example.org -t b@example.com 127.0.0.1:25460
  t1=$(date +%s.%N); c1=$(cpu "$pid")
  taskset -c 1 "$work/sluice-bench" -scenario ecstream -addr 127.0.0.1:25461 -conns 4 -batch 100 -size 1024 \
    -ops "$n" -progress off -quiet -perf off -json "$work/ecs.json" >/dev/null
  c2=$(cpu "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  python3 - "$n" "$t0" "$t1" "$c0" "$c1" "$c2" "$hz" "$work/ecs.json" "$r" <<'PY'
import json, sys
n, t0, t1, c0, c1, c2, hz = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), *map(int, sys.argv[4:7]), int(sys.argv[7])
res = json.load(open(sys.argv[8]))
ops = res.get("ops") or res.get("Ops") or n
secs = res.get("seconds") or res.get("elapsed_s") or res.get("Seconds") or 0
smtp_us = (c1 - c0) / hz * 1e6 / n
ecs_us = (c2 - c1) / hz * 1e6 / ops
ecs_rate = f"{ops/secs:.0f}" if secs else "?"
print(f"| {sys.argv[9]} | {n/(t1-t0):.0f} | {smtp_us:.1f} | {ecs_rate} | {ecs_us:.1f} | {ecs_us/smtp_us:.3f} |")
PY
done
