#!/bin/sh
# tier: all
# Issue 11, kill -9 at any point of a build.  A small bundle of the real
# bookworm archive (postgresql-client-15 and its closure) is built once
# under strace to number the builder's write, link and rename calls and
# sort them by phase: downloads (the cache's .part files), the index (the
# staging tree: keys, Packages, Release, InRelease, bundle.json), packing
# (the tar.zst), the .run, and the finishing files (contents, lock).  Then,
# for each chosen moment, from the same start (warm indexes, an empty
# output directory; no package in the cache for a moment of the downloads,
# every package there for the others, so that the calls after the
# downloads are numbered as in a reference with a full cache: how many
# writes a download takes varies from run to run), strace sends SIGKILL to
# the builder at exactly that call, and:
#   - the output directory holds no file that is not whole: a .run or
#     tar.zst there verifies only if it is byte-identical to the reference,
#     and every other output is the reference's;
#   - every file of the download cache hashes to its name;
#   - the same command again completes, and the output directory then holds
#     exactly the reference's files, byte-identical (SOURCE_DATE_EPOCH and
#     the key are fixed), and nothing else: no staging or temporary name.
# Prints the number of moments tried per phase and that every re-run converged.
. tests/lib.sh
need_root "kill -9 during a build"
command -v strace >/dev/null || { not_ok "kill -9 during a build" "strace is missing (ci/deps.sh test)"; exit 1; }
t_tmpdir
export SOURCE_DATE_EPOCH=1700000000
export PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
cat >"$T_TMP/m.yml" <<EOF2
name: pgsql-kill
version: "1"
target: d12
postgres: [15]
packages: [postgresql-client-15]
EOF2
BASE=pgsql-kill-1.d12.amd64
build() { "$PGBUNDLE" build "$T_TMP/m.yml" -o "$1" --key "$T_TMP/keys/pgbundle.key"; }

# Warm the indexes once; every run then starts with no package in the cache.
if ! build "$T_TMP/warm" >"$T_TMP/warm.log" 2>&1; then
	not_ok "build the reference" "$(tail -n 5 "$T_TMP/warm.log")"
	exit 1
fi
fresh_start() { rm -rf "$PGBUNDLE_CACHE/sha256" "$PGBUNDLE_CACHE/tmp" "$T_TMP/out"; }
# Every package in the cache (as the reference left it), no output.
full_start() {
	rm -rf "$PGBUNDLE_CACHE/sha256" "$PGBUNDLE_CACHE/tmp" "$T_TMP/out"
	cp -a "$T_TMP/sha256.full" "$PGBUNDLE_CACHE/sha256"
}

fresh_start
if ! strace -qq -y -o "$T_TMP/ref.st" -e trace=write,linkat,rename \
	"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/ref" --key "$T_TMP/keys/pgbundle.key" \
	>"$T_TMP/ref.log" 2>&1; then
	not_ok "the reference build under strace" "$(tail -n 5 "$T_TMP/ref.log")"
	exit 1
fi
(cd "$T_TMP/ref" && ls -A | sort && sha256sum -- * | sort) >"$T_TMP/ref.sums"
cp -a "$PGBUNDLE_CACHE/sha256" "$T_TMP/sha256.full"
# The same build with every package in the cache: the calls after the
# downloads, numbered as the kills from full_start will count them.
full_start
if ! strace -qq -y -o "$T_TMP/full.st" -e trace=write,linkat,rename \
	"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/out" --key "$T_TMP/keys/pgbundle.key" \
	>"$T_TMP/full.log" 2>&1 ||
   ! (cd "$T_TMP/out" && ls -A | sort && sha256sum -- * | sort) | cmp -s - "$T_TMP/ref.sums"; then
	not_ok "the reference build with a full cache" "$(tail -n 5 "$T_TMP/full.log")"
	exit 1
fi
ok "reference build: $(ls "$T_TMP/ref" | tr '\n' ' ')(the same with every package in the cache)"

