#!/usr/bin/env bash
# Installs what the test suite and the benchmarks need on a fresh Debian machine.
# Each feature lists its tools in scripts/deps.d/*.list, one "command package"
# pair per line ("#" starts a comment); this script installs, in one apt run,
# the packages whose command is missing. Safe to run repeatedly.
#
# It never stops, starts or reconfigures a service it did not start: package
# scripts are kept from starting daemons by a policy-rc.d that this script
# writes only when the image has none, and removes only if it wrote it.
# Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

need=()
while read -r cmd pkg; do
  [ -z "${cmd:-}" ] && continue
  case "$cmd" in \#*) continue ;; esac
  have "$cmd" || need+=("$pkg")
done < <(cat scripts/deps.d/*.list)

if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "deps: installing ${need[*]}"
  # Postfix asks a debconf question on install; answer it ahead.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections || true
  echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections || true
  $SUDO apt-get update -qq
  wrote_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    wrote_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$wrote_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi

missing=0
while read -r cmd pkg; do
  [ -z "${cmd:-}" ] && continue
  case "$cmd" in \#*) continue ;; esac
  have "$cmd" || { echo "deps: $cmd (package $pkg) still missing" >&2; missing=1; }
done < <(cat scripts/deps.d/*.list)
[ "$missing" -eq 0 ] || exit 1
echo "deps: ok"
