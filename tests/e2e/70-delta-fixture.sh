#!/bin/sh
# tier: fast
# san: yes
# Delta bundles (`pgbundle build MANIFEST --update-from OLD.lock`) on a
# fixture archive laid out as Debian's (dpkg-deb, gpg, served as file:): the
# older bundle from the release suite alone, the newer with the security
# suite too (postgresql-15, its client and libpq5 updated there; pgbouncer
# 2.0 drops one dependency and needs a new package; a large package that
# does not change):
#   - the delta carries exactly the new and changed package files and the
#     whole signed index, byte for byte the full bundle's; bundle.json names
#     its base (name, version, the identity of its package set) and what it
#     carries; it is much smaller than the full bundle;
#   - pgbundle verify, ls, diff, sbom and report read it; a file added to or taken
#     from its pool is refused;
#   - the builder refuses a base of another name, the same version, and a
#     lock that does not exist, writing nothing;
#   - the .run of the delta refuses to install on a host without its base,
#     naming it, and with a base that holds another package set; `extract
#     DIR --base OLD` unpacks it over the old repository into exactly the
#     new one (the full bundle's files, the removed package gone), and
#     refuses a base whose pool file was changed, naming the file.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
fixture_recipes_security "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null

D=$T_TMP/debs
fixture_deb "$D/rel" fx-base 1.0 "Essential: yes" "Priority: required"
fixture_deb "$D/rel" apt 9.0 "Priority: required"
fixture_deb "$D/rel" fx-lib 1.0
FX_RANDOM_KIB=2048 fixture_deb "$D/rel" fx-big 1.0
fixture_deb "$D/rel" libpq5 15.1-0+deb12u1 "Depends: fx-lib"
fixture_deb "$D/sec" libpq5 15.2-0+deb12u1 "Depends: fx-lib"
fixture_deb "$D/rel" postgresql-15 15.1-0+deb12u1 "Depends: libpq5 (>= 15), fx-lib, fx-big"
fixture_deb "$D/sec" postgresql-15 15.2-0+deb12u1 "Depends: libpq5 (>= 15.2), fx-lib, fx-big"
fixture_deb "$D/rel" postgresql-client-15 15.1-0+deb12u1 "Depends: libpq5"
fixture_deb "$D/sec" postgresql-client-15 15.2-0+deb12u1 "Depends: libpq5"
fixture_deb "$D/rel" fx-evt 1.0
fixture_deb "$D/sec" fx-newdep 1.0
fixture_deb "$D/rel" pgbouncer 1.0 "Depends: fx-evt"
fixture_deb "$D/sec" pgbouncer 2.0 "Depends: fx-newdep"
fixture_suite "$T_TMP/repo" bookworm "$T_TMP/gk" main:"$D/rel"
fixture_suite "$T_TMP/repo" bookworm-security "$T_TMP/gk" main:"$D/sec"

manifest() {	# FILE VERSION UPSTREAMS [NAME]
	cat >"$1" <<EOF
name: ${4:-fx-d12}
version: "$2"
target: d12
postgres: [15]
modules: [pgsql, pgbouncer]
upstreams: [$3]
EOF
}
manifest "$T_TMP/old.yml" 1.0 fixture
manifest "$T_TMP/new.yml" 1.1 "fixture, fixture-security"
build() {	# MANIFEST OUTDIR [options]
	b_m=$1 b_o=$2
	shift 2
	"$PGBUNDLE" build "$b_m" -o "$b_o" --key "$T_TMP/keys/pgbundle.key" \
		--mirror fixture="file://$T_TMP/repo" "$@" >"$b_o.log" 2>&1
}
OLDB=fx-d12-1.0.d12.amd64 NEWB=fx-d12-1.1.d12.amd64 DELTAB=fx-d12-1.1.d12.amd64.delta-from-1.0
OLD=$T_TMP/old FULL=$T_TMP/full DELTA=$T_TMP/delta
if build "$T_TMP/old.yml" "$OLD" && build "$T_TMP/new.yml" "$FULL" &&
   build "$T_TMP/new.yml" "$DELTA" --update-from "$OLD/fx-d12.lock"; then
	ok "build --update-from OLD.lock writes a delta beside the old and the full bundle"
