#!/usr/bin/env bash
# Interop: drives a running sluiced with real clients (Python smtplib, swaks,
# Postfix smtp-source) on each event-loop back end, then checks that every
# message landed in the spool byte-exact with its Received header.
# Usage: scripts/interop.sh [io_uring epoll]
set -euo pipefail
cd "$(dirname "$0")/.."
backends=("${@:-io_uring epoll}")
[ $# -eq 0 ] && backends=(io_uring epoll)

work=$(mktemp -d /tmp/sluice-interop.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/sluiced" ./cmd/sluiced
go build -o "$work/sluicectl" ./cmd/sluicectl

# A throwaway CA-less self-signed certificate for localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
echo "interop:secret" > "$work/passwd"

wait_port() { # host port
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "interop: $1:$2 never accepted" >&2; return 1
}

port=25250
for be in "${backends[@]}"; do
  port=$((port + 1))
  spool="$work/spool-$be"
  cat > "$work/sluice-$be.conf" <<CONF
Spoolbase = "$spool"
Metrics_Listen = "127.0.0.1:0"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "STARTTLS" "AUTH PLAIN" "SIZE" )
  Max_Message_Size = 10485760
  TLS_Certificate = "$work/cert.pem"
  TLS_Key = "$work/key.pem"
  AuthPlainParameters = [ uri = "file://$work/passwd" ]
  Listen "127.0.0.1:$port" { }
}
Control_Listener {
  Listen "$work/control-$be.sock" { }
}
CONF
  "$work/sluiced" -check -config "$work/sluice-$be.conf"
  "$work/sluiced" -config "$work/sluice-$be.conf" -event-loop "$be" -workers 2 \
     >"$work/sluiced-$be.log" 2>&1 &
  pid=$!
  wait_port 127.0.0.1 "$port"
  echo "== interop on $be (port $port)"

  python3 scripts/interop_smtp.py 127.0.0.1 "$port" "$work/cert.pem" interop secret \
    "$work/python-$be.json"

  printf 'From: s@example.org\r\nTo: t@example.com\r\nSubject: swaks\r\n\r\nsent by swaks\r\n.dot line\r\n' > "$work/swaks.eml"
  swaks --server "127.0.0.1:$port" --from s@example.org --to t@example.com \
    --data "@$work/swaks.eml" --silent 2
  python3 - "$work/swaks.eml" "$work/swaks-$be.json" <<'PY'
import base64, json, sys
# swaks always ends DATA with an extra CRLF before the final dot (its
# transcript shows the empty line), so that is what it transmits.
body = open(sys.argv[1], "rb").read() + b"\r\n"
json.dump([{"sender": "s@example.org", "rcpts": ["t@example.com"],
            "body": base64.b64encode(body).decode()}], open(sys.argv[2], "w"))
PY
  echo "interop ok: swaks accepted"

  smtp_source=$(command -v smtp-source || echo /usr/sbin/smtp-source)
  start=$(date +%s.%N)
  "$smtp_source" -M '[127.0.0.1]' -f src@example.org -t dst@example.com \
    -s 20 -m 2000 -l 1024 "127.0.0.1:$port"
  end=$(date +%s.%N)
  echo "interop ok: smtp-source -s 20 -m 2000 -l 1024 finished in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s"

  kill -TERM "$pid"; wait "$pid" || true; pid=""
  "$work/sluicectl" spool export -dir "$spool" -maildir "$work/maildir-$be"
  python3 scripts/verify_spool.py "$work/maildir-$be" $((3 + 1 + 2000)) \
    "$work/python-$be.json" "$work/swaks-$be.json"
done
echo "interop: all back ends passed"
