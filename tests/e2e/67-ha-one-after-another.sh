#!/bin/sh
# tier: all
# Property: the nodes can be installed one after the other, each started
# once the one before says what it waits for: node 1 waits for etcd's
# quorum and says which members are missing; node 2 brings the quorum, and
# both go on (node 1 initializes the cluster, node 2 clones from it); node
# 3 joins the running cluster.  Every install returns once its node serves.
# On the way: etcd keeps its cluster version at 3.0 while a member of the
# initial cluster has never started, which Patroni cannot use with etcd 3.4
# (installer/etcd.c): nodes 1 and 2 wait for etcd-3, then remove it from the
# member list, and node 3 joins with `etcdctl member add`.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha one after another"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

HA_CONFIG=$T_TMP/cluster.yml
cp manifests/config/trio.yml "$HA_CONFIG"
ha_init 3 || { not_ok "build the d12 .run and the cluster's bridge"; exit 1; }
ha_pki || { not_ok "pki init" "$(tail -n 3 "$T_TMP/pki.log")"; exit 1; }
for i in 1 2 3; do ha_boot "$i" || { not_ok "boot node $i"; exit 1; }; done

ha_first_two || exit 1
if grep -q 'remove etcd-3 (10.10.10.12) from etcd cluster etcd: never started' \
	"$T_TMP/install1.log" "$T_TMP/install2.log"; then
	ok "nodes 1 and 2 waited for etcd-3, then removed it from the member list"
else
	not_ok "etcd-3, never started, is removed" "$(grep -h 'etcd' "$T_TMP/install1.log" "$T_TMP/install2.log" | tail -n 6)"
fi
grep -q 'waiting for the leader\|waiting for pg-meta-2 to' "$T_TMP/install2.log" &&
	ok "node 2 said what it waited for: $(grep -o 'waiting for [^(]*' "$T_TMP/install2.log" | sort -u | head -n 2 | tr '\n' ';')" ||
	ok "node 2 did not have to wait for its leader"
if ha_install 3; then
	ok "node 3, installed last, joins the running cluster"
	grep -q 'add etcd-3 to etcd cluster etcd' "$T_TMP/install3.log" &&
		ok "node 3's etcd joined with member add" ||
		not_ok "node 3's etcd joined with member add" "$(grep 'etcd' "$T_TMP/install3.log" | tail -n 4)"
else
	not_ok "node 3 joins" "$(tail -n 6 "$T_TMP/install3.log")"
fi
ha_wait_healthy 300 && ok "three members, one leader (pg-meta-1), all serving" ||
	not_ok "the cluster is whole"
