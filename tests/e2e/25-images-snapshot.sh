#!/bin/sh
# tier: fast
# san: yes
# Release images on a fixture archive (dpkg-deb, gpg): `make images-update`
# writes a lock that names no mirror, and sums; `make images` rebuilds the
# image from the lock, from an empty cache, byte for byte.  Another key
# changes only the key's files (the public key, InRelease, Release.gpg and the
# fingerprint in bundle.json): the repository is checked for anyone.  Then
# the mirror drops two of the lock's versions (a point release): without
# --snapshot the rebuild fails naming both and what to pass; with a
# snapshot.debian.org-style archive that still has them it succeeds, names
# the two and where they came from, and is byte-identical.  A snapshot that
# serves other bytes under the same name is refused.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
A=$T_TMP/archive
SNAP=$T_TMP/snapshot/archive/debian/20250301T000000Z
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
fixture_deb "$T_TMP/debs" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$T_TMP/debs" apt 9.0 "Priority: required"
fixture_deb "$T_TMP/debs" fx-lib 1.0 "Priority: optional"
fixture_deb "$T_TMP/debs" fx-app 2.0 "Depends: fx-lib (>= 1.0)"
fixture_deb "$T_TMP/debs" fx-doc 1.0
fixture_suite "$A" bookworm "$T_TMP/gk" main:"$T_TMP/debs"
mkdir -p "$(dirname "$SNAP")" && cp -a "$A" "$SNAP"
cat >"$T_TMP/fx.yml" <<EOF
name: fx
version: "1"
target: d12
postgres: [15]
packages: [fx-app, fx-doc]
upstreams: [fixture]
mirrors: {fixture: "file://$A"}
EOF
"$PGBUNDLE" keygen -o "$T_TMP/keys" | sed -n 's/^key //p' >"$T_TMP/fpr"
"$PGBUNDLE" keygen -o "$T_TMP/other" >/dev/null
export PGBUNDLE_RECIPES="$T_TMP/recipes"
REL=$T_TMP/release
n=0

# images MODE [VAR=VALUE...]: make images or images-update on the fixture,
# with a fresh empty cache; output in $T_TMP/log$n.
images() {
	mode=$1
	shift
	n=$((n + 1))
	env PGBUNDLE_CACHE="$T_TMP/cache$n" PGBUNDLE_KEY="$T_TMP/keys/pgbundle.key" "$@" \
		make -s --no-print-directory BUILD="$BUILD" "$mode" IMAGES="$T_TMP/fx.yml" \
		IMAGES_DIR="$REL" IMAGES_OUT="$T_TMP/out" >"$T_TMP/log$n" 2>&1
}
log() { cat "$T_TMP/log$n"; }
tail_log() { tail -n "${1:-4}" "$T_TMP/log$n" | tr '\n' ' '; }

if images images-update && [ -s "$REL/fx.lock" ] && [ -s "$REL/fx.SHA256SUMS" ] &&
   [ -s "$REL/fx.repo.SHA256SUMS" ] && [ -s "$REL/KEY" ] && [ -s "$REL/pgbundle.asc" ]; then
	ok "make images-update writes the lock, the sums and the release key's fingerprint"
else
	not_ok "make images-update" "$(tail_log 6)"
	exit 1
