#!/bin/sh
# tier: all
# readme: ./pgsql-d12-1.1.d12.amd64.delta-from-1.0.run install --yes --config trio.yml --pki pki
# Property: a Patroni cluster takes an update a member at a time, the
# leader last after a switchover, with the writes going on.  Three
# air-gapped bookworms (tests/e2e/ha_cluster.sh) install d12 1.0 (the
# release suite, tests/e2e/upgrade_bundles.sh) with trio.yml and pg_rpo 0;
# then, under a write load through 5433, the 1.1 delta (PostgreSQL 15's
# minor release among its packages) is installed with the same command on
# each node:
#   - on the leader first: refused, naming the replicas to upgrade first,
#     and nothing changes (apt's sources, packages, the leader);
#   - on each replica, one after the other: its PostgreSQL restarts on the
#     new minor release (through Patroni), the leader stays;
#   - on the leader last: it hands the leadership to an upgraded replica
#     (switchover), then upgrades as a replica.
# Then every member runs the new minor release on the same cluster (system
# identifier, the data), no postgres process runs a replaced file, the
# three hosts have the same packages, and no acknowledged write was lost.
# Figures: each node's upgrade time, the longest pause in acknowledged
# writes.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/upgrade_bundles.sh
. tests/e2e/ha_cluster.sh
need_root "ha rolling upgrade"
t_tmpdir
trap 'ha_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

upgrade_bundles || exit 1
DELTA=$(basename "$DELTARUN")
NEWPG=$(jq -r '.packages[] | select(.name == "postgresql-15") | .version' "$U/full/pgsql-d12.lock")
ha_config norm
HA_RUN=$OLDRUN
KEYDIR=$U/keys	# ha_boot gives each node the publisher's key of these bundles
ha_init 3 || { not_ok "the cluster's bridge"; exit 1; }
ha_pki || { not_ok "pki init" "$(tail -n 3 "$T_TMP/pki.log")"; exit 1; }
for i in 1 2 3; do ha_boot "$i" || { not_ok "boot node $i" "$(tail -n 3 "$T_TMP/boot$i.log")"; exit 1; }; done
for i in 1 2 3; do (ha_install "$i"; echo $? >"$T_TMP/installed$i") & done
wait
for i in 1 2 3; do
	grep -q '^Done: ' "$T_TMP/install$i.log" ||
		{ not_ok "node $i installs 1.0" "$(grep -v '^    |' "$T_TMP/install$i.log" | tail -n 8)"; exit 1; }
done
ha_wait_healthy 300 || { not_ok "the 1.0 cluster is healthy"; exit 1; }
ok "a three-node cluster of d12 1.0 (the release suite), pg_rpo 0"

