#!/bin/sh
# tier: all
# manifests/d13.yml (trixie, PostgreSQL 17) end to end from the real Debian archive:
# build, verify, ls, contents, rebuild from the lock byte-identical, and the
# air-gapped apt proof in a minbase trixie rootfs with only loopback.
. tests/lib.sh
. tests/e2e/airgap_apt.sh
. tests/e2e/bundle_target.sh
need_root "bundle d13"
# This mirror's trixie Contents-amd64.gz does not match its signed Release:
# discovery takes it for extension names only (packages stay verified).
bundle_target d13 trixie 17 --allow-unverified-contents
