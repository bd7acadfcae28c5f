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
 * repositories it extracted, INST_CREDENTIALS and INST_STATE_DIR are
 * removed.  apt's simulation of the purge runs first: a purge that would
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

#define ETC_APT "/etc/apt"
#define REPOS_RECORD INST_STATE_DIR "/repos"

static int run_logged(struct inst_ctx *ctx, struct strlist *argv, const char *what,
		      struct pgb_err *err)
{
	struct sbuf out = SBUF_INIT;
	int rc;

	strlist_add_owned(argv, NULL);
	rc = inst_run((const char *const *)argv->v, &out, err);
	inst_log_detail(ctx->log, "%s: %s", what, out.buf ? out.buf : "");
	if (rc > 0)
		pgb_fail(err, "%s failed (status %d): %s", what, rc, out.buf ? out.buf : "");
	sbuf_free(&out);
	return rc == 0 ? 0 : -1;
}

/* Recorded packages that dpkg still has installed. */
static int still_installed(const struct strlist *names, struct strlist *out, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf res = SBUF_INIT;
	int rc;

	if (!names->n)
		return 0;
	strlist_add(&argv, "dpkg-query");
	strlist_add(&argv, "-W");
	strlist_add(&argv, "--showformat=${Package} ${db:Status-Abbrev}\\n");
	for (size_t i = 0; i < names->n; i++)
		strlist_add(&argv, names->v[i]);
	strlist_add_owned(&argv, NULL);
	/* dpkg-query exits 1 when some name is unknown: that is an answer too. */
	rc = inst_run((const char *const *)argv.v, &res, err);
	for (const char *s = res.buf; rc >= 0 && s && *s;) {
		size_t n = strcspn(s, "\n"), sp = strcspn(s, " ");

		if (sp < n && n - sp >= 3 && strncmp(s + sp + 1, "ii", 2) == 0)
			strlist_add_owned(out, xstrndup(s, sp));
		s += n + (s[n] == '\n');
	}
	strlist_free(&argv);
	sbuf_free(&res);
	return rc < 0 ? -1 : 0;
}

/* Drop the main cluster of every postgresql-N pgbundle installed. */
static int drop_clusters(struct inst_ctx *ctx, const struct strlist *pkgs, struct pgb_err *err)
{
	for (size_t i = 0; i < pkgs->n; i++) {
		const char *p = pkgs->v[i], *ver = p + strlen("postgresql-");
		struct strlist argv = STRLIST_INIT;
		char *conf;
		int present;

		if (strncmp(p, "postgresql-", 11) != 0 || !isdigit((unsigned char)*ver) ||
		    ver[strspn(ver, "0123456789")] != '\0')
			continue;
		conf = xasprintf("/etc/postgresql/%s/main", ver);
		present = util_exists(conf);
		free(conf);
		if (!present)
			continue;
		ctx->changes++;
		inst_log_change(ctx->log, "stop and drop the PostgreSQL %s cluster \"main\" (its "
				"data is deleted)", ver);
		if (ctx->dry_run)
			continue;
		strlist_add(&argv, "pg_dropcluster");
		strlist_add(&argv, "--stop");
		strlist_add(&argv, ver);
		strlist_add(&argv, "main");
		if (run_logged(ctx, &argv, "pg_dropcluster", err) < 0) {
			strlist_free(&argv);
			return -1;
		}
		strlist_free(&argv);
		/* pg_dropcluster leaves the files it does not know (conf.d/). */
		conf = xasprintf("/etc/postgresql/%s/main", ver);
		present = util_rm_rf(conf, err);
		*strrchr(conf, '/') = '\0';
		rmdir(conf);
		free(conf);
		if (present < 0)
			return -1;
	}
	return 0;
}

static void purge_argv(struct strlist *argv, const struct strlist *pkgs, int simulate)
{
	strlist_add(argv, "env");
	strlist_add(argv, "DEBIAN_FRONTEND=noninteractive");
	strlist_add(argv, "apt-get");
	strlist_add(argv, simulate ? "-s" : "-y");
	strlist_add(argv, "purge");
	for (size_t i = 0; i < pkgs->n; i++)
		strlist_add(argv, pkgs->v[i]);
}

