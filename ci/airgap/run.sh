#!/bin/sh
# ci/airgap/run.sh - run one command as root inside a rootfs with no network.
#
#   sh ci/airgap/run.sh ROOTFS [--bind HOSTDIR:GUESTDIR]... [--bind-rw HOSTDIR:GUESTDIR]... -- CMD...
#
# CMD runs under systemd-nspawn (not booted) in a private network namespace
# whose only interface is loopback (up).  --bind mounts HOSTDIR read-only at
# GUESTDIR, --bind-rw read-write.  The exit status is CMD's.  stdin, stdout
# and stderr are passed straight through unless both are a terminal.
# While CMD runs, /usr/sbin/policy-rc.d answers 101 so maintainer scripts do
# not try to start services in a container that has no init; it is removed
# afterwards (unless the rootfs had its own).
# One command at a time per rootfs: nspawn locks the directory tree, so this
# fails while ci/airgap/boot.sh has the same rootfs booted.  Needs root.
set -eu

die() { echo "run.sh: $*" >&2; exit 125; }
usage="usage: $0 ROOTFS [--bind HOSTDIR:GUESTDIR]... [--bind-rw HOSTDIR:GUESTDIR]... -- CMD..."

[ $# -ge 1 ] || die "$usage"
root=$1; shift
[ -x "$root/bin/sh" ] || die "$root is not a rootfs (no /bin/sh); create it with ci/airgap/rootfs.sh"
[ "$(id -u)" = 0 ] || die "needs root (systemd-nspawn)"

# bind_opt KIND SPEC: the nspawn option for one --bind/--bind-rw SPEC.
bind_opt() {
	host=${2%%:*} guest=${2#*:}
	case "$2" in *:*:*|:*|*:) die "$1 '$2': want HOSTDIR:GUESTDIR, no other ':'" ;; *:*) ;; *) die "$1 '$2': want HOSTDIR:GUESTDIR" ;; esac
	[ -e "$host" ] || die "$1 '$2': $host does not exist"
	case "$guest" in /*) ;; *) die "$1 '$2': GUESTDIR must be absolute" ;; esac
	host=$(realpath "$host")
	if [ "$1" = --bind ]; then echo "--bind-ro=$host:$guest"; else echo "--bind=$host:$guest"; fi
}

# Rotate "$@" once: each option is replaced by its nspawn form at the end of
# the list, and CMD keeps its order after "--".  POSIX sh has no arrays.
n=$# seen_cmd=no ncmd=0
while [ "$n" -gt 0 ]; do
	a=$1; shift; n=$((n - 1))
	if [ "$seen_cmd" = yes ]; then set -- "$@" "$a"; ncmd=$((ncmd + 1)); continue; fi
	case "$a" in
	--) seen_cmd=yes; set -- "$@" -- ;;
	--bind|--bind-rw)
		[ "$n" -gt 0 ] || die "$a needs HOSTDIR:GUESTDIR"
		o=$(bind_opt "$a" "$1") || exit 125
		shift; n=$((n - 1))
		set -- "$@" "$o" ;;
	*) die "unknown option '$a'; $usage" ;;
	esac
done
[ "$seen_cmd" = yes ] || die "no '--' before CMD; $usage"
[ "$ncmd" -gt 0 ] || die "no CMD after '--'; $usage"

console=--console=pipe
[ -t 0 ] && [ -t 1 ] && console=--console=interactive

policy=$root/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ] && [ ! -L "$policy" ]; then
	printf '#!/bin/sh\n# written by ci/airgap/run.sh: no init here to start services\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=yes
fi
cleanup() { [ "$own_policy" = no ] || rm -f "$policy"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --machine: a unique name, so concurrent runs of rootfses with the same
# basename do not share nspawn's /run/systemd/nspawn/propagate/NAME.
# --link-journal=no: nothing of the container goes to the host's journal dir.
set +e
systemd-nspawn -D "$root" --private-network --register=no --keep-unit --quiet \
	--link-journal=no --machine="pgb-airgap-$$" "$console" \
	--setenv=DEBIAN_FRONTEND=noninteractive "$@"
rc=$?
exit "$rc"
