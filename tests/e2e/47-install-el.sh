#!/bin/sh
# tier: all
# The installer on EL, offline: fixture EL roots made by Debian's dnf
# (`dnf --installroot` of the fixture's @core, an /etc/os-release of the
# release), and the .run of manifests/el9.yml, manifests/el10.yml and of an
# el8 manifest with a modular dependency, run with --root in a network
# namespace of its own (no network).  Proved: every requested package
# installs from the bundle alone with gpgcheck and repo_gpgcheck on (a
# tampered repomd.xml.asc is then refused by dnf itself), the host's .repo files are moved aside and put back
# by uninstall, the keys are imported and the bundle's removed again; a
# second run changes nothing; the dnf --assumeno pre-flight refuses a
# conflict with a package of the host and changes nothing; on EL8, where
# dnf with the distribution's repositories filters PGDG's packages out, the
# bundle installs PGDG's server and the modular perl-libs; uninstall --purge
# removes what was installed.  PostgreSQL itself is not started: the fixture
# packages hold no programs (README: what is tested on fixtures).
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
need_root "EL install with --root"
t_tmpdir
el_fixture || { not_ok "fixture: EL upstreams"; exit 1; }
el_recipes "$T_TMP/recipes"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
cp -r manifests/config "$T_TMP/config"
sed 's/^modules: \(.*\)$/modules: \1\npackages: ["postgresql{pg}-plperl"]/' manifests/el8.yml \
	>"$T_TMP/el8.yml"
for m in manifests/el9.yml "$T_TMP/el8.yml" manifests/el10.yml; do
	# shellcheck disable=SC2046
	"$PGBUNDLE" build "$m" -o "$T_TMP/out" --key "$T_TMP/keys/pgbundle.key" $(el_mirrors) \
		>"$T_TMP/build.log" 2>&1 || { not_ok "build $m" "$(tail -n 3 "$T_TMP/build.log")"; exit 1; }
done
RUN9=$T_TMP/out/pgsql-el9-1.0.el9.x86_64.run RUN8=$T_TMP/out/pgsql-el8-1.0.el8.x86_64.run
RUN10=$T_TMP/out/pgsql-el10-1.0.el10.x86_64.run
ok "el9, el8 and el10 .run built from the fixtures"

# root NAME REL: a fixture EL root with a host .repo of its own (unreachable).
root() {
	el_root "$T_TMP/$1" "$2" || { not_ok "fixture root $1 (dnf --installroot @core)"; exit 1; }
	mkdir -p "$T_TMP/$1/etc/yum.repos.d"
	printf '[baseos]\nname=Rocky Linux %s - BaseOS\nmirrorlist=https://mirrors.rockylinux.org/mirrorlist?repo=BaseOS-%s\ngpgcheck=1\n' \
		"$2" "$2" >"$T_TMP/$1/etc/yum.repos.d/rocky.repo"
	cp "$T_TMP/$1/etc/yum.repos.d/rocky.repo" "$T_TMP/$1.rocky.repo"
}
# offline RUN ARGS...: the installer with no network at all.
offline() { unshare -n "$@"; }

R=$T_TMP/r9
root r9 9
TOP9=$R/www/pgbundle/pgsql-el9-1.0.el9.x86_64
if offline "$RUN9" install --root "$R" --yes --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/i9.log" 2>&1; then
	ok "el9: the .run installs into the root with no network ($(grep -o 'install [0-9]* packages' "$T_TMP/i9.log"))"
else
	not_ok "el9: install --root" "$(tail -n 8 "$T_TMP/i9.log")"
	exit 1
fi
sed 's/^/#   /' "$T_TMP/i9.log"
check "el9: the signing key is pinned and the bundle recorded inside the root (ROOT/etc/pgbundle, ROOT/var/lib/pgbundle)" \
	sh -c "ls '$R'/etc/pgbundle/trusted.d/*.gpg >/dev/null && test -f '$R/var/lib/pgbundle/installed/pgsql-el9.json'"
# The packages of the modules the bundles carry and the singleton config
# does not enable (pgbackrest, monitor, infra, redis): not installed.
NOT_ENABLED="pgbackrest node_exporter postgres_exporter pgbouncer_exporter prometheus2 redis valkey"
# requested_missing MAJOR...: the bundle's requested packages not installed in
# $R, except those of the majors given and those of $NOT_ENABLED.
requested_missing() {
	missing=""
	for p in $(jq -r '.requested[]' "$TOP9/bundle.json"); do
		skip=""
		for m in "$@" $NOT_ENABLED; do case $p in *"$m"*) skip=1 ;; esac; done
		[ -n "$skip" ] || rpm --root "$R" -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	echo "$missing"
}
if [ -z "$(requested_missing 17)" ] && rpm --root "$R" -q postgresql16-server postgis34_16 \
	armadillo >/dev/null && ! rpm --root "$R" -q postgresql17-server >/dev/null 2>&1; then
	ok "el9: the config's major (pg_version auto: 16) installed with every other requested package; not 17's"
