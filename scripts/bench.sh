#!/usr/bin/env bash
# scripts/bench.sh: the peer comparison of issue 12, from a fresh machine.
#
# Builds sluiced, sluice-bench and the go-smtp peer, then interleaves
# sluice (io_uring), sluice (epoll), sluice (io_uring, spool on /dev/shm),
# Postfix smtp-sink and go-smtp (which discard), and the durable peers —
# Postfix with mail on HOLD in a private queue (postfix-hold), Haraka with an
# fdatasync queue plugin, maddy — for ROUNDS rounds (after one discarded
# warm-up round). Servers on the first N cores, clients on the next M
# (performance-anchors §7). Server CPU is the server's whole process tree,
# exited children included; "machine µs/op" is every core's busy time less
# the client's own CPU, so kernel threads count for everyone.
# Results: bench/results/ (JSON, Markdown, SVG) and the generated section
# of docs/performance.md.
#
#   scripts/bench.sh                 # default: 5 rounds, 100,000 idle connections
#   scripts/bench.sh -quick          # smoke: 1 round, small counts
#   scripts/bench.sh -rounds 7 -kept 40000 -sessions 20000 -idle 50000
#   scripts/bench.sh -servers "sluice-uring postfix-hold haraka maddy smtp-sink"
#   scripts/bench.sh -server-cores 4 -client-cores 4   # also a 1..4 worker scaling pass
#
# Needs root for: installing packages (when missing), smtp-sink -u nobody,
# raising the open-file limit for idle-hold, perf stat.
set -euo pipefail

ROUNDS=5 KEPT=20000 SESS=10000 IDLE=100000 DUR=3s SIZE=1024 CONC=20
SERVERS="sluice-uring sluice-epoll sluice-uring-shm smtp-sink gosmtp postfix-hold haraka maddy"
SCORES=1 CCORES=1
OUT=bench/results DOC=docs/performance.md DEPS=1 QUICK=0 TLS=1 CERT=ecdsa
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
    -server-cores) SCORES=$2; shift ;;  # sluice workers / peer processes on cores 0..N-1
    -client-cores) CCORES=$2; shift ;;  # clients on cores N..N+M-1
    -out) OUT=$2; shift ;;
    -doc) DOC=$2; shift ;;
    -no-deps) DEPS=0 ;;
    -no-tls) TLS=0 ;;                 # skip the STARTTLS cases
    -tls-cert) CERT=$2; shift ;;      # ecdsa (P-256, default) or rsa (2048): every TLS server gets it
    -quick) QUICK=1 ROUNDS=1 KEPT=2000 SESS=1000 IDLE=2000 DUR=1s ;;
    -h|-help|--help) sed -n '2,22p' "$0"; exit 2 ;;
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
NCPU=$(nproc)
if [ $((SCORES + CCORES)) -gt "$NCPU" ]; then
  echo "bench: -server-cores $SCORES + -client-cores $CCORES exceed the $NCPU cores here" >&2; exit 2
fi
SCPUS="0-$((SCORES - 1))" CCPUS="$SCORES-$((SCORES + CCORES - 1))"
peers=()
case " $SERVERS " in *" haraka "*) peers+=(haraka) ;; esac
case " $SERVERS " in *" maddy "*) peers+=(maddy) ;; esac
[ ${#peers[@]} -gt 0 ] && scripts/bench-peers.sh "${peers[@]}"
PEERS=$PWD/.cache/peers

WORK=$(mktemp -d /var/tmp/sluice-bench.XXXXXX)   # disk-backed spools live here
SHM=$(mktemp -d /dev/shm/sluice-bench.XXXXXX)     # tmpfs spool for the -shm variant
RAW=$WORK/raw; mkdir -p "$RAW" "$WORK/warm"

# One throwaway certificate for every TLS-capable server (-tls-cert).
case "$CERT" in
  ecdsa) KEYOPT=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
  rsa) KEYOPT=(-newkey rsa:2048) ;;
  *) echo "bench: -tls-cert $CERT: ecdsa or rsa" >&2; exit 2 ;;
esac
openssl req -x509 "${KEYOPT[@]}" -nodes -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
chmod 644 "$WORK/tls.key"   # Postfix's smtpd reads it as user postfix in this throwaway run
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

