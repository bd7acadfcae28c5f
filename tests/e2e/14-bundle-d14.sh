#!/bin/sh
# tier: all
# manifests/d14.yml (forky, PostgreSQL 18) end to end from the real Debian archive:
# build, verify, ls, contents, rebuild from the lock byte-identical, and the
# air-gapped apt proof in a minbase forky rootfs with only loopback.
. tests/lib.sh
. tests/e2e/airgap_apt.sh
. tests/e2e/bundle_target.sh
need_root "bundle d14"
# The mirror's forky Release files are past their Valid-Until: accepted, loudly.
bundle_target d14 forky 18 --allow-expired
