#!/usr/bin/env bash
# scripts/bench.sh: the peer comparison of issue 12, from a fresh machine.
#
# Builds sluiced, sluice-bench and the go-smtp peer, then interleaves
# sluice (io_uring), sluice (epoll), sluice (io_uring, spool on /dev/shm),
# Postfix smtp-sink and go-smtp for ROUNDS rounds (after one discarded
# warm-up round). Server on CPU 0, client on CPU 1 (performance-anchors §7).
# Results: bench/results/ (JSON, Markdown, SVG) and the generated section
# of docs/performance.md.
#
#   scripts/bench.sh                 # default: 5 rounds, 100,000 idle connections
#   scripts/bench.sh -quick          # smoke: 1 round, small counts
#   scripts/bench.sh -rounds 7 -kept 40000 -sessions 20000 -idle 50000
#
# Needs root for: installing packages (when missing), smtp-sink -u nobody,
# raising the open-file limit for idle-hold, perf stat.
set -euo pipefail

ROUNDS=5 KEPT=20000 SESS=10000 IDLE=100000 DUR=3s SIZE=1024 CONC=20
SERVERS="sluice-uring sluice-epoll sluice-uring-shm smtp-sink gosmtp"
OUT=bench/results DOC=docs/performance.md DEPS=1 QUICK=0
ARGS="$*"
usage() { sed -n '2,16p' "$0"; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -rounds) ROUNDS=$2; shift ;;
    -kept) KEPT=$2; shift ;;          # messages per kept-open run (smtp-source -d -m)
    -sessions) SESS=$2; shift ;;      # messages (= sessions) per new-session run
    -idle) IDLE=$2; shift ;;          # idle connections held (0: skip)
    -duration) DUR=$2; shift ;;       # sluice-bench scenarios (pipelined SMTP, HTTP, ECStream)
    -servers) SERVERS=$2; shift ;;
    -out) OUT=$2; shift ;;
    -doc) DOC=$2; shift ;;
    -no-deps) DEPS=0 ;;
    -quick) QUICK=1 ROUNDS=1 KEPT=2000 SESS=1000 IDLE=2000 DUR=1s ;;
    -h|-help|--help) usage ;;
    *) echo "bench: unknown option $1" >&2; usage ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$PATH:/usr/sbin:/sbin"

if [ "$DEPS" = 1 ] && { ! command -v smtp-source >/dev/null || ! command -v wrk >/dev/null; }; then
  scripts/deps.sh
fi
for t in smtp-source smtp-sink taskset go python3; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (run scripts/deps.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/sluice-bench.XXXXXX)   # disk-backed spools live here
SHM=$(mktemp -d /dev/shm/sluice-bench.XXXXXX)     # tmpfs spool for the -shm variant
RAW=$WORK/raw; mkdir -p "$RAW" "$WORK/warm"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK" "$SHM"
}
trap cleanup EXIT

echo "bench: building into $WORK"
go build -o "$WORK/sluiced" ./cmd/sluiced
go build -o "$WORK/sluice-bench" ./cmd/sluice-bench
go build -o "$WORK/gosmtp" ./bench/peers/gosmtp
SB=$WORK/sluice-bench

# idle-hold needs an fd per connection in both processes (children inherit).
IDLE_NOTE=""
if [ "$IDLE" -gt 0 ] && ! ulimit -n $((IDLE * 2 + 4096)) 2>/dev/null; then
  # Raising the hard limit needs CAP_SYS_RESOURCE; sluiced holds one fd
  # per connection, so the open-file limit caps the idle test.
  IDLE_NOTE="idle-hold held $(( $(ulimit -n) - 2048 )) connections, not $IDLE: RLIMIT_NOFILE is $(ulimit -Hn) and cannot be raised here (no CAP_SYS_RESOURCE). RSS per connection is (RSS after - RSS before) / connections, so fixed costs weigh more than they would at 100,000."
  echo "bench: $IDLE_NOTE" >&2
  IDLE=$(( $(ulimit -n) - 2048 ))
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on port $1" >&2; return 1
}

