#!/bin/sh
# tier: all
# 31-install-d12.sh for the other Debian targets: d11 (bullseye, PostgreSQL
# 13), d13 (trixie, 17) and d14 (forky, 18), each on a fresh air-gapped
# host of its release booted with systemd.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "install d11 d13 d14"
status=0
# Each target in its own subshell: install_target sets its own traps and scratch.
(install_target d11 bullseye 13) || status=1
# This mirror's trixie Contents-amd64.gz does not match its signed Release.
(install_target d13 trixie 17 --allow-unverified-contents) || status=1
(install_target d14 forky 18 --allow-expired) || status=1
exit $status
