# tests/e2e/install_target.sh - the installer end to end on one Debian
# target, shared by 31-install-d12.sh and 35-install-all.sh; the bundle
# build, shared with 32-preflight-conflict.sh.
#
#   install_build TARGET [build options]    sets RUN (the .run) and KEYDIR;
#                                           IB_MANIFEST: another manifest than
#                                           manifests/TARGET.yml
#   install_target TARGET SUITE PG_MAJOR [build options]
#
# install_target boots a fresh minbase SUITE with systemd and no network,
# gives it two apt sources of its own (to prove they come back), runs the
# .run with the bundled singleton config and checks what issue 3 asks:
# scram logins over TCP with the generated password (and a wrong one
# refused), the config's extensions, PgBouncer on 6432, the services
# enabled; and what issue 9 asks of the singleton's HA stack (etcd over
# TLS, Patroni's leader, HAProxy's services 5433/5434/5436, no default
# cluster, `status`); a second run changes nothing; uninstall restores
# /etc/apt.
# Source tests/lib.sh first; needs root.

CONFIG=manifests/config/singleton.yml

# install_key ROOT: the bundle's public key (KEYDIR/pgbundle.asc, what keygen
# wrote beside the signing key) into ROOT/root/pgbundle.asc, where the
# installs of the tests name it with --key: the trust an operator gives.
install_key() { cp "$KEYDIR/pgbundle.asc" "$1/root/pgbundle.asc"; }

