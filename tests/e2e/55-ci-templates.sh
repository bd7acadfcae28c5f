#!/bin/sh
# tier: fast
# The CI templates of ci/templates/ are what their platforms accept, and
# their build steps work:
#   - the GitHub Actions workflow validates with action-validator (the
#     published SchemaStore workflow schema) and the GitLab CI file with
#     gitlab-ci-local (GitLab's own CI schema, and its job list: one job per
#     matrix target); a broken copy of each fails, so the validators bite;
#   - both build a matrix of targets on Debian 12, keep PGBUNDLE_CACHE as
#     their cache, take the key from the secret store, publish the .run,
#     .lock, .contents, SBOM and report;
#   - their steps, taken out of the YAML, run as the platform would run them
#     in a fresh clone for manifests/d12.yml (the real archive) with a
#     temporary key given as the secret: the bundle is signed by that key,
#     every artifact path matches files, the SBOM validates, no key is left
#     behind; the second template, run after the first, reports the changes
#     since the first one's lock (the cache carries it).
. tests/lib.sh
. tests/e2e/test_tools.sh
need_root "CI templates"
t_tmpdir
t_npm_tools || exit 1
GH=$TOP/ci/templates/github-bundles.yml
GL=$TOP/ci/templates/gitlab-bundles.yml
BIN=$NPM_TOOLS/node_modules/.bin
jq_ok() { jq -e "$@" >/dev/null; }

# --- the platforms' schemas ---
if out=$("$BIN/action-validator" "$GH" 2>&1); then
	ok "GitHub workflow: valid (action-validator, SchemaStore's workflow schema)"
else
	not_ok "GitHub workflow: valid" "$(echo "$out" | head -c 1200)"
fi
sed 's/^    runs-on:/    runs_on:/' "$GH" >"$T_TMP/bad.yml"
if "$BIN/action-validator" "$T_TMP/bad.yml" >/dev/null 2>&1; then
	not_ok "a broken workflow (runs_on) is refused" "action-validator accepted it"
else
	ok "a broken workflow (runs_on) is refused"
fi
gitlab_list() {	# FILE OUT: gitlab-ci-local's job list of FILE as a project's .gitlab-ci.yml
	rm -rf "$T_TMP/gl" && mkdir -p "$T_TMP/gl" && cp "$1" "$T_TMP/gl/.gitlab-ci.yml" &&
	(cd "$T_TMP/gl" && git init -q && git add . &&
	 git -c user.email=t@invalid -c user.name=t commit -qm t &&
	 GCL_IGNORE_PREDEFINED_VARS=CI_PIPELINE_SOURCE "$BIN/gitlab-ci-local" --list \
		--json-schema-validation --evaluate-rule-changes=false \
		--variable CI_PIPELINE_SOURCE=schedule) >"$2" 2>&1
}
if gitlab_list "$GL" "$T_TMP/gl.out" && grep -q "json schema validated" "$T_TMP/gl.out" &&
   [ "$(grep -c '^bundle: \[d1[1-4]\]' "$T_TMP/gl.out")" = 4 ]; then
	ok "GitLab CI file: valid (gitlab-ci-local, GitLab's CI schema), one job per target"
else
	not_ok "GitLab CI file: valid" "$(tail -n 12 "$T_TMP/gl.out")"
fi
sed 's/^  stage: bundle$/  stage: bundle\n  bogus_key: 1/' "$GL" >"$T_TMP/bad-gl.yml"
if gitlab_list "$T_TMP/bad-gl.yml" "$T_TMP/gl-bad.out"; then
	not_ok "a broken GitLab CI file (an unknown job key) is refused" "gitlab-ci-local accepted it"
else
	ok "a broken GitLab CI file (an unknown job key) is refused"
fi

