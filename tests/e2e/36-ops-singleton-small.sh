#!/bin/sh
# tier: fast
# The seed's smallest host: the singleton config with every module enabled
# (etcd, Patroni, PgBouncer, HAProxy, pgBackRest, the exporters, Prometheus,
# Redis) on an air-gapped bookworm container limited to 1 CPU and 2 GiB
# (boot.sh --property CPUQuota=100% --property MemoryMax=2G), from the d12 .run:
#   - a dry run changes nothing;
#   - install: the memory settings are sized for 2 GiB and Pigsty's tiny
#     template is chosen (1 CPU); a completed, encrypted full backup (a wrong
#     passphrase cannot read the repository); each exporter answers on its
#     port; Prometheus has every target up and its rules loaded, and a failed
#     backup raises BackupFailed; Redis answers with its password and
#     refuses without it, its replica follows; status --json says so;
#   - pitr: rows inserted, the time noted, the table dropped, `pitr --time`
#     brings the rows back and Patroni leads again;
#   - a second run changes nothing; nothing was killed by the OOM killer;
#   - uninstall --purge removes what these modules wrote (dry run first).
# Also: a manifest asking for Grafana is refused by the builder, naming
# Grafana's repository (it is not in Debian and not reachable from here).
# Figures: install time, the backup's and the restore's time, peak memory.
# readme: ./pgsql-d12-1.0.d12.amd64.run pitr --time "$T"
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "ops singleton"
t_tmpdir