# install_build TARGET [opts]: build the bundle and its .run once per
# content (manifest, config, recipes and both programs), cached under
# $BUILD/e2e-cache; the download cache makes a rebuild fast anyway.
install_build() {
	ib_t=$1
	shift
	ib_m=${IB_MANIFEST:-manifests/$ib_t.yml}
	ib_key=$(cat "$ib_m" "$CONFIG" recipes/*.yml "$PGBUNDLE" \
		"$BDIR/pgbundle-installer" | sha256sum | cut -c1-16)
	ib_dir=$BDIR/e2e-cache/$ib_t-$ib_key
	KEYDIR=$ib_dir/keys
	mkdir -p "$BDIR/e2e-cache"
	(
		flock 9
		[ -f "$ib_dir/done" ] && exit 0
		# Older builds of this target (another key) are stale: drop them.
		rm -rf "$ib_dir" "$BDIR/e2e-cache/$ib_t"-????????????????
		mkdir -p "$ib_dir"
		"$PGBUNDLE" keygen -o "$KEYDIR" >/dev/null &&
			"$PGBUNDLE" build "$ib_m" -o "$ib_dir/out" \
				--key "$KEYDIR/pgbundle.key" "$@" >"$ib_dir/build.log" 2>&1 &&
			touch "$ib_dir/done"
	) 9>"$BDIR/e2e-cache/.lock"
	RUN=$(ls "$ib_dir"/out/*.run 2>/dev/null | head -n 1)
	if [ -z "$RUN" ] || [ ! -f "$ib_dir/done" ]; then
		not_ok "$ib_t: build the bundle and its .run" "$(tail -n 5 "$ib_dir/build.log" 2>/dev/null)"
		return 1
	fi
	# sbom, diff and report work on every bundle built here (once per build).
	[ -f "$ib_dir/tools-done" ] && return 0
	if "$PGBUNDLE" sbom "$RUN" >"$ib_dir/sbom.json" 2>"$ib_dir/tools.log" &&
	   "$PGBUNDLE" diff "$ib_dir"/out/*.lock "$RUN" >>"$ib_dir/tools.log" 2>&1 &&
	   "$PGBUNDLE" report "$RUN" -o "$ib_dir/report.html" >>"$ib_dir/tools.log" 2>&1; then
		touch "$ib_dir/tools-done"
		ok "$ib_t: sbom, diff and report on its bundle"
	else
		not_ok "$ib_t: sbom, diff and report on its bundle" "$(tail -n 3 "$ib_dir/tools.log")"
	fi
}

# boot_fresh CT ROOT SUITE [rootfs.sh options]: a fresh minbase SUITE with
# systemd at ROOT, $RUN in it as /root/bundle.run, booted as CT with no
# network.  On failure prints why (rootfs or boot) and returns 1.
boot_fresh() {
	bf_ct=$1 bf_root=$2 bf_suite=$3
	shift 3
	if ! sh "$TOP/ci/airgap/rootfs.sh" "$bf_suite" "$bf_root" --with-systemd "$@" \
		>"$bf_root.rootfs.log" 2>&1; then
		echo "minbase $bf_suite rootfs: $(tail -n 3 "$bf_root.rootfs.log")"
		return 1
	fi
	cp "$RUN" "$bf_root/root/bundle.run"
	install_key "$bf_root"	# the publisher's key, for install --key /root/pgbundle.asc
	if ! sh "$TOP/ci/airgap/boot.sh" start "$bf_root" "$bf_ct" 2>"$bf_root.boot.log"; then
		echo "boot $bf_suite with systemd: $(cat "$bf_root.boot.log")"
		return 1
	fi
}

# in_ct CMD...: run CMD inside the booted container $CT.
in_ct() { sh "$TOP/ci/airgap/boot.sh" exec "$CT" "$@"; }

# etc_apt_listing: "sha256  path" of every file under /etc/apt (and its links).
etc_apt_listing() {
	in_ct sh -c 'find /etc/apt -type f | sort | xargs -r sha256sum
		find /etc/apt -type l | sort | while read -r l; do echo "link:$(readlink "$l")  $l"; done'
}

# etc_apt_same BEFORE AFTER: every file of BEFORE is in AFTER unchanged, and
# AFTER has no other file than what the installed packages keep there:
# their conffiles, and the autoremove list that postgresql-common's postinst
# generates (pg_updateaptconfig).  The differences go to AFTER.diff.
etc_apt_same() {
	in_ct sh -c 'dpkg-query -W -f="\${Conffiles}\n" | awk "{ print \$1 }"
		echo /etc/apt/apt.conf.d/01autoremove-postgresql
		echo /etc/apt/apt.conf.d/02autoremove-postgresql' | grep '^/etc/apt/' | sort -u >"$2.kept"
	awk 'FILENAME == ARGV[1] { before[$NF] = 1; next }
	     FILENAME == ARGV[2] { kept[$1] = 1; next }
	     ($NF in before) || !($NF in kept)' "$1" "$2.kept" "$2" >"$2.cmp"
	diff "$1" "$2.cmp" >"$2.diff"
}

# The first pg_users name, the first pg_databases name and its extensions, from the config.
cfg_user() { sed -n '/^pg_users:/,/^[a-z]/s/^  - name: *//p' "$CONFIG" | head -n 1; }
cfg_db() { sed -n '/^pg_databases:/,/^[a-z]/s/^  - name: *//p' "$CONFIG" | head -n 1; }
cfg_exts() {
	sed -n '/^pg_databases:/,/^[a-z]/s/^ *extensions: *\[\(.*\)\]/\1/p' "$CONFIG" | head -n 1 |
		tr -d ' ' | tr ',' ' '
}

install_checks() {	# T PG
	ic_t=$1 ic_pg=$2
	user=$(cfg_user) db=$(cfg_db)
	pw=$(in_ct awk -F: -v u="$user" '$4 == u { print $5 }' /etc/pgbundle/credentials)
	mode=$(in_ct stat -c %a /etc/pgbundle/credentials)
	if [ -n "$pw" ] && [ "$mode" = 600 ]; then
		ok "$ic_t: a password for $user was generated, kept 0600 in /etc/pgbundle/credentials"
	else
		not_ok "$ic_t: generated password in the credentials file" "mode '$mode', password '${pw:+set}'"
	fi
	q() { in_ct runuser -u postgres -- psql -XAtq -d "$1" -c "$2"; }
	secret=$(q postgres "SELECT rolpassword FROM pg_authid WHERE rolname = '$user'")
	case "$secret" in
	SCRAM-SHA-256\$*) ok "$ic_t: $user's password is stored as a SCRAM-SHA-256 secret" ;;
	*) not_ok "$ic_t: $user's password is a SCRAM secret" "pg_authid says '$(echo "$secret" | cut -c1-14)...'" ;;
	esac
	hba=$(q postgres "SELECT type, database, user_name, address, auth_method FROM pg_hba_file_rules")
	if echo "$hba" | grep -q "^host|{$db}|{$user}|127.0.0.1|scram-sha-256$" &&
	   ! echo "$hba" | grep -Eq '\|(0\.0\.0\.0|::)\||\|all\|trust|\|trust$|\|md5$|\|password$'; then
		ok "$ic_t: pg_hba: $user to $db from 127.0.0.1 by scram-sha-256, nothing open to all, no trust/md5"
	else
		not_ok "$ic_t: pg_hba rules" "$(echo "$hba" | tr '\n' ' ')"
	fi
	got=$(in_ct psql -XAtq "host=127.0.0.1 port=5432 user=$user password=$pw dbname=$db" \
		-c "SELECT current_user || ' ' || current_database()" 2>&1)
	case "$got" in
	"$user $db") ok "$ic_t: psql over TCP 127.0.0.1:5432 as $user with the generated password" ;;
	*) not_ok "$ic_t: psql over TCP 127.0.0.1 with the generated password" "$got" ;;
	esac
	got=$(in_ct psql -XAtq "host=127.0.0.1 port=5432 user=$user password=wrong-$pw dbname=$db" \
		-c "SELECT 1" 2>&1)
	case "$got" in
	*"password authentication failed"*) ok "$ic_t: a wrong password is refused over TCP" ;;
	*) not_ok "$ic_t: a wrong password is refused" "$got" ;;
	esac
	have=$(q "$db" "SELECT extname FROM pg_extension ORDER BY 1" | tr '\n' ' ')
	missing=""
	for e in $(cfg_exts); do
		case " $have " in *" $e "*) ;; *) missing="$missing $e" ;; esac
	done
	if [ -z "$missing" ] && [ -n "$(cfg_exts)" ]; then
		ok "$ic_t: the config's extensions exist in $db: $(cfg_exts)"
	else
		not_ok "$ic_t: the config's extensions exist in $db" "missing:$missing (have: $have)"
	fi
	got=$(in_ct psql -XAtq "host=127.0.0.1 port=6432 user=$user password=$pw dbname=$db" \
		-c "SELECT current_database() || ' ' || current_setting('port')" 2>&1)
	case "$got" in
	"$db 5432") ok "$ic_t: PgBouncer on 127.0.0.1:6432 serves $db with the same credentials" ;;
	*) not_ok "$ic_t: PgBouncer on 6432 serves $db" "$got" ;;
	esac
	got=$(in_ct psql -XAtq "host=127.0.0.1 port=6432 user=$user password=wrong dbname=$db" \
		-c "SELECT 1" 2>&1)
	case "$got" in
	*"password authentication failed"*|*"SASL authentication failed"*)
		ok "$ic_t: PgBouncer refuses a wrong password" ;;
	*) not_ok "$ic_t: PgBouncer refuses a wrong password" "$got" ;;
	esac
	# bullseye's pgbouncer is a SysV service: systemctl says so before its answer.
	en=$(in_ct systemctl is-enabled etcd patroni pgbouncer haproxy 2>&1 |
		grep -Ev 'not a native service|^Executing' | tr '\n' ' ')
	act=$(in_ct systemctl is-active etcd patroni pgbouncer haproxy 2>&1 | tr '\n' ' ')
	if [ "$en" = "enabled enabled enabled enabled " ] &&
	   [ "$act" = "active active active active " ]; then
		ok "$ic_t: etcd, patroni, pgbouncer and haproxy are enabled and running"
	else
		not_ok "$ic_t: services enabled and running" "is-enabled: $en; is-active: $act"
	fi
	install_ha_checks "$ic_t" "$ic_pg" "$user" "$db" "$pw"
	src=$(in_ct cat /etc/apt/sources.list.d/pgbundle.sources)
	if echo "$src" | grep -q '^Signed-By: /etc/apt/keyrings/pgbundle-' &&
	   ! in_ct grep -rqs 'trusted=yes\|Trusted: *yes' /etc/apt; then
		ok "$ic_t: apt's only source is the bundle, Signed-By its key, no trusted=yes"
	else
		not_ok "$ic_t: apt source with Signed-By" "$src"
	fi
}