# --- what they say, read with yq ---
yq . "$GH" >"$T_TMP/gh.json" && yq . "$GL" >"$T_TMP/gl.json"
check "GitHub: a Debian 12 container, a matrix of d11-d14, the cache on PGBUNDLE_CACHE, the key from secrets" \
	jq_ok '.jobs.bundle as $j | $j.container == "debian:12" and
	  $j.strategy.matrix.manifest == ["d11", "d12", "d13", "d14"] and
	  ([$j.steps[] | select((.uses // "") | startswith("actions/cache@")) | .with.path] == [$j.env.PGBUNDLE_CACHE]) and
	  ([$j.steps[] | .env.PGBUNDLE_SIGNING_KEY // empty] == ["${{ secrets.PGBUNDLE_SIGNING_KEY }}"])' "$T_TMP/gh.json"
check "GitLab: Debian 12, a matrix of d11-d14, the cache on PGBUNDLE_CACHE" \
	jq_ok '.bundle as $j | $j.image == "debian:12" and $j.parallel.matrix[0].MANIFEST == ["d11", "d12", "d13", "d14"] and
	  $j.cache.paths == [$j.variables.PGBUNDLE_CACHE + "/"]' "$T_TMP/gl.json"
want='["out/*.run","out/*.lock","out/*.contents","out/*.cdx.json","out/*.html","out/*.fingerprint"]'
check "both publish the .run, .lock, .contents, SBOM, report and the signing key's fingerprint" \
	sh -c "jq -c '[.jobs.bundle.steps[] | select((.uses // \"\") | startswith(\"actions/upload-artifact@\")) | .with.path | split(\"\n\")[] | select(. != \"\")]' '$T_TMP/gh.json' | grep -qxF '$want' &&
	       jq -c '.bundle.artifacts.paths' '$T_TMP/gl.json' | grep -qxF '$want'"

# --- their steps, run as the platforms run them ---
CLONE=$T_TMP/clone
t_fresh_clone "$CLONE" || { not_ok "a fresh clone" "copy failed"; exit 1; }
# The build tree as it is (hard links, times kept), so `make -j2` has nothing to do.
cp -al "$BDIR/." "$CLONE/build/" 2>/dev/null || cp -a "$BDIR/." "$CLONE/build/"
FPR=$("$PGBUNDLE" keygen -o "$T_TMP/k" | sed -n 's/^key //p')
# A private cache whose package store is the shared one (no download again),
# so the templates' "last lock" stays in this test.
shared=${PGBUNDLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgbundle}
mkdir -p "$T_TMP/cache" "$shared/sha256" "$shared/index" "$shared/pkgmeta"
for d in sha256 index pkgmeta; do ln -s "$shared/$d" "$T_TMP/cache/$d"; done
mkdir -p "$T_TMP/tmp"
runenv() {	# CMD...: with what the platform would give the job
	env MANIFEST=d12 PGBUNDLE_CACHE="$T_TMP/cache" TMPDIR="$T_TMP/tmp" \
		PGBUNDLE_SIGNING_KEY="$(base64 -w0 "$T_TMP/k/pgbundle.key")" "$@"
}
artifacts_ok() {	# JSON-LIST-OF-GLOBS: each matches at least one file in the clone
	for g in $(echo "$1" | jq -r '.[]'); do
		(cd "$CLONE" && ls $g >/dev/null 2>&1) || return 1
	done
}

jq '[.jobs.bundle.steps[] | select(.run) | .run]' "$T_TMP/gh.json" >"$T_TMP/gh-steps.json"
check "GitHub: the run steps use only environment variables (no \${{ }} left to evaluate)" \
	sh -c "! jq -r '.[]' '$T_TMP/gh-steps.json' | grep -q '\${{'"
n=$(jq length "$T_TMP/gh-steps.json") i=0 rc=0
while [ $i -lt "$n" ] && [ $rc = 0 ]; do	# each step its own shell, as GitHub does
	jq -r ".[$i]" "$T_TMP/gh-steps.json" >"$T_TMP/step.sh"
	(cd "$CLONE" && runenv bash -e "$T_TMP/step.sh") >>"$T_TMP/gh-run.log" 2>&1 || rc=$?
	i=$((i + 1))
done
if [ $rc = 0 ]; then
	ok "GitHub: the workflow's $n run steps build, sign and publish d12 in a fresh clone"
else
	not_ok "GitHub: the workflow's steps" "step $i failed: $(tail -n 8 "$T_TMP/gh-run.log")"
fi
check "GitHub: every artifact path matches files" \
	artifacts_ok "$(jq -c '[.jobs.bundle.steps[] | select((.uses // "") | startswith("actions/upload-artifact@")) | .with.path | split("\n")[] | select(. != "")]' "$T_TMP/gh.json")"
check "GitHub: the bundle is signed by the key from the secret" \
	"$PGBUNDLE" verify "$CLONE/out/pgsql-d12-1.0.d12.amd64.run" --key "$T_TMP/k/pgbundle.gpg"
check "GitHub: the published fingerprint is the signing key's" \
	sh -c "[ \"\$(cat '$CLONE/out/pgbundle.fingerprint')\" = '$FPR' ]"
t_sbom_valid "GitHub: the published SBOM is valid CycloneDX 1.5" "$CLONE/out/pgsql-d12-1.0.d12.amd64.cdx.json"
check "GitHub: no key left behind, the lock kept in the cache for the next run" \
	sh -c "[ -z \"\$(find '$T_TMP/tmp' -name pgbundle.key)\" ] && [ -s '$T_TMP/cache/last-d12.lock' ]"

# GitLab runs before_script and script in one shell, stopping at the first failure.
jq -r '.bundle.before_script[], .bundle.script[]' "$T_TMP/gl.json" >"$T_TMP/gl-steps.sh"
rm -rf "$CLONE/out"
if (cd "$CLONE" && runenv bash -e "$T_TMP/gl-steps.sh") >"$T_TMP/gl-run.log" 2>&1; then
	ok "GitLab: the job's script builds, signs and publishes d12 in a fresh clone"
else
	not_ok "GitLab: the job's script" "$(tail -n 8 "$T_TMP/gl-run.log")"
fi
check "GitLab: every artifact path matches files" artifacts_ok "$(jq -c '.bundle.artifacts.paths' "$T_TMP/gl.json")"
check "GitLab: the bundle is signed by the key from the variable" \
	"$PGBUNDLE" verify "$CLONE/out/pgsql-d12-1.0.d12.amd64.run" --key "$T_TMP/k/pgbundle.gpg"
check "GitLab: the published fingerprint is the signing key's" \
	sh -c "[ \"\$(cat '$CLONE/out/pgbundle.fingerprint')\" = '$FPR' ]"
check "GitLab, run after GitHub: diff against the cached lock, and the report has the changes" \
	sh -c "grep -q '^0 upgraded, 0 downgraded, 0 rebuilt, 0 added, 0 removed' '$T_TMP/gl-run.log' &&
	       grep -q 'id=\"diff\"' '$CLONE/out/pgsql-d12-1.0.d12.amd64.html'"
check "GitLab: no key left behind" sh -c "[ -z \"\$(find '$T_TMP/tmp' -name pgbundle.key)\" ]"
