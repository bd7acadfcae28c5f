#!/bin/sh
# tier: fast
# san: yes
# EL bundles (no EL, EPEL or PGDG repository is reachable here): manifests/el8,
# el9 and el10 built from the fixture upstreams of tests/fixtures/el_repos.py
# (Rocky BaseOS/AppStream, EPEL, PGDG per major, pgdg-common; one signing key
# per vendor).  Proved: PGDG's postgresqlNN packages win over AppStream's
# modular postgresql stream on EL8 (the target disables the module; enabling
# it instead names the module and the manifest key to change, and its
# obsoletes document is named, not applied, as dnf's default); a modular
# package that is bundled (EL8's perl:5.26 perl-libs) keeps its module
# metadata; a bundled package of @core brings the @core comps group, which
# dnf then reads from the bundle; the chain of an unresolvable dependency is named; the bundle's
# repository verifies (verify, ls) and installs with dnf from the bundle alone
# with gpgcheck and repo_gpgcheck; a rebuild from the lock is byte-identical;
# refused, naming the file: a tampered repomd.xml.asc, a primary that does not
# match its checksum, an RPM tampered in its payload or its header, an RPM
# signed by a key that is not its upstream's, sha1 repodata.
. tests/lib.sh
. tests/e2e/fixture_setup.sh
. tests/e2e/fixture_el.sh
t_tmpdir
if el_fixture; then
	ok "fixture: EL upstreams built with rpmbuild, rpmsign, createrepo_c, modifyrepo_c"
else
	not_ok "fixture: EL upstreams (tests/fixtures/el_repos.py)"
	exit 1
fi
el_recipes "$T_TMP/recipes"
export PGBUNDLE_RECIPES="$T_TMP/recipes" PGBUNDLE_CACHE="$T_TMP/cache"
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
KEY=$T_TMP/keys/pgbundle.key
M=$(el_mirrors)

# build NAME MANIFEST [options]: pgbundle build into $T_TMP/out-NAME.
build() {
	n=$1 mf=$2
	shift 2
	# shellcheck disable=SC2086
	"$PGBUNDLE" build "$mf" -o "$T_TMP/out-$n" --key "$KEY" $M "$@" >"$T_TMP/$n.log" 2>&1
}

# --- el8: PGDG over the modular stream, modular perl-libs bundled ---
# Manifests derived from manifests/elN.yml live beside a copy of its config.
cp -r manifests/config "$T_TMP/config"
E8=$T_TMP/el8-plperl.yml
sed 's/^modules: \(.*\)$/modules: \1\npackages: ["postgresql{pg}-plperl"]/' manifests/el8.yml >"$E8"
if build el8 "$E8"; then
	ok "el8: bundle built"
else
	not_ok "el8: bundle built" "$(tail -n 5 "$T_TMP/el8.log")"
	exit 1
fi
T8=$T_TMP/out-el8/pgsql-el8-1.0.el8.x86_64.tar.zst
"$PGBUNDLE" ls "$T8" >"$T_TMP/ls8" 2>&1
sed 's/^/#   /' "$T_TMP/ls8"
if grep -q '^postgresql16-server  *16.4-1PGDG.rhel8 ' "$T_TMP/ls8" &&
	grep -q '^postgis34_16 ' "$T_TMP/ls8" && grep -q '^pgvector_16 ' "$T_TMP/ls8" &&
	grep -q '^armadillo ' "$T_TMP/ls8" && ! grep -q '^postgresql-server ' "$T_TMP/ls8" &&
	! grep -q '^bash ' "$T_TMP/ls8"; then
	ok "el8: PGDG's postgresql16-server, postgis (reaching EPEL's armadillo through pgdg-common), pgvector; not AppStream's postgresql, not the @core baseline"
else
	not_ok "el8: the package set" "$(tr '\n' ' ' <"$T_TMP/ls8")"
fi
if grep -q 'module postgresql: disabled' "$T_TMP/el8.log" &&
	grep -q 'module perl:5.26 (the default stream' "$T_TMP/el8.log"; then
	ok "el8: the build says the postgresql module is disabled and perl-libs comes from perl:5.26"
