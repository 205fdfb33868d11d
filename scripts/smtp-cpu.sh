#!/bin/bash
# smtp-cpu.sh: server CPU per SMTP message, sluiced (io_uring and epoll) against
# smtp-sink, interleaved rounds, server pinned to CPU 0 and smtp-source to CPU 1.
# usage: scripts/smtp-cpu.sh [-d] [-n N] [-r ROUNDS] [-s SESSIONS] [-p PORT] [-spool DIR] BINARY...
# Each BINARY is a sluiced build. -d keeps sessions open (else one per message).
# Port 25400 (or -p PORT) on 127.0.0.1. Prints one line per run; compare within a round.
set -u
mode= n=20000 rounds=3 sessions=20 port=25400 spool=/dev/shm/smtp-cpu-spool
while [ $# -gt 0 ]; do case $1 in
  -d) mode=-d; shift;; -n) n=$2; shift 2;; -r) rounds=$2; shift 2;;
  -s) sessions=$2; shift 2;; -p) port=$2; shift 2;; -spool) spool=$2; shift 2;; *) break;; esac; done
[ $# -gt 0 ] || { echo "usage: $0 [-d] [-n N] [-r R] [-s S] [-p PORT] [-spool DIR] sluiced..." >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$spool"' EXIT
printf 'Spoolbase = "%s"\nESMTP_Listener {\n  Open_Relay = true\n  Listen "127.0.0.1:%s" { }\n}\n' "$spool" "$port" > "$tmp/c.conf"
one() { # NAME CMD...
  local name=$1; shift; rm -rf "$spool"
  taskset -c 0 "$@" >/dev/null 2>&1 & local pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
  local a; read -r -a a < /proc/$pid/stat; local t0=$((a[13]+a[14])) s=$(date +%s.%N)
  taskset -c 1 /usr/sbin/smtp-source -M '[127.0.0.1]' $mode -s "$sessions" -m "$n" -l 1024 \
    -f a@example.org -t b@example.com 127.0.0.1:$port
  local e=$(date +%s.%N); read -r -a a < /proc/$pid/stat; local t1=$((a[13]+a[14]))
  kill "$pid"; wait "$pid" 2>/dev/null
  python3 -c "el=$e-$s; cpu=($t1-$t0)/100.0; print(f'$name: {$n/el:8.0f} msg/s  {cpu*1e6/$n:6.1f} us/msg')"
}
for r in $(seq "$rounds"); do
  echo "round $r"
  one sink /usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 4096
  for b in "$@"; do for el in io_uring epoll; do
    one "$(basename "$b")-$el" "$b" -config "$tmp/c.conf" -event-loop $el -workers 1 -metrics off
  done; done
done
