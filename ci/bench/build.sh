#!/bin/sh
# ci/bench/build.sh - pgbundle build against the offline-bundle pipelines
# people use today, on the same package set.
#
#   sh ci/bench/build.sh [WORKDIR] [deb|rpm|all]   (default all)
#
# deb: Pigsty's pipeline, manifests/d12.yml's requests, in one warm run:
# Pigsty's pipeline, run in a connected bookworm chroot (its build VM):
#   apt-cache depends --recurse (no recommends/suggests) -> apt-get download
#   -> dpkg-scanpackages | gzip -9 -> tar | gzip -9
# pgbundle: pgbundle build manifests/d12.yml.
# Both with warm caches: each is run once to warm up (apt lists and .debs for
# the chroot, the download cache for pgbundle), then timed on the second run.
# Prints wall time, output size and peak RSS of each, and the ratios.
# Needs root (chroot) and the network (the Debian mirror of this host's apt).
#
# rpm: manifests/el9.yml against the pipeline EL users script (what repotrack
# or `dnf download --resolve` do): `dnf install --downloadonly` of the same
# requested packages into a directory, resolved against a minimal install
# (a root made with dnf --installroot of @core), then createrepo_c and
# tar | gzip -9.  No EL repository is reachable here: both read the EL
# fixture repositories (tests/fixtures/el_repos.py) with every package padded
# to PAD_KIB (default 1024) KiB of random data, over file://.  Caches warm,
# RUNS (default 3) timed runs each, medians of wall time and peak RSS.
set -eu
sh "$(dirname "$0")/../deps.sh" bench
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
PGBUNDLE=${PGBUNDLE:-$TOP/$BUILD/pgbundle}
W=${1:-/var/tmp/pgbundle-bench}
WHAT=${2:-all}
[ "$(id -u)" = 0 ] || { echo "ci/bench/build.sh: needs root (chroot)" >&2; exit 1; }
[ -x "$PGBUNDLE" ] || make -C "$TOP" >/dev/null
mkdir -p "$W"
cd "$TOP"

