#!/bin/sh
# ci/bench/install.sh - the installer's figures for issue 3:
#   1. extraction: `pgbundle-installer extract` against `tar -x --zstd` on the
#      same payload (the d12 bundle's tar.zst), the median of BENCH_RUNS
#      (default 7) runs each, taken in turns, warm page cache; the ratio tar /
#      installer (>= 1: the installer is no slower).  The installer verifies
#      the whole .run (signature, payload hash) in the same pass that extracts
#      it, which tar does not do; `info`, which only verifies, is timed too.
#      The load average is printed: on a shared machine the ratio moves with it.
#   2. peak memory (/usr/bin/time: max RSS) of the installer's extract on
#      the d12 bundle and on synthetic payloads of 256 MB and 1 GB: flat in
#      the bundle size.
#   3. the stub's size (build/pgbundle-installer).
#   4. wall time from the start of `install` to PostgreSQL accepting
#      connections (pg_isready on 127.0.0.1 polled inside), to the first
#      write acknowledged through HAProxy's 5433 (the singleton's whole HA
#      stack: etcd, Patroni, PgBouncer, HAProxy), and of the whole install,
#      on a fresh air-gapped bookworm booted with systemd.
#   5. three nodes (manifests/config/trio.yml, on a bridge inside network
#      namespaces, tests/e2e/ha_cluster.sh): wall time from starting the
#      three installs at once to the first write acknowledged through 5433,
#      with the d12 bundle and with the lean d12-ha one (target: 90 s).
# Needs root (containers) and a built tree (make; make test-bins).
#
#   sh ci/bench/install.sh [WORKDIR]     (default /var/tmp/pgbundle-bench-install)
set -eu
sh "$(dirname "$0")/../deps.sh" bench
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
PGBUNDLE=${PGBUNDLE:-$TOP/$BUILD/pgbundle}
W=${1:-/var/tmp/pgbundle-bench-install}
STUB=$TOP/$BUILD/pgbundle-installer
TOOL=$TOP/$BUILD/tests/tools/runfile-tool
[ "$(id -u)" = 0 ] || { echo "ci/bench/install.sh: needs root (containers)" >&2; exit 1; }
[ -x "$STUB" ] && [ -x "$TOOL" ] || { echo "ci/bench/install.sh: run make && make test-bins first" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W"
cd "$TOP"
export TOP BUILD PGBUNDLE

# The d12 bundle and its .run, through the tests' cached build.
. tests/lib.sh
. tests/e2e/install_target.sh
install_build d12 >"$W/build.log" || { cat "$W/build.log" >&2; exit 1; }
TAR=$(ls "$(dirname "$RUN")"/*.tar.zst | head -n 1)

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
RUNS=${BENCH_RUNS:-7}
KEY=$KEYDIR/pgbundle.asc

# timed NAME CMD...: one run's wall time in ns appended to $W/NAME.times; the
# DEST dir is emptied first.
timed() {
	name=$1
	shift
	rm -rf "$W/x" && mkdir "$W/x"
	t0=$(now_ns)
	"$@" >"$W/cmd.log" 2>&1 || { cat "$W/cmd.log" >&2; exit 1; }
	echo $(($(now_ns) - t0)) >>"$W/$name.times"
}
median() { sort -n "$W/$1.times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- 1. extraction throughput
cat "$RUN" "$TAR" >/dev/null		# warm the page cache
size=$(stat -c %s "$TAR")
load=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$W"/*.times
for i in $(seq "$RUNS"); do		# in turns, so a change of load hits all three
	timed inst "$RUN" --key "$KEY" extract "$W/x"
	timed tar tar -x --zstd -f "$TAR" -C "$W/x"
	timed ver "$RUN" --key "$KEY" info	# the verification pass alone
done
t_inst=$(median inst) t_tar=$(median tar) t_ver=$(median ver)
mb=$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "extract: payload $mb MiB, median of $RUNS runs (load average $load -> $(cut -d' ' -f1-3 /proc/loadavg));" \
	"installer $(secs "$t_inst") s ($(awk -v b="$size" -v t="$t_inst" \
	'BEGIN { printf "%.0f", b / 1048576 / (t / 1e9) }') MiB/s, verified in the same pass); tar -x --zstd" \
	"$(secs "$t_tar") s ($(awk -v b="$size" -v t="$t_tar" 'BEGIN { printf "%.0f", b / 1048576 / (t / 1e9) }') MiB/s)"
echo "extract: ratio tar/installer = $(awk -v a="$t_tar" -v b="$t_inst" 'BEGIN { printf "%.2f", a / b }')" \
	"(>= 1: verify + extract is no slower than tar's extraction alone); verifying alone" \
	"(\`info\`) takes $(secs "$t_ver") s"

# --- 2. peak memory against payload size
rss() {	# RUN -> max RSS in KiB of `extract`
	rm -rf "$W/x"
	/usr/bin/time -f %M -o "$W/rss" "$1" --key "$KEY" extract "$W/x" >/dev/null 2>&1
	cat "$W/rss"
}
synthetic() {	# MB -> a .run with that much random payload, signed by the bench key
	d=$W/syn$1
	mkdir -p "$d/top"
	n=$(($1 / 32))
	for i in $(seq 1 "$n"); do
		head -c 32M /dev/urandom >"$d/top/f$i.bin"
	done
	printf '{"format":1,"name":"syn","version":"1","target":"d12","family":"deb","codename":"bookworm","arch":"amd64","postgres":[15],"extensions":[],"modules":[],"requested":[],"packages":0,"size":0,"date":0,"key":"%s"}' \
		"$FPR" >"$d/bundle.json"
	tar --zstd -cf "$d/p.tar.zst" -C "$d" top
	"$TOOL" write "$d/syn.run" "$STUB" "$d/p.tar.zst" "$d/bundle.json" "$KEYDIR/pgbundle.key" >/dev/null
	echo "$d/syn.run"
}
FPR=$("$RUN" --key "$KEY" info --json | jq -r .key)
r_d12=$(rss "$RUN")
r_256=$(rss "$(synthetic 256)")
r_1g=$(rss "$(synthetic 1024)")
echo "memory: extract peak RSS $r_d12 KiB (d12, $mb MiB), $r_256 KiB (256 MiB), $r_1g KiB (1 GiB)"
rm -rf "$W"/syn* "$W/x"

# --- 3. stub size
echo "stub: $(stat -c %s "$STUB") bytes ($(awk -v b="$(stat -c %s "$STUB")" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), $(file -b "$STUB" | cut -d, -f1-2)"

# --- 4. install: start to PostgreSQL accepting connections
CT=pgb-bench-$$
root=$W/rootfs
trap 'sh "$TOP/ci/airgap/boot.sh" stop "$CT" >/dev/null 2>&1 || true' EXIT
sh ci/airgap/rootfs.sh bookworm "$root" --with-systemd >"$W/rootfs.log" 2>&1
cp "$RUN" "$root/root/bundle.run"
cp "$KEY" "$root/root/pgbundle.asc"
sh ci/airgap/boot.sh start "$root" "$CT"
t0=$(now_ns)
sh ci/airgap/boot.sh exec "$CT" /root/bundle.run install --yes --key /root/pgbundle.asc >"$W/install.log" 2>&1 &
pid=$!
ready="" write=""
while kill -0 "$pid" 2>/dev/null; do
	if [ -z "$ready" ] && sh ci/airgap/boot.sh exec "$CT" pg_isready -q -h 127.0.0.1 2>/dev/null; then
		ready=$(($(now_ns) - t0))
	fi
	if [ -n "$ready" ] && [ -z "$write" ] &&
	   sh ci/airgap/boot.sh exec "$CT" sh -c 'PGPASSFILE=/etc/pgbundle/credentials psql -XAtq \
		"host=127.0.0.1 port=5433 user=dbuser_meta dbname=meta" -c "select 1"' >/dev/null 2>&1; then
		write=$(($(now_ns) - t0))
	fi
	sleep 0.2
done
wait "$pid" || { tail -n 20 "$W/install.log" >&2; exit 1; }
total=$(($(now_ns) - t0))
pkgs=$(sed -n 's/.*: \([0-9]*\) to install.*/\1/p' "$W/install.log" | head -n 1)
echo "install: PostgreSQL accepting connections $(secs "${ready:-0}") s after the start" \
	"(target: < 60 s); a write through HAProxy's 5433 $(secs "${write:-$total}") s; whole" \
	"install $(secs "$total") s; $pkgs packages installed"
sh ci/airgap/boot.sh exec "$CT" cat /var/log/pgbundle/install.log | awk '$2 == "step" || $2 == "end" { print "#   " $0 }'
sh ci/airgap/boot.sh stop "$CT" >/dev/null 2>&1 || true

# --- 5. three nodes at once: start to the first write through 5433
. tests/e2e/ha_cluster.sh
trio() {	# MANIFEST
	(
		T_TMP=$W/trio-$1
		rm -rf "$T_TMP" && mkdir -p "$T_TMP"
		HA_MANIFEST=$1 HA_CONFIG=$T_TMP/cluster.yml
		cp manifests/config/trio.yml "$HA_CONFIG"
		trap 'ha_cleanup' EXIT
		ha_init 3 >"$W/trio-$1.log" 2>&1 && ha_pki || exit 1
		for i in 1 2 3; do ha_boot "$i" || exit 1; done
		t0=$(date +%s.%N)
		for i in 1 2 3; do (ha_install "$i"; echo $? >"$T_TMP/installed$i") & done
		w=$(ha_wait_write "$t0" 3)
		wait
		total=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		pkgs=$(sed -n 's/.*: \([0-9]*\) to install.*/\1/p' "$T_TMP/install1.log" | head -n 1)
		echo "trio ($1): a write through 5433 ${w:-never} s after the three installs started" \
			"(target: < 90 s); the last install returned after $total s; $pkgs packages each"
	)
}
trio d12
trio d12-ha
