# tests/e2e/ha_cluster.sh - air-gapped clusters for the HA tests (sourced;
# no tier line: it is a library).  Source tests/lib.sh and
# tests/e2e/install_target.sh first; needs root.
#
# The network: a namespace the test creates (HA_NS-br) holds a bridge; each
# node gets its own namespace (HA_NS-nI) with one end of a veth pair named
# eth0 and the address 10.10.10.(9+I)/24 (trio.yml's), the other end on the
# bridge.  A node is a ci/airgap booted container started in its namespace
# (boot.sh start --netns).  Nothing touches the host's own interfaces, and
# every name carries the test's PID.
#
#   ha_init N              names, the .run (install_build $HA_MANIFEST, default
#                          d12; or $HA_RUN) and the bridge
#   ha_net_up I            node I's namespace, veth and address
#   ha_boot I              a fresh bookworm rootfs for node I, booted (the .run,
#                          its publisher's key, the config and the pki dir
#                          copied in)
#   ha_in I CMD...         run CMD in node I
#   ha_install I [ARGS]    the .run's install in node I, output in $T_TMP/installI.log
#   ha_pki_boot N          ha_pki, then N nodes booted (ok / not ok lines)
#   ha_install_all N       the N installs at once; HA_READY (time to a write through 5433)
#   ha_status_agrees L     status --json on every node names leader L (ok / not ok)
#   ha_rerun_unchanged I   installing node I again changes nothing (ok / not ok)
#   ha_poweroff I          pull the plug: SIGKILL to its init, and its NIC goes
#                          (the veth is deleted with every address on it);
#                          HA_BROKE_AT: the time of the SIGKILL
#   ha_poweron I           NIC back, container booted again from the same disk
#   ha_leader              the member name of the leader, from any live node
#   ha_cleanup             every container and namespace of this test
#
# HA_CONFIG is the config the nodes install (default: trio.yml with the
# test's changes in $T_TMP/cluster.yml).
#
# Another kind of host (the EL-layout hosts of tests/e2e/68) sets, before
# ha_init: HA_RUN and KEYDIR (its .run and publisher's key), HA_MKROOT (a
# command "HA_MKROOT ROOT I" that makes node I's root instead of a plain
# bookworm with systemd), HA_PATRONI_CONF (Patroni's config file on the
# nodes, default Debian's) and HA_PSQL (psql on the nodes, default psql).
HA_PATRONI_CONF=${HA_PATRONI_CONF:-/etc/patroni/config.yml}
HA_PSQL=${HA_PSQL:-psql}

HA_NS=pgbha$$
HA_NET=10.10.10

ha_addr() { echo "$HA_NET.$((9 + $1))"; }
ha_name() { echo "pgb-ha$$-n$1"; }
ha_root() { echo "$T_TMP/root$1"; }

ha_init() {
	HA_N=$1
	# HA_RUN: a .run of the test's own (an older bundle, to upgrade later)
	if [ -n "${HA_RUN:-}" ]; then RUN=$HA_RUN; else install_build "${HA_MANIFEST:-d12}" || return 1; fi
	HA_RUNNAME=$(basename "$RUN")
	ip netns add "$HA_NS-br" || return 1
	ip -n "$HA_NS-br" link add br0 type bridge || return 1
	ip -n "$HA_NS-br" link set br0 up
	ip -n "$HA_NS-br" link set lo up
}

ha_net_up() {
	ns=$HA_NS-n$1
	[ -e "/run/netns/$ns" ] || ip netns add "$ns" || return 1
	ip -n "$HA_NS-br" link add "v$1" type veth peer name eth0 netns "$ns" || return 1
	ip -n "$HA_NS-br" link set "v$1" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$(ha_addr "$1")/24" dev eth0
	ip -n "$ns" link set eth0 up
}

# ha_mkroot ROOT I: node I's root, a bookworm with systemd (HA_MKROOT's default).
ha_mkroot() { sh "$TOP/ci/airgap/rootfs.sh" bookworm "$1" --with-systemd; }

