#!/bin/sh
# tier: fast
# san: yes
# Every path the builder is given may be relative to where it runs: the
# manifest, -o, --key, --lock, PGBUNDLE_CACHE and PGBUNDLE_RECIPES.  apt's
# proof of the bundle wants absolute paths (Signed-By, file:), which hid a
# broken `make bundle` (-o images) while every test passed absolute ones.
# On the fixture archive (dpkg-deb, signed with gpg, served as file:).
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
W=$T_TMP/work
mkdir -p "$W/m"
fixture_key "$T_TMP/gk"
fixture_recipes "$W/recipes" "$T_TMP/gk/key.gpg"
fixture_deb "$T_TMP/debs" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$T_TMP/debs" apt 9.0 "Priority: required"
fixture_deb "$T_TMP/debs" fx-lib 1.0 "Priority: optional"
fixture_deb "$T_TMP/debs" fx-app 2.0 "Depends: fx-lib (>= 1.0)"
fixture_suite "$T_TMP/archive" bookworm "$T_TMP/gk" main:"$T_TMP/debs"
cat >"$W/m/fx.yml" <<EOF2
name: fx
version: "1"
target: d12
postgres: [15]
packages: [fx-app]
upstreams: [fixture]
mirrors: {fixture: "file://$T_TMP/archive"}
EOF2
cd "$W" || exit 1
export PGBUNDLE_RECIPES=recipes PGBUNDLE_CACHE=cache
# One date for every build, so bundles resolved a second apart compare equal.
export SOURCE_DATE_EPOCH=1700000000
check "keygen -o keys (relative)" "$PGBUNDLE" keygen -o keys
if "$PGBUNDLE" build m/fx.yml -o out --key keys/pgbundle.key >"$T_TMP/build.log" 2>&1; then
	ok "build m/fx.yml -o out --key keys/pgbundle.key, cache and recipes relative"
else
	not_ok "build with relative paths" "$(tail -n 4 "$T_TMP/build.log")"
fi
check "the outputs are under ./out and the cache under ./cache" \
	test -s out/fx-1.d12.amd64.tar.zst -a -s out/fx-1.d12.amd64.run -a -s out/fx.lock -a -d cache/sha256
if "$PGBUNDLE" build m/fx.yml --lock out/fx.lock -o again --key keys/pgbundle.key >"$T_TMP/again.log" 2>&1 &&
   cmp -s out/fx-1.d12.amd64.tar.zst again/fx-1.d12.amd64.tar.zst; then
	ok "build --lock out/fx.lock -o again: byte-identical"
else
	not_ok "build --lock with relative paths, byte-identical" "$(tail -n 4 "$T_TMP/again.log")"
fi
check "verify out/...tar.zst --key keys/pgbundle.gpg" \
	"$PGBUNDLE" verify out/fx-1.d12.amd64.tar.zst --key keys/pgbundle.gpg
check "ls out/...tar.zst" sh -c "'$PGBUNDLE' ls out/fx-1.d12.amd64.tar.zst | grep -q '^fx-app '"
# The same from a subdirectory, with ../ paths: a fresh resolve (so apt's
# proof runs again), the same packages (the build date may differ).
mkdir -p sub && cd sub || exit 1
if PGBUNDLE_CACHE=../cache PGBUNDLE_RECIPES=../recipes \
   "$PGBUNDLE" build ../m/fx.yml -o ../out3 --key ../keys/pgbundle.key >"$T_TMP/b3.log" 2>&1 &&
   [ "$(jq -c '.packages' ../out/fx.lock)" = "$(jq -c '.packages' ../out3/fx.lock)" ]; then
	ok "build with ../ paths from a subdirectory: the same packages"
else
	not_ok "build with ../ paths" "$(tail -n 4 "$T_TMP/b3.log")"
fi
# sbom, diff and report take relative paths too (after the builds above,
# which compare bundles built in the same second).
cd "$W" || exit 1
check "sbom, diff and report with relative paths" sh -c "
	'$PGBUNDLE' sbom out/fx-1.d12.amd64.run --key keys/pgbundle.gpg | jq -e '.components | length == 2' >/dev/null &&
	'$PGBUNDLE' diff out/fx.lock out/fx-1.d12.amd64.tar.zst --json | jq -e '.summary.size_change == 0' >/dev/null &&
	'$PGBUNDLE' report out/fx-1.d12.amd64.run -o out/fx.html --diff again/fx.lock >/dev/null && test -s out/fx.html"
