#!/bin/sh
# tier: fast
# PostgreSQL and PgBouncer brought up from the installer config, on a booted
# air-gapped bookworm (systemd, loopback only), with the d12 .run the real
# builder makes and the bundled singleton config:
#   - a bad config is refused with FILE:LINE:COL before anything changes, and
#     --dry-run changes nothing;
#   - install: the generated password (0600 credentials file, pgpass format)
#     logs in over TCP 127.0.0.1 with SCRAM and a wrong one fails; pg_hba has
#     no rule open to every address; the config's extensions exist in the
#     business database; PgBouncer on 6432 serves it; the units (etcd,
#     Patroni, PgBouncer, HAProxy) are enabled;
#   - a second run changes nothing;
#   - a config with one more user, database and extension creates only those,
#     and the first user keeps its password; the run after that changes nothing.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "pg bootstrap"
t_tmpdir

AIRGAP=$TOP/ci/airgap
NAME=pgb-pg-$$
ROOT=$T_TMP/rootfs
cleanup() {
	[ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] &&
		sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

inside() { sh "$AIRGAP/boot.sh" exec "$NAME" "$@"; }
# installer LOG ARGS...: the .run inside the container, trusting the
# publisher's key; its output in LOG.
installer() {
	log=$1
	shift
	inside /root/pgbundle.run --key /root/pgbundle.asc "$@" >"$log" 2>&1
}
# The lines a run reports as changes ("    + ..." or "    would: ...").
changes() { grep -E '^ +(\+|would:) ' "$1"; }
psql_tcp() {	# PORT USER PASSWORD DB SQL
	inside env PGPASSWORD="$3" PGCONNECT_TIMEOUT=10 psql -X -At \
		"host=127.0.0.1 port=$1 user=$2 dbname=$4 sslmode=disable" -c "$5"
}
as_postgres() { inside runuser -u postgres -- psql -X -At -d "$1" -c "$2"; }
password_of() { inside awk -F: -v u="$1" '$4 == u { print $5 }' /etc/pgbundle/credentials; }
etc_sum() {	# what a refused or dry run must leave alone
	inside sh -c 'find /etc/postgresql /etc/pgbouncer /etc/pgbundle /etc/apt \
		-type f -exec md5sum {} + 2>/dev/null | sort; ls /var/lib/postgresql 2>/dev/null'
}

# ---- the d12 .run, built once per manifest, config, recipes and programs
# (shared with 31 and 32) ----
install_build d12 || exit 1
ok "the d12 .run is built ($(du -h "$RUN" | cut -f1))"

# ---- a fresh booted bookworm, no network ----
if ! sh "$AIRGAP/rootfs.sh" bookworm "$ROOT" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$ROOT/root/pgbundle.run"
chmod 0755 "$ROOT/root/pgbundle.run"
install_key "$ROOT"
cp "$CONFIG" "$ROOT/root/singleton.yml"
if ! sh "$AIRGAP/boot.sh" start "$ROOT" "$NAME" 2>"$T_TMP/boot.log"; then
	not_ok "boot the container" "$(cat "$T_TMP/boot.log")"
	exit 1
fi

# ---- a bad config: refused at its line, nothing touched ----
before=$(etc_sum)
sed 's/^pg_port: 5432/pg_port: 5432\npg_usres: []/' "$CONFIG" >"$ROOT/root/bad.yml"
if installer "$T_TMP/bad.log" install --yes --config /root/bad.yml; then
	not_ok "a config with an unknown key is refused" "install succeeded"
elif grep -q "/root/bad.yml:[0-9]*:[0-9]*: unknown key 'pg_usres'" "$T_TMP/bad.log" &&
     [ "$(etc_sum)" = "$before" ]; then
	ok "a config with an unknown key is refused with FILE:LINE:COL, nothing changed"
else
	not_ok "a config with an unknown key is refused with FILE:LINE:COL" "$(tail -n 3 "$T_TMP/bad.log")"
fi

# ---- dry run ----
if installer "$T_TMP/dry.log" install --yes --dry-run --config /root/singleton.yml &&
   grep -q "create role dbuser_meta" "$T_TMP/dry.log" &&
   grep -q "create extension pg_stat_kcache in database meta" "$T_TMP/dry.log" &&
   [ "$(etc_sum)" = "$before" ]; then
	ok "--dry-run lists the roles, databases and extensions to create and changes nothing"
else
	not_ok "--dry-run changes nothing" "$(tail -n 5 "$T_TMP/dry.log")"
fi

# ---- a preload no package of the bundle has: refused before PostgreSQL ----
# Patroni would otherwise start a server that cannot start, again and again,
# until the install gave up after 10 minutes.  Fixing the config and running
# install again converges (the install below).
sed 's/^pg_libs: \[\(.*\)\]/pg_libs: [\1, timescaledb]/' "$CONFIG" >"$ROOT/root/nolib.yml"
if ! grep -q '^pg_libs: .*timescaledb' "$ROOT/root/nolib.yml"; then
	not_ok "a config preloading timescaledb" "singleton.yml has no pg_libs line to extend"
elif installer "$T_TMP/nolib.log" install --yes --config /root/nolib.yml; then
	not_ok "a preload the bundle lacks is refused" "install succeeded"
elif grep -q "/root/nolib.yml: pg_libs asks to preload timescaledb, but PostgreSQL 15 on this host has no /usr/lib/postgresql/15/lib/timescaledb.so" "$T_TMP/nolib.log" &&
     ! inside systemctl -q is-active patroni && ! inside test -e /etc/patroni/config.yml; then
	ok "a preload no package of the bundle has is refused, naming the file and the library, before Patroni is set up"
else
	not_ok "a preload the bundle lacks is refused before Patroni is set up" "$(tail -n 3 "$T_TMP/nolib.log")"
fi

# ---- install ----
start=$(date +%s)
if installer "$T_TMP/install.log" install --yes --config /root/singleton.yml; then
	ok "install with the singleton config ($(( $(date +%s) - start ))s, $(changes "$T_TMP/install.log" | wc -l) changes)"
else
	not_ok "install with the singleton config" "$(tail -n 8 "$T_TMP/install.log")"
	exit 1
fi

mode=$(inside stat -c '%a %U' /etc/pgbundle/credentials)
PW=$(password_of dbuser_meta)
if [ "$mode" = "600 root" ] && [ "${#PW}" -ge 32 ]; then
	ok "a ${#PW}-character password was generated on the host into a 0600 root credentials file"
else
	not_ok "generated password in a 0600 credentials file" "mode '$mode', password length ${#PW}"
fi
if [ "$(psql_tcp 5432 dbuser_meta "$PW" meta 'select current_user' 2>&1)" = dbuser_meta ]; then
	ok "dbuser_meta logs in over TCP 127.0.0.1:5432 with the generated password"
else
	not_ok "login over TCP with the generated password" "$(psql_tcp 5432 dbuser_meta "$PW" meta 'select 1' 2>&1)"
fi
if psql_tcp 5432 dbuser_meta "wrong-$PW" meta 'select 1' >"$T_TMP/wrong.log" 2>&1; then
	not_ok "a wrong password is refused" "it logged in"
elif grep -q 'password authentication failed' "$T_TMP/wrong.log"; then
	ok "a wrong password is refused"
else
	not_ok "a wrong password is refused" "$(cat "$T_TMP/wrong.log")"
fi
scram=$(as_postgres postgres "select rolpassword like 'SCRAM-SHA-256\$4096:%' from pg_authid where rolname = 'dbuser_meta'")
enc=$(as_postgres postgres "show password_encryption")
open=$(as_postgres postgres "select count(*) from pg_hba_file_rules where address in ('0.0.0.0', '::') or 'all' = any(user_name) and type <> 'local'")
methods=$(as_postgres postgres "select string_agg(distinct auth_method, ',' order by auth_method) from pg_hba_file_rules")
if [ "$scram" = t ] && [ "$enc" = scram-sha-256 ] && [ "$open" = 0 ] && [ "$methods" = "peer,scram-sha-256" ]; then
	ok "SCRAM secret stored, password_encryption scram-sha-256, HBA peer + scram only, nothing open to all"
else
	not_ok "SCRAM and least-privilege HBA" "secret scram: $scram, encryption: $enc, open rules: $open, methods: $methods"
fi

# meta also has what template1 had (pg_default_extensions, as Pigsty's)
want="hypopg pg_cron pg_repack pg_stat_kcache pg_stat_statements postgis"
have=$(psql_tcp 5432 dbuser_meta "$PW" meta "select string_agg(extname, ' ' order by extname) from pg_extension where extname in ('hypopg', 'pg_cron', 'pg_repack', 'pg_stat_kcache', 'pg_stat_statements', 'postgis')" 2>&1)
if [ "$have" = "$want" ]; then
	ok "the config's extensions exist in database meta ($have)"
else
	not_ok "the config's extensions exist in database meta" "want $want, have $have"
fi
if [ "$(psql_tcp 5432 dbuser_meta "$PW" meta "select postgis_lib_version() is not null and (select count(*) >= 0 from pg_stat_kcache())" 2>&1)" = t ]; then
	ok "postgis and pg_stat_kcache (preloaded after pg_stat_statements) work"
else
	not_ok "postgis and pg_stat_kcache work" "$(psql_tcp 5432 dbuser_meta "$PW" meta 'select pg_stat_kcache()' 2>&1 | tail -n 2)"
fi
got=$(psql_tcp 6432 dbuser_meta "$PW" meta "select current_database() || ' ' || current_user" 2>&1)
if [ "$got" = "meta dbuser_meta" ] &&
   ! psql_tcp 6432 dbuser_meta "wrong-$PW" meta 'select 1' >/dev/null 2>&1; then
	ok "PgBouncer on 127.0.0.1:6432 serves meta with the same password (scram), refuses a wrong one"
else
	not_ok "PgBouncer on 6432 serves meta" "got: $got"
fi
en=$(inside systemctl is-enabled etcd patroni pgbouncer haproxy | tr '\n' ' ')
act=$(inside systemctl is-active etcd patroni pgbouncer haproxy | tr '\n' ' ')
if [ "$en" = "enabled enabled enabled enabled " ] && [ "$act" = "active active active active " ]; then
	ok "etcd, patroni (PostgreSQL), pgbouncer and haproxy are enabled and running"
else
	not_ok "services enabled and running" "is-enabled: $en; is-active: $act"
fi

# ---- again: nothing to change ----
if installer "$T_TMP/again.log" install --yes --config /root/singleton.yml &&
   grep -qi "nothing to change" "$T_TMP/again.log" && ! changes "$T_TMP/again.log" >/dev/null; then
	ok "a second run exits 0 and changes nothing"
else
	not_ok "a second run changes nothing" "$(changes "$T_TMP/again.log" | head -n 5; tail -n 3 "$T_TMP/again.log")"
fi

# ---- one more user, database and extension: only those are created ----
python3 - "$CONFIG" "$ROOT/root/more.yml" <<'EOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("pg_databases:\n", "pg_databases:\n"
              "  - { name: app, owner: dbuser_app, extensions: [citext], schemas: [api] }\n")
