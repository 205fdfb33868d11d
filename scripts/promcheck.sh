#!/usr/bin/env bash
# promcheck.sh: lint sluice's Prometheus artefacts.
#   1. promtool check rules deploy/prometheus/alerts.yml, promtool test rules
#      deploy/prometheus/alerts_test.yml
#   2. build sluiced, start it on a temporary config (ESMTP and Metrics_Listen
#      on free loopback ports, spool in a temp dir), scrape /metrics with
#      curl, run promtool check metrics on the scrape, stop the daemon.
# Installs Debian's prometheus package (for promtool) when promtool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null; then
	echo "promcheck: installing promtool (Debian package prometheus)" >&2
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
	$sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq prometheus >/dev/null
fi

echo "== promtool check rules"
promtool check rules deploy/prometheus/alerts.yml
echo "== promtool test rules (SluiceDown fires on up == 0)"
(cd deploy/prometheus && promtool test rules alerts_test.yml)

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
mport=$(freeport)
sport=$(freeport)

go build -o "$tmp/sluiced" ./cmd/sluiced
cat >"$tmp/sluice.conf" <<CONF
Spoolbase = "$tmp/spool"
Metrics_Listen = "127.0.0.1:$mport"
ESMTP_Listener {
  Listen "127.0.0.1:$sport" { }
}
CONF
"$tmp/sluiced" -config "$tmp/sluice.conf" -workers 2 >"$tmp/log" 2>&1 &
pid=$!

url="http://127.0.0.1:$mport/metrics"
for _ in $(seq 1 100); do
	curl -sf -o "$tmp/scrape" "$url" && break
	kill -0 "$pid" 2>/dev/null || { echo "sluiced exited:" >&2; cat "$tmp/log" >&2; exit 1; }
	sleep 0.1
done
[ -s "$tmp/scrape" ] || { echo "no scrape from $url" >&2; cat "$tmp/log" >&2; exit 1; }

# One SMTP conversation so the counters are not all zero.
exec 3<>"/dev/tcp/127.0.0.1/$sport"
printf 'QUIT\r\n' >&3
cat <&3 >/dev/null || true
exec 3<&-
curl -sf -o "$tmp/scrape" "$url"

n=$(grep -c '^sluice_' "$tmp/scrape" || true)
echo "== promtool check metrics on the live sluiced scrape ($n sluice_ samples, $(grep -vc '^#' "$tmp/scrape") in all)"
promtool check metrics <"$tmp/scrape"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

# The known-traffic test's scrape (a daemon: engine + SMTP + spool behind metrics.New)
# has every sluice_ family with non-zero values; lint it too.
echo "== promtool check metrics on the known-traffic test's scrape"
SLUICE_SCRAPE_OUT="$tmp/rig" go test -count=1 -run 'TestScrapeCountsKnownTraffic/epoll' ./daemon >/dev/null
promtool check metrics <"$tmp/rig"
echo "   $(grep -c '^sluice_' "$tmp/rig") sluice_ samples"

if [ "$n" -eq 0 ]; then
	echo "promcheck: FAIL: sluiced exports no sluice_ metrics (the daemon must register metrics.New(source))" >&2
	exit 1
fi
echo "promcheck: OK"