else
	not_ok "el8: module notes" "$(head -n 3 "$T_TMP/el8.log")"
fi
X8=$T_TMP/x8
mkdir -p "$X8" && tar --zstd -xf "$T8" -C "$X8"
X8=$X8/pgsql-el8-1.0.el8.x86_64
if zcat "$X8"/repodata/*-modules.yaml.gz | grep -q 'perl-libs-4:5.26.3-422' &&
	jq -e '.rpm.modules_disable == ["postgresql"] and .rpm.module_hotfixes == false' \
	"$X8/bundle.json" >/dev/null; then
	ok "el8: repodata carries perl:5.26's modules.yaml; bundle.json disables postgresql, no module_hotfixes"
else
	not_ok "el8: modules.yaml and bundle.json" "$(jq -c .rpm "$X8/bundle.json")"
fi
# lz4-libs (an optional member of @core, needed by postgresql16-server) is
# bundled: the repository carries BaseOS's @core group, as createrepo_c -g
# would (group and group_gz), so dnf's group commands work from the bundle.
if grep -q '^lz4-libs ' "$T_TMP/ls8" && grep -q '<data type="group">' "$X8/repodata/repomd.xml" &&
	grep -q '<data type="group_gz">' "$X8/repodata/repomd.xml" &&
	grep -q '<id>core</id>' "$X8"/repodata/*-comps.xml &&
	grep -q '<packagereq type="optional">lz4-libs</packagereq>' "$X8"/repodata/*-comps.xml &&
	! grep -q 'minimal-environment' "$X8"/repodata/*-comps.xml &&
	grep -q "comps: the bundle carries a package of the baseline's groups" "$T_TMP/el8.log"; then
	ok "el8: lz4-libs of @core is bundled, so the repodata carries the @core group as BaseOS defines it (group, group_gz), not the environments"
else
	not_ok "el8: the bundle's comps" "$(grep group "$X8/repodata/repomd.xml")"
fi
if grep -q 'is end of life upstream' "$T_TMP/el8.log"; then
	not_ok "el8: no obsoletes note for the disabled postgresql module" "$(grep 'end of life' "$T_TMP/el8.log")"
else
	ok "el8: postgresql:10's obsoletes document says nothing while the module is disabled"
fi
if "$PGBUNDLE" verify "$T8" --key "$T_TMP/keys/pgbundle.asc" >"$T_TMP/v8" 2>&1; then
	ok "el8: pgbundle verify --key: repomd.xml.asc, every record and every RPM"
else
	not_ok "el8: verify" "$(cat "$T_TMP/v8")"
fi
if "$PGBUNDLE" sbom "$T8" >"$T_TMP/sbom8.json" 2>"$T_TMP/sbom8.log" &&
	[ "$(jq '.components | length' "$T_TMP/sbom8.json")" = "$(grep -c . "$T_TMP/ls8")" ] &&
	jq -r '.components[].purl' "$T_TMP/sbom8.json" |
	grep -q '^pkg:rpm/el/perl-libs@5.26.3-422\.[^?]*?arch=x86_64&distro=el-8&epoch=4$'; then
	ok "el8: pgbundle sbom of the rpm bundle: one component per package, rpm purls with the epoch"
else
	not_ok "el8: sbom of the rpm bundle" "$(tail -n 2 "$T_TMP/sbom8.log"; jq -r '.components[].purl' "$T_TMP/sbom8.json" | grep perl)"
fi

# dnf itself, with the bundle as the only repository of a fixture EL8 root.
R8=$T_TMP/root8
if el_root "$R8" 8; then
	mkdir -p "$T_TMP/dnfrepos"
	cat >"$T_TMP/dnfrepos/pgbundle.repo" <<EOF
[pgbundle]
name=pgbundle
baseurl=file://$X8
gpgcheck=1
repo_gpgcheck=1
gpgkey=file://$X8/RPM-GPG-KEY-pgbundle
EOF
	for k in "$X8"/RPM-GPG-KEY-*; do rpm --root "$R8" --import "$k"; done
	dnf -y --installroot="$R8" --setopt=reposdir="$T_TMP/dnfrepos" --releasever=8 \
		--setopt=cachedir="$T_TMP/dnfcache" --setopt=install_weak_deps=False --noplugins \
		module disable postgresql >"$T_TMP/dnf8.log" 2>&1
	if dnf -y --installroot="$R8" --setopt=reposdir="$T_TMP/dnfrepos" --releasever=8 \
		--setopt=cachedir="$T_TMP/dnfcache" --setopt=install_weak_deps=False --noplugins \
		install postgresql16-server postgresql16-plperl postgis34_16 pgvector_16 \
		>>"$T_TMP/dnf8.log" 2>&1 && rpm --root "$R8" -q postgresql16-server perl-libs \
		postgis34_16 >/dev/null; then
		ok "el8: dnf installs from the bundle alone, gpgcheck and repo_gpgcheck on ($(grep -c 'Installing  *:' "$T_TMP/dnf8.log") packages)"
	else
		not_ok "el8: dnf install from the bundle" "$(tail -n 8 "$T_TMP/dnf8.log")"
	fi
	if dnf -y --installroot="$R8" --setopt=reposdir="$T_TMP/dnfrepos" --releasever=8 \
		--setopt=cachedir="$T_TMP/dnfcache" --noplugins group info core >"$T_TMP/grp8.log" 2>&1 &&
		grep -q '^Group: Core' "$T_TMP/grp8.log" && grep -q 'lz4-libs' "$T_TMP/grp8.log"; then
		ok "el8: dnf group info core answers from the bundle alone"
	else
		not_ok "el8: dnf group info core from the bundle" "$(tail -n 4 "$T_TMP/grp8.log")"
	fi
else
	not_ok "el8: fixture root (dnf --installroot @core)"
fi

# --- a rebuild from the lock is byte-identical ---
cp "$T_TMP/out-el8/pgsql-el8.lock" "$T_TMP/el8.lock"
sums() { sha256sum "$T_TMP/out-el8"/*.tar.zst "$T_TMP/out-el8"/*.run | cut -d' ' -f1; }
s1=$(sums)
if build el8 "$E8" --lock "$T_TMP/el8.lock" && [ "$(sums)" = "$s1" ] &&
	cmp -s "$T_TMP/el8.lock" "$T_TMP/out-el8/pgsql-el8.lock"; then
	ok "el8: a rebuild from the lock is byte-identical (.tar.zst, .run, lock)"
else
	not_ok "el8: rebuild from the lock" "$(tail -n 3 "$T_TMP/el8.log")"
fi

# --- el9 (two majors) and el10 ---
for r in 9 10; do
	if build "el$r" "manifests/el$r.yml" &&
		"$PGBUNDLE" verify "$T_TMP/out-el$r"/*.tar.zst >/dev/null 2>&1; then
		ok "el$r: manifests/el$r.yml builds and verifies ($(grep -o '[0-9]* packages' "$T_TMP/el$r.log"))"
	else
		not_ok "el$r: manifests/el$r.yml" "$(tail -n 5 "$T_TMP/el$r.log")"
	fi
done
if "$PGBUNDLE" ls "$T_TMP/out-el9"/*.tar.zst | grep -q '^postgresql17-server ' &&
	"$PGBUNDLE" ls "$T_TMP/out-el9"/*.tar.zst | grep -q '^postgis34_16 '; then
	ok "el9: PostgreSQL 16 and 17 from PGDG's per-major repositories in one bundle"
else
	not_ok "el9: both majors"
fi

# --- what cannot be resolved, said precisely ---
plan() { # NAME MANIFEST: pgbundle plan, output in $T_TMP/NAME.plan
	# shellcheck disable=SC2086
	"$PGBUNDLE" plan "$2" $M >"$T_TMP/$1.plan" 2>&1
}
# rpm dependencies the way dnf reads them: postgis34_16's rich "(geos313 or
# geos312)" and its file dependency on /usr/proj95/lib64/libproj.so.25 (not
# in primary: filelists read); postgis34_16-utils, a Recommends (noarch),
# only with recommends: true.
plan norec manifests/el9.yml
sed 's/^recommends: false$/recommends: true/' manifests/el9.yml >"$T_TMP/el9-rec.yml"
plan rec "$T_TMP/el9-rec.yml"
if grep -q '^geos312 ' "$T_TMP/norec.plan" && grep -q '^proj95 ' "$T_TMP/norec.plan" &&
	! grep -q '^postgis34_16-utils ' "$T_TMP/norec.plan" &&
	grep -q '^postgis34_16-utils  *3.4.3-1PGDG.rhel9  *noarch ' "$T_TMP/rec.plan"; then
	ok "el9: a rich (or) and a file dependency resolved (geos312, proj95); postgis34_16-utils (Recommends, noarch) only with recommends: true"
else
	not_ok "el9: rich, file and weak dependencies" "$(grep -c . "$T_TMP/norec.plan") / $(grep -c . "$T_TMP/rec.plan") lines"
fi
sed 's/^modules: \(.*\)$/modules: \1\nmodules_enable: ["postgresql:10"]/' manifests/el8.yml \
	>"$T_TMP/el8-stream.yml"
plan stream "$T_TMP/el8-stream.yml"
if grep -q 'unresolved: postgresql16-server: .*hidden by dnf.s modular filtering: it provides postgresql-server, a package of module stream postgresql:10 (enabled by the manifest.*remove postgresql:10 from `modules_enable`' "$T_TMP/stream.plan"; then
	ok "el8 with modules_enable postgresql:10: PGDG's server is reported hidden, naming the module and the key to change"
else
	not_ok "el8: modular filtering conflict" "$(head -c 600 "$T_TMP/stream.plan")"
fi
if grep -q 'module postgresql:10 is end of life upstream (modulemd-obsoletes: "postgresql:10 is end of life"), obsoleted by postgresql:15; dnf applies module obsoletes only with module_obsoletes=True (default False), so the bundle keeps postgresql:10; to follow it: modules_enable: \["postgresql:15"\]' "$T_TMP/stream.plan"; then
	ok "el8 with modules_enable postgresql:10: its obsoletes document is named (successor, the key to follow it), not applied, as dnf's default"
else
	not_ok "el8: module obsoletes" "$(grep -i obsolet "$T_TMP/stream.plan")"
fi
sed 's/^upstreams:.*//; s/^target: el9$/target: el9\nupstreams: [el-baseos, el-appstream, pgdg-yum, pgdg-yum-common, pgdg-yum-extras]/' \
	manifests/el9.yml >"$T_TMP/el9-noepel.yml"
