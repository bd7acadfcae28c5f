#!/bin/sh
# tier: all
# Property: three air-gapped bookworm hosts on a bridge, the same d12 .run
# and manifests/config/trio.yml on each (certificates and secrets from one
# `pki init`), installed all at once, form one cluster: one leader, two
# streaming replicas; HAProxy on every node routes 5433 to the leader and
# 5434 to a replica; the VIP is on the leader; `status --json` agrees on
# every node; a second run on a node changes nothing.
# Figure: seconds from starting the three installs to the first write
# acknowledged through 5433 ("time to a ready cluster").
# readme: ./pgsql-d12-1.0.d12.amd64.run pki init pki --config trio.yml
# readme: ./pgsql-d12-1.0.d12.amd64.run install --yes --config trio.yml --pki pki --key pgbundle.asc
# readme: ./pgsql-d12-1.0.d12.amd64.run status
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha trio"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

HA_CONFIG=$T_TMP/cluster.yml
cp manifests/config/trio.yml "$HA_CONFIG"
ha_init 3 || { not_ok "build the d12 .run and the cluster's bridge"; exit 1; }
# The README's commands, run as written (ha_pki, ha_install and status below).
for c in "./$HA_RUNNAME pki init pki --config trio.yml" \
	 "./$HA_RUNNAME install --yes --config trio.yml --pki pki --key pgbundle.asc" \
	 "./$HA_RUNNAME status"; do
	t_readme_cmd "$c" || exit 1
done
ha_pki_boot 3 || exit 1
ok "three bookworm hosts boot on a bridge of their own (10.10.10.10-12), no other network"

# ---- all at once ----
t0=$(date +%s.%N)
for i in 1 2 3; do
	(ha_install "$i"; echo $? >"$T_TMP/installed$i") &
done
ready=$(ha_wait_write "$t0" 3)
wait
failed=""
for i in 1 2 3; do grep -q '^Done: ' "$T_TMP/install$i.log" || failed="$failed $i"; done
if [ -z "$failed" ] && [ -n "$ready" ]; then
	ok "the three installs run at once and each returns when its node serves"
	echo "# figure: time to a ready cluster (three nodes at once, first write through 5433): ${ready} s"
else
	for i in $failed; do echo "# node $i:"; tail -n 15 "$T_TMP/install$i.log" | sed 's/^/#   /'; done
	not_ok "three installs at once" "failed on node(s):$failed"
	exit 1
fi

# ---- one leader, two streaming replicas ----
list=$(ha_in 1 patronictl -c /etc/patroni/config.yml list -f json)
leaders=$(echo "$list" | jq '[.[] | select(.Role == "Leader")] | length')
streaming=$(echo "$list" | jq '[.[] | select(.Role != "Leader" and (.State == "streaming" or .State == "running"))] | length')
if [ "$leaders" = 1 ] && [ "$streaming" = 2 ] &&
   [ "$(echo "$list" | jq -r '.[] | select(.Role == "Leader") | .Member')" = pg-meta-1 ]; then
	ok "one leader (pg-meta-1, pg_role: primary), two replicas"
else
	not_ok "one leader, two replicas" "$list"
fi
rep=$(ha_in 1 runuser -u postgres -- psql -XAtq -c "select count(*) from pg_stat_replication where state = 'streaming'")
[ "$rep" = 2 ] && ok "the leader streams to both replicas" || not_ok "two streaming replicas" "pg_stat_replication: $rep"

# ---- HAProxy on every node ----
good=1
for i in 1 2 3; do
	w=$(ha_psql "$i" 5433 dbuser_meta meta "select pg_is_in_recovery()" 2>&1)
	r=$(ha_psql "$i" 5434 dbuser_meta meta "select pg_is_in_recovery()" 2>&1)
	d=$(ha_psql "$i" 5436 dbuser_meta meta "select inet_server_addr()" 2>&1)
	if [ "$w" != f ] || [ "$r" != t ] || [ "$d" != 10.10.10.10 ]; then
		good=0
		echo "# node $i: 5433 in recovery: $w; 5434: $r; 5436 server: $d"
	fi
done
[ "$good" = 1 ] && ok "on every node 5433 reaches the leader (PgBouncer), 5434 a replica, 5436 the leader's PostgreSQL" ||
	not_ok "HAProxy routes the services on every node"

# ---- the VIP ----
vip=$(for i in 1 2 3; do ip -n "$HA_NS-n$i" -4 addr show dev eth0 | grep -q ' 10.10.10.2/' && echo "$i"; done | tr '\n' ' ')
[ "$vip" = "1 " ] && ok "the VIP 10.10.10.2 is on the leader's host only" || not_ok "the VIP on the leader" "held by node(s): $vip"

# ---- status, as the README says, and --json ----
if ha_in 2 sh -c "cd /root && ./$HA_RUNNAME status" >"$T_TMP/status.txt" 2>&1 &&
   grep -q 'status: every module serves' "$T_TMP/status.txt"; then
	ok "status on a replica: every module serves ($(grep -c '^  ' "$T_TMP/status.txt") lines)"
else
	not_ok "status" "$(tail -n 5 "$T_TMP/status.txt")"
fi
ha_status_agrees pg-meta-1

# ---- again: nothing to change ----
ha_rerun_unchanged 2