# start_server NAME: sets SPID, PORT (SMTP), HPORT (HTTP) and EPORT (ECStream).
start_server() {
  PORT=$(free_port) HPORT=$(free_port) EPORT=$(free_port)
  case "$1" in
    sluice-*)
      local backend=io_uring spool="$WORK/spool-$RANDOM$RANDOM"
      case "$1" in *epoll*) backend=epoll ;; esac
      case "$1" in *-shm) spool="$SHM/spool-$RANDOM$RANDOM" ;; esac
      sed -e "s#@SPOOL@#$spool#; s#@SMTP_PORT@#$PORT#; s#@HTTP_PORT@#$HPORT#; s#@ECS_PORT@#$EPORT#" \
        bench/config/sluice.conf.in > "$WORK/$1.conf"
      GOMAXPROCS=1 taskset -c 0 "$WORK/sluiced" -config "$WORK/$1.conf" -event-loop "$backend" \
        -workers 1 -metrics off -log-level warn 2>>"$WORK/$1.log" &
      ;;
    smtp-sink) taskset -c 0 smtp-sink $([ "$(id -u)" = 0 ] && echo -u nobody) "127.0.0.1:$PORT" 4096 & ;;
    gosmtp) GOMAXPROCS=1 taskset -c 0 "$WORK/gosmtp" -addr "127.0.0.1:$PORT" 2>>"$WORK/gosmtp.log" & ;;
    *) echo "bench: unknown server $1" >&2; exit 2 ;;
  esac
  SPID=$!
  PIDS+=("$SPID")
  wait_port "$PORT"
}
stop_server() {
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
}

# smtp_source CASE LABEL ROUND DIR MSGS [-d]: the same Postfix client for every server.
smtp_source() {
  local case=$1 label=$2 round=$3 dir=$4 msgs=$5; shift 5
  taskset -c 1 "$SB" exec -case "$case" -label "$label" -round "$round" -ops "$msgs" \
    -server-pid "$SPID" -json "$dir/$case.$label.$round.json" -progress off -- \
    smtp-source -M '[127.0.0.1]' -f bench@example.org -t rcpt@example.com "$@" \
    -s "$CONC" -m "$msgs" -l "$SIZE" "127.0.0.1:$PORT"
}
# sbench CASE LABEL ROUND DIR SCENARIO ARGS...: sluice-bench's own generators.
sbench() {
  local case=$1 label=$2 round=$3 dir=$4 scen=$5; shift 5
  taskset -c 1 "$SB" "$scen" -case "$case" -label "$label" -round "$round" \
    -server-pid "$SPID" -json "$dir/$case.$label.$round.json" -progress off "$@"
}

run_round() {
  local round=$1 dir=$2 kept=$3 sess=$4
  for s in $SERVERS; do
    start_server "$s"
    smtp_source smtp-kept-open-1k "$s" "$round" "$dir" "$kept" -d
    smtp_source smtp-session-1k "$s" "$round" "$dir" "$sess"
    sbench smtp-pipelined-1k "$s" "$round" "$dir" smtp-keepalive -addr "127.0.0.1:$PORT" \
      -conns "$CONC" -size "$SIZE" -pipelining on -duration "$DUR"
    sbench connrate "$s" "$round" "$dir" connrate -addr "127.0.0.1:$PORT" -conns "$CONC" -duration "$DUR"
    case "$s" in sluice-*)
      sbench http-keepalive-1k "$s" "$round" "$dir" http -addr "127.0.0.1:$HPORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
      sbench http-close-1k "$s" "$round" "$dir" http -http-close -addr "127.0.0.1:$HPORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
      sbench ecstream-1k "$s" "$round" "$dir" ecstream -addr "127.0.0.1:$EPORT" -conns 4 -batch 100 -size "$SIZE" -duration "$DUR"
    esac
    stop_server
  done
}