run_timed() {	# LABEL CMD... -> "seconds rss_kb cpu_seconds"
	label=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$W/$label.time" "$@" >"$W/$label.log" 2>&1 || {
		echo "ci/bench/build.sh: $label failed, see $W/$label.log" >&2; exit 1; }
	tail -n 1 "$W/$label.time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench_rpm() {
	RUNS=${RUNS:-3}
	pad=${PAD_KIB:-1024}
	# Keyed by the fixture's script: one made by an older script lacks
	# what the manifests ask for now (PGDG's extras came with HA on EL).
	FX=$W/el-fixture-pad$pad-$(sha256sum tests/fixtures/el_repos.py | cut -c1-12)
	if [ ! -f "$FX/.done" ]; then
		rm -rf "$FX"
		python3 tests/fixtures/el_repos.py "$FX" --pad "$pad" >/dev/null
		touch "$FX/.done"
	fi
	# The test helpers give the recipes (fixture keyrings) and the mirrors.
	EL_FX=$FX
	. tests/e2e/fixture_setup.sh
	. tests/e2e/fixture_el.sh
	EL_FX=$FX
	el_recipes "$W/el-recipes"
	# The connected EL host the users' pipeline runs on: a minimal install.
	if [ ! -x "$W/el9-root/usr/bin/bash" ]; then
		rm -rf "$W/el9-root"
		el_root "$W/el9-root" 9
	fi
	mkdir -p "$W/el-repos"
	el_repo_file "$W/el-repos/el.repo" 9
	for spec in "epel:epel/9/Everything/x86_64:epel" \
		"pgdg16:pgdg/yum/16/redhat/rhel-9-x86_64:pgdg" \
		"pgdg17:pgdg/yum/17/redhat/rhel-9-x86_64:pgdg" \
		"pgdg-common:pgdg/yum/common/redhat/rhel-9-x86_64:pgdg" \
		"pgdg-extras:pgdg/yum/common/pgdg-rhel9-extras/redhat/rhel-9-x86_64:pgdg"; do
		id=${spec%%:*} rest=${spec#*:} path=${rest%%:*} key=${rest#*:}
		printf '[%s]\nname=%s\nbaseurl=file://%s/%s\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://%s/keys/%s.asc\n\n' \
			"$id" "$id" "$FX" "$path" "$FX" "$key"
	done >>"$W/el-repos/el.repo"
	# What PGDG's instructions have EL users do once, so that AppStream's
	# default postgresql stream does not hide PGDG's packages.
	dnf -y -q --installroot="$W/el9-root" --setopt=reposdir="$W/el-repos" --releasever=9 \
		--setopt=cachedir="$W/el-dnfcache" module disable postgresql >/dev/null
	[ -f "$W/keys/pgbundle.key" ] || "$PGBUNDLE" keygen -o "$W/keys" >/dev/null
	# shellcheck disable=SC2046
	PGBUNDLE_RECIPES=$W/el-recipes PGBUNDLE_CACHE=$W/el-cache "$PGBUNDLE" plan \
		manifests/el9.yml --json $(el_mirrors) >"$W/el-plan.json"
	PKGS=$(jq -r '.packages[] | select(.requested) | .name' "$W/el-plan.json" | tr '\n' ' ')
	echo "# rpm requests: $PKGS"
	cat >"$W/el-users.sh" <<EOS
#!/bin/sh
set -e
rm -rf "$W/el-users" "$W/el-users.tgz" "$W/el-dnfcache"
mkdir -p "$W/el-users/pkgs"
dnf -y -q --installroot="$W/el9-root" --setopt=reposdir="$W/el-repos" --releasever=9 \
	--setopt=cachedir="$W/el-dnfcache" --setopt=install_weak_deps=False \
	install --downloadonly --downloaddir="$W/el-users/pkgs" $PKGS
createrepo_c --quiet "$W/el-users"
cd "$W" && tar -cf - el-users | gzip -9 >"$W/el-users.tgz"
EOS
	cat >"$W/el-pgbundle.sh" <<EOS
#!/bin/sh
cd "$TOP" && PGBUNDLE_RECIPES="$W/el-recipes" PGBUNDLE_CACHE="$W/el-cache" "$PGBUNDLE" build \
	manifests/el9.yml -o "$W/el-out" --key "$W/keys/pgbundle.key" $(el_mirrors)
EOS
	run_timed el-users-warmup sh "$W/el-users.sh" >/dev/null
	run_timed el-pgbundle-warmup sh "$W/el-pgbundle.sh" >/dev/null
	: >"$W/el-users.runs"
	: >"$W/el-pgbundle.runs"
	for i in $(seq "$RUNS"); do
		run_timed "el-users-$i" sh "$W/el-users.sh" >>"$W/el-users.runs"
		run_timed "el-pgbundle-$i" sh "$W/el-pgbundle.sh" >>"$W/el-pgbundle.runs"
	done
	u_s=$(cut -d' ' -f1 "$W/el-users.runs" | median)
	u_rss=$(cut -d' ' -f2 "$W/el-users.runs" | median)
	p_s=$(cut -d' ' -f1 "$W/el-pgbundle.runs" | median)
	p_rss=$(cut -d' ' -f2 "$W/el-pgbundle.runs" | median)
	u_cpu=$(cut -d' ' -f3 "$W/el-users.runs" | median)
	p_cpu=$(cut -d' ' -f3 "$W/el-pgbundle.runs" | median)
	u_size=$(stat -c %s "$W/el-users.tgz")
	p_size=$(stat -c %s "$W/el-out/pgsql-el9-1.0.el9.x86_64.tar.zst")
	u_n=$(find "$W/el-users/pkgs" -name '*.rpm' | wc -l)
	p_n=$(jq '.packages | length' "$W/el-out/pgsql-el9.lock")
	echo "# rpm: $RUNS runs each, medians; packages padded to $pad KiB"
	printf '%-12s %10s %8s %14s %12s %9s\n' pipeline wall_s cpu_s output_bytes peak_rss_kb packages
	printf '%-12s %10s %8s %14s %12s %9s\n' el-users "$u_s" "$u_cpu" "$u_size" "$u_rss" "$u_n"
	printf '%-12s %10s %8s %14s %12s %9s\n' pgbundle "$p_s" "$p_cpu" "$p_size" "$p_rss" "$p_n"
	awk -v a="$u_s" -v b="$p_s" -v c="$u_size" -v d="$p_size" -v r="$p_rss" -v q="$u_rss" \
		-v e="$u_cpu" -v f="$p_cpu" 'BEGIN {
		printf "rpm speedup (users time / pgbundle time): %.1fx wall, %.1fx CPU\n", \
			a / (b > 0 ? b : 0.01), e / (f > 0 ? f : 0.01)
		printf "rpm size ratio (pgbundle / users): %.3f\n", d / c
		printf "rpm peak RSS: pgbundle %.0f MB, users %.0f MB\n", r / 1024, q / 1024 }'
}

