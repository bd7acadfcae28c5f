#!/bin/sh
# tier: fast
# manifests/d12.yml (bookworm, PostgreSQL 15) end to end from the real Debian archive:
# build, verify, ls, contents, rebuild from the lock byte-identical, and the
# air-gapped apt proof in a minbase bookworm rootfs with only loopback.
. tests/lib.sh
. tests/e2e/airgap_apt.sh
. tests/e2e/bundle_target.sh
need_root "bundle d12"
bundle_target d12 bookworm 15