s = s.replace("pg_users:\n", "pg_users:\n"
              "  - { name: dbuser_app, roles: [dbrole_readwrite], pgbouncer: true }\n")
s = s.replace("pg_hba_rules:\n", "pg_hba_rules:\n"
              "  - { user: dbuser_app, db: app, addr: localhost, auth: scram-sha-256 }\n")
s = s.replace("extensions: [postgis,", "extensions: [hstore, postgis,")
open(sys.argv[2], "w").write(s)
EOF
if installer "$T_TMP/more.log" install --yes --config /root/more.yml; then
	created=$(changes "$T_TMP/more.log" | grep -E 'create|grant|generate' | sed 's/^ *[+a-z:]* //' | sort | tr '\n' ';')
	want="create database app (owner dbuser_app);create extension citext in database app;create extension hstore in database meta;create role dbuser_app (login);create schema api in database app (owner dbuser_app);generate a password for dbuser_app (kept in /etc/pgbundle/credentials);grant dbrole_readwrite to dbuser_app;"
	if [ "$created" = "$want" ]; then
		ok "a config with one more user, database and extension creates only those"
	else
		not_ok "a changed config creates only the difference" "got: $created"
	fi
else
	not_ok "install with a changed config" "$(tail -n 8 "$T_TMP/more.log")"
fi
APW=$(password_of dbuser_app)
if [ "$(password_of dbuser_meta)" = "$PW" ] &&
   [ "$(psql_tcp 5432 dbuser_meta "$PW" meta 'select 1' 2>&1)" = 1 ] &&
   [ "$(psql_tcp 6432 dbuser_app "$APW" app "select current_database() || ' ' || (select count(*) from pg_extension where extname = 'citext')" 2>&1)" = "app 1" ]; then
	ok "dbuser_meta keeps its password; dbuser_app reaches app through PgBouncer"
else
	not_ok "passwords kept, new user served" "$(psql_tcp 6432 dbuser_app "$APW" app 'select 1' 2>&1 | tail -n 1)"
fi
if installer "$T_TMP/more2.log" install --yes --config /root/more.yml &&
   ! changes "$T_TMP/more2.log" >/dev/null; then
	ok "the run after the change changes nothing"
else
	not_ok "the run after the change changes nothing" "$(changes "$T_TMP/more2.log" | head -n 5)"
fi