if [ "$WHAT" = rpm ]; then
	bench_rpm
	exit 0
fi

# Both pipelines bundle the same requests.
[ -f "$W/keys/pgbundle.key" ] || "$PGBUNDLE" keygen -o "$W/keys" >/dev/null
"$PGBUNDLE" plan manifests/d12.yml --json >"$W/plan.json"
PKGS=$(jq -r '.packages[] | select(.requested) | .name' "$W/plan.json" | tr '\n' ' ')
echo "# requests: $PKGS"

# The connected chroot Pigsty's pipeline runs in, with its apt lists (warm).
if [ ! -x "$W/chroot/usr/bin/apt-get" ]; then
	rm -rf "$W/chroot"
	mirror=$(sh ci/airgap/rootfs.sh --mirror)
	security=$(sh ci/airgap/rootfs.sh --security-mirror)
	mmdebstrap --quiet --variant=minbase --include=dpkg-dev,gzip bookworm "$W/chroot" \
		"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
		"deb $security bookworm-security main" >/dev/null
fi
for d in proc sys dev; do mountpoint -q "$W/chroot/$d" || mount --bind "/$d" "$W/chroot/$d"; done
trap 'for d in proc sys dev; do umount "$W/chroot/$d" 2>/dev/null || true; done' EXIT
cp /etc/resolv.conf "$W/chroot/etc/resolv.conf"
chroot "$W/chroot" apt-get update -qq

cat >"$W/chroot/pigsty.sh" <<PIG
#!/bin/sh
set -e
mkdir -p /www/pigsty && cd /www/pigsty
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances $PKGS | grep '^[a-zA-Z0-9]' | sort -u >/tmp/pkgs
# Virtual names have no candidate: keep what apt can download.
apt-get download \$(cat /tmp/pkgs | while read p; do apt-cache show "\$p" >/dev/null 2>&1 && echo "\$p"; done) >/dev/null 2>&1
dpkg-scanpackages . /dev/null 2>/dev/null | gzip -9c >Packages.gz
cd /www && tar -cf - pigsty | gzip -9 >/pigsty.tgz
PIG

run_timed pigsty-warmup chroot "$W/chroot" sh /pigsty.sh >/dev/null
run_timed pgbundle-warmup "$PGBUNDLE" build manifests/d12.yml -o "$W/out" --key "$W/keys/pgbundle.key" >/dev/null
set -- $(run_timed pigsty chroot "$W/chroot" sh /pigsty.sh); pig_s=$1 pig_rss=$2
set -- $(run_timed pgbundle "$PGBUNDLE" build manifests/d12.yml -o "$W/out" --key "$W/keys/pgbundle.key"); pgb_s=$1 pgb_rss=$2
pig_size=$(stat -c %s "$W/chroot/pigsty.tgz")
pgb_size=$(stat -c %s "$W/out/pgsql-d12-1.0.d12.amd64.tar.zst")
pig_n=$(find "$W/chroot/www/pigsty" -name '*.deb' | wc -l)
pgb_n=$(jq '.packages | length' "$W/out/pgsql-d12.lock")

printf '%-10s %10s %14s %12s %9s\n' pipeline wall_s output_bytes peak_rss_kb packages
printf '%-10s %10s %14s %12s %9s\n' pigsty "$pig_s" "$pig_size" "$pig_rss" "$pig_n"
printf '%-10s %10s %14s %12s %9s\n' pgbundle "$pgb_s" "$pgb_size" "$pgb_rss" "$pgb_n"
awk -v a="$pig_s" -v b="$pgb_s" -v c="$pig_size" -v d="$pgb_size" -v r="$pgb_rss" 'BEGIN {
	printf "speedup (pigsty time / pgbundle time): %.1fx (target >= 5x)\n", a / (b > 0 ? b : 0.01)
	printf "size ratio (pgbundle / pigsty): %.3f (target <= 1)\n", d / c
	printf "pgbundle peak RSS: %.0f MB (target < 300 MB)\n", r / 1024 }'
[ "$WHAT" = deb ] || bench_rpm
