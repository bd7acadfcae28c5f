# tests/e2e/ext_create_all.sh - issue 4's "create every extension" on one
# Debian target, shared by 42-ext-create-all.sh (d12) and
# 45-ext-create-all-d11-d13-d14.sh.
#
#   ext_create_all TARGET SUITE PG_MAJOR [build options]
#
# manifests/TARGET-all.yml (extensions: [all]) builds; on a fresh air-gapped
# SUITE booted with systemd its .run installs PostgreSQL and every extension
# package with the bundled config (manifests/config/all-extensions.yml), in
# which one database lists "all".  The installer itself then sets
# shared_preload_libraries and the settings from bundle.json's
# extension_info and creates every extension that can share that database;
# this checks that, then creates what "all" left out the way the catalog
# says (a conflict: another database; a cron.database_name setting: that
# database).  Prints "created N of M" and fails on any failure whose
# extension has no exception in recipes/extensions.yml.
# Issue 11: the libraries the catalog marks "background" (they start
# workers, an HA manager, a sampler on their own) are not preloaded by the
# first install, no extension's worker runs, and ordinary DDL (databases,
# roles, tablespaces) completes under a time limit; then the installer runs
# again with a config whose pg_libs names them, and they load and are
# created like the rest.  KEEP_CT=1 leaves the container running.  Source
# tests/lib.sh and install_target.sh first.

ext_create_all() {
	T=$1-all SUITE=$2 PG=$3
	shift 3
	CONFIG=manifests/config/all-extensions.yml
	install_build "$T" "$@" || return 1
	t_tmpdir
	CT=pgb-extall-$T-$$
	trap 'if [ -n "${KEEP_CT:-}" ]; then echo "# kept $CT ($T_TMP)"; else
		sh "$TOP/ci/airgap/boot.sh" stop "$CT" 2>/dev/null; t_cleanup; fi' EXIT
	tar --zstd -xOf "$(ls "${RUN%.run}".tar.zst)" --wildcards '*/bundle.json' >"$T_TMP/bundle.json"
	INFO=$T_TMP/bundle.json
	M=$(jq '.extension_names | length' "$INFO")
	if [ "$M" -gt 100 ] && [ "$(jq '.extension_info | length' "$INFO")" = "$M" ]; then
		ok "$T: bundle.json names $M extensions, each with its extension_info"
	else
		not_ok "$T: bundle.json extension_names and extension_info" \
			"$M names, $(jq '.extension_info | length' "$INFO") infos"
		return 1
	fi
	eca_boot && eca_install && eca_preload first && eca_no_workers && eca_ddl &&
		eca_background && eca_preload all || return 1
	eca_leftovers
	eca_create
}

eca_boot() {
	root=$T_TMP/rootfs
	if ! why=$(boot_fresh "$CT" "$root" "$SUITE"); then
		not_ok "$T: $SUITE booted with systemd" "$why"
		return 1
	fi
}

q() { in_ct runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

eca_install() {
	start=$(date +%s)
	if in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/install.log" 2>&1 &&
	   grep -q '^Done: ' "$T_TMP/install.log"; then
		ok "$T: the .run installs offline, $(jq .packages "$INFO") packages, and creates what \"all\" holds ($(( $(date +%s) - start )) s)"
	else
		not_ok "$T: the .run installs offline and creates the extensions" \
			"$(grep -v 'leaves out' "$T_TMP/install.log" | grep -m 3 -E 'ERROR|error:'; grep -v '^    |' "$T_TMP/install.log" | tail -n 12)"
		return 1
	fi
	grep 'leaves out' "$T_TMP/install.log" | sed 's/^ */# /'
}

# What the installer set: every preload library of the bundle (in an order
# where each library comes after the ones the catalog says it needs first)
# and every setting, unless two extensions ask different values.  "first":
# the libraries marked background (and their settings) are not there; "all"
# (after eca_background): they are too.
eca_preload() {
	got=$(q postgres 'SHOW shared_preload_libraries' 2>"$T_TMP/set.log")
	if [ "$1" = first ]; then sel='select(.background | not)'; else sel='.'; fi
	missing="" order="" extra=""
	for lib in $(jq -r "[.extension_info[] | $sel | .preload // empty] | unique | .[]" "$INFO"); do
		case ",$got," in *",$lib,"*) ;; *) missing="$missing $lib" ;; esac
	done
	if [ "$1" = first ]; then
		for lib in $(jq -r '[.extension_info[] | select(.background) | .preload] | unique | .[]' "$INFO"); do
			case ",$got," in *",$lib,"*) extra="$extra $lib" ;; esac
		done
	fi
	jq -r ".extension_info[] | $sel | select(.preload_after) | .preload as \$p |
		.preload_after[] | \"\\(.) \\(\$p)\"" "$INFO" | sort -u >"$T_TMP/after"
	while read -r first then; do
		echo "$got" | tr ',' '\n' | awk -v a="$first" -v b="$then" \
			'$0 == a { fa = NR } $0 == b { fb = NR } END { exit !(fa && fb && fa < fb) }' ||
			order="$order $first<$then"
	done <"$T_TMP/after"
	bad_set=""
	for kv in $(jq -r "[.extension_info[] | $sel | .settings // empty | .[]] | unique | .[]" "$INFO"); do
		[ "$(q postgres "SHOW ${kv%%=*}" 2>/dev/null)" = "${kv#*=}" ] || bad_set="$bad_set $kv"
	done
	if [ -n "$got" ] && [ -z "$missing$order$bad_set$extra" ]; then
		ok "$T: ($1 install) the installer preloads $got and sets $(jq "[.extension_info[] | $sel | .settings // empty | .[]] | unique | length" "$INFO") settings from extension_info"
	else
		not_ok "$T: ($1 install) preload libraries and settings from extension_info" \
			"got '$got'; missing:$missing; out of order:$order; settings not set:$bad_set; background libraries loaded unasked:$extra $(cat "$T_TMP/set.log")"
		return 1
	fi
}

