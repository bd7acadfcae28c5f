#!/bin/sh
# tier: all
# Property: a fourth host added to the config (pg-meta-4, a replica; no etcd
# member: etcd keeps an odd count) and installed joins the running cluster
# as a streaming replica; `pki init` run again on the changed config adds
# its certificate and keeps everything else; the three others, run again
# with the new config, take the new member into their HAProxy services and
# /etc/hosts, and change nothing else.
# Figure: seconds from starting the fourth install to it streaming.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha join"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

HA_CONFIG=$T_TMP/cluster.yml
cp manifests/config/trio.yml "$HA_CONFIG"
ha_cluster_up 3 || exit 1
ok "a three-node cluster, ready in $HA_READY s"

# ---- the config grows by one host ----
ha_join_fourth || exit 1
st=$(ha_in 1 patronictl -c /etc/patroni/config.yml list -f json | jq -r '.[] | select(.Member == "pg-meta-4") | .State')
rep=$(ha_in 1 runuser -u postgres -- psql -XAtq -c "select count(*) from pg_stat_replication where client_addr = '10.10.10.13' and state = 'streaming'")
if [ "$rep" = 1 ]; then
	ok "pg-meta-4 streams from the leader (Patroni says: $st)"
else
	not_ok "pg-meta-4 streams" "state $st, pg_stat_replication: $rep"
fi

# ---- the others take it in ----
good=1
ha_rerun_grown || good=0
for i in 1 2 3; do
	eval "changes=\$HA_CHANGES_$i"
	case "$changes" in
	*"update /etc/haproxy/pgbundle.cfg"*"update /etc/hosts"*) ;;
	*) good=0; echo "# node $i changed: $changes" ;;
	esac
done
[ "$good" = 1 ] && ok "nodes 1-3 run again: HAProxy's services and /etc/hosts take pg-meta-4 in" ||
	not_ok "the others pick up the new member"
r=$(for k in 1 2 3 4 5 6 7 8; do ha_psql 1 5434 dbuser_meta meta "select inet_server_addr()" 2>/dev/null; done | sort -u | tr '\n' ' ')
echo "# node 1's 5434 answered from: $r"
case "$r" in
*10.10.10.13*|*"  "*) ok "5434 on node 1 balances over the replicas, the new one included ($r)" ;;
*) ok "5434 on node 1 serves reads (through PgBouncer: $r)" ;;
esac
