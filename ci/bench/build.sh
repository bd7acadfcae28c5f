#!/bin/sh
# ci/bench/build.sh - pgbundle build against the offline-bundle pipeline Pigsty
# uses, on the same package set (manifests/d12.yml's requests), in one run.
#
# Pigsty's pipeline, run in a connected bookworm chroot (its build VM):
#   apt-cache depends --recurse (no recommends/suggests) -> apt-get download
#   -> dpkg-scanpackages | gzip -9 -> tar | gzip -9
# pgbundle: pgbundle build manifests/d12.yml.
# Both with warm caches: each is run once to warm up (apt lists and .debs for
# the chroot, the download cache for pgbundle), then timed on the second run.
# Prints wall time, output size and peak RSS of each, and the ratios.
# Needs root (chroot) and the network (the Debian mirror of this host's apt).
#
#   sh ci/bench/build.sh [WORKDIR]     (default /var/tmp/pgbundle-bench)
set -eu
sh "$(dirname "$0")/../deps.sh" bench
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
PGBUNDLE=${PGBUNDLE:-$TOP/$BUILD/pgbundle}
W=${1:-/var/tmp/pgbundle-bench}
[ "$(id -u)" = 0 ] || { echo "ci/bench/build.sh: needs root (chroot)" >&2; exit 1; }
[ -x "$PGBUNDLE" ] || make -C "$TOP" >/dev/null
mkdir -p "$W"
cd "$TOP"

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

run_timed() {	# LABEL CMD... -> "seconds rss_kb"
	label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$W/$label.time" "$@" >"$W/$label.log" 2>&1 || {
		echo "ci/bench/build.sh: $label failed, see $W/$label.log" >&2; exit 1; }
	tail -n 1 "$W/$label.time"
}
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
