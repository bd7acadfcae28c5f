# tests/e2e/fixture_el.sh - the EL upstream fixtures (tests/fixtures/el_repos.py:
# Rocky 8/9/10 BaseOS and AppStream, EPEL, PGDG per major, pgdg-common and extras,
# and prometheus-rpm for EL 8 and 9, signed with one key per vendor) for the
# rpm-md tests.  Source after tests/lib.sh and tests/e2e/fixture_setup.sh.
#
#   el_fixture             build the fixture once per content of el_repos.py
#                          (kept in $PGBUNDLE_TEST_CACHE, default
#                          /var/cache/pgbundle-test, as el-fixture-HASH: shared by
#                          work trees, like the rootfs cache) and set EL_FX to it
#   el_recipes DIR         recipes/ copied to DIR with each rpm upstream's
#                          keyring pointed at its vendor's fixture key (el-*,
#                          epel, pgdg-yum*, prometheus-rpm)
#   el_mirrors [PGDIR]     the --mirror options of every EL upstream, as
#                          templates ({release}, {arch}, {pg}); PGDIR replaces
#                          EL_FX/pgdg/yum/{pg}/... for pgdg-yum.  prometheus-rpm's
#                          is given for every release: a build reads only the
#                          upstreams its manifest uses (EL 10 builds, and
#                          manifests without prometheus-rpm, never open it)
#   el_root ROOT REL [justdb]  a fixture EL root: dnf --installroot of the @core
#                          group of Rocky REL, with an /etc/os-release of REL;
#                          justdb: into the rpm database only, no file written
#                          (a Debian rootfs keeps its programs: tests/e2e/48)
#   el_real_fixture        PGDG-like EL 8, 9, 10 repositories of real programs (this
#                          host's PostgreSQL 15 and Debian's pgbouncer, four
#                          extensions, patroni, etcd, haproxy, pgbackrest and
#                          Redis (EL's redis, EL 10's valkey), repackaged:
#                          tests/fixtures/el_pgdg_real.py), and prometheus-rpm's
#                          EL 8 and 9 repositories of Debian's Prometheus,
#                          node and postgres exporters (bookworm) and PgBouncer
#                          exporter (trixie's: bookworm's is another program,
#                          fetched with a private apt state); cached
#                          like el_fixture; sets EL_REAL.  After el_fixture.
#   el_real_mirrors        el_mirrors with PGDG's major, common and extras
#                          repositories, AppStream and prometheus-rpm taken
#                          from EL_REAL
#   EL_REAL_DEBS           what a booted Debian host needs besides systemd to
#                          stand in for EL with those programs (rootfs.sh --include)

el_fixture() {
	h=$(sha256sum "$TOP/tests/fixtures/el_repos.py" | cut -c1-16)
	c=${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}
	EL_FX=$c/el-fixture-$h
	if [ ! -f "$EL_FX/.done" ]; then
		rm -rf "$EL_FX.tmp.$$"
		mkdir -p "$c"
		python3 "$TOP/tests/fixtures/el_repos.py" "$EL_FX.tmp.$$" || return 1
		# rpmsign left gpg's agent running on the temporary home; renamed
		# under it, it signs nothing more (el_real_fixture's rpmsign failed
		# with status 3 on a cold cache).
		gpgconf --homedir "$EL_FX.tmp.$$/gnupg" --kill gpg-agent 2>/dev/null
		touch "$EL_FX.tmp.$$/.done"
		mv "$EL_FX.tmp.$$" "$EL_FX" 2>/dev/null || rm -rf "$EL_FX.tmp.$$"
	fi
	[ -f "$EL_FX/.done" ]
}

el_recipes() {
	rm -rf "$1" && cp -r "$TOP/recipes" "$1" &&
	fixture_rpm_keyrings "$1/repos.yml" "el-=$EL_FX/keys/el.gpg" "epel=$EL_FX/keys/epel.gpg" \
		"pgdg-yum=$EL_FX/keys/pgdg.gpg" "prometheus-rpm=$EL_FX/keys/prometheus-rpm.gpg"
}

