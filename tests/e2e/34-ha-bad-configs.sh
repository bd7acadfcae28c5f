#!/bin/sh
# tier: fast
# Property: a cluster config Pigsty would refuse is refused by the .run at
# its line (FILE:LINE:COL), before anything changes on the host: a
# duplicate pg_seq, two primaries, an even etcd member count, a host that is
# not in the inventory (this one), a port used twice on a host.  And a
# Pigsty key pgbundle does not implement is named in a warning, not fatal.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "ha bad configs"
t_tmpdir

AIRGAP=$TOP/ci/airgap
NAME=pgb-badcfg-$$
ROOT=$T_TMP/rootfs
cleanup() {
	[ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] &&
		sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
inside() { sh "$AIRGAP/boot.sh" exec "$NAME" "$@"; }
etc_sum() {
	inside sh -c 'find /etc /var/lib/pgbundle /www -type f -exec md5sum {} + 2>/dev/null | sort'
}

install_build d12 || exit 1
if ! sh "$AIRGAP/rootfs.sh" bookworm "$ROOT" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$ROOT/root/pgbundle.run"
install_key "$ROOT"
if ! sh "$AIRGAP/boot.sh" start "$ROOT" "$NAME" 2>"$T_TMP/boot.log"; then
	not_ok "boot the container" "$(cat "$T_TMP/boot.log")"
	exit 1
fi

# A trio whose first host is this one (127.0.0.1), changed by sed script $2.
variant() {	# FILE SED
	sed -e 's/10\.10\.10\.10/127.0.0.1/' -e "$2" manifests/config/trio.yml >"$ROOT/root/$1"
}

before=$(etc_sum)
refused() {	# FILE WANT NAME
	if inside /root/pgbundle.run install --yes --key /root/pgbundle.asc --config "/root/$1" >"$T_TMP/$1.log" 2>&1; then
		not_ok "$3 is refused" "install succeeded"
	elif ! grep -q "$2" "$T_TMP/$1.log"; then
		not_ok "$3 is refused with its line" "$(tail -n 2 "$T_TMP/$1.log")"
	elif [ "$(etc_sum)" != "$before" ]; then
		not_ok "$3 is refused before anything changes" "files under /etc changed"
	else
		ok "$3 is refused at its line, nothing changed: $(grep -o "/root/$1:[0-9]*:[0-9]*: [^:]*" "$T_TMP/$1.log" | head -n 1 | cut -c1-110)"
	fi
}

variant dup-seq.yml 's/{ pg_seq: 3, pg_role: replica,/{ pg_seq: 2, pg_role: replica,/'
refused dup-seq.yml "/root/dup-seq.yml:32:[0-9]*: pg_seq 2 of host 10.10.10.12 is already host 10.10.10.11's" "a duplicate pg_seq"
variant two-primaries.yml 's/{ pg_seq: 2, pg_role: replica }/{ pg_seq: 2, pg_role: primary }/'
refused two-primaries.yml "/root/two-primaries.yml:31:[0-9]*: host 10.10.10.11 is a second primary of cluster pg-meta" "two primaries"
variant even-etcd.yml '/10\.10\.10\.12: { etcd_seq: 3 }/d'
refused even-etcd.yml "/root/even-etcd.yml:[0-9]*:[0-9]*: etcd cluster etcd has 2 members" "an even etcd member count"
cp manifests/config/trio.yml "$ROOT/root/not-here.yml"
refused not-here.yml "/root/not-here.yml: this host is not in the inventory" "a config that does not name this host"
variant port-twice.yml 's/^    pg_conf: oltp$/    pg_conf: oltp\n    patroni_port: 6432/'
refused port-twice.yml "/root/port-twice.yml:[0-9]*:[0-9]*: host 127.0.0.1: port 6432 of patroni_port is already pgbouncer_port's" "a port used twice on one host"

# A Pigsty key pgbundle does not implement: one warning by name, no error.
variant pigsty.yml 's/^    node_tune: oltp$/    node_tune: oltp\n    node_timezone: UTC/'
inside /root/pgbundle.run install --yes --key /root/pgbundle.asc --dry-run --config /root/pigsty.yml >"$T_TMP/pigsty.log" 2>&1
if grep -q "warning: /root/pigsty.yml:[0-9]*:[0-9]*: 'node_timezone' (Pigsty's roles/node) is not implemented by pgbundle: ignored" "$T_TMP/pigsty.log"; then
	ok "a Pigsty key pgbundle lacks is named in a warning, not refused"
else
	not_ok "a Pigsty key pgbundle lacks is warned about" "$(grep -i 'timezone\|error' "$T_TMP/pigsty.log" | head -n 3)"
fi
