#!/bin/sh
# tier: fast
# san: yes
# What images/release/ must hold for every release image (ci/images.sh
# list): its lock, its .tar.zst/.run sums and its repository sums, the
# release key's fingerprint and public key; no file there names this host's
# mirror; each lock reads and gives the plan of its
# manifest without any upstream metadata.  No network, no download.
. tests/lib.sh
t_tmpdir
REL=$TOP/images/release
missing=""
for i in $(sh ci/images.sh list); do
	for f in $i.lock $i.SHA256SUMS $i.repo.SHA256SUMS; do
		[ -s "$REL/$f" ] || missing="$missing $f"
	done
done
for f in KEY pgbundle.asc installer.SHA256SUMS; do
	[ -s "$REL/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "images/release holds the lock and sums of every release image, and the release key"
else
	not_ok "images/release holds every release's lock and sums" "missing:$missing"
fi
if grep -Eqx '[0-9A-F]{40}' "$REL/KEY"; then
	ok "KEY is a fingerprint ($(cat "$REL/KEY"))"
else
	not_ok "KEY is a fingerprint" "$(head -c 100 "$REL/KEY")"
fi

host=$(t_debian_mirror | sed 's|^[a-z]*://||; s|[/:].*||')
if [ -z "$host" ]; then
	not_ok "this host's mirror is known" "ci/airgap/rootfs.sh --mirror printed nothing"
elif grep -rqF "$host" "$REL"; then
	not_ok "no committed release file names the mirror" "$(grep -rlF "$host" "$REL" | tr '\n' ' ')"
else
	ok "no committed release file names the mirror ($host)"
fi

# Reading a lock is all a locked plan needs: no Release, no Packages, no
# Contents (forky's expired Release would need --allow-expired), nothing
# in the cache.
for i in $(sh ci/images.sh list); do
	n=$(jq '.packages | length' "$REL/$i.lock")
	if PGBUNDLE_CACHE=$T_TMP/cache-$i \
	   "$PGBUNDLE" plan "manifests/$i.yml" --lock "$REL/$i.lock" --json >"$T_TMP/$i.json" 2>"$T_TMP/$i.err" &&
	   [ "$(jq .count "$T_TMP/$i.json")" = "$n" ] && [ ! -s "$T_TMP/$i.err" ] &&
	   [ -z "$(find "$T_TMP/cache-$i" -type f)" ]; then
		ok "$i: plan --lock reads the lock ($n packages) with no upstream metadata"
	else
		not_ok "$i: plan --lock images/release/$i.lock" "$(tail -n 3 "$T_TMP/$i.err")"
	fi
done
