# tests/e2e/kill_install.sh - a small d12 bundle and the tools to install it
# on fresh air-gapped bookworm hosts, interrupt that, and compare hosts;
# shared by 51-kill-install.sh, 52-power-off.sh, 53-full-disk.sh and
# 54-concurrency.sh.  Source tests/lib.sh and install_target.sh first.
#
#   ki_build                  the bundle (PostgreSQL 15, PgBouncer, hypopg,
#                             pg_stat_kcache; a config with one user and one
#                             database): sets RUN
#   ki_boot NAME              a fresh bookworm with systemd and the .run in
#                             /root, booted: sets CT and root
#   ki_stop                   power it off and remove it
#   ki_install LOG [opts]     install --yes in $CT, in its own process group
#                             (in the background: sets KI_PID, the group)
#   ki_kill_when COND...      wait until the condition holds (or the install
#                             ends), then SIGKILL the whole group: every
#                             process of the installer, apt and dpkg
#   ki_state OUT              what a host is, for comparing two: packages
#                             with versions and states, every file under
#                             /etc/postgresql, /etc/pgbouncer, /etc/apt,
#                             /etc/pgbundle and /var/lib/pgbundle (secrets by
#                             their names only), the prefix, the services,
#                             the databases, roles and extensions

KI_DIR=$BDIR/e2e-cache/kill-install
KI_CTS=""

ki_build() {
	mkdir -p "$KI_DIR"
	cat >"$KI_DIR/config.yml.new" <<'EOF2'
pg_cluster: pg-kill
pg_version: auto
pg_port: 5432
pg_listen: 127.0.0.1
pg_libs: [pg_stat_statements]
pg_users:
  - name: dbuser_app
    roles: [dbrole_readwrite]
    pgbouncer: true
  - name: dbuser_admin
    roles: [dbrole_admin]
pg_databases:
  - name: app
    owner: dbuser_admin
    extensions: [hypopg, pg_stat_statements, pg_stat_kcache]
    schemas: [app]
  - name: reports
    owner: dbuser_admin
pg_hba_rules:
  - { user: dbuser_app, db: app, addr: 127.0.0.1/32, auth: scram-sha-256 }
pgbouncer_enabled: true
modules: [pgsql, pgbouncer]
EOF2
	cat >"$KI_DIR/kill.yml.new" <<EOF2
name: pgsql-kill
version: "1"
target: d12
arch: amd64
postgres: [15]
extensions: [hypopg, pg_stat_kcache]
modules: [pgsql, pgbouncer]
config: $KI_DIR/config.yml
EOF2
	for f in config.yml kill.yml; do
		cmp -s "$KI_DIR/$f.new" "$KI_DIR/$f" || mv "$KI_DIR/$f.new" "$KI_DIR/$f"
		rm -f "$KI_DIR/$f.new"
	done
	CONFIG=$KI_DIR/config.yml IB_MANIFEST=$KI_DIR/kill.yml install_build kill-install
}

ki_boot() {
	CT=pgb-ki-$1-$$ root=$T_TMP/root-$1
	KI_CTS="$KI_CTS $CT"
	rm -rf "$root"
	# A test host only: dpkg without an fsync per file, or each install
	# takes minutes here.  Kills are of processes: the page cache survives.
	boot_fresh "$CT" "$root" bookworm &&
		echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/pgbundle-test-unsafe-io"
}

ki_stop() {
	sh "$TOP/ci/airgap/boot.sh" stop "$CT" >/dev/null 2>&1
	# A small file system a test mounted in it (53) goes first.
	for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m"
	done
	rm -rf "$root"
}

ki_stop_all() {
	for c in $KI_CTS; do sh "$TOP/ci/airgap/boot.sh" stop "$c" >/dev/null 2>&1; done
}

ki_install() {
	log=$1
	shift
	setsid sh "$TOP/ci/airgap/boot.sh" exec "$CT" /root/bundle.run install --yes --key /root/pgbundle.asc "$@" >"$log" 2>&1 &
	KI_PID=$!
}

# ki_cond KIND ARG N: 0 when the install has gone that far.
#   files -  N    N files extracted into the prefix's staging directory
#   dpkg STATE N  dpkg's log has N "status STATE" lines
#   initdb - N    the new cluster's data directory holds N files
#   out TEXT N    the installer printed N lines holding TEXT
ki_cond() {
	case $1 in
	files) c=$(find "$root/www/pgbundle" -path '*/.staging-*' -type f 2>/dev/null | wc -l) ;;
	dpkg) c=$(grep -c " status $2 " "$root/var/log/dpkg.log" 2>/dev/null) ;;
	initdb) c=$(find "$root/var/lib/postgresql/15/main" -type f 2>/dev/null | wc -l) ;;
	out) c=$(grep -cF -- "$2" "$KI_LOG" 2>/dev/null) ;;
	esac
	[ "${c:-0}" -ge "$3" ]
}

