#!/bin/sh
# tier: all
# Property: PostgreSQL on the leader killed (SIGKILL to the postmaster),
# Patroni alive: Patroni restarts it (crash recovery) or hands over, and
# writes through 5433 resume with no acknowledged commit lost (pg_rpo: 0).
# Five runs.
# Figures: RTO of each run (the kill to the first acknowledged write after
# it); target, worst run: under 10 s (default pg_rto, norm).
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha postgres killed"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ha_config norm
ha_cluster_up 3 || exit 1
ok "a three-node cluster, pg_rpo: 0, ready in $HA_READY s"
ha_wait_healthy 120 || { not_ok "the cluster is healthy before the first run"; exit 1; }

# The postmaster of node I, killed; Patroni (alive) mends it: nothing to do.
pg_kill() {
	HA_BROKE_AT=$(ha_in "$1" sh -c 'kill -KILL "$(head -n 1 /var/lib/postgresql/*/pg-meta/postmaster.pid)" && date +%s.%N')
}
pg_mended() { return 0; }
ha_outage_runs "${HA_RUNS:-5}" "PostgreSQL killed" pg_kill pg_mended
ha_summary "PostgreSQL killed on the leader, Patroni alive" 10
