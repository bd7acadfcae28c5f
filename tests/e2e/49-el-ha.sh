#!/bin/sh
# tier: all
# The singleton config brings up on an EL host the HA stack it brings up on
# Debian, from the same keys: etcd (TLS, mutual authentication), PostgreSQL
# under Patroni (etcd3), PgBouncer, HAProxy's services 5433 (primary) and
# 5434 (replica), pgBackRest with its first full backup, and Redis (a
# primary on 6379, a replica on 6380), each from the package and in the
# layout EL and PGDG give it: PGDG's patroni.service (User=postgres,
# /etc/patroni/patroni.yml), PostgreSQL in /var/lib/pgsql/15/data
# with /usr/pgsql-15/bin and postgresql-15.service left disabled, PGDG's
# etcd.service (EnvironmentFile=-/etc/etcd/etcd.conf, which the installer
# writes, the packaged one set aside), AppStream's haproxy.service, and
# AppStream's redis (EL 8, 9: its user redis, /etc/redis, /var/log/redis;
# redis.service left stopped) or, on EL 10, valkey under its own names.
#
# The host is test 48's (ci/airgap/boot.sh: a booted air-gapped bookworm that
# says it is Rocky Linux R, the ELR fixture's @core in its rpm database,
# Debian's rpm and dnf) with the Python modules Patroni imports; the
# packages hold real programs repackaged in PGDG's and EL's layout and
# signed as theirs (tests/fixtures/el_pgdg_real.py: this host's PostgreSQL
# 15, Debian's pgbouncer, patroni, etcd, haproxy, pgbackrest and Redis, and,
# for EL 8 and 9, Debian's exporters and Prometheus as prometheus-rpm's
# node_exporter, postgres_exporter, pgbouncer_exporter (trixie's Go one) and
# prometheus2).  A manifest of target elR with postgres [15] and the modules
# and upstreams of manifests/elR.yml builds the bundle; the config is
# manifests/config/singleton.yml with pgbackrest and redis among its modules
# (test 36's two instances), on EL 8 and 9 also monitor and infra, and
# postgis left out (not repackaged).
#
# Proved: the offline install (its time printed); etcd healthy over TLS with
# this node's certificate and refusing a client without one, configured by
# /etc/etcd/etcd.conf (the package's in /etc/etcd/pgbundle-disabled/);
# Patroni's leader (patronictl list), running as postgres from PGDG's unit on
# PGDG's data directory and binaries, postgresql-15.service disabled and
# inactive; the postgres account the server package's (uid 26, home
# /var/lib/pgsql, /bin/bash), made before the transaction so that
# postgres_exporter's %pre cannot make its own; a write through 5433 and a
# read through 5434; PgBouncer answering; a full pgBackRest backup; Redis answering with its password
# and refusing without it, 6380 replicating 6379, run as the package's user
# from our units; on EL 8 and 9 the three exporters answering (our units'
# states, pg_up, pgbouncer_up), each run as its package's user (the
# PgBouncer exporter as pgbouncer, to reach PGDG's PgBouncer's socket), and
# Prometheus with every target up; status --json; pitr: rows inserted through 5433, the time
# noted, the table dropped, the README's restore command (the EL bundle's
# name for this release) brings the rows back, Patroni leads again on a
# later timeline and a write through 5433 works (the restore's time
# printed); a second run changes nothing; uninstall leaves the stack
# serving; uninstall --purge removes it and the packaged etcd.conf and
# haproxy.cfg go as rpm installed them (no .rpmsave: they were put back
# unmodified before the packages left).
# Releases: EL_HA_RELEASES (default "9 8 10").
# readme: ./pgsql-el9-1.0.el9.x86_64.run pitr --time "$T"
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
need_root "EL HA stack in a booted container"
t_tmpdir

el_booted_prelude

CONFIG=$T_TMP/el-ha.yml
sed -e 's/^\(    extensions: \[\)postgis, /\1/' -e 's/^\(modules: \[.*\)\]$/\1, pgbackrest, redis]/' \
	manifests/config/singleton.yml >"$CONFIG"