ha_boot() {
	root=$(ha_root "$1")
	if [ ! -d "$root" ]; then
		("${HA_MKROOT:-ha_mkroot}" "$root" "$1") >"$T_TMP/rootfs$1.log" 2>&1 || return 1
		cp "$RUN" "$root/root/$HA_RUNNAME"
		install_key "$root"
		cp "$HA_CONFIG" "$root/root/trio.yml"
		[ -d "$T_TMP/pki" ] && mkdir -p "$root/root/pki" &&
			(cd "$T_TMP/pki" && tar cf - --exclude=ca.key .) | (cd "$root/root/pki" && tar xf -)
	fi
	[ -e "/run/netns/$HA_NS-n$1" ] || ha_net_up "$1" || return 1
	sh "$TOP/ci/airgap/boot.sh" start "$root" "$(ha_name "$1")" --netns "/run/netns/$HA_NS-n$1" \
		2>"$T_TMP/boot$1.log"
}

ha_in() {
	i=$1
	shift
	sh "$TOP/ci/airgap/boot.sh" exec "$(ha_name "$i")" "$@"
}

# The README's command, typed in /root where the .run, the publisher's key
# (pgbundle.asc), trio.yml and pki/ lie.
ha_install() {
	i=$1
	shift
	ha_in "$i" sh -c "cd /root && ./$HA_RUNNAME install --yes --config trio.yml --pki pki --key pgbundle.asc $*" \
		>"$T_TMP/install$i.log" 2>&1
}

# The .run of node I, for other commands: ha_run I ARGS...
ha_run() {
	i=$1
	shift
	ha_in "$i" "/root/$HA_RUNNAME" "$@"
}

ha_poweroff() {
	HA_BROKE_AT=$(sh "$TOP/ci/airgap/boot.sh" kill "$(ha_name "$1")" 2>/dev/null)
	ip -n "$HA_NS-br" link del "v$1" 2>/dev/null
	return 0
}

ha_poweron() {
	ha_net_up "$1" && ha_boot "$1"
}

# psql inside node I over TCP: ha_psql I PORT USER DB SQL (password from the pki dir).
ha_psql() {
	pw=$(awk -F: -v u="$3" '$4 == u { print $5 }' "$T_TMP/pki/credentials")
	ha_in "$1" env PGPASSWORD="$pw" PGCONNECT_TIMEOUT=3 "$HA_PSQL" -XAtq \
		"host=127.0.0.1 port=$2 user=$3 dbname=$4" -c "$5"
}

# The leader's member name, asked of the first node that answers.
ha_leader() {
	for i in $(seq 1 "$HA_N"); do
		l=$(ha_in "$i" patronictl -c "$HA_PATRONI_CONF" list -f json 2>/dev/null |
			jq -r '.[] | select(.Role == "Leader") | .Member' 2>/dev/null)
		[ -n "$l" ] && { echo "$l"; return 0; }
	done
	return 1
}

# The node number of a member name (pg-meta-2 -> 2).
ha_node_of() { echo "${1##*-}"; }

ha_cleanup() {
	if [ -n "${HA_KEEP:-}" ]; then
		echo "# HA_KEEP: containers $(ha_name 1)... and namespaces $HA_NS-* left for inspection in $T_TMP"
		return 0
	fi
	for i in $(seq 1 "${HA_N:-0}"); do
		sh "$TOP/ci/airgap/boot.sh" stop "$(ha_name "$i")" >/dev/null 2>&1
		ip netns del "$HA_NS-n$i" 2>/dev/null
	done
	ip netns del "$HA_NS-br" 2>/dev/null
	t_cleanup
}

# ha_pki: the README's `pki init` for HA_CONFIG (as trio.yml) into $T_TMP/pki,
# run where the .run lies (any machine will do: here, the test host).
ha_pki() {
	cp "$HA_CONFIG" "$T_TMP/trio.yml"
	ln -sf "$RUN" "$T_TMP/$HA_RUNNAME"
	(cd "$T_TMP" && "./$HA_RUNNAME" pki init pki --config trio.yml) >"$T_TMP/pki.log" 2>&1
}

