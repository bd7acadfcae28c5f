#!/bin/sh
# tier: all
# Issue 11, full disks.  Small file systems made here (tmpfs):
#   build, output on 8 MiB:   refused before anything is written, naming the
#                             output directory and the space it needs;
#   build, cache on 2 MiB:    the same for the download cache;
#   build, disk full while packing (strace makes the Nth write fail with
#                             ENOSPC): a message naming the file and that its
#                             file system is full, nothing half-written left,
#                             the cache sound; then a build with room converges;
#   build, output filled by another writer during the build: a message
#                             naming the output directory, the space the
#                             bundle needs there and what is free, nothing
#                             left, the cache sound;
#   install, prefix on a file system with room for half the payload: the
#                             pre-flight refuses before writing anything,
#                             naming the prefix and the space needed;
#   install, prefix fills half way through the extraction (another writer
#                             takes the rest of the file system): a message
#                             naming the prefix and the space needed, no
#                             staging left, /etc/apt as it was; the same
#                             install with room then completes.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/kill_install.sh
need_root "full disks"
command -v strace >/dev/null || { not_ok "full disks" "strace is missing (ci/deps.sh test)"; exit 1; }
t_tmpdir
MNTS=""
trap 'for m in $MNTS; do umount "$m" 2>/dev/null; done; ki_stop_all; t_cleanup' EXIT
small_fs() { mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" && MNTS="$1 $MNTS"; }
# fill_all_but DIR MIB: DIR/filler takes all but MIB MiB of DIR's file
# system (tried again while a writer there takes what was free).
fill_all_but() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		free=$(df -B1 --output=avail "$1" | tail -n 1)
		[ "$free" -gt "$(($2 * 1048576))" ] || return 0
		fallocate -l "$((free - $2 * 1048576))" "$1/filler" 2>/dev/null && return 0
		rm -f "$1/filler"
	done
}

export SOURCE_DATE_EPOCH=1700000000
"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null
cat >"$T_TMP/m.yml" <<EOF2
name: pgsql-full
version: "1"
target: d12
postgres: [15]
packages: [postgresql-client-15]
EOF2
export PGBUNDLE_CACHE="$T_TMP/cache"
build() { "$PGBUNDLE" build "$T_TMP/m.yml" -o "$1" --key "$T_TMP/keys/pgbundle.key"; }
if ! build "$T_TMP/ref" >"$T_TMP/ref.log" 2>&1; then
	not_ok "build with room" "$(tail -n 3 "$T_TMP/ref.log")"
	exit 1
fi

# 1. Output on 8 MiB.
small_fs "$T_TMP/small-out" 8m
build "$T_TMP/small-out/o" >"$T_TMP/1.log" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "not enough free space on the file system holding $T_TMP/small-out/o: .* needed (.*the tar.zst .*, the .run .*), .* free" "$T_TMP/1.log" &&
   [ -z "$(ls -A "$T_TMP/small-out")" ]; then
	ok "build, output on 8 MiB: refused before writing: $(sed 's/^pgbundle: //' "$T_TMP/1.log" | cut -c1-160)"
else
	not_ok "build refuses an output directory without room" "status $rc: $(cat "$T_TMP/1.log"); left: $(ls -A "$T_TMP/small-out")"
fi

# 2. The cache with 2 MiB free (the indexes in, not the packages).
small_fs "$T_TMP/small-cache" 200m
cp -a "$T_TMP/cache/." "$T_TMP/small-cache/"
for sha in $(jq -r '.packages[].sha256' "$T_TMP/ref/pgsql-full.lock"); do
	rm -f "$T_TMP/small-cache/sha256/"*"/$sha"
