#!/bin/sh
# tier: all
# Property: a planned switchover (`patronictl switchover`) under a write
# load through 5433 hands the leader to a replica with a short pause in
# writes, no acknowledged commit lost, and the VIP moves.  Five runs.
# Figures: the pause of each run (the longest gap between two acknowledged
# writes around the switchover); target, worst run: under 3 s.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/ha_cluster.sh
need_root "ha switchover"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RUNS=${HA_RUNS:-5}
ha_config norm
ha_cluster_up 3 || exit 1
ok "a three-node cluster, pg_rpo: 0, ready in $HA_READY s"
ha_wait_healthy 120 || { not_ok "the cluster is healthy before the first run"; exit 1; }

# ha_sync_standby I: the node number of the synchronous standby, asked of
# node I, waiting up to 60 s for Patroni to name one after a change.
ha_sync_standby() {
	ss_end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$ss_end" ]; do
		m=$(ha_in "$1" patronictl -c /etc/patroni/config.yml list -f json 2>/dev/null |
			jq -r '[.[] | select(.Role == "Sync Standby" and (.State == "streaming" or .State == "running")) | .Member][0] // empty' 2>/dev/null)
		[ -n "$m" ] && { ha_node_of "$m"; return 0; }
		sleep 1
	done
	return 1
}

pauses="" loads="" next=0 lost=0
for run in $(seq 1 "$RUNS"); do
	leader=$(ha_leader) || { not_ok "run $run: a leader"; break; }
	ln=$(ha_node_of "$leader")
	# With pg_rpo: 0 (synchronous mode) Patroni hands over only to the
	# synchronous standby ("candidate name does not match with
	# sync_standby" otherwise, and patronictl still exits 0): take it.
	cand=$(ha_sync_standby "$ln") || { not_ok "run $run: a synchronous standby to hand over to"; break; }
	client=$ln
	ha_load_start "$client" "$next"
	sleep 5
	load=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	if ! ha_in "$ln" patronictl -c /etc/patroni/config.yml switchover pg-meta --leader "$leader" \
	     --candidate "pg-meta-$cand" --force >"$T_TMP/switch$run.log" 2>&1 &&
	   ! ha_in "$ln" patronictl -c /etc/patroni/config.yml switchover pg-meta --master "$leader" \
	     --candidate "pg-meta-$cand" --force >"$T_TMP/switch$run.log" 2>&1; then
		not_ok "run $run: patronictl switchover" "$(tail -n 3 "$T_TMP/switch$run.log")"
		ha_load_stop "$client"
		break
	fi
	if ! grep -q 'Successfully switched over' "$T_TMP/switch$run.log"; then
		not_ok "run $run: patronictl switchover to pg-meta-$cand" "$(tail -n 3 "$T_TMP/switch$run.log")"
	fi
	sleep 8
	ha_load_stop "$client"
	next=$(tail -n 1 "$T_TMP/acked" | cut -d' ' -f1)
	next=$((${next:-0} + 1000))
	pause=$(awk -v a="$t0" 'NR > 1 && $2 > a - 1 { g = $2 - p; if (g > m) m = g } { p = $2 } END { printf "%.2f", m }' "$T_TMP/acked")
	newl=$(ha_leader)
	nn=$(ha_node_of "$newl")
	miss=$(ha_lost "$nn")
	lost=$((lost + miss))
	vip=$(ha_vip_on "$nn")
	echo "# figure: run $run: switchover $leader -> $newl: writes paused $pause s, $miss acknowledged commits missing, VIP on the new leader: $vip; load average $load"
	pauses="$pauses $pause" loads="$loads $load"
	if [ -n "${HA_DIAG:-}" ]; then
		# Where the pause went: Patroni's and HAProxy's journals of the
		# old and the new leader from the switchover on (HA_DIAG=1).
		for i in "$ln" "$nn"; do
			ha_in "$i" journalctl -o short-precise --no-pager --since "@${t0%.*}" \
				-u patroni -u haproxy -u pgbouncer 2>/dev/null |
				grep -v "^--" | grep -v "archive.info\|HINT:\|FileMissing\|repo1:" | head -n 90 | sed "s/^/# node $i: /"
		done
		echo "# t0 $(date -u -d "@$t0" +%T.%N)"
		awk -v a="$t0" '$2 > a - 1 && $2 < a + 10 { printf "# acked %s at %.3f (started %.3f)\n", $1, $2 - a, $3 - a }' "$T_TMP/acked" | head -n 40
		awk -v a="$t0" '$2 > a - 1 && $2 < a + 10 { e = $0; sub(/^[^ ]* [^ ]* [^ ]* /, "", e); printf "# failed %s at %.3f (started %.3f): %s\n", $1, $2 - a, $3 - a, e }' "$T_TMP/failed" | head -n 60
	fi
	if [ "$newl" = "pg-meta-$cand" ] && [ "$vip" = 1 ]; then
		ok "run $run: $newl leads, the VIP followed; pause $pause s"
	else
		not_ok "run $run: the switchover hands over to pg-meta-$cand with the VIP" "leader $newl, VIP there: $vip"
	fi
	ha_wait_healthy 180 || { not_ok "run $run: the old leader follows the new one"; break; }
done
# The leader now is a promoted one: Patroni's callback gave it a stanza in
# its own repository (pgbrlead.c), so its WAL is archived at once, not
# after the next daily backup.
if leader=$(ha_leader); then
	ln=$(ha_node_of "$leader")
	if ha_wal_archived "$ln"; then
		ok "the new leader $leader archives its WAL at once ($HA_SEG archived): its stanza came from Patroni's callback"
	else
		not_ok "the new leader archives its WAL" "switched $HA_SEG, last archived $HA_ARCHIVED; $(ha_in "$ln" journalctl -u patroni --no-pager | grep -i 'pgbundle\|archive command failed' | tail -n 3)"
	fi
fi
n=$(echo $pauses | wc -w)
if [ "$n" -ge 1 ]; then
	med=$(echo $pauses | tr ' ' '\n' | ha_median)
	worst=$(echo $pauses | tr ' ' '\n' | ha_worst)
	echo "# summary: planned switchover, $n runs: write pause$(printf ' %s' $pauses) s: median $med s, worst $worst s; $lost acknowledged commits lost; load average$(printf ' %s' $loads) (2 CPUs)"
	if [ "$n" -ge "$RUNS" ] && awk -v w="$worst" 'BEGIN { exit !(w < 3) }'; then
		ok "worst switchover pause of $n runs ${worst} s < 3 s (median $med s)"
	else
		not_ok "worst switchover pause < 3 s over $RUNS runs" "$n runs, worst $worst s"
	fi
	[ "$lost" = 0 ] && ok "no acknowledged commit lost in $n switchovers" || not_ok "no commit lost" "$lost missing"
fi
