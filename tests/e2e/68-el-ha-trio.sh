#!/bin/sh
# tier: all
# Property: what test 60 proves of three Debian hosts holds of three EL 9
# hosts, and of three EL 8 and of three EL 10 ones: the same
# manifests/config/trio.yml and one .run of the release on each
# (certificates and secrets from one `pki init`), installed all at once,
# form one cluster in PGDG's layout: one leader (pg-meta-1), two streaming
# replicas cloned into /var/lib/pgsql/15/data, a three-member etcd over TLS;
# HAProxy on every node routes 5433 to the leader (a write through each
# node's 5433), 5434 to a replica, 5436 to the leader's PostgreSQL; the VIP
# is on the leader only; `status --json` agrees on every node; a second run
# on a replica changes nothing.  Then one failover: the leader's host loses
# its power (ha_poweroff), a new leader takes the writes a surviving node
# sends through its own 5433, the VIP follows it, and the old leader, booted
# again, rejoins as a replica.  Then a planned switchover under writes (no
# acknowledged commit missing, the VIP follows) and the promoted leader's
# WAL archived at once (its stanza from Patroni's callback) and a full
# backup taken there.  Then pitr on the three nodes at once: to a time of
# the failover's leader, which the new leader's repository cannot reach,
# it fails and leaves the cluster as it was; to a time after the new
# leader's backup, it brings dropped rows back (test 69 on Debian).  Then a
# replica purged with `uninstall --purge` leaves both clusters (Patroni's
# and etcd's) and keeps nothing of pgbundle, and installed again it joins
# by itself (tests 65 and 66 on Debian).
# Figures: seconds from starting the three installs to the first write
# acknowledged through 5433 (time to a ready cluster), and the failover's
# RTO (from the SIGKILL to the first write acknowledged after it) and RPO,
# the switchover's pause, the cluster pitr's seconds.
#
# The hosts are test 49's (fixture_el.sh el_host_root: an air-gapped
# bookworm that says it is Rocky Linux 9, with Debian's rpm and dnf) on test
# 60's bridge (ha_cluster.sh); the bundle is an el9 manifest with postgres
# [15] and the EL manifests' modules, built from the fixture's packages of
# real programs (tests/fixtures/el_pgdg_real.py).  The VIP needs no
# package: Patroni's callback is the installer's own stub (installer/vip.c),
# on EL as on Debian.
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "EL ha trio"

# Each release in turn (EL_TRIO_RELEASES, default 9 8 10), each a run of
# this test of its own (EL_TRIO_R), its lines marked with the release.
if [ -z "${EL_TRIO_R:-}" ]; then
	st=0
	for r in ${EL_TRIO_RELEASES:-9 8 10}; do
		{ EL_TRIO_R=$r sh "$0"; echo "$?" >"/tmp/pgb-el-trio.$$.rc"; } |
			sed "/el$r: /!s/^\(\(not \)\{0,1\}ok - \|# figure: \)/&el$r: /"
		[ "$(cat "/tmp/pgb-el-trio.$$.rc")" = 0 ] || st=1
		rm -f "/tmp/pgb-el-trio.$$.rc"
	done
	exit "$st"
fi
t_tmpdir

el_booted_prelude
trap 'ha_cleanup' EXIT

R=${EL_TRIO_R:-9}
# Not $T_TMP/trio.yml: ha_pki copies HA_CONFIG there.
HA_CONFIG=$T_TMP/trio.yml.src
cp manifests/config/trio.yml "$HA_CONFIG"
# The modules and upstreams of manifests/elR.yml.
EL_REAL_UPSTREAMS=$(sed -n 's/^upstreams: //p' "manifests/el$R.yml")
el_real_build trio "[]" "$(sed -n 's/^modules: //p' manifests/el$R.yml)" trio.yml.src \
	"a bundle of PostgreSQL 15, PgBouncer, Patroni, etcd, HAProxy and pgBackRest" || exit 1