# The singleton's HA stack (issue 9), after install_checks: T PG USER DB PASSWORD.
# IH_RUN: the .run in the container that answers `status` (/root/bundle.run).
install_ha_checks() {
	ih_t=$1 ih_pg=$2
	sql() {	# PORT SQL
		in_ct psql -XAtq "host=127.0.0.1 port=$1 user=$3 password=$5 dbname=$4" -c "$2" 2>&1
	}
	st=$(in_ct "${IH_RUN:-/root/bundle.run}" status --json 2>&1)
	if echo "$st" | jq -e '.etcd.healthy and .patroni.role == "Leader" and .patroni.ok and
	     .haproxy.ok and .pgbouncer.ok and .pki.ok' >/dev/null 2>&1; then
		ok "$ih_t: status --json: etcd healthy, Patroni's leader is this node, HAProxy, PgBouncer and TLS serve"
	else
		not_ok "$ih_t: status --json says every module serves" "$(echo "$st" | head -c 1500)"
	fi
	w=$(sql 5433 "CREATE TABLE IF NOT EXISTS app.ha_probe (x int); INSERT INTO app.ha_probe VALUES (1) RETURNING x" "$3" "$4" "$5")
	r=$(sql 5434 "SELECT count(*) > 0 FROM app.ha_probe" "$3" "$4" "$5")
	d=$(sql 5436 "SELECT NOT pg_is_in_recovery() AND current_setting('ssl') = 'on'" "$3" "$4" "$5")
	if [ "$w" = 1 ] && [ "$r" = t ] && [ "$d" = t ]; then
		ok "$ih_t: HAProxy: a write through 5433 (PgBouncer), a read through 5434, the leader straight on 5436, TLS on"
	else
		not_ok "$ih_t: HAProxy's services" "5433: $w; 5434: $r; 5436: $d"
	fi
	if in_ct sh -c "ls /etc/postgresql/$ih_pg/main /var/lib/postgresql/$ih_pg/main" >/dev/null 2>&1; then
		not_ok "$ih_t: the distribution's default cluster is not made" "$ih_pg/main exists"
	else
		ok "$ih_t: the distribution's default cluster is not made; Patroni runs PostgreSQL"
	fi
	if in_ct sh -c 'ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=2s endpoint health' >/dev/null 2>&1 ||
	   in_ct sh -c 'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --insecure-skip-tls-verify --dial-timeout=2s get /pg --prefix --keys-only' >/dev/null 2>&1; then
		not_ok "$ih_t: etcd refuses clients without the cluster CA's certificate" "it answered"
	else
		ok "$ih_t: etcd refuses clients without the cluster CA's certificate (plain HTTP and TLS without one)"
	fi
}