echo "bench: warm-up round (discarded)"
run_round 0 "$WORK/warm" $((KEPT / 4)) $((SESS / 4)) >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "bench: round $r of $ROUNDS"
  run_round "$r" "$RAW" "$KEPT" "$SESS"
done

if [ "$IDLE" -gt 0 ]; then
  for s in sluice-uring sluice-epoll; do
    case " $SERVERS " in *" $s "*) ;; *) continue ;; esac
    echo "bench: idle-hold $IDLE connections on $s"
    start_server "$s"
    sbench idle-100k "$s" 1 "$RAW" idle-hold -addr "127.0.0.1:$PORT" -conns "$IDLE" \
      -per-source 20000 -source 127.0.1.1 -settle 2s -duration 1s -timeout 30s
    stop_server
  done
fi

CMD="scripts/bench.sh${ARGS:+ $ARGS}"
IDLE_NOTE=$IDLE_NOTE python3 - "$RAW/meta.json" <<EOF
import json, sys, platform, os
json.dump({
  "command": "$CMD",
  "machine": "%s, %d vCPU, kernel %s" % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(), os.cpu_count(), platform.release()),
  "rounds": $ROUNDS,
  "cases": {
    "smtp-kept-open-1k": "SMTP, kept-open sessions, 1 KiB, $CONC sessions (smtp-source -d -s $CONC -m $KEPT -l $SIZE; msg/s, µs server CPU per message)",
    "smtp-session-1k": "SMTP, one new session per message, 1 KiB (smtp-source -s $CONC -m $SESS -l $SIZE; µs server CPU per session)",
    "smtp-pipelined-1k": "SMTP, kept-open, PIPELINING (MAIL+RCPT+DATA in one write), 1 KiB, $CONC sessions (sluice-bench smtp-keepalive -pipelining on)",
    "connrate": "Connection rate: connect, banner, QUIT (sluice-bench connrate, $CONC workers)",
    "http-keepalive-1k": "HTTP POST /api/v1/messages, keep-alive, 1 KiB, $CONC connections (sluice-bench http)",
    "http-close-1k": "HTTP POST /api/v1/messages, one connection per request (sluice-bench http -http-close)",
    "ecstream-1k": "ECStream, batches of 100 × 1 KiB, 4 connections (sluice-bench ecstream); ops are messages",
    "idle-100k": "Idle connections: $IDLE SMTP sessions held open after the banner (sluice-bench idle-hold)"
  },
  "notes": [
    "Server pinned to CPU 0 (GOMAXPROCS=1, one sluice worker), client to CPU 1. µs CPU/op = server utime+stime from /proc/PID/stat ÷ operations; syscalls/op from perf stat -e raw_syscalls:sys_enter -p PID.",
    "sluiced stores every message durably (spool write + fdatasync per group commit) before answering 250; smtp-sink and go-smtp discard the message. sluice-uring-shm puts the spool on /dev/shm (tmpfs) to separate protocol cost from disk cost.",
    "Ratios divide each run by smtp-sink's run in the same round; a round whose smtp-sink figure is >15% off its median is left out of the ratios. The kept-open and new-session rows use the same smtp-source client for every server.",
    "On loopback part of the client's TCP work is charged to the server's CPU and vice versa (softirq); compare only rows of the same table. The box is a shared, noisy 2-vCPU VM (performance-anchors §0.10)."
  ] + ([os.environ["IDLE_NOTE"]] if os.environ.get("IDLE_NOTE") else [])
}, open(sys.argv[1], "w"), indent=2)
EOF

"$SB" report -raw "$RAW" -out "$OUT" -doc "$DOC"
rm -rf "$OUT/raw" && mkdir -p "$OUT/raw" && cp "$RAW"/*.json "$OUT/raw/"
echo "bench: done; see $OUT/results.md and $DOC"