done
(cd "$T_TMP/small-cache" && find . -type f | sort) >"$T_TMP/cache.before"
used=$(du -sm "$T_TMP/small-cache" | cut -f1)
mount -o remount,size=$((used + 2))m "$T_TMP/small-cache"
PGBUNDLE_CACHE=$T_TMP/small-cache build "$T_TMP/out2" >"$T_TMP/2.log" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "not enough free space on the file system holding $T_TMP/small-cache: .* needed (the downloads .*), .* free" "$T_TMP/2.log" &&
   (cd "$T_TMP/small-cache" && find . -type f | sort) | cmp -s - "$T_TMP/cache.before"; then
	ok "build, cache on a full file system: refused before downloading, naming the cache and the space"
else
	not_ok "build refuses a cache without room" "status $rc: $(cat "$T_TMP/2.log")"
fi

# 3. The disk fills while the tar.zst is written (its first write counted
# on a build under strace).
nth=$(strace -qq -y -e trace=write -o "$T_TMP/w.st" "$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/w" \
	--key "$T_TMP/keys/pgbundle.key" >/dev/null 2>&1; awk '/^write\(/ { n++ } /^write\(.*\/w\/#/ { print n; exit }' "$T_TMP/w.st")
rm -rf "$T_TMP/out3"
# One write of the tar.zst fails as on a full disk (the ones after succeed:
# the message must get out).
strace -qq -o /dev/null -e trace=write -e inject="write:error=ENOSPC:when=$((nth + 20))" \
	"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/out3" --key "$T_TMP/keys/pgbundle.key" >"$T_TMP/3.log" 2>&1