# ha_pki_boot N: ha_pki (ok, or not ok and 1), then the N nodes booted (not
# ok naming the node that did not boot, and 1).
ha_pki_boot() {
	if ha_pki; then
		ok "pki init: a CA, three certificates and the cluster's secrets ($(sed -n 1p "$T_TMP/pki.log" | cut -c1-100))"
	else
		not_ok "pki init" "$(tail -n 3 "$T_TMP/pki.log")"
		return 1
	fi
	for i in $(seq 1 "$1"); do
		ha_boot "$i" || { not_ok "boot node $i" "$(cat "$T_TMP/boot$i.log" "$T_TMP/rootfs$i.log" 2>/dev/null | tail -n 3)"; return 1; }
	done
}

# ha_cluster_up N: pki init, N hosts booted, installed all at once; fails
# (not_ok) naming the node.  Sets HA_READY: seconds to the first write
# through 5433 of node 1.  A cluster installed once from the same .run and
# config is kept as an image ($BDIR/e2e-cache/ha-KEY: the rootfs of each
# node after a clean shutdown, and the pki dir), so the next test that asks
# for it boots it (with HA_READY from then) instead of installing again;
# HA_FRESH=1 always installs.
ha_cluster_up() {
	ha_init "$1" || { not_ok "build the d12 .run and the cluster's bridge"; return 1; }
	hc_key=$( (cat "$RUN" "$HA_CONFIG"; echo "$1") | sha256sum | cut -c1-16)
	hc_img=$BDIR/e2e-cache/ha-$hc_key
	if [ -z "${HA_FRESH:-}" ] && [ -f "$hc_img/done" ]; then
		ha_image_boot "$1" "$hc_img" && return 0
		not_ok "boot the cached cluster image $hc_img"
		return 1
	fi
	ha_pki || { not_ok "pki init" "$(tail -n 3 "$T_TMP/pki.log")"; return 1; }
	for i in $(seq 1 "$1"); do
		ha_boot "$i" || { not_ok "boot node $i" "$(tail -n 3 "$T_TMP/boot$i.log")"; return 1; }
	done
	ha_install_all "$1" || return 1
	ha_image_save "$1" "$hc_img"
}

# ha_install_all N: the N installs at once, as the README says; HA_READY:
# seconds from their start to the first write through node 1's 5433 (empty
# when none succeeded while they ran).  A node whose install did not finish
# fails it (not_ok, the end of its log).
ha_install_all() {
	hc_t0=$(date +%s.%N)
	for i in $(seq 1 "$1"); do
		(ha_install "$i"; echo $? >"$T_TMP/installed$i") &
	done
	HA_READY=$(ha_wait_write "$hc_t0" "$1")
	wait
	for i in $(seq 1 "$1"); do
		if ! grep -q '^Done: ' "$T_TMP/install$i.log"; then
			tail -n 15 "$T_TMP/install$i.log" | sed 's/^/#   /'
			not_ok "install node $i of the cluster" "see above"
			return 1
		fi
	done
}

# ha_image_save N DIR: shut the nodes down cleanly, keep their disks and the
# pki dir in DIR, boot them again.
ha_image_save() {
	mkdir -p "$BDIR/e2e-cache"
	(
		flock 9
		rm -rf "$2" "$BDIR"/e2e-cache/ha-????????????????.tmp
		# Images of another .run are stale: a few GB each.
		hs_run=$(sha256sum <"$RUN" | cut -c1-16)
		for d in "$BDIR"/e2e-cache/ha-????????????????; do
			[ -d "$d" ] && [ "$(cat "$d/run" 2>/dev/null)" != "$hs_run" ] && rm -rf "$d"
		done
		mkdir -p "$2.tmp"
		echo "$hs_run" >"$2.tmp/run"
		for i in $(seq 1 "$1"); do sh "$TOP/ci/airgap/boot.sh" stop "$(ha_name "$i")" >/dev/null 2>&1 & done
		wait
		for i in $(seq 1 "$1"); do
			tar -C "$(ha_root "$i")" --numeric-owner --xattrs --xattrs-include='*' -I 'zstd -1 -T0' \
				-cpf "$2.tmp/node$i.tar.zst" . || exit 1
		done
		tar -C "$T_TMP" -cf "$2.tmp/pki.tar" pki && echo "$HA_READY" >"$2.tmp/ready" &&
			mv "$2.tmp" "$2" && touch "$2/done"
	) 9>"$BDIR/e2e-cache/.ha-lock"
	for i in $(seq 1 "$1"); do
		ip -n "$HA_NS-br" link del "v$i" 2>/dev/null
		ha_poweron "$i" || { not_ok "boot node $i again after the image was saved"; return 1; }
	done
	ha_wait_healthy 300 || { not_ok "the cluster is healthy again after its image was saved"; return 1; }
}

