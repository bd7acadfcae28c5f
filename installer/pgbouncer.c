/*
 * pgbouncer.c - PgBouncer in front of the cluster.
 *
 * pgbouncer.ini (pgconf.c renders it), pgb_hba.conf (hba.c: auth_type hba)
 * and userlist.txt, all 0640 and owned by the user the distribution's unit
 * runs as (the layout's pgb_user: postgres on Debian, pgbouncer with PGDG's
 * package on EL).
 * The userlist holds the SCRAM secrets of the pgbouncer: true users as
 * pg_authid has them: with the same secret on both sides PgBouncer checks
 * the client's proof and then logs in to PostgreSQL with the keys from that
 * proof, so no password is stored for it.  A reload applies changed files, except where PgBouncer listens
 * (listen_addr, listen_port, unix_socket_dir), which takes a restart.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inst.h"
#include "module.h"
#include "ops.h"

static const char q_secrets[] =
	"SELECT coalesce(json_object_agg(rolname, rolpassword), '{}') FROM pg_authid "
	"WHERE rolname = ANY (string_to_array(:'v_users', ','))";

struct pgb {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	struct inst_pg_layout l;
	int ini_changed, userlist_changed, hba_changed;
	int restart;		/* where it listens changed */
};

static const char *const listen_keys[] = { "listen_addr", "listen_port", "unix_socket_dir" };

/* The "key = value" line of key in ini text, or NULL; malloc'd. */
static char *ini_line(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '='))
			return xstrndup(p, strcspn(p, "\n"));
	return NULL;
}

static int listen_differs(const char *old, const char *next)
{
	int differs = 0;

	for (size_t i = 0; i < sizeof(listen_keys) / sizeof(listen_keys[0]); i++) {
		char *a = old ? ini_line(old, listen_keys[i]) : NULL;
		char *b = ini_line(next, listen_keys[i]);

		differs |= !a || !b || strcmp(a, b) != 0;
		free(a);
		free(b);
	}
	return differs;
}

static void user_names(const struct inst_config *c, struct sbuf *out)
{
	for (size_t i = 0; i < c->n_pg_users; i++)
		if (c->pg_users[i].pgbouncer)
			sbuf_addf(out, "%s%s", out->len ? "," : "", c->pg_users[i].name);
}

/* Fill out with one line per pgbouncer user, from pg_authid. */
static int userlist(struct pgb *p, struct sbuf *out, struct pgb_err *err)
{
	struct sbuf names = SBUF_INIT;
	char *v[2] = { NULL, NULL };
	json_t *secrets = NULL;
	int rc = 0;

	user_names(p->cfg, &names);
	v[0] = xasprintf("v_users=%s", names.buf ? names.buf : "");
	if (inst_pg_answers(&p->l))
		secrets = inst_pg_query(&p->l, "postgres", (const char *const *)v, q_secrets, err);
	else if (!p->ctx->dry_run)
		rc = pgb_fail(err, "PostgreSQL (%s) is not running, so the SCRAM secrets of "
			      "PgBouncer's users cannot be read: start it, or run again without "
			      "--no-start", p->l.unit);
	if (rc == 0 && !secrets && !p->ctx->dry_run)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < p->cfg->n_pg_users; i++) {
		const struct inst_pg_user *u = &p->cfg->pg_users[i];
		const char *s = json_string_value(json_object_get(secrets, u->name));

		if (!u->pgbouncer)
			continue;
		if (s && strncmp(s, "SCRAM-SHA-256$", 14) == 0)
			inst_pgbouncer_userlist_add(out, u->name, s);
		else if (p->ctx->dry_run)
			inst_pgbouncer_userlist_add(out, u->name, "(its SCRAM secret)");
		else
			rc = pgb_fail(err, "user %s (%s) has pgbouncer: true but no SCRAM secret "
				      "in pg_authid: was it created by this run's PostgreSQL "
				      "step?", u->name, u->where);
	}
	json_decref(secrets);
	free(v[0]);
	sbuf_free(&names);
	return rc;
}

static int write_files(struct pgb *p, struct pgb_err *err)
{
	struct sbuf ini = SBUF_INIT, users = SBUF_INIT;
	char *old = NULL;
	int rc;

	inst_pgbouncer_ini(p->cfg, &p->l, &ini);
	/* With --no-start the server may be down: the userlist waits for a run
	 * that can read pg_authid, the rest is written now. */
	if (p->ctx->no_start && !inst_pg_answers(&p->l)) {
		inst_log_info(p->ctx->log, "%s left as it is: PostgreSQL is not running "
			      "(--no-start)", p->l.pgb_userlist);
		rc = 0;
	} else {
		rc = userlist(p, &users, err);
		if (rc == 0)
			rc = inst_pg_write_file(p->ctx, p->l.pgb_userlist,
						users.buf ? users.buf : "", 0640, p->l.pgb_user,
						"PgBouncer's users", &p->userlist_changed, NULL,
						err);
	}
	if (rc == 0)
		rc = inst_pgb_hba_write(p->ctx, p->cfg, &p->l, &p->hba_changed, err);
	if (rc == 0)
		rc = inst_pg_write_file(p->ctx, p->l.pgb_ini, ini.buf, 0640, p->l.pgb_user,
					"PgBouncer's settings", &p->ini_changed, &old, err);
	p->restart = p->ini_changed && listen_differs(old, ini.buf);
	free(old);
	sbuf_free(&ini);
	sbuf_free(&users);
	return rc;
}

