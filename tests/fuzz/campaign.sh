#!/bin/sh
# tests/fuzz/campaign.sh - long fuzzing campaigns, one harness at a time, at the
# lowest CPU priority, until each reaches a target: FUZZ_TARGET_RUNS executions
# (default 10 million) or FUZZ_TARGET_CPU CPU seconds (default 3600), whichever
# comes first.
#
#   BUILD=build sh tests/fuzz/campaign.sh [NAME...]      (default: every harness)
#
# FUZZ_NICE (default 19, the lowest priority) is the nice level of the
# harness; 10 gives it a fairer share on a machine busy with other work.
#
# Runs the run.sh beside it in slices of FUZZ_SLICE seconds (default 600) on
# the same campaign corpus ($BUILD/fuzz/corpus/NAME/), so a slice goes on where
# the last one stopped.  Each slice's executions and CPU seconds are added to
# a ledger, $BUILD/fuzz/campaign.ledger ("NAME RUNS CPU ok|finding" per line),
# so a campaign that is stopped and started again resumes toward its target,
# and the totals cover every slice.  A finding stops that harness (its input is
# in $BUILD/fuzz/findings/NAME/).  Prints one line per harness, the figures
# README.md quotes:
#
#   campaign deb822: 10000000 executions, 4210 s CPU, 11 slices, cov 221 ft 1397, clean
set -u
BUILD=${BUILD:-build}
TARGET_RUNS=${FUZZ_TARGET_RUNS:-10000000}
TARGET_CPU=${FUZZ_TARGET_CPU:-3600}
SLICE=${FUZZ_SLICE:-600}
NICE=${FUZZ_NICE:-19}
LEDGER=$BUILD/fuzz/campaign.ledger

names=$*
if [ -z "$names" ]; then
	names=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done | sed 's/^fuzz_//')
fi
mkdir -p "$BUILD/fuzz"
touch "$LEDGER"

# total NAME COLUMN: the sum of a ledger column (2 runs, 3 CPU) for NAME.
total() {
	awk -v n="$1" -v c="$2" '$1 == n { s += $c } END { printf "%d\n", s }' "$LEDGER"
}

# minimize NAME: the campaign corpus cut down to the inputs that add coverage
# (libFuzzer's -merge=1), once when a campaign starts on NAME.  Every slice
# begins by running its whole corpus, and libFuzzer keeps every input that
# once added a feature: report's had grown to 13,317 inputs of which 347 add
# coverage, modmd's to 4,271 (107), which took a slow harness most of a
# slice.  The merge's executions are not counted in the ledger.  When it
# fails, the corpus stays as it was.
minimize() {
	dir=$BUILD/fuzz/corpus/$1 bin=$BUILD/fuzz/fuzz_$1
	[ -d "$dir" ] && [ -x "$bin" ] || return 0
	rm -rf "$dir.min" && mkdir -p "$dir.min" "$BUILD/fuzz/logs" || return 0
	opts=$(sed -n 's/^ \* fuzz-options: *//p' "$(dirname "$0")/fuzz_$1.c" | head -n 1)
	before=$(find "$dir" -type f | wc -l)
	# shellcheck disable=SC2086
	if nice -n "$NICE" "$bin" -merge=1 -timeout=120 -rss_limit_mb=2560 $opts "$dir.min" "$dir" \
		>"$BUILD/fuzz/logs/$1.merge.log" 2>&1; then
		rm -rf "$dir.old" && mv "$dir" "$dir.old" && mv "$dir.min" "$dir" && rm -rf "$dir.old"
		echo "# $1: corpus minimized, $before inputs to $(find "$dir" -type f | wc -l)"
	else
		rm -rf "$dir.min"
		echo "# $1: the corpus merge failed (log $BUILD/fuzz/logs/$1.merge.log); kept as it was"
	fi
}

status=0
for name in $names; do
	runs=$(total "$name" 2) cpu=$(total "$name" 3) state=clean cov=
	slices=$(awk -v n="$name" '$1 == n' "$LEDGER" | wc -l)
	if grep -q "^$name .* finding$" "$LEDGER"; then
		state="FINDING (see the ledger; fix it and remove its lines to go on)"
		status=1
	fi
	if [ "$state" = clean ] && [ "$runs" -lt "$TARGET_RUNS" ] && [ "$cpu" -lt "$TARGET_CPU" ]; then
		minimize "$name"
	fi
	while [ "$state" = clean ] && [ "$runs" -lt "$TARGET_RUNS" ] && [ "$cpu" -lt "$TARGET_CPU" ]; do
		line=$(BUILD=$BUILD FUZZ=$name FUZZ_TIME=$SLICE FUZZ_RUNS=$((TARGET_RUNS - runs)) \
			nice -n "$NICE" sh "$(dirname "$0")/run.sh" | grep -E '^(not )?ok - fuzz ')
		slices=$((slices + 1))
		r=$(echo "$line" | sed -n 's/.*: \([0-9]*\) executions in.*/\1/p')
		c=$(echo "$line" | sed -n 's/.*(\([0-9]*\) s CPU.*/\1/p')
		runs=$((runs + ${r:-0}))
		cpu=$((cpu + ${c:-0}))
		cov=$(echo "$line" | sed -n 's/.*, \(cov [0-9]* ft [0-9]*\),.*/\1/p')
		case $line in
		"ok - "*) echo "$name ${r:-0} ${c:-0} ok" >>"$LEDGER" ;;
		*)
			echo "$name ${r:-0} ${c:-0} finding" >>"$LEDGER"
			state="FINDING: ${line#*: }"
			status=1
			;;
		esac
	done
	echo "campaign $name: $runs executions, $cpu s CPU, $slices slices, ${cov:-no new coverage line}, $state"
done
exit $status