# The EL layout on ha_cluster.sh's nodes: one EL-layout root made once and
# copied for each node.
HA_RUN=$RUN KEYDIR=$T_TMP/keys
HA_PATRONI_CONF=/etc/patroni/patroni.yml HA_PSQL=/usr/pgsql-15/bin/psql
el_trio_root() {
	[ -d "$T_TMP/elroot" ] || el_host_root "$T_TMP/elroot" "$R" || return 1
	cp -a "$T_TMP/elroot" "$1"
}
HA_MKROOT=el_trio_root
ha_init 3 || { not_ok "the cluster's bridge"; exit 1; }
ha_pki_boot 3 || exit 1
ok "three hosts that are EL $R to the installer boot on a bridge of their own (10.10.10.10-12), no other network"

# ---- all at once ----
ha_install_all 3 || exit 1
if [ -n "$HA_READY" ]; then
	ok "the three installs run at once through dnf and each returns when its node serves"
	echo "# figure: time to a ready EL cluster (three nodes at once, first write through 5433): ${HA_READY} s"
else
	not_ok "a write through node 1's 5433 while the installs ran"
	exit 1
fi

# ---- one leader, two streaming replicas, in PGDG's layout ----
list=$(ha_in 1 patronictl -c "$HA_PATRONI_CONF" list -f json)
if echo "$list" | jq -e '([.[] | select(.Role == "Leader")] | length) == 1 and
     ([.[] | select(.Role != "Leader" and (.State == "streaming" or .State == "running"))] | length) == 2 and
     ([.[] | select(.Role == "Leader")][0].Member == "pg-meta-1")' >/dev/null 2>&1; then
	ok "one leader (pg-meta-1, pg_role: primary), two replicas"
else
	not_ok "one leader, two replicas" "$list"
fi
pgq() { ha_in "$1" runuser -u postgres -- "$HA_PSQL" -XAtq -h /run/postgresql -c "$2" 2>&1; }
rep=$(pgq 1 "select count(*) from pg_stat_replication where state = 'streaming'")
[ "$rep" = 2 ] && ok "the leader streams to both replicas" || not_ok "two streaming replicas" "pg_stat_replication: $rep"
good=1
for i in 1 2 3; do
	dd=$(pgq "$i" "SHOW data_directory")
	units="$(ha_in "$i" systemctl is-active patroni 2>&1) $(ha_in "$i" systemctl is-enabled postgresql-15 2>&1)"
	members=$(ha_in "$i" env ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt \
		--cert=/etc/etcd/pki/node.crt --key=/etc/etcd/pki/node.key --dial-timeout=3s member list 2>&1 | grep -c ', started, ')
	if [ "$dd" != /var/lib/pgsql/15/data ] || [ "$units" != "active disabled" ] || [ "$members" != 3 ] ||
	   ha_in "$i" test -e /etc/patroni/config.yml; then
		good=0
		echo "# node $i: data_directory $dd; patroni, postgresql-15: $units; etcd members started: $members"
	fi
done
[ "$good" = 1 ] && ok "on every node PGDG's patroni.service runs PostgreSQL on /var/lib/pgsql/15/data (postgresql-15 disabled), etcd has three members started" ||
	not_ok "PGDG's layout and a three-member etcd on every node"

# routes ADDR READ: on every node that runs, 5433 takes a write on the
# leader (through PgBouncer), 5434 answers a read on a server whose
# pg_is_in_recovery() matches READ (t: a replica), 5436 reaches the
# leader's PostgreSQL at ADDR; one "# node" line for each that does not.
routes() {
	rt_good=0
	for i in 1 2 3; do
		ha_in "$i" true 2>/dev/null || continue
		w=$(ha_psql "$i" 5433 dbuser_meta meta "insert into app.trio values ($i) returning pg_is_in_recovery()" 2>&1)
		r=$(ha_psql "$i" 5434 dbuser_meta meta "select pg_is_in_recovery()" 2>&1)
		d=$(ha_psql "$i" 5436 dbuser_meta meta "select inet_server_addr()" 2>&1)
		r_bad=1
		# shellcheck disable=SC2254
		case $r in $2) r_bad=0 ;; esac
		if [ "$w" != f ] || [ "$r_bad" = 1 ] || [ "$d" != "$1" ]; then
			rt_good=1
			echo "# node $i: 5433 write in recovery: $w; 5434: $r; 5436 server: $d"
		fi
	done
	return $rt_good
}
ha_psql 1 5433 dbuser_meta meta "create table app.trio (node int)" >/dev/null 2>&1
routes 10.10.10.10 t && ok "on every node a write through 5433 reaches the leader (PgBouncer), 5434 a replica, 5436 the leader's PostgreSQL" ||
	not_ok "HAProxy routes the services on every node"