# start_server NAME [WORKERS]: sets SPID (the process whose tree is measured),
# PORT (SMTP), HPORT (HTTP) and EPORT (ECStream). Servers run on $SCPUS.
start_server() {
  PORT=$(free_port) HPORT=$(free_port) EPORT=$(free_port) STOP=""
  local workers=${2:-$SCORES}
  case "$1" in
    sluice-*)
      local backend=io_uring spool="$WORK/spool-$RANDOM$RANDOM"
      case "$1" in *epoll*) backend=epoll ;; esac   # labels: sluice-uring, sluice-epoll, -shm, -tlsgo
      case "$1" in *-shm) spool="$SHM/spool-$RANDOM$RANDOM" ;; esac
      sed -e "s#@SPOOL@#$spool#; s#@SMTP_PORT@#$PORT#; s#@HTTP_PORT@#$HPORT#; s#@ECS_PORT@#$EPORT#" \
        -e "s#@TLS_CERT@#$WORK/tls.crt#; s#@TLS_KEY@#$WORK/tls.key#" \
        bench/config/sluice.conf.in > "$WORK/$1.conf"
      # sluice-*-tlsgo: TLS records on crypto/tls's goroutine (the A/B of the worker record layer)
      case "$1" in *-tlsgo) echo 'TLS_Record_Layer = "goroutine"' >> "$WORK/$1.conf" ;; esac
      GOMAXPROCS=$workers taskset -c "0-$((workers - 1))" "$WORK/sluiced" -config "$WORK/$1.conf" -event-loop "$backend" \
        -workers "$workers" -metrics off -log-level warn 2>>"$WORK/$1.log" &
      SPID=$!
      ;;
    smtp-sink) taskset -c "$SCPUS" smtp-sink $([ "$(id -u)" = 0 ] && echo -u nobody) "127.0.0.1:$PORT" 4096 & SPID=$! ;;
    gosmtp) GOMAXPROCS=$SCORES taskset -c "$SCPUS" "$WORK/gosmtp" -addr "127.0.0.1:$PORT" 2>>"$WORK/gosmtp.log" & SPID=$! ;;
    postfix-hold) start_postfix ;;
    haraka) start_haraka ;;
    maddy) start_maddy ;;
    *) echo "bench: unknown server $1" >&2; exit 2 ;;
  esac
  PIDS+=("$SPID")
  wait_port "$PORT"
}
stop_server() {
  if [ -n "$STOP" ]; then eval "$STOP" >/dev/null 2>&1 || true; fi
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  while kill -0 "$SPID" 2>/dev/null; do sleep 0.05; done   # a daemonized master is not our child
}

# Postfix as a durable ingress: its own config and queue under $WORK (never
# the system instance), mail put on HOLD, so smtpd+cleanup+qmgr write and
# fsync each message and nothing is delivered. SPID is its master.
start_postfix() {
  local t="$WORK/postfix-$RANDOM$RANDOM"
  mkdir -p "$t/conf" "$t/queue" "$t/data" && chown postfix "$t/data"
  chmod go+rx "$WORK" "$t"   # postfix's daemons run as user postfix
  sed "s#@T@#$t#g; s#@TLS_CERT@#$WORK/tls.crt#; s#@TLS_KEY@#$WORK/tls.key#" bench/peers/postfix/main.cf.in > "$t/conf/main.cf"
  sed "s#@PORT@#$PORT#g" bench/peers/postfix/master.cf.in > "$t/conf/master.cf"
  taskset -c "$SCPUS" postfix -c "$t/conf" start >>"$WORK/postfix.log" 2>&1 ||
    { cat "$WORK/postfix.log" >&2; return 1; }
  for _ in $(seq 100); do [ -s "$t/queue/pid/master.pid" ] && break; sleep 0.05; done
  SPID=$(tr -d ' ' < "$t/queue/pid/master.pid")
  STOP="postfix -c $t/conf stop"
}