# ha_image_boot N DIR: the nodes' disks from DIR, booted.
ha_image_boot() {
	tar -C "$T_TMP" -xf "$2/pki.tar" || return 1
	HA_READY=$(cat "$2/ready")
	for i in $(seq 1 "$1"); do
		mkdir -p "$(ha_root "$i")" &&
			tar -C "$(ha_root "$i")" --numeric-owner --xattrs --xattrs-include='*' -I zstd \
				-xpf "$2/node$i.tar.zst" || return 1
		cp "$HA_CONFIG" "$(ha_root "$i")/root/trio.yml"
		ha_boot "$i" || return 1
	done
	echo "# the cluster from the image $2 (installed from this .run and config; first installed in $HA_READY s)"
	ha_wait_healthy 300
}

# ha_wait_write T0 N: poll a write through node 1's 5433 while any of the N
# installs runs (each leaves $T_TMP/installedI when done); print the seconds
# from T0 to the first that succeeds (nothing if none did while they ran).
ha_wait_write() {
	while :; do
		if ha_psql 1 5433 dbuser_meta meta "select 1" >/dev/null 2>&1; then
			awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
			return 0
		fi
		hw_done=1
		for i in $(seq 1 "$2"); do [ -f "$T_TMP/installed$i" ] || hw_done=0; done
		[ "$hw_done" = 1 ] && return 1
		sleep 1
	done
}