/* apt's purge would remove only what pgbundle installed? */
static int check_purge(const struct strlist *pkgs, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT, others = SBUF_INIT;
	struct pkg_plan plan = { 0 };
	int rc;

	if (!pkgs->n)
		return 0;
	purge_argv(&argv, pkgs, 1);
	strlist_add_owned(&argv, NULL);
	rc = inst_run((const char *const *)argv.v, &out, err);
	if (rc > 0)
		rc = pgb_fail(err, "apt-get -s purge failed (status %d): %s", rc, out.buf);
	if (rc == 0) {
		pkg_sim_parse(out.buf, &plan);
		for (size_t i = 0; i < plan.remove.n; i++)
			if (!strlist_has(pkgs, plan.remove.v[i]))
				sbuf_addf(&others, " %s", plan.remove.v[i]);
	}
	if (rc == 0 && others.len)
		rc = pgb_fail(err, "--purge would also remove packages that pgbundle did not "
			      "install:%s; remove them first or uninstall without --purge; "
			      "nothing was purged", others.buf);
	pkg_plan_free(&plan);
	strlist_free(&argv);
	sbuf_free(&out);
	sbuf_free(&others);
	return rc < 0 ? -1 : 0;
}

static int purge_packages(struct inst_ctx *ctx, const struct strlist *pkgs, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	int rc;

	if (!pkgs->n)
		return 0;
	ctx->changes += (int)pkgs->n;
	inst_log_change(ctx->log, "purge the %zu packages pgbundle installed", pkgs->n);
	if (ctx->dry_run)
		return 0;
	purge_argv(&argv, pkgs, 0);
	rc = run_logged(ctx, &argv, "apt-get purge", err);
	strlist_free(&argv);
	return rc;
}

static int remove_path(struct inst_ctx *ctx, const char *path, struct pgb_err *err)
{
	if (!util_exists(path))
		return 0;
	ctx->changes++;
	inst_log_change(ctx->log, "remove %s", path);
	return ctx->dry_run ? 0 : util_rm_rf(path, err);
}

static int remove_data(struct inst_ctx *ctx, struct pgb_err *err)
{
	char *repos = NULL, *line, *save = NULL, *cred_dir;
	size_t n;
	int rc = 0;

	if (util_exists(REPOS_RECORD) && util_read_file(REPOS_RECORD, &repos, &n, err) < 0)
		return -1;
	for (line = repos ? strtok_r(repos, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		/* Only what install recorded: absolute paths it created. */
		if (*line == '/' && !strstr(line, "/.."))
			rc = remove_path(ctx, line, err);
	free(repos);
	if (rc == 0 && !ctx->dry_run)
		rmdir(ctx->prefix);	/* only when empty */
	cred_dir = xstrdup(INST_CREDENTIALS);
	*strrchr(cred_dir, '/') = '\0';
	if (rc == 0)
		rc = remove_path(ctx, INST_CREDENTIALS, err);
	if (rc == 0 && !ctx->dry_run)
		rmdir(cred_dir);	/* only when empty */
	if (rc == 0)
		rc = remove_path(ctx, INST_STATE_DIR, err);
	free(cred_dir);
	return rc;
}

static int purge(struct inst_ctx *ctx, struct pgb_err *err)
{
	struct strlist recorded = STRLIST_INIT, installed = STRLIST_INIT;
	int rc;

	inst_log_step(ctx->log, "Purge: clusters, packages and data pgbundle installed");
	rc = pkg_read_installed_record(&recorded, err);
	if (rc == 0)
		rc = still_installed(&recorded, &installed, err);
	/* Before any cluster is dropped: a refused purge must change nothing. */
	if (rc == 0)
		rc = check_purge(&installed, err);
	if (rc == 0)
		rc = drop_clusters(ctx, &installed, err);
	if (rc == 0)
		rc = purge_packages(ctx, &installed, err);
	if (rc == 0)
		rc = remove_data(ctx, err);
	strlist_free(&recorded);
	strlist_free(&installed);
	return rc;
}

int cmd_uninstall(const struct inst_opts *o)
{
	struct inst_ctx ctx;
	struct pgb_err err;
	int rc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prefix = o->prefix;
	ctx.dry_run = o->dry_run;
	if (geteuid() != 0 && !o->dry_run) {
		pgb_fail(&err, "uninstall changes the system: run it as root (sudo), or with "
			 "--dry-run to only see what it would do");
		return inst_print_error(&err);
	}
	if (inst_log_open(&ctx.log, INST_LOG_DIR, o->dry_run, &err) < 0)
		return inst_print_error(&err);
	if (o->purge)
		rc = purge(&ctx, &err);
	if (rc == 0) {
		inst_log_step(ctx.log, "apt: restoring the host's sources");
		rc = aptconf_restore(&ctx, ETC_APT, &err);
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
	return rc == 0 ? 0 : inst_print_error(&err);
}
