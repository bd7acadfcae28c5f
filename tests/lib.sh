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

# --- the README's commands, run as a user would type them -----------------
# t_readme_commands: every command the README tells a user to type: the
# lines of its indented code blocks whose first word is make, sh, bash, a
# ./program or pgbundle, without a trailing "# comment".
t_readme_commands() {
	awk '/^    [^ ]/ {
		line = substr($0, 5); sub(/[ \t]+#.*$/, "", line)
		if (line ~ /^(make|sh|bash|pgbundle|build\/pgbundle|\.\/)[ a-zA-Z0-9_.\/-]*/) print line
	}' "$TOP/README.md"
}

# t_readme_cmd CMD: fail unless CMD is, to the letter, a README command.
# Every test that runs one says so in a "# readme: CMD" line of its header,
# and tests/e2e/05-readme-quickstart.sh checks each README command has one.
t_readme_cmd() {
	t_readme_commands | grep -qxF -- "$1" && return 0
	not_ok "README command '$1'" "the README no longer has it: update the test with the README"
	return 1
}

# t_readme_run DIR CMD LOG: CMD, to the letter a README command, run in DIR
# as a new user would (t_as_user), output in LOG; says "ok - CMD, as the
# README writes it, in a fresh clone ..." with the time it took, or not ok
# with the end of LOG (compiler lines left out).  Returns non-zero on failure.
t_readme_run() {
	t_readme_cmd "$2" || return 1
	rr_start=$(date +%s)
	if t_as_user "$1" sh -c "$2" >"$3" 2>&1; then
		ok "$2, as the README writes it, in a fresh clone with no cache ($(( $(date +%s) - rr_start ))s)"
		return 0
	fi
	not_ok "$2, as the README writes it, in a fresh clone" "$(grep -v '^\(cc\|c++\|gcc\|/usr/bin/ld\|(.text\)' "$3" | tail -n 6)"
	return 1
}

# t_fresh_clone DIR: what a fresh clone of this checkout holds (the tracked
# files and the new ones git does not ignore: no build/, no images/ output,
# no key), copied to DIR.
t_fresh_clone() {
	mkdir -p "$1" &&
	(cd "$TOP" && git ls-files -z -co --exclude-standard) |
		(cd "$TOP" && xargs -0 cp -a --parents -t "$1" 2>/dev/null; true) &&
	[ -f "$1/Makefile" ]
}

# t_as_user DIR CMD...: run CMD in DIR with the environment of a new user's
# root shell: a fresh empty HOME (so no download cache), root's PATH and
# nothing of ours (BUILD, PGBUNDLE_*, TOP).  PGBUNDLE_README_NESTED stays,
# so a nested `make check` does not run the README tests again.
t_as_user() {
	d=$1; shift
	mkdir -p "$T_TMP/home"
	(cd "$d" && env -i HOME="$T_TMP/home" LANG=C.UTF-8 TERM=dumb USER=root LOGNAME=root \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${PGBUNDLE_README_NESTED:+PGBUNDLE_README_NESTED=1} "$@")
}
