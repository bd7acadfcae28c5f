#!/bin/sh
# tier: fast
# san: yes
# The bundle's SBOM, diff and report, on a d12 bundle built twice from a
# fixture archive (dpkg-deb, gpg, served as file:) laid out as Debian's: an
# older state from the release suite alone, a newer one with the -security
# suite too (postgresql, libpq5 and pgbouncer updated there; pgbouncer no
# longer needs one package and needs a new one).  Packages carry DEP-5
# copyright files, a doc directory linked to another package's, extension
# control files and a Provides.
#   - sbom: valid CycloneDX 1.5 by CycloneDX's own validator (strict schema,
#     installed from npm by test_tools.sh); purls, SHA-256 equal to the lock's,
#     licenses (Expat written as MIT, a linked doc directory's), upstreams,
#     the dependency edges; the same from the .run and the .tar.zst; the same
#     bytes when rebuilt from the lock; an SBOM changed inside the bundle, a
#     bundle without one and a stranger's key are refused;
#   - diff: locks, .run and .tar.zst in any mix; upgraded with versions, from
#     the security suite, added, removed, size change, --json; a bundle
#     without SBOM still diffs;
#   - report: renders in headless chromium with no console error and no
#     request leaving the file, with the diff section; screenshot kept in
#     $BUILD/test-logs/ (with the print stylesheet's too).
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/test_tools.sh
t_tmpdir
t_npm_tools || exit 1
jq_ok() { jq -e "$@" >/dev/null; }
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
fixture_recipes_security "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
"$PGBUNDLE" keygen -o "$T_TMP/other" >/dev/null

D=$T_TMP/debs
cat >"$T_TMP/pg.copyright" <<'EOC'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: PostgreSQL

Files: *
Copyright: 1996-2024 The PostgreSQL Global Development Group
License: PostgreSQL

