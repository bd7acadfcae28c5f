#!/bin/sh
# ci/bench/ext.sh - extension discovery of the four Debian suites from a warm
# cache: wall time of `pgbundle ext list` for d11 d12 d13 d14 (target: < 5 s).
# The first (cold) pass fills the cache: Contents downloads and parsing.  The
# warm pass still fetches and verifies each suite's InRelease (freshness),
# but reads the cached discovery results instead of the Contents indexes.
#
#   sh ci/bench/ext.sh            (after `make`; uses build/pgbundle)
set -eu
sh "$(dirname "$0")/../deps.sh" bench
PGBUNDLE=${PGBUNDLE:-$(pwd)/${BUILD:-build}/pgbundle}
TARGETS="d11 d12 d13 d14"
# A mirror out of sync with its own Release is tolerated, with its warning.
FLAGS="--json --allow-unverified-contents"

now() { date +%s.%N; }
run_all() {
	for t in $TARGETS; do
		"$PGBUNDLE" ext list --target "$t" $FLAGS 2>/dev/null | jq -r '"\(.target) \(.count)"'
	done
}
s=$(now); run_all >/dev/null; cold=$(echo "$(now) - $s" | bc)
s=$(now); counts=$(run_all); warm=$(echo "$(now) - $s" | bc)
echo "$counts" | sed 's/^/extensions: /'
printf 'cold-or-refresh pass: %.2f s\nwarm pass (4 suites): %.2f s (target < 5 s)\n' "$cold" "$warm"
[ "$(echo "$warm < 5" | bc)" = 1 ]
