#!/bin/sh
# tier: fast
# readme: make bundle
# readme: build/pgbundle sbom images/pgsql-d12-1.0.d12.amd64.run > images/pgsql-d12.cdx.json
# readme: build/pgbundle report images/pgsql-d12-1.0.d12.amd64.run -o images/pgsql-d12.html
# The README's quick start as a new user types it: in a fresh clone (no
# build/, no key, no images/), with an empty home (no download cache) and a
# clean root environment, `make bundle` exactly as the README writes it
# builds, keys and signs the default bundle into images/, relative paths and
# all.  Also: every command the README tells a user to type is run, to the
# letter, by some test that names it in a "# readme: CMD" header line.
# (`make check` itself is run so by 90-readme-make-check.sh in check-all:
# CI's .ci/run runs it in a fresh clone too.)
. tests/lib.sh
need_root "README quick start"
if [ -n "${PGBUNDLE_README_NESTED:-}" ]; then
	echo "# inside the README's own make check: the outer run tests the quick start"
	exit 0
fi
t_tmpdir

# Every README command is claimed by a test's "# readme:" line.
t_readme_commands >"$T_TMP/cmds"
if [ ! -s "$T_TMP/cmds" ]; then
	not_ok "the README has commands to check" "none found in README.md"
fi
missing=""
while IFS= read -r cmd; do
	grep -qxF "# readme: $cmd" tests/e2e/*.sh || missing="$missing '$cmd'"
done <"$T_TMP/cmds"
if [ -z "$missing" ]; then
	ok "every README command ($(wc -l <"$T_TMP/cmds")) is run verbatim by a test"
else
	not_ok "every README command is run verbatim by a test" "no test runs:$missing"
fi
# ... and every claim is still a README command.
sed -n 's/^# readme: //p' tests/e2e/*.sh | while IFS= read -r cmd; do
	grep -qxF -- "$cmd" "$T_TMP/cmds" || echo "$cmd"
done >"$T_TMP/stale"
if [ -s "$T_TMP/stale" ]; then
	not_ok "every '# readme:' line names a README command" "not in README: $(tr '\n' ';' <"$T_TMP/stale")"
else
	ok "every '# readme:' line names a README command"
fi

CLONE=$T_TMP/pgbundle
if ! t_fresh_clone "$CLONE"; then
	not_ok "a fresh clone of this checkout" "copy failed"
	exit 1
fi
t_readme_run "$CLONE" "make bundle" "$T_TMP/bundle.log" || exit 1
RUN=$CLONE/images/pgsql-d12-1.0.d12.amd64.run
TAR=$CLONE/images/pgsql-d12-1.0.d12.amd64.tar.zst
if [ -s "$RUN" ] && [ -s "$TAR" ] && [ -s "$CLONE/images/keys/pgbundle.key" ]; then
	ok "make bundle wrote the key, the .run and the tar.zst under images/"
else
	not_ok "make bundle wrote its outputs" "$(ls -R "$CLONE/images" 2>&1 | head -n 8)"
fi
if "$CLONE/build/pgbundle" verify "$TAR" --key "$CLONE/images/keys/pgbundle.gpg" >"$T_TMP/verify.log" 2>&1 &&
   "$RUN" verify --key "$CLONE/images/keys/pgbundle.gpg" >>"$T_TMP/verify.log" 2>&1; then
	ok "the bundle and its .run verify against the key make bundle made"
else
	not_ok "the bundle and its .run verify" "$(tail -n 3 "$T_TMP/verify.log")"
fi
# What the README says to do after the build, as written, in the clone.
for cmd in "build/pgbundle sbom images/pgsql-d12-1.0.d12.amd64.run > images/pgsql-d12.cdx.json" \
	   "build/pgbundle report images/pgsql-d12-1.0.d12.amd64.run -o images/pgsql-d12.html"; do
	t_readme_cmd "$cmd" || continue
	if t_as_user "$CLONE" sh -c "$cmd" >"$T_TMP/after.log" 2>&1; then
		ok "README: $cmd"
	else
		not_ok "README: $cmd" "$(tail -n 3 "$T_TMP/after.log")"
	fi
done
check "the SBOM and the report are there" test -s "$CLONE/images/pgsql-d12.cdx.json" -a -s "$CLONE/images/pgsql-d12.html"
# A second `make bundle` keeps the key and rebuilds.
fpr1=$(sha256sum "$CLONE/images/keys/pgbundle.key")
if t_as_user "$CLONE" sh -c 'make bundle' >"$T_TMP/bundle2.log" 2>&1 &&
   [ "$(sha256sum "$CLONE/images/keys/pgbundle.key")" = "$fpr1" ]; then
	ok "make bundle again reuses the key and succeeds"
else
	not_ok "make bundle again" "$(tail -n 4 "$T_TMP/bundle2.log")"
fi
