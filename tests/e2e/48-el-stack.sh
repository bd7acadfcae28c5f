#!/bin/sh
# tier: all
# The singleton config brings up on an EL host what it brings up on Debian:
# PostgreSQL in PGDG's layout (/usr/pgsql-15, /var/lib/pgsql/15/data,
# postgresql-15.service, initdb through /usr/pgsql-15/bin/postgresql-15-setup)
# with the config's users, databases, HBA rules, preloaded libraries and
# extensions, and PgBouncer (PGDG's unit, user pgbouncer) answering on 6432.
#
# For EL 9, 8 and 10 in turn.  No EL system boots here, so the host is a
# booted air-gapped bookworm (ci/airgap/boot.sh, systemd, loopback only) that
# says it is Rocky Linux R: its /etc/os-release is ELR's, its rpm database
# holds the ELR fixture's @core (registered, no file written), and Debian's
# rpm and dnf are there, so the installer takes its dnf path exactly as on
# EL.  The packages hold real programs: this host's PostgreSQL 15 and
# Debian's pgbouncer, pg_cron, pg_stat_kcache, hypopg and pg_repack,
# repackaged into PGDG's names and layout for each release and signed as
# PGDG's (tests/fixtures/el_pgdg_real.py: what follows PGDG and what does
# not).  A manifest of target elR with postgres [15] builds the bundle from
# them and the EL fixture (BaseOS, AppStream with EL8's and EL9's modular
# postgresql stream, EPEL).
#
# The config is manifests/config/singleton.yml without its HA modules
# (modules: [pgsql, pgbouncer]: PostgreSQL under PGDG's own unit; test 49
# brings the same singleton up with them) and with postgis left out of the
# business database (no PostGIS is repackaged: its libraries are most of a
# GIS stack); the test prints both differences.  Proved: --dry-run changes
# nothing; the offline install (its time printed); the cluster made by PGDG's
# setup script with data checksums, UTF8 and C.UTF-8; scram logins over TCP
# with the generated password and a wrong one refused; pg_hba's rules; the
# extensions, preloads and schema; PgBouncer running as pgbouncer with its
# files 0640 that user's and its socket and pid file in /run/pgbouncer,
# serving the business database with the same password; a second run changes
# nothing; a config with one more user and database reloads PostgreSQL and
# PgBouncer in place; status --json; uninstall restores /etc/yum.repos.d and
# leaves PostgreSQL running; uninstall --purge removes the cluster, packages
# and files, not the baseline.  With the installer before this test, PgBouncer
# did not start ("could not load file /etc/pgbouncer/pgbouncer.ini:
# Permission denied": PGDG's unit runs as pgbouncer).
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
need_root "EL stack in a booted container"
t_tmpdir

# --- the upstreams, the config and the bundle ---
el_booted_prelude

CONFIG=$T_TMP/el-stack.yml
sed -e 's/^\(    extensions: \[\)postgis, /\1/' -e 's/^modules: .*/modules: [pgsql, pgbouncer]/' \
	manifests/config/singleton.yml >"$CONFIG"
echo "# the config: manifests/config/singleton.yml but for (diff):"
diff manifests/config/singleton.yml "$CONFIG" | grep '^[<>]' | grep -v '^[<>] *#' | sed 's/^/#   /'
if [ "$(diff manifests/config/singleton.yml "$CONFIG" | grep '^[<>]' | grep -vc '^[<>] *#')" = 4 ]; then
	ok "the config is the singleton's but for two lines: modules (the stack without Patroni; test 49 has it) and postgis"
else
	not_ok "the config differs from the singleton in modules and postgis only" \
		"$(diff manifests/config/singleton.yml "$CONFIG" | head -n 12)"