else
	not_ok "old, full and delta bundles built" "$(tail -n 5 "$OLD.log" "$FULL.log" "$DELTA.log")"
	exit 1
fi
ls "$DELTA" >"$T_TMP/delta.ls"
if [ "$(cat "$T_TMP/delta.ls")" = "$DELTAB.contents
$DELTAB.run
$DELTAB.tar.zst
fx-d12.lock" ] && cmp -s "$DELTA/fx-d12.lock" "$FULL/fx-d12.lock"; then
	ok "the delta's files are named .delta-from-1.0; its lock is the full bundle's"
else
	not_ok "delta output names" "$(tr '\n' ' ' <"$T_TMP/delta.ls")"
fi
grep -q "delta from fx-d12 1.0: 5 of 7 packages" "$DELTA.log" &&
	ok "build says what the delta carries and which bundle the host needs" ||
	not_ok "build's delta line" "$(tail -n 2 "$DELTA.log")"

# --- what the delta holds ---
for x in old full delta; do
	mkdir -p "$T_TMP/x-$x"
	case $x in old) f=$OLD/$OLDB ;; full) f=$FULL/$NEWB ;; delta) f=$DELTA/$DELTAB ;; esac
	tar --zstd -xf "$f.tar.zst" -C "$T_TMP/x-$x"
done
XO=$T_TMP/x-old/$OLDB XF=$T_TMP/x-full/$NEWB XD=$T_TMP/x-delta/$NEWB
ls "$XD/pool" >"$T_TMP/delta.pool"
want="fx-newdep_1.0_amd64.deb
libpq5_15.2-0+deb12u1_amd64.deb
pgbouncer_2.0_amd64.deb
postgresql-15_15.2-0+deb12u1_amd64.deb
postgresql-client-15_15.2-0+deb12u1_amd64.deb"
if [ "$(cat "$T_TMP/delta.pool")" = "$want" ]; then
	ok "the delta's pool holds exactly the new and changed packages (5 of 7)"
else
	not_ok "the delta's pool" "$(tr '\n' ' ' <"$T_TMP/delta.pool")"
fi
if diff -r "$XF/dists" "$XD/dists" >/dev/null && cmp -s "$XF/pgbundle.gpg" "$XD/pgbundle.gpg" &&
   cmp -s "$XF/bom.cdx.json" "$XD/bom.cdx.json"; then
	ok "its signed index (dists/), key and SBOM are the full bundle's, byte for byte"
else
	not_ok "the delta's index is the full bundle's"
fi
jq -S . "$XD/bundle.json" >"$T_TMP/delta.json"
# A package set's identity, computed here as pkgsetid.h defines it.
set_id() { jq -r '.packages[] | "\(.name) \(.version) \(.arch) \(.sha256)"' "$1" | LC_ALL=C sort | sha256sum | cut -d' ' -f1; }
old_id=$(set_id "$OLD/fx-d12.lock")
if jq -e --arg id "$old_id" --arg new "$(set_id "$FULL/fx-d12.lock")" '.format == 2 and .delta.base.name == "fx-d12" and
	.packages_id == $new and
	.delta.base.version == "1.0" and .delta.base.packages_id == $id and
	.delta.base.packages == 7 and .delta.packages == 5 and (.delta.pool | length) == 5 and
	.packages == 7' "$T_TMP/delta.json" >/dev/null &&
   [ "$(jq -S 'del(.delta, .format, .packages_id)' "$XD/bundle.json")" = "$(jq -S 'del(.format)' "$XF/bundle.json")" ] &&
   [ "$(jq -c '[.format, .packages_id, .delta]' "$XF/bundle.json")" = '[1,null,null]' ]; then
	ok "bundle.json: format 2, its own and its base's package-set identity, the base's name and version; else the full bundle's (which has none of these)"
