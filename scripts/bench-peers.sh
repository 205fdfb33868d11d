#!/usr/bin/env bash
# Installs the durable benchmark peers into .cache/peers (git-ignored):
# Haraka 3.3.4 from npm and maddy 0.8.1 through the Go module proxy.
# Postfix comes from scripts/deps.sh (Debian). Prints nothing on success
# when everything is already there.
#   scripts/bench-peers.sh            # both
#   scripts/bench-peers.sh haraka     # one
set -euo pipefail
cd "$(dirname "$0")/.."
P=$PWD/.cache/peers
mkdir -p "$P/bin"
want=${*:-haraka maddy}
for peer in $want; do
  case "$peer" in
    haraka)
      [ -x "$P/haraka/node_modules/.bin/haraka" ] && continue
      command -v npm >/dev/null || { echo "bench-peers: npm missing (scripts/deps.sh installs it)" >&2; exit 1; }
      echo "bench-peers: npm install Haraka@3.3.4"
      mkdir -p "$P/haraka" && (cd "$P/haraka" && npm install --no-audit --no-fund --silent Haraka@3.3.4 >/dev/null)
      ;;
    maddy)
      [ -x "$P/bin/maddy" ] && continue
      # maddy lists no versions on the proxy: take it as a tool of a scratch
      # module, with maddy's own replace directives (forks of go-imap and
      # go-smtp), which a dependency's go.mod cannot impose.
      echo "bench-peers: go install maddy v0.8.1"
      rm -rf "$P/maddy-mod" && mkdir -p "$P/maddy-mod"
      (cd "$P/maddy-mod" && go mod init maddypeer >/dev/null 2>&1 &&
        go get -tool github.com/foxcpp/maddy/cmd/maddy@v0.8.1 >/dev/null 2>&1 &&
        grep '^replace' "$(go mod download -json github.com/foxcpp/maddy@v0.8.1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')" >> go.mod &&
        go mod tidy >/dev/null 2>&1 &&
        GOBIN="$P/bin" go install github.com/foxcpp/maddy/cmd/maddy)
      ;;
    *) echo "bench-peers: unknown peer $peer" >&2; exit 2 ;;
  esac
done