fi
# stack R: the whole proof on EL R (8, 9, 10): bundle, host, install, checks.
stack() {
	R=$1
	NAME=pgb-el$R-$$ ROOT=$T_TMP/rootfs-$R
	el_real_build stack "[pg_cron, pg_stat_kcache, hypopg, pg_repack]" "[pgsql, pgbouncer]" el-stack.yml \
		"bundle of PostgreSQL 15, its contrib, four extensions and pgbouncer" || return 1

	# --- the host: bookworm with systemd, rpm and dnf, saying it is Rocky R ---
	el_booted_host || return 1
	ok "el$R: booted an air-gapped host with systemd that says $(inside sh -c '. /etc/os-release; echo "$PRETTY_NAME"'), with $(inside rpm --version) and dnf $(inside dnf --version 2>/dev/null | head -n 1)"

	# --- a dry run, then the install ---
	inside /root/pgbundle.run install --dry-run --key /root/pgbundle.asc >"$T_TMP/dry.log" 2>&1
	rc=$?
	left=$(inside sh -c 'ls -d /www /etc/pgbundle /var/lib/pgbundle /var/lib/pgsql /etc/yum.repos.d/pgbundle.repo 2>/dev/null')
	if [ "$rc" = 0 ] && grep -q 'nothing was changed' "$T_TMP/dry.log" && [ -z "$left" ] &&
		[ "$(inside cat /etc/yum.repos.d/rocky.repo)" = "$(cat "$T_TMP/rocky.repo")" ] &&
		! inside rpm -q postgresql15-server >/dev/null 2>&1; then
		ok "el$R: --dry-run prints the steps and changes nothing"
	else
		not_ok "el$R: --dry-run changes nothing" "status $rc; left: $left; $(grep -v '^    |' "$T_TMP/dry.log" | tail -n 5)"
	fi
	start=$(date +%s)
	inside /root/pgbundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/install.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	grep -v '^    |' "$T_TMP/install.log" | sed 's/^/#   /'
	if [ "$rc" = 0 ] && grep -q '^Done: ' "$T_TMP/install.log"; then
		ok "el$R: the .run installs offline through dnf and sets the stack up (${secs} s; $(grep -o 'PostgreSQL ready [0-9.]* s after the start' "$T_TMP/install.log"))"
	else
		not_ok "el$R: the .run installs and sets up the stack" "status $rc: $(grep -v '^    |' "$T_TMP/install.log" | tail -n 10)"
		inside journalctl --no-pager -n 30 -u postgresql-15 -u pgbouncer 2>&1 | sed 's/^/#   /'
		return 1
	fi

	# --- PostgreSQL in PGDG's layout ---
	q() { inside runuser -u postgres -- /usr/pgsql-15/bin/psql -XAtq -h /run/postgresql -d "$1" -c "$2" 2>&1; }
	en=$(inside systemctl is-enabled postgresql-15 2>&1) act=$(inside systemctl is-active postgresql-15 2>&1)
	dd=$(q postgres "SHOW data_directory")
	if [ "$en $act" = "enabled active" ] && [ "$dd" = /var/lib/pgsql/15/data ] &&
		inside test -s /var/lib/pgsql/15/initdb.log &&
		inside grep -q "^include_dir = 'conf.d'" /var/lib/pgsql/15/data/postgresql.conf &&
		inside test -s /var/lib/pgsql/15/data/conf.d/pgbundle.conf; then
		ok "el$R: postgresql-15.service enabled and running /usr/pgsql-15/bin/postgres on /var/lib/pgsql/15/data, made by postgresql-15-setup initdb (its log in /var/lib/pgsql/15/initdb.log), settings in conf.d/pgbundle.conf"
	else
		not_ok "el$R: PGDG's unit and layout" "is-enabled $en, is-active $act, data_directory '$dd'"
	fi
	got=$(q postgres "SELECT current_setting('data_checksums') || ' ' || pg_encoding_to_char(encoding) || ' ' || datcollate FROM pg_database WHERE datname = 'postgres'")
	if [ "$got" = "on UTF8 C.UTF-8" ]; then
		ok "el$R: the cluster has data checksums, UTF8 and the C.UTF-8 locale, as pg_createcluster makes it on Debian"
	else
		not_ok "el$R: data checksums, UTF8, C.UTF-8" "$got"
	fi

	# --- what the config says: the same checks as on Debian (install_target.sh) ---
	user=dbuser_meta db=meta
	pw=$(inside awk -F: -v u="$user" '$4 == u { print $5 }' /etc/pgbundle/credentials)
	mode=$(inside stat -c %a /etc/pgbundle/credentials)
	if [ -n "$pw" ] && [ "$mode" = 600 ]; then
		ok "el$R: a password for $user was generated, kept 0600 in /etc/pgbundle/credentials"
	else
		not_ok "el$R: generated password in the credentials file" "mode '$mode', password '${pw:+set}'"
	fi
	secret=$(q postgres "SELECT rolpassword FROM pg_authid WHERE rolname = '$user'")
	case "$secret" in
	SCRAM-SHA-256\$*) ok "el$R: $user's password is stored as a SCRAM-SHA-256 secret" ;;
	*) not_ok "el$R: $user's password is a SCRAM secret" "$(echo "$secret" | cut -c1-14)..." ;;
	esac
	hba=$(q postgres "SELECT type, database, user_name, address, auth_method FROM pg_hba_file_rules")
	if echo "$hba" | grep -q "^host|{$db}|{$user}|127.0.0.1|scram-sha-256$" &&
		echo "$hba" | grep -q "^host|{$db}|{$user}|::1|scram-sha-256$" &&
		! echo "$hba" | grep -Eq '\|(0\.0\.0\.0|::)\||\|all\|trust|\|trust$|\|md5$|\|password$'; then
		ok "el$R: pg_hba: $user to $db from 127.0.0.1 and ::1 by scram-sha-256, nothing open to all, no trust/md5"
	else
		not_ok "el$R: pg_hba rules" "$(echo "$hba" | tr '\n' ' ')"
	fi
	tcp() { inside /usr/pgsql-15/bin/psql -XAtq "host=127.0.0.1 port=$1 user=$user password=$2 dbname=$db" -c "$3" 2>&1; }
	got=$(tcp 5432 "$pw" "SELECT current_user || ' ' || current_database()")
	if [ "$got" = "$user $db" ]; then
		ok "el$R: psql over TCP 127.0.0.1:5432 as $user with the generated password"
	else
		not_ok "el$R: psql over TCP with the generated password" "$got"
	fi
	case "$(tcp 5432 "wrong-$pw" "SELECT 1")" in
	*"password authentication failed"*) ok "el$R: a wrong password is refused over TCP" ;;
	*) not_ok "el$R: a wrong password is refused" "$(tcp 5432 "wrong-$pw" "SELECT 1")" ;;
	esac
	want="hypopg pg_cron pg_repack pg_stat_kcache pg_stat_statements"
	have=$(q "$db" "SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'")
	libs=$(q postgres "SHOW shared_preload_libraries")
	schema=$(q "$db" "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'app'")
	if [ "$have" = "$want" ] && [ -n "$schema" ] &&
		[ "$(echo "$libs" | tr ',' '\n' | tr -d ' ' | sort | tr '\n' ' ')" = "pg_cron pg_stat_kcache pg_stat_statements " ]; then
		ok "el$R: the config's extensions exist in $db ($have), pg_libs preloaded ($libs), schema app (owner $schema)"
	else
		not_ok "el$R: extensions, preloads and schema" "extensions '$have', preload '$libs', app '$schema'"
	fi
	if [ "$(q "$db" "SELECT count(*) >= 0 FROM pg_stat_kcache()")" = t ] &&
		[ "$(q postgres "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'")" = 1 ]; then
		ok "el$R: pg_stat_kcache answers (preloaded after pg_stat_statements) and pg_cron's launcher runs"
	else
		not_ok "el$R: preloaded libraries work" "$(q "$db" "SELECT count(*) FROM pg_stat_kcache()" | tail -n 1)"
	fi

	# --- PgBouncer, as PGDG packages it ---
	pgb_pid=$(inside systemctl show -p MainPID --value pgbouncer)
	pgb_user=$(inside stat -c %U "/proc/$pgb_pid")
	owners=$(inside stat -c '%U:%G %a %n' /etc/pgbouncer/pgbouncer.ini /etc/pgbouncer/userlist.txt \
		/etc/pgbouncer/pgb_hba.conf | tr '\n' ' ')
	if [ "$(inside systemctl is-enabled pgbouncer)" = enabled ] && [ "$pgb_user" = pgbouncer ] &&
		[ "$owners" = "pgbouncer:pgbouncer 640 /etc/pgbouncer/pgbouncer.ini pgbouncer:pgbouncer 640 /etc/pgbouncer/userlist.txt pgbouncer:pgbouncer 640 /etc/pgbouncer/pgb_hba.conf " ] &&
		inside test -S /run/pgbouncer/.s.PGSQL.6432 && inside test -s /run/pgbouncer/pgbouncer.pid; then
		ok "el$R: pgbouncer.service enabled and running as user pgbouncer; its files 0640 pgbouncer's; socket and pid file in /run/pgbouncer"
	else
		not_ok "el$R: PgBouncer as PGDG runs it" "user '$pgb_user'; $owners; $(inside ls -la /run/pgbouncer 2>&1 | tr '\n' ' ')"
	fi
	got=$(tcp 6432 "$pw" "SELECT current_database() || ' ' || current_setting('port')")
	if [ "$got" = "$db 5432" ]; then
		ok "el$R: PgBouncer on 127.0.0.1:6432 serves $db with the same credentials"
	else
		not_ok "el$R: PgBouncer on 6432 serves $db" "$got"
	fi
	case "$(tcp 6432 wrong "SELECT 1")" in
	*"password authentication failed"*|*"SASL authentication failed"*) ok "el$R: PgBouncer refuses a wrong password" ;;
	*) not_ok "el$R: PgBouncer refuses a wrong password" "$(tcp 6432 wrong "SELECT 1")" ;;
	esac

	# --- again, a changed config, status, uninstall, purge ---
	inside /root/pgbundle.run install --yes >"$T_TMP/install2.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'nothing to change' "$T_TMP/install2.log" &&
		! grep -q '^    + ' "$T_TMP/install2.log"; then
		ok "el$R: a second run exits 0 and says \"nothing to change\""
	else
		not_ok "el$R: a second run changes nothing" "status $rc: $(grep -v '^    |' "$T_TMP/install2.log" | tail -n 8)"
	fi
	# One more user and database, served by PgBouncer: PostgreSQL reloads its
	# HBA and PgBouncer (as user pgbouncer) re-reads its files.
	python3 - "$CONFIG" "$ROOT/root/more.yml" <<'EOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("pg_databases:\n", "pg_databases:\n"
              "  - { name: app, owner: dbuser_app, extensions: [citext], schemas: [api] }\n")
