#!/bin/sh
# tier: fast
# san: yes
# The Ubuntu layout (no Ubuntu archive is reachable here): u22 (jammy) and u24
# (noble) bundles built from fixture archives with the real suite names and
# components main + universe, -updates and -security suites on their own
# mirror keys; the newer -updates version wins; the bundle installs with apt
# (simulated, in a private apt root, signature checked).
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/test_tools.sh
t_tmpdir
t_npm_tools || exit 1
jq_ok() { jq -e "$@" >/dev/null; }
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null

D=$T_TMP/debs
fixture_deb "$D/main" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$D/main" apt 9.0 "Priority: required"
fixture_deb "$D/main" fx-lib 1.0
fixture_deb "$D/universe" fx-app 2.0 "Depends: fx-lib (>= 1.0)"
fixture_deb "$D/updates" fx-lib 1.1
fixture_deb "$D/security" fx-sec 3.0 "Depends: fx-lib (>= 1.1)"
mkdir -p "$D/empty"

for spec in u22:jammy u24:noble; do
	t=${spec%%:*} suite=${spec#*:}
	U=$T_TMP/$suite/ubuntu S=$T_TMP/$suite/security
	fixture_suite "$U" "$suite" "$T_TMP/gk" main:"$D/main" universe:"$D/universe"
	fixture_suite "$U" "$suite-updates" "$T_TMP/gk" main:"$D/updates" universe:"$D/empty"
	fixture_suite "$S" "$suite-security" "$T_TMP/gk" main:"$D/security" universe:"$D/empty"
	cat >"$T_TMP/$t.yml" <<EOF2
name: fx-$t
version: "1"
target: $t
postgres: [16]
packages: [fx-app, fx-sec]
EOF2
	out=$T_TMP/out-$t
	if "$PGBUNDLE" build "$T_TMP/$t.yml" -o "$out" --key "$T_TMP/keys/pgbundle.key" \
		--mirror ubuntu="file://$U" --mirror ubuntu-security="file://$S" >"$T_TMP/$t.log" 2>&1; then
		ok "$t: bundle built from $suite, $suite-updates, $suite-security (main, universe)"
	else
		not_ok "$t: bundle built from $suite" "$(tail -n 5 "$T_TMP/$t.log")"
		continue
	fi
	tar="$out/fx-$t-1.$t.amd64.tar.zst"
	list=$("$PGBUNDLE" ls "$tar" | awk '{print $1 "=" $2}' | sort | tr '\n' ' ')
	if [ "$list" = "fx-app=2.0 fx-lib=1.1 fx-sec=3.0 " ]; then
		ok "$t: universe package, -updates' newer fx-lib and -security's package bundled, baseline not"
	else
		not_ok "$t: bundle contents" "got: $list"
	fi
	"$PGBUNDLE" sbom "$out/fx-$t-1.$t.amd64.run" >"$T_TMP/$t.cdx.json" 2>&1
	t_sbom_valid "$t: its SBOM is valid CycloneDX 1.5" "$T_TMP/$t.cdx.json"
	rel=$(sed -n "/^$t:/,/^\$/s/^  release: \"\(.*\)\"/\1/p" "$TOP/recipes/targets.yml")
	check "$t: Ubuntu purls (pkg:deb/ubuntu/...&distro=ubuntu-$rel), fx-lib from -updates, fx-sec from -security" \
		jq_ok --arg d "distro=ubuntu-$rel" '([.components[].purl | select(startswith("pkg:deb/ubuntu/") and endswith($d))] | length) == 3 and
		 (.components[] | select(.name == "fx-lib") | .properties[] | select(.name == "pgbundle:upstream") | .value) == "ubuntu-updates" and
		 (.components[] | select(.name == "fx-sec") | .properties[] | select(.name == "pgbundle:upstream") | .value) == "ubuntu-security"' "$T_TMP/$t.cdx.json"
	check "$t: diff of its lock and its .run: nothing changed; report written" sh -c "
		'$PGBUNDLE' diff '$out/fx-$t.lock' '$out/fx-$t-1.$t.amd64.run' --json | jq -e '[.summary[]] | add == 0' >/dev/null &&
		'$PGBUNDLE' report '$out/fx-$t-1.$t.amd64.run' -o '$T_TMP/$t.html' >/dev/null"
	mkdir -p "$T_TMP/x-$t" && tar --zstd -xf "$tar" -C "$T_TMP/x-$t"
	if apt_sim "$T_TMP/aptroot-$t" "$T_TMP/x-$t/fx-$t-1.$t.amd64" fx-app fx-sec \
		>"$T_TMP/apt-$t.log" && grep -q '^Inst fx-sec' "$T_TMP/apt-$t.log" &&
		! grep -Eq '^(W|E):' "$T_TMP/apt-$t.log"; then
		ok "$t: apt verifies the bundle's signature and installs from it"
	else
		not_ok "$t: apt installs from the bundle" "$(grep -E "^(W|E):" "$T_TMP/apt-$t.log"; tail -n 3 "$T_TMP/apt-$t.log")"
	fi
done
t_report_render "u24: its report renders in headless chromium, no console error, nothing fetched" \
	"$T_TMP/u24.html" "$T_TMP/report-u24.png"
