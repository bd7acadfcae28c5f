# tests/e2e/bundle_target.sh - one Debian target end to end, shared by the
# per-target tests: build from the real archive, verify, ls, contents, rebuild
# from the lock byte-identical, and the air-gapped apt proof.
#
#   bundle_target TARGET SUITE PG_MAJOR [extra build options]
# Source tests/lib.sh and tests/e2e/airgap_apt.sh first; needs root.

bundle_target() {
	T=$1 SUITE=$2 PG=$3
	shift 3
	EXTRA="$*"
	t_tmpdir
	OUT=$T_TMP/images
	"$PGBUNDLE" keygen -o "$T_TMP/keys" >/dev/null || { not_ok "$T: keygen"; return 1; }
	start=$(date +%s)
	if "$PGBUNDLE" build manifests/$T.yml -o "$OUT" --key "$T_TMP/keys/pgbundle.key" $EXTRA >"$T_TMP/build.log" 2>&1; then
		ok "$T: pgbundle build manifests/$T.yml from the Debian archive ($(( $(date +%s) - start ))s)"
	else
		not_ok "$T: pgbundle build" "$(tail -n 5 "$T_TMP/build.log")"
		return 1
	fi
	TAR=$OUT/pgsql-$T-1.0.$T.amd64.tar.zst
	LOCK=$OUT/pgsql-$T.lock
	check "$T: outputs are the tar.zst, its contents manifest and the lock" \
		test -s "$TAR" -a -s "$OUT/pgsql-$T-1.0.$T.amd64.contents" -a -s "$LOCK"
	echo "# $(du -h "$TAR" | cut -f1) $(jq '.packages | length' "$LOCK") packages"

	if "$PGBUNDLE" verify "$TAR" --key "$T_TMP/keys/pgbundle.gpg" >"$T_TMP/verify.log" 2>&1; then
		ok "$T: pgbundle verify --key accepts the bundle"
	else
		not_ok "$T: pgbundle verify" "$(cat "$T_TMP/verify.log")"
	fi
	"$PGBUNDLE" keygen -o "$T_TMP/other" >/dev/null
	if "$PGBUNDLE" verify "$TAR" --key "$T_TMP/other/pgbundle.gpg" >/dev/null 2>&1; then
		not_ok "$T: verify with another key fails" "it passed"
	else
		ok "$T: verify with another key fails"
	fi
	if "$PGBUNDLE" ls "$TAR" | grep -q "^postgresql-$PG "; then
		ok "$T: pgbundle ls lists postgresql-$PG"
	else
		not_ok "$T: pgbundle ls lists postgresql-$PG"
	fi
	# The contents manifest matches the archive's files.
	mkdir -p "$T_TMP/x" && tar --zstd -xf "$TAR" -C "$T_TMP/x"
	if (cd "$T_TMP/x"/* && sha256sum --quiet -c "$OUT/pgsql-$T-1.0.$T.amd64.contents"); then
		ok "$T: the contents manifest matches every file of the bundle"
	else
		not_ok "$T: the contents manifest matches every file of the bundle"
	fi
	for p in $(jq -r '.requested[]' "$T_TMP/x"/*/bundle.json); do
		jq -e --arg p "$p" '.packages[] | select(.name == $p and .requested)' "$LOCK" >/dev/null ||
			not_ok "$T: lock marks $p requested"
	done

	sum1=$(sha256sum "$TAR" | cut -d' ' -f1)
	mkdir -p "$T_TMP/again"
	if "$PGBUNDLE" build manifests/$T.yml --lock "$LOCK" -o "$T_TMP/again" \
		--key "$T_TMP/keys/pgbundle.key" $EXTRA >"$T_TMP/rebuild.log" 2>&1; then
		sum2=$(sha256sum "$T_TMP/again/pgsql-$T-1.0.$T.amd64.tar.zst" | cut -d' ' -f1)
		if [ "$sum1" = "$sum2" ]; then
			ok "$T: rebuild from the lock is byte-identical ($sum1)"
		else
			not_ok "$T: rebuild from the lock is byte-identical" "$sum1 != $sum2"
		fi
	else
		not_ok "$T: rebuild from the lock" "$(tail -n 5 "$T_TMP/rebuild.log")"
	fi

	mkdir -p "$T_TMP/airgap"
	airgap_apt_proof $T $SUITE "$TAR" "$T_TMP/airgap"

}