else
	not_ok "the delta's bundle.json" "$(jq -c '{format, packages_id, delta: (.delta | del(.pool))}' "$T_TMP/delta.json")"
fi
full_size=$(stat -c %s "$FULL/$NEWB.tar.zst") delta_size=$(stat -c %s "$DELTA/$DELTAB.tar.zst")
pct=$(awk -v a="$delta_size" -v b="$full_size" 'BEGIN { printf "%.1f", 100 * a / b }')
echo "# fixture: full .tar.zst $full_size bytes, delta .tar.zst $delta_size bytes ($pct%);" \
	".run $(stat -c %s "$FULL/$NEWB.run") and $(stat -c %s "$DELTA/$DELTAB.run") bytes (the installer stub in each)"
if [ "$delta_size" -lt $((full_size / 10)) ]; then
	ok "the delta is much smaller than the full bundle ($pct% of it: the large package stays out)"
else
	not_ok "the delta is smaller" "$delta_size of $full_size bytes"
fi

# --- the builder's tools read it ---
if "$PGBUNDLE" verify "$DELTA/$DELTAB.run" >"$T_TMP/verify.out" 2>&1 &&
   grep -q "a delta on fx-d12 1.0: carries 5 of the 7 packages, the other 2 come from" "$T_TMP/verify.out" &&
   "$PGBUNDLE" verify "$DELTA/$DELTAB.tar.zst" >/dev/null 2>&1; then
	ok "pgbundle verify checks the delta's files and says the rest come from its base"
else
	not_ok "pgbundle verify of the delta" "$(cat "$T_TMP/verify.out")"
fi
"$PGBUNDLE" diff "$OLD/fx-d12.lock" "$DELTA/$DELTAB.run" --json >"$T_TMP/diff.json" 2>&1
"$PGBUNDLE" ls "$DELTA/$DELTAB.run" >"$T_TMP/ls.out" 2>&1
if jq -e '.summary.upgraded == 4 and .summary.added == 1 and .summary.removed == 1' \
	"$T_TMP/diff.json" >/dev/null && [ "$(grep -c . "$T_TMP/ls.out")" -ge 7 ] &&
   "$PGBUNDLE" sbom "$DELTA/$DELTAB.run" >/dev/null 2>&1 &&
   "$PGBUNDLE" report "$DELTA/$DELTAB.run" -o "$T_TMP/delta.html" --diff "$OLD/fx-d12.lock" >/dev/null 2>&1; then
	ok "pgbundle diff, ls, sbom and report read the delta as the new set"
else
	not_ok "diff, ls, sbom, report of the delta" "$(head -c 300 "$T_TMP/diff.json")"
fi
# A tar.zst with a pool file added, or one of its own taken out.
retar() {	# DIR OUT
	(cd "$1/.." && tar --sort=name --zstd -cf "$2" "$NEWB")
}
cp -a "$XD" "$T_TMP/extra" && cp "$XO/pool/fx-big_1.0_amd64.deb" "$T_TMP/extra/pool/" &&
	mkdir -p "$T_TMP/extra-t" && mv "$T_TMP/extra" "$T_TMP/extra-t/$NEWB" &&
	retar "$T_TMP/extra-t/$NEWB" "$T_TMP/extra.tar.zst"
cp -a "$XD" "$T_TMP/less" && rm "$T_TMP/less/pool/libpq5_15.2-0+deb12u1_amd64.deb" &&
	mkdir -p "$T_TMP/less-t" && mv "$T_TMP/less" "$T_TMP/less-t/$NEWB" &&
	retar "$T_TMP/less-t/$NEWB" "$T_TMP/less.tar.zst"
