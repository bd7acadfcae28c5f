#!/bin/sh
# tier: fast
# readme: ./pgsql-d12-1.0.d12.amd64.run install --yes --key pgbundle.asc
# The d12 .run on a fresh air-gapped bookworm booted with systemd: install
# with the bundled singleton config, then scram logins over TCP with the
# generated password, the config's extensions, PgBouncer on 6432, services
# enabled; the key given with --key is pinned, so a second run (no key)
# trusts it and changes nothing; uninstall restores /etc/apt.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "install d12"
install_target d12 bookworm 15
