#!/bin/sh
# tier: all
# readme: make images
# The committed release images rebuild: in a fresh clone, with an empty
# download cache, `make images` as the README writes it builds every release
# image (d11 ... d14-all) from its lock (images/release/) and checks it
# against the committed sums.  With
# the release key (PGBUNDLE_KEY, or images/keys/pgbundle.key when it is the
# release key) every sum is checked, .tar.zst and .run included.  Without it,
# the repository and bundle.json are checked byte for byte against the
# release's, and a second `make images` with the same key must give the same
# .tar.zst and .run again: the signatures (InRelease, Release.gpg, the .run's)
# do not break byte-identity.
. tests/lib.sh
need_root "release images"
t_tmpdir
CLONE=$T_TMP/pgbundle
IMAGES=$(sh ci/images.sh list | tr '\n' ' ')
if ! t_fresh_clone "$CLONE"; then
	not_ok "a fresh clone of this checkout" "copy failed"
	exit 1
fi
mkdir -p "$CLONE/images/keys"
release=0
for k in "${PGBUNDLE_KEY:-}" "$TOP/images/keys/pgbundle.key"; do
	[ -n "$k" ] && [ -f "$k" ] && [ -f "$(dirname "$k")/pgbundle.asc" ] &&
		cmp -s "$(dirname "$k")/pgbundle.asc" "$TOP/images/release/pgbundle.asc" || continue
	cp "$k" "$CLONE/images/keys/pgbundle.key"
	release=1
	break
done
if [ $release = 0 ]; then
	echo "# the release key is not here: checking what anyone can (images/README.md)"
	"$PGBUNDLE" keygen -o "$CLONE/images/keys" >/dev/null
fi
(cd "$CLONE" && sha256sum images/release/*) >"$T_TMP/committed"

echo "# $IMAGES"
t_readme_run "$CLONE" "make images" "$T_TMP/images.log" || exit 1
grep '^images:\|: OK$' "$T_TMP/images.log" | sed 's/^/#   /'
for i in $IMAGES; do
	if grep -q "^images: $i: the repository and bundle.json (.* files) are the release's, byte for byte" "$T_TMP/images.log"; then
		ok "$i: every file of the repository and bundle.json matches the committed sums"
	else
		not_ok "$i: the repository matches the committed sums" "$(grep "^images: $i" "$T_TMP/images.log")"
	fi
	if [ $release = 1 ]; then
		if grep -q "^images: $i: the .tar.zst and .run are the release's, byte for byte" "$T_TMP/images.log"; then
			ok "$i: the .tar.zst and .run match the committed sums (release key)"
		else
			not_ok "$i: the .tar.zst and .run match the committed sums" "$(grep "^images: $i" "$T_TMP/images.log")"
		fi
	fi
done
if (cd "$CLONE" && sha256sum -c --quiet "$T_TMP/committed") >/dev/null 2>&1; then
	ok "make images leaves the committed locks and sums as they were"
else
	not_ok "make images leaves images/release/ alone" "$(cd "$CLONE" && sha256sum -c --quiet "$T_TMP/committed" 2>&1 | head -n 3)"
fi

# The same lock and key: the same bytes, signatures included.
if [ $release = 0 ]; then
	(cd "$CLONE/images/out" && sha256sum ./*.tar.zst ./*.run) >"$T_TMP/first"
	if t_as_user "$CLONE" sh -c 'make images' >"$T_TMP/again.log" 2>&1 &&
	   (cd "$CLONE/images/out" && sha256sum -c --quiet "$T_TMP/first"); then
		ok "rebuilt with the same key, every .tar.zst and .run is byte-identical"
	else
		not_ok "rebuilt with the same key, byte-identical" "$(tail -n 5 "$T_TMP/again.log")"
	fi
fi
