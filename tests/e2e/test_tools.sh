# tests/e2e/test_tools.sh - the validators the tests run on pgbundle's
# outputs, none of them ours: CycloneDX's own JSON schema validator
# (@cyclonedx/cyclonedx-library, on ajv), Playwright driving Debian's
# chromium, and the GitHub / GitLab CI schema validators.  Source after
# tests/lib.sh.
#
#   t_npm_tools          install tests/npm/package-lock.json exactly (npm ci)
#                        into ${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}/npm-HASH,
#                        once per lock file; sets NPM_TOOLS.  Returns 1 (and
#                        prints a not ok) when it cannot: no skip
#   t_sbom_valid NAME FILE   ok when FILE is valid CycloneDX 1.5 JSON (strict schema)
#   t_report_render NAME HTML PNG   ok when chromium renders HTML with no console
#                        error, no failed or network request; PNG: a full-page
#                        screenshot (also copied under $BUILD/test-logs/)

t_npm_tools() {
	npm_src=$TOP/tests/npm
	npm_sum=$(cat "$npm_src/package.json" "$npm_src/package-lock.json" | sha256sum | cut -c1-16)
	NPM_TOOLS=${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}/npm-$npm_sum
	export NPM_TOOLS
	[ -f "$NPM_TOOLS/.installed" ] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		not_ok "test tools" "npm is not installed: run sh ci/deps.sh test"
		return 1
	fi
	mkdir -p "$(dirname "$NPM_TOOLS")"
	(
		flock 9
		[ -f "$NPM_TOOLS/.installed" ] && exit 0
		rm -rf "$NPM_TOOLS" && mkdir -p "$NPM_TOOLS" &&
		cp "$npm_src/package.json" "$npm_src/package-lock.json" "$NPM_TOOLS/" &&
		(cd "$NPM_TOOLS" && npm ci --no-audit --no-fund --ignore-scripts \
			--cache "$NPM_TOOLS/.npm-cache" >npm-ci.log 2>&1) &&
		touch "$NPM_TOOLS/.installed"
	) 9>"$NPM_TOOLS.lock"
	if [ ! -f "$NPM_TOOLS/.installed" ]; then
		not_ok "test tools: npm ci of tests/npm/package-lock.json" \
			"$(tail -n 5 "$NPM_TOOLS/npm-ci.log" 2>/dev/null)"
		return 1
	fi
}

# Node runs the scripts of tests/npm with the cached node_modules.
t_node() { NODE_PATH=$NPM_TOOLS/node_modules node "$@"; }

# (Variables tt_*: sh functions share the caller's variables.)
t_sbom_valid() {
	if tt_out=$(t_node "$TOP/tests/npm/cdx-validate.cjs" "$2" 2>&1); then
		ok "$1"
	else
		not_ok "$1" "$(echo "$tt_out" | head -c 1500)"
	fi
}

t_report_render() {
	if tt_out=$(t_node "$TOP/tests/npm/render.cjs" "$2" "$3" 2>&1); then
		ok "$1"
		echo "# $tt_out"
	else
		not_ok "$1" "$(echo "$tt_out" | head -c 1500)"
	fi
	# The screenshots are kept either way: a person looks at them.
	mkdir -p "$BDIR/test-logs"
	cp "$3" "${3%.png}-print.png" "$BDIR/test-logs/" 2>/dev/null
}