Files: src/backend/regex/*
Copyright: 1998 Henry Spencer
License: PostgreSQL and Custom-regex

License: PostgreSQL
 Permission to use, copy, modify, and distribute this software ...
EOC
printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2020 x\nLicense: Expat\n' >"$T_TMP/expat.copyright"
printf 'This package was debianized by someone; see the GPL.\n' >"$T_TMP/free.copyright"

fixture_deb "$D/rel" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$D/rel" apt 9.0 "Priority: required"
FX_COPYRIGHT=$T_TMP/expat.copyright
fixture_deb "$D/rel" fx-lib 1.0
FX_COPYRIGHT=$T_TMP/pg.copyright
fixture_deb "$D/rel" libpq5 15.1-0+deb12u1 "Depends: fx-lib"
FX_EXT="plpgsql pg_stat_statements"
fixture_deb "$D/rel" postgresql-15 15.1-0+deb12u1 "Depends: libpq5 (>= 15), fx-lib"
fixture_deb "$D/sec" postgresql-15 15.2-0+deb12u1 "Depends: libpq5 (>= 15.2), fx-lib"
FX_EXT=""
fixture_deb "$D/sec" libpq5 15.2-0+deb12u1 "Depends: fx-lib"
FX_COPYRIGHT=""
FX_DOCLINK=postgresql-15
fixture_deb "$D/rel" postgresql-client-15 15.1-0+deb12u1 "Depends: libpq5"
fixture_deb "$D/sec" postgresql-client-15 15.2-0+deb12u1 "Depends: libpq5"
FX_DOCLINK=""
FX_COPYRIGHT=$T_TMP/free.copyright
fixture_deb "$D/rel" fx-evt 1.0 "Provides: libevent-x"
fixture_deb "$D/sec" fx-newdep 1.0
fixture_deb "$D/rel" pgbouncer 1.0 "Depends: libevent-missing | libevent-x"
fixture_deb "$D/sec" pgbouncer 2.0 "Depends: fx-newdep"
FX_COPYRIGHT=""
fixture_suite "$T_TMP/repo" bookworm "$T_TMP/gk" main:"$D/rel"
fixture_suite "$T_TMP/repo" bookworm-security "$T_TMP/gk" main:"$D/sec"

manifest() {	# FILE UPSTREAMS
	cat >"$1" <<EOF
name: fx-d12
version: "1.0"
target: d12
postgres: [15]
modules: [pgsql, pgbouncer]
upstreams: [$2]
EOF
}
manifest "$T_TMP/old.yml" fixture
manifest "$T_TMP/new.yml" "fixture, fixture-security"
build() {	# MANIFEST OUTDIR
	"$PGBUNDLE" build "$1" -o "$2" --key "$T_TMP/keys/pgbundle.key" \
		--mirror fixture="file://$T_TMP/repo" >"$2.log" 2>&1
}
B=fx-d12-1.0.d12.amd64
if build "$T_TMP/old.yml" "$T_TMP/old" && build "$T_TMP/new.yml" "$T_TMP/new"; then
	ok "two d12 bundles: the release suite alone, then with the security suite"
else
	not_ok "fixture bundles built" "$(tail -n 5 "$T_TMP/old.log" "$T_TMP/new.log")"
	exit 1
fi
OLD=$T_TMP/old NEW=$T_TMP/new

# --- sbom ---
"$PGBUNDLE" sbom "$NEW/$B.run" >"$T_TMP/new.cdx.json" 2>"$T_TMP/sbom.err" &&
	"$PGBUNDLE" sbom "$NEW/$B.tar.zst" >"$T_TMP/new-tar.cdx.json" 2>>"$T_TMP/sbom.err" &&
	"$PGBUNDLE" sbom "$OLD/$B.run" --key "$T_TMP/keys/pgbundle.gpg" >"$T_TMP/old.cdx.json" 2>>"$T_TMP/sbom.err" ||
	not_ok "pgbundle sbom prints the SBOM" "$(cat "$T_TMP/sbom.err")"
check "the SBOM of the .run and of the .tar.zst are the same bytes" \
	cmp -s "$T_TMP/new.cdx.json" "$T_TMP/new-tar.cdx.json"
t_sbom_valid "the new bundle's SBOM is valid CycloneDX 1.5 (CycloneDX's validator, strict)" "$T_TMP/new.cdx.json"
t_sbom_valid "the old bundle's SBOM is valid CycloneDX 1.5 (CycloneDX's validator, strict)" "$T_TMP/old.cdx.json"

S=$T_TMP/new.cdx.json
# Every package of the lock, with its version, SHA-256 and upstream.
jq -r '.packages[] | "\(.name) \(.version) \(.sha256) \(.upstream)"' "$NEW/fx-d12.lock" | sort >"$T_TMP/lock.txt"
jq -r '.components[] | "\(.name) \(.version) \(.hashes[0].content) \(.properties[] | select(.name == "pgbundle:upstream") | .value)"' "$S" | sort >"$T_TMP/sbom.txt"
check "the SBOM lists every package of the lock with its version, SHA-256 and upstream" \
	cmp -s "$T_TMP/lock.txt" "$T_TMP/sbom.txt"
want='pkg:deb/debian/postgresql-15@15.2-0%2Bdeb12u1?arch=amd64&distro=debian-12'
check "a purl names the distro, version and architecture ($want)" \
	jq_ok --arg p "$want" '[.components[] | select(.purl == $p)] | length == 1' "$S"
check "licenses: DEP-5 Expat is SPDX MIT, PostgreSQL an id, an expression a name" \
	jq_ok '(.components[] | select(.name == "fx-lib") | .licenses) == [{"license": {"id": "MIT"}}]
	      and (.components[] | select(.name == "postgresql-15") | .licenses) ==
	          [{"license": {"id": "PostgreSQL"}}, {"license": {"name": "PostgreSQL and Custom-regex"}}]' "$S"
check "a doc directory linked to postgresql-15 takes its licenses (license-from)" \
	jq_ok '.components[] | select(.name == "postgresql-client-15") |
	       (.licenses | length) == 2 and any(.properties[]; .name == "pgbundle:license-from" and .value == "postgresql-15")' "$S"
check "a free-form copyright declares no license" \
	jq_ok '.components[] | select(.name == "fx-newdep") | has("licenses") | not' "$S"
check "the extension control files are noted" \
	jq_ok '.components[] | select(.name == "postgresql-15") | any(.properties[]; .name == "pgbundle:extensions" and .value == "pg_stat_statements,plpgsql")' "$S"
edges() {	# SBOM NAME: the names NAME depends on, sorted, space-separated
	jq -r --arg n "$2" '(.components | map({key: .["bom-ref"], value: .name}) | from_entries) as $by |
		(.components[] | select(.name == $n) | .["bom-ref"]) as $r |
		[.dependencies[] | select(.ref == $r) | .dependsOn[] | $by[.]] | sort | join(" ")' "$1"
}
e1=$(edges "$S" postgresql-15) e2=$(edges "$T_TMP/old.cdx.json" pgbouncer) e3=$(edges "$S" fx-base)
if [ "$e1" = "fx-lib libpq5" ] && [ "$e2" = "fx-evt" ] && [ -z "$e3" ]; then
	ok "dependency edges: Depends inside the bundle, an alternative through a Provides, none to the baseline"
else
	not_ok "dependency edges" "postgresql-15 -> '$e1', old pgbouncer -> '$e2', fx-base -> '$e3'"
fi
check "the bundle depends on the requested packages" \
	jq_ok --arg b "$B" '(.dependencies[] | select(.ref == $b) | .dependsOn | length) == 3' "$S"
mkdir -p "$T_TMP/again"
"$PGBUNDLE" build "$T_TMP/new.yml" --lock "$NEW/fx-d12.lock" -o "$T_TMP/again" \
	--key "$T_TMP/keys/pgbundle.key" >"$T_TMP/again.log" 2>&1
check "rebuilt from the lock, the bundle (and its SBOM) is byte-identical" \
	cmp -s "$NEW/$B.tar.zst" "$T_TMP/again/$B.tar.zst"

# The SBOM is checked against the signed index; a stranger's key is refused.
mkdir -p "$T_TMP/x" && tar --zstd -xf "$NEW/$B.tar.zst" -C "$T_TMP/x"
repack() {	# OUT: the tree in $T_TMP/x packed again, sorted as pgbundle packs
	(cd "$T_TMP/x" && tar --sort=name --owner=0 --group=0 --numeric-owner --zstd -cf "$1" "$B")
}
jq '(.components[] | select(.name == "libpq5") | .hashes[0].content) |=
	((if startswith("0") then "1" else "0" end) + .[1:])' \
	"$T_TMP/x/$B/bom.cdx.json" >"$T_TMP/bom.tampered" && cp "$T_TMP/bom.tampered" "$T_TMP/x/$B/bom.cdx.json"
repack "$T_TMP/tampered.tar.zst"
if "$PGBUNDLE" sbom "$T_TMP/tampered.tar.zst" >/dev/null 2>"$T_TMP/t.err"; then
	not_ok "an SBOM changed inside the bundle is refused" "it was printed"
else
	check "an SBOM changed inside the bundle is refused, naming the package" grep -q "libpq5.*SBOM was modified" "$T_TMP/t.err"
fi
rm "$T_TMP/x/$B/bom.cdx.json"
repack "$T_TMP/nosbom.tar.zst"
if "$PGBUNDLE" sbom "$T_TMP/nosbom.tar.zst" >/dev/null 2>"$T_TMP/n.err"; then
	not_ok "a bundle without SBOM says so" "sbom succeeded"
else
	check "a bundle without SBOM says so and how to get one" grep -q "carries no SBOM.*--lock" "$T_TMP/n.err"
fi
if "$PGBUNDLE" sbom "$NEW/$B.run" --key "$T_TMP/other/pgbundle.gpg" >/dev/null 2>&1; then
	not_ok "sbom with a stranger's key is refused" "it was printed"
else
	ok "sbom with a stranger's key is refused"
fi

# --- diff ---
if "$PGBUNDLE" diff "$OLD/fx-d12.lock" "$NEW/$B.run" --json >"$T_TMP/d.json" 2>"$T_TMP/d.err"; then
	ok "pgbundle diff OLD.lock NEW.run --json"
else
	not_ok "pgbundle diff --json" "$(cat "$T_TMP/d.err")"
fi
up=$(jq -r '[.upgraded[] | "\(.name)=\(.old_version)->\(.new_version)"] | join(" ")' "$T_TMP/d.json")
want_up="libpq5=15.1-0+deb12u1->15.2-0+deb12u1 pgbouncer=1.0->2.0 postgresql-15=15.1-0+deb12u1->15.2-0+deb12u1 postgresql-client-15=15.1-0+deb12u1->15.2-0+deb12u1"
if [ "$up" = "$want_up" ]; then
	ok "diff: the four upgrades with both versions"
else
	not_ok "diff: upgrades" "got: $up"
fi
old_size=$(jq '[.packages[].size] | add' "$OLD/fx-d12.lock")
new_size=$(jq '[.packages[].size] | add' "$NEW/fx-d12.lock")
check "diff: all four from the security suite, fx-newdep added, fx-evt removed, the size change" \
	jq_ok --argjson d "$((new_size - old_size))" '
	  ([.upgraded[] | select(.security and .upstream == "fixture-security")] | length) == 4 and
	  .summary.security == 5 and ([.added[].name] == ["fx-newdep"]) and
	  ([.removed[].name] == ["fx-evt"]) and .summary.size_change == $d and
	  .downgraded == [] and .rebuilt == [] and .new.kind == "run" and .old.kind == "lock"' "$T_TMP/d.json"
"$PGBUNDLE" diff "$OLD/$B.tar.zst" "$NEW/fx-d12.lock" --json >"$T_TMP/d2.json" 2>&1 &&
	"$PGBUNDLE" diff "$OLD/fx-d12.lock" "$NEW/fx-d12.lock" --json >"$T_TMP/d3.json" 2>&1
check "diff: a .tar.zst against a lock and two locks say the same" \
	sh -c "jq -S 'del(.old, .new)' '$T_TMP/d.json' >'$T_TMP/a'; jq -S 'del(.old, .new)' '$T_TMP/d2.json' >'$T_TMP/b';
	       jq -S 'del(.old, .new)' '$T_TMP/d3.json' >'$T_TMP/c'; cmp -s '$T_TMP/a' '$T_TMP/b' && cmp -s '$T_TMP/a' '$T_TMP/c'"
"$PGBUNDLE" diff "$OLD/fx-d12.lock" "$NEW/$B.tar.zst" >"$T_TMP/d.txt" 2>&1
check "diff's text names each upgrade with versions and its security suite" \
	grep -Eq '^  postgresql-15 +15\.1-0\+deb12u1 -> 15\.2-0\+deb12u1 .*fixture-security \(security\)$' "$T_TMP/d.txt"
check "diff's text sums it up" grep -Eq '^4 upgraded, 0 downgraded, 0 rebuilt, 1 added, 1 removed; 5 from a security suite; size [+-][0-9]' "$T_TMP/d.txt"
if "$PGBUNDLE" diff "$OLD/fx-d12.lock" "$T_TMP/nosbom.tar.zst" --json >"$T_TMP/d4.json" 2>"$T_TMP/d4.err" &&
   jq_ok '(.upgraded | length) == 4 and ([.upgraded[].upstream] | unique) == [null] and
	  .summary.security == 0 and .new.kind == "tar.zst"' "$T_TMP/d4.json"; then
	ok "a bundle without SBOM still diffs (upstreams unknown)"
else
	not_ok "a bundle without SBOM still diffs" "$(cat "$T_TMP/d4.err"; head -c 400 "$T_TMP/d4.json")"
fi
if "$PGBUNDLE" diff "$OLD/fx-d12.lock" "$NEW/fx-d12.contents" >/dev/null 2>"$T_TMP/d5.err"; then
	not_ok "diff refuses a file that is neither lock nor bundle" "it compared"
else
	check "diff refuses a file that is neither lock nor bundle, naming it" grep -q "fx-d12.contents" "$T_TMP/d5.err"
fi

# --- report ---
if "$PGBUNDLE" report "$NEW/$B.run" -o "$T_TMP/report.html" --diff "$OLD/fx-d12.lock" \
	--key "$T_TMP/keys/pgbundle.gpg" >"$T_TMP/r.log" 2>&1; then
	ok "pgbundle report NEW.run -o FILE.html --diff OLD.lock"
else
	not_ok "pgbundle report" "$(cat "$T_TMP/r.log")"
fi
fpr=$(jq -r .key "$T_TMP/x/$B/bundle.json" | sed 's/\(....\)/\1 /g; s/ $//')
check "the report names the target, the key, the modules, the security upgrades, the extensions" \
	sh -c "grep -q 'Debian 12 (bookworm)' '$T_TMP/report.html' && grep -q '$fpr' '$T_TMP/report.html' &&
	       grep -q '>pgbouncer</text>' '$T_TMP/report.html' && grep -q 'badge sec' '$T_TMP/report.html' &&
	       grep -q 'pg_stat_statements' '$T_TMP/report.html' && grep -q 'id=\"diff\"' '$T_TMP/report.html'"
check "the report fetches nothing: no src= or href= leaving the page" \
	sh -c "! grep -Eq '(src|href)=\"[a-z]+:' '$T_TMP/report.html'"
t_report_render "the report renders in headless chromium: no console error, no request leaving the file" \
	"$T_TMP/report.html" "$T_TMP/report-fixture.png"
if "$PGBUNDLE" report "$NEW/$B.run" >/dev/null 2>&1; then
	not_ok "report without -o is a usage error" "it ran"
else
	ok "report without -o is a usage error"
fi
for c in sbom diff report; do
	"$PGBUNDLE" $c --help | grep -q "^usage: pgbundle $c" || not_ok "pgbundle $c --help"
done
ok "sbom, diff and report have --help"