el_mirrors() {
	pgdir=$EL_FX/pgdg/yum/{pg}/redhat/rhel-{release}-{arch}
	[ -n "${1:-}" ] && pgdir=$1
	echo "--mirror el-baseos=file://$EL_FX/rocky/{release}/BaseOS/{arch}/os" \
		"--mirror el-appstream=file://$EL_FX/rocky/{release}/AppStream/{arch}/os" \
		"--mirror epel=file://$EL_FX/epel/{release}/Everything/{arch}" \
		"--mirror pgdg-yum=file://$pgdir" \
		"--mirror pgdg-yum-common=file://$EL_FX/pgdg/yum/common/redhat/rhel-{release}-{arch}" \
		"--mirror pgdg-yum-extras=file://$EL_FX/pgdg/yum/common/pgdg-rhel{release}-extras/redhat/rhel-{release}-{arch}" \
		"--mirror prometheus-rpm=file://$EL_FX/prometheus-rpm/el/{release}/{arch}"
}

# el_repo_file FILE REL: a .repo of the fixture's BaseOS and AppStream for dnf.
el_repo_file() {
	for r in BaseOS AppStream; do
		printf '[fixture-%s]\nname=Fixture %s\nbaseurl=file://%s/rocky/%s/%s/x86_64/os\n' \
			"$r" "$r" "$EL_FX" "$2" "$r"
		printf 'gpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://%s/keys/el.asc\n\n' "$EL_FX"
	done >"$1"
}

el_root() {
	root=$1 rel=$2 tsflags=""
	[ "${3:-}" = justdb ] && tsflags=--setopt=tsflags=justdb,noscripts
	case $rel in 8) v=8.10 ;; 9) v=9.4 ;; *) v=$rel.0 ;; esac
	mkdir -p "$root/etc" "$root.repos"
	el_repo_file "$root.repos/fixture.repo" "$rel"
	cat >"$root/etc/os-release" <<EOR
NAME="Rocky Linux"
VERSION="$v"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="$v"
PLATFORM_ID="platform:el$rel"
PRETTY_NAME="Rocky Linux $v"
EOR
	dnf -y -q --installroot="$root" --setopt=reposdir="$root.repos" --releasever="$rel" \
		--setopt=cachedir="$root.cache" --setopt=install_weak_deps=False $tsflags \
		--noplugins install @core >/dev/null 2>&1
	rc=$?
	rm -rf "$root.repos" "$root.cache"
	return $rc
}

# Debian's rpm and dnf (the installer's package manager), gpg (repo_gpgcheck),
# the libraries PostgreSQL 15 (without its JIT), pgbouncer, haproxy,
# pgbackrest and Redis link, and the Python modules Patroni imports (its package's
# Depends; its own modules come in the fixture's patroni rpm).
EL_REAL_DEBS=rpm,dnf,gpg,tzdata,libjemalloc2,liblzf1,libatomic1,libicu72,libxml2,libxslt1.1,libldap-2.5-0,libgssapi-krb5-2,liblz4-1,libzstd1,libssl3,libsystemd0,libpam0g,libuuid1,libedit2,libreadline8,libc-ares2,libevent-2.1-7,liblua5.3-0,libopentracing-c-wrapper0,libpcre2-8-0,libcrypt1,libbz2-1.0,zlib1g,libpq5,python3,python3-psycopg2,python3-yaml,python3-urllib3,python3-click,python3-prettytable,python3-dateutil,python3-psutil,python3-cdiff,python3-pkg-resources,python3-etcd,python3-dnspython
EL_REAL_SRC="postgresql-15-cron postgresql-15-pg-stat-kcache postgresql-15-hypopg postgresql-15-repack pgbouncer patroni etcd-server etcd-client haproxy pgbackrest redis-tools prometheus prometheus-node-exporter prometheus-postgres-exporter"
# From trixie: the Go pgbouncer_exporter of prometheus-community (0.10), which
# bookworm does not have (its prometheus-pgbouncer-exporter is a Python
# program of another author).  Its binary needs glibc 2.34, which bookworm has.
EL_REAL_TRIXIE="prometheus-pgbouncer-exporter"

