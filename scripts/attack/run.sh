#!/usr/bin/env bash
# scripts/attack/run.sh: build sluiced and sluicectl, start sluiced with a
# private configuration in a temporary directory (free loopback ports,
# RLIMIT_NOFILE 1024), run every attack of issue 21 against it and print
# one line per attack. docs/security.md records what it printed.
#
#   scripts/attack/run.sh                    # io_uring (falls back to epoll)
#   scripts/attack/run.sh -event-loop epoll
#   IDLE=10 CONNS=20 SIZE=60 scripts/attack/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
LOOP=auto; [ "${1:-}" = "-event-loop" ] && LOOP=$2
IDLE=${IDLE:-10} CONNS=${CONNS:-20} SIZE=${SIZE:-60}
tmp=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/sluiced" ./cmd/sluiced
go build -o "$tmp/sluicectl" ./cmd/sluicectl
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
SMTP=$(port) HTTP=$(port) ECS=$(port) CTL=$(port)
echo "admin:attack-pw" > "$tmp/console.passwd"
cat > "$tmp/sluice.conf" <<CONF
Spoolbase = "$tmp/spool"
Relay_Domains = ( "example.com" )
Max_Inflight_Data = 256M
ESMTP_Listener {
  Idle_Time = $IDLE
  Max_Message_Size = 100M
  Listen "127.0.0.1:$SMTP" { }
}
HTTP_Listener {
  Idle_Time = $IDLE
  Max_Message_Size = 100M
  Max_Request_Size = 100M
  Listen "127.0.0.1:$HTTP" { }
}
ECStream_Listener {
  Max_Message_Size = 100M
  Listen "127.0.0.1:$ECS" { }
}
Control_Listener {
  Listen "$tmp/ctl.sock" { }
  Listen "127.0.0.1:$CTL" {
    Enable_Authentication = true
    AuthLoginParameters = [ uri = "file://$tmp/console.passwd" ]
  }
}
CONF
(ulimit -n 1024; exec "$tmp/sluiced" -config "$tmp/sluice.conf" -event-loop "$LOOP" -metrics off 2>"$tmp/log") &
pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP) 2>/dev/null && break; sleep 0.1; done
A=scripts/attack/attacks.py
echo "sluiced pid $pid, event loop $LOOP, Idle_Time $IDLE, Max_Inflight_Data 256M, RLIMIT_NOFILE 1024"

printf 'console-disclosure: '
"$tmp/sluicectl" -s "127.0.0.1:$CTL" -u admin -p attack-pw config reload /etc/shadow 2>&1 | tr '\n' ' ' || true; echo
printf 'config-injection (console): '
"$tmp/sluicectl" -s "127.0.0.1:$CTL" -u admin -p attack-pw config set esmtp_listener static_banner $'evil\r\n250 injected' 2>&1 | tr '\n' ' ' || true; echo
printf 'config-injection (-check): '
printf 'Hostname = "a\\r\\nb"\n' > "$tmp/bad.conf"
"$tmp/sluiced" -check -config "$tmp/bad.conf" 2>&1 | tr '\n' ' ' || true; echo
"$A" inject-crlf --http "127.0.0.1:$HTTP"
"$A" bare-lf --smtp "127.0.0.1:$SMTP"
"$A" rcpt-flood --smtp "127.0.0.1:$SMTP" --rcpts 100000
"$A" slowloris --smtp "127.0.0.1:$SMTP" --conns 50 --interval 1 --max $((3 * IDLE + 5))
"$A" slow-reader --smtp "127.0.0.1:$SMTP" --noops 100000 --pause 0.05
"$A" memory --smtp "127.0.0.1:$SMTP" --http "127.0.0.1:$HTTP" --ecstream "127.0.0.1:$ECS" \
  --pid "$pid" --conns "$CONNS" --size "$SIZE"
"$A" fd-flood --smtp "127.0.0.1:$SMTP" --http "127.0.0.1:$HTTP" --console "$tmp/ctl.sock"
printf 'daemon still serving: '
"$tmp/sluicectl" -s "$tmp/ctl.sock" summary 2>&1 | head -2 | tr '\n' ' ' || true; echo
