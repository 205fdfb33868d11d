#!/usr/bin/env bash
# Installs what the test suite and the benchmarks need on a fresh Debian machine:
# swaks, Postfix's smtp-source/smtp-sink, wrk, curl, promtool, openssl, python3.
# Safe to run repeatedly; installs only what is missing. Needs root (or sudo).
set -euo pipefail

need=()
command -v swaks >/dev/null       || need+=(swaks)
command -v smtp-source >/dev/null || need+=(postfix)
command -v wrk >/dev/null         || need+=(wrk)
command -v curl >/dev/null        || need+=(curl)
command -v promtool >/dev/null    || need+=(prometheus)
command -v openssl >/dev/null     || need+=(openssl)
command -v python3 >/dev/null     || need+=(python3)

if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "deps: installing ${need[*]}"
  # Postfix asks a debconf question on install; answer it ahead.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections || true
  echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections || true
  $SUDO apt-get update -qq
  # policy-rc.d stops package scripts from starting daemons (postfix, prometheus).
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
  # Stop anything a package managed to start anyway; we only want the tools.
  $SUDO postfix stop >/dev/null 2>&1 || true
  $SUDO pkill -x prometheus >/dev/null 2>&1 || true
fi
# smtp-source/smtp-sink live in /usr/sbin on Debian.
for t in swaks smtp-source wrk curl promtool; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "deps: $t still missing" >&2; exit 1; }
done
echo "deps: ok"