# el_trixie_download DIR PKG...: Debian trixie's PKGs into DIR, from this host's
# Debian mirror (the URI of its bookworm sources), with an apt state of its
# own (sources.list, lists and cache in a temporary directory): the host's apt
# configuration and lists are left as they are.
el_trixie_download() {
	dir=$1
	shift
	# shellcheck disable=SC2016,SC1091
	uri=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' \
		"Release: $(. /etc/os-release && echo "$VERSION_CODENAME")" 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian/
	a=$(mktemp -d) || return 1
	chmod 755 "$a"	# apt's _apt user downloads into it
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" \
		>"$a/sources.list"
	o="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=/nonexistent"
	o="$o -o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache"
	# shellcheck disable=SC2086
	apt-get $o update >/dev/null 2>&1 && (cd "$dir" && apt-get $o download "$@" >/dev/null 2>&1)
	rc=$?
	rm -rf "$a"
	return $rc
}

el_real_fixture() {
	c=${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}
	d=$c/el-real-debs
	mkdir -p "$d"
	for p in $EL_REAL_SRC; do
		ls "$d/${p}_"*.deb >/dev/null 2>&1 ||
			(cd "$d" && apt-get download "$p" >/dev/null 2>&1) || return 1
	done
	for p in $EL_REAL_TRIXIE; do
		ls "$d/${p}_"*.deb >/dev/null 2>&1 || el_trixie_download "$d" "$p" || return 1
	done
	h=$( (cat "$TOP/tests/fixtures/el_pgdg_real.py"; echo "$EL_FX"; ls "$d"
	      dpkg-query -W postgresql-15) | sha256sum | cut -c1-16)
	EL_REAL=$c/el-real-$h
	if [ ! -f "$EL_REAL/.done" ]; then
		rm -rf "$EL_REAL.tmp.$$"
		python3 "$TOP/tests/fixtures/el_pgdg_real.py" "$EL_REAL.tmp.$$" "$EL_FX" "$d" || return 1
		touch "$EL_REAL.tmp.$$/.done"
		mv "$EL_REAL.tmp.$$" "$EL_REAL" 2>/dev/null || rm -rf "$EL_REAL.tmp.$$"
	fi
	[ -f "$EL_REAL/.done" ]
}

el_real_mirrors() {
	el_mirrors "$EL_REAL/pgdg/yum/{pg}/redhat/rhel-{release}-{arch}" |
		sed -e "s|pgdg-yum-common=file://[^ ]*|pgdg-yum-common=file://$EL_REAL/pgdg/yum/common/redhat/rhel-{release}-{arch}|" \
		    -e "s|pgdg-yum-extras=file://[^ ]*|pgdg-yum-extras=file://$EL_REAL/pgdg/yum/common/pgdg-rhel{release}-extras/redhat/rhel-{release}-{arch}|" \
		    -e "s|el-appstream=file://[^ ]*|el-appstream=file://$EL_REAL/rocky/{release}/AppStream/{arch}/os|" \
		    -e "s|prometheus-rpm=file://[^ ]*|prometheus-rpm=file://$EL_REAL/prometheus-rpm/el/{release}/{arch}|"
}

# el_real_build KIND EXTENSIONS MODULES CONFIG WHAT: the manifest
# $T_TMP/el$R-KIND.yml (target el$R, postgres [15], the EXTENSIONS and
# MODULES lists, CONFIG: a file in $T_TMP; EL_REAL_UPSTREAMS, when set, its
# upstreams) built from the PGDG-like
# repositories into $T_TMP/out$R with the prelude's key; RUN is its .run.
# ok "el$R: WHAT built ...", or not ok and 1.
el_real_build() {
	cat >"$T_TMP/el$R-$1.yml" <<EOF
name: pgsql-el$R-$1
version: "1.0"
target: el$R
arch: x86_64
postgres: [15]
extensions: $2
modules: $3
recommends: false
config: $4
${EL_REAL_UPSTREAMS:+upstreams: $EL_REAL_UPSTREAMS}
EOF
	# shellcheck disable=SC2046
	if "$PGBUNDLE" build "$T_TMP/el$R-$1.yml" -o "$T_TMP/out$R" --key "$T_TMP/keys/pgbundle.key" \
		$(el_real_mirrors) >"$T_TMP/build.log" 2>&1; then
		ok "el$R: $5 built from the PGDG-like repositories ($(grep -o '[0-9]* packages, [0-9.]* MiB' "$T_TMP/build.log"))"
	else
		not_ok "el$R: build the bundle" "$(tail -n 5 "$T_TMP/build.log")"
		return 1
	fi
	RUN=$T_TMP/out$R/pgsql-el$R-$1-1.0.el$R.x86_64.run
}

