/*
 * ops.c - what the operations modules share (ops.h): this host's
 * PostgreSQL as they see it, and the small file and unit steps of install
 * and uninstall --purge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"

int inst_ops_pg_layout(const struct inst_ctx *ctx, const struct inst_config *cfg,
		       struct inst_pg_layout *l, struct pgb_err *err)
{
	const char *family = ctx && ctx->bundle && ctx->bundle->family ? ctx->bundle->family :
			     "deb";

	if (cfg->patroni_enabled && inst_config_has_module(cfg, "patroni"))
		return inst_pg_layout_patroni(l, cfg, family, err);
	return inst_pg_layout_init(l, family, cfg->pg_major, cfg->pg_port, err);
}

int inst_ops_pg_is_leader(const struct inst_pg_layout *l)
{
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int yes = inst_psql(l, "postgres", NULL, "SELECT pg_is_in_recovery();\n", &out,
			    &ignored) == 0 && out.buf && strncmp(out.buf, "f", 1) == 0;

	sbuf_free(&out);
	return yes;
}

int inst_ops_remove(struct inst_ctx *ctx, const char *path, struct pgb_err *err)
{
	if (!util_exists(path))
		return 0;
	inst_pg_change(ctx, "remove %s", path);
	return ctx->dry_run ? 0 : util_rm_rf(path, err);
}

int inst_ops_remove_dropin(struct inst_ctx *ctx, const char *unit, const char *name,
			   struct pgb_err *err)
{
	char *path = inst_dropin_path(unit, name), *dir = xstrdup(path);
	int had = util_exists(path), rc = inst_ops_remove(ctx, path, err);

	*strrchr(dir, '/') = '\0';
	if (rc == 0 && had && !ctx->dry_run) {
		rmdir(dir);	/* fails, as it should, when another drop-in is there */
		rc = inst_daemon_reload(err);
	}
	free(dir);
	free(path);
	return rc;
}

int inst_ops_unit_stop(struct inst_ctx *ctx, const char *unit, struct pgb_err *err)
{
	const char *argv[] = { "systemctl", "disable", "--now", unit, NULL };
	const char *en[] = { "systemctl", "is-enabled", "--quiet", unit, NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int st;

	if (!inst_pg_unit_active(unit) && inst_run(en, NULL, &ignored) != 0)
		return 0;
	inst_pg_change(ctx, "stop and disable %s", unit);
	if (ctx->dry_run)
		return 0;
	st = inst_run(argv, &out, err);
	if (st > 0)
		pgb_fail(err, "systemctl disable --now %s failed (status %d): %.800s", unit, st,
			 out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

int inst_ops_unit_file(struct inst_ctx *ctx, const char *name, const char *text, int *changed,
		       struct pgb_err *err)
{
	char *path = xasprintf("/etc/systemd/system/%s", name);
	int rc = inst_pg_write_file(ctx, path, text, 0644, NULL, "systemd unit", changed, NULL,
				    err);

	if (rc == 0 && *changed && !ctx->dry_run)
		rc = inst_daemon_reload(err);
	free(path);
	return rc;
}

int inst_ops_own_dir(struct inst_ctx *ctx, const char *path, const char *user, mode_t mode,
		     struct pgb_err *err)
{
	char *parent;
	uid_t uid;
	gid_t gid;
	int rc;

	if (util_exists(path))
		return 0;
	inst_pg_change(ctx, "create %s (%s, %o)", path, user, (unsigned)mode);
	if (ctx->dry_run)
		return 0;
	/* Parents it makes (/pg, /data) must let the user through. */
	parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	rc = *parent ? util_mkdir_p(parent, 0755, err) : 0;
	free(parent);
	if (rc < 0 || util_mkdir_p(path, mode, err) < 0 ||
	    inst_local_user(user, &uid, &gid, NULL, err) < 0)
		return -1;
	if (chown(path, uid, gid) < 0)
		return pgb_failsys(err, "cannot give %s to %s", path, user);
	return 0;
}