vip=$(for i in 1 2 3; do [ "$(ha_vip_on "$i")" = 1 ] && echo "$i"; done | tr '\n' ' ')
[ "$vip" = "1 " ] && ok "the VIP 10.10.10.2 is on the leader's host only" || not_ok "the VIP on the leader" "held by node(s): $vip"

ha_status_agrees pg-meta-1
ha_rerun_unchanged 2

# ---- one failover: the leader's host powered off ----
# 5434's members are picked from the config as Pigsty does (pg_role: the
# configured primary is its backup), so once pg-meta-2 (a configured
# replica) leads, 5434 may answer from the leader too: it is checked for a
# read, not for a replica.
# ha_outage_runs: writes through a surviving node's 5433 the whole time;
# its ok says the VIP followed the new leader and the old one serves again.
HA_RUNS=1
ha_outage_runs 1 "power-off" ha_poweroff ha_poweron
newl=$(ha_leader)
if [ -n "$newl" ] && [ "$newl" != pg-meta-1 ] &&
   routes "10.10.10.$((9 + $(ha_node_of "$newl")))" '[tf]'; then
	ok "after the failover every node's 5433 takes writes on the new leader $newl, 5436 reaches it, 5434 answers reads"
else
	not_ok "the services follow the new leader" "leader: ${newl:-none}"
fi

# ---- a planned switchover under writes, and the promoted leader's WAL ----
# As test 64 does on Debian (once here): writes through the old leader's
# 5433 while `patronictl switchover` hands over to a replica; the pause is
# printed, no acknowledged commit may be missing, the VIP follows, and the
# new leader archives its WAL at once (its pgBackRest stanza made by
# Patroni's callback, pgbrlead.c, as on Debian).
if ha_wait_healthy 180 && leader=$(ha_leader); then
	ln=$(ha_node_of "$leader") cand=""
	for i in 1 2 3; do [ "$i" != "$ln" ] && [ -z "$cand" ] && cand=$i; done
	# A time while the failover's leader led: in its repository only.
	T_OTHER=$(ha_psql "$ln" 5433 dbuser_meta meta "select now()")
	ha_load_start "$ln" 1000000
	sleep 5
	t0=$(date +%s.%N)
	T_SWITCH=$(date +%s)
	ha_in "$ln" patronictl -c "$HA_PATRONI_CONF" switchover pg-meta --leader "$leader" \
		--candidate "pg-meta-$cand" --force >"$T_TMP/switch.log" 2>&1 ||
	ha_in "$ln" patronictl -c "$HA_PATRONI_CONF" switchover pg-meta --master "$leader" \
		--candidate "pg-meta-$cand" --force >"$T_TMP/switch.log" 2>&1
	sleep 8
	ha_load_stop "$ln"
	pause=$(awk -v a="$t0" 'NR > 1 && $2 > a - 1 { g = $2 - p; if (g > m) m = g } { p = $2 } END { printf "%.2f", m }' "$T_TMP/acked")
	newl=$(ha_leader) nn=""
	[ -n "$newl" ] && nn=$(ha_node_of "$newl")
	miss=$( [ -n "$nn" ] && ha_lost "$nn")
	vip=$( [ -n "$nn" ] && ha_vip_on "$nn")
	echo "# figure: switchover $leader -> ${newl:-none}: writes paused $pause s, ${miss:-?} acknowledged commits missing, VIP on the new leader: ${vip:-0}; load average $(cut -d' ' -f1 /proc/loadavg)"
	if grep -q 'Successfully switched over' "$T_TMP/switch.log" && [ "$newl" = "pg-meta-$cand" ] &&
	   [ "$vip" = 1 ] && [ "$miss" = 0 ]; then
		ok "patronictl switchover hands over to pg-meta-$cand under writes: the VIP followed, no acknowledged commit missing (pause $pause s)"
	else
		not_ok "a planned switchover" "leader ${newl:-none}, VIP there: ${vip:-0}, missing ${miss:-?}; $(tail -n 3 "$T_TMP/switch.log")"
	fi
	if [ -n "$nn" ]; then
		if ha_wal_archived "$nn"; then
			ok "the promoted leader $newl archives its WAL at once ($HA_SEG archived): its stanza came from Patroni's callback"
		else
			not_ok "the promoted leader archives its WAL" "switched $HA_SEG, last archived $HA_ARCHIVED"
		fi
	fi
