#!/bin/sh
# tier: fast
# The air-gapped test host harness (ci/airgap/) proves itself: a cached minbase
# bookworm rootfs with no source pointing to the mirror; inside run.sh no name
# resolves and the mirror's IP cannot be reached while loopback works; a local
# apt repository installs offline; boot.sh boots systemd with only loopback.
. tests/lib.sh
need_root "airgap harness"

AIRGAP=$TOP/ci/airgap
NAME=pgb-selftest-$$
t_tmpdir
cleanup() {
	[ -d "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ] && sh "$AIRGAP/boot.sh" stop "$NAME"
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Timings go to "# ..." comment lines.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
ROOT=$T_TMP/bookworm

# --- (a) rootfs
t0=$(now_ms)
if sh "$AIRGAP/rootfs.sh" bookworm "$ROOT" >"$T_TMP/rootfs.log" 2>&1; then
	echo "# bookworm minbase rootfs: $(secs $(($(now_ms) - t0))) s ($(grep -q 'I: success' "$T_TMP/rootfs.log" && echo 'built with mmdebstrap' || echo 'extracted from the cache'))"
	check "rootfs.sh creates a bookworm minbase rootfs" grep -q '^12\.' "$ROOT/etc/debian_version"
else
	not_ok "rootfs.sh creates a bookworm minbase rootfs" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi

mirror=$(sh "$AIRGAP/rootfs.sh" --mirror)
mhost=$(echo "$mirror" | sed -E 's|^[a-z+]+://([^/:@]*@)?([^/:]+).*|\2|')
if ls "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/* >/dev/null 2>&1; then
	not_ok "the rootfs keeps no apt source" "$(ls "$ROOT"/etc/apt/sources.list* "$ROOT"/etc/apt/sources.list.d)"
elif grep -rqsF "$mhost" "$ROOT/etc/apt"; then
	not_ok "the rootfs keeps no apt source" "the mirror is named in $(grep -rlsF "$mhost" "$ROOT/etc/apt")"
else
	ok "the rootfs keeps no apt source or apt option naming the mirror"
fi

# --- run.sh basics
run() { sh "$AIRGAP/run.sh" "$ROOT" "$@"; }
run -- sh -c 'exit 7' 2>/dev/null
rc=$?
[ "$rc" = 7 ] && ok "run.sh returns the command's exit status" ||
	not_ok "run.sh returns the command's exit status" "got $rc, want 7"
run -- /usr/sbin/policy-rc.d 2>/dev/null
rc=$?
if [ "$rc" = 101 ] && [ ! -e "$ROOT/usr/sbin/policy-rc.d" ]; then
	ok "run.sh: policy-rc.d forbids starting services inside, and is gone after"
else
	not_ok "run.sh: policy-rc.d forbids starting services" "status $rc; left behind: $(ls "$ROOT/usr/sbin/policy-rc.d" 2>&1)"
fi

# --- (b) no network inside, loopback works
ifaces=$(run -- ls /sys/class/net 2>/dev/null | tr '\n' ' ')
[ "$ifaces" = "lo " ] && ok "run.sh: the only network interface is lo" ||
	not_ok "run.sh: the only network interface is lo" "found: $ifaces"

resolved=""
for host in "$mhost" example.com; do
	run -- getent hosts "$host" >/dev/null 2>&1 && resolved="$resolved $host"
done
[ -z "$resolved" ] && ok "run.sh: public names (the mirror's host, example.com) do not resolve" ||
	not_ok "run.sh: public names do not resolve" "resolved inside:$resolved"

case "$mirror" in https:*) port=443 ;; *) port=80 ;; esac
port=$(echo "$mirror" | sed -nE 's|^[a-z+]+://([^/@]*@)?[^/:]+:([0-9]+).*|\2|p' | grep . || echo "$port")
mip=$(getent ahostsv4 "$mhost" | awk 'NR == 1 { print $1 }')
tcp="exec 3<>/dev/tcp/$mip/$port"
if [ -z "$mip" ]; then
	not_ok "run.sh: no route to the mirror's IP" "the host cannot resolve the mirror's host either"
elif ! timeout 10 bash -c "$tcp" 2>/dev/null; then
	not_ok "run.sh: no route to the mirror's IP" "the host itself cannot connect to $mip:$port, so the check proves nothing"
elif run -- timeout 10 bash -c "$tcp" >"$T_TMP/tcp.log" 2>&1; then
	not_ok "run.sh: no route to the mirror's IP" "connected to $mip:$port from inside"
else
	ok "run.sh: TCP to the mirror's IP fails inside ($(grep -o 'Network is unreachable\|timed out\|refused' "$T_TMP/tcp.log" | head -n 1)), works on the host"
fi

