#!/bin/sh
# tier: all
# readme: make check
# The README's test command as a new user types it: `make check` in a fresh
# clone with an empty home (no download cache, no key, no build/), in a
# clean root environment; it must end with "N passed, 0 failed".  The nested
# run sees PGBUNDLE_README_NESTED and does not run the README tests again.
. tests/lib.sh
need_root "README make check"
if [ -n "${PGBUNDLE_README_NESTED:-}" ]; then
	echo "# inside the README's own make check: not run again"
	exit 0
fi
t_tmpdir
CLONE=$T_TMP/pgbundle
t_fresh_clone "$CLONE" || { not_ok "a fresh clone of this checkout"; exit 1; }
t_readme_cmd "make check" || exit 1
start=$(date +%s)
PGBUNDLE_README_NESTED=1 t_as_user "$CLONE" sh -c 'make check' >"$T_TMP/check.log" 2>&1
rc=$?
last=$(tail -n 1 "$T_TMP/check.log")
echo "# nested make check: $last ($(( $(date +%s) - start ))s)"
case "$rc:$last" in
0:*" passed, 0 failed") ok "make check, as the README writes it, in a fresh clone: $last" ;;
*) not_ok "make check in a fresh clone" "status $rc: $(grep '^not ok' "$T_TMP/check.log" | head -n 5)$last" ;;
esac
