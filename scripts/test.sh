#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need,
# checks formatting and vet, runs every Go test (with -race on the packages
# that use goroutines) on both event-loop back ends, then the interop and
# Prometheus checks against a running sluiced.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin"

step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
bash scripts/deps.sh
bash scripts/npm-sparkpost.sh   # the sparkpost npm client for proto/http/e2e, into .cache/npm
# External servers and clients the tests drive must be present: a missing one
# fails its test here instead of skipping it (internal/extbin).
export SLUICE_EXTERNAL=require
go mod download

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi
echo "gofmt: clean"

step "go vet"
go vet ./...

step "build"
go build ./...

# Packages whose code runs goroutines or threads get the race detector.
race_pkgs=$(go list ./ring/... ./engine/... ./acl/... ./spool/... ./daemon/... ./metrics/... ./proto/ecstream/... ./cmd/... ./filter/... ./tplstore/... ./proto/http/apikey/... ./internal/systemd/... ./throttle/... ./dnsbl/... ./handoff/... ./cluster/... 2>/dev/null || true)
other_pkgs=$(go list ./... | grep -v -x -F "$(printf '%s\n' $race_pkgs)" || true)

step "go test -race (goroutine packages)"
go test -race -count=1 -timeout 30m $race_pkgs

step "go test (pure packages)"
go test -count=1 -timeout 20m $other_pkgs

step "interop: smtplib, swaks, smtp-source against sluiced (io_uring and epoll)"
bash scripts/interop.sh

if [ -f scripts/promcheck.sh ]; then
  step "promtool: live scrape and alert rules"
  bash scripts/promcheck.sh
fi

step "all tests passed"
