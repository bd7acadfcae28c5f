#!/bin/sh
# tier: fast
# san: yes
# Issue 11, drift: a bundle installs on a host installed from the release as
# published and never updated, as on one kept current.  A fixture Debian
# (bookworm, bookworm-updates, bookworm-security on their own mirror keys,
# signed with a test key): fx-base (Priority: required) is 1.0 in the release and
# 1.1 in -updates; fx-tool is 1.0 in the release (needs fx-base >= 1.0) and
# 1.1 in -security (needs fx-base >= 1.1), and -security's fx-app needs
# fx-tool.  The current baseline has fx-base 1.1, so it would not be
# bundled; on the release's first baseline libsolv left alone takes the
# older fx-tool to spare fx-base (what happened to perl and libdbi-perl in
# d12-all), but apt installs the bundle's newest fx-tool: so the builder
# pins the versions it chose and carries fx-base 1.1.  apt (signature
# checked) then installs fx-app on both kinds of host.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
sed -i "s|/usr/share/keyrings/debian-archive-keyring.gpg|$T_TMP/gk/key.gpg|" "$T_TMP/recipes/repos.yml"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null

D=$T_TMP/debs
fixture_deb "$D/main" fx-base 1.0 "Priority: required"
fixture_deb "$D/main" apt 9.0 "Priority: required"
fixture_deb "$D/main" fx-lib 1.0
fixture_deb "$D/updates" fx-base 1.1 "Priority: required"
fixture_deb "$D/main" fx-tool 1.0 "Depends: fx-base (>= 1.0)"
fixture_deb "$D/security" fx-tool 1.1 "Depends: fx-base (>= 1.1)"
fixture_deb "$D/security" fx-app 2.0 "Depends: fx-lib, fx-tool"
M=$T_TMP/debian S=$T_TMP/security
fixture_suite "$M" bookworm "$T_TMP/gk" main:"$D/main"
fixture_suite "$M" bookworm-updates "$T_TMP/gk" main:"$D/updates"
fixture_suite "$S" bookworm-security "$T_TMP/gk" main:"$D/security"
cat >"$T_TMP/fx.yml" <<EOF2
name: fx-drift
version: "1"
target: d12
postgres: [15]
packages: [fx-app]
EOF2

if "$PGBUNDLE" plan "$T_TMP/fx.yml" --mirror debian="file://$M" --mirror debian-security="file://$S" \
	>"$T_TMP/plan.log" 2>&1 &&
   grep -q 'it carries 1 baseline package at versions newer than the release as published' "$T_TMP/plan.log"; then
	ok "plan says it carries 1 baseline package for hosts never updated"
else
	not_ok "plan counts the carried baseline package" "$(tail -n 3 "$T_TMP/plan.log")"
fi
out=$T_TMP/out
if "$PGBUNDLE" build "$T_TMP/fx.yml" -o "$out" --key "$T_TMP/keys/pgbundle.key" \
	--mirror debian="file://$M" --mirror debian-security="file://$S" >"$T_TMP/build.log" 2>&1; then
	ok "bundle built from bookworm, bookworm-updates and bookworm-security"
else
	not_ok "bundle built" "$(tail -n 5 "$T_TMP/build.log")"
	exit 1
fi
tar="$out/fx-drift-1.d12.amd64.tar.zst"
list=$("$PGBUNDLE" ls "$tar" | awk '{print $1 "=" $2}' | sort | tr '\n' ' ')
if [ "$list" = "fx-app=2.0 fx-base=1.1 fx-lib=1.0 fx-tool=1.1 " ]; then
	ok "the bundle carries fx-base 1.1, which the release as published has at 1.0"
else
	not_ok "the bundle carries the newer baseline package" "got: $list"
fi
mkdir -p "$T_TMP/x" && tar --zstd -xf "$tar" -C "$T_TMP/x"

# apt_sim on a host whose dpkg status holds fx-base VERSION and apt: its baseline.
host_sim() {
	printf 'Package: fx-base\nStatus: install ok installed\nVersion: %s\nArchitecture: amd64\nPriority: required\nMaintainer: t <t@invalid>\nDescription: base\n\nPackage: apt\nStatus: install ok installed\nVersion: 9.0\nArchitecture: amd64\nPriority: required\nMaintainer: t <t@invalid>\nDescription: apt\n' \
		"$1" >"$T_TMP/status-$1"
	APT_SIM_STATUS=$T_TMP/status-$1 apt_sim "$T_TMP/apt-$1" "$T_TMP/x/fx-drift-1.d12.amd64" fx-app fx-tool
}
host_sim 1.0 >"$T_TMP/release.log"
if grep -q '^Inst fx-base \[1.0\] (1.1 ' "$T_TMP/release.log" && grep -q '^Inst fx-tool (1.1 ' "$T_TMP/release.log" &&
   ! grep -Eq '^(W|E):' "$T_TMP/release.log"; then
	ok "a host never updated (fx-base 1.0) installs fx-tool 1.1, upgrading fx-base from the bundle"
else
	not_ok "the release-as-published host installs the bundle" "$(grep -E '^(E|W|Inst)' "$T_TMP/release.log" | head -n 5)"
fi
host_sim 1.1 >"$T_TMP/current.log"
if grep -q '^Inst fx-app ' "$T_TMP/current.log" && ! grep -q '^Inst fx-base' "$T_TMP/current.log" &&
   ! grep -Eq '^(W|E):' "$T_TMP/current.log"; then
	ok "a host kept current (fx-base 1.1) installs fx-tool and fx-app and leaves fx-base alone"
else
	not_ok "the updated host installs the bundle" "$(grep -E '^(E|W|Inst)' "$T_TMP/current.log" | head -n 5)"
fi