s = s.replace("pg_users:\n", "pg_users:\n"
              "  - { name: dbuser_app, roles: [dbrole_readwrite], pgbouncer: true }\n")
s = s.replace("pg_hba_rules:\n", "pg_hba_rules:\n"
              "  - { user: dbuser_app, db: app, addr: localhost, auth: scram-sha-256 }\n")
open(sys.argv[2], "w").write(s)
EOF
	pgb_pid0=$(inside systemctl show -p MainPID --value pgbouncer)
	inside /root/pgbundle.run install --yes --config /root/more.yml >"$T_TMP/more.log" 2>&1
	rc=$?
	apw=$(inside awk -F: '$4 == "dbuser_app" { print $5 }' /etc/pgbundle/credentials)
	got=$(inside /usr/pgsql-15/bin/psql -XAtq "host=127.0.0.1 port=6432 user=dbuser_app password=$apw dbname=app" \
		-c "SELECT current_database() || ' ' || (SELECT count(*) FROM pg_extension WHERE extname = 'citext')" 2>&1)
	if [ "$rc" = 0 ] && [ "$got" = "app 1" ] &&
		[ "$(inside systemctl show -p MainPID --value pgbouncer)" = "$pgb_pid0" ] &&
		[ "$(tcp 6432 "$pw" "SELECT 1")" = 1 ]; then
		ok "el$R: a config with one more user and database: created, reached through PgBouncer reloaded in place (pid $pgb_pid0), the first user's password kept"
	else
		not_ok "el$R: a changed config on EL" "status $rc; got '$got'; $(grep -v '^    |' "$T_TMP/more.log" | tail -n 6)"
	fi
	st=$(inside /root/pgbundle.run status --json 2>&1)
	if echo "$st" | jq -e '.pgsql.ok and .pgsql.unit == "postgresql-15" and .pgsql.data == "/var/lib/pgsql/15/data" and .pgbouncer.ok' >/dev/null 2>&1; then
		ok "el$R: status --json: postgresql-15 on /var/lib/pgsql/15/data and PgBouncer serve"
	else
		not_ok "el$R: status --json" "$(echo "$st" | head -c 1200)"
	fi
	inside /root/pgbundle.run uninstall >"$T_TMP/uninstall.log" 2>&1
	rc=$?
	inside cat /etc/yum.repos.d/rocky.repo >"$T_TMP/rocky.after" 2>&1
	if [ "$rc" = 0 ] && cmp -s "$T_TMP/rocky.repo" "$T_TMP/rocky.after" &&
		! inside test -e /etc/yum.repos.d/pgbundle.repo &&
		inside systemctl is-active --quiet postgresql-15 && [ "$(q postgres 'SELECT 1')" = 1 ]; then
		ok "el$R: uninstall puts rocky.repo back, removes pgbundle.repo, leaves PostgreSQL running"
	else
		not_ok "el$R: uninstall" "status $rc: $(tail -n 5 "$T_TMP/uninstall.log")"
	fi
	inside /root/pgbundle.run uninstall --purge >"$T_TMP/purge.log" 2>&1
	rc=$?
	left=$(inside sh -c 'ls -d /var/lib/pgsql /usr/pgsql-15 /usr/bin/pgbouncer /etc/pgbouncer /www/pgbundle \
		/etc/pgbundle /var/lib/pgbundle 2>/dev/null')
	pkgs=$(inside rpm -qa 'postgresql15*' pgbouncer 'pg_*_15' hypopg_15)
	if [ "$rc" = 0 ] && [ -z "$left$pkgs" ] && inside rpm -q rocky-release >/dev/null; then
		ok "el$R: uninstall --purge removes the cluster, the packages and the repository, not the baseline"
	else
		not_ok "el$R: uninstall --purge" "status $rc; left: $left $pkgs; $(tail -n 4 "$T_TMP/purge.log")"
	fi
}

for rel in 9 8 10; do
	stack "$rel"
	[ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] &&
		sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	rm -rf "$ROOT"
done
