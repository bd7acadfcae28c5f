#!/bin/sh
# tier: all
# manifests/d11.yml (bullseye, PostgreSQL 13) end to end from the real Debian archive:
# build, verify, ls, contents, rebuild from the lock byte-identical, and the
# air-gapped apt proof in a minbase bullseye rootfs with only loopback.
. tests/lib.sh
. tests/e2e/airgap_apt.sh
. tests/e2e/bundle_target.sh
need_root "bundle d11"
bundle_target d11 bullseye 13
