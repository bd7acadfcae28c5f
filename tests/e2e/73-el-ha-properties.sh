#!/bin/sh
# tier: all
# Property: the cluster properties the Debian tests 61, 65 and 67 prove
# hold on hosts that are EL to the installer (test 68's hosts and bundle,
# EL 9 by default; EL_PROPS_RELEASES=9 8 10 for more):
#   - one after the other (67): node 1 waits for etcd's quorum and names
#     the missing members, node 2 brings it, node 3 joins the running
#     cluster; every install returns once its node serves;
#   - failover under load with pg_rpo: 0 (61): five runs, the leader's host
#     powered off (SIGKILL to its init) while a surviving node writes
#     through its 5433; RTO of each run, no acknowledged commit missing on
#     the new leader, the VIP follows, the old leader rejoins each time;
#   - join (65): a fourth host added to the config joins as a streaming
#     replica into /var/lib/pgsql/15/data, and the three others, run again
#     with the new config, take it into their HAProxy services.
# Figures: each run's RTO and RPO, the summary (median, worst), the join's
# seconds.  Targets as on Debian: worst RTO < 30 s (pg_rto: norm), RPO 0.
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "EL ha properties"

if [ -z "${EL_PROPS_R:-}" ]; then
	st=0
	for r in ${EL_PROPS_RELEASES:-9}; do
		{ EL_PROPS_R=$r sh "$0"; echo "$?" >"/tmp/pgb-el-props.$$.rc"; } |
			sed "/el$r: /!s/^\(\(not \)\{0,1\}ok - \|# figure: \|# summary: \)/&el$r: /"
		[ "$(cat "/tmp/pgb-el-props.$$.rc")" = 0 ] || st=1
		rm -f "/tmp/pgb-el-props.$$.rc"
	done
	exit "$st"
fi
t_tmpdir

el_booted_prelude
trap 'ha_cleanup' EXIT

R=$EL_PROPS_R
ha_config norm
EL_REAL_UPSTREAMS=$(sed -n 's/^upstreams: //p' "manifests/el$R.yml")
el_real_build props "[]" "$(sed -n 's/^modules: //p' manifests/el$R.yml)" cluster.yml \
	"a bundle of PostgreSQL 15, PgBouncer, Patroni, etcd, HAProxy and pgBackRest" || exit 1

HA_RUN=$RUN KEYDIR=$T_TMP/keys
HA_PATRONI_CONF=/etc/patroni/patroni.yml HA_PSQL=/usr/pgsql-15/bin/psql
el_props_root() {
	[ -d "$T_TMP/elroot" ] || el_host_root "$T_TMP/elroot" "$R" || return 1
	cp -a "$T_TMP/elroot" "$1"
}
HA_MKROOT=el_props_root
ha_init 3 || { not_ok "the cluster's bridge"; exit 1; }
ha_pki_boot 3 || exit 1

# ---- one after the other ----
waitlog() {
	end=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -q "$2" "$T_TMP/install$1.log" 2>/dev/null && return 0
		sleep 2
	done
	return 1
}
(ha_install 1; echo $? >"$T_TMP/installed1") &
if waitlog 1 'waiting for etcd quorum: 1 of 3 members up, 2 needed; not up yet: etcd-2 (10.10.10.11), etcd-3 (10.10.10.12)' 900; then
	ok "node 1 alone says it waits for etcd's quorum and names the missing members"
else
	not_ok "node 1 says what it waits for" "$(tail -n 4 "$T_TMP/install1.log")"
fi
(ha_install 2; echo $? >"$T_TMP/installed2") &
end=$(($(date +%s) + 900))
while { [ ! -f "$T_TMP/installed1" ] || [ ! -f "$T_TMP/installed2" ]; } && [ "$(date +%s)" -lt "$end" ]; do sleep 5; done
if [ "$(cat "$T_TMP/installed1" 2>/dev/null)" = 0 ] && [ "$(cat "$T_TMP/installed2" 2>/dev/null)" = 0 ]; then
	ok "once node 2 is there, nodes 1 and 2 go on and their installs return"
else
	not_ok "nodes 1 and 2 finish" "$(tail -n 4 "$T_TMP/install1.log" "$T_TMP/install2.log")"
	exit 1
