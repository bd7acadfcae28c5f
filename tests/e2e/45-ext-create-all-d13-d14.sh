#!/bin/sh
# tier: all
# 42-ext-create-all.sh for d13 (trixie, PostgreSQL 17) and d14 (forky, 18).
# This mirror's trixie Contents-amd64.gz does not match its signed Release
# (names only: packages stay verified) and forky's Release is past its
# Valid-Until, hence the two options.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ext_create_all.sh
need_root "create every extension of d13-all and d14-all"
status=0
(ext_create_all d13 trixie 17 --allow-unverified-contents) || status=1
(ext_create_all d14 forky 18 --allow-expired) || status=1
exit $status
