# tests/e2e/upgrade_bundles.sh - the d12 bundles of the update tests (71,
# 72), built once per content under $BDIR/e2e-cache (sourced; no tier line:
# it is a library).  Source tests/lib.sh and tests/e2e/install_target.sh
# first.  From the real Debian archive (whose pool keeps both versions):
#   OLDRUN    manifests/d12.yml, version 1.0, from the release suite alone
#             (`upstreams: [debian]`)
#   FULLRUN   the same manifest, version 1.1, with -updates and -security
#   DELTARUN  1.1 as a delta from 1.0's lock, built as the README says
#   SSLRUN    1.2, a delta of a few packages: from the newer set with OpenSSL
#             held at the release's version, then OpenSSL's update
# upgrade_bundles sets them (and U, the cache directory) or fails (not_ok).
OLDB=pgsql-d12-1.0.d12.amd64 NEWB=pgsql-d12-1.1.d12.amd64

up_key=$(cat manifests/d12.yml "$CONFIG" recipes/*.yml "$PGBUNDLE" "$BDIR/pgbundle-installer" |
	sha256sum | cut -c1-16)
U=$BDIR/e2e-cache/upgrade-d12-$up_key
build_all() {
	mkdir -p "$U/m" && cp -r manifests/config "$U/m/" &&
	sed 's/^version: .*/version: "1.0"/; $a upstreams: [debian]' manifests/d12.yml >"$U/m/old.yml" &&
	sed 's/^version: .*/version: "1.1"/' manifests/d12.yml >"$U/m/new.yml" &&
	sed 's/^version: .*/version: "1.2"/' manifests/d12.yml >"$U/m/new2.yml" &&
	"$PGBUNDLE" keygen -o "$U/keys" >/dev/null &&
	b() { "$PGBUNDLE" build "$@" --key "$U/keys/pgbundle.key" >>"$U/build.log" 2>&1; } &&
	t0=$(date +%s) && b "$U/m/old.yml" -o "$U/old" && t1=$(date +%s) &&
	b "$U/m/new.yml" -o "$U/full" && t2=$(date +%s) &&
	readme_delta && t3=$(date +%s) &&
	echo "old $((t1 - t0)) full $((t2 - t1)) delta $((t3 - t2))" >"$U/times" &&
	# The newer set with OpenSSL at the release suite's version: the state
	# before OpenSSL's security update, of which a delta is then made.
	jq --slurpfile old "$U/old/pgsql-d12.lock" '.packages |= map(
		. as $p | if ($p.name == "libssl3" or $p.name == "openssl")
		then ($old[0].packages[] | select(.name == $p.name)) else $p end)' \
		"$U/full/pgsql-d12.lock" >"$U/m/mid.lock" &&
	b "$U/m/new.yml" -o "$U/mid" --lock "$U/m/mid.lock" &&
	b "$U/m/new2.yml" -o "$U/ssl" --update-from "$U/mid/pgsql-d12.lock" &&
	touch "$U/done"
}
# The delta as the README makes it: in a tree laid out as a checkout (the
# manifest's version raised to 1.1, the lock of 1.0 kept beside the key).
readme_delta() {
	t_readme_cmd "$README_BUILD" || return 1
	mkdir -p "$U/delta/manifests" "$U/delta/images" &&
	ln -s "$BDIR" "$U/delta/build" && cp -r manifests/config "$U/delta/manifests/" &&
	cp "$U/m/new.yml" "$U/delta/manifests/d12.yml" && cp -r "$U/keys" "$U/delta/images/keys" &&
	cp "$U/old/pgsql-d12.lock" "$U/delta/images/pgsql-d12-1.0.lock" &&
	(cd "$U/delta" && sh -c "$README_BUILD") >>"$U/build.log" 2>&1
}
README_BUILD="build/pgbundle build manifests/d12.yml --update-from images/pgsql-d12-1.0.lock"
README_INSTALL="./$NEWB.delta-from-1.0.run install --yes"
upgrade_bundles() {
	mkdir -p "$BDIR/e2e-cache"
	(
		flock 9
		[ -f "$U/done" ] && exit 0
		rm -rf "$U" "$BDIR/e2e-cache"/upgrade-d12-????????????????
		build_all
	) 9>"$BDIR/e2e-cache/.lock"
	if [ ! -f "$U/done" ]; then
		not_ok "d12 1.0 (release suite), 1.1 (with -updates, -security) full and delta built" "$(tail -n 5 "$U/build.log")"
		return 1
	fi
	ok "d12 1.0 from the release suite alone, 1.1 with -updates and -security, full and delta ($(cat "$U/times") s)"
	OLDRUN=$U/old/$OLDB.run FULLRUN=$U/full/$NEWB.run DELTARUN=$U/delta/images/$NEWB.delta-from-1.0.run
	SSLRUN=$U/ssl/pgsql-d12-1.2.d12.amd64.delta-from-1.1.run
}