# The calls of a reference (strace log $1, output directory $2), numbered
# per kind, each with its phase.
phases() {
	awk -v base="$BASE" -v out="/$2/" '
	/^(write|linkat|rename)\(/ {
		call = substr($0, 1, index($0, "(") - 1); n[call]++
		path = $0; sub(/^[a-z]+\([0-9]*</, "", path); sub(/>.*/, "", path)
		if (call != "write") { path = $0 }
		if (path ~ /\/tmp\/[0-9a-f]+\.part/ || path ~ /cache\/sha256\//) ph = "download"
		else if (path ~ ("/\\." base "\\.tmp\\.")) ph = "index"
		else if (index(path, out)) {
			if (path ~ /tar\.zst/) { ph = "pack"; packed = 1 }
			else if (path ~ /\.run/) { ph = "run"; ran = 1 }
			else if (path ~ /\.contents|\.lock/) ph = "finish"
			else ph = ran ? "finish" : packed ? "run" : "pack"
		} else next
		print call, n[call], ph
	}' "$1"
}
# The downloads from the reference with an empty cache, the rest from the
# one with a full cache.
{ phases "$T_TMP/ref.st" ref | grep ' download$'; phases "$T_TMP/full.st" out | grep -v ' download$'; } >"$T_TMP/calls"
for ph in download index pack run finish; do
	echo "# reference: $(grep -c " $ph\$" "$T_TMP/calls") calls in phase $ph"
done

# Up to K moments per phase and kind of call, spread evenly over its calls.
pick() {	# PHASE CALL K
	grep " $1\$" "$T_TMP/calls" | awk -v c="$2" '$1 == c { print $2 }' >"$T_TMP/cand"
	total=$(wc -l <"$T_TMP/cand")
	[ "$total" -gt 0 ] || return 0
	k=$3; [ "$k" -gt "$total" ] && k=$total
	i=0
	while [ "$i" -lt "$k" ]; do
		sed -n "$(( i * total / k + 1 ))p" "$T_TMP/cand" | sed "s/^/$2 /; s/\$/ $1/"
		i=$((i + 1))
	done
}
{
	pick download write 6; pick download rename 2
	pick index write 4; pick index linkat 1; pick index rename 1
	pick pack write 5; pick pack linkat 1; pick pack rename 1
	pick run write 4; pick run linkat 1; pick run rename 1
	pick finish write 2; pick finish rename 1
} | sort -u -k1,1 -k2,2n >"$T_TMP/points"

# Check the state a kill left: whole files only, a sound cache.
check_after_kill() {
	bad=""
	for f in $(ls -A "$T_TMP/out" 2>/dev/null); do
		p=$T_TMP/out/$f
		case "$f" in
		.*) ;;	# a hidden temporary: not a bundle, removed by the next build
		*.run|*.tar.zst)
			if "$PGBUNDLE" verify "$p" --key "$T_TMP/keys/pgbundle.gpg" >/dev/null 2>&1 ||
			   { [ "${f%.run}" != "$f" ] && "$BDIR/pgbundle-installer" --file "$p" verify >/dev/null 2>&1; }; then
				cmp -s "$p" "$T_TMP/ref/$f" || bad="$bad $f(verifies, differs)"
			fi ;;
		*) cmp -s "$p" "$T_TMP/ref/$f" || bad="$bad $f(partial)" ;;
		esac
	done
	for f in $(find "$PGBUNDLE_CACHE/sha256" -type f 2>/dev/null); do
		[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" ] || bad="$bad cache:$(basename "$f")"
	done
	echo "$bad"
}

tried=0 converged=0 failures="" landed=""
while read -r call n ph; do
	if [ "$ph" = download ]; then fresh_start; else full_start; fi
	strace -qq -y -o "$T_TMP/kill.st" -e trace=write,linkat,rename \
		-e inject="$call:signal=KILL:when=$n" \
		"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/out" --key "$T_TMP/keys/pgbundle.key" \
		>"$T_TMP/kill.log" 2>&1
	rc=$?
	tried=$((tried + 1))
	landed="$landed $ph"
	if [ "$rc" != 137 ] && ! grep -q 'killed by SIGKILL' "$T_TMP/kill.st"; then
		failures="$failures [$call#$n ($ph): not killed, status $rc]"
		continue
	fi
	bad=$(check_after_kill)
	[ -z "$bad" ] || failures="$failures [$call#$n ($ph): after the kill:$bad]"
	if build "$T_TMP/out" >"$T_TMP/rerun.log" 2>&1 &&
	   (cd "$T_TMP/out" && ls -A | sort && sha256sum -- * | sort) | cmp -s - "$T_TMP/ref.sums" &&
	   [ -z "$(check_after_kill)" ]; then
		converged=$((converged + 1))
	else
		failures="$failures [$call#$n ($ph): the re-run did not converge: $(tail -n 2 "$T_TMP/rerun.log" | tr '\n' ' ') $(ls -A "$T_TMP/out" | tr '\n' ' ')]"
	fi
done <"$T_TMP/points"

per=$(echo "$landed" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
echo "build kill -9: $tried interruption points tried ($per); $converged re-runs converged"
if [ "$tried" -ge 20 ] && [ "$converged" = "$tried" ] && [ -z "$failures" ]; then
	ok "kill -9 at $tried points of a build ($per): nothing partial left, the cache sound, every re-run converged"
else
	not_ok "kill -9 at any point of a build" "$tried tried, $converged converged:$failures"
fi
