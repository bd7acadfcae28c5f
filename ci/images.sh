#!/bin/sh
# ci/images.sh - the release images (images/README.md): what `make images`
# and `make images-update` run.
#
#   sh ci/images.sh build  [IMAGE...]  rebuild each image from its lock into
#                                      $IMAGES_OUT and check it against the sums
#   sh ci/images.sh update [IMAGE...]  resolve each manifest again, write its
#                                      lock and sums into $IMAGES_DIR and print
#                                      `pgbundle diff OLD NEW` of each lock
#   sh ci/images.sh list               the release images, one a line
#
# IMAGE is a release name (d12 is manifests/d12.yml) or a manifest path;
# default: $IMAGES, else every release.  Environment:
#   PGBUNDLE      the builder (build/pgbundle); its installer stub beside it
#   IMAGES_DIR    the committed locks and sums (images/release)
#   IMAGES_OUT    where images are built (images/out, git-ignored)
#   PGBUNDLE_KEY  the signing key (images/keys/pgbundle.key, made when missing)
#   SNAPSHOT      --snapshot arguments, space-separated: where the packages the
#                 mirror has dropped are (builder/pkgsrc.h)
#   KEEP_LOCKS=1  update: re-sum the committed locks instead of resolving
#                 again (after a change to what the builder writes)
#
# For each image IMAGES_DIR holds
#   IMAGE.lock              the exact package set (builder/lock.h)
#   IMAGE.SHA256SUMS        the .tar.zst and the .run, as the release key signs them
#   IMAGE.repo.SHA256SUMS   every file of the payload that does not depend on
#                           the key, paths relative to the bundle's top
#                           directory, bundle.json as the release key names it
# and once: KEY (the release key's fingerprint), pgbundle.asc (its public
# key), installer.SHA256SUMS (the installer stub the .run files start with).
set -eu

PGBUNDLE=${PGBUNDLE:-build/pgbundle}
IMAGES_DIR=${IMAGES_DIR:-images/release}
IMAGES_OUT=${IMAGES_OUT:-images/out}
RELEASES="d11 d12 d12-all d13 d13-all d14 d14-all"
# What the key makes: its public key, the two signatures over Release (the
# .run's signature is outside the payload) and bundle.json, which names it.
KEY_FILES="pgbundle.gpg pgbundle.asc dists/pgbundle/InRelease dists/pgbundle/Release.gpg"
# The images' timestamps are their locks' (a rebuild must not take another).
unset SOURCE_DATE_EPOCH

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
IMAGES_DIR=$(abs "$IMAGES_DIR") IMAGES_OUT=$(abs "$IMAGES_OUT") PGBUNDLE=$(abs "$PGBUNDLE")

die() { echo "images: $*" >&2; exit 1; }
say() { echo "images: $*"; }

manifest_of() {
	case $1 in
	*.yml) echo "$1" ;;
	*) echo "manifests/$1.yml" ;;
	esac
}
image_of() { basename "$1" .yml; }

# What resolving each release from this host's mirror needs (README: Mirrors,
# Not done yet).  A locked build reads no upstream metadata, so needs neither.
resolve_opts() {
	case $(image_of "$1") in
	d13 | d13-all) echo --allow-unverified-contents ;;
	d14 | d14-all) echo --allow-expired ;;
	esac
}

snapshot_opts() {
	for s in ${SNAPSHOT:-}; do printf ' --snapshot %s' "$s"; done
}

stub_path() { echo "${PGBUNDLE_INSTALLER_STUB:-$(dirname "$PGBUNDLE")/pgbundle-installer}"; }

# The signing key: PGBUNDLE_KEY, else images/keys/pgbundle.key (made as
# `make bundle` makes it).
signing_key() {
	if [ -n "${PGBUNDLE_KEY:-}" ]; then
		[ -f "$PGBUNDLE_KEY" ] || die "PGBUNDLE_KEY=$PGBUNDLE_KEY: no such file"
		abs "$PGBUNDLE_KEY"
		return
	fi
	[ -f images/keys/pgbundle.key ] || "$PGBUNDLE" keygen -o images/keys >&2
	abs images/keys/pgbundle.key
}

# build_one MANIFEST OUTDIR LOG [options]: pgbundle build; sets TAR and RUN
# from what it prints (tar.zst, summary, .run, .contents, lock).
build_one() {
	bo_m=$1 bo_out=$2 bo_log=$3
	shift 3
	mkdir -p "$bo_out"
	# shellcheck disable=SC2046
	"$PGBUNDLE" build "$bo_m" -o "$bo_out" --key "$KEY" "$@" $(snapshot_opts) >"$bo_log" ||
		return 1
	TAR=$(sed -n 1p "$bo_log") RUN=$(sed -n 3p "$bo_log") OUTLOCK=$(sed -n 5p "$bo_log")
	[ -f "$TAR" ] && [ -f "$RUN" ] && [ -f "$OUTLOCK" ]
}

