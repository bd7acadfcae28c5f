#!/bin/sh
# tier: fast
# Issue 4's acceptance on d12 (bookworm, PostgreSQL 15): every extension of
# manifests/d12-all.yml is created on an air-gapped host, the installer
# preloading what they need (tests/e2e/ext_create_all.sh).
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ext_create_all.sh
need_root "create every extension of d12-all"
ext_create_all d12 bookworm 15
