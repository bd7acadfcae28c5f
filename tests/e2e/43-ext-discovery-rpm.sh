#!/bin/sh
# tier: fast
# san: yes
# Extension discovery from rpm-md (no EL repository is reachable here): el9's
# upstreams as fixture repositories built with rpmbuild and createrepo_c,
# repomd.xml signed with a test gpg key (detached, as dnf's repo_gpgcheck
# wants), pgdg-yum one repository per major ({pg}).  `ext list --target el9`
# lists exactly the control files directly in /usr/pgsql-N/share/extension/
# of the built rpms (found with rpm -qp, not with the code under test): contrib,
# several extensions in one package, two majors, nested files left out, the
# newest of two builds.  Then `ext avail`; a tampered or unsigned repomd.xml,
# sha1 checksums, a filelists not matching its checksum or its size are
# refused; and a warm run reads the cached results (fixture filelists deleted).
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
t_tmpdir
fixture_key "$T_TMP/gk"
fixture_recipes "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
fixture_recipes_rpm "$T_TMP/recipes" "$T_TMP/gk/key.gpg"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"

R=$T_TMP/rpms
for pg in 16 17; do
	E=/usr/pgsql-$pg/share/extension
	fixture_rpm "$R/$pg" "postgresql$pg-contrib" "$pg.4" "$E/pg_stat_statements.control" \
		"$E/hstore.control" "$E/hstore--1.8.sql" "/usr/pgsql-$pg/lib/hstore.so"
	fixture_rpm "$R/$pg" "pgvector_$pg" 0.7.0 "$E/vector.control"
	fixture_rpm "$R/$pg" "pgvector_$pg" 0.8.0 "$E/vector.control" "$E/vector--0.8.0.sql"
	fixture_rpm "$R/$pg" "postgis34_$pg" 3.4.2 "$E/postgis.control" \
		"$E/postgis_raster.control" "$E/postgis_topology.control"
	fixture_rpm "$R/$pg" "odd_$pg" 1.0 "$E/sub/nested.control" "/usr/pgsql-$pg/share/odd.control"