fi
if grep -q "$A" "$REL"/* || grep -q '"url"' "$REL/fx.lock"; then
	not_ok "the lock and sums name no mirror" "$(grep -l "$A" "$REL"/*)"
else
	ok "the lock and sums name no mirror (the manifest's file://$A is nowhere in them)"
fi
check "KEY holds the signing key's fingerprint" test "$(cat "$REL/KEY")" = "$(cat "$T_TMP/fpr")"
cp "$T_TMP/out/fx-1.d12.amd64.contents" "$T_TMP/contents.release"
run_sum=$(sha256sum "$T_TMP/out/fx-1.d12.amd64.run" | cut -d' ' -f1)

rm -rf "$T_TMP/out"
if images images && log | grep -q "the .tar.zst and .run are the release's, byte for byte"; then
	ok "make images rebuilds from the lock, from an empty cache, byte for byte (.tar.zst, .run)"
	log | sed 's/^/#   /'
else
	not_ok "make images rebuilds byte for byte" "$(tail_log 6)"
fi
check "the .run is the one make images-update made" \
	test "$(sha256sum "$T_TMP/out/fx-1.d12.amd64.run" | cut -d' ' -f1)" = "$run_sum"

# Another key: the repository is the release's; only the key's files differ.
if images images PGBUNDLE_KEY="$T_TMP/other/pgbundle.key" &&
   log | grep -q "the repository and bundle.json (.* files) are the release's" &&
   log | grep -q "not the release key .*not checked"; then
	ok "with another key make images checks the repository and bundle.json, and says the .tar.zst and .run are not checked"
else
	not_ok "make images with another key" "$(tail_log 6)"
fi
diff "$T_TMP/contents.release" "$T_TMP/out/fx-1.d12.amd64.contents" |
	sed -n 's/^> [0-9a-f]*  //p' | sort >"$T_TMP/differ"
printf '%s\n' bundle.json dists/pgbundle/InRelease dists/pgbundle/Release.gpg pgbundle.asc \
	pgbundle.gpg >"$T_TMP/keyfiles"
if cmp -s "$T_TMP/differ" "$T_TMP/keyfiles"; then
	ok "another key changes exactly bundle.json, InRelease, Release.gpg and the public key"
else
	not_ok "another key changes only the key's files" "$(tr '\n' ' ' <"$T_TMP/differ")"
fi

# A point release: fx-lib 1.0 and fx-app 2.0 are superseded and leave the pool.
mkdir -p "$T_TMP/debs2"
cp "$T_TMP"/debs/fx-base_* "$T_TMP"/debs/apt_* "$T_TMP"/debs/fx-doc_* "$T_TMP/debs2/"
fixture_deb "$T_TMP/debs2" fx-lib 1.1 "Priority: optional"
fixture_deb "$T_TMP/debs2" fx-app 2.1 "Depends: fx-lib (>= 1.0)"
rm -rf "$A/pool" "$A/dists"
fixture_suite "$A" bookworm "$T_TMP/gk" main:"$T_TMP/debs2"

if images images; then
	not_ok "without --snapshot the rebuild fails" "it succeeded: $(tail_log)"
elif log | grep -q "fx-lib 1.0 (fixture)" && log | grep -q "fx-app 2.0 (fixture)" &&
     log | grep -q -- "--snapshot" && ! log | grep -q "fx-doc 1.0 (fixture).*not"; then
	ok "without --snapshot the rebuild fails naming fx-lib 1.0 and fx-app 2.0 and --snapshot"
	log | grep pgbundle: | sed 's/^/#   /'
else
	not_ok "without --snapshot: the message names both packages and --snapshot" "$(log)"
fi

if images images SNAPSHOT="file://$T_TMP/snapshot/archive/debian/20250301T000000Z" &&
   log | grep -q "from snapshot file://$SNAP: .*fx-app 2.0 (fixture).*fx-lib 1.0 (fixture)" &&
   log | grep -q "the .tar.zst and .run are the release's, byte for byte"; then
	ok "make images SNAPSHOT=... gets the two from the snapshot, says so, and is byte-identical"
	log | grep pgbundle: | sed 's/^/#   /'
else
	not_ok "the rebuild through the snapshot" "$(tail_log 8)"
fi
if images images SNAPSHOT="debian=file://$SNAP" ||
   ! log | grep -q "nor in any --snapshot"; then
	not_ok "a snapshot for another upstream (debian=URL) is not used" "$(tail_log)"
else
	ok "a snapshot for another upstream (debian=URL) is not used"
fi
if images images SNAPSHOT="fixture=file://$SNAP"; then
	ok "a snapshot for the fixture upstream (fixture=URL) is"
else
	not_ok "a snapshot KEY=URL for the package's upstream" "$(tail_log)"
fi
cp -a "$SNAP" "$T_TMP/evil"
printf '\377' | dd of="$T_TMP/evil/pool/main/fx-lib_1.0_amd64.deb" bs=1 seek=300 conv=notrunc 2>/dev/null
if images images SNAPSHOT="file://$T_TMP/evil"; then
	not_ok "a snapshot serving other bytes is refused" "it was used"
elif log | grep -qi "fx-lib 1.0.*sha-256 mismatch"; then
	ok "a snapshot serving other bytes for fx-lib 1.0 is refused (SHA-256 against the lock)"
else
	not_ok "a snapshot serving other bytes is refused naming the package" "$(tail_log)"
fi

# Re-summing (after a change to what the builder writes) keeps the lock.
mkdir -p "$T_TMP/before" && cp "$REL"/fx.* "$T_TMP/before/"
if images images-update KEEP_LOCKS=1 SNAPSHOT="file://$SNAP" &&
   (cd "$T_TMP/before" && for f in fx.*; do cmp -s "$f" "$REL/$f" || exit 1; done); then
	ok "make images-update KEEP_LOCKS=1 re-sums the lock without resolving: the same lock and sums"
else
	not_ok "make images-update KEEP_LOCKS=1" "$(tail_log)"
fi

# images-update against the new archive: the lock moves to fx-lib 1.1 and
# fx-app 2.1, shown by `pgbundle diff`; without that command it must refuse.
cp "$REL/fx.lock" "$T_TMP/old.lock"
if "$PGBUNDLE" diff --help >/dev/null 2>&1; then
	if images images-update && log | grep -q "pgbundle diff" &&
	   jq -e '.packages[] | select(.name == "fx-lib" and .version == "1.1")' "$REL/fx.lock" >/dev/null; then
		ok "make images-update writes the new lock and prints pgbundle diff"
		log | sed 's/^/#   /'
	else
		not_ok "make images-update with an old lock" "$(tail_log 8)"
	fi
else
	if images images-update; then
		not_ok "make images-update without pgbundle diff fails" "it succeeded"
	elif log | grep -q "no diff command" && cmp -s "$REL/fx.lock" "$T_TMP/old.lock"; then
		ok "make images-update fails clearly while pgbundle has no diff command, changing nothing"
	else
		not_ok "make images-update without pgbundle diff" "$(tail_log)"
	fi
fi
mkdir -p "$T_TMP/rel2" && cp "$REL/KEY" "$T_TMP/rel2/"
if REL=$T_TMP/rel2 images images-update PGBUNDLE_KEY="$T_TMP/other/pgbundle.key"; then
	not_ok "make images-update signing with another key than the release key is refused" "it ran"
elif log | grep -q "but the release key is" && [ ! -e "$T_TMP/rel2/fx.lock" ]; then
	ok "make images-update signing with another key than the release key is refused, writing nothing"
else
	not_ok "make images-update with another key is refused" "$(tail_log)"
fi