/* SIGHUP makes PgBouncer re-read both files (sent by systemd: svc.c). */
static int service(struct pgb *p, struct pgb_err *err)
{
	const char *unit = "pgbouncer";

	if (inst_pg_unit_enable(p->ctx, unit, err) < 0)
		return -1;
	if (!inst_pg_unit_active(unit)) {
		if (p->ctx->no_start) {
			inst_log_info(p->ctx->log, "%s not started (--no-start)", unit);
			return 0;
		}
		inst_pg_change(p->ctx, "start %s", unit);
		return p->ctx->dry_run ? 0 : inst_pg_systemctl("start", unit, err);
	}
	if (p->restart && !p->ctx->no_start) {
		inst_pg_change(p->ctx, "restart %s (where it listens changed)", unit);
		return p->ctx->dry_run ? 0 : inst_pg_systemctl("restart", unit, err);
	}
	if ((p->ini_changed || p->userlist_changed || p->hba_changed) && !p->ctx->dry_run) {
		inst_log_info(p->ctx->log, "reload %s", unit);
		return inst_unit_signal(unit, "HUP", err);
	}
	return 0;
}

int pgbouncer_setup(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct pgb p = { ctx, cfg, { 0 }, 0, 0, 0, 0 };
	const char *family = ctx->bundle ? ctx->bundle->family : "deb";
	int rc;

	if (!cfg->pgbouncer_enabled) {
		inst_log_info(ctx->log, "PgBouncer is not enabled in %s", cfg->path);
		return 0;
	}
	if (inst_pg_layout_init(&p.l, family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	inst_log_step(ctx->log, "PgBouncer on %s port %d, pool mode %s", cfg->pgbouncer_listen,
		      cfg->pgbouncer_port, cfg->pgbouncer_poolmode);
	if (!ctx->dry_run && !util_exists(p.l.pgb_ini) && !util_exists("/usr/sbin/pgbouncer") &&
	    !util_exists("/usr/bin/pgbouncer"))
		rc = pgb_fail(err, "PgBouncer is not installed: add pgbouncer to 'modules' in %s "
			      "(and to the bundle), or set pgbouncer_enabled: false", cfg->path);
	else
		rc = write_files(&p, err);
	if (rc == 0)
		rc = service(&p, err);
	inst_pg_layout_free(&p.l);
	return rc;
}

static int pgbouncer_enabled(const struct inst_config *cfg)
{
	return cfg->pgbouncer_enabled && inst_config_has_module(cfg, "pgsql");
}

static int pgbouncer_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			    struct pgb_err *err)
{
	int active = inst_pg_unit_active("pgbouncer");

	(void)ctx;
	(void)err;
	json_object_set_new(out, "active", json_boolean(active));
	json_object_set_new(out, "listen", json_string(cfg->pgbouncer_listen));
	json_object_set_new(out, "port", json_integer(cfg->pgbouncer_port));
	json_object_set_new(out, "ok", json_boolean(active));
	return 0;
}

/* `uninstall --purge`: pgb_hba.conf belongs to no package (purging
 * pgbouncer keeps it, and with it /etc/pgbouncer); the package's own files
 * go with the package.  On EL also userlist.txt, the SCRAM secrets, which
 * PGDG's package does not ship, and pgbouncer.ini, which rpm would keep as
 * pgbouncer.ini.rpmsave since it was edited: PgBouncer is stopped first. */
static int pgbouncer_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			       struct pgb_err *err)
{
	const char *family = ctx->bundle ? ctx->bundle->family : "deb";
	struct inst_pg_layout l;
	int rc;

	if (inst_pg_layout_init(&l, family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	rc = inst_ops_remove(ctx, l.pgb_hba, err);
	if (rc == 0 && !l.debian)
		rc = inst_ops_unit_stop(ctx, "pgbouncer", err);
	if (rc == 0 && !l.debian)
		rc = inst_ops_remove(ctx, l.pgb_userlist, err);
	if (rc == 0 && !l.debian)
		rc = inst_ops_remove(ctx, l.pgb_ini, err);
	inst_pg_layout_free(&l);
	return rc;
}

const struct inst_module inst_module_pgbouncer = {
	.name = "pgbouncer",
	.summary = "PgBouncer in front of PostgreSQL, SCRAM pass-through",
	.packages = "pgbouncer",
	.enabled = pgbouncer_enabled,
	.apply = pgbouncer_setup,
	.status = pgbouncer_status,
	.uninstall = pgbouncer_uninstall,
};
