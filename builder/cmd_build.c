/*
 * cmd_build.c - `pgbundle build MANIFEST`: resolve, download, verify, write
 * and sign the repository, pack it (bundle.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bundle.h"
#include "cli.h"

int cmd_build(int argc, char **argv)
{
	struct cli_plan_args a;
	struct bundle_opts bo = { 0 };
	struct bundle_out out = { 0 };
	struct pgb_err err = { { 0 } };
	struct pgp_seckey *key = NULL;
	struct fetcher *f = NULL;
	struct plan p;
	const char *keypath;
	char *cache = cli_cache_dir();
	int rc;

	if (cli_plan_parse(1, argc, argv, &a, &rc) < 0) {
		cli_plan_args_free(&a);
		free(cache);
		return rc;
	}
	keypath = a.key ? a.key : "images/keys/pgbundle.key";
	/* Load the key first: a missing key should not cost a resolution. */
	if (pgp_seckey_load(&key, keypath, &err) < 0) {
		pgb_err_prefix(&err, "signing key (create one with `pgbundle keygen -o DIR`, pass "
			       "it with --key)");
		cli_error(&err);
		cli_plan_args_free(&a);
		free(cache);
		return PGB_EXIT_FAIL;
	}
	rc = PGB_EXIT_FAIL;
	if (cli_plan_run(&a, &p, &f) < 0)
		goto out;
	if (cli_report_missing(&p) && !a.allow_missing) {
		fprintf(stderr, "pgbundle: nothing was written; fix the manifest or pass "
			"--allow-missing to build without them\n");
		rc = PGB_EXIT_UNRESOLVED;
		goto out;
	}
	bo.outdir = a.outdir;
	bo.key = key;
	bo.fetch = f;
	bo.cache_dir = cache;
	bo.zstd_level = a.zstd_level;
	bo.threads = a.threads;
	bo.snapshots = &a.snapshots;
	bo.note = cli_warn;
	if (bundle_build(&p, &bo, &out, &err) < 0) {
		cli_error(&err);
		goto out;
	}
	printf("%s\n  %zu packages, %.1f MiB, sha256 %s\n%s\n%s\n%s\n", out.tar_path,
	       p.lock.npkgs, (double)out.tar_size / (1024.0 * 1024.0), out.tar_sha256,
	       out.run_path, out.contents_path, out.lock_path);
	rc = PGB_EXIT_OK;
out:
	bundle_out_free(&out);
	plan_free(&p);
	fetch_free(f);
	pgp_seckey_free(key);
	cli_plan_args_free(&a);
	free(cache);
	return rc;
}
