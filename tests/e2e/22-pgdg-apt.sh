#!/bin/sh
# tier: fast
# san: yes
# PGDG for the apt family, on a PGDG-like repository built here
# (tests/e2e/fixture_pgdg.sh: bookworm-pgdg, main plus per-major components,
# signed by a key the test makes and pinned by fingerprint) beside a small
# Debian 12 stand-in: a d12 manifest with postgres: [15, 16] takes 15 from the
# distribution and 16 from PGDG, and `plan` shows which upstream each shared
# package (libpq5, postgresql-common, pgbouncer) comes from and why;
# `prefer: pgdg` takes 15 from PGDG too; a beta from a per-major component;
# a major that exists nowhere fails naming it and the upstreams tried; PGDG
# is not touched when the distribution has every major; a Release signed by
# another key of the keyring, or a keyring without the pinned key, is
# refused; the bundle lists both majors and each one's packages, rebuilds
# byte-identically from its lock and installs with apt.  Last, the same
# manifest planned against the real Debian archive, and `pgbundle ext list
# --pgdg` there: PGDG's extensions added, Debian's kept where both ship one,
# PGDG not read without --pgdg.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_pgdg.sh
t_tmpdir
fixture_key "$T_TMP/gk"
fpr_of() { gpg --homedir "$1" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
FPR=$(fpr_of "$T_TMP/gk")
if fixture_pgdg "$T_TMP/pgdg" "$T_TMP/gk" "$T_TMP/work" &&
   fixture_debian_for_pgdg "$T_TMP/debian" "$T_TMP/gk" "$T_TMP/pgdg"; then
	ok "PGDG-like bookworm-pgdg (main, 14-18) and a Debian 12 stand-in built and signed"
else
	not_ok "fixtures built"
	exit 1
fi
fixture_recipes_pgdg "$T_TMP/recipes" "$T_TMP/gk/key.gpg" "$FPR"
sed -i "s|/usr/share/keyrings/debian-archive-keyring.gpg|$T_TMP/gk/key.gpg|" "$T_TMP/recipes/repos.yml"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
MIR="--mirror debian=file://$T_TMP/debian --mirror pgdg=file://$T_TMP/pgdg"

manifest() {	# FILE POSTGRES [more lines...]
	f=$1 pg=$2
	shift 2
	{
		echo "name: pgdg-d12"
		echo 'version: "1"'
		echo "target: d12"
		echo "postgres: $pg"
		echo "upstreams: [debian]"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}
# jq on the plan: the field of package $2.
pkg() { jq -r --arg n "$2" ".packages[] | select(.name == \$n) | $3" "$1"; }

# --- 15 from the distribution, 16 from PGDG -------------------------------
manifest "$T_TMP/m.yml" "[15, 16]" "modules: [pgsql, pgbouncer]" "extensions: [vector]"
# shellcheck disable=SC2086
if "$PGBUNDLE" plan "$T_TMP/m.yml" --json $MIR >"$T_TMP/plan.json" 2>"$T_TMP/plan.err"; then
	ok "plan d12 [15, 16]: debian stand-in plus PGDG"
else
	not_ok "plan d12 [15, 16]" "$(tail -n 5 "$T_TMP/plan.err")"
fi
got=$(jq -r '.postgres[] | "\(.major) \(.upstream) \(.why)"' "$T_TMP/plan.json" | tr '\n' ';')
if [ "$got" = "15 debian the distribution ships it;16 pgdg-apt not in debian;" ]; then
	ok "each major from where it exists: 15 from debian, 16 from pgdg-apt (not in debian)"
else
	not_ok "major sources" "got: $got"
fi
# planned NAME PACKAGE JQ-EXPR WANT: the plan's PACKAGE gives WANT.
planned() { check "$1" test "$(pkg "$T_TMP/plan.json" "$2" "$3")" = "$4"; }
planned "postgresql-15 and its client are Debian's 15.20, though PGDG has 15.99" postgresql-15 \
	'.upstream + " " + .version + " " + .why' "debian 15.20-0+deb12u1 preferred over pgdg-apt's 15.99-1.pgdg120+1"
planned "postgresql-common is PGDG's because postgresql-16 needs (>= 252~), and plan says so" \
	postgresql-common '.upstream + " " + .why' \
	"pgdg-apt not debian's 248+deb12u2: postgresql-16 16.6-1.pgdg120+1 depends on postgresql-common (>= 252~)"
planned "postgresql-client-common follows it (= 262.pgdg120+1)" postgresql-client-common \
	'.upstream + " " + .version' "pgdg-apt 262.pgdg120+1"
planned "libpq5 is PGDG's newest (main's 17.2, not component 16's 16.6): postgresql-client-16 needs >= 16.6" \
	libpq5 '.upstream + " " + .version + " " + .why' \
	"pgdg-apt 17.2-1.pgdg120+1 not debian's 15.20-0+deb12u1: postgresql-client-16 16.6-1.pgdg120+1 depends on libpq5 (>= 16.6)"
planned "pgbouncer stays Debian's 1.18, the preferred side, though PGDG has 1.24.1" pgbouncer \
	'.upstream + " " + .why' "debian preferred over pgdg-apt's 1.24.1-1.pgdg120+1"
check "vector found per major: PGDG's postgresql-15-pgvector (Debian has none) and postgresql-16-pgvector" \
	test "$(jq -r '[.packages[] | select(.name | test("pgvector")) | .name + "@" + .upstream] | join(" ")' "$T_TMP/plan.json")" = \
	"postgresql-15-pgvector@pgdg-apt postgresql-16-pgvector@pgdg-apt"
# shellcheck disable=SC2086
"$PGBUNDLE" plan "$T_TMP/m.yml" $MIR >"$T_TMP/plan.txt" 2>&1
if grep -qx 'PostgreSQL 16: pgdg-apt (not in debian)' "$T_TMP/plan.txt" &&
   grep -q '^    ^ pgdg-apt: not debian.s 248+deb12u2: postgresql-16 ' "$T_TMP/plan.txt"; then
	ok "plan's text names each major's upstream and why a shared package is PGDG's"
else
	not_ok "plan text" "$(head -n 4 "$T_TMP/plan.txt")"
fi

# --- prefer: pgdg ----------------------------------------------------------
manifest "$T_TMP/p.yml" "[15]" "modules: [pgsql, pgbouncer]" "prefer: pgdg"
# shellcheck disable=SC2086
"$PGBUNDLE" plan "$T_TMP/p.yml" --json $MIR >"$T_TMP/prefer.json" 2>"$T_TMP/prefer.err"
got=$(jq -r '[.packages[] | select(.name | test("^(postgresql|pgbouncer|libpq5)")) | .name + "=" + .upstream] | join(" ")' "$T_TMP/prefer.json")
if [ "$(jq -r '.postgres[0].upstream + " " + .postgres[0].why' "$T_TMP/prefer.json")" = "pgdg-apt prefer: pgdg" ] &&
   [ "$got" = "libpq5=pgdg-apt pgbouncer=pgdg-apt postgresql-15=pgdg-apt postgresql-client-15=pgdg-apt postgresql-client-common=pgdg-apt postgresql-common=pgdg-apt" ] &&
   [ "$(pkg "$T_TMP/prefer.json" postgresql-15 .why)" = "preferred over debian's 15.20-0+deb12u1" ]; then
	ok "prefer: pgdg takes 15, pgbouncer and the rest from PGDG, Debian ships 15 too"
else
	not_ok "prefer: pgdg" "$got; $(tail -n 3 "$T_TMP/prefer.err")"
fi

# --- a beta from its major's component ---------------------------------------
manifest "$T_TMP/b.yml" "[18]" "modules: [pgsql]"
# shellcheck disable=SC2086
"$PGBUNDLE" plan "$T_TMP/b.yml" --json $MIR >"$T_TMP/beta.json" 2>"$T_TMP/beta.err"
if [ "$(pkg "$T_TMP/beta.json" postgresql-18 '.upstream + " " + .version')" = "pgdg-apt 18~beta1-1.pgdg120+1" ] &&
   pkg "$T_TMP/beta.json" postgresql-18 .url | grep -q '/pool/18/p/postgresql-18/postgresql-18_18~beta1-1.pgdg120+1_amd64.deb$'; then
	ok "postgres: [18] takes the beta from PGDG's per-major component 18"
else
	not_ok "beta from component 18" "$(tail -n 3 "$T_TMP/beta.err")"
fi

# --- a major nowhere ---------------------------------------------------------
manifest "$T_TMP/n.yml" "[14]" "modules: [pgsql]"
# shellcheck disable=SC2086
"$PGBUNDLE" plan "$T_TMP/n.yml" $MIR >/dev/null 2>"$T_TMP/none.err"
rc=$?
if [ $rc = 1 ] && grep -qF 'PostgreSQL 14 is in none of the upstreams tried for d12: debian, pgdg-apt (none has postgresql-14 and postgresql-client-14)' "$T_TMP/none.err"; then
	ok "a major neither side has fails naming it and the upstreams tried (exit 1)"
else
	not_ok "missing major" "exit $rc: $(cat "$T_TMP/none.err")"
fi

# --- PGDG not touched when the distribution has every major -------------------
manifest "$T_TMP/d.yml" "[15]" "modules: [pgsql, pgbouncer]"
if "$PGBUNDLE" plan "$T_TMP/d.yml" --json --mirror debian="file://$T_TMP/debian" \
	>"$T_TMP/dist.json" 2>"$T_TMP/dist.err" &&
   [ "$(jq -r '[.packages[].upstream] | unique | join(" ")' "$T_TMP/dist.json")" = debian ]; then
	ok "d12 [15] plans from the distribution alone, with no PGDG mirror given"
else
	not_ok "PGDG left out for the distribution's major" "$(tail -n 3 "$T_TMP/dist.err")"
fi

# --- the pinned key ---------------------------------------------------------------
fixture_key "$T_TMP/stranger"
cat "$T_TMP/gk/key.gpg" "$T_TMP/stranger/key.gpg" >"$T_TMP/both.gpg"
cp -r "$T_TMP/pgdg" "$T_TMP/pgdg-s"
fixture_sign "$T_TMP/pgdg-s/dists/bookworm-pgdg" "$T_TMP/stranger"
fixture_recipes_pgdg "$T_TMP/recipes-s" "$T_TMP/both.gpg" "$FPR"
manifest "$T_TMP/s.yml" "[16]" "modules: [pgsql]"
sed -i 's/^upstreams: .*/upstreams: [pgdg-apt]/' "$T_TMP/s.yml"
PGBUNDLE_RECIPES="$T_TMP/recipes-s" "$PGBUNDLE" plan "$T_TMP/s.yml" \
	--mirror pgdg="file://$T_TMP/pgdg-s" >/dev/null 2>"$T_TMP/s.err"
if grep -q "signed by key $(fpr_of "$T_TMP/stranger"), not by $FPR that recipes/repos.yml pins" "$T_TMP/s.err"; then
	ok "a Release signed by another key of the keyring is refused: the pin names the signer"
else
	not_ok "stranger's signature refused" "$(cat "$T_TMP/s.err")"
fi
fixture_recipes_pgdg "$T_TMP/recipes-k" "$T_TMP/stranger/key.gpg" "$FPR"
PGBUNDLE_RECIPES="$T_TMP/recipes-k" "$PGBUNDLE" plan "$T_TMP/s.yml" \
	--mirror pgdg="file://$T_TMP/pgdg-s" >/dev/null 2>"$T_TMP/k.err"
if grep -q "does not hold the key $FPR that recipes/repos.yml pins" "$T_TMP/k.err"; then
	ok "a keyring without the pinned key is refused before anything is fetched"
else
	not_ok "keyring without the pinned key" "$(cat "$T_TMP/k.err")"
fi

# --- the bundle ---------------------------------------------------------------
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
OUT=$T_TMP/out TAR=$T_TMP/out/pgdg-d12-1.d12.amd64.tar.zst
# shellcheck disable=SC2086
if "$PGBUNDLE" build "$T_TMP/m.yml" -o "$OUT" --key "$T_TMP/keys/pgbundle.key" $MIR \
	>"$T_TMP/build.log" 2>&1; then
	ok "build d12 [15, 16] (apt proves the bundle installs from itself alone)"
else
	not_ok "build d12 [15, 16]" "$(tail -n 5 "$T_TMP/build.log")"
fi
mkdir -p "$T_TMP/x" && tar --zstd -xf "$TAR" -C "$T_TMP/x"
META=$(ls "$T_TMP"/x/*/bundle.json)
if [ "$(jq -c .postgres "$META")" = "[15,16]" ] &&
   [ "$(jq -c .postgres_upstreams "$META")" = '{"15":"debian","16":"pgdg-apt"}' ] &&
   [ "$(jq -c '.postgres_packages["16"]' "$META")" = '["postgresql-16","postgresql-16-pgvector","postgresql-client-16"]' ] &&
   [ "$(jq -c '.postgres_packages["15"]' "$META")" = '["postgresql-15","postgresql-15-pgvector","postgresql-client-15"]' ]; then
	ok "bundle.json lists both majors, where each comes from and each one's packages"
else
	not_ok "bundle.json majors" "$(jq -c '{postgres, postgres_upstreams, postgres_packages}' "$META")"
fi
check "the lock records what discovery found for each major (a locked build reads no metadata)" \
	test "$(jq -c .extensions.majors "$OUT/pgdg-d12.lock")" = \
	'{"15":["postgresql-15-pgvector"],"16":["postgresql-16-pgvector"]}'
check "the lock records why postgresql-common is PGDG's" \
	test "$(jq -r '.packages[] | select(.name == "postgresql-common") | .why' "$OUT/pgdg-d12.lock")" = \
	"not debian's 248+deb12u2: postgresql-16 16.6-1.pgdg120+1 depends on postgresql-common (>= 252~)"
mkdir -p "$T_TMP/again"
# shellcheck disable=SC2086
if "$PGBUNDLE" build "$T_TMP/m.yml" --lock "$OUT/pgdg-d12.lock" -o "$T_TMP/again" \
	--key "$T_TMP/keys/pgbundle.key" $MIR >"$T_TMP/rebuild.log" 2>&1 &&
   cmp -s "$TAR" "$T_TMP/again/pgdg-d12-1.d12.amd64.tar.zst"; then
	ok "rebuild from the lock is byte-identical"
else
	not_ok "rebuild from the lock" "$(tail -n 3 "$T_TMP/rebuild.log")"
fi
# shellcheck disable=SC2046
if apt_sim "$T_TMP/aptroot" "$(dirname "$META")" $(jq -r '.requested[]' "$META") >"$T_TMP/apt.log" &&
   grep -q '^Inst postgresql-16 ' "$T_TMP/apt.log" && grep -q '^Inst postgresql-15 ' "$T_TMP/apt.log" &&
   grep -q '^Inst postgresql-common (262.pgdg120+1 ' "$T_TMP/apt.log" && ! grep -Eq '^(W|E):' "$T_TMP/apt.log"; then
	ok "apt (signature checked) installs both majors' packages from the bundle alone"
else
	not_ok "apt installs from the bundle" "$(grep -E '^(W|E):' "$T_TMP/apt.log"; tail -n 3 "$T_TMP/apt.log")"
fi

# --- the same against the real Debian archive ------------------------------------
unset PGBUNDLE_CACHE
fixture_recipes_pgdg "$T_TMP/recipes-r" "$T_TMP/gk/key.gpg" "$FPR"
sed -i '/^upstreams:/d' "$T_TMP/m.yml"
if PGBUNDLE_RECIPES="$T_TMP/recipes-r" "$PGBUNDLE" plan "$T_TMP/m.yml" --json --mirror pgdg="file://$T_TMP/pgdg" \
	>"$T_TMP/real.json" 2>"$T_TMP/real.err" &&
   [ "$(jq -r '.postgres[1].upstream' "$T_TMP/real.json")" = pgdg-apt ] &&
   pkg "$T_TMP/real.json" postgresql-15 .upstream | grep -q '^debian' &&
   [ "$(pkg "$T_TMP/real.json" postgresql-common .upstream)" = pgdg-apt ]; then
	ok "real Debian 12 archive plus the PGDG fixture: 15 is Debian's ($(pkg "$T_TMP/real.json" postgresql-15 .version)), 16 PGDG's"
else
	not_ok "real Debian plus PGDG" "$(tail -n 3 "$T_TMP/real.err")"
fi

# --- ext: PGDG's extensions only when asked (--pgdg) ---------------------------
# Against the real archive: where Debian and PGDG ship the same package for a
# major (postgresql-15 with pg_stat_statements), Debian's is listed, as a plan
# would take it; what only PGDG has (16, pgvector) is PGDG's.
ext_of() {	# JSON NAME MAJOR -> "package upstream"
	jq -r --arg n "$2" --argjson p "$3" \
		'.extensions[] | select(.name == $n and .pg == $p) | "\(.package) \(.upstream)"' "$1"
}
if PGBUNDLE_RECIPES="$T_TMP/recipes-r" "$PGBUNDLE" ext list --target d12 --json \
	--mirror pgdg="file://$T_TMP/pgdg" >"$T_TMP/ext.json" 2>"$T_TMP/ext.err" &&
   PGBUNDLE_RECIPES="$T_TMP/recipes-r" "$PGBUNDLE" ext list --target d12 --pgdg --json \
	--mirror pgdg="file://$T_TMP/pgdg" >"$T_TMP/ext-pgdg.json" 2>>"$T_TMP/ext.err" &&
   [ "$(jq '[.extensions[] | select(.upstream == "pgdg-apt")] | length' "$T_TMP/ext.json")" = 0 ] &&
   [ "$(ext_of "$T_TMP/ext-pgdg.json" vector 16)" = "postgresql-16-pgvector pgdg-apt" ] &&
   [ "$(ext_of "$T_TMP/ext-pgdg.json" pg_stat_statements 16)" = "postgresql-16 pgdg-apt" ] &&
   ext_of "$T_TMP/ext-pgdg.json" pg_stat_statements 15 | grep -q '^postgresql-15 debian'; then
	ok "ext list --pgdg adds PGDG's extensions (vector and pg_stat_statements for 16), keeps Debian's where both ship one ($(ext_of "$T_TMP/ext-pgdg.json" pg_stat_statements 15)); without --pgdg PGDG is not read"
else
	not_ok "ext list --pgdg" "$(tail -n 3 "$T_TMP/ext.err"); 15: $(ext_of "$T_TMP/ext-pgdg.json" pg_stat_statements 15); vector 16: $(ext_of "$T_TMP/ext-pgdg.json" vector 16)"
fi
