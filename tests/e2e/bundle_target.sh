# tests/e2e/bundle_target.sh - one Debian target end to end, shared by the
# per-target tests: build from the real archive, verify, ls, contents, rebuild
# from the lock byte-identical, the SBOM (CycloneDX's validator), diff and the
# HTML report (headless chromium), and the air-gapped apt proof.
#
#   bundle_target TARGET SUITE PG_MAJOR [extra build options]
# Source tests/lib.sh and tests/e2e/airgap_apt.sh first; needs root.
. tests/e2e/test_tools.sh

# bundle_tools T OUT LOCK KEY: sbom, diff and report on a bundle just built.
bundle_tools() {
	bt_run=$2/pgsql-$1-1.0.$1.amd64.run
	t_npm_tools || return 1
	if "$PGBUNDLE" sbom "$bt_run" --key "$4" >"$T_TMP/sbom.json" 2>"$T_TMP/sbom.err"; then
		t_sbom_valid "$1: its SBOM is valid CycloneDX 1.5 ($(jq '.components | length' "$T_TMP/sbom.json") packages, $(jq '[.components[] | select(.licenses)] | length' "$T_TMP/sbom.json") with machine-readable licenses)" "$T_TMP/sbom.json"
	else
		not_ok "$1: pgbundle sbom" "$(cat "$T_TMP/sbom.err")"
	fi
	jq -r '.packages[] | "\(.name) \(.version) \(.sha256)"' "$3" | sort >"$T_TMP/l.txt"
	jq -r '.components[] | "\(.name) \(.version) \(.hashes[0].content)"' "$T_TMP/sbom.json" | sort >"$T_TMP/s.txt"
	check "$1: the SBOM lists the lock's packages, versions and SHA-256" cmp -s "$T_TMP/l.txt" "$T_TMP/s.txt"
	if "$PGBUNDLE" diff "$3" "$bt_run" --json >"$T_TMP/diff.json" 2>&1 &&
	   jq -e '[.summary[]] | add == 0' "$T_TMP/diff.json" >/dev/null; then
		ok "$1: diff of the lock and its .run: no change"
	else
		not_ok "$1: diff LOCK RUN" "$(head -c 600 "$T_TMP/diff.json")"
	fi
	if "$PGBUNDLE" report "$bt_run" -o "$T_TMP/report-$1.html" --key "$4" --diff "$3" >"$T_TMP/report.log" 2>&1; then
		t_report_render "$1: its report renders in headless chromium, no console error, nothing fetched" \
			"$T_TMP/report-$1.html" "$T_TMP/report-$1.png"
	else
		not_ok "$1: pgbundle report" "$(cat "$T_TMP/report.log")"
	fi
}

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

	bundle_tools $T "$OUT" "$LOCK" "$T_TMP/keys/pgbundle.gpg"

	mkdir -p "$T_TMP/airgap"
	airgap_apt_proof $T $SUITE "$TAR" "$T_TMP/airgap"

}