done
M=$T_TMP/mirror
for pg in 16 17; do fixture_rpmmd "$M/pgdg/$pg" "$T_TMP/gk" "$R/$pg"/*.rpm; done
for pg in 13 14 15 18; do fixture_rpmmd "$M/pgdg/$pg" "$T_TMP/gk"; done
for r in el-baseos el-appstream epel pgdg-yum-common pgdg-yum-extras; do fixture_rpmmd "$M/$r" "$T_TMP/gk"; done
if [ -f "$M/pgdg/16/repodata/repomd.xml.asc" ] && [ "$(ls "$R/16" | wc -l)" = 5 ]; then
	ok "fixture: rpms built, rpm-md repositories created and signed"
else
	not_ok "fixture: rpmbuild / createrepo_c / gpg"
	exit 1
fi

# mirrors PGDG_DIR: --mirror options for all of el9's upstreams.
mirrors() {
	echo "--mirror pgdg-yum=file://$1/{pg} --mirror el-baseos=file://$M/el-baseos" \
		"--mirror el-appstream=file://$M/el-appstream --mirror epel=file://$M/epel" \
		"--mirror pgdg-yum-common=file://$M/pgdg-yum-common --mirror pgdg-yum-extras=file://$M/pgdg-yum-extras"
}

# The expected set, from the rpms themselves: "NAME PG PACKAGE".
for pg in 16 17; do
	for f in "$R/$pg"/*.rpm; do
		name=$(rpm -qp --qf '%{NAME}' "$f" 2>/dev/null)
		rpm -qlp "$f" 2>/dev/null | sed "s/\$/ $name/"
	done
done | sed -nE 's|^/usr/pgsql-([0-9]+)/share/extension/([^/ ]+)\.control (.*)$|\2 \1 \3|p' |
	sort -u >"$T_TMP/expected"

# shellcheck disable=SC2046
if "$PGBUNDLE" ext list --target el9 --json $(mirrors "$M/pgdg") >"$T_TMP/list.json" \
	2>"$T_TMP/list.err"; then
	ok "ext list --target el9 --json reads the signed rpm-md fixtures (PG 13-18)"
else
	not_ok "ext list --target el9" "$(tail -n 5 "$T_TMP/list.err")"
	exit 1
fi
jq -r '.extensions[] | "\(.name) \(.pg) \(.package)"' "$T_TMP/list.json" | sort >"$T_TMP/got"
exp=$(wc -l <"$T_TMP/expected") got=$(wc -l <"$T_TMP/got")
echo "# expected $exp (rpm -qlp), ext list has $got"
if [ "$exp" = 12 ] && cmp -s "$T_TMP/expected" "$T_TMP/got"; then
	ok "el9: exactly the $exp control files of the rpms (contrib, postgis x3, two majors; nested left out)"
else
	not_ok "el9: the listed set" "$(diff "$T_TMP/expected" "$T_TMP/got" | tr '\n' ' ')"
fi
if jq -e '.extensions[] | select(.name == "vector" and .pg == 16 and .version == "0.8.0-1"
	and .upstream == "pgdg-yum")' "$T_TMP/list.json" >/dev/null &&
	jq -e '[.extensions[] | select(.name == "hstore" and .pg == 17 and
	.package == "postgresql17-contrib")] | length == 1' "$T_TMP/list.json" >/dev/null; then
	ok "el9: vector PG 16 is pgvector_16 0.8.0-1 (newest of two builds); hstore PG 17 in postgresql17-contrib"
else
	not_ok "el9: versions and contrib" "$(jq -c '.extensions[] | select(.name == "vector")' "$T_TMP/list.json")"
fi

# shellcheck disable=SC2046
"$PGBUNDLE" ext avail postgis --target el9 $(mirrors "$M/pgdg") >"$T_TMP/avail" 2>"$T_TMP/avail.err"
if grep -Eq '^el9 +- +- +- +postgis34_16 +postgis34_17 +- +metadata$' "$T_TMP/avail"; then
	ok "ext avail postgis: the el9 row comes from the fixture's metadata (PG 16, 17)"
else
	not_ok "ext avail postgis" "$(cat "$T_TMP/avail" "$T_TMP/avail.err" | tail -n 5)"
fi
sed 's/^/#   /' "$T_TMP/avail"

# refused CASE DIR PATTERN: ext list with pgdg-yum at DIR, a fresh cache, fails
# with a message matching PATTERN.
refused() {
	# shellcheck disable=SC2046
	if PGBUNDLE_CACHE="$T_TMP/cache-$1" "$PGBUNDLE" ext list --target el9 --pg 16 \
		$(mirrors "$2") >/dev/null 2>"$T_TMP/$1.err"; then
		not_ok "$1 refused" "ext list succeeded"
	elif grep -q -- "$3" "$T_TMP/$1.err"; then
		ok "$1 refused: $(head -c 400 "$T_TMP/$1.err")"
	else
		not_ok "$1 refused naming the file" "$(cat "$T_TMP/$1.err")"
	fi
}
X=$T_TMP/bad
mkdir -p "$X/tamper" "$X/unsigned" "$X/badfl"
cp -r "$M/pgdg/16" "$X/tamper/16"
sed -i '0,/<revision>/s/<revision>\([0-9]\)/<revision>X/' "$X/tamper/16/repodata/repomd.xml"
refused "tampered repomd.xml" "$X/tamper" "tamper/16/repodata/repomd.xml"
cp -r "$M/pgdg/16" "$X/unsigned/16"
rm "$X/unsigned/16/repodata/repomd.xml.asc"
refused "unsigned repomd.xml" "$X/unsigned" "unsigned/16/repodata/repomd.xml is not signed"
cp -r "$M/pgdg/16" "$X/badfl/16"
fl=$(ls "$X/badfl/16/repodata/"*-filelists.xml.gz)
size=$(stat -c %s "$fl")
printf 'X' | dd of="$fl" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
[ "$(stat -c %s "$fl")" = "$size" ] || not_ok "fixture: a byte flipped in filelists keeps its size"
refused "filelists with a byte flipped (same size, wrong SHA-256)" "$X/badfl" \
	"filelists.xml.gz.*SHA-256 mismatch"
printf 'X' >>"$fl"
refused "filelists of another size" "$X/badfl" "filelists.xml.gz.*size mismatch"

mkdir -p "$X/sha1/16/Packages"
cp "$R/16"/*.rpm "$X/sha1/16/Packages/"
createrepo_c --quiet --checksum sha1 "$X/sha1/16" >/dev/null
gpg --homedir "$T_TMP/gk" --batch --quiet --yes --armor --detach-sign \
	-o "$X/sha1/16/repodata/repomd.xml.asc" "$X/sha1/16/repodata/repomd.xml"
refused "signed repomd.xml with sha1 checksums" "$X/sha1" "only sha256 is trusted"

# Warm: the filelists are gone from the fixture; the cached results answer.
rm -f "$M"/pgdg/*/repodata/*-filelists.xml.gz
# shellcheck disable=SC2046
if "$PGBUNDLE" ext list --target el9 --json $(mirrors "$M/pgdg") >"$T_TMP/warm.json" \
	2>"$T_TMP/warm.err" && cmp -s "$T_TMP/list.json" "$T_TMP/warm.json" &&
	[ "$(ls "$T_TMP/cache/index/"*.extensions | wc -l)" = 3 ]; then
	ok "warm ext list: same answer with the fixture's filelists deleted (3 cached results: PG 16, PG 17, the empty repositories)"
else
	not_ok "warm ext list from the cache" "$(tail -n 3 "$T_TMP/warm.err"; ls "$T_TMP/cache/index")"
fi