# Haraka in one process (nodes=0), accepting example.com, with a queue
# plugin that appends and fdatasyncs before OK (bench/peers/haraka).
start_haraka() {
  local t="$WORK/haraka-$RANDOM$RANDOM"
  "$PEERS/haraka/node_modules/.bin/haraka" -i "$t" >/dev/null
  printf '[main]\nlisten=127.0.0.1:%s\nnodes=0\n' "$PORT" > "$t/config/smtp.ini"
  printf 'tls\nrcpt_to.in_host_list\nfsync_queue\n' > "$t/config/plugins"
  cp "$WORK/tls.key" "$t/config/tls_key.pem" && cp "$WORK/tls.crt" "$t/config/tls_cert.pem"
  echo example.com > "$t/config/host_list"
  echo LOGWARN > "$t/config/loglevel"
  cp bench/peers/haraka/fsync_queue.js "$t/plugins/"
  HARAKA_QUEUE_FILE="$t/queue.mbox" taskset -c "$SCPUS" "$PEERS/haraka/node_modules/.bin/haraka" -c "$t" \
    >>"$WORK/haraka.log" 2>&1 &
  SPID=$!
}

# maddy with its queue: messages are stored durably and handed to a target
# that refuses (nothing listens on its port), so they stay queued.
start_maddy() {
  local t="$WORK/maddy-$RANDOM$RANDOM"
  mkdir -p "$t/state" "$t/run"
  sed -e "s#@T@#$t#g; s#@PORT@#$PORT#g; s#@DEAD@#$(free_port)#g" bench/peers/maddy/maddy.conf.in > "$t/maddy.conf"
  GOMAXPROCS=$SCORES taskset -c "$SCPUS" "$PEERS/bin/maddy" -config "$t/maddy.conf" run >>"$WORK/maddy.log" 2>&1 &
  SPID=$!
}

# smtp_source CASE LABEL ROUND DIR MSGS [-d]: the same Postfix client for every server.
smtp_source() {
  local case=$1 label=$2 round=$3 dir=$4 msgs=$5; shift 5
  taskset -c "$CCPUS" "$SB" exec -case "$case" -label "$label" -round "$round" -ops "$msgs" \
    -server-pid "$SPID" -json "$dir/$case.$label.$round.json" -progress off -- \
    smtp-source -M '[127.0.0.1]' -f bench@example.org -t rcpt@example.com "$@" \
    -s "$CONC" -m "$msgs" -l "$SIZE" "127.0.0.1:$PORT"
}
# sbench CASE LABEL ROUND DIR SCENARIO ARGS...: sluice-bench's own generators.
sbench() {
  local case=$1 label=$2 round=$3 dir=$4 scen=$5; shift 5
  taskset -c "$CCPUS" "$SB" "$scen" -case "$case" -label "$label" -round "$round" \
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
    if [ "$TLS" = 1 ]; then case "$s" in sluice-*|postfix-hold|haraka)
      # The same Go client for plaintext and STARTTLS, so the TLS cost is the difference.
      sbench smtp-plain-kept-open-1k "$s" "$round" "$dir" smtp-keepalive -addr "127.0.0.1:$PORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
      sbench smtp-tls-kept-open-1k "$s" "$round" "$dir" smtp-keepalive -starttls full -addr "127.0.0.1:$PORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
      sbench smtp-tls-session-1k "$s" "$round" "$dir" smtp-session -starttls full -addr "127.0.0.1:$PORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
      sbench smtp-tls-session-resume-1k "$s" "$round" "$dir" smtp-session -starttls resume -addr "127.0.0.1:$PORT" -conns "$CONC" -size "$SIZE" -duration "$DUR"
    esac; fi
    stop_server
  done
}

echo "bench: warm-up round (discarded)"
run_round 0 "$WORK/warm" $((KEPT / 4)) $((SESS / 4)) >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "bench: round $r of $ROUNDS"
  run_round "$r" "$RAW" "$KEPT" "$SESS"
done

# Scaling: sluice io_uring kept-open with 1..N workers on cores 0..k-1 and the
# clients on the client cores; per-core throughput and efficiency go to the
# report (scaling efficiency = ops/s at k ÷ (k × ops/s at 1)).
for k in $(seq 1 "$SCORES"); do
  echo "bench: scaling, $k worker(s)"
  start_server sluice-uring "$k"
  CONC=$((CONC * k)) smtp_source scale-kept-open-1k "sluice-uring-w$k" 1 "$RAW" "$KEPT" -d
  stop_server
