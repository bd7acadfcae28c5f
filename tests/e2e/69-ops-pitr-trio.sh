#!/bin/sh
# tier: all
# Point-in-time restore of a three-node cluster (trio.yml, the d12 .run, the
# harness of tests/e2e/ha_cluster.sh): the first full backup is on the
# leader, encrypted; rows inserted through 5433, the time noted, the table
# dropped; `pitr --time` run on the three nodes at once brings the rows
# back, and the cluster has a leader and two streaming replicas again.
# Figures: the time of the whole restore (the three commands at once) and
# until the cluster is healthy again.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "pitr trio"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The d12 bundle: it carries pgBackRest, so trio.yml's nodes run it.
HA_MANIFEST=d12
HA_CONFIG=$T_TMP/cluster.yml
cp manifests/config/trio.yml "$HA_CONFIG"
ha_cluster_up 3 || exit 1
if ha_wait_healthy 300; then
	ok "three nodes: one leader, two streaming replicas (ready in ${HA_READY:-?} s)"
else
	not_ok "a healthy cluster" "$(ha_in 1 patronictl -c /etc/patroni/config.yml list 2>&1 | tail -n 6)"
	exit 1
fi
leader=$(ha_leader)
li=$(ha_node_of "$leader")
st=$(ha_run "$li" status --json 2>/dev/null)
if echo "$st" | jq -e '.pgbackrest.ok and .pgbackrest.encrypted and .pgbackrest.backups >= 1' >/dev/null; then
	ok "the leader ($leader) holds an encrypted full backup; the replicas left the repository alone"
else
	not_ok "the first backup on the leader" "$(echo "$st" | jq -c .pgbackrest 2>&1 | head -c 500)"
fi

ha_psql 1 5433 dbuser_meta meta "create table app.pitr_probe as select generate_series(1, 1000) as i" >/dev/null
T=$(ha_psql 1 5433 dbuser_meta meta "select now()")
sleep 2
ha_psql 1 5433 dbuser_meta meta "drop table app.pitr_probe" >/dev/null
t0=$(date +%s)
for i in 1 2 3; do
	ha_run "$i" pitr --time "$T" >"$T_TMP/pitr$i.log" 2>&1 &
done
wait
t1=$(date +%s)
failed=""
for i in 1 2 3; do grep -q '^Done: ' "$T_TMP/pitr$i.log" || failed="$failed $i"; done
if [ -z "$failed" ]; then
	ok "pitr --time '$T' on the three nodes at once"
	echo "# figure: pitr of three nodes at once: $((t1 - t0)) s"
else
	for i in $failed; do echo "# node $i:"; tail -n 12 "$T_TMP/pitr$i.log" | sed 's/^/#   /'; done
	not_ok "pitr on every node" "failed on node(s):$failed"
fi
rows=$(ha_psql 1 5433 dbuser_meta meta "select count(*) from app.pitr_probe" 2>&1)
if ha_wait_healthy 300 && [ "$rows" = 1000 ]; then
	ok "the 1000 dropped rows are back, and the cluster has a leader and two streaming replicas again ($(($(date +%s) - t0)) s after the start)"
else
	not_ok "rows back and the cluster healthy" "rows: $rows; $(ha_in 1 patronictl -c /etc/patroni/config.yml list 2>&1 | tail -n 6)"
fi
