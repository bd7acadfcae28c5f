# tests/e2e/airgap_apt.sh - the air-gapped proof of a bundle, shared by the
# per-target tests: in a fresh minbase rootfs of SUITE with no network, the
# bundle's single source entry, `apt-get update` (signature checked, no
# trusted=yes) and `apt-get install` of every requested package.
#
#   airgap_apt_proof NAME SUITE BUNDLE.tar.zst WORKDIR
# Prints ok/not ok lines.  Needs root.  Source tests/lib.sh first.

airgap_apt_proof() {
	name=$1 suite=$2 tarball=$3 work=$4
	root=$work/rootfs
	rm -rf "$root"
	if ! sh "$TOP/ci/airgap/rootfs.sh" "$suite" "$root" >"$work/rootfs.log" 2>&1; then
		not_ok "$name: minbase $suite rootfs" "see $work/rootfs.log: $(tail -n 3 "$work/rootfs.log")"
		return 1
	fi
	mkdir -p "$root/srv/pgbundle"
	tar --zstd -xf "$tarball" -C "$root/srv/pgbundle"
	top=$(ls "$root/srv/pgbundle")
	requested=$(jq -r '.requested[]' "$root/srv/pgbundle/$top/bundle.json" | tr '\n' ' ')
	rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
	echo "deb [signed-by=/srv/pgbundle/$top/pgbundle.gpg] file:/srv/pgbundle/$top pgbundle main" \
		>"$root/etc/apt/sources.list.d/pgbundle.list"
	if grep -rqs 'trusted=yes' "$root/etc/apt"; then
		not_ok "$name: no trusted=yes" "found trusted=yes under /etc/apt"
		return 1
	fi
	if sh "$TOP/ci/airgap/run.sh" "$root" -- apt-get update >"$work/update.log" 2>&1 &&
	   ! grep -Eq '^(W|E):' "$work/update.log"; then
		ok "$name: apt-get update verifies the bundle signature offline ($suite)"
	else
		not_ok "$name: apt-get update offline ($suite)" "$(tail -n 5 "$work/update.log")"
		return 1
	fi
	# A tampered index must be refused by apt itself.
	cp "$root/srv/pgbundle/$top/dists/pgbundle/InRelease" "$work/InRelease.good"
	sed -i 's/^Origin: pgbundle/Origin: pgbundlX/' "$root/srv/pgbundle/$top/dists/pgbundle/InRelease"
	if sh "$TOP/ci/airgap/run.sh" "$root" -- apt-get update >"$work/bad.log" 2>&1 &&
	   ! grep -Eqi 'NO_PUBKEY|BADSIG|not signed|invalid|verif|Sub-process' "$work/bad.log"; then
		not_ok "$name: apt refuses a tampered InRelease" "apt accepted it: $(tail -n 3 "$work/bad.log")"
	else
		ok "$name: apt refuses a tampered InRelease"
	fi
	cp "$work/InRelease.good" "$root/srv/pgbundle/$top/dists/pgbundle/InRelease"
	sh "$TOP/ci/airgap/run.sh" "$root" -- apt-get update >/dev/null 2>&1
	# shellcheck disable=SC2086
	if sh "$TOP/ci/airgap/run.sh" "$root" -- env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $requested >"$work/install.log" 2>&1; then
		ok "$name: apt-get install of all $(echo $requested | wc -w) requested packages offline ($suite)"
	else
		not_ok "$name: apt-get install offline ($suite)" "$(grep -E '^(E:|  )' "$work/install.log" | head -n 8)"
		return 1
	fi
	# One container for all of them; dpkg-query exits 1 on an unknown name,
	# its output is the answer.
	# shellcheck disable=SC2086
	sh "$TOP/ci/airgap/run.sh" "$root" -- dpkg-query -W -f '${Package} ${Status}\n' \
		$requested >"$work/status" 2>/dev/null
	missing=""
	for p in $requested; do
		grep -qx "$p install ok installed" "$work/status" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		ok "$name: dpkg reports every requested package installed"
	else
		not_ok "$name: dpkg reports every requested package installed" "missing:$missing"
	fi
}
