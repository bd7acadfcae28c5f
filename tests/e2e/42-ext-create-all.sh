#!/bin/sh
# tier: fast
# Issue 4's acceptance on d12: manifests/d12-all.yml (extensions: [all])
# builds; on a fresh air-gapped bookworm booted with systemd its .run
# installs PostgreSQL 15 and every extension package; then every extension
# the bundle names is created with CREATE EXTENSION ... CASCADE, with the
# preload libraries and settings bundle.json's extension_info gives, each in
# a database it can share (conflicts: a new database per clash; a
# cron.database_name setting: that database).  Prints "created N of M" and
# fails on any failure whose extension has no exception in
# recipes/extensions.yml.  Set KEEP_CT=1 to leave the container running.
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "create every extension of d12-all"
CONFIG=manifests/config/all-extensions.yml
T=d12-all PG=15

install_build "$T" || exit 1
t_tmpdir
CT=pgb-extall-$$
# KEEP_CT=1 keeps the container and its rootfs for a look (boot.sh stop NAME).
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
	exit 1
fi

root=$T_TMP/rootfs
if ! sh "$TOP/ci/airgap/rootfs.sh" bookworm "$root" --with-systemd >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "$T: minbase bookworm rootfs with systemd" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
cp "$RUN" "$root/root/bundle.run"
if ! sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log"; then
	not_ok "$T: boot bookworm with systemd" "$(cat "$T_TMP/boot.log")"
	exit 1
fi
start=$(date +%s)
if in_ct /root/bundle.run install --yes >"$T_TMP/install.log" 2>&1 &&
   grep -q '^Done: ' "$T_TMP/install.log"; then
	ok "$T: the .run installs offline, $(jq .packages "$INFO") packages ($(( $(date +%s) - start )) s)"
else
	not_ok "$T: the .run installs offline" "$(grep -v '^    |' "$T_TMP/install.log" | tail -n 12)"
	exit 1
fi

q() { in_ct runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# The preload libraries in a working order: citus must come first and
# timescaledb early; pg_stat_statements before the libraries that hook into
# it (pg_stat_kcache, pg_qualstats); the rest by name.
libs=$(jq -r '[.extension_info[] | .preload // empty] | unique | .[]' "$INFO" |
	awk '{ r = 5 } /^citus$/ { r = 0 } /^timescaledb$/ { r = 1 }
	     /^pg_stat_statements$/ { r = 4 } { print r, $0 }' | sort -k1,1n -k2 |
	cut -d' ' -f2 | paste -sd, -)
jq -r '[.extension_info[] | .settings // empty | .[]] | unique | .[]' "$INFO" >"$T_TMP/settings"
# A conf.d file after the installer's pgbundle.conf, so its lines win:
# ALTER SYSTEM refuses a placeholder like cron.database_name before the
# library that defines it is loaded.
alter_system() {
	{
		echo "shared_preload_libraries = '$libs'"
		sed "s/=\(.*\)/ = '\1'/" "$T_TMP/settings"
	} | in_ct sh -c "cat >/etc/postgresql/$PG/main/conf.d/zz-create-all.conf"
}
if alter_system >"$T_TMP/set.log" 2>&1 &&
   in_ct systemctl restart "postgresql@$PG-main" >>"$T_TMP/set.log" 2>&1 &&
   [ "$(q postgres 'SHOW shared_preload_libraries' 2>>"$T_TMP/set.log")" = "$libs" ]; then
	ok "$T: PostgreSQL restarts with shared_preload_libraries = $libs and $(wc -l <"$T_TMP/settings") settings"
else
	not_ok "$T: preload libraries set" "$(tail -n 5 "$T_TMP/set.log"; in_ct sh -c \
		"tail -n 5 /var/log/postgresql/postgresql-$PG-main.log")"
	exit 1
fi

# Each extension's database: the one its cron.database_name setting names,
# else the first of postgres, ext2, ext3, ... holding nothing it conflicts
# with (either way round).  Output: "EXT DB".
jq -r '.extension_info | to_entries[] |
	[.key, ((.value.settings // []) | map(select(startswith("cron.database_name=")) |
		sub("^[^=]*="; "")) | first // "-"), ((.value.conflicts // []) | join(","))] |
	@tsv' "$INFO" | awk -F'\t' '
	{ name[NR] = $1; fixed[NR] = $2; n = split($3, c, ","); for (i = 1; i <= n; i++) {
		clash[$1 SUBSEP c[i]] = 1; clash[c[i] SUBSEP $1] = 1 } }
	END {
		ndb = 1; dbn[1] = "postgres"
		for (e = 1; e <= NR; e++) {
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
	}' >"$T_TMP/placement"
for db in $(cut -d' ' -f2 "$T_TMP/placement" | sort -u | grep -vx postgres); do
	q postgres "CREATE DATABASE \"$db\"" >/dev/null
done
echo "# $(cut -d' ' -f2 "$T_TMP/placement" | sort -u | wc -l) database(s): $(cut -d' ' -f2 "$T_TMP/placement" | sort | uniq -c | awk '{ printf "%s%s (%s)", (NR > 1 ? ", " : ""), $2, $1 }')"

created=0 excepted="" bad="" stale=""
while read -r ext db; do
	exc=$(jq -r --arg e "$ext" '.extension_info[$e].exception // empty' "$INFO")
	# Debian's versioned control file (postgis-3) only points update-alternatives
	# at the real one (postgis): create the catalog's name.
	sql=$(jq -r --arg e "$ext" '.extension_info[$e].catalog // $e' "$INFO")
	# IF NOT EXISTS: plpgsql, and what an earlier CASCADE brought, are there already.
	if out=$(q "$db" "CREATE EXTENSION IF NOT EXISTS \"$sql\" CASCADE" 2>&1) &&
	   [ "$(q "$db" "SELECT count(*) FROM pg_extension WHERE extname = '$sql'")" = 1 ]; then
		created=$((created + 1))
		[ -n "$exc" ] && stale="$stale $ext"
	elif [ -n "$exc" ]; then
		excepted="$excepted $ext"
		echo "# $ext: recorded exception: $exc"
	else
		bad="$bad $ext"
		echo "# $ext in $db: $(echo "$out" | head -n 3 | tr '\n' ' ')"
	fi
done <"$T_TMP/placement"
echo "created $created of $M"
# pg_cron (in its cron.database_name) and plpgsql (IF NOT EXISTS) are
# exceptions only for a plain CREATE EXTENSION in any database.
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