# No process of the server but PostgreSQL's own: no extension started a worker.
eca_no_workers() {
	own="'autovacuum launcher','autovacuum worker','logical replication launcher',
	     'logical replication worker','parallel worker','background writer','checkpointer',
	     'walwriter','walsender','walreceiver','walsummarizer','archiver','startup',
	     'client backend','io worker','slotsync worker','parallel apply worker','tablesync worker'"
	w=$(q postgres "SELECT string_agg(DISTINCT backend_type || ' (' || coalesce(datname, '-') || ')', ', ')
		FROM pg_stat_activity WHERE backend_type NOT IN ($own)" 2>&1)
	if [ -z "$w" ]; then
		ok "$T: no extension runs a worker of its own with the bundled config"
	else
		not_ok "$T: no extension worker runs unasked" "$w"
		return 1
	fi
}

# Ordinary DDL completes under a time limit: databases (created and dropped,
# one in a tablespace), roles, a tablespace.  A library that hangs DROP
# DATABASE (pg_auto_failover's monitor: ProcSignalBarrier) fails here.
eca_ddl() {
	in_ct install -d -o postgres -g postgres -m 700 /var/lib/postgresql/ddl_ts
	start=$(date +%s) failed=""
	ddl() { timeout 60 sh "$TOP/ci/airgap/boot.sh" exec "$CT" runuser -u postgres -- \
		psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1" >>"$T_TMP/ddl.log" 2>&1 ||
		failed="$failed [$1: status $?]"; }
	ddl "CREATE TABLESPACE ddl_ts LOCATION '/var/lib/postgresql/ddl_ts'"
	n=0
	while [ "$n" -lt 10 ] && [ -z "$failed" ]; do
		n=$((n + 1))
		ddl "CREATE DATABASE ddl_$n"
		ddl "CREATE ROLE ddl_role_$n LOGIN"
		ddl "DROP ROLE ddl_role_$n"
		ddl "DROP DATABASE ddl_$n"
	done
	ddl "CREATE DATABASE ddl_in_ts TABLESPACE ddl_ts"
	ddl "DROP DATABASE ddl_in_ts"
	ddl "DROP TABLESPACE ddl_ts"
	secs=$(( $(date +%s) - start ))
	if [ -z "$failed" ]; then
		ok "$T: DDL completes: 11 databases created and dropped (one in a tablespace), 10 roles, a tablespace ($secs s, each statement under 60 s)"
	else
		not_ok "$T: DDL completes under 60 s a statement" "$failed $(tail -n 3 "$T_TMP/ddl.log")"
		return 1
	fi
}

# The installer again, with a config whose pg_libs names the background
# libraries: the user asked for them, so they load ("all" then creates the
# extensions whose library pg_libs names).
eca_background() {
	libs=$(jq -r '[.extension_info[] | select(.background) | .preload] | unique | join(", ")' "$INFO")
	[ -n "$libs" ] || { ok "$T: no extension of the bundle starts machinery of its own"; return 0; }
	{ cat "$TOP/$CONFIG"; echo "pg_libs: [$libs]"; } >"$root/root/background.yml"
	if in_ct /root/bundle.run install --yes --config /root/background.yml \
		>"$T_TMP/install-bg.log" 2>&1 && grep -q '^Done: ' "$T_TMP/install-bg.log"; then
		ok "$T: the installer loads the background libraries once the config names them ($libs)"
	else
		not_ok "$T: the installer with pg_libs naming the background libraries" \
			"$(grep -v '^    |' "$T_TMP/install-bg.log" | tail -n 8)"
		return 1
	fi
}

# Each extension "all" left out gets a database: the one its
# cron.database_name setting names, else the first of postgres, ext2, ...
# holding nothing it conflicts with (either way round).  Output: "EXT DB"
# lines in $T_TMP/placement, for the extensions not created yet.
eca_leftovers() {
	q extall "SELECT extname FROM pg_extension" >"$T_TMP/have.extall"
	jq -r '.extension_info | to_entries[] |
		[.key, (.value.catalog // .key), ((.value.settings // []) |
			map(select(startswith("cron.database_name=")) | sub("^[^=]*="; "")) |
			first // "-"), ((.value.conflicts // []) | join(","))] | @tsv' "$INFO" |
	awk -F'\t' 'FILENAME == ARGV[1] { have[$1] = 1; next }
	{ name[FNR] = $1; sql[FNR] = $2; fixed[FNR] = $3; n = split($4, c, ",")
	  for (i = 1; i <= n; i++) { clash[$1 SUBSEP c[i]] = 1; clash[c[i] SUBSEP $1] = 1 } }
	END {
		ndb = 1; dbn[1] = "postgres"
		for (e in name) if (!(sql[e] in have)) todo[e] = 1
		for (e = 1; e in name; e++) {
			if (!(e in todo)) continue
			if (fixed[e] != "-") { print name[e], fixed[e]; continue }
			for (d = 1; d <= ndb; d++) {
				bad = 0
				for (m in member) { split(m, p, SUBSEP)
					if (p[1] == d && ((name[e], p[2]) in clash)) bad = 1 }
				if (!bad) break
			}
			if (d > ndb) { ndb = d; dbn[d] = "ext" d }
			member[d SUBSEP name[e]] = 1
			print name[e], dbn[d]
		}
	}' "$T_TMP/have.extall" - >"$T_TMP/placement"
	for db in $(cut -d' ' -f2 "$T_TMP/placement" | sort -u | grep -vx postgres); do
		q postgres "CREATE DATABASE \"$db\"" >/dev/null
	done
	echo "# the installer created $(wc -l <"$T_TMP/have.extall") in extall (plpgsql included); $(wc -l <"$T_TMP/placement") left for: $(cut -d' ' -f2 "$T_TMP/placement" | sort | uniq -c | awk '{ printf "%s%s (%s)", (NR > 1 ? ", " : ""), $2, $1 }')"
}

eca_create() {
	created=0 excepted="" bad="" stale=""
	# Those the installer created: each extension name whose catalog name is in extall.
	for ext in $(jq -r '.extension_names[]' "$INFO"); do
		sql=$(jq -r --arg e "$ext" '.extension_info[$e].catalog // $e' "$INFO")
		grep -qx "$sql" "$T_TMP/have.extall" || continue
		created=$((created + 1))
		[ -n "$(jq -r --arg e "$ext" '.extension_info[$e].exception // empty' "$INFO")" ] &&
			stale="$stale $ext"
	done
	while read -r ext db; do
		exc=$(jq -r --arg e "$ext" '.extension_info[$e].exception // empty' "$INFO")
		# Debian's versioned control file (postgis-3) only points
		# update-alternatives at the real one (postgis): create the catalog's name.
		sql=$(jq -r --arg e "$ext" '.extension_info[$e].catalog // $e' "$INFO")
		if out=$(q "$db" "CREATE EXTENSION IF NOT EXISTS \"$sql\" CASCADE" 2>&1) &&
		   [ "$(q "$db" "SELECT count(*) FROM pg_extension WHERE extname = '$sql'")" = 1 ]; then
			created=$((created + 1))
			[ -n "$exc" ] && ! jq -e --arg e "$ext" \
				'.extension_info[$e].settings // [] | map(startswith("cron.database_name=")) | any' \
				"$INFO" >/dev/null && stale="$stale $ext"
		elif [ -n "$exc" ]; then
			excepted="$excepted $ext"
			echo "# $ext: recorded exception: $exc"
		else
			bad="$bad $ext"
			echo "# $ext in $db: $(echo "$out" | head -n 3 | tr '\n' ' ')"
		fi
	done <"$T_TMP/placement"
	echo "created $created of $M"
	# pg_cron and what needs it are exceptions only for a plain database.
	[ -n "$stale" ] && echo "# created despite a recorded exception (check it still holds):$stale"
	if [ -z "$bad" ]; then
		ok "$T: created $created of $M extensions; the rest are recorded exceptions:${excepted:- none}"
	else
		not_ok "$T: every extension is created or a recorded exception" \
			"failed without an exception in recipes/extensions.yml:$bad"
	fi
	if q postgres "SELECT 1" >/dev/null 2>&1 && in_ct systemctl is-active --quiet "postgresql@$PG-main"; then
		ok "$T: PostgreSQL still runs with every extension created"
	else
		not_ok "$T: PostgreSQL still runs after creating the extensions"
	fi
}
