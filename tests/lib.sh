# tests/lib.sh - helpers for the shell tests; source it first.
#
# Each case prints "ok - name" or "not ok - name: why" (counted by tests/run.sh).
# A test that cannot run here (no root, no network namespaces) says so and
# counts as failed: a skipped proof is not a pass.

TOP=${TOP:-$(pwd)}
BUILD=${BUILD:-build}
# The build directory as an absolute path (BUILD may be either).
case $BUILD in /*) BDIR=$BUILD ;; *) BDIR=$TOP/$BUILD ;; esac
PGBUNDLE=${PGBUNDLE:-$BDIR/pgbundle}

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }

# check NAME CMD...: ok when CMD succeeds.
check() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}

# need_root NAME: fail the test (not skip) when not root.
need_root() {
	if [ "$(id -u)" != 0 ]; then
		not_ok "$1" "needs root (network namespaces, chroots); run make check as root"
		exit 1
	fi
}

# The Debian mirror (and security mirror) this host's apt uses: one answer for
# every test, from the air-gap harness (PGBUNDLE_DEBIAN_MIRROR overrides).
t_debian_mirror() { sh "$TOP/ci/airgap/rootfs.sh" --mirror 2>/dev/null; }
t_debian_security_mirror() { sh "$TOP/ci/airgap/rootfs.sh" --security-mirror 2>/dev/null; }

# A scratch directory removed at exit.
t_tmpdir() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgbundle-test.XXXXXX")
	trap "t_cleanup" EXIT INT TERM
}
t_cleanup() { [ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"; }