cat >>"$CONFIG" <<'EOF'
redis_cluster: redis-meta
redis_instances: {6379: {}, 6380: {replica_of: '127.0.0.1 6379'}}
EOF
echo "# the config: manifests/config/singleton.yml but for (diff):"
diff manifests/config/singleton.yml "$CONFIG" | grep '^[<>]' | sed 's/^/#   /'
if [ "$(diff manifests/config/singleton.yml "$CONFIG" | grep -c '^[<>]')" = 6 ] &&
	grep -q '^modules: \[pgsql, pgbouncer, patroni, etcd, haproxy, pgbackrest, redis\]$' "$CONFIG"; then
	ok "the config is the singleton's with pgbackrest and redis (two instances) and without postgis; on EL 8 and 9 also monitor and infra, as their manifests carry"
else
	not_ok "the config differs from the singleton in modules, redis and postgis only" "$(diff manifests/config/singleton.yml "$CONFIG")"
fi
# EL 8 and 9: the config adds monitor and infra (the exporters and
# Prometheus from the prometheus-rpm upstream, which the manifests of those
# releases list; it has no EL 10 repository).
sed 's/^\(modules: \[.*\)\]$/\1, monitor, infra]/' "$CONFIG" >"$T_TMP/el-ha-mon.yml"

# ha R: the whole proof on EL R.
ha() {
	R=$1
	NAME=pgb-elha$R-$$ ROOT=$T_TMP/rootfs-$R
	# The modules and upstreams of manifests/elR.yml.
	mods=$(sed -n 's/^modules: //p' "manifests/el$R.yml")
	EL_REAL_UPSTREAMS=$(sed -n 's/^upstreams: //p' "manifests/el$R.yml")
	mon="" cfg=el-ha.yml what=""
	case $mods in *monitor*)
		mon=1 cfg=el-ha-mon.yml what=", the exporters and Prometheus (prometheus-rpm)" ;;
	esac
	el_real_build ha "[pg_cron, pg_stat_kcache, hypopg, pg_repack]" "$mods" "$cfg" \
		"bundle with patroni, etcd (PGDG's extras), haproxy and redis or valkey (AppStream) and pgbackrest$what" || return 1

	el_booted_host || return 1

	start=$(date +%s)
	inside /root/pgbundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/install.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	grep -v '^    |' "$T_TMP/install.log" | sed 's/^/#   /'
	if [ "$rc" = 0 ] && grep -q '^Done: ' "$T_TMP/install.log"; then
		ok "el$R: the .run installs offline through dnf and brings up etcd, Patroni, PgBouncer, HAProxy, pgBackRest and Redis (${secs} s)"
	else
		not_ok "el$R: install the HA stack" "status $rc: $(grep -v '^    |' "$T_TMP/install.log" | tail -n 10)"
		inside journalctl --no-pager -n 40 -u etcd -u patroni -u haproxy -u pgbouncer 2>&1 | sed 's/^/#   /'
		return 1
	fi

	# --- etcd: PGDG's unit, our etcd.conf, TLS only ---
	ctl() { inside env ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --dial-timeout=3s "$@" 2>&1; }
	health=$(ctl --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/node.crt --key=/etc/etcd/pki/node.key endpoint health)
	etcd_user=$(inside stat -c %U "/proc/$(inside systemctl show -p MainPID --value etcd)")
	if echo "$health" | grep -q 'is healthy' && [ "$etcd_user" = etcd ] &&
		inside grep -q '^ETCD_CLIENT_CERT_AUTH="true"$' /etc/etcd/etcd.conf &&
		inside grep -q '^ETCD_ENABLE_V2="false"$' /etc/etcd/etcd.conf &&
		inside grep -q '^ETCD_NAME="default"$' /etc/etcd/pgbundle-disabled/etcd.conf &&
		inside rpm -V --nomtime etcd 2>&1 | grep -q '/etc/etcd/etcd.conf'; then
		ok "el$R: etcd (user etcd, PGDG's unit) healthy over TLS with this node's certificate; its settings in /etc/etcd/etcd.conf, the package's set aside"
	else
		not_ok "el$R: etcd over TLS, configured by etcd.conf" "health: $health; user '$etcd_user'; $(inside ls -la /etc/etcd /etc/etcd/pgbundle-disabled 2>&1 | tr '\n' ' ')"
	fi
	if ctl --insecure-skip-tls-verify get /pg --prefix --keys-only >/dev/null 2>&1 ||
		inside env ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=3s endpoint health >/dev/null 2>&1; then
		not_ok "el$R: etcd refuses a client without the CA's certificate" "it answered"
	else
		ok "el$R: etcd refuses clients without the cluster CA's certificate (plain HTTP, and TLS without one)"
	fi

	# --- Patroni: PGDG's unit and layout ---
	list=$(inside runuser -u postgres -- patronictl -c /etc/patroni/patroni.yml list -f json 2>&1)
	pat_user=$(inside stat -c %U "/proc/$(inside systemctl show -p MainPID --value patroni)")
	q() { inside runuser -u postgres -- /usr/pgsql-15/bin/psql -XAtq -h /run/postgresql -d "$1" -c "$2" 2>&1; }
	dd=$(q postgres "SHOW data_directory")
	pg15="$(inside systemctl is-enabled postgresql-15 2>&1) $(inside systemctl is-active postgresql-15 2>&1)"
	if echo "$list" | jq -e 'length == 1 and .[0].Role == "Leader" and .[0].State == "running"' >/dev/null 2>&1 &&
		[ "$pat_user" = postgres ] && [ "$dd" = /var/lib/pgsql/15/data ] &&
		inside grep -q '^  bin_dir: /usr/pgsql-15/bin$' /etc/patroni/patroni.yml &&
		[ "$pg15" = "disabled inactive" ] && ! inside test -e /etc/patroni/config.yml; then
		ok "el$R: Patroni leads (patronictl list), runs as postgres from PGDG's patroni.service with /etc/patroni/patroni.yml, PostgreSQL on /var/lib/pgsql/15/data from /usr/pgsql-15/bin; postgresql-15.service stays disabled and inactive"
	else
		not_ok "el$R: Patroni in PGDG's layout" "list: $list; user '$pat_user'; data '$dd'; postgresql-15: $pg15"
	fi
	# The postgres account is the server package's (uid 26, /var/lib/pgsql,
	# bash), not the one prometheus-rpm's postgres_exporter makes (its own
	# home, /sbin/nologin) when rpm runs its %pre first: the installer makes
	# the server's before the transaction.
	acct=$(inside getent passwd postgres | cut -d: -f3,6,7)
	if [ "$acct" = "26:/var/lib/pgsql:/bin/bash" ]; then
		ok "el$R: the postgres account is PostgreSQL's server package's (uid 26, home /var/lib/pgsql, /bin/bash)"
	else
		not_ok "el$R: the postgres account is the server package's" "getent passwd postgres: $acct"
	fi

	# --- HAProxy's services, PgBouncer ---
	user=dbuser_meta db=meta
	pw=$(inside awk -F: -v u="$user" '$4 == u { print $5 }' /etc/pgbundle/credentials)
	sql() { inside /usr/pgsql-15/bin/psql -XAtq "host=127.0.0.1 port=$1 user=$user password=$pw dbname=$db" -c "$2" 2>&1; }
	w=$(sql 5433 "CREATE TABLE IF NOT EXISTS app.ha_probe (x int); INSERT INTO app.ha_probe VALUES (1) RETURNING x")
	r=$(sql 5434 "SELECT count(*) > 0 FROM app.ha_probe")
	b=$(sql 6432 "SELECT current_database()")
	if [ "$w" = 1 ] && [ "$r" = t ] && [ "$b" = "$db" ] &&
		inside grep -q '^Environment="CONFIG=/etc/haproxy/pgbundle.cfg"$' /etc/systemd/system/haproxy.service.d/pgbundle.conf; then
		ok "el$R: a write through HAProxy's 5433 (primary, through PgBouncer), a read through 5434 (replica), PgBouncer on 6432"
	else
		not_ok "el$R: HAProxy's services and PgBouncer" "5433: $w; 5434: $r; 6432: $b"
		inside journalctl --no-pager -n 20 -u haproxy 2>&1 | sed 's/^/#   /'
	fi

	# --- pgBackRest ---
	info=$(inside runuser -u postgres -- pgbackrest --stanza=pg-meta --output=json info 2>&1)
	if echo "$info" | jq -e '.[0].status.code == 0 and ([.[0].backup[] | select(.type == "full" and (.error | not))] | length) >= 1' >/dev/null 2>&1; then
		ok "el$R: pgBackRest: stanza pg-meta sound, a full backup completed ($(echo "$info" | jq -r '.[0].backup[0].label'))"
	else
		not_ok "el$R: a pgBackRest full backup" "$(echo "$info" | head -c 800)"
	fi

	# --- Redis: AppStream's redis (EL 10: valkey), our units ---
	n=redis
	[ "$R" -ge 10 ] && n=valkey
	rpw=$(inside awk -F: '$4 == "redis_password" { print $5 }' /etc/pgbundle/secrets)
	rcli() { rp=$1; shift; inside env REDISCLI_AUTH="$rpw" "$n-cli" -p "$rp" "$@" 2>&1; }
	with=$(rcli 6379 ping) without=$(inside "$n-cli" -p 6379 ping 2>&1)
	rcli 6379 set pgbundle-probe 42 >/dev/null
	sleep 1
	rep=$(rcli 6380 get pgbundle-probe)
	r_user=$(inside stat -c %U "/proc/$(inside systemctl show -p MainPID --value redis-meta-1-6380)")
	conf_own=$(inside stat -c '%U %a' "/etc/$n/redis-meta-1-6379.conf" 2>&1)
	pkg_unit="$(inside systemctl is-active "$n" 2>&1)"
	if [ "$with" = PONG ] && echo "$without" | grep -q NOAUTH && [ "$rep" = 42 ] &&
		[ "$r_user" = "$n" ] && [ "$conf_own" = "$n 600" ] && [ "$pkg_unit" != active ] &&
		inside grep -q "^ExecStart=/usr/bin/$n-server /etc/$n/redis-meta-1-6380.conf\$" \
			/etc/systemd/system/redis-meta-1-6380.service &&
		inside test -s "/var/log/$n/redis-meta-1-6379.log"; then
		ok "el$R: Redis ($n from AppStream) answers with its password and refuses without it; 6380 replicates 6379; run as $n from /etc/$n, logs in /var/log/$n; $n.service not running"
	else
		not_ok "el$R: Redis in EL's layout" "with: $with; without: $without; replica: $rep; user '$r_user'; conf: $conf_own; $n.service: $pkg_unit"
		inside journalctl --no-pager -n 20 -u redis-meta-1-6379 -u redis-meta-1-6380 2>&1 | sed 's/^/#   /'
	fi

	[ -n "$mon" ] && monitor

	st=$(inside /root/pgbundle.run status --json 2>&1)
	if echo "$st" | jq -e --argjson mon "${mon:-0}" '.etcd.healthy and .patroni.role == "Leader" and .patroni.ok and .haproxy.ok and
	     .pgbouncer.ok and .pgbackrest.ok and .redis.ok and ($mon == 0 or (.monitor.ok and .prometheus.ok))' >/dev/null 2>&1; then
		ok "el$R: status --json: etcd healthy, Patroni's leader is this node, HAProxy, PgBouncer, pgBackRest${mon:+, the exporters, Prometheus} and Redis serve"
	else
		not_ok "el$R: status --json" "$(echo "$st" | head -c 1500)"
	fi

	pitr

	inside /root/pgbundle.run install --yes >"$T_TMP/install2.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'nothing to change' "$T_TMP/install2.log" &&
		! grep -q '^    + ' "$T_TMP/install2.log"; then
		ok "el$R: a second run exits 0 and says \"nothing to change\""
	else
		not_ok "el$R: a second run changes nothing" "status $rc: $(grep -v '^    |' "$T_TMP/install2.log" | grep -v '^    [^+]' | tail -n 12)"
	fi

	# --- uninstall, then purge ---
	inside /root/pgbundle.run uninstall >"$T_TMP/uninstall.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && ! inside test -e /etc/yum.repos.d/pgbundle.repo &&
		[ "$(sql 5433 'SELECT count(*) FROM app.ha_probe')" = 1 ]; then
		ok "el$R: uninstall removes pgbundle.repo and leaves the stack serving"
	else
		not_ok "el$R: uninstall" "status $rc: $(tail -n 5 "$T_TMP/uninstall.log")"
	fi
	inside /root/pgbundle.run uninstall --purge >"$T_TMP/purge.log" 2>&1
	rc=$?
	left=$(inside sh -c 'ls -d /var/lib/pgsql/15/data /etc/patroni/patroni.yml /etc/etcd/etcd.conf* /etc/etcd/pgbundle-disabled \
		/etc/haproxy/haproxy.cfg* /etc/haproxy/pgbundle.cfg /etc/pgbackrest.conf* /etc/pgbackrest/pgbackrest.conf /data/etcd /pg/backup /etc/pgbundle \
		/etc/redis /etc/redis.conf* /etc/valkey /data/redis /etc/systemd/system/redis-meta-1-6379.service \
		/etc/default/node_exporter* /etc/default/postgres_exporter* /etc/default/pgbouncer_exporter* \
		/etc/default/prometheus* /etc/prometheus/prometheus.yml* /etc/prometheus/rules /var/lib/prometheus/data \
		/etc/systemd/system/pgbouncer_exporter.service.d 2>/dev/null')
	pkgs=$(inside rpm -qa 'postgresql15*' pgbouncer patroni patroni-etcd etcd haproxy pgbackrest redis valkey \
		node_exporter postgres_exporter pgbouncer_exporter prometheus2)
	if [ "$rc" = 0 ] && [ -z "$left$pkgs" ] && inside rpm -q rocky-release >/dev/null; then
		ok "el$R: uninstall --purge removes the stack, its data and packages; etcd.conf and haproxy.cfg went back unmodified (no .rpmsave)"
	else
		not_ok "el$R: uninstall --purge" "status $rc; left: $left $pkgs; $(tail -n 6 "$T_TMP/purge.log")"
	fi
}