done

if [ "$IDLE" -gt 0 ]; then
  for s in sluice-uring sluice-epoll; do
    case " $SERVERS " in *" $s "*) ;; *) continue ;; esac
    echo "bench: idle-hold $IDLE connections on $s"
    start_server "$s"
    sbench idle-100k "$s" 1 "$RAW" idle-hold -addr "127.0.0.1:$PORT" -conns "$IDLE" \
      -per-source 20000 -source 127.0.1.1 -settle 2s -duration 1s -timeout 30s
    stop_server
    if [ "$TLS" = 1 ]; then
      # Idle after STARTTLS: a full handshake each, so fewer connections.
      echo "bench: idle-hold $((IDLE < 5000 ? IDLE : 5000)) STARTTLS connections on $s"
      start_server "$s"
      sbench idle-tls "$s" 1 "$RAW" idle-hold -starttls full -addr "127.0.0.1:$PORT" -conns $((IDLE < 5000 ? IDLE : 5000)) \
        -per-source 20000 -source 127.0.2.1 -settle 2s -duration 1s -timeout 60s
      stop_server
    fi
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
    "idle-100k": "Idle connections: $IDLE SMTP sessions held open after the banner (sluice-bench idle-hold)",
    "smtp-plain-kept-open-1k": "SMTP, kept-open, plaintext, 1 KiB, $CONC sessions, sluice-bench's Go client (the baseline of the TLS rows)",
    "smtp-tls-kept-open-1k": "STARTTLS, kept-open, 1 KiB, $CONC sessions ($CERT certificate; sluice-bench smtp-keepalive -starttls full)",
    "smtp-tls-session-1k": "STARTTLS, one new session and full handshake per message ($CERT; sluice-bench smtp-session -starttls full)",
    "smtp-tls-session-resume-1k": "STARTTLS, one new session per message, resumed with session tickets ($CERT; -starttls resume)",
    "idle-tls": "Idle connections after STARTTLS (sluice-bench idle-hold -starttls full, at most 5,000)",
    "scale-kept-open-1k": "Scaling: sluice io_uring, kept-open 1 KiB, k workers on k cores, 20×k sessions; see the scaling table below"
  },
  "notes": [
    "Servers pinned to CPUs $SCPUS ($SCORES sluice worker(s), GOMAXPROCS=$SCORES), clients to CPUs $CCPUS. µs CPU/op = utime+stime of the server's whole process tree (children that exited included, through cutime/cstime) ÷ operations; machine µs/op = busy time of every core from /proc/stat, less the client's own CPU, ÷ operations; syscalls/op from perf stat -e raw_syscalls:sys_enter -p PID.",
    "postfix-hold is Postfix's smtpd+cleanup+qmgr in a private instance with mail on HOLD (one fsync per message); haraka is Haraka 3.3.4 in one process with a queue plugin that appends and fdatasyncs before OK; maddy is maddy 0.8.1 queueing each message durably. These, and sluice-uring/sluice-epoll, are durable; smtp-sink, go-smtp and sluice-uring-shm are not.",
    "sluiced stores every message durably (spool write + fdatasync per group commit) before answering 250; smtp-sink and go-smtp discard the message. sluice-uring-shm puts the spool on /dev/shm (tmpfs) to separate protocol cost from disk cost.",
    "Ratios divide each run by smtp-sink's run in the same round; a round whose smtp-sink figure is >15% off its median is left out of the ratios. The kept-open and new-session rows use the same smtp-source client for every server.",
    "On loopback part of the client's TCP work is charged to the server's CPU and vice versa (softirq); compare only rows of the same table. The box is a shared, noisy 2-vCPU VM (performance-anchors §0.10)."
  ] + ([os.environ["IDLE_NOTE"]] if os.environ.get("IDLE_NOTE") else [])
}, open(sys.argv[1], "w"), indent=2)
EOF

"$SB" report -raw "$RAW" -out "$OUT" -doc "$DOC"
rm -rf "$OUT/raw" && mkdir -p "$OUT/raw" && cp "$RAW"/*.json "$OUT/raw/"
echo "bench: done; see $OUT/results.md and $DOC"
