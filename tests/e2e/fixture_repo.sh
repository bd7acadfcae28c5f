# tests/e2e/fixture_repo.sh - small signed apt archives built in the test with
# dpkg-deb and gpg (an OpenPGP implementation independent of ours), for the
# cases no real archive can give: upstream attacks and distributions that are
# not reachable here (Ubuntu).  Source tests/lib.sh first.
#
#   fixture_key HOME                 a gpg home with one RSA signing key;
#                                    exports HOME/key.gpg (binary keyring)
#   fixture_deb OUTDIR NAME VERSION [control lines...]   one .deb; when set,
#                                    FX_COPYRIGHT (a file) becomes its
#                                    /usr/share/doc/NAME/copyright, FX_DOCLINK
#                                    makes that doc directory a symlink to
#                                    another package's, FX_EXT (names) adds
#                                    usr/share/postgresql/15/extension/NAME.control,
#                                    FX_RANDOM_KIB (a number) usr/share/NAME/blob of
#                                    that many KiB of random bytes (a large .deb)
#   fixture_suite ROOT SUITE KEYHOME COMP:POOLDIR...     dists/SUITE signed,
#                                    one component per argument

fixture_key() {
	mkdir -p "$1" && chmod 700 "$1"
	gpg --homedir "$1" --batch --quiet --pinentry-mode loopback --passphrase '' \
		--quick-gen-key "pgbundle fixture <fixture@invalid>" rsa3072 sign never 2>/dev/null
	gpg --homedir "$1" --batch --export >"$1/key.gpg"
}

fixture_deb() {
	fx_out=$1 fx_name=$2 fx_version=$3
	shift 3
	d=$(mktemp -d)
	mkdir -p "$d/DEBIAN" "$d/usr/share/doc"
	if [ -n "${FX_DOCLINK:-}" ]; then
		ln -s "$FX_DOCLINK" "$d/usr/share/doc/$fx_name"
	else
		mkdir -p "$d/usr/share/doc/$fx_name"
		echo "$fx_name $fx_version" >"$d/usr/share/doc/$fx_name/README"
		[ -z "${FX_COPYRIGHT:-}" ] || cp "$FX_COPYRIGHT" "$d/usr/share/doc/$fx_name/copyright"
	fi
	if [ -n "${FX_RANDOM_KIB:-}" ]; then
		mkdir -p "$d/usr/share/$fx_name"
		head -c "$((FX_RANDOM_KIB * 1024))" /dev/urandom >"$d/usr/share/$fx_name/blob"
	fi
	for fx_e in ${FX_EXT:-}; do
		mkdir -p "$d/usr/share/postgresql/15/extension"
		echo "comment = '$fx_e'" >"$d/usr/share/postgresql/15/extension/$fx_e.control"
	done
	{
		echo "Package: $fx_name"
		echo "Version: $fx_version"
		echo "Architecture: amd64"
		echo "Maintainer: pgbundle tests <tests@invalid>"
		echo "Section: misc"
		for fx_line in "$@"; do echo "$fx_line"; done
		echo "Description: fixture package $fx_name"
	} >"$d/DEBIAN/control"
	mkdir -p "$fx_out"
	dpkg-deb --root-owner-group -Zgzip -b "$d" "$fx_out/${fx_name}_${fx_version}_amd64.deb" >/dev/null
	rm -rf "$d"
}

# Release body for the files under dists/SUITE (paths relative to it).
fixture_release() {
	echo "Origin: Fixture"
	echo "Label: Fixture"
	echo "Suite: $1"
	echo "Codename: $1"
	echo "Date: $(LC_ALL=C date -u -R -d @$(( $(date +%s) - 3600 )) | sed 's/+0000/UTC/')"
	echo "Architectures: amd64"
	echo "Components: $3"
	echo "Description: pgbundle test fixture"
	echo "SHA256:"
	(cd "$2" && find . -type f -name 'Packages*' | sed 's|^\./||' | sort | while read -r f; do
		printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
	done)
}

