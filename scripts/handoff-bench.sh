#!/bin/bash
# Pass-through CPU per message: sluice (SMTP in, durable spool, SMTP out)
# against Postfix relaying the same messages (smtpd, cleanup, qmgr, smtp
# together), both to the same smtp-sink. The server under test runs pinned
# to CPU 1 (taskset); smtp-source and smtp-sink run on CPU 0. CPU is the
# server's user+system time from /usr/bin/time (Postfix: master in the
# foreground, so every child it reaped is counted), divided by N.
# Rounds alternate sluice and Postfix.
#   scripts/handoff-bench.sh                 # N=20000, 3 rounds, 1 KiB, 20 sessions
#   N=5000 ROUNDS=1 scripts/handoff-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}; ROUNDS=${ROUNDS:-3}; SIZE=${SIZE:-1024}; SESS=${SESS:-20}
T=$(mktemp -d /tmp/sluice-hobench-XXXXXX); chmod 755 "$T"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; postfix -c "$T/pf" stop >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitport() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }

go build -o "$T/sluiced" ./cmd/sluiced
go build -o "$T/sluicectl" ./cmd/sluicectl
SINK=$(port)
taskset -c 0 smtp-sink -u nobody 127.0.0.1:$SINK 1024 & PIDS+=($!)
waitport $SINK

sluice_round() {
  local p; p=$(port); rm -rf "$T/spool"
  cat > "$T/sluice.conf" <<CONF
Spoolbase = "$T/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener { Listen "127.0.0.1:$p" { } }
Control_Listener { Listen "$T/control.sock" { } }
Handoff { Target "smtp://127.0.0.1:$SINK" { Connections = 8 } }
CONF
  /usr/bin/time -f "%U %S" -o "$T/time" taskset -c 1 "$T/sluiced" -config "$T/sluice.conf" -workers 1 -metrics off -log-level error &
  local tp=$!
  waitport $p
  local t0; t0=$(date +%s.%N)
  taskset -c 0 smtp-source -s $SESS -m $N -l $SIZE -f a@example.org -t b@example.com 127.0.0.1:$p
  until "$T/sluicectl" -s "$T/control.sock" handoff 2>/dev/null | grep -q "backlog: 0 messages.*in flight 0"; do sleep 0.05; done
  local t1; t1=$(date +%s.%N)
  kill -TERM "$(pgrep -f "^$T/sluiced -config")"; wait $tp || true
  read -r u s < <(tail -1 "$T/time")
  echo "sluice  round $1: $(python3 -c "print(f'{($u+$s)*1e6/$N:.0f} µs CPU/msg, {$N/($t1-$t0):.0f} msg/s')")"
}

postfix_round() {
  local p; p=$(port); local C="$T/pf"; rm -rf "$C" "$T/pfq" "$T/pfd"
  mkdir -p "$C" "$T/pfq" "$T/pfd"; chown postfix "$T/pfd"
  cat > "$C/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $T/pfq
data_directory = $T/pfd
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = relay.bench.test
mydestination =
alias_maps =
local_recipient_maps =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK
smtp_tls_security_level = none
maillog_file = $T/pf.log
maillog_file_prefixes = $T
smtpd_client_connection_count_limit = 0
default_process_limit = 100
CONF
  sed "s/^127.0.0.1:PORT /127.0.0.1:$p /" > "$C/master.cf" <<'CONF'
127.0.0.1:PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
  postfix -c "$C" set-permissions >/dev/null 2>&1
  /usr/bin/time -f "%U %S" -o "$T/time" taskset -c 1 postfix -c "$C" start-fg >/dev/null 2>&1 &
  local tp=$!
  waitport $p
  local t0; t0=$(date +%s.%N)
  taskset -c 0 smtp-source -s $SESS -m $N -l $SIZE -f a@example.org -t b@example.com 127.0.0.1:$p
  until postqueue -c "$C" -p 2>/dev/null | grep -q "Mail queue is empty"; do sleep 0.1; done
  local t1; t1=$(date +%s.%N)
  postfix -c "$C" stop >/dev/null 2>&1; wait $tp || true
  read -r u s < <(tail -1 "$T/time")
  echo "postfix round $1: $(python3 -c "print(f'{($u+$s)*1e6/$N:.0f} µs CPU/msg, {$N/($t1-$t0):.0f} msg/s')")"
}

echo "N=$N SIZE=$SIZE SESS=$SESS: server on CPU 1, smtp-source and smtp-sink on CPU 0"
for r in $(seq "$ROUNDS"); do sluice_round "$r"; postfix_round "$r"; done