plan noepel "$T_TMP/el9-noepel.yml"
if grep -q 'unresolved: postgis34_16: postgis34_16-3.4.3-1PGDG.rhel9.x86_64 needs libgdal.so.34()(64bit), from gdal38-libs-3.8.5-1PGDG.rhel9.x86_64, which needs libarmadillo.so.12()(64bit): nothing in el-baseos, el-appstream, pgdg-yum (PG 16), pgdg-yum (PG 17), pgdg-yum-common, pgdg-yum-extras provides it' "$T_TMP/noepel.plan"; then
	ok "el9 without EPEL: postgis34_16's unresolvable dependency named with its chain"
else
	not_ok "el9: chain of an unresolvable dependency" "$(grep postgis34_16 "$T_TMP/noepel.plan" | head -c 600)"
fi

# --- refused, each naming the file ---
PG16=$EL_FX/pgdg/yum/16/redhat/rhel-8-x86_64
# bad NAME: a copy of the PGDG 16 repository for el8 to spoil, in $T_TMP/bad-NAME/16.
bad() {
	mkdir -p "$T_TMP/bad-$1" && cp -r "$PG16" "$T_TMP/bad-$1/16"
	B=$T_TMP/bad-$1/16
}
# remeta: regenerate the spoiled repository's metadata and sign it with PGDG's
# key, as a mirror holding the metadata key but not the packages' could.
remeta() {
	createrepo_c --quiet --no-database --checksum "${1:-sha256}" "$B" >/dev/null &&
		gpg --homedir "$EL_FX/gnupg" --batch --quiet --yes --local-user pgdg@fixture.invalid \
			--armor --detach-sign -o "$B/repodata/repomd.xml.asc" "$B/repodata/repomd.xml"
}
# refused NAME PATTERN: the el8 build with pgdg-yum at bad-NAME fails matching
# PATTERN and writes nothing.
refused() {
	M=$(el_mirrors "$T_TMP/bad-$1/{pg}")
	if PGBUNDLE_CACHE="$T_TMP/cache-$1" build "bad-$1" manifests/el8.yml; then
		not_ok "$1: refused" "the build succeeded"
	elif grep -q -- "$2" "$T_TMP/bad-$1.log" && ! ls "$T_TMP/out-bad-$1"/*.tar.zst >/dev/null 2>&1; then
		ok "$1: refused, nothing written: $(grep -o "$2.\{0,160\}" "$T_TMP/bad-$1.log" | head -n 1)"
	else
		not_ok "$1: refused naming the file" "$(tail -n 3 "$T_TMP/bad-$1.log")"
	fi
	M=$(el_mirrors)
}

bad asc
sed -i '3s/./X/;4s/./Y/' "$B/repodata/repomd.xml.asc"
refused asc "bad-asc/16/repodata/repomd.xml"

bad ascstranger
gpg --homedir "$EL_FX/gnupg" --batch --quiet --yes --local-user stranger@fixture.invalid \
	--armor --detach-sign -o "$B/repodata/repomd.xml.asc" "$B/repodata/repomd.xml"
refused ascstranger "bad-ascstranger/16/repodata/repomd.xml.*no good signature"

bad primary
p=$(ls "$B"/repodata/*-primary.xml.gz)
printf 'X' | dd of="$p" bs=1 seek=$(($(stat -c %s "$p") / 2)) conv=notrunc 2>/dev/null
refused primary "primary.xml.gz.*SHA-256 mismatch"

bad payload
f=$B/Packages/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm
size=$(stat -c %s "$f")
printf 'X' | dd of="$f" bs=1 seek=$((size - 40)) conv=notrunc 2>/dev/null
remeta
refused payload "pool/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm: refused"

bad header
f=$B/Packages/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm
sed -i 's/fixture pgvector_16/fixture pgvectoX_16/' "$f"
remeta
refused header "pool/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm: refused"

bad stranger
rpmsign --define "__gpg /usr/bin/gpg" --define "_gpg_path $EL_FX/gnupg" \
	--define "_gpg_name fixture stranger <stranger@fixture.invalid>" --resign \
	"$B/Packages/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm" </dev/null >/dev/null 2>&1
remeta
refused stranger "pool/pgvector_16-0.7.4-1PGDG.rhel8.x86_64.rpm: refused.*NOKEY"

bad sha1
remeta sha1
refused sha1 "bad-sha1/16/repodata/repomd.xml: the primary record's checksum is sha1"

# --- what the real upstreams do: EPEL does not sign its metadata ---
mkdir -p "$T_TMP/epel-unsigned" && cp -r "$EL_FX/epel/8" "$T_TMP/epel-unsigned/8"
rm "$T_TMP/epel-unsigned/8/Everything/x86_64/repodata/repomd.xml.asc"
M=$(el_mirrors | sed "s|epel=file://[^ ]*|epel=file://$T_TMP/epel-unsigned/{release}/Everything/{arch}|")
if PGBUNDLE_CACHE="$T_TMP/cache-epel" build epel-unsigned manifests/el8.yml &&
	grep -q 'warning: .*epel-unsigned/8/Everything/x86_64/repodata/repomd.xml is not signed (upstream .epel. does not sign its metadata' \
	"$T_TMP/epel-unsigned.log"; then
	ok "EPEL's unsigned repomd.xml (metadata_signed: false, as Fedora publishes it) is taken with a warning; its RPMs are still checked"
else
	not_ok "EPEL without repomd.xml.asc" "$(tail -n 3 "$T_TMP/epel-unsigned.log")"
fi
M=$(el_mirrors)

# --- a stream the manifest enables: EL8's postgresql:15, not the default ---
S15=$T_TMP/el8-pg15.yml
cat >"$S15" <<'EOF2'
name: pg15-el8
version: "1.0"
target: el8
arch: x86_64
postgres: [15]
modules_enable: ["postgresql:15"]
upstreams: [el-baseos, el-appstream]
packages: [postgresql-server]
EOF2
if build pg15 "$S15" && "$PGBUNDLE" ls "$T_TMP/out-pg15"/*.tar.zst | grep -q '^postgresql-server  *15.6-1.module'; then
	ok "el8 with modules_enable postgresql:15: AppStream's postgresql-server 15.6 bundled (not the default stream's 10.6)"
else
	not_ok "el8: modules_enable" "$(tail -n 3 "$T_TMP/pg15.log")"
fi
mkdir -p "$T_TMP/x15" && tar --zstd -xf "$T_TMP/out-pg15"/*.tar.zst -C "$T_TMP/x15"
X15=$T_TMP/x15/pg15-el8-1.0.el8.x86_64
zcat "$X15"/repodata/*-modules.yaml.gz >"$T_TMP/pg15.modules.yaml"
if grep -q 'document: modulemd-defaults' "$T_TMP/pg15.modules.yaml" &&
	grep -A4 'document: modulemd-defaults' "$T_TMP/pg15.modules.yaml" | grep -q 'stream: "15"'; then
	ok "el8: the bundle's modules.yaml makes the enabled stream 15 its default"
else
	not_ok "el8: defaults for the enabled stream" "$(head -c 400 "$T_TMP/pg15.modules.yaml")"
fi
if ! grep -q 'obsoletes' "$T_TMP/pg15.modules.yaml" && ! grep -q 'type="group' "$X15/repodata/repomd.xml"; then
	ok "el8 postgresql:15 bundle: no obsoletes documents in its modules.yaml, no comps (no package of @core bundled)"
else
	not_ok "el8 postgresql:15 bundle: obsoletes or comps" "$(grep -c obsoletes "$T_TMP/pg15.modules.yaml")"
fi
R15=$T_TMP/root15
if el_root "$R15" 8; then
	mkdir -p "$T_TMP/repos15"
	printf '[pgbundle]\nname=pgbundle\nbaseurl=file://%s\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://%s/RPM-GPG-KEY-pgbundle\n' \
		"$X15" "$X15" >"$T_TMP/repos15/pgbundle.repo"
	for k in "$X15"/RPM-GPG-KEY-*; do rpm --root "$R15" --import "$k"; done
	if dnf -y --installroot="$R15" --setopt=reposdir="$T_TMP/repos15" --releasever=8 \
		--setopt=cachedir="$T_TMP/dnfcache15" --setopt=install_weak_deps=False \
		install postgresql-server >"$T_TMP/dnf15.log" 2>&1 &&
		rpm --root "$R15" -q postgresql-server | grep -q '^postgresql-server-15.6'; then
		ok "el8: dnf installs the enabled stream's postgresql-server 15.6 from the bundle alone, no dnf module enable"
	else
		not_ok "el8: dnf install of the enabled stream" "$(tail -n 5 "$T_TMP/dnf15.log")"
	fi
else
	not_ok "el8: fixture root for the enabled stream"
fi

# --- a pinned fingerprint the keyring does not hold ---
stranger=$(gpg --homedir "$EL_FX/gnupg" --with-colons --fingerprint stranger@fixture.invalid |
	awk -F: '$1 == "fpr" { print $10; exit }')
sed -i "/^pgdg-yum:\$/,/^\$/ s/^  checked: false\$/  fingerprint: $stranger\n  checked: false/" \
	"$T_TMP/recipes/repos.yml"
if PGBUNDLE_CACHE="$T_TMP/cache-pin" build pin manifests/el8.yml; then
	not_ok "pinned fingerprint" "the build succeeded"
elif grep -q "keyring .*keys/pgdg.gpg of upstream 'pgdg-yum' does not hold the key $stranger that recipes/repos.yml pins" "$T_TMP/pin.log"; then
	ok "a keyring without the key recipes/repos.yml pins for pgdg-yum is refused"
else
	not_ok "pinned fingerprint refused" "$(tail -n 2 "$T_TMP/pin.log")"
fi
