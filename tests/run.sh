#!/bin/sh
# tests/run.sh - run the test tiers and print one closing line "N passed, N failed".
#
#   TIER=unit   the C unit tests (build/tests/**/test_*)
#   TIER=fast   unit + the shell tests marked "# tier: fast" (what `make check` runs)
#   TIER=all    unit + every shell test (what `make check-all` runs)
#   TIER=san    unit + the shell tests marked "# san: yes" (what `make check-san`
#               runs against the AddressSanitizer/UBSan build)
#
# Every test prints TAP-style lines: "ok - name" or "not ok - name: why".  A test
# program that exits non-zero without printing a "not ok" line counts as one
# failure, so a crash is never a pass.  Logs go to $BUILD/test-logs/.
set -u
BUILD=${BUILD:-build}
TIER=${TIER:-fast}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
export PGBUNDLE="$(pwd)/$BUILD/pgbundle" BUILD TOP="$(pwd)"
passed=0
failed=0

run_one() {	# name, command...
	name=$1; shift
	log=$LOGS/$(echo "$name" | tr '/' '_').log
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exited with status $rc" >>"$log"
		f=1
	fi
	grep -E '^(not )?ok ' "$log"
	if [ "$f" != 0 ]; then
		echo "# --- $name failed; last lines of $log:"
		tail -n 25 "$log" | sed 's/^/#   /'
	fi
	echo "# $name: $p passed, $f failed ($(( $(date +%s) - start ))s)"
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in $(find "$BUILD/tests" -type f -name 'test_*' ! -name '*.o' ! -name '*.d' 2>/dev/null | sort); do
	[ -x "$t" ] && run_one "${t#$BUILD/}" "$t"
done

if [ "$TIER" != unit ]; then
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		tier=$(sed -n 's/^# tier: *//p' "$t" | head -n 1)
		san=$(sed -n 's/^# san: *//p' "$t" | head -n 1)
		# Without a tier line it is a library the tests source (install_target.sh).
		[ -n "$tier" ] || continue
		case "$TIER" in
		all) ;;
		san) [ "$san" = yes ] || continue ;;
		*) [ "$tier" = fast ] || continue ;;
		esac
		run_one "$t" sh "$t"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