install_target() {
	T=$1 SUITE=$2 PG=$3
	shift 3
	install_build "$T" "$@" || return 1
	t_tmpdir
	CT=pgb-inst-$T-$$
	trap 'sh "$TOP/ci/airgap/boot.sh" stop "$CT" 2>/dev/null; t_cleanup' EXIT
	root=$T_TMP/rootfs
	if ! sh "$TOP/ci/airgap/rootfs.sh" "$SUITE" "$root" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
		not_ok "$T: minbase $SUITE rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
		return 1
	fi
	# The host's own sources (unreachable here), which uninstall must restore.
	echo "deb http://deb.example.invalid/debian $SUITE main" >"$root/etc/apt/sources.list"
	printf 'Types: deb\nURIs: http://deb.example.invalid/debian\nSuites: %s-updates\nComponents: main\n' \
		"$SUITE" >"$root/etc/apt/sources.list.d/debian.sources"
	chmod 600 "$root/etc/apt/sources.list.d/debian.sources"
	# The first install is the README's command, typed where the .run and the
	# publisher's key lie; later steps use a shorter name for the same file,
	# and no key: the first install pinned it.
	RUNNAME=$(basename "$RUN")
	cp "$RUN" "$root/root/$RUNNAME"
	ln "$root/root/$RUNNAME" "$root/root/bundle.run"
	install_key "$root"
	first_install="./$RUNNAME install --yes --key pgbundle.asc"
	if [ "$T" = d12 ]; then t_readme_cmd "$first_install" || return 1; fi
	if ! sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log"; then
		not_ok "$T: boot $SUITE with systemd" "$(cat "$T_TMP/boot.log")"
		return 1
	fi
	etc_apt_listing >"$T_TMP/etc-apt.before"
	in_ct dpkg-query -W -f '${Package}\n' >"$T_TMP/pkgs.before"

	install_dry_run_check || return 1
	# What a run interrupted during extraction leaves: discarded, then redone.
	top=$("$RUN" info --json | jq -r '.name + "-" + .version + "." + .target + "." + .arch')
	in_ct mkdir -p "/www/pgbundle/.staging-$top/pool"
	in_ct sh -c "echo partial >/www/pgbundle/.staging-$top/pool/half.deb"

	start=$(date +%s%N)
	in_ct sh -c "cd /root && $first_install" >"$T_TMP/install1.log" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	if [ "$rc" = 0 ] && grep -q '^Done: ' "$T_TMP/install1.log"; then
		ok "$T: the .run installs offline with the bundled config ($secs s)"
	else
		not_ok "$T: the .run installs offline" "status $rc: $(grep -v '^    |' "$T_TMP/install1.log" | tail -n 12)"
		return 1
	fi
	ready=$(sed -n 's/.*PostgreSQL ready \([0-9.]*\) s after the start.*/\1/p' "$T_TMP/install1.log")
	echo "# $T: install took $secs s; PostgreSQL accepted connections ${ready:-?} s after the start"
	left=$(in_ct ls -A /www/pgbundle)
	if [ "$left" = "$top" ] && in_ct test -s "/www/pgbundle/$top/bundle.json"; then
		ok "$T: an interrupted run's staging directory is discarded; only $top is left under the prefix"
	else
		not_ok "$T: staging leftovers discarded" "/www/pgbundle holds: $left"
	fi
	install_checks "$T" "$PG"
	fpr=$(grep -o 'signed by [0-9A-F]\{40\}' "$T_TMP/install1.log" | head -n 1 | cut -c11-)
	if grep -q "trust: the key file pgbundle.asc (--key)" "$T_TMP/install1.log" &&
	   in_ct test -s "/etc/pgbundle/trusted.d/$fpr.gpg"; then
		ok "$T: the install says its key came from --key, and pins it in /etc/pgbundle/trusted.d"
	else
		not_ok "$T: the key is named and pinned" "key '$fpr'; $(in_ct ls /etc/pgbundle/trusted.d 2>&1)"
	fi

	in_ct /root/bundle.run install >"$T_TMP/install2.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'nothing to change' "$T_TMP/install2.log" &&
	   ! grep -q '^    + ' "$T_TMP/install2.log" &&
	   grep -q "trust: the key pinned on this host" "$T_TMP/install2.log"; then
		ok "$T: a second run, trusting the pinned key, exits 0 and says \"nothing to change\""
	else
		not_ok "$T: a second run changes nothing" "status $rc: $(grep -v '^    |' "$T_TMP/install2.log" | tail -n 8)"
	fi

	in_ct /root/bundle.run uninstall >"$T_TMP/uninstall.log" 2>&1
	rc=$?
	etc_apt_listing >"$T_TMP/etc-apt.after"
	if [ "$rc" = 0 ] && etc_apt_same "$T_TMP/etc-apt.before" "$T_TMP/etc-apt.after"; then
		ok "$T: uninstall restores /etc/apt exactly ($(wc -l <"$T_TMP/etc-apt.before") files compared)"
	else
		not_ok "$T: uninstall restores /etc/apt" "status $rc: $(cat "$T_TMP/uninstall.log" "$T_TMP/etc-apt.after.diff" | tail -n 8)"
	fi
	if in_ct systemctl is-active --quiet patroni &&
	   [ "$(in_ct runuser -u postgres -- psql -XAtq -c 'select 1' 2>&1)" = 1 ]; then
		ok "$T: uninstall without --purge leaves PostgreSQL running"
	else
		not_ok "$T: uninstall without --purge leaves PostgreSQL running"
	fi
	install_purge_check
}

