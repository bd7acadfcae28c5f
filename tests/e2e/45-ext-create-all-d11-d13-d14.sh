#!/bin/sh
# tier: all
# 42-ext-create-all.sh for d11 (bullseye, PostgreSQL 13), d13 (trixie, 17)
# and d14 (forky, 18): every extension created, and (issue 11) ordinary DDL
# under a time limit after the `all` install.
# This mirror's trixie Contents-amd64.gz does not match its signed Release
# (names only: packages stay verified) and forky's Release is past its
# Valid-Until, hence the two options.  Its bullseye-security lacks files its
# signed Packages lists (HTTP 404: pgpool2, pgagent, pg-snakeoil and
# postgresql-13's PL packages), so d11's manifest is manifests/d11-all.yml's
# "all" spelt out without the extensions of those packages.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ext_create_all.sh
need_root "create every extension of d11-all, d13-all and d14-all"
status=0
mkdir -p "$BDIR/e2e-cache"
IB_MANIFEST=$BDIR/e2e-cache/d11-all-mirror.yml
{
	sed -n '/^name:/,$p' manifests/d11-all.yml | grep -v '^extensions:' |
		sed "s|^config: |config: $TOP/manifests/|"
	"$PGBUNDLE" ext list --target d11 --pg 13 --json 2>/dev/null | jq -r '[.extensions[] |
		select(.package | test("^(postgresql-(plperl|plpython3|pltcl)-13|postgresql-13-pgpool2|pgagent|postgresql-13-snakeoil)$") | not) |
		.name] | unique | "extensions: [" + join(", ") + "]"'
} >"$IB_MANIFEST.new" && mv "$IB_MANIFEST.new" "$IB_MANIFEST"
(IB_MANIFEST=$IB_MANIFEST ext_create_all d11 bullseye 13) || status=1
(ext_create_all d13 trixie 17 --allow-unverified-contents) || status=1
(ext_create_all d14 forky 18 --allow-expired) || status=1
exit $status
