#!/bin/sh
# tier: all
# The acceptance of PGDG on apt, air-gapped: a d12 manifest with
# postgres: [15, 16] built from the real Debian 12 archive (PostgreSQL 15) plus
# the PGDG-like fixture (tests/e2e/fixture_pgdg.sh: PostgreSQL 16, PGDG's
# postgresql-common and libpq5, pgvector for both majors) through its mirror
# key, then apt in a minbase bookworm rootfs with only loopback installs both
# majors' packages from the bundle alone (tests/e2e/airgap_apt.sh).  The PGDG
# packages are fakes (no binaries): this proves the closure, the signatures
# and apt's choices, not a running PostgreSQL 16.  In check-all: the
# container takes over a minute.
. tests/lib.sh
. tests/e2e/fixture_repo.sh
. tests/e2e/fixture_pgdg.sh
. tests/e2e/airgap_apt.sh
need_root "PGDG d12 air-gapped"
t_tmpdir
fixture_key "$T_TMP/gk"
FPR=$(gpg --homedir "$T_TMP/gk" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
fixture_pgdg "$T_TMP/pgdg" "$T_TMP/gk" "$T_TMP/work" || { not_ok "PGDG fixture built"; exit 1; }
fixture_recipes_pgdg "$T_TMP/recipes" "$T_TMP/gk/key.gpg" "$FPR"
export PGBUNDLE_RECIPES="$T_TMP/recipes"
cat >"$T_TMP/pgdg-d12.yml" <<EOF2
name: pgdg-d12
version: "1"
target: d12
postgres: [15, 16]
modules: [pgsql, pgbouncer]
extensions: [vector]
EOF2
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
start=$(date +%s)
if "$PGBUNDLE" build "$T_TMP/pgdg-d12.yml" -o "$T_TMP/out" --key "$T_TMP/keys/pgbundle.key" \
	--mirror pgdg="file://$T_TMP/pgdg" >"$T_TMP/build.log" 2>&1; then
	ok "d12 [15, 16] built from the Debian archive and the PGDG fixture ($(( $(date +%s) - start ))s)"
else
	not_ok "d12 [15, 16] build" "$(tail -n 5 "$T_TMP/build.log")"
	exit 1
fi
TAR=$T_TMP/out/pgdg-d12-1.d12.amd64.tar.zst
ups=$(jq -r '.packages[] | select(.name | test("^postgresql-1[56]$")) | .name + "=" + .upstream' \
	"$T_TMP/out/pgdg-d12.lock" | tr '\n' ' ')
case $ups in
"postgresql-15=debian"*" postgresql-16=pgdg-apt ") ok "the lock: 15 from Debian, 16 from pgdg-apt ($ups)" ;;
*) not_ok "lock sources" "$ups" ;;
esac
mkdir -p "$T_TMP/airgap"
airgap_apt_proof pgdg-d12 bookworm "$TAR" "$T_TMP/airgap"
# Both majors, the PGDG postgresql-common included, are what dpkg now has.
sh "$TOP/ci/airgap/run.sh" "$T_TMP/airgap/rootfs" -- dpkg-query -W -f '${Package}=${Version}\n' \
	postgresql-15 postgresql-16 postgresql-common libpq5 >"$T_TMP/versions" 2>/dev/null
if grep -q '^postgresql-16=16.6-1.pgdg120+1$' "$T_TMP/versions" &&
   grep -q '^postgresql-common=262.pgdg120+1$' "$T_TMP/versions" &&
   grep -q '^postgresql-15=15\..*deb12' "$T_TMP/versions"; then
	ok "installed offline: $(tr '\n' ' ' <"$T_TMP/versions")"
else
	not_ok "installed versions" "$(cat "$T_TMP/versions")"
fi