else
	not_ok "a healthy cluster with a leader before the switchover"
fi

# ---- pitr on the cluster: the three nodes at once (test 69 on Debian) ----
# Each node has a repository of its own (/pg/backup): after the switchover
# the new leader's repository lacks the WAL and timeline history of the
# time the failover's leader led, so the promotion's callback takes a full
# backup there (pgbrlead.c).  First a time of that other leader's: the
# restore cannot reach it, and the cluster must come back as it was.  Then
# a time after the new leader's backup: the dropped rows come back.
pitr_all() {
	for i in 1 2 3; do
		ha_run "$i" pitr --time "$1" >"$T_TMP/pitr$i.log" 2>&1 &
	done
	wait
}
if ha_wait_healthy 180 && leader=$(ha_leader); then
	ln=$(ha_node_of "$leader")
	end=$(($(date +%s) + 300)) newest=0
	while [ "$newest" -le "${T_SWITCH:-0}" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 3
		newest=$(ha_in "$ln" runuser -u postgres -- pgbackrest --stanza=pg-meta --output=json info 2>/dev/null |
			jq '[.[0].backup[] | select(.error | not) | .timestamp.stop] | max // 0' 2>/dev/null)
		newest=${newest:-0}
	done
	if [ "$newest" -gt "${T_SWITCH:-0}" ]; then
		ok "the promoted leader $leader took a full backup of its own after the switchover ($((newest - T_SWITCH)) s after it)"
	else
		not_ok "a backup on the promoted leader" "$(ha_in "$ln" runuser -u postgres -- pgbackrest --stanza=pg-meta info 2>&1 | tail -n 8)"
	fi
	before=$(ha_psql "$ln" 5433 dbuser_meta meta "select count(*) from app.trio" 2>&1)
	pitr_all "$T_OTHER"
	healthy=0
	ha_wait_healthy 300 && healthy=1
	after=$(ha_psql "$ln" 5433 dbuser_meta meta "select count(*) from app.trio" 2>&1)
	if grep -q 'stopped before its recovery reached' "$T_TMP/pitr$ln.log" &&
	   grep -q 'The data as it was is back' "$T_TMP/pitr$ln.log" &&
	   [ "$healthy" = 1 ] && [ "$(ha_leader)" = "$leader" ] && [ "$after" = "$before" ]; then
		ok "pitr to a time of the failover's leader ($T_OTHER) is refused without loss: $leader put its data back, the cluster serves as before ($after rows)"
	else
		for i in 1 2 3; do echo "# node $i:"; grep -v '^    |' "$T_TMP/pitr$i.log" | tail -n 6 | sed 's/^/#   /'; done
		not_ok "a pitr the repository cannot reach leaves the cluster as it was" "healthy: $healthy; leader: $(ha_leader); rows $before -> $after"
	fi
	ha_psql "$ln" 5433 dbuser_meta meta "create table app.pitr_probe as select generate_series(1, 1000) as i" >/dev/null
	T=$(ha_psql "$ln" 5433 dbuser_meta meta "select now()")
	sleep 2
	ha_psql "$ln" 5433 dbuser_meta meta "drop table app.pitr_probe" >/dev/null
	t0=$(date +%s)
	pitr_all "$T"
	t1=$(date +%s)
	failed=""
	for i in 1 2 3; do grep -q '^Done: ' "$T_TMP/pitr$i.log" || failed="$failed $i"; done
	if [ -z "$failed" ]; then
		ok "pitr --time '$T' on the three EL nodes at once"
		echo "# figure: pitr of three EL nodes at once: $((t1 - t0)) s"
	else
		for i in $failed; do echo "# node $i:"; grep -v '^    |' "$T_TMP/pitr$i.log" | tail -n 12 | sed 's/^/#   /'; done
		not_ok "pitr on every EL node" "failed on node(s):$failed"
	fi
	healthy=0
	ha_wait_healthy 300 && healthy=1
	rows=$(ha_psql "$ln" 5433 dbuser_meta meta "select count(*) from app.pitr_probe" 2>&1)
	if [ "$healthy" = 1 ] && [ "$rows" = 1000 ]; then
		ok "the 1000 dropped rows are back, the cluster has a leader and two streaming replicas again ($(($(date +%s) - t0)) s after the start)"
	else
		not_ok "rows back and the cluster healthy" "rows: $rows; $(ha_in 1 patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 6)"
	fi
else
	not_ok "a healthy cluster with a leader before pitr"
fi

# ---- purge one replica, then install it again: it joins by itself ----
# (tests 65 and 66 on Debian.)  The purged node loses its Patroni member,
# its etcd member (removed from the etcd cluster), the stack's packages and
# its data; installed again, etcd adds the member back and Patroni clones
# a replica into /var/lib/pgsql/15/data.
if leader=$(ha_leader); then
	ln=$(ha_node_of "$leader")
	victim=3
	[ "$victim" = "$ln" ] && victim=2
	other=$((6 - ln - victim))
	if ha_run "$victim" uninstall --purge >"$T_TMP/purge.log" 2>&1; then
		ok "uninstall --purge on the replica pg-meta-$victim ($(grep -c '^    + ' "$T_TMP/purge.log") changes)"
		left=$(ha_in "$victim" sh -c 'ls -d /var/lib/pgsql/15/data /etc/patroni/patroni.yml /etc/pgbundle /data/etcd \
			/etc/haproxy/pgbundle.cfg /etc/yum.repos.d/pgbundle.repo /pg/backup 2>/dev/null
			systemctl is-active patroni etcd haproxy pgbouncer 2>/dev/null | grep -x active
			rpm -qa "postgresql15*" patroni etcd haproxy pgbouncer pgbackrest')
		[ -z "$left" ] && ok "nothing of pgbundle is left on pg-meta-$victim: no data, config, package or running service" ||
			not_ok "nothing left on the purged EL node" "$(echo "$left" | tr '\n' ' ')"
		members=$(ha_in "$ln" patronictl -c "$HA_PATRONI_CONF" list -f json | jq -r '.[].Member' | sort | tr '\n' ' ')
		etcd=$(ha_in "$ln" env ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt \
			--cert=/etc/etcd/pki/node.crt --key=/etc/etcd/pki/node.key member list 2>&1 | grep -c ', started, ')
		w=$(ha_psql "$other" 5433 dbuser_meta meta "select 1" 2>&1)
		expect=$(printf 'pg-meta-%s\npg-meta-%s\n' "$ln" "$other" | sort | tr '\n' ' ')
		if [ "$members" = "$expect" ] && [ "$etcd" = 2 ] && [ "$w" = 1 ]; then
			ok "two Patroni members and two etcd members remain, writes through pg-meta-$other's 5433 go on"
		else
			not_ok "the purged member left both clusters" "Patroni: $members; etcd started: $etcd; write: $w"
		fi
		if ha_install "$victim"; then
			grep -q "add etcd-$victim to etcd cluster etcd" "$T_TMP/install$victim.log" &&
				ok "installed again, pg-meta-$victim's etcd member was added back by itself" ||
				not_ok "etcd member added back" "$(grep -i etcd "$T_TMP/install$victim.log" | head -n 5)"
			dd=$(pgq "$victim" "SHOW data_directory")
			if ha_wait_healthy 300 && [ "$dd" = /var/lib/pgsql/15/data ]; then
				ok "three members again, one leader; pg-meta-$victim streams from $dd"
			else
				not_ok "the cluster heals with the rejoined EL node" "data_directory: $dd; $(ha_in "$ln" patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 6)"
			fi
		else
			not_ok "install pg-meta-$victim again" "$(tail -n 8 "$T_TMP/install$victim.log")"
		fi
	else
		not_ok "uninstall --purge on pg-meta-$victim" "$(tail -n 6 "$T_TMP/purge.log")"
	fi
else
	not_ok "a leader before the purge"
fi