if ! "$PGBUNDLE" verify "$T_TMP/extra.tar.zst" >"$T_TMP/extra.out" 2>&1 &&
   grep -q "fx-big_1.0_amd64.deb is in the delta, but its bundle.json does not list it" "$T_TMP/extra.out" &&
   ! "$PGBUNDLE" verify "$T_TMP/less.tar.zst" >"$T_TMP/less.out" 2>&1 &&
   grep -q "libpq5_15.2-0+deb12u1_amd64.deb is in the signed index but missing" "$T_TMP/less.out"; then
	ok "verify refuses a delta with a file it does not list, and one missing a file it lists"
else
	not_ok "verify of altered deltas" "$(cat "$T_TMP/extra.out" "$T_TMP/less.out")"
fi

# --- the builder refuses what cannot be a base ---
manifest "$T_TMP/other.yml" 1.1 "fixture, fixture-security" fx-other
manifest "$T_TMP/same.yml" 1.0 "fixture, fixture-security"
refused() {	# NAME EXPECTED MANIFEST LOCK
	rm -rf "$T_TMP/r"
	if ! build "$3" "$T_TMP/r" --update-from "$4" && grep -q -- "$2" "$T_TMP/r.log" &&
	   [ -z "$(ls -A "$T_TMP/r" 2>/dev/null)" ]; then
		ok "$1"
	else
		not_ok "$1" "$(tail -n 3 "$T_TMP/r.log")"
	fi
}
refused "a base of another name is refused, nothing written" \
	"that lock is fx-d12 for d12/amd64, the manifest .* builds fx-other" "$T_TMP/other.yml" "$OLD/fx-d12.lock"
refused "an update with the base's version is refused: it asks for a higher one" \
	"the manifest's version 1.0 is not higher than the base's 1.0" "$T_TMP/same.yml" "$OLD/fx-d12.lock"
refused "a base lock that does not exist is refused, naming it" \
	"--update-from: .*$T_TMP/nope.lock" "$T_TMP/new.yml" "$T_TMP/nope.lock"