# --dry-run: every step and apt's transaction printed, nothing changed.
install_dry_run_check() {
	in_ct /root/bundle.run install --dry-run --key /root/pgbundle.asc >"$T_TMP/dry.log" 2>&1
	rc=$?
	etc_apt_listing >"$T_TMP/etc-apt.dry"
	left=$(in_ct sh -c 'ls -d /www /var/log/pgbundle /var/lib/pgbundle /etc/pgbundle /var/lib/postgresql 2>/dev/null; ls /tmp | grep pgbundle')
	if [ "$rc" = 0 ] && grep -q '^    | Inst postgresql-' "$T_TMP/dry.log" &&
	   grep -q '^    would: write /etc/apt/sources.list.d/pgbundle.sources' "$T_TMP/dry.log" &&
	   grep -q 'nothing was changed' "$T_TMP/dry.log" && [ -z "$left" ] &&
	   diff "$T_TMP/etc-apt.before" "$T_TMP/etc-apt.dry" >/dev/null; then
		ok "$T: --dry-run prints the steps and apt's transaction, and changes nothing"
	else
		not_ok "$T: --dry-run changes nothing" "status $rc; left: $left; $(grep -v '^    |' "$T_TMP/dry.log" | tail -n 5)"
		return 1
	fi
}

# uninstall --purge: back to the package names of before (a package the
# bundle upgraded stays upgraded), no cluster, no data.
install_purge_check() {
	if ! in_ct /root/bundle.run --help 2>&1 | grep -q -- '--purge'; then
		not_ok "$T: uninstall --purge" "this pgbundle-installer has no --purge option (installer/main.c)"
		return 1
	fi
	in_ct /root/bundle.run uninstall --purge >"$T_TMP/purge.log" 2>&1
	rc=$?
	in_ct dpkg-query -W -f '${Package}\n' >"$T_TMP/pkgs.after"
	left=$(in_ct sh -c 'ls -d /www/pgbundle /var/lib/postgresql /etc/postgresql /etc/pgbundle \
		/var/lib/pgbundle /etc/pgbouncer 2>/dev/null')
	etc_apt_listing >"$T_TMP/etc-apt.purged"
	if [ "$rc" = 0 ] && diff "$T_TMP/pkgs.before" "$T_TMP/pkgs.after" >"$T_TMP/pkgs.diff" &&
	   [ -z "$left" ] && etc_apt_same "$T_TMP/etc-apt.before" "$T_TMP/etc-apt.purged"; then
		ok "$T: uninstall --purge removes the clusters, packages, repository and credentials"
	else
		not_ok "$T: uninstall --purge" "status $rc; left: $left; $(head -n 5 "$T_TMP/pkgs.diff") $(tail -n 4 "$T_TMP/purge.log")"
	fi
}