# el_booted_prelude: for a test that boots an air-gapped host that is EL to
# the installer (48, 49): stops its container ($NAME) on exit, inside CMD...
# runs in it; the EL upstreams, the PGDG-like packages of real programs
# (el_pgdg_real.py), the recipes in $T_TMP/recipes, the cache and a bundle
# key in $T_TMP/keys.  A fixture that cannot be made ends the test, not ok.
el_booted_prelude() {
	AIRGAP=$TOP/ci/airgap
	NAME=""
	trap el_booted_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	el_fixture || { not_ok "fixture: EL upstreams"; exit 1; }
	el_real_fixture || {
		not_ok "fixture: PGDG-like packages of real programs (el_pgdg_real.py)" \
			"it repackages this host's postgresql-15 (installed: $(dpkg-query -W -f '${Version}' postgresql-15 2>&1)), Debian's $EL_REAL_SRC (apt-get download) and trixie's $EL_REAL_TRIXIE"
		exit 1
	}
	el_recipes "$T_TMP/recipes"
	export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
	"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
}

# el_host_root ROOT R: a bookworm rootfs at ROOT with systemd, rpm and dnf
# ($EL_REAL_DEBS) that says it is Rocky R: EL R's @core in its rpm
# database, a BaseOS repository that the install must disable and put back.
# Its last line says what failed when it returns 1.
el_host_root() {
	if ! sh "$AIRGAP/rootfs.sh" bookworm "$1" --with-systemd --include "$EL_REAL_DEBS"; then
		echo "bookworm rootfs with systemd, rpm and dnf ($EL_REAL_DEBS)"
		return 1
	fi
	if ! el_root "$1" "$2" justdb || ! rpm --root "$1" -q rocky-release bash >/dev/null; then
		echo "EL$2's @core in the host's rpm database, EL$2's os-release"
		return 1
	fi
	mkdir -p "$1/etc/yum.repos.d"
	printf '[baseos]\nname=Rocky Linux %s - BaseOS\nmirrorlist=https://mirrors.rockylinux.org/mirrorlist?repo=BaseOS-%s\ngpgcheck=1\n' \
		"$2" "$2" >"$1/etc/yum.repos.d/rocky.repo"
}

# el_booted_host: boots $NAME from el_host_root's host at $ROOT for Rocky $R
# (its rocky.repo copied to $T_TMP/rocky.repo), $RUN and the bundle key in
# /root as pgbundle.run and pgbundle.asc.  Says not ok and returns 1 where
# it fails.
el_booted_host() {
	if ! (el_host_root "$ROOT" "$R") >"$T_TMP/rootfs.log" 2>&1; then
		not_ok "el$R: the EL-layout host: $(tail -n 1 "$T_TMP/rootfs.log")" "$(tail -n 4 "$T_TMP/rootfs.log" | head -n 3)"
		return 1
	fi
	cp "$ROOT/etc/yum.repos.d/rocky.repo" "$T_TMP/rocky.repo"
	cp "$RUN" "$ROOT/root/pgbundle.run"
	cp "$T_TMP/keys/pgbundle.asc" "$ROOT/root/pgbundle.asc"
	if ! sh "$AIRGAP/boot.sh" start "$ROOT" "$NAME" 2>"$T_TMP/boot.log"; then
		not_ok "el$R: boot the EL-layout host" "$(cat "$T_TMP/boot.log")"
		return 1
	fi
}

el_booted_cleanup() {
	[ -n "$NAME" ] && [ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] &&
		sh "$AIRGAP/boot.sh" stop "$NAME" >/dev/null 2>&1
	t_cleanup
}

inside() { sh "$AIRGAP/boot.sh" exec "$NAME" "$@"; }