# Variables are prefixed fx_: sh functions share the caller's variables.
fixture_suite() {
	fx_root=$1 fx_suite=$2 fx_keyhome=$3
	shift 3
	fx_comps=""
	for fx_spec in "$@"; do
		fx_comp=${fx_spec%%:*} fx_pool=${fx_spec#*:}
		fx_comps="$fx_comps $fx_comp"
		fx_bin=$fx_root/dists/$fx_suite/$fx_comp/binary-amd64
		mkdir -p "$fx_bin" "$fx_root/pool/$fx_comp"
		for fx_deb in "$fx_pool"/*.deb; do
			[ -f "$fx_deb" ] && cp "$fx_deb" "$fx_root/pool/$fx_comp/"
		done
		(cd "$fx_root" && dpkg-scanpackages --multiversion "pool/$fx_comp" /dev/null 2>/dev/null) \
			>"$fx_bin/Packages"
		xz -k -f "$fx_bin/Packages"
	done
	fixture_release "$fx_suite" "$fx_root/dists/$fx_suite" "${fx_comps# }" \
		>"$fx_root/dists/$fx_suite/Release"
	fixture_sign "$fx_root/dists/$fx_suite" "$fx_keyhome"
}

fixture_sign() {
	rm -f "$1/InRelease" "$1/Release.gpg"
	gpg --homedir "$2" --batch --quiet --yes --digest-algo SHA256 --clearsign \
		-o "$1/InRelease" "$1/Release"
	gpg --homedir "$2" --batch --quiet --yes --digest-algo SHA256 --armor --detach-sign \
		-o "$1/Release.gpg" "$1/Release"
}

# rpm-md fixtures (rpmbuild, createrepo_c, gpg):
#
#   fixture_rpm OUTDIR NAME VERSION PATH...   one noarch rpm NAME-VERSION-1
#                                    shipping each PATH (a small text file)
#   fixture_rpmmd ROOT KEYHOME [RPM...]      ROOT/repodata with sha256 checksums,
#                                    repomd.xml signed (detached, armored:
#                                    repomd.xml.asc, as dnf's repo_gpgcheck
#                                    expects); no RPM gives an empty repository

fixture_rpm() {
	fx_out=$1 fx_name=$2 fx_version=$3
	shift 3
	fx_top=$(mktemp -d)
	mkdir -p "$fx_top/SPECS" "$fx_out"
	{
		echo "Name: $fx_name"
		echo "Version: $fx_version"
		echo "Release: 1"
		echo "Summary: fixture package $fx_name"
		echo "License: MIT"
		echo "BuildArch: noarch"
		echo "%description"
		echo "fixture package $fx_name"
		echo "%install"
		for fx_p in "$@"; do
			echo "mkdir -p %{buildroot}$(dirname "$fx_p")"
			echo "echo '$fx_name' >%{buildroot}$fx_p"
		done
		echo "%files"
		for fx_p in "$@"; do echo "$fx_p"; done
	} >"$fx_top/SPECS/$fx_name.spec"
	rpmbuild --quiet -bb --define "_topdir $fx_top" --define "_rpmdir $fx_out" \
		--define "_build_id_links none" --define "__os_install_post %{nil}" \
		--define "_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		"$fx_top/SPECS/$fx_name.spec" >/dev/null 2>&1
	fx_rc=$?
	rm -rf "$fx_top"
	return $fx_rc
}

fixture_rpmmd() {
	fx_root=$1 fx_keyhome=$2
	shift 2
	mkdir -p "$fx_root/Packages"
	for fx_rpm in "$@"; do cp "$fx_rpm" "$fx_root/Packages/"; done
	createrepo_c --quiet --checksum sha256 "$fx_root" >/dev/null &&
		gpg --homedir "$fx_keyhome" --batch --quiet --yes --digest-algo SHA256 --armor \
			--detach-sign -o "$fx_root/repodata/repomd.xml.asc" "$fx_root/repodata/repomd.xml"
}
