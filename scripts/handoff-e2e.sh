#!/bin/sh
# The hand-off end-to-end runs at full size: 10,000 messages in through
# SMTP on each event loop, out to smtp-sink, a private Postfix, Dovecot LMTP
# and NATS JetStream (embedded nats-server), every body checked byte for
# byte, the spool empty and its segments gone afterwards. About 5 minutes
# on 2 cores (Dovecot's per-message fsync dominates). The Go suite runs the
# same tests with 1,000 messages; N overrides the count.
#   scripts/handoff-e2e.sh            # 10,000
#   N=2000 scripts/handoff-e2e.sh
#   scripts/handoff-e2e.sh -rate      # pass-through vs ingress-only rate, 3 interleaved rounds of N=5000
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = "-rate" ]; then
  SLUICE_HANDOFF_RATE=${ROUNDS:-3} SLUICE_HANDOFF_N=${N:-5000} exec go test -count=1 -v -timeout 30m -run 'PassThroughRate' ./handoff/e2e
fi
SLUICE_HANDOFF_N=${N:-10000} exec go test -count=1 -v -timeout 30m -run 'EndToEnd|SIGKILL' ./handoff/e2e