rc=$?
bad=""
for f in $(find "$T_TMP/cache/sha256" -type f); do
	[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" ] || bad="$bad $f"
done
if [ "$rc" != 0 ] && grep -q 'file system.* full' "$T_TMP/3.log" &&
   [ -z "$(ls -A "$T_TMP/out3" 2>/dev/null)" ] && [ -z "$bad" ]; then
	ok "build, disk full while packing: $(sed 's/^pgbundle: //' "$T_TMP/3.log" | cut -c1-150); nothing left, the cache sound"
else
	not_ok "build stops cleanly on a full disk" "status $rc: $(cat "$T_TMP/3.log"); left: $(ls -A "$T_TMP/out3" 2>/dev/null); bad cache:$bad"
fi
if build "$T_TMP/out3" >"$T_TMP/3b.log" 2>&1 && cmp -s "$T_TMP/out3/pgsql-full-1.d12.amd64.run" "$T_TMP/ref/pgsql-full-1.d12.amd64.run"; then
	ok "build with room again: the same .run"
else
	not_ok "build with room after the full disk" "$(tail -n 3 "$T_TMP/3b.log")"
fi

# 3b. The output directory's file system fills up while the build writes
# there: another writer takes all but 1 MiB once the staging tree is there
# (strace slows the builder's writes down, 1 ms each, to come in the middle).
small_fs "$T_TMP/fills-out" 64m
strace -qq -o /dev/null -e trace=write -e inject=write:delay_enter=1000 \
	"$PGBUNDLE" build "$T_TMP/m.yml" -o "$T_TMP/fills-out" --key "$T_TMP/keys/pgbundle.key" \
	>"$T_TMP/3c.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null && [ -z "$(find "$T_TMP/fills-out" -mindepth 1 -maxdepth 1 -name '.*' 2>/dev/null)" ]; do
	sleep 0.01
done
fill_all_but "$T_TMP/fills-out" 1
wait "$pid"
rc=$?
rm -f "$T_TMP/fills-out/filler"
bad=""
for f in $(find "$T_TMP/cache/sha256" -type f); do
	[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" ] || bad="$bad $f"
done
if [ "$rc" != 0 ] && grep -q "the file system holding $T_TMP/fills-out is full (the bundle (its staging tree, tar.zst and .run) needs .* there; .* free now)" "$T_TMP/3c.log" &&
   [ -z "$(ls -A "$T_TMP/fills-out")" ] && [ -z "$bad" ]; then
	ok "build, the output's file system filled by another writer: $(sed 's/^pgbundle: //' "$T_TMP/3c.log" | cut -c1-200); nothing left, the cache sound"
else
	not_ok "build stops cleanly when its output fills" "status $rc: $(cat "$T_TMP/3c.log"); left: $(ls -A "$T_TMP/fills-out")"
fi

# 4. and 5. The installer.
ki_build || exit 1
payload=$(stat -c %s "$(ls "${RUN%.run}".tar.zst)")
# A prefix with room for half the (uncompressed) payload, mounted before boot.
ki_boot_with_prefix() {
	name=$1 size=$2
	CT=pgb-ki-$name-$$ root=$T_TMP/root-$name
	KI_CTS="$KI_CTS $CT"
	sh "$TOP/ci/airgap/rootfs.sh" bookworm "$root" --with-systemd >/dev/null 2>&1 || return 1
	cp "$RUN" "$root/root/bundle.run"
	install_key "$root"
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/pgbundle-test-unsafe-io"
	small_fs "$root/www/pgbundle" "$size" || return 1
	sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>/dev/null
}
size_k=$(( $(tar --zstd -tvf "${RUN%.run}".tar.zst | awk '{ s += $3 } END { print int(s / 1024) }') / 2 ))
if ki_boot_with_prefix small "${size_k}k"; then
	etc_apt_listing >"$T_TMP/apt.before"
	in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/4.log" 2>&1
	rc=$?
	etc_apt_listing >"$T_TMP/apt.after"
	if [ "$rc" != 0 ] && grep -q "not enough free space on the file system holding /www/pgbundle.*needed (the bundle's repository" "$T_TMP/4.log" &&
	   [ -z "$(in_ct ls -A /www/pgbundle)" ] && cmp -s "$T_TMP/apt.before" "$T_TMP/apt.after" &&
	   ! in_ct test -e /var/lib/pgbundle; then
		ok "install, prefix with room for half the payload: refused before writing: $(grep 'not enough' "$T_TMP/4.log" | cut -c1-170)"
	else
		not_ok "install refuses a prefix without room" "status $rc: $(tail -n 3 "$T_TMP/4.log"); prefix: $(in_ct ls -A /www/pgbundle)"
	fi
	ki_stop
fi

# 5. Room at the pre-flight, then the prefix fills half way through the
# extraction: another writer takes the rest of its file system (fallocate)
# once 10 files are out.  strace slows the installer's writes down (2 ms
# each) so that the filler comes in the middle.
if ki_boot_with_prefix fills "$((size_k * 4))k"; then
	etc_apt_listing >"$T_TMP/apt.before"
	setsid strace -f -qq -o /dev/null -e trace=write -e inject=write:delay_enter=2000 \
		sh "$TOP/ci/airgap/boot.sh" exec "$CT" /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/5.log" 2>&1 &
	KI_PID=$!
	while ki_alive && ! ki_cond files - 10; do sleep 0.02; done
	# All but 4 MiB: the next large package does not fit.
	fill_all_but "$root/www/pgbundle" 4
	wait "$KI_PID"
	rc=$?
	rm -f "$root/www/pgbundle/filler"
	etc_apt_listing >"$T_TMP/apt.after"
	if [ "$rc" != 0 ] && grep -q "the file system holding /www/pgbundle is full (the bundle's repository needs .* there" "$T_TMP/5.log" &&
	   [ -z "$(in_ct ls -A /www/pgbundle)" ] && cmp -s "$T_TMP/apt.before" "$T_TMP/apt.after"; then
		ok "install, the prefix full half way through the extraction: $(grep 'pgbundle-installer:' "$T_TMP/5.log" | cut -c1-200); no staging left, /etc/apt as it was"
	else
		not_ok "install stops cleanly when the prefix fills" "status $rc: $(tail -n 4 "$T_TMP/5.log"); prefix: $(in_ct ls -A /www/pgbundle)"
	fi
	if in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/5b.log" 2>&1 && grep -q '^Done: ' "$T_TMP/5b.log"; then
		ok "install again with room: completes"
	else
		not_ok "install again with room" "$(grep -v '^    |' "$T_TMP/5b.log" | tail -n 5)"
	fi
	ki_stop
fi
