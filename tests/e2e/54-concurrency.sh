#!/bin/sh
# tier: all
# Issue 11, two at once.  Two builds of one manifest start together with one
# empty download cache (so both download the same files into it) and two
# output directories: both succeed, their outputs are byte-identical and
# every file of the cache hashes to its name.  Two installers on one host:
# while the first runs, the second refuses at once, naming the lock
# (/run/pgbundle-installer.lock) and the first's PID; the first completes
# and a third, afterwards, runs (nothing to change).
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/kill_install.sh
need_root "two at once"
t_tmpdir
trap 'ki_stop_all; t_cleanup' EXIT

export SOURCE_DATE_EPOCH=1700000000 PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
cat >"$T_TMP/m.yml" <<EOF2
name: pgsql-two
version: "1"
target: d12
postgres: [15]
packages: [postgresql-client-15, pgbouncer]
EOF2
start=$(date +%s)
"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/a" --key "$T_TMP/keys/pgbundle.key" >"$T_TMP/a.log" 2>&1 &
pa=$!
"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/b" --key "$T_TMP/keys/pgbundle.key" >"$T_TMP/b.log" 2>&1 &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
bad=""
for f in $(find "$T_TMP/cache/sha256" -type f); do
	[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" ] || bad="$bad $f"
done
sa=$(cd "$T_TMP/a" && ls -A | sort && sha256sum -- * | sort)
sb=$(cd "$T_TMP/b" && ls -A | sort && sha256sum -- * | sort)
if [ "$ra" = 0 ] && [ "$rb" = 0 ] && [ "$sa" = "$sb" ] && [ -z "$bad" ] &&
   [ "$(ls "$T_TMP/a" | wc -l)" = 4 ]; then
	ok "two builds at once sharing one cache: both succeed, identical outputs, the cache sound ($(( $(date +%s) - start )) s)"
else
	not_ok "two builds at once" "status $ra/$rb; $(tail -n 2 "$T_TMP/a.log" "$T_TMP/b.log"); bad cache:$bad"
fi

ki_build || exit 1
if ! ki_boot two >"$T_TMP/why"; then not_ok "boot bookworm" "$(cat "$T_TMP/why")"; exit 1; fi
KI_LOG=$T_TMP/first.log
ki_install "$KI_LOG"
first=$KI_PID
while ki_alive && ! ki_cond out "Pre-flight" 1; do sleep 0.05; done
in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/second.log" 2>&1
rc2=$?
wait "$first"
rc1=$?
if [ "$rc2" != 0 ] && grep -q 'another pgbundle-installer is running on this host (it holds the lock /run/pgbundle-installer.lock, PID [0-9]*)' "$T_TMP/second.log" &&
   [ "$rc1" = 0 ] && grep -q '^Done: ' "$KI_LOG"; then
	ok "two installers at once: the second refuses: $(sed 's/^pgbundle-installer: //' "$T_TMP/second.log" | cut -c1-160); the first completes"
else
	not_ok "two installers at once" "second: status $rc2, $(tail -n 2 "$T_TMP/second.log"); first: status $rc1, $(grep -v '^    |' "$KI_LOG" | tail -n 3)"
fi
if in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/third.log" 2>&1 && grep -q 'nothing to change' "$T_TMP/third.log"; then
	ok "an installer after it runs (the lock went with the first): nothing to change"
else
	not_ok "an installer after the first" "$(tail -n 3 "$T_TMP/third.log")"
fi