# Every process of the killed group gone (one in the middle of I/O dies a
# moment after SIGKILL), at most 30 s.
ki_reaped() {
	t=0
	while pgrep -g "$KI_PID" >/dev/null 2>&1 && [ "$t" -lt 300 ]; do
		sleep 0.1
		t=$((t + 1))
	done
}

# The install still runs (not a zombie: ki_kill_when runs in a subshell,
# which cannot reap it, and kill -0 succeeds on a zombie).
ki_alive() {
	st=$(ps -o stat= -p "$KI_PID" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
}

# ki_kill_when KIND ARG N: prints "hit" when it killed, "ended" when the
# install ended first.
ki_kill_when() {
	while ki_alive; do
		if ki_cond "$@"; then
			kill -9 "-$KI_PID" 2>/dev/null
			wait "$KI_PID" 2>/dev/null
			ki_reaped
			echo hit
			return 0
		fi
		sleep 0.02
	done
	wait "$KI_PID" 2>/dev/null
	echo ended
}

ki_state() {
	cat >"$root/root/state.sh" <<'EOF2'
echo "== packages"
dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | sort
echo "== files"
find /etc/postgresql /etc/pgbouncer /etc/apt /etc/pgbundle /var/lib/pgbundle \
	\( -type f -o -type l \) 2>/dev/null | sort | while read -r f; do
	case $f in
	/etc/pgbundle/credentials) echo "$f users: $(cut -d: -f4 "$f" | sort | tr '\n' ' ')" ;;
	/etc/pgbouncer/userlist.txt) echo "$f users: $(cut -d'"' -f2 "$f" | sort | tr '\n' ' ')" ;;
	*) if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else sha256sum "$f"; fi ;;
	esac
done
echo "== prefix"
ls -A /www/pgbundle
echo "== services"
systemctl is-enabled postgresql@15-main pgbouncer 2>&1
systemctl is-active postgresql@15-main pgbouncer 2>&1
echo "== sql"
q() { runuser -u postgres -- psql -XAtq -d "$1" -c "$2" 2>&1; }
q postgres "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
	rolreplication, rolbypassrls, array(SELECT b.rolname FROM pg_auth_members m
	JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)
	FROM pg_roles r ORDER BY 1"
for db in $(q postgres "SELECT datname FROM pg_database ORDER BY 1"); do
	echo "db $db: $(q "$db" "SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension")"
	echo "db $db schemas: $(q "$db" "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname !~ '^pg_'")"
done
EOF2
	in_ct sh /root/state.sh >"$1" 2>&1
}

# ki_install_strace LOG N: as ki_install, under strace, which sends SIGKILL
# to whichever traced process makes its Nth write (the installer, while
# it extracts: nothing else it runs writes that much by then).
ki_install_strace() {
	setsid strace -f -qq -o "$T_TMP/strace.out" -e trace=write \
		-e inject="write:signal=KILL:when=$2" \
		sh "$TOP/ci/airgap/boot.sh" exec "$CT" /root/bundle.run install --yes --key /root/pgbundle.asc >"$1" 2>&1 &
	KI_PID=$!
}

# ki_rerun_converges LABEL N: run the install again on $CT; when it
# completes and the host equals $T_TMP/ref.state, count it in $converged,
# else add why to $failures.
ki_rerun_converges() {
	KI_LOG=$T_TMP/rerun-$2.log
	ki_install "$KI_LOG"
	wait "$KI_PID"
	rc=$?
	ki_state "$T_TMP/state-$2"
	if [ "$rc" = 0 ] && diff "$T_TMP/ref.state" "$T_TMP/state-$2" >"$T_TMP/diff-$2"; then
		converged=$((converged + 1))
		echo "# $1: the re-run converged"
	else
		failures="$failures [$1: re-run status $rc, $(grep -v '^    |' "$KI_LOG" | tail -n 3 | tr '\n' ' '); differs: $(head -n 6 "$T_TMP/diff-$2" | tr '\n' ' ')]"
		echo "# $1: NOT converged"
	fi
}
