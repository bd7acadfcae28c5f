#!/bin/sh
# tests/fuzz/run.sh - run the libFuzzer harnesses built by `make fuzz-bins`.
#
#   BUILD=build FUZZ_TIME=60 FUZZ= FUZZ_RUNS= sh tests/fuzz/run.sh
#
# Runs each harness $BUILD/fuzz/fuzz_NAME (only FUZZ's when set; a space-separated
# list works too) for FUZZ_TIME seconds (or until FUZZ_RUNS executions, when
# set and reached first), one after the other, on its committed
# seeds (tests/fuzz/corpus/NAME/) and its campaign corpus ($BUILD/fuzz/corpus/NAME/,
# which grows from run to run and stays out of git), with its dictionary
# (tests/fuzz/NAME.dict) and the options its source states on a line
# " * fuzz-options: ...".  Prints one TAP line per harness with its figures:
#
#   ok - fuzz deb822: 466841 executions in 60 s (58 s CPU, 8049/CPU-s), cov 221 ft 1383, corpus 261, clean
#
# A crash, leak, sanitizer report, failed property, timeout or out-of-memory is
# "not ok" with the input that caused it, kept in $BUILD/fuzz/findings/NAME/, and
# the command that replays it.  Logs: $BUILD/fuzz/logs/NAME.log.  The last line
# sums up: "fuzz: N clean, M with findings, E executions".
set -u
BUILD=${BUILD:-build}
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ=${FUZZ:-}
FUZZ_RUNS=${FUZZ_RUNS:-}
SRC=tests/fuzz
OUT=$BUILD/fuzz
# GLib's slice allocator (libmodulemd's GObjects, createrepo_c) hands a freed
# block back out without AddressSanitizer seeing the free: a double free in
# libmodulemd showed only as a crash 200,000 inputs later.  debug-blocks
# makes GLib check every release and abort at a bad one, where the stack
# names the culprit.  (always-malloc would show the frees to ASan too, and
# with them libmodulemd's leaks of malformed documents, not screened.)
export G_SLICE="${G_SLICE:-debug-blocks}"

if [ -z "$FUZZ" ]; then
	FUZZ=$(for f in "$SRC"/fuzz_*.c; do basename "$f" .c; done | sed 's/^fuzz_//')
fi

# CPU seconds (user + system) the finished children of this shell used so far,
# from `times` run in this shell (not in a $(...) subshell, which has no
# children), into a file of this shell's own: campaigns run several of these
# scripts at once, and one's `times` must not be read as another's.
TIMES=
child_cpu() {
	tail -n 1 "$TIMES" | awk '{ s = 0
		for (i = 1; i <= NF; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] }
		printf "%d\n", s }'
}

clean=0
found=0
total=0
for name in $FUZZ; do
	bin=$OUT/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $name: $bin is not built (make fuzz-bins)"
		found=$((found + 1))
		continue
	fi
	corpus=$OUT/corpus/$name
	findings=$OUT/findings/$name
	# A log of this run's own (campaigns may run one harness several times
	# at once), named NAME.log once the run is over.
	log=$OUT/logs/$name.$$.log
	mkdir -p "$corpus" "$findings" "$OUT/logs"
	set --
	[ -n "$FUZZ_RUNS" ] && set -- "-runs=$FUZZ_RUNS"
	[ -f "$SRC/$name.dict" ] && set -- "$@" "-dict=$SRC/$name.dict"
	# shellcheck disable=SC2046
	set -- "$@" $(sed -n 's/^ \* fuzz-options: *//p' "$SRC/fuzz_$name.c" | head -n 1)
	seeds=$SRC/corpus/$name
	[ -d "$seeds" ] || seeds=
	start=$(date +%s)
	TIMES=$OUT/logs/.times.$$
	times >"$TIMES"
	cpu0=$(child_cpu)
	# -timeout is wall-clock: 120 s, because campaigns run at nice 19 on shared
	# machines, where a process can wait that long for a CPU (a 20 ms input
	# was once reported as a 21 s timeout).  Slow units likewise: libFuzzer
	# reports one past 10 s of wall time, which a starved process reaches
	# on an input that replays in 0.3 s (packages, at load 13).
	"$bin" -max_total_time="$FUZZ_TIME" -print_final_stats=1 -timeout=120 \
		-report_slow_units=120 -rss_limit_mb=2560 -artifact_prefix="$findings/" "$@" "$corpus" $seeds \
		>"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	times >"$TIMES"
	cpu=$(( $(child_cpu) - cpu0 ))
	rm -f "$TIMES"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	execs=${execs:-0}
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 |
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1 ft \2, corpus \3/p')
	rate=$(( execs / (cpu > 0 ? cpu : 1) ))
	total=$((total + execs))
	figures="$execs executions in $secs s ($cpu s CPU, $rate/CPU-s), ${cov:-no coverage line}"
	artifact=$(sed -n "s/^.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
	mv -f "$log" "$OUT/logs/$name.log" && log=$OUT/logs/$name.log
	if [ "$rc" = 0 ] && [ -z "$artifact" ]; then
		echo "ok - fuzz $name: $figures, clean"
		clean=$((clean + 1))
	else
		what=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*property failed)' "$log")
		echo "not ok - fuzz $name: $figures: ${what:-exit status $rc}; input ${artifact:-none}" \
			"(replay: $bin ${artifact:-}); log $log"
		found=$((found + 1))
	fi
done
echo "fuzz: $clean clean, $found with findings, $total executions"
[ "$found" = 0 ]