# ha_wait_healthy TIMEOUT: three members (or HA_N) running, one leader, and
# with pg_rpo 0 a synchronous standby; 0 when so within TIMEOUT seconds.
ha_wait_healthy() {
	hw_end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$hw_end" ]; do
		for i in $(seq 1 "$HA_N"); do
			l=$(ha_in "$i" patronictl -c "$HA_PATRONI_CONF" list -f json 2>/dev/null) || continue
			if echo "$l" | jq -e --argjson n "$HA_N" '
			     ([.[] | select(.Role == "Leader" and .State == "running")] | length) == 1 and
			     ([.[] | select(.State == "running" or .State == "streaming")] | length) == $n and
			     ([.[] | select(.Role != "Leader" and (.["Lag in MB"] // 0) != 0)] | length) == 0' \
			     >/dev/null 2>&1; then
				return 0
			fi
			break
		done
		sleep 2
	done
	return 1
}

# ha_load_start I FIRST: in node I, insert increasing ids from FIRST through 5433 in a loop,
# each acknowledged one logged as "ID ACKED STARTED" (epoch seconds) in
# /root/acked, each failed one as "ID FAILED STARTED ERROR" in /root/failed (a new connection per commit, so a dead server costs a retry,
# not a hang).  A failed attempt is retried after 50 ms, as a client's
# reconnect loop would: a loop without a pause forks psql hundreds of times a
# second and takes a CPU the switchover itself needs on this 2-CPU host.
ha_load_start() {
	pw=$(awk -F: '$4 == "dbuser_meta" { print $5 }' "$T_TMP/pki/credentials")
	ha_psql 1 5433 dbuser_meta meta "create table if not exists app.load (id bigint primary key, at timestamptz default now())" >/dev/null 2>&1
	ha_in "$1" sh -c 'rm -f /root/acked /root/failed /root/stop; i=$1
		while [ ! -e /root/stop ]; do
			i=$((i + 1))
			s=$(date +%s.%N)
			if e=$(PGPASSWORD="$0" PGCONNECT_TIMEOUT=2 "$2" -XAtq "host=127.0.0.1 port=5433 user=dbuser_meta dbname=meta" \
			     -c "insert into app.load (id) values ($i)" 2>&1 >/dev/null); then
				echo "$i $(date +%s.%N) $s" >>/root/acked
			else
				echo "$i $(date +%s.%N) $s $(echo "$e" | head -n 1)" >>/root/failed
				sleep 0.05
			fi
		done' "$pw" "${2:-0}" "$HA_PSQL" >/dev/null 2>&1 &
	HA_LOAD_PID=$!
}

ha_load_stop() {
	ha_in "$1" touch /root/stop
	wait "$HA_LOAD_PID" 2>/dev/null
	ha_in "$1" cat /root/acked >"$T_TMP/acked"
	ha_in "$1" cat /root/failed >"$T_TMP/failed" 2>/dev/null || : >"$T_TMP/failed"
}

# ha_median / ha_worst: of numbers on stdin.
ha_median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ha_worst() { sort -n | tail -n 1; }

# ha_lost NODE: acknowledged commits ($T_TMP/acked) missing from app.load on NODE.
ha_lost() {
	cut -d' ' -f1 "$T_TMP/acked" | sort >"$T_TMP/acked.ids"
	ha_in "$1" runuser -u postgres -- "$HA_PSQL" -XAtq -d meta -c "select id from app.load" |
		sort >"$T_TMP/have.ids"
	comm -23 "$T_TMP/acked.ids" "$T_TMP/have.ids" | wc -l
}

# ha_wal_archived NODE: on NODE, the leader, switch to a new WAL segment and
# wait up to 60 s for pg_stat_archiver to report it (or a later one)
# archived; HA_SEG is the segment, HA_ARCHIVED the last archived one (or
# "... (waiting)").  0 when it is archived and Patroni's journal on NODE
# says its pgBackRest stanza came from Patroni's callback (pgbrlead.c).
ha_wal_archived() {
	HA_SEG=$(ha_in "$1" runuser -u postgres -- "$HA_PSQL" -XAtq -h /run/postgresql \
		-c "select pg_walfile_name(pg_switch_wal())" 2>&1)
	HA_ARCHIVED="" wa_end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$wa_end" ]; do
		HA_ARCHIVED=$(ha_in "$1" runuser -u postgres -- "$HA_PSQL" -XAtq -h /run/postgresql \
			-c "select last_archived_wal from pg_stat_archiver" 2>&1)
		[ -n "$HA_ARCHIVED" ] &&
			[ "$(printf '%s\n%s\n' "$HA_SEG" "$HA_ARCHIVED" | sort | tail -n 1)" = "$HA_ARCHIVED" ] && break
		HA_ARCHIVED="${HA_ARCHIVED:-none} (waiting)"
		sleep 2
	done
	[ "$HA_ARCHIVED" = "${HA_ARCHIVED% (waiting)}" ] &&
		ha_in "$1" journalctl -u patroni --no-pager | grep -q 'pgBackRest stanza pg-meta ready'
}

# ha_vip_on NODE: 1 when NODE's eth0 holds the VIP 10.10.10.2.
ha_vip_on() { ip -n "$HA_NS-n$1" -4 addr show dev eth0 | grep -c ' 10.10.10.2/'; }

# ha_status_agrees LEADER: ok when `status --json` on every node says etcd
# is healthy, LEADER leads Patroni and it has HA_N members.
ha_status_agrees() {
	hs_good=1
	for i in $(seq 1 "$HA_N"); do
		ha_run "$i" status --json >"$T_TMP/status$i.json" 2>&1 || hs_good=0
		jq -e --arg l "$1" --argjson n "$HA_N" \
			'.etcd.healthy and .patroni.leader == $l and (.patroni.members | length) == $n' \
			"$T_TMP/status$i.json" >/dev/null 2>&1 || hs_good=0
	done
	if [ "$hs_good" = 1 ]; then
		ok "status --json on every node: etcd healthy, leader $1, $HA_N members"
	else
		not_ok "status --json" "$(head -c 800 "$T_TMP/status2.json")"
	fi
}

# ha_rerun_unchanged I: ok when installing node I again (a replica) changes nothing.
ha_rerun_unchanged() {
	if ha_install "$1" && grep -q 'nothing to change' "$T_TMP/install$1.log"; then
		ok "a second run on a replica changes nothing"
	else
		not_ok "a second run changes nothing" "$(grep -E '^ +\+ ' "$T_TMP/install$1.log" | head -n 5)"
	fi
}

# ha_etcd_leader_node: the node whose etcd member leads etcd (nothing when
# none answers).
ha_etcd_leader_node() {
	for i in $(seq 1 "$HA_N"); do
		he_s=$(ha_in "$i" sh -c 'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/node.crt --key=/etc/etcd/pki/node.key --dial-timeout=2s endpoint status' 2>/dev/null) || continue
		[ "$(echo "$he_s" | cut -d, -f5 | tr -d ' ')" = true ] && { echo "$i"; return 0; }
	done
}

# ha_outage_runs RUNS WHAT BREAK MEND: RUNS times, under a write load from
# a node other than the leader, `BREAK NODE` the leader's node, measure the
# time from the break (HA_BROKE_AT if BREAK sets it, else the start of
# BREAK) to the first acknowledged write after it (RTO), the
# acknowledged commits missing on the new leader (RPO) and whether the VIP
# followed, then `MEND NODE` and wait for the cluster to be whole again.
# One "# figure:" line and one ok/not ok per run; HA_RTOS and HA_RPOS hold
# the figures, HA_RUNS_DONE the runs measured, HA_ETCD_WITH the runs where
# etcd's leader was on the broken leader's host (the installer keeps it off).
ha_outage_runs() {
	HA_RTOS="" HA_RPOS="" HA_LOADS="" HA_RUNS_DONE=0 HA_ETCD_WITH=0
	ho_next=0
	for run in $(seq 1 "$1"); do
		ho_leader=$(ha_leader) || { not_ok "run $run: a leader"; return 1; }
		ho_ln=$(ha_node_of "$ho_leader")
		ho_client=1
		while [ "$ho_client" = "$ho_ln" ]; do ho_client=$((ho_client + 1)); done
		ha_load_start "$ho_client" "$ho_next"
		sleep 5
		ho_etcd=$(ha_etcd_leader_node)
		[ "$ho_etcd" = "$ho_ln" ] && HA_ETCD_WITH=$((HA_ETCD_WITH + 1))
		ho_load=$(cut -d' ' -f1 /proc/loadavg)
		ho_t0=$(date +%s.%N)
		HA_BROKE_AT=""
		"$3" "$ho_ln"
		ho_gone=$(date +%s.%N)
		# From the break itself when BREAK says when it was (HA_BROKE_AT): on
		# a loaded host the command may take seconds to get there.
		ho_late=$(awk -v a="$ho_t0" -v b="${HA_BROKE_AT:-$ho_t0}" 'BEGIN { printf "%.1f", b - a }')
		ho_t0=${HA_BROKE_AT:-$ho_t0}
		ho_end=$(($(date +%s) + 120))
		ho_first=""
		while [ -z "$ho_first" ] && [ "$(date +%s)" -lt "$ho_end" ]; do
			sleep 0.5
			# A commit started after the break: on a loaded host `date` after
			# psql may run seconds after a commit acknowledged before it.
			ho_first=$(ha_in "$ho_client" cat /root/acked 2>/dev/null |
				awk -v g="${HA_BROKE_AT:-$ho_gone}" '$3 > g { print $2; exit }')
		done
		sleep 3
		ha_load_stop "$ho_client"
		ho_next=$(( $(tail -n 1 "$T_TMP/acked" | cut -d' ' -f1) + 1000 ))
		if [ -z "$ho_first" ]; then
			not_ok "run $run: writes resume after $2 on $ho_leader" "none within 120 s"
			return 1
		fi
		ho_rto=$(awk -v a="$ho_t0" -v b="$ho_first" 'BEGIN { printf "%.1f", b - a }')
		ho_newl=$(ha_leader)
		ho_nn=$(ha_node_of "$ho_newl")
		ho_rpo=$(ha_lost "$ho_nn")
		ho_vip=$(ha_vip_on "$ho_nn")
		echo "# figure: run $run: $2 on $ho_leader, leader now $ho_newl: RTO $ho_rto s, RPO $ho_rpo acknowledged commits lost (of $(wc -l <"$T_TMP/acked.ids"), one connection each), VIP on the leader: $ho_vip; etcd's leader on node ${ho_etcd:-?} (the broken leader's: node $ho_ln); load average $ho_load; the break came $ho_late s after its command started"
		HA_RTOS="$HA_RTOS $ho_rto" HA_RPOS="$HA_RPOS $ho_rpo" HA_LOADS="$HA_LOADS $ho_load"
		HA_RUNS_DONE=$run
		"$4" "$ho_ln" || { not_ok "run $run: mend $ho_leader's node"; return 1; }
		if ! ha_wait_healthy 300; then
			not_ok "run $run: the cluster is whole again within 300 s" "$(ha_in "$ho_nn" patronictl -c "$HA_PATRONI_CONF" list 2>&1 | tail -n 6)"
			return 1
		fi
		if [ "$ho_vip" = 1 ]; then
			ok "run $run: RTO $ho_rto s, RPO $ho_rpo, the VIP on $ho_newl; $ho_leader serves again"
		else
			not_ok "run $run: the VIP follows the leader $ho_newl" "RTO $ho_rto s, RPO $ho_rpo"
		fi
	done
}

# ha_summary WHAT TARGET: median and worst of HA_RTOS, checked against TARGET
# seconds, and RPO 0 over the runs.
ha_summary() {
	hs_med=$(echo $HA_RTOS | tr ' ' '\n' | ha_median)
	hs_worst=$(echo $HA_RTOS | tr ' ' '\n' | ha_worst)
	hs_lost=$(echo $HA_RPOS | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')
	echo "# summary: $1, $HA_RUNS_DONE runs: RTO$(printf ' %s' $HA_RTOS) s: median $hs_med s, worst $hs_worst s; RPO total $hs_lost; load average$(printf ' %s' $HA_LOADS) (2 CPUs)"
	if [ "$HA_RUNS_DONE" -ge "${HA_RUNS:-5}" ] &&
	   awk -v w="$hs_worst" -v t="$2" 'BEGIN { exit !(w < t) }'; then
		ok "$1: worst RTO of $HA_RUNS_DONE runs $hs_worst s < $2 s (median $hs_med s)"
	else
		not_ok "$1: worst RTO < $2 s over ${HA_RUNS:-5} runs" "$HA_RUNS_DONE runs, worst $hs_worst s"
	fi
	[ "$hs_lost" = 0 ] && ok "$1: RPO 0, no acknowledged commit lost in $HA_RUNS_DONE runs" ||
		not_ok "$1: RPO 0" "$hs_lost acknowledged commits missing"
	[ "$HA_ETCD_WITH" = 0 ] && ok "$1: etcd's leader was on another host than PostgreSQL's leader at every break" ||
		not_ok "$1: etcd's leader kept off PostgreSQL's leader's host" "on it at $HA_ETCD_WITH of $HA_RUNS_DONE breaks"
}

# ha_config RTO: HA_CONFIG = trio.yml with pg_rto RTO and pg_rpo 0 (the
# failover tests share it, and so share one cached cluster image).
ha_config() {
	HA_CONFIG=$T_TMP/cluster.yml
	sed -e "s/^    pg_rto: norm .*/    pg_rto: $1/" manifests/config/trio.yml >"$HA_CONFIG"
	printf '    pg_rpo: 0\n' >>"$HA_CONFIG"
}

# ha_waitlog I PATTERN TIMEOUT: the install log of node I shows PATTERN
# within TIMEOUT seconds.
ha_waitlog() {
	hw_end=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$hw_end" ]; do
		grep -q "$2" "$T_TMP/install$1.log" 2>/dev/null && return 0
		sleep 2
	done
	return 1
}

# ha_first_two: nodes 1 and 2 of a three-node config installed one after
# the other (tests 67 and 73): node 1 alone says it waits for etcd's quorum
# and names the missing members; once node 2 is installed too, both
# installs return.  ok or not ok for each; 1 when they did not finish.
ha_first_two() {
	(ha_install 1; echo $? >"$T_TMP/installed1") &
	if ha_waitlog 1 'waiting for etcd quorum: 1 of 3 members up, 2 needed; not up yet: etcd-2 (10.10.10.11), etcd-3 (10.10.10.12)' 900; then
		ok "node 1 alone says it waits for etcd's quorum and names the missing members"
	else
		not_ok "node 1 says what it waits for" "$(tail -n 4 "$T_TMP/install1.log")"
	fi
	(ha_install 2; echo $? >"$T_TMP/installed2") &
	hf_end=$(($(date +%s) + 900))
	while { [ ! -f "$T_TMP/installed1" ] || [ ! -f "$T_TMP/installed2" ]; } &&
	      [ "$(date +%s)" -lt "$hf_end" ]; do
		sleep 5
	done
	if [ "$(cat "$T_TMP/installed1" 2>/dev/null)" = 0 ] && [ "$(cat "$T_TMP/installed2" 2>/dev/null)" = 0 ]; then
		ok "once node 2 is there, nodes 1 and 2 go on and their installs return"
		return 0
	fi
	not_ok "nodes 1 and 2 finish" "$(tail -n 4 "$T_TMP/install1.log" "$T_TMP/install2.log")"
	return 1
}

# ha_join_fourth: HA_CONFIG grown by a fourth host (pg-meta-4, 10.10.10.13,
# a replica; no etcd member, so etcd keeps an odd count) into
# $T_TMP/cluster4.yml, which becomes HA_CONFIG; `pki init` again makes its
# certificate only; the fourth host booted and installed (HA_JOIN_SECS: the
# seconds until its install returned).  ok or not ok for each; 1 when the
# fourth host is not serving.
ha_join_fourth() {
	sed -e 's/^\(        10\.10\.10\.12: { pg_seq: 3, .*\)$/\1\n        10.10.10.13: { pg_seq: 4, pg_role: replica }/' \
		"$HA_CONFIG" >"$T_TMP/cluster4.yml"
	grep -q '10.10.10.13' "$T_TMP/cluster4.yml" || { not_ok "add 10.10.10.13 to the config"; return 1; }
	HA_CONFIG=$T_TMP/cluster4.yml
	cp "$T_TMP/pki/credentials" "$T_TMP/credentials.before"
	if ha_pki && grep -q '1 certificate made, 3 kept, 0 secrets made' "$T_TMP/pki.log" &&
	   cmp -s "$T_TMP/pki/credentials" "$T_TMP/credentials.before"; then
		ok "pki init again: one certificate made (10.10.10.13), three kept, no secret changed"
	else
		not_ok "pki init on the grown config" "$(cat "$T_TMP/pki.log")"
	fi
	HA_N=4
	ha_boot 4 || { not_ok "boot the fourth host"; return 1; }
	hj_t0=$(date +%s.%N)
	if ! ha_install 4; then
		not_ok "install the fourth host" "$(tail -n 8 "$T_TMP/install4.log")"
		return 1
	fi
	HA_JOIN_SECS=$(awk -v a="$hj_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	echo "# figure: the fourth node joined (install until it serves) in $HA_JOIN_SECS s"
	ok "the fourth host's install returns once it serves ($HA_JOIN_SECS s)"
}

# ha_rerun_grown: nodes 1-3 run install again with the grown config (and
# the pki's credentials and secrets); each must take pg-meta-4 into its
# HAProxy services; what else a node changed is in HA_CHANGES_I (sorted,
# ';'-separated).  1 when one did not.
ha_rerun_grown() {
	hr_good=0
	for i in 1 2 3; do
		cp "$HA_CONFIG" "$(ha_root "$i")/root/trio.yml"
		cp "$T_TMP/pki/credentials" "$T_TMP/pki/secrets" "$(ha_root "$i")/root/pki/"
		ha_install "$i" || { hr_good=1; echo "# node $i: $(tail -n 3 "$T_TMP/install$i.log")"; }
		eval "HA_CHANGES_$i=\$(grep -E '^ +\+ ' \"\$T_TMP/install$i.log\" | sed 's/^ *+ //' | sort | tr '\n' ';')"
		n=$(ha_in "$i" grep -c 'server pg-meta-4 ' /etc/haproxy/pgbundle.cfg)
		[ "$n" -ge 3 ] || { hr_good=1; echo "# node $i: pg-meta-4 in $n HAProxy services"; }
	done
	return $hr_good
}