pgver() { ha_in "$1" runuser -u postgres -- psql -XAtq -c "SHOW server_version"; }
sysid() { ha_in "$1" runuser -u postgres -- psql -XAtq -c "SELECT system_identifier FROM pg_control_system()"; }
stale() {
	ha_in "$1" sh -c 'for m in /proc/[0-9]*/maps; do
		p=${m#/proc/}; p=${p%/maps}
		case "$(readlink /proc/$p/exe 2>/dev/null)" in *postgres*) ;; *) continue ;; esac
		grep -q " /usr/.* (deleted)$" "$m" 2>/dev/null && echo "$p"
	done; true' | wc -l
}
README_CLUSTER="./$DELTA install --yes --config trio.yml --pki pki"
t_readme_cmd "$README_CLUSTER" || exit 1
upgrade() {	# upgrade NODE: the README's command there; sets SECS
	cp "$DELTARUN" "$(ha_root "$1")/root/" || return 1
	u0=$(date +%s.%N)
	ha_in "$1" sh -c "cd /root && $README_CLUSTER" >"$T_TMP/up$1.log" 2>&1
	u_rc=$?
	SECS=$(awk -v a="$u0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	return $u_rc
}

leader=$(ha_leader) || { not_ok "a leader"; exit 1; }
ln=$(ha_node_of "$leader")
oldver=$(pgver "$ln")
id=$(sysid "$ln")
ha_psql "$ln" 5433 dbuser_meta meta "create table app.upgrade_probe as select g from generate_series(1, 1000) g" >/dev/null
replicas=""
for i in 1 2 3; do [ "$i" = "$ln" ] || replicas="$replicas $i"; done
client=${replicas# }
client=${client%% *}
ha_load_start "$client" 0
sleep 3

# The leader first: refused, nothing changed.
src_before=$(ha_in "$ln" grep '^URIs:' /etc/apt/sources.list.d/pgbundle.sources)
pk_before=$(ha_in "$ln" dpkg-query -W -f '${Package} ${Version}\n' | sha256sum)
if ! upgrade "$ln" && grep -q "leads cluster pg-meta, and the leader is upgraded last" "$T_TMP/up$ln.log" &&
   [ "$(ha_in "$ln" grep '^URIs:' /etc/apt/sources.list.d/pgbundle.sources)" = "$src_before" ] &&
   [ "$(ha_in "$ln" dpkg-query -W -f '${Package} ${Version}\n' | sha256sum)" = "$pk_before" ] &&
   [ "$(ha_leader)" = "$leader" ]; then
	ok "the leader ($leader) first: refused, naming what to upgrade first; its sources, packages and leadership unchanged"
	echo "# $(grep -o 'leads cluster.*' "$T_TMP/up$ln.log" | head -n 1)"
else
	not_ok "the leader's upgrade is refused while its replicas run 1.0" "$(grep -v '^    |' "$T_TMP/up$ln.log" | tail -n 6)"
fi

# The replicas, one after the other.
for r in $replicas; do
	if upgrade "$r"; then
		v=$(pgver "$r")
		if [ "${v%% *}" = "${NEWPG%%-*}" ] && [ "$(ha_leader)" = "$leader" ] && [ "$(stale "$r")" = 0 ] &&
		   ha_wait_healthy 180; then
			ok "replica node $r upgraded in $SECS s: PostgreSQL $oldver -> $v through Patroni, $leader still leads, the cluster whole"
		else
			not_ok "replica node $r after its upgrade" "version '$v', leader $(ha_leader), stale $(stale "$r")"
		fi
		echo "# node $r: $(grep -o 'restart .*PostgreSQL through Patroni[^,]*' "$T_TMP/up$r.log" | head -n 1)"
	else
		not_ok "replica node $r upgrades" "$(grep -v '^    |' "$T_TMP/up$r.log" | tail -n 8)"
	fi
done

# The leader last: a switchover, then its own upgrade.
if upgrade "$ln" && grep -q "switch over: $leader hands cluster pg-meta to" "$T_TMP/up$ln.log"; then
	newl=$(ha_leader)
	ok "the leader last, in $SECS s: it handed cluster pg-meta to $newl, then upgraded"
else
	not_ok "the leader's upgrade, after a switchover" "$(grep -v '^    |' "$T_TMP/up$ln.log" | tail -n 8)"
fi
ha_wait_healthy 180 && ok "the cluster is whole after the rolling upgrade (leader $(ha_leader))" ||
	not_ok "the cluster is whole after the rolling upgrade"
sleep 3
ha_load_stop "$client"
newl=$(ha_leader)
lost=$(ha_lost "$(ha_node_of "$newl")")
pause=$(awk 'NR > 1 { g = $2 - p; if (g > m) m = g } { p = $2 } END { printf "%.2f", m }' "$T_TMP/acked")
echo "# figure: rolling upgrade 1.0 -> 1.1 under a write load through 5433: $(wc -l <"$T_TMP/acked") writes acknowledged, longest pause $pause s, $lost lost"
[ "$lost" = 0 ] && ok "no acknowledged write lost during the rolling upgrade (longest pause $pause s)" ||
	not_ok "no acknowledged write lost" "$lost missing"

bad=""
for i in 1 2 3; do
	v=$(pgver "$i")
	[ "${v%% *}" = "${NEWPG%%-*}" ] || bad="$bad node $i runs '$v';"
	[ "$(sysid "$i")" = "$id" ] || bad="$bad node $i has another system identifier;"
	[ "$(stale "$i")" = 0 ] || bad="$bad node $i runs replaced files;"
	[ "$(ha_in "$i" runuser -u postgres -- psql -XAtq -d meta -c 'select count(*) from app.upgrade_probe')" = 1000 ] ||
		bad="$bad node $i lacks the probe's rows;"
	[ "$(ha_in "$i" ls /www/pgbundle)" = "$NEWB" ] || bad="$bad node $i keeps $(ha_in "$i" ls /www/pgbundle | tr '\n' ' ');"
	ha_in "$i" dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | sort >"$T_TMP/pkgs$i"
done
diff "$T_TMP/pkgs1" "$T_TMP/pkgs2" >/dev/null && diff "$T_TMP/pkgs1" "$T_TMP/pkgs3" >/dev/null ||
	bad="$bad the nodes' packages differ;"
if [ -z "$bad" ]; then
	ok "every member runs PostgreSQL ${NEWPG%%-*} on the same cluster with its data, nothing stale, only the 1.1 repository, the same $(wc -l <"$T_TMP/pkgs1") packages on each"
else
	not_ok "the cluster after the rolling upgrade" "$bad"
fi