# extract TAR DIR: unpack the payload with tar and zstd (not our reader);
# sets TOPDIR to its one top directory.
extract() {
	rm -rf "$2" && mkdir -p "$2" && tar --zstd -xf "$1" -C "$2" || return 1
	TOPDIR=$(find "$2" -mindepth 1 -maxdepth 1 -type d)
	[ -n "$TOPDIR" ] && [ -f "$TOPDIR/bundle.json" ]
}

key_of() { sed -n 's/.*"key": "\([0-9A-F]*\)".*/\1/p' "$1"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgbundle-images.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- make images --------------------------------------------------------

# check_repo IMAGE TOPDIR RELFPR: every file of the payload but the key's is
# the release's, byte for byte, and nothing else is there.
check_repo() {
	sums=$IMAGES_DIR/$1.repo.SHA256SUMS
	fpr=$(key_of "$2/bundle.json")
	# bundle.json names the key that built it: put the release's in its place.
	[ "$fpr" = "$3" ] || sed -i "s/\"key\": \"$fpr\"/\"key\": \"$3\"/" "$2/bundle.json"
	if ! (cd "$2" && sha256sum --quiet --strict -c "$sums") >"$tmp/c.log" 2>&1; then
		say "$1: these files differ from the release's ($sums):"
		sed 's/^/  /' "$tmp/c.log"
		return 1
	fi
	(cd "$2" && find . -type f | sed 's|^\./||' | sort) >"$tmp/have"
	# shellcheck disable=SC2086
	{ sed 's/^[0-9a-f]*  //' "$sums"; printf '%s\n' $KEY_FILES; } | sort >"$tmp/want"
	if ! cmp -s "$tmp/have" "$tmp/want"; then
		say "$1: the payload's files are not the release's:"
		diff "$tmp/want" "$tmp/have" | sed -n 's/^[<>] /  /p' >&2
		return 1
	fi
	REPO_FILES=$(wc -l <"$sums")
}

# check_signed IMAGE: the .tar.zst and .run, when built with the release key.
check_signed() {
	stubsums=$IMAGES_DIR/installer.SHA256SUMS
	if [ -f "$stubsums" ] && ! (cd "$(dirname "$(stub_path)")" &&
		sha256sum --quiet --strict -c "$stubsums") >/dev/null 2>&1; then
		say "$1: the installer stub $(stub_path) is not the release's ($stubsums):" \
			"another compiler or static libraries make another .run"
	fi
	(cd "$IMAGES_OUT" && sha256sum --strict -c "$IMAGES_DIR/$1.SHA256SUMS")
}

cmd_build() {
	[ -f "$IMAGES_DIR/KEY" ] || die "$IMAGES_DIR/KEY is missing: no release images recorded" \
		"(make images-update records them)"
	relfpr=$(cat "$IMAGES_DIR/KEY")
	failed=""
	for img in "$@"; do
		m=$(manifest_of "$img") i=$(image_of "$img")
		lock=$IMAGES_DIR/$i.lock
		[ -f "$lock" ] || die "$i: no $lock (make images-update writes it)"
		say "$i: building from $lock"
		if ! build_one "$m" "$IMAGES_OUT" "$tmp/$i.out" --lock "$lock"; then
			failed="$failed $i"
			continue
		fi
		# Not a failure: a newer lock format writes the same set otherwise.
		cmp -s "$lock" "$OUTLOCK" ||
			say "$i: the lock the rebuild wrote ($OUTLOCK) is not byte-identical to $lock"
		if ! extract "$TAR" "$tmp/x"; then
			failed="$failed $i"
			continue
		fi
		fpr=$(key_of "$TOPDIR/bundle.json")
		if ! check_repo "$i" "$TOPDIR" "$relfpr"; then
			failed="$failed $i"
			continue
		fi
		say "$i: the repository and bundle.json ($REPO_FILES files) are the release's, byte for byte"
		if [ "$fpr" != "$relfpr" ]; then
			say "$i: signed with key $fpr, not the release key $relfpr: the .tar.zst and" \
				".run carry the key, their sums ($IMAGES_DIR/$i.SHA256SUMS) are not checked"
		elif check_signed "$i"; then
			say "$i: the .tar.zst and .run are the release's, byte for byte"
		else
			failed="$failed $i"
		fi
	done
	[ -z "$failed" ] || die "not rebuilt, or not the release's:$failed"
	say "every image matches its sums: $*"
}

# ---- make images-update -------------------------------------------------

cmd_update() {
	olds=""
	for img in "$@"; do
		[ -f "$IMAGES_DIR/$(image_of "$img").lock" ] && olds="$olds $(image_of "$img")"
	done
	# Re-summing keeps the package sets: no diff to show.
	if [ "${KEEP_LOCKS:-}" = 1 ]; then olds=""; fi
	if [ -n "$olds" ] && ! "$PGBUNDLE" diff --help >/dev/null 2>&1; then
		die "make images-update prints \`pgbundle diff OLD NEW\` of each lock it replaces" \
			"($olds ), and $PGBUNDLE has no diff command (it comes with \`pgbundle diff\`):" \
			"nothing was changed"
	fi
	# A new release key re-signs every image: then update them all.
	if [ ! -f "$IMAGES_DIR/KEY" ]; then
		names=" $(for a in "$@"; do image_of "$a"; done | tr '\n' ' ')"
		for f in "$IMAGES_DIR"/*.lock; do
			[ -f "$f" ] || continue
			case $names in *" $(basename "$f" .lock) "*) ;; *)
				die "$IMAGES_DIR/KEY is missing but $f is there: a new release key" \
					"re-signs every image; update them all" ;;
			esac
		done
	fi
	mkdir -p "$tmp/new" "$tmp/out"
	for img in "$@"; do
		m=$(manifest_of "$img") i=$(image_of "$img") opts=$(resolve_opts "$img")
		if [ "${KEEP_LOCKS:-}" = 1 ]; then
			[ -f "$IMAGES_DIR/$i.lock" ] || die "$i: KEEP_LOCKS=1 but there is no $IMAGES_DIR/$i.lock"
			opts="--lock $IMAGES_DIR/$i.lock"
			say "$i: re-summing $IMAGES_DIR/$i.lock"
		else
			say "$i: resolving $m${opts:+ with $opts (README: Mirrors)}"
		fi
		# shellcheck disable=SC2086
		build_one "$m" "$tmp/out" "$tmp/$i.out" $opts || die "$i: the build failed"
		extract "$TAR" "$tmp/x" || die "$i: cannot unpack $TAR"
		fpr=$(key_of "$TOPDIR/bundle.json")
		if [ -f "$IMAGES_DIR/KEY" ] && [ "$fpr" != "$(cat "$IMAGES_DIR/KEY")" ]; then
			die "$i: signed with $fpr, but the release key is $(cat "$IMAGES_DIR/KEY")" \
				"($IMAGES_DIR/KEY): pass it in PGBUNDLE_KEY; nothing was changed"
		fi
		echo "$fpr" >"$tmp/new/KEY"
		cp "$TOPDIR/pgbundle.asc" "$tmp/new/pgbundle.asc"
		cp "$OUTLOCK" "$tmp/new/$i.lock"
		contents=${TAR%.tar.zst}.contents
		awk -v keys="$KEY_FILES" 'BEGIN { n = split(keys, k, " "); for (j = 1; j <= n; j++) skip[k[j]] = 1 }
			!(substr($0, 67) in skip)' "$contents" >"$tmp/new/$i.repo.SHA256SUMS"
		(cd "$(dirname "$TAR")" && sha256sum "$(basename "$TAR")" "$(basename "$RUN")") \
			>"$tmp/new/$i.SHA256SUMS"
	done
	(cd "$(dirname "$(stub_path)")" && sha256sum "$(basename "$(stub_path)")") \
		>"$tmp/new/installer.SHA256SUMS"
	for i in $olds; do
		echo "--- pgbundle diff $IMAGES_DIR/$i.lock (new)"
		"$PGBUNDLE" diff "$IMAGES_DIR/$i.lock" "$tmp/new/$i.lock" || true
	done
	mkdir -p "$IMAGES_DIR" "$IMAGES_OUT"
	mv "$tmp/new"/* "$IMAGES_DIR/"
	mv "$tmp/out"/*.tar.zst "$tmp/out"/*.run "$tmp/out"/*.contents "$IMAGES_OUT/"
	say "wrote the locks and sums of$(for a in "$@"; do printf ' %s' "$(image_of "$a")"; done)" \
		"into $IMAGES_DIR (release key $(cat "$IMAGES_DIR/KEY")); the images are in $IMAGES_OUT"
}

mode=${1:-}
[ $# -gt 0 ] && shift
if [ "$mode" = list ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $RELEASES
	exit 0
fi
# shellcheck disable=SC2086
[ $# -gt 0 ] || set -- ${IMAGES:-$RELEASES}
case $mode in
build | update) ;;
*) die "usage: sh ci/images.sh build|update [IMAGE...] | list" ;;
esac
[ -x "$PGBUNDLE" ] || die "$PGBUNDLE not found: run make"
KEY=$(signing_key)
"cmd_$mode" "$@"
