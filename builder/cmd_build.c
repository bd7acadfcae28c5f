/*
 * cmd_build.c - `pgbundle build MANIFEST`: resolve, download, verify, write
 * and sign the repository, pack it (bundle.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cli.h"
#include "delta.h"
#include "keyrot.h"

/* What a delta carries against the full set, for the operator. */
static void print_delta(const struct delta_base *b, const struct plan *p)
{
	uint64_t bytes, full = plan_total_size(p);
	size_t n;

	delta_carried(b, &p->lock, &n, &bytes);
	printf("  delta from %s %s: %zu of %zu packages, %.1f MiB of %.1f MiB (%.1f%%); the "
	       "host needs %s-%s.%s.%s\n", b->name, b->version, n, p->lock.npkgs,
	       (double)bytes / (1024.0 * 1024.0), (double)full / (1024.0 * 1024.0),
	       full ? 100.0 * (double)bytes / (double)full : 0.0, b->name, b->version, b->target,
	       b->arch);
}

/*
 * KEYDIR/pgbundle.rotation beside the signing key (pgbundle key rotate): the
 * statements by which older keys vouch for this one.  They must end with this key.
 */
static int load_rotation(const char *keypath, const struct pgp_seckey *key,
			 struct strlist *out, struct pgb_err *err)
{
	char *slash = strrchr(keypath, '/'), *dir, *path, *text = NULL, last[41], fpr[41];
	size_t len;
	int rc = 0;

	dir = slash ? xasprintf("%.*s", (int)(slash - keypath), keypath) : xstrdup(".");
	path = util_path_join(dir, KEYROT_FILE);
	if (util_exists(path)) {
		rc = util_read_file(path, &text, &len, err);
		if (rc == 0)
			rc = keyrot_split(text, len, path, out, err);
		if (rc == 0)
			rc = keyrot_last_new_key(out, last, err);
		pgp_seckey_fingerprint(key, fpr);
		if (rc == 0 && strcmp(last, fpr))
			rc = pgb_fail(err, "%s vouches for key %s, not for the signing key %s in %s: "
				      "it belongs to another key; move it away", path, last, fpr,
				      keypath);
		if (rc < 0)
			pgb_err_prefix(err, "key rotation statements");
	}
	free(text);
	free(path);
	free(dir);
	return rc;
}

int cmd_build(int argc, char **argv)
{
	struct cli_plan_args a;
	struct bundle_opts bo = { 0 };
	struct bundle_out out = { 0 };
	struct pgb_err err = { { 0 } };
	struct pgp_seckey *key = NULL;
	struct fetcher *f = NULL;
	struct strlist rotation = STRLIST_INIT;
	struct plan p;
	struct delta_base base = { 0 };
	const char *keypath;
	char fpr[41];
	char *cache = cli_cache_dir();
	int rc;

	if (cli_plan_parse(1, argc, argv, &a, &rc) < 0) {
		cli_plan_args_free(&a);
		free(cache);
		return rc;
	}
	keypath = a.key ? a.key : "images/keys/pgbundle.key";
	/* Load the key first: a missing key should not cost a resolution. */
	if (pgp_seckey_load(&key, keypath, &err) < 0 ||
	    load_rotation(keypath, key, &rotation, &err) < 0) {
		pgb_err_prefix(&err, "signing key (create one with `pgbundle keygen -o DIR`, pass "
			       "it with --key)");
		cli_error(&err);
		pgp_seckey_free(key);
		strlist_free(&rotation);
		cli_plan_args_free(&a);
		free(cache);
		return PGB_EXIT_FAIL;
	}
	rc = PGB_EXIT_FAIL;
	memset(&p, 0, sizeof(p));
	/* The base lock before resolving: a wrong path should not cost a resolution. */
	if (a.update_from && delta_base_load(&base, a.update_from, &err) < 0) {
		cli_error(&err);
		goto out;
	}
	if (cli_plan_run(&a, &p, &f) < 0)
		goto out;
	if (a.update_from && delta_base_check(&base, &p, &err) < 0) {
		cli_error(&err);
		goto out;
	}
	if (cli_report_missing(&p) && !a.allow_missing) {
		fprintf(stderr, "pgbundle: nothing was written; fix the manifest or pass "
			"--allow-missing to build without them\n");
		rc = PGB_EXIT_UNRESOLVED;
		goto out;
	}
	bo.outdir = a.outdir;
	bo.key = key;
	bo.key_rotation = &rotation;
	bo.fetch = f;
	bo.cache_dir = cache;
	bo.zstd_level = a.zstd_level;
	bo.threads = a.threads;
	bo.snapshots = &a.snapshots;
	bo.note = cli_warn;
	bo.delta = a.update_from ? &base : NULL;
	if (bundle_build(&p, &bo, &out, &err) < 0) {
		cli_error(&err);
		goto out;
	}
	pgp_seckey_fingerprint(key, fpr);
	printf("%s\n  %zu packages, %.1f MiB, sha256 %s\n%s\n%s\n%s\n", out.tar_path,
	       p.lock.npkgs, (double)out.tar_size / (1024.0 * 1024.0), out.tar_sha256,
	       out.run_path, out.contents_path, out.lock_path);
	if (a.update_from)
		print_delta(&base, &p);
	printf("signed by key %s%s\n", fpr, rotation.n ? " (with its key rotation statements)" : "");
	rc = PGB_EXIT_OK;
out:
	bundle_out_free(&out);
	plan_free(&p);
	fetch_free(f);
	pgp_seckey_free(key);
	delta_base_free(&base);
	strlist_free(&rotation);
	cli_plan_args_free(&a);
	free(cache);
	return rc;
}