else
	not_ok "el9: requested packages of 16 installed" "missing:$(requested_missing 17)"
fi
# The other major: the same bundle with a config that picks 17.
sed 's/^pg_version: auto .*/pg_version: 17/' "$TOP9/config/singleton.yml" >"$T_TMP/pg17.yml"
if offline "$RUN9" install --root "$R" --yes --config "$T_TMP/pg17.yml" >"$T_TMP/i9-17.log" 2>&1 &&
	[ -z "$(requested_missing)" ] && rpm --root "$R" -q postgresql17-server postgis34_17 >/dev/null; then
	ok "el9: with pg_version: 17 the same .run installs 17's packages: every requested package of both majors is installed"
else
	not_ok "el9: pg_version 17" "missing:$(requested_missing); $(tail -n 4 "$T_TMP/i9-17.log")"
fi
repo=$R/etc/yum.repos.d/pgbundle.repo
if grep -qx 'gpgcheck = 1' "$repo" && grep -qx 'repo_gpgcheck = 1' "$repo" &&
	grep -qx 'gpgkey = file:///www/pgbundle/pgsql-el9-1.0.el9.x86_64/RPM-GPG-KEY-pgbundle' "$repo" &&
	grep -qx 'baseurl = file:///www/pgbundle/pgsql-el9-1.0.el9.x86_64' "$repo" &&
	! grep -q module_hotfixes "$repo"; then
	ok "el9: pgbundle.repo has gpgcheck=1, repo_gpgcheck=1, the bundle key, the image's paths, no module_hotfixes"
else
	not_ok "el9: pgbundle.repo" "$(cat "$repo")"
fi
if [ ! -e "$R/etc/yum.repos.d/rocky.repo" ] &&
	cmp -s "$R/etc/yum.repos.d/pgbundle-disabled/rocky.repo" "$T_TMP/r9.rocky.repo" &&
	rpm --root "$R" -qa gpg-pubkey --qf '%{SUMMARY}\n' | grep -q 'pgbundle signing key'; then
	ok "el9: the host's rocky.repo moved aside; the bundle key and the upstreams' keys imported"
else
	not_ok "el9: repos aside and keys" "$(ls "$R/etc/yum.repos.d")"
fi

# dnf itself refuses the configured repository once repomd.xml.asc is not
# the bundle key's (a stranger's signature over the same repomd.xml).
cp -a "$TOP9" "$T_TMP/tampered"
gpg --homedir "$EL_FX/gnupg" --batch --quiet --yes --local-user stranger@fixture.invalid \
	--armor --detach-sign -o "$T_TMP/tampered/repodata/repomd.xml.asc" \
	"$T_TMP/tampered/repodata/repomd.xml"
if dnf -y --installroot="$R" --setopt=cachedir="$T_TMP/dnfcache" \
	--setopt=pgbundle.baseurl="file://$T_TMP/tampered" \
	--setopt=pgbundle.gpgkey="file://$TOP9/RPM-GPG-KEY-pgbundle" \
	makecache >"$T_TMP/tamper.log" 2>&1 && ! grep -qi 'signature' "$T_TMP/tamper.log"; then
	not_ok "el9: dnf checks repomd.xml.asc" "$(tail -n 3 "$T_TMP/tamper.log")"
else
	ok "el9: with the configured repository, dnf refuses a tampered repomd.xml.asc ($(grep -io 'gpg[^.]*' "$T_TMP/tamper.log" | head -n 1))"
fi

if offline "$RUN9" install --root "$R" --yes --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/i9b.log" 2>&1 &&
	grep -q 'nothing to change' "$T_TMP/i9b.log"; then
	ok "el9: a second run changes nothing"
else
	not_ok "el9: second run" "$(tail -n 4 "$T_TMP/i9b.log")"
fi

# --- the pre-flight refuses a conflict and changes nothing ---
C=$T_TMP/rc
root rc 9
spec=$T_TMP/site.spec
cat >"$spec" <<'EOF'
Name: site-pooler
Version: 1.0
Release: 1
Summary: a connection pooler the site installed itself
License: MIT
BuildArch: noarch
Conflicts: pgbouncer
%description
site pooler
%files
EOF
rpmbuild --quiet -bb --define "_topdir $T_TMP/rpmbuild" --define "_rpmdir $T_TMP/site" \
	--define "_rpmfilename site-pooler.rpm" "$spec" >/dev/null 2>&1
rpm --root "$C" -i --nosignature "$T_TMP/site/site-pooler.rpm"
if offline "$RUN9" install --root "$C" --yes --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/ic.log" 2>&1; then
	not_ok "el9: pre-flight conflict" "the install succeeded"