# --- the .run of the delta ---
DRUN=$DELTA/$DELTAB.run
if "$DRUN" info >"$T_TMP/info.out" 2>&1 &&
   grep -q "^delta: *a delta on fx-d12 1.0 (package set ${old_id%"${old_id#????????????}"}...): carries 5 of the 7 packages" "$T_TMP/info.out" &&
   [ "$("$DRUN" info --json | jq -r .delta.base_packages_id)" = "$old_id" ]; then
	ok "the delta's .run info names its base and what it carries"
else
	not_ok "info of the delta .run" "$(cat "$T_TMP/info.out")"
fi
"$OLD/$OLDB.run" extract --key "$T_TMP/keys/pgbundle.asc" "$T_TMP/base" >/dev/null 2>&1
if ! "$DRUN" extract --key "$T_TMP/keys/pgbundle.asc" "$T_TMP/nobase" >"$T_TMP/nobase.out" 2>&1 && [ ! -e "$T_TMP/nobase" ] &&
   grep -q "fx-d12 1.1 is a delta on fx-d12-1.0.d12.amd64: give that bundle's repository with --base" "$T_TMP/nobase.out"; then
	ok "extract of a delta without --base is refused, naming the base, writing nothing"
else
	not_ok "extract of a delta without its base" "$(cat "$T_TMP/nobase.out")"
fi
if "$DRUN" extract --key "$T_TMP/keys/pgbundle.asc" "$T_TMP/merged" --base "$T_TMP/base" >"$T_TMP/merged.out" 2>&1 &&
   diff -r -x bundle.json "$XF" "$T_TMP/merged" >"$T_TMP/merged.diff" 2>&1 &&
   [ ! -e "$T_TMP/merged/pool/fx-evt_1.0_amd64.deb" ] &&
   "$PGBUNDLE" verify "$FULL/$NEWB.run" >/dev/null; then
	ok "extract --base OLD: the delta over the old repository is the full new one, file for file (the removed package gone)"
else
	not_ok "delta over the old repository" "$(cat "$T_TMP/merged.out" "$T_TMP/merged.diff" | head -n 8)"
fi
# The merged repository works as apt's source: the new versions install.
if apt_sim "$T_TMP/aptroot" "$T_TMP/merged" postgresql-15 pgbouncer >"$T_TMP/apt.out" 2>&1 &&
   grep -q '^Inst postgresql-15 (15.2-0+deb12u1 ' "$T_TMP/apt.out" && grep -q '^Inst pgbouncer (2.0 ' "$T_TMP/apt.out"; then
	ok "apt reads the completed repository (signature checked) and installs the new versions"
else
	not_ok "apt over the completed repository" "$(tail -n 5 "$T_TMP/apt.out")"
fi
# A base whose pool file changed, and a base of another package set.
cp -a "$T_TMP/base" "$T_TMP/badbase"
echo tampered >>"$T_TMP/badbase/pool/fx-big_1.0_amd64.deb"
if ! "$DRUN" extract --key "$T_TMP/keys/pgbundle.asc" "$T_TMP/bad" --base "$T_TMP/badbase" >"$T_TMP/bad.out" 2>&1 &&
   grep -q "badbase/pool/fx-big_1.0_amd64.deb does not match the delta's signed index" "$T_TMP/bad.out" &&
   [ ! -e "$T_TMP/bad" ]; then
	ok "a base whose pool file was changed is refused, naming the file; nothing is left"
else
	not_ok "a changed base file" "$(cat "$T_TMP/bad.out"; ls "$T_TMP/bad" 2>&1)"
fi
if ! "$DRUN" extract --key "$T_TMP/keys/pgbundle.asc" "$T_TMP/wrong" --base "$T_TMP/merged" >"$T_TMP/wrong.out" 2>&1 &&
   grep -q "is not the repository of fx-d12 1.0 (package set ${old_id%"${old_id#????????????}"}...): it holds another package set" "$T_TMP/wrong.out"; then
	ok "a repository of another package set is not taken for the base"
else
	not_ok "a base of another set" "$(cat "$T_TMP/wrong.out")"
fi
# install on a host without the base: refused before anything is written,
# naming the bundle it needs (a dry run: it runs here, on the build host).
mkdir -p "$T_TMP/prefix"
if ! "$DRUN" install --key "$T_TMP/keys/pgbundle.asc" --dry-run --prefix "$T_TMP/prefix" >"$T_TMP/nobase-install.out" 2>&1 &&
   grep -q "fx-d12 1.1 is a delta: it updates the repository of fx-d12 1.0 (package set ${old_id%"${old_id#????????????}"}...), which this host does not have ($T_TMP/prefix/$OLDB does not exist); nothing was changed. Install $OLDB.run first, or use the full bundle $NEWB.run" "$T_TMP/nobase-install.out" &&
   [ -z "$(ls -A "$T_TMP/prefix")" ]; then
	ok "install of the delta where its base is not present is refused, naming the bundle it needs"
else
	not_ok "install of a delta without its base" "$(tail -n 3 "$T_TMP/nobase-install.out")"
fi
cp -a "$T_TMP/merged" "$T_TMP/prefix/$OLDB"
if ! "$DRUN" install --key "$T_TMP/keys/pgbundle.asc" --dry-run --prefix "$T_TMP/prefix" >"$T_TMP/wrongbase-install.out" 2>&1 &&
   grep -q "which this host does not have ($T_TMP/prefix/$OLDB holds another package set)" "$T_TMP/wrongbase-install.out"; then
	ok "install of the delta over a repository of that name but another package set is refused"
else
	not_ok "install of a delta over another set" "$(tail -n 3 "$T_TMP/wrongbase-install.out")"
fi
