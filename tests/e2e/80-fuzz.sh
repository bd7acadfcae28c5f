#!/bin/sh
# tier: all
# readme: make fuzz
# Every libFuzzer harness of tests/fuzz/ (make fuzz-bins: clang, ASan, UBSan)
# runs for 60 seconds on its committed seeds and its campaign corpus; any
# crash, leak, sanitizer report, failed property, timeout or out-of-memory
# fails its line, with the input kept under $BUILD/fuzz/findings/NAME/ and the
# command that replays it.  Each line prints the executions, CPU seconds and
# coverage of its harness (tests/fuzz/run.sh).
# The README's `make fuzz`, run as written (FUZZ_TIME defaults to 60).
. tests/lib.sh
t_readme_cmd "make fuzz" || exit 1
if ! make -s -C "$TOP" BUILD="$BUILD" fuzz-bins >"$BDIR/fuzz-build.log" 2>&1; then
	not_ok "the fuzz harnesses build (make fuzz-bins)" "see $BDIR/fuzz-build.log"
	tail -n 20 "$BDIR/fuzz-build.log" | sed 's/^/# /'
	exit 1
fi
ok "the fuzz harnesses build (make fuzz-bins)"
export BUILD
cd "$TOP" && make fuzz