fi
if ha_install 3 && grep -q 'add etcd-3 to etcd cluster etcd' "$T_TMP/install3.log"; then
	ok "node 3, installed last, joins the running cluster (its etcd by member add)"
else
	not_ok "node 3 joins" "$(tail -n 6 "$T_TMP/install3.log")"
	exit 1
fi
if ha_wait_healthy 300; then
	ok "three members, one leader, pg_rpo: 0"
else
	not_ok "the cluster is whole" "$(ha_in 1 patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 6)"
	exit 1
fi
sync=$(ha_in 1 patronictl -c "$HA_PATRONI_CONF" show-config 2>/dev/null | sed -n 's/^synchronous_mode: *//p')
[ "$sync" = true ] && ok "pg_rpo: 0 puts Patroni in synchronous mode" || not_ok "synchronous mode" "synchronous_mode: $sync"

# ---- failover under load, five runs ----
ha_outage_runs "${HA_RUNS:-5}" "power-off" ha_poweroff ha_poweron
ha_summary "EL $R failover under load (leader's host powered off), pg_rto norm, pg_rpo 0" "${HA_TARGET:-30}"

# ---- a fourth host joins ----
sed -e 's/^\(        10\.10\.10\.12: { pg_seq: 3, .*\)$/\1\n        10.10.10.13: { pg_seq: 4, pg_role: replica }/' \
	"$HA_CONFIG" >"$T_TMP/cluster4.yml"
grep -q '10.10.10.13' "$T_TMP/cluster4.yml" || { not_ok "add 10.10.10.13 to the config"; exit 1; }
HA_CONFIG=$T_TMP/cluster4.yml
if ha_pki && grep -q '1 certificate made, 3 kept, 0 secrets made' "$T_TMP/pki.log"; then
	ok "pki init again: one certificate made (10.10.10.13), three kept, no secret changed"
else
	not_ok "pki init on the grown config" "$(cat "$T_TMP/pki.log")"
fi
HA_N=4
ha_boot 4 || { not_ok "boot the fourth host"; exit 1; }
t0=$(date +%s.%N)
if ha_install 4; then
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	echo "# figure: the fourth EL node joined (install until it serves) in $secs s"
	ok "the fourth host's install returns once it serves ($secs s)"
else
	not_ok "install the fourth host" "$(tail -n 8 "$T_TMP/install4.log")"
	exit 1
fi
leader=$(ha_leader)
ln=$(ha_node_of "$leader")
rep=$(ha_in "$ln" runuser -u postgres -- "$HA_PSQL" -XAtq -h /run/postgresql \
	-c "select count(*) from pg_stat_replication where client_addr = '10.10.10.13' and state = 'streaming'" 2>&1)
dd=$(ha_in 4 runuser -u postgres -- "$HA_PSQL" -XAtq -h /run/postgresql -c "SHOW data_directory" 2>&1)
if [ "$rep" = 1 ] && [ "$dd" = /var/lib/pgsql/15/data ]; then
	ok "pg-meta-4 streams from the leader $leader into $dd"
else
	not_ok "pg-meta-4 streams" "pg_stat_replication on $leader: $rep; data_directory: $dd"
fi
good=1
for i in 1 2 3; do
	cp "$HA_CONFIG" "$(ha_root "$i")/root/trio.yml"
	cp "$T_TMP/pki/credentials" "$T_TMP/pki/secrets" "$(ha_root "$i")/root/pki/"
	ha_install "$i" || { good=0; echo "# node $i: $(tail -n 3 "$T_TMP/install$i.log")"; }
	n=$(ha_in "$i" grep -c 'server pg-meta-4 ' /etc/haproxy/pgbundle.cfg)
	[ "$n" -ge 3 ] || { good=0; echo "# node $i: pg-meta-4 in $n HAProxy services"; }
done
[ "$good" = 1 ] && ok "nodes 1-3 run again with the grown config: HAProxy's services take pg-meta-4 in" ||
	not_ok "the others pick up the new member"
ha_wait_healthy 300 && ok "four members, one leader, three streaming replicas" ||
	not_ok "four healthy members" "$(ha_in 1 patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 7)"
