#!/bin/sh
# tier: fast
# san: yes
# A hostile or broken upstream stops the build with a message that names the
# repository and file, and leaves nothing in the output directory: a signature
# by another key, a Packages index that does not match the signed Release, a
# .deb that does not match its index (flipped byte, truncated), an expired
# Release, a mirror that serves another suite, a keyring without the key
# repos.yml pins.  The fixture archive is
# built here with dpkg-deb and signed with gpg, served as file:.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
A=$T_TMP/archive
fixture_key "$T_TMP/gk"
fixture_key "$T_TMP/other"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
fixture_deb "$T_TMP/debs" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$T_TMP/debs" apt 9.0 "Priority: required"
fixture_deb "$T_TMP/debs" fx-lib 1.0 "Priority: optional"
fixture_deb "$T_TMP/debs" fx-app 2.0 "Depends: fx-lib (>= 1.0)"
fixture_suite "$A" bookworm "$T_TMP/gk" main:"$T_TMP/debs"
cat >"$T_TMP/fx.yml" <<EOF2
name: fx
version: "1"
target: d12
postgres: [15]
packages: [fx-app]
upstreams: [fixture]
mirrors: {fixture: "file://$A"}
EOF2
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
export PGBUNDLE_RECIPES="$T_TMP/recipes"
n=0

# build_case NAME EXPECT(ok|fail) PATTERN [options]
build_case() {
	name=$1 expect=$2 pattern=$3
	shift 3
	n=$((n + 1))
	out=$T_TMP/out$n
	mkdir -p "$out"
	PGBUNDLE_CACHE=$T_TMP/cache$n "$PGBUNDLE" build "${MF:-$T_TMP/fx.yml}" -o "$out" \
		--key "$T_TMP/keys/pgbundle.key" "$@" >"$T_TMP/log$n" 2>&1
	rc=$?
	if [ "$expect" = ok ]; then
		# ... and sbom and diff read what it built.
		if [ $rc = 0 ] && ls "$out"/*.tar.zst >/dev/null 2>&1 &&
		   "$PGBUNDLE" sbom "$out"/*.run >/dev/null 2>>"$T_TMP/log$n" &&
		   "$PGBUNDLE" diff "$out"/*.lock "$out"/*.tar.zst >/dev/null 2>>"$T_TMP/log$n"; then ok "$name"
		else not_ok "$name" "exit $rc: $(tail -n 3 "$T_TMP/log$n")"; fi
		return
	fi
	if [ $rc = 0 ]; then
		not_ok "$name" "the build succeeded"
	elif ! grep -Eqi "$pattern" "$T_TMP/log$n"; then
		not_ok "$name" "message does not match /$pattern/: $(cat "$T_TMP/log$n")"
	elif [ -n "$(ls -A "$out")" ]; then
		not_ok "$name" "left in the output directory: $(ls -A "$out")"
	else
		ok "$name"
		sed 's/^/#   /' "$T_TMP/log$n"
	fi
}

build_case "a good fixture archive builds" ok ""
cp -a "$A" "$T_TMP/good"
restore() { rm -rf "$A" && cp -a "$T_TMP/good" "$A"; }

fixture_sign "$A/dists/bookworm" "$T_TMP/other"
build_case "InRelease signed by another key is refused" fail "fixture.*(signature|key)"
restore

echo "Tag: tampered" >>"$A/dists/bookworm/main/binary-amd64/Packages"
rm "$A/dists/bookworm/main/binary-amd64/Packages.xz"
xz -k "$A/dists/bookworm/main/binary-amd64/Packages"
build_case "Packages not matching the signed Release is refused" fail "Packages.*(sha-?256|hash|size)"
restore

deb=$(ls "$A"/pool/main/fx-lib_*.deb)
printf '\377' | dd of="$deb" bs=1 seek=200 conv=notrunc 2>/dev/null
build_case ".deb with a flipped byte is refused, naming the package" fail "fx-lib.*(sha-?256|hash)"
restore

deb=$(ls "$A"/pool/main/fx-lib_*.deb)
truncate -s 300 "$deb"
build_case "truncated .deb is refused, naming the package" fail "fx-lib.*(size|short|truncat|sha-?256)"
restore

sed -i "s/^Date: .*/&\nValid-Until: $(LC_ALL=C date -u -R -d '-1 day' | sed 's/+0000/UTC/')/" \
	"$A/dists/bookworm/Release"
fixture_sign "$A/dists/bookworm" "$T_TMP/gk"
build_case "an expired Release is refused" fail "expired.*allow-expired"
build_case "an expired Release is accepted with --allow-expired" ok "" --allow-expired
restore

sed -i 's/^Codename: bookworm/Codename: bullseye/; s/^Suite: bookworm/Suite: bullseye/' \
	"$A/dists/bookworm/Release"
fixture_sign "$A/dists/bookworm" "$T_TMP/gk"
build_case "a Release of another suite is refused" fail "suite"
restore

sed 's/^packages: .*/packages: [fx-app, fx-nothing]/' "$T_TMP/fx.yml" >"$T_TMP/missing.yml"
MF=$T_TMP/missing.yml build_case "an unresolvable request stops the build, naming it" fail \
	"unresolved.*fx-nothing"
MF=$T_TMP/missing.yml build_case "--allow-missing builds without it" ok "" --allow-missing

# A key pinned in repos.yml must be in the keyring the upstream names.
fixture_recipes "$T_TMP/pinned" "$T_TMP/gk/key.gpg"
sed -i '/^fixture:$/a\  fingerprint: 0123456789ABCDEF0123456789ABCDEF01234567' "$T_TMP/pinned/repos.yml"
PGBUNDLE_RECIPES=$T_TMP/pinned build_case "a keyring without the pinned key is refused" fail \
	"does not hold the key 0123456789ABCDEF0123456789ABCDEF01234567"
