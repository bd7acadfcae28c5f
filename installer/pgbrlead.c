/*
 * pgbrlead.c - a new leader's pgBackRest stanza, made by Patroni's callback.
 *
 * pgbackrest.c creates the stanza on the leader of the install.  With a
 * repository of each node's own (the default: a local path), the member
 * Patroni promotes later has none, so every archive-push fails there and
 * its WAL waits in pg_wal until the backup timer next runs (daily by
 * default).  On a host with a Patroni member of a cluster of two or more,
 * Patroni's role-change callback (the installer's own program, vip.c) runs
 * inst_pgbrlead_callback_run(), which on a new primary runs `pgbackrest
 * stanza-create`: idempotent where the stanza is there already (a shared
 * repository, or a member that led before), and archiving resumes at once.
 *
 * The stanza's name comes from PGBRLEAD_CONF (root's, 0644, written by
 * install), never from the callback's arguments.  Best effort, like
 * etcdlead.c: what fails is said on stderr (Patroni's log); the next backup
 * creates the stanza anyway (pgbackrest-backup.service's ExecStartPre).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define PGBRLEAD_CONF "/etc/pgbundle/pgbackrest-stanza"
#define PGBACKREST "/usr/bin/pgbackrest"

int inst_pgbrlead_enabled(const struct inst_config *cfg)
{
	return cfg->pgbackrest_enabled && inst_config_has_module(cfg, "pgbackrest") &&
	       inst_config_has_module(cfg, "pgsql") && cfg->patroni_enabled &&
	       inst_pg_self(cfg) && cfg->n_pg_members >= 2;
}

/* A stanza name as pg_cluster allows it: letters, digits, '-', '_'. */
static int stanza_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789-_") == strlen(s);
}

void inst_pgbrlead_callback_run(const char *action, const char *role)
{
	char *text = NULL, stanza[128], *opt;
	const char *argv[] = { PGBACKREST, NULL, "stanza-create", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err;
	size_t len;
	int st;

	/* on_start and on_restart of a primary are install's and the timer's
	 * business; a promotion is a role change. */
	if (strcmp(action, "on_role_change") || !inst_callback_role_primary(role) || !util_exists(PGBRLEAD_CONF))
		return;
	if (util_read_file(PGBRLEAD_CONF, &text, &len, &err) < 0 ||
	    sscanf(text, "%127s", stanza) != 1 || !stanza_ok(stanza)) {
		fprintf(stderr, "pgbundle: %s: want the pgBackRest stanza's name\n", PGBRLEAD_CONF);
		free(text);
		return;
	}
	free(text);
	opt = xasprintf("--stanza=%s", stanza);
	argv[1] = opt;
	st = inst_run(argv, &out, &err);
	if (st == 0)
		fprintf(stderr, "pgbundle: pgBackRest stanza %s ready in this host's repository "
			"(WAL archiving resumes)\n", stanza);
	else
		fprintf(stderr, "pgbundle: pgbackrest stanza-create on the new leader failed "
			"(%s): %.300s\n", st < 0 ? err.msg : "see its output",
			out.buf ? out.buf : "");
	sbuf_free(&out);
	free(opt);
}

static int pgbrlead_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	char *conf = xasprintf("%s\n", cfg->pg_cluster);
	int changed, rc;

	inst_log_step(ctx->log, "pgBackRest's stanza on a new leader (Patroni's callback)");
	rc = inst_pg_write_file(ctx, PGBRLEAD_CONF, conf, 0644, NULL,
				"the pgBackRest stanza a new leader creates", &changed, NULL, err);
	free(conf);
	return rc == 0 ? inst_callback_prog_install(ctx, err) : rc;
}

static int pgbrlead_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			      struct pgb_err *err)
{
	(void)cfg;
	if (inst_ops_remove(ctx, PGBRLEAD_CONF, err) < 0)
		return -1;
	return inst_callback_prog_remove(ctx, err);
}

const struct inst_module inst_module_pgbrlead = {
	.name = "pgbackrest-leader",
	.summary = "a new leader's pgBackRest stanza, by Patroni's callback",
	.enabled = inst_pgbrlead_enabled,
	.apply = pgbrlead_apply,
	.uninstall = pgbrlead_uninstall,
};