AIRGAP=$TOP/ci/airgap
NAME=pgb-ops-$$
ROOT=$T_TMP/rootfs
RUN_BASE=${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}
cleanup() {
	[ -d "$RUN_BASE/$NAME" ] && sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

inside() { sh "$AIRGAP/boot.sh" exec "$NAME" "$@"; }
# The host's curl in the container's network (a minbase has no HTTP client).
http() { nsenter -t "$(cat "$RUN_BASE/$NAME/init.pid")" -n curl -fsS --max-time 10 "$1"; }
sql() { inside runuser -u postgres -- psql -XAtq -d "${2:-meta}" -c "$1"; }
redis() {	# PORT [PASSWORD] CMD...
	rp=$1 rpw=$2
	shift 2
	if [ -n "$rpw" ]; then
		inside env REDISCLI_AUTH="$rpw" redis-cli -p "$rp" "$@"
	else
		inside redis-cli -p "$rp" "$@"
	fi
}
etc_sum() {
	inside sh -c 'find /etc/pgbackrest /etc/redis /etc/prometheus /etc/patroni /etc/pgbundle \
		/etc/default /etc/systemd/system -type f -exec md5sum {} + 2>/dev/null | sort
		ls /pg /data /var/lib/postgresql 2>/dev/null'
}

# ---- the builder: Grafana only from Grafana's repositories ----
cat >"$T_TMP/grafana.yml" <<'EOF'
name: grafana-d12
version: "1.0"
target: d12
arch: amd64
postgres: [15]
modules: [pgsql, grafana]
upstreams: [debian, debian-updates, debian-security, grafana-apt]
EOF
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null 2>&1
out=$("$PGBUNDLE" build "$T_TMP/grafana.yml" -o "$T_TMP/grafana-out" --key "$T_TMP/keys/pgbundle.key" 2>&1)
if [ $? != 0 ] && echo "$out" | grep -q "grafana-apt" && [ ! -e "$T_TMP/grafana-out" -o -z "$(ls "$T_TMP/grafana-out" 2>/dev/null)" ]; then
	ok "a bundle with Grafana needs Grafana's own repository, unreachable here: refused, nothing faked ($(echo "$out" | tail -n 1 | cut -c1-120))"
else
	not_ok "Grafana is refused without its repository" "$out"
fi

# ---- the config: the bundled singleton with every module ----
CFG=$T_TMP/every.yml
sed 's/^modules: .*/modules: [pgsql, pgbouncer, patroni, etcd, haproxy, pgbackrest, monitor, infra, redis]/' \
	"$TOP/manifests/config/singleton.yml" >"$CFG"
cat >>"$CFG" <<'EOF'
redis_cluster: redis-meta
redis_instances: {6379: {}, 6380: {replica_of: '127.0.0.1 6379'}}
EOF

install_build d12 || exit 1
if ! sh "$AIRGAP/rootfs.sh" bookworm "$ROOT" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$ROOT/root/pgbundle.run"
install_key "$ROOT"
# The README's restore command runs the .run by its own name.
PITR='./pgsql-d12-1.0.d12.amd64.run pitr --time "$T"'
cp "$RUN" "$ROOT/root/pgsql-d12-1.0.d12.amd64.run"
cp "$CFG" "$ROOT/root/every.yml"
if ! sh "$AIRGAP/boot.sh" start "$ROOT" "$NAME" --property CPUQuota=100% \
	--property MemoryMax=2G 2>"$T_TMP/boot.log"; then
	not_ok "boot bookworm limited to 1 CPU and 2 GiB" "$(tail -n 3 "$T_TMP/boot.log")"
	exit 1
fi
lim=$(inside cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us | tr '\n' ' ')
if [ "$lim" = "2147483648 100000 " ]; then
	ok "the container is limited to 2 GiB and 1 CPU, and sees it (cgroup: $lim)"
else
	not_ok "the container's limits" "memory, quota: $lim"
fi

# ---- dry run ----
before=$(etc_sum)
if inside /root/pgbundle.run install --yes --key /root/pgbundle.asc --dry-run --config /root/every.yml >"$T_TMP/dry.log" 2>&1 &&
   [ "$(etc_sum)" = "$before" ] && grep -q 'Redis redis-meta' "$T_TMP/dry.log" &&
   grep -q 'pgBackRest: stanza pg-meta' "$T_TMP/dry.log"; then
	ok "install --dry-run walks every module and changes nothing"
else
	not_ok "dry run" "$(tail -n 5 "$T_TMP/dry.log")"
fi

# ---- install ----
t0=$(date +%s)
if inside /root/pgbundle.run install --yes --key /root/pgbundle.asc --config /root/every.yml >"$T_TMP/install.log" 2>&1; then
	ok "install of every module on the small host"
	echo "# figure: install on 1 CPU / 2 GiB, every module: $(($(date +%s) - t0)) s"
else
	tail -n 25 "$T_TMP/install.log" | sed 's/^/#   /'
	not_ok "install of every module on the small host" "see above"
	exit 1
fi
grep -E 'full backup done|ready' "$T_TMP/install.log" | sed 's/^ */# figure: /'

got=$(sql "SELECT current_setting('shared_buffers') || ' ' || current_setting('max_connections') || ' ' || current_setting('max_parallel_workers_per_gather')" postgres)
if [ "$got" = "512MB 250 0" ]; then
	ok "PostgreSQL is sized for 2 GiB (shared_buffers 512MB) with Pigsty's tiny template (250 connections, no parallel gather)"
else
	not_ok "memory and tiny settings" "shared_buffers, max_connections, per gather: $got"
fi

st=$(inside /root/pgbundle.run status --json 2>&1)
echo "$st" >"$T_TMP/status.json"
if echo "$st" | jq -e '.pgbackrest.ok and .pgbackrest.encrypted and .pgbackrest.cipher == "aes-256-cbc" and
     .pgbackrest.backups >= 1 and .pgbackrest.last_backup.type == "full" and
     (.pgbackrest.last_backup.error | not)' >/dev/null 2>&1; then
	ok "a completed full backup in an aes-256-cbc repository ($(echo "$st" | jq -r .pgbackrest.last_backup.label))"
else
	not_ok "a completed encrypted full backup" "$(echo "$st" | jq -c .pgbackrest 2>&1 | head -c 600)"
fi
# Another passphrase (pgBackRest takes it from the environment, never argv).
inside runuser -u postgres -- env PGBACKREST_REPO1_CIPHER_PASS=not-the-passphrase \
	pgbackrest --stanza=pg-meta --output=json info >"$T_TMP/wrongpass.json" 2>&1
# (not jq: the message quotes the undecrypted bytes, which are no UTF-8)
if grep -q '"backup":\[\]' "$T_TMP/wrongpass.json" && grep -q '"code":99' "$T_TMP/wrongpass.json" &&
   grep -q 'unable to load info file' "$T_TMP/wrongpass.json"; then
	ok "the repository cannot be read with another passphrase (its info files do not decrypt)"
else
	not_ok "a wrong passphrase reads nothing" "$(head -c 300 "$T_TMP/wrongpass.json" | tr -cd '[:print:]')"
fi
mode=$(inside stat -c '%a %U' /etc/pgbackrest/pgbackrest.conf)
secret=$(inside awk -F: '$4 == "pgbackrest_cipher_pass" { print length($5) }' /etc/pgbundle/secrets)
if [ "$mode" = "640 postgres" ] && [ "${secret:-0}" -ge 20 ]; then
	ok "the passphrase is a generated cluster secret (/etc/pgbundle/secrets, $secret characters), its config 0640 postgres"
else
	not_ok "the passphrase kept with the credentials" "mode: $mode, length: $secret"
fi

# ---- the exporters and Prometheus ----
n=$(http http://127.0.0.1:9100/metrics | grep -c '^node_') p=$(http http://127.0.0.1:9630/metrics | grep -c '^pg_up 1')
b=$(http http://127.0.0.1:9631/metrics | grep -c '^pgbouncer_used_clients')
if [ "${n:-0}" -gt 100 ] && [ "$p" = 1 ] && [ "$b" = 1 ]; then
	ok "the exporters answer: node on 9100 ($n series), postgres on 9630 (pg_up 1, as dbuser_monitor), pgbouncer on 9631"
else
	not_ok "the exporters answer on their ports" "node series: $n, pg_up 1: $p, pgbouncer: $b"
fi
up=""
for _ in $(seq 1 30); do
	up=$(inside /root/pgbundle.run status --json 2>/dev/null | jq -r '"\(.prometheus.targets_up)/\(.prometheus.targets)"')
	case "$up" in 4/4) break ;; esac
	sleep 2
done
rules=$(http http://127.0.0.1:9090/api/v1/rules | jq -r '[.data.groups[].rules[].name] | sort | join(" ")')
if [ "$up" = 4/4 ] && [ "$rules" = "BackupFailed InstanceDown ReplicationLag" ]; then
	ok "Prometheus scrapes every target of the config, all up ($up), with the rules $rules"
else
	not_ok "Prometheus' targets and rules" "up: $up; rules: $rules"
fi
inside chmod 000 /pg/backup
inside systemctl start pgbackrest-backup.service >/dev/null 2>&1
fired=""
for _ in $(seq 1 45); do
	fired=$(http 'http://127.0.0.1:9090/api/v1/alerts' | jq -r '[.data.alerts[] | select(.labels.alertname == "BackupFailed" and .state == "firing")] | length')
	[ "$fired" = 1 ] && break
	sleep 2
done
inside chmod 750 /pg/backup
inside systemctl reset-failed pgbackrest-backup.service
[ "$fired" = 1 ] && ok "a failed backup (the repository made unreadable) fires BackupFailed in Prometheus" ||
	not_ok "BackupFailed fires" "firing: $fired"

# ---- Redis ----
pw=$(inside awk -F: '$4 == "redis_password" { print $5 }' /etc/pgbundle/secrets)
with=$(redis 6379 "$pw" ping 2>&1) without=$(redis 6379 "" ping 2>&1)
redis 6379 "$pw" set pgbundle-probe 42 >/dev/null 2>&1
sleep 1
rep=$(redis 6380 "$pw" get pgbundle-probe 2>&1)
mm=$(redis 6380 "$pw" config get maxmemory 2>&1 | tail -n 1)
if [ "$with" = PONG ] && echo "$without" | grep -q NOAUTH && [ "$rep" = 42 ] &&
   [ "$mm" = $((128 * 1024 * 1024)) ]; then
	ok "Redis answers with its password and refuses without it; 6380 replicates 6379; maxmemory 128 MB each (2 GiB / 8 / 2)"
else
	not_ok "Redis" "with: $with; without: $without; replica: $rep; maxmemory: $mm"
fi
# Again now that Prometheus has scraped every target (right after install
# its targets may not all be up yet).
inside /root/pgbundle.run status --json >"$T_TMP/status.json" 2>&1
if jq -e '.etcd.healthy and .patroni.role == "Leader" and .monitor.ok and .prometheus.ok and .redis.ok and .pgbouncer.ok and .haproxy.ok' \
	"$T_TMP/status.json" >/dev/null 2>&1; then
	ok "status --json: every module serves"
else
	not_ok "status --json: every module serves" "$(jq -c 'with_entries(select(.value | type == "object" and .ok == false)) | keys' "$T_TMP/status.json" 2>&1) $(head -c 600 "$T_TMP/status.json")"
fi

# ---- point-in-time restore ----
sql "CREATE TABLE app.pitr_probe AS SELECT generate_series(1, 1000) AS i" >/dev/null
T=$(sql "SELECT now()")
sleep 2
sql "DROP TABLE app.pitr_probe" >/dev/null
t0=$(date +%s)
if t_readme_cmd "$PITR" &&
   inside sh -c "cd /root && T='$T' && $PITR" >"$T_TMP/pitr.log" 2>&1; then
	echo "# figure: pitr on 1 CPU / 2 GiB: $(($(date +%s) - t0)) s ($(grep -o 'restored in [0-9.]* s' "$T_TMP/pitr.log"))"
	rows=$(sql "SELECT count(*) FROM app.pitr_probe" 2>&1)
	role=$(inside /root/pgbundle.run status --json 2>/dev/null | jq -r .patroni.role)
	if [ "$rows" = 1000 ] && [ "$role" = Leader ]; then
		ok "pitr --time '$T' brings the 1000 dropped rows back; Patroni leads again"
	else
		not_ok "pitr brings the rows back" "rows: $rows; Patroni role: $role"
	fi
else
	tail -n 15 "$T_TMP/pitr.log" | sed 's/^/#   /'
	not_ok "pitr --time" "see above"
fi

# ---- again: nothing to change ----
if inside /root/pgbundle.run install --yes --config /root/every.yml >"$T_TMP/again.log" 2>&1 &&
   grep -q 'nothing to change' "$T_TMP/again.log"; then
	ok "a second run changes nothing"
else
	not_ok "a second run changes nothing" "$(grep -E '^ +\+ ' "$T_TMP/again.log" | head -n 5) $(tail -n 2 "$T_TMP/again.log")"
fi

# ---- the OOM killer ----
mem=$(grep memory "$RUN_BASE/$NAME/limits")
kills=$(awk '$1 == "oom_kill" { print $2 }' "$mem/memory.oom_control")
peak=$(($(cat "$mem/memory.max_usage_in_bytes") / 1024 / 1024))
if [ "$kills" = 0 ]; then
	ok "nothing was killed by the OOM killer (memory.oom_control: oom_kill 0)"
else
	not_ok "no OOM kill" "oom_kill $kills"
fi
echo "# figure: peak memory of the container: $peak MiB of 2048"

# ---- uninstall --purge ----
before=$(etc_sum)
inside /root/pgbundle.run uninstall --purge --yes --dry-run >"$T_TMP/udry.log" 2>&1
[ "$(etc_sum)" = "$before" ] && ok "uninstall --purge --dry-run changes nothing" ||
	not_ok "uninstall --purge --dry-run changes nothing"
if inside /root/pgbundle.run uninstall --purge --yes >"$T_TMP/purge.log" 2>&1; then
	left=$(inside sh -c 'ls -d /etc/pgbackrest/pgbackrest.conf /pg/backup /etc/redis/redis-meta-1-6379.conf \
		/data/redis/redis-meta-1-6379 /etc/prometheus/rules /etc/systemd/system/pgbackrest-backup.timer \
		/etc/systemd/system/redis-meta-1-6379.service /var/lib/prometheus/metrics2 2>/dev/null')
	if [ -z "$left" ]; then
		ok "uninstall --purge removes pgBackRest's, Prometheus' and Redis' configuration and data"
	else
		not_ok "uninstall --purge removes their files" "left: $left"
	fi
else
	not_ok "uninstall --purge" "$(tail -n 5 "$T_TMP/purge.log")"
fi
