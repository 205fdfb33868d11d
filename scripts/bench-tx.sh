#!/usr/bin/env bash
# POST /api/v1/transmissions on one sluiced (io_uring, 1 worker pinned to
# CPU 0, client on CPU 1): transmissions per second and server CPU per
# recipient for 1, 100 and 10,000 recipients per request, with and without
# per-recipient substitution (sluice-bench transmission; ops are
# recipients). Each case runs on a fresh spool.
# Usage: scripts/bench-tx.sh [seconds] [spool-dir]     (-quick: 2 s per case)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}; [ "$secs" = "-quick" ] && secs=2
spoolbase=${2:-}
work=$(mktemp -d /tmp/sluice-txbench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/sluiced" ./cmd/sluiced
go build -o "$work/sluice-bench" ./cmd/sluice-bench
spool=${spoolbase:-$work/spool}
port=$((20000 + RANDOM % 10000))
cat > "$work/b.conf" <<CONF
Spoolbase = "$spool"
HTTP_Listener { Listen "127.0.0.1:$port" { } }
CONF
printf '| recipients/request | substitution | transmissions/s | recipients/s | µs server CPU/recipient | server CPU | p50 / p99 ms per request |\n|---|---|---|---|---|---|---|\n'
for rc in 1 100 10000; do
  conns=20; [ "$rc" -ge 100 ] && conns=4; [ "$rc" -ge 10000 ] && conns=2
  for subst in off on; do
    rm -rf "$spool"
    taskset -c 0 "$work/sluiced" -config "$work/b.conf" -event-loop io_uring -workers 1 -metrics off -log-level error >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    flag=""; [ "$subst" = on ] && flag="-subst"
    taskset -c 1 "$work/sluice-bench" transmission -addr "127.0.0.1:$port" -conns "$conns" -rcpts "$rc" $flag \
      -size 512 -duration "${secs}s" -timeout 60s -server-pid "$pid" -perf off -progress off -quiet -json "$work/r.json" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    python3 - "$work/r.json" "$rc" "$subst" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rc = int(sys.argv[2]); s = r["server"]; l = r["latency"]
assert r["errors"] == 0, r.get("first_error")
print("| %d | %s | %.1f | %.0f | %.1f | %.0f%% | %.1f / %.1f |" % (rc, sys.argv[3], r["ops_per_s"] / rc,
      r["ops_per_s"], s["cpu_us_per_op"], 100 * s["cpu_util"], l["p50_us"] / 1000, l["p99_us"] / 1000))
PY
  done
done
echo
echo "Command: scripts/bench-tx.sh $secs on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, kernel $(uname -r)"
