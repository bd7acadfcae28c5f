/*
 * pkgmgr_apt.c - Debian and Ubuntu hosts: the bundle as apt's only source
 * (aptconf.c), the transaction (pkgs.c), and what uninstall undoes.
 *
 * install: the pre-flight is `apt-get -s install` through a private apt over
 * the extracted tree (nothing of the host's apt changes); then the bundle
 * becomes the only source, apt-get update, apt-get install.
 * uninstall --purge: each cluster of a PostgreSQL major pgbundle installed is
 * stopped and dropped (pg_dropcluster), then the packages it installed are
 * purged, after apt's simulation shows the purge removes nothing else.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

#define ETC_APT "/etc/apt"

static int apt_preflight(struct inst_ctx *ctx, const struct strlist *pkgs, struct pkg_plan *plan,
			 struct pgb_err *err)
{
	struct apt_private apt;
	int rc = aptconf_private_open(&apt, ctx, err);

	if (rc == 0) {
		rc = pkg_preflight(ctx, &apt, pkgs, plan, err);
		aptconf_private_close(&apt);
	}
	return rc;
}

static int apt_configure(struct inst_ctx *ctx, struct pgb_err *err)
{
	char *key = util_path_join(ctx->repo_dir, "pgbundle.gpg");
	int rc = aptconf_configure(ctx, ETC_APT, key, err);

	free(key);
	if (rc == 0)
		rc = aptconf_update(ctx, ETC_APT, err);
	return rc;
}

static int apt_restore(struct inst_ctx *ctx, struct pgb_err *err)
{
	return aptconf_restore(ctx, ETC_APT, err);
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
		if (inst_run_logged(ctx, &argv, "pg_dropcluster", err) < 0) {
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
	rc = inst_run_logged(ctx, &argv, "apt-get purge", err);
	strlist_free(&argv);
	return rc;
}


static int apt_purge(struct inst_ctx *ctx, int (*leave)(void *arg, struct pgb_err *err),
		     void *arg, struct pgb_err *err)
{
	struct strlist recorded = STRLIST_INIT, installed = STRLIST_INIT;
	int rc = pkg_read_installed_record(ctx, &recorded, err);

	if (rc == 0)
		rc = still_installed(&recorded, &installed, err);
	/* Before any cluster is dropped: a refused purge must change nothing. */
	if (rc == 0)
		rc = check_purge(&installed, err);
	if (rc == 0)
		rc = leave(arg, err);
	if (rc == 0)
		rc = drop_clusters(ctx, &installed, err);
	if (rc == 0)
		rc = purge_packages(ctx, &installed, err);
	strlist_free(&recorded);
	strlist_free(&installed);
	return rc;
}

const struct inst_pkgmgr inst_pkgmgr_apt = {
	"deb", "apt", apt_preflight, apt_configure, pkg_install, apt_restore, apt_purge,
	inst_recover,
};