# monitor: EL 8's and 9's exporters and Prometheus, prometheus-rpm's
# packages (after el_booted_host, in ha).
monitor() {
	get() { inside python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1" 2>&1; }
	uid_of() { inside stat -c %U "/proc/$(inside systemctl show -p MainPID --value "$1")" 2>&1; }
	node=$(get http://127.0.0.1:9100/metrics) pgm=$(get http://127.0.0.1:9630/metrics) pgbm=$(get http://127.0.0.1:9631/metrics)
	users="$(uid_of node_exporter) $(uid_of postgres_exporter) $(uid_of pgbouncer_exporter) $(uid_of prometheus)"
	if echo "$node" | grep -q '^node_systemd_unit_state{name="patroni.service",state="active"[^}]*} 1' &&
		echo "$pgm" | grep -q '^pg_up 1' && echo "$pgbm" | grep -q '^pgbouncer_up 1' &&
		[ "$users" = "prometheus postgres pgbouncer prometheus" ] &&
		inside grep -q '^NODE_EXPORTER_OPTS="--web.listen-address=:9100 ' /etc/default/node_exporter &&
		inside grep -q '^PROMETHEUS_OPTS="--config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/var/lib/prometheus/data ' /etc/default/prometheus; then
		ok "el$R: the exporters from prometheus-rpm's packages answer: node_exporter 9100 (our units' states: patroni.service active), postgres_exporter 9630 (pg_up 1), pgbouncer_exporter 9631 (pgbouncer_up 1); run as $users, configured in /etc/default/NAME"
	else
		not_ok "el$R: the exporters in prometheus-rpm's layout" "users: $users; node: $(echo "$node" | grep -c .) lines; pg: $(echo "$pgm" | grep '^pg_up' | head -c 200); pgbouncer: $(echo "$pgbm" | grep -E '^pgbouncer_up|rror' | head -c 300)"
		inside journalctl --no-pager -n 15 -u node_exporter -u postgres_exporter -u pgbouncer_exporter 2>&1 | sed 's/^/#   /'
	fi
	up="" i=0
	while [ $i -lt 60 ]; do	# Prometheus scrapes every target once first
		up=$(inside promtool query instant http://127.0.0.1:9090 'up{ins!=""}' 2>&1)
		[ "$(echo "$up" | grep -c '=> 1 @')" -ge 4 ] && ! echo "$up" | grep -q '=> 0 @' && break
		sleep 2
		i=$((i + 2))
	done
	if [ "$(echo "$up" | grep -c '=> 1 @')" -ge 4 ] && ! echo "$up" | grep -q '=> 0 @'; then
		ok "el$R: Prometheus (prometheus2) scrapes every target of the config, all up ($(echo "$up" | grep -c '=> 1 @') targets, after ${i} s)"
	else
		not_ok "el$R: Prometheus' targets up" "$(echo "$up" | head -c 800)"
		inside journalctl --no-pager -n 15 -u prometheus 2>&1 | sed 's/^/#   /'
	fi
}

# pitr: the README's restore command on this host, with the EL bundle of
# release R by the name the README gives EL 9's (after el_booted_host; ha's
# sql and q).
PITR='./pgsql-el9-1.0.el9.x86_64.run pitr --time "$T"'
pitr() {
	t_readme_cmd "$PITR" || return 1
	cmd=$(echo "$PITR" | sed "s/el9/el$R/g")
	run=${cmd%% *}
	inside cp /root/pgbundle.run "/root/${run#./}" || return 1
	tl0=$(inside runuser -u postgres -- patronictl -c /etc/patroni/patroni.yml list -f json 2>/dev/null | jq -r '.[0].TL')
	c=$(sql 5433 "CREATE TABLE app.pitr_probe AS SELECT generate_series(1, 1000) AS i; SELECT count(*) FROM app.pitr_probe")
	T=$(sql 5433 "SELECT now()")
	sleep 2
	sql 5433 "DROP TABLE app.pitr_probe" >/dev/null
	gone=$(sql 5433 "SELECT to_regclass('app.pitr_probe') IS NULL")
	t0=$(date +%s)
	if [ "$c" != 1000 ] || [ "$gone" != t ] ||
		! inside sh -c "cd /root && T='$T' && $cmd" >"$T_TMP/pitr.log" 2>&1; then
		grep -v '^    |' "$T_TMP/pitr.log" | tail -n 15 | sed 's/^/#   /'
		not_ok "el$R: pitr --time" "rows made: $c; dropped: $gone; see above"
		return 1
	fi
	secs=$(( $(date +%s) - t0 ))
	w=""
	for _ in $(seq 1 30); do	# HAProxy's check finds the leader again
		w=$(sql 5433 "INSERT INTO app.pitr_probe VALUES (1001) RETURNING i")
		[ "$w" = 1001 ] && break
		sleep 1
	done
	rows=$(sql 5433 "SELECT count(*) FROM app.pitr_probe")
	list=$(inside runuser -u postgres -- patronictl -c /etc/patroni/patroni.yml list -f json 2>&1)
	if [ "$w" = 1001 ] && [ "$rows" = 1001 ] &&
		echo "$list" | jq -e --argjson tl "${tl0:-0}" 'length == 1 and .[0].Role == "Leader" and
		  .[0].State == "running" and .[0].TL > $tl' >/dev/null 2>&1 &&
		inside test -s /var/lib/pgsql/15/pgbundle-pitr.log; then
		ok "el$R: $cmd (T='$T') brings the 1000 dropped rows back; Patroni leads again (timeline ${tl0} -> $(echo "$list" | jq -r '.[0].TL')), a write through 5433 works (${secs} s, $(grep -o 'restored in [0-9.]* s' "$T_TMP/pitr.log"))"
	else
		not_ok "el$R: pitr brings the rows back under Patroni" "write: $w; rows: $rows; list: $list; $(inside ls -la /var/lib/pgsql/15 2>&1 | tr '\n' ' ')"
		return 1
	fi
}

for rel in ${EL_HA_RELEASES:-9 8 10}; do
	ha "$rel"
	[ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] &&
		sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	rm -rf "$ROOT"
done