elif grep -q 'pre-flight: the bundle.s packages cannot be installed' "$T_TMP/ic.log" &&
	grep -q 'site-pooler' "$T_TMP/ic.log" && [ -e "$C/etc/yum.repos.d/rocky.repo" ] &&
	[ ! -e "$C/etc/yum.repos.d/pgbundle.repo" ] && [ ! -e "$C/www/pgbundle" ] &&
	! rpm --root "$C" -q gpg-pubkey --qf '%{SUMMARY}\n' | grep -q pgbundle; then
	ok "el9: dnf --assumeno pre-flight names the conflicting host package; nothing changed ($(grep -o 'site-pooler[^,;]*conflicts[^,;]*' "$T_TMP/ic.log" | head -n 1))"
else
	not_ok "el9: pre-flight conflict reported, nothing changed" "$(tail -n 6 "$T_TMP/ic.log")"
fi

# --- uninstall puts the host back ---
if "$RUN9" uninstall --root "$R" >"$T_TMP/u9.log" 2>&1 &&
	cmp -s "$R/etc/yum.repos.d/rocky.repo" "$T_TMP/r9.rocky.repo" &&
	[ ! -e "$R/etc/yum.repos.d/pgbundle.repo" ] &&
	! rpm --root "$R" -qa gpg-pubkey --qf '%{SUMMARY}\n' | grep -q 'pgbundle signing key' &&
	rpm --root "$R" -q postgresql16-server >/dev/null; then
	ok "el9: uninstall restores rocky.repo, removes pgbundle.repo and the bundle key, keeps the packages"
else
	not_ok "el9: uninstall" "$(tail -n 5 "$T_TMP/u9.log")"
fi
if "$RUN9" uninstall --root "$R" --purge >"$T_TMP/p9.log" 2>&1 &&
	! rpm --root "$R" -q postgresql16-server >/dev/null 2>&1 && rpm --root "$R" -q bash >/dev/null &&
	[ ! -e "$TOP9" ]; then
	ok "el9: uninstall --purge removes the packages pgbundle installed and its repository, not the baseline"
else
	not_ok "el9: uninstall --purge" "$(tail -n 5 "$T_TMP/p9.log" | tr '\n' ' ')"
fi

# --- EL8: PGDG over AppStream's modular postgresql ---
E=$T_TMP/r8
root r8 8
el_repo_file "$T_TMP/el8.repo" 8
cat >>"$T_TMP/el8.repo" <<EOF
[fixture-pgdg16]
name=PGDG 16
baseurl=file://$EL_FX/pgdg/yum/16/redhat/rhel-8-x86_64
gpgcheck=1
repo_gpgcheck=1
gpgkey=file://$EL_FX/keys/pgdg.asc
EOF
mkdir -p "$T_TMP/el8repos" && mv "$T_TMP/el8.repo" "$T_TMP/el8repos/"
# -y: dnf takes the repositories' keys into its cache; nothing matches, so
# nothing is installed.
dnf -y --installroot="$E" --setopt=reposdir="$T_TMP/el8repos" --releasever=8 \
	--setopt=cachedir="$T_TMP/dnfcache8" install postgresql16-server >"$T_TMP/trap.log" 2>&1
if grep -q 'filtered out by modular filtering' "$T_TMP/trap.log" &&
	offline "$RUN8" install --root "$E" --yes --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/i8.log" 2>&1 &&
	rpm --root "$E" -q postgresql16-server postgresql16-plperl perl-libs >/dev/null &&
	! rpm --root "$E" -q postgresql-server >/dev/null 2>&1; then
	ok "el8: dnf with AppStream and PGDG filters postgresql16-server out; the bundle installs it, with the modular perl-libs"
else
	not_ok "el8: PGDG over the modular stream" "$(grep -h 'filtered\|Error' "$T_TMP/trap.log"; tail -n 5 "$T_TMP/i8.log")"
fi
if grep -q 'state=enabled' "$E/etc/dnf/modules.d/perl.module" 2>/dev/null; then
	ok "el8: dnf enabled perl:5.26 from the bundle's modules.yaml"
else
	not_ok "el8: the bundled module's metadata" "$(cat "$E"/etc/dnf/modules.d/* 2>&1 | head -n 8)"
fi

# --- EL10: no modules at all ---
root r10 10
T10=$T_TMP/r10/www/pgbundle/pgsql-el10-1.0.el10.x86_64
if offline "$RUN10" install --root "$T_TMP/r10" --yes --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/i10.log" 2>&1; then
	missing=""
	for p in $(jq -r '.requested[]' "$T10/bundle.json"); do
		case " $NOT_ENABLED " in *" $p "*) continue ;; esac
		rpm --root "$T_TMP/r10" -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -z "$missing" ] && rpm --root "$T_TMP/r10" -q postgresql17-server postgis34_17 >/dev/null &&
		grep -qx 'repo_gpgcheck = 1' "$T_TMP/r10/etc/yum.repos.d/pgbundle.repo"; then
		ok "el10: the .run installs every requested package with no network ($(grep -o 'install [0-9]* packages' "$T_TMP/i10.log"))"
	else
		not_ok "el10: requested packages installed" "missing:$missing"
	fi
else
	not_ok "el10: install --root" "$(tail -n 8 "$T_TMP/i10.log")"
fi
