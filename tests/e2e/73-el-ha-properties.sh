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
ha_first_two || exit 1
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
ha_join_fourth || exit 1
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
ha_rerun_grown || good=0
[ "$good" = 1 ] && ok "nodes 1-3 run again with the grown config: HAProxy's services take pg-meta-4 in" ||
	not_ok "the others pick up the new member"
ha_wait_healthy 300 && ok "four members, one leader, three streaming replicas" ||
	not_ok "four healthy members" "$(ha_in 1 patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 7)"
