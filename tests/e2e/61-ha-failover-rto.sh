#!/bin/sh
# tier: all
# Property: failover under load.  A client on a surviving node writes
# through its 5433 in a loop, one commit per connection, logging each
# acknowledged commit; the leader's host is powered off (SIGKILL to its
# init, its NIC gone with it).  Patroni elects a new leader, HAProxy
# follows, writes resume; with pg_rpo: 0 (synchronous replication) not one
# acknowledged commit is missing on the new leader.  Five runs; after each
# the old leader's host comes back and its member rejoins as a replica
# (pg_rewind or reinit).  The VIP follows the leader.
# Figures: RTO of each run (power-off to the first acknowledged write
# after it) and RPO (acknowledged commits missing); targets, worst run:
# RTO < 30 s with the default pg_rto (norm), RPO 0.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha failover"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RTO=${HA_RTO:-norm}
ha_config "$RTO"
ha_cluster_up 3 || exit 1
ok "a three-node cluster, pg_rto: $RTO, pg_rpo: 0, ready in $HA_READY s"
ha_wait_healthy 120 || { not_ok "the cluster is healthy before the first run"; exit 1; }

ha_outage_runs "${HA_RUNS:-5}" "power-off" ha_poweroff ha_poweron
ha_summary "failover under load (leader's host powered off), pg_rto $RTO" "${HA_TARGET:-30}"