pong=$(run -- perl -MIO::Socket::INET -e '
	my $l = IO::Socket::INET->new(Listen => 1, LocalAddr => "localhost", LocalPort => 0) or die "listen: $!";
	my $c = IO::Socket::INET->new(PeerAddr => "localhost", PeerPort => $l->sockport) or die "connect: $!";
	my $s = $l->accept or die "accept: $!";
	print $c "ping\n"; print scalar <$s>;' 2>"$T_TMP/pong.log")
[ "$pong" = ping ] && ok "run.sh: TCP over loopback (localhost) works" ||
	not_ok "run.sh: TCP over loopback (localhost) works" "got '$pong': $(cat "$T_TMP/pong.log")"

# --- (c) a local apt repository, offline.  trusted=yes is for this self-test
# only: the real tests add a signed bundle.
pkg=$T_TMP/pkg repo=$T_TMP/repo
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/pgb-airgap-probe" "$repo"
printf 'Package: pgb-airgap-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: pgbundle tests <tests@invalid>\nDescription: airgap harness probe\n' >"$pkg/DEBIAN/control"
echo probe >"$pkg/usr/share/pgb-airgap-probe/hello"
dpkg-deb --root-owner-group -b "$pkg" "$repo/pgb-airgap-probe_1.0_all.deb" >/dev/null &&
	(cd "$repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null)
echo 'deb [trusted=yes] file:/srv/probe ./' >"$ROOT/etc/apt/sources.list.d/probe.list"
t0=$(now_ms)
if run --bind "$repo:/srv/probe" -- apt-get update >"$T_TMP/update.log" 2>&1 &&
   run --bind "$repo:/srv/probe" -- apt-get install -y pgb-airgap-probe >"$T_TMP/install.log" 2>&1 &&
   [ "$(cat "$ROOT/usr/share/pgb-airgap-probe/hello" 2>/dev/null)" = probe ]; then
	echo "# apt-get update + install from the local repository: $(secs $(($(now_ms) - t0))) s"
	ok "run.sh: apt-get update and install from a bound local repository, offline"
else
	not_ok "run.sh: apt-get install from a bound local repository" \
		"$(tail -n 4 "$T_TMP/update.log" "$T_TMP/install.log" 2>/dev/null | tr '\n' ' ')"
fi

# --- (d) boot.sh
SDROOT=$T_TMP/bookworm-systemd
t0=$(now_ms)
if ! sh "$AIRGAP/rootfs.sh" bookworm "$SDROOT" --with-systemd >"$T_TMP/rootfs-sd.log" 2>&1; then
	not_ok "boot.sh boots systemd" "rootfs --with-systemd failed: $(tail -n 3 "$T_TMP/rootfs-sd.log")"
	exit 1
fi
echo "# bookworm minbase+systemd rootfs: $(secs $(($(now_ms) - t0))) s"
t0=$(now_ms)
if sh "$AIRGAP/boot.sh" start "$SDROOT" "$NAME" 2>"$T_TMP/boot.log"; then
	echo "# boot.sh start: $(secs $(($(now_ms) - t0))) s"
	state=$(sh "$AIRGAP/boot.sh" exec "$NAME" systemctl is-system-running 2>&1)
	case "$state" in
	running|degraded) ok "boot.sh: systemd runs inside (is-system-running: $state)" ;;
	*) not_ok "boot.sh: systemd runs inside" "is-system-running: $state" ;;
	esac
	init=$(sh "$AIRGAP/boot.sh" exec "$NAME" cat /proc/1/comm 2>&1)
	[ "$init" = systemd ] && ok "boot.sh exec runs inside the container (PID 1 is systemd)" ||
		not_ok "boot.sh exec runs inside the container" "PID 1 is '$init'"
	ifaces=$(sh "$AIRGAP/boot.sh" exec "$NAME" ls /sys/class/net 2>&1 | tr '\n' ' ')
	[ "$ifaces" = "lo " ] && ok "boot.sh: the booted container has only lo" ||
		not_ok "boot.sh: the booted container has only lo" "found: $ifaces"
	sh "$AIRGAP/boot.sh" exec "$NAME" sh -c 'exit 5'
	rc=$?
	[ "$rc" = 5 ] && ok "boot.sh exec returns the command's exit status" ||
		not_ok "boot.sh exec returns the command's exit status" "got $rc, want 5"
	nspawn=$(cat "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME/nspawn.pid")
	t0=$(now_ms)
	# Gone or a zombie: PID 1 may reap it only later.
	if sh "$AIRGAP/boot.sh" stop "$NAME" && ! ps -o stat= -p "$nspawn" | grep -qv '^Z' &&
	   [ ! -e "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$NAME" ]; then
		echo "# boot.sh stop: $(secs $(($(now_ms) - t0))) s"
		ok "boot.sh stop powers the container off and cleans up"
	else
		not_ok "boot.sh stop powers the container off and cleans up" "nspawn $nspawn or the state dir is still there"
	fi
else
	not_ok "boot.sh: systemd runs inside" "$(cat "$T_TMP/boot.log")"
fi
