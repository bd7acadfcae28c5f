/*
 * cmd_uninstall.c - `pgbundle-installer uninstall [--purge]`.
 *
 * Without --purge: the host's apt sources come back exactly as install
 * found them, and the bundle's source and key go.  Packages, clusters, the
 * credentials file and the repository under the prefix stay: the databases
 * keep running, and installing the same bundle again finds its repository
 * in place.
 *
 * With --purge, first: each cluster of a PostgreSQL major that pgbundle
 * installed is stopped and dropped (its data is deleted), the packages
 * pgbundle installed (INST_STATE_DIR/packages) are purged, and the
 * repositories it extracted, INST_CREDENTIALS, the pinned keys
 * (INST_TRUST_DIR) and INST_STATE_DIR (with the records of the bundles
 * installed) are removed.  apt's simulation of the purge runs first: a purge that would
 * also remove a package pgbundle did not install (something installed later
 * that depends on PostgreSQL) is refused, naming it, and nothing is purged.
 * The log directory stays.
 *
 * Neither needs the .run's payload: what to undo is read from the host.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"
#include "module.h"

#define REPOS_RECORD INST_STATE_DIR "/repos"

static int remove_path(struct inst_ctx *ctx, const char *path, struct pgb_err *err)
{
	if (!util_exists(path))
		return 0;
	ctx->changes++;
	inst_log_change(ctx->log, "remove %s", path);
	return ctx->dry_run ? 0 : util_rm_rf(path, err);
}

static int remove_root_path(struct inst_ctx *ctx, const char *path, struct pgb_err *err)
{
	char *p = inst_root_path(ctx, path);
	int rc = remove_path(ctx, p, err);

	free(p);
	return rc;
}

static int remove_data(struct inst_ctx *ctx, struct pgb_err *err)
{
	char *record = inst_root_path(ctx, REPOS_RECORD), *creds = inst_root_path(ctx, INST_CREDENTIALS);
	char *state = inst_root_path(ctx, INST_STATE_DIR), *repos = NULL, *line, *save = NULL;
	char *cred_dir = xstrdup(creds);
	size_t n;
	int rc = 0;

	if (util_exists(record) && util_read_file(record, &repos, &n, err) < 0)
		rc = -1;
	for (line = repos ? strtok_r(repos, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		/* Only what install recorded: absolute paths it created. */
		char *path = inst_root_path(ctx, line);

		if (*line == '/' && !strstr(line, "/.."))
			rc = remove_path(ctx, path, err);
		free(path);
	}
	free(repos);
	if (rc == 0 && !ctx->dry_run)
		rmdir(ctx->prefix);	/* only when empty */
	*strrchr(cred_dir, '/') = '\0';
	if (rc == 0)
		rc = remove_path(ctx, creds, err);
	if (rc == 0)
		rc = remove_root_path(ctx, INST_SECRETS, err);
	if (rc == 0)
		rc = remove_root_path(ctx, INST_PKI_DIR, err);
	/* Back to a host that never saw pgbundle: the pinned keys go too. */
	if (rc == 0)
		rc = remove_root_path(ctx, INST_TRUST_DIR, err);
	if (rc == 0 && !ctx->dry_run)
		rmdir(cred_dir);	/* only when empty */
	if (rc == 0)
		rc = remove_path(ctx, state, err);
	free(cred_dir);
	free(creds);
	free(state);
	free(record);
	return rc;
}

/*
 * Each module of the config install ran with leaves the cluster and removes
 * its own data (module.h), in reverse order: the VIP and HAProxy first,
 * etcd's membership last.  Nothing to do when nothing was recorded, or in a
 * --root image (install sets up no module there).
 */
struct purge_arg {
	struct inst_ctx *ctx;
	const struct inst_opts *o;
};

static int purge_modules(void *arg, struct pgb_err *err)
{
	struct purge_arg *a = arg;
	struct inst_bundle b;
	struct inst_config c;
	int rc;

	if (*a->ctx->root || (!a->o->config && !util_exists(INST_STATE_CONFIG)))
		return 0;
	rc = inst_state_load(a->o, &b, &c, err);
	a->ctx->bundle = &b;
	if (rc == 0)
		rc = inst_modules_uninstall(a->ctx, &c, err);
	a->ctx->bundle = NULL;
	inst_config_free(&c);
	inst_bundle_free(&b);
	return rc;
}

/* uninstall has no bundle: the host (or the --root image) says its family. */
static int host_package_manager(struct inst_ctx *ctx, const struct inst_pkgmgr **pm,
				struct pgb_err *err)
{
	struct host_info h = { 0 };
	int rc = host_probe(&h, ctx->root, err);

	if (rc == 0 && !(*pm = inst_pkgmgr_for(h.family)))
		rc = pgb_fail(err, "%s is neither Debian/Ubuntu nor EL: no package manager to "
			      "restore", h.pretty ? h.pretty : h.id);
	host_info_free(&h);
	return rc;
}

static int purge(struct inst_ctx *ctx, const struct inst_opts *o, const struct inst_pkgmgr *pm,
		 struct pgb_err *err)
{
	struct purge_arg arg = { ctx, o };

	inst_log_step(ctx->log, "Purge: clusters, packages and data pgbundle installed");
	if (pm->purge(ctx, purge_modules, &arg, err) < 0)
		return -1;
	return remove_data(ctx, err);
}

int cmd_uninstall(const struct inst_opts *o)
{
	const struct inst_pkgmgr *pm = NULL;
	struct inst_ctx ctx;
	struct pgb_err err;
	char *prefix;
	int rc = 0, lock = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.root = o->root;
	ctx.prefix = prefix = *o->root ? xasprintf("%s%s", o->root, o->prefix) : xstrdup(o->prefix);
	ctx.dry_run = o->dry_run;
	if (geteuid() != 0 && !o->dry_run) {
		pgb_fail(&err, "uninstall changes the system: run it as root (sudo), or with "
			 "--dry-run to only see what it would do");
		return inst_print_error(&err);
	}
	if (!o->dry_run && inst_lock_take(INST_LOCK_FILE, &lock, &err) < 0) {
		free(prefix);
		return inst_print_error(&err);
	}
	if (inst_log_open(&ctx.log, INST_LOG_DIR, o->dry_run, &err) < 0) {
		inst_lock_release(lock);
		free(prefix);
		return inst_print_error(&err);
	}
	rc = host_package_manager(&ctx, &pm, &err);
	if (rc == 0 && o->purge)
		rc = purge(&ctx, o, pm, &err);
	if (rc == 0) {
		inst_log_step(ctx.log, "%s: restoring the host's sources", pm->name);
		rc = pm->restore(&ctx, &err);
	}
	if (rc == 0) {
		if (o->dry_run)
			printf("Dry run: %d change%s would be made; nothing was changed.\n",
			       ctx.changes, ctx.changes == 1 ? "" : "s");
		else if (ctx.changes == 0)
			printf("Nothing to change: no pgbundle source is configured.\n");
		else
			printf("Done: %d change%s.%s\n", ctx.changes, ctx.changes == 1 ? "" : "s",
			       o->purge ? "" : "  Packages, clusters and data were left in "
			       "place (--purge removes them).");
	} else {
		inst_log_detail(ctx.log, "error: %s", err.msg);
	}
	inst_log_close(ctx.log);
	inst_lock_release(lock);
	free(prefix);
	return rc == 0 ? 0 : inst_print_error(&err);
}
