#!/bin/sh
# tier: all
# Property: `uninstall --purge` on one node of the running cluster (a
# replica that is also an etcd member) takes it out cleanly: its Patroni
# member leaves, its etcd member is removed from the etcd cluster, nothing
# of pgbundle is left on it, and the two others keep serving writes through
# 5433 with etcd healthy.  Installed again, it comes back by itself: etcd
# adds the member again, Patroni clones a replica.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha purge one node"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ha_config norm
ha_cluster_up 3 || exit 1
ok "a three-node cluster, ready in $HA_READY s"
leader=$(ha_leader)
ln=$(ha_node_of "$leader")
victim=3
[ "$victim" = "$ln" ] && victim=2
other=$((6 - ln - victim))

if ha_run "$victim" uninstall --purge >"$T_TMP/purge.log" 2>&1; then
	ok "uninstall --purge on pg-meta-$victim ($(grep -c '^    + ' "$T_TMP/purge.log") changes)"
else
	not_ok "uninstall --purge on pg-meta-$victim" "$(tail -n 6 "$T_TMP/purge.log")"
	exit 1
fi
left=$(ha_in "$victim" sh -c 'ls -d /etc/patroni /etc/pgbundle /data/etcd /var/lib/postgresql /usr/lib/pgbundle /etc/haproxy/pgbundle.cfg 2>/dev/null; systemctl is-active patroni etcd haproxy 2>/dev/null | grep -x active')
[ -z "$left" ] && ok "nothing of pgbundle is left on pg-meta-$victim, no service runs" ||
	not_ok "nothing left on the purged node" "$left"
members=$(ha_in "$ln" patronictl -c /etc/patroni/config.yml list -f json | jq -r '.[].Member' | sort | tr '\n' ' ')
etcd=$(ha_in "$ln" sh -c 'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/node.crt --key=/etc/etcd/pki/node.key member list' | wc -l)
w=$(ha_psql "$other" 5433 dbuser_meta meta "select 1" 2>&1)
if [ "$members" = "pg-meta-$ln pg-meta-$other " ] || [ "$members" = "pg-meta-$other pg-meta-$ln " ]; then
	ok "Patroni: the cluster has two members left ($members)"
else
	not_ok "the purged member left Patroni's cluster" "members: $members"
fi
[ "$etcd" = 2 ] && ok "etcd: the purged member was removed, two remain" || not_ok "etcd member removed" "$etcd members"
[ "$w" = 1 ] && ok "writes through 5433 on pg-meta-$other still work" || not_ok "writes go on" "$w"

# ---- back again ----
if ha_install "$victim"; then
	ok "installed again, pg-meta-$victim rejoins"
else
	not_ok "install pg-meta-$victim again" "$(tail -n 8 "$T_TMP/install$victim.log")"
	exit 1
fi
grep -q "add etcd-$victim to etcd cluster etcd" "$T_TMP/install$victim.log" &&
	ok "its etcd member was added back (etcdctl member add, by itself)" ||
	not_ok "etcd member added back" "$(grep -i etcd "$T_TMP/install$victim.log" | head -n 5)"
ha_wait_healthy 300 && ok "three members again, one leader, the rejoined one streams" ||
	not_ok "the cluster heals with the rejoined node"
