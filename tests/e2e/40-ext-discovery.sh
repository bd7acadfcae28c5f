#!/bin/sh
# tier: fast
# Extension discovery against the real Debian archive: for d11 (PG 13), d12
# (15), d13 (17) and d14 (18), `pgbundle ext list --json` holds every extension
# whose control file the suite's Contents-amd64 lists.  The expected set comes
# from a plain text scan of Contents (curl + zcat + grep/sed/sort), never from
# the code under test.  Then `ext avail postgis` prints its matrix, and a
# manifest asking for the extension `vector` resolves to its package on d13
# and is reported unresolved on d12, naming d13.
#
# The mirror is this host's (its apt sources), as the builder's own default.
. tests/lib.sh
t_tmpdir

MIRROR=${PGBUNDLE_MIRROR_DEBIAN:-$(t_debian_mirror)}
if [ -z "$MIRROR" ]; then
	not_ok "ext discovery" "no Debian mirror in this host's apt sources (or PGBUNDLE_MIRROR_DEBIAN)"
	exit 1
fi
echo "# mirror $MIRROR"

# ext_list TARGET OUT: strict first; when the mirror's Contents does not match
# its signed Release (a mirror out of sync) say so and retry with the flag.
ext_list() {
	if "$PGBUNDLE" ext list --target "$1" --json >"$2" 2>"$T_TMP/$1.err"; then
		return 0
	fi
	if grep -q 'mismatch' "$T_TMP/$1.err"; then
		echo "# $1: the mirror's Contents does not match its signed Release:" \
			"$(tail -n 1 "$T_TMP/$1.err")"
		echo "# $1: retried with --allow-unverified-contents"
		"$PGBUNDLE" ext list --target "$1" --json --allow-unverified-contents >"$2" \
			2>"$T_TMP/$1.err" && return 0
	fi
	cat "$T_TMP/$1.err"
	return 1
}

for spec in d11:bullseye:13 d12:bookworm:15 d13:trixie:17 d14:forky:18; do
	T=${spec%%:*} rest=${spec#*:}
	SUITE=${rest%%:*} PG=${rest#*:}
	if ! curl -sSf "$MIRROR/dists/$SUITE/main/Contents-amd64.gz" -o "$T_TMP/$T.gz"; then
		not_ok "$T: fetch Contents-amd64.gz for the expected set"
		continue
	fi
	zcat "$T_TMP/$T.gz" |
		grep -E '^usr/share/postgresql/[0-9]+/extension/[^/[:space:]]+\.control[[:space:]]' |
		sed -E 's|^usr/share/postgresql/[0-9]+/extension/([^/[:space:]]+)\.control[[:space:]].*|\1|' |
		grep -v -- -- | sort -u >"$T_TMP/$T.expected"
	if ! ext_list "$T" "$T_TMP/$T.json"; then
		not_ok "$T: pgbundle ext list --target $T --json"
		continue
	fi
	jq -r '.extensions[].name' "$T_TMP/$T.json" | sort -u >"$T_TMP/$T.got"
	missing=$(comm -23 "$T_TMP/$T.expected" "$T_TMP/$T.got")
	exp=$(wc -l <"$T_TMP/$T.expected") got=$(wc -l <"$T_TMP/$T.got")
	echo "# $T: Contents lists $exp extensions, ext list has $got"
	if [ "$exp" -gt 50 ] && [ -z "$missing" ]; then
		ok "$T: ext list holds every extension of $SUITE's Contents ($exp, 0 missing)"
	else
		not_ok "$T: ext list holds every extension of Contents" \
			"$exp expected; missing: $(echo $missing)"
	fi
	if jq -e --argjson pg "$PG" '.extensions[] | select(.name == "plpgsql" and .pg == $pg and
		.package == "postgresql-\($pg)")' "$T_TMP/$T.json" >/dev/null; then
		ok "$T: contrib/core extension plpgsql maps to postgresql-$PG"
	else
		not_ok "$T: plpgsql maps to postgresql-$PG"
	fi
done

# A warm run reads the cached results: no Contents parsing, well under 5 s.
start=$(date +%s)
"$PGBUNDLE" ext list --target d12 --json >/dev/null 2>&1
el=$(( $(date +%s) - start ))
if [ "$el" -le 5 ]; then ok "d12: warm ext list in ${el}s"; else not_ok "d12: warm ext list" "${el}s"; fi

if "$PGBUNDLE" ext avail postgis --allow-unverified-contents >"$T_TMP/avail" 2>"$T_TMP/avail.err" &&
	grep -q '^d12 .*postgresql-15-postgis-3.* metadata$' "$T_TMP/avail" &&
	grep -q '^d14 .*postgresql-18-postgis-3' "$T_TMP/avail" &&
	grep -q '^el9 .*template, not checked' "$T_TMP/avail"; then
	ok "ext avail postgis prints the target x PG matrix (metadata and templates marked)"
else
	not_ok "ext avail postgis" "$(cat "$T_TMP/avail" "$T_TMP/avail.err" | tail -n 15)"
fi
sed 's/^/#   /' "$T_TMP/avail"
if "$PGBUNDLE" ext avail postgis --json --allow-unverified-contents 2>/dev/null |
	jq -e '.targets[] | select(.target == "d13" and .source == "metadata" and
		(.pg["17"] // "" | startswith("postgresql-17-postgis-3")))' >/dev/null; then
	ok "ext avail --json gives d13 PG 17 postgis from metadata"
else
	not_ok "ext avail --json gives d13 PG 17 postgis from metadata"
fi

manifest() {	# TARGET PG EXT...
	T=$1 PG=$2
	shift 2
	printf 'name: ext-%s\nversion: "1.0"\ntarget: %s\npostgres: [%s]\nextensions: [%s]\n' \
		"$T" "$T" "$PG" "$(echo "$*" | sed 's/ /, /g')" >"$T_TMP/ext-$T.yml"
	echo "$T_TMP/ext-$T.yml"
}
export PGBUNDLE_ALLOW_UNVERIFIED_CONTENTS=1
m=$(manifest d13 17 vector)
if "$PGBUNDLE" plan "$m" --json >"$T_TMP/plan13.json" 2>"$T_TMP/plan13.err" &&
	jq -e '.packages[] | select(.name == "postgresql-17-pgvector" and .requested)' \
		"$T_TMP/plan13.json" >/dev/null; then
	ok "d13: manifest extensions: [vector] resolves to postgresql-17-pgvector"
else
	not_ok "d13: extensions: [vector]" "$(tail -n 5 "$T_TMP/plan13.err")"
fi
m=$(manifest d12 15 vector pg_trgm)
"$PGBUNDLE" plan "$m" --json >"$T_TMP/plan12.json" 2>"$T_TMP/plan12.err"
rc=$?
if [ "$rc" = 3 ] && jq -e '.unresolved[] | select(.request | test("^vector .*d13"))' \
	"$T_TMP/plan12.json" >/dev/null &&
	jq -e '.packages[] | select(.name == "postgresql-15" and .requested)' \
		"$T_TMP/plan12.json" >/dev/null; then
	ok "d12: extension vector is unresolved (exit 3) naming d13; pg_trgm gives postgresql-15"
else
	not_ok "d12: vector unresolved naming d13" "exit $rc; $(jq -c .unresolved "$T_TMP/plan12.json" 2>/dev/null) $(tail -n 3 "$T_TMP/plan12.err")"
fi
jq -r '.unresolved[] | "#   " + .request' "$T_TMP/plan12.json" 2>/dev/null
