#!/usr/bin/env bash
# Installs the official Momentum 4 / SparkPost Node.js client (npm
# "sparkpost") into .cache/npm (git-ignored) for proto/http/e2e's
# TestE2ESparkPostClient. scripts/test.sh runs it; so can you:
#   bash scripts/npm-sparkpost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/npm
ver=2.1.4
pkg="$dir/node_modules/sparkpost/package.json"
if [ -f "$pkg" ] && grep -q "\"version\": \"$ver\"" "$pkg"; then
	echo "npm-sparkpost: sparkpost $ver already in $dir"
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "npm-sparkpost: npm not found; install the Debian package npm (scripts/deps.sh does)" >&2
	exit 1
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "sparkpost@$ver"
echo "npm-sparkpost: sparkpost $ver installed in $dir"
