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
 * With a repository of each node's own, the new leader then starts a full
 * backup (the backup service, in the background).  Its repository holds
 * only the WAL it archived itself: the WAL and the timeline history of the
 * time another member led are in that member's repository, so no backup it
 * held before, and no backup of another member, reaches a point in time
 * after this promotion.  From the end of that backup on, `pitr` on this
 * leader can restore any point (cmd_pitr.c).
 *
 * PGBRLEAD_CONF (root's, 0644, written by install) holds the stanza's name
 * and, for a local repository, the word "backup"; never taken from the
 * callback's arguments.  Best effort, like
 * etcdlead.c: what fails is said on stderr (Patroni's log); the next backup
 * creates the stanza anyway (pgbackrest-backup.service's ExecStartPre).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"

#define PGBRLEAD_CONF "/etc/pgbundle/pgbackrest-stanza"
#define PGBACKREST "/usr/bin/pgbackrest"
#define STANZA_TRIES 30	/* one second apart */

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

/*
 * pgbackrest --stanza=S --type=full backup, detached: the callback runs as
 * postgres (which may not start a systemd unit), and Patroni kills a
 * callback still running when the next one comes, with its children.  A
 * grandchild in a session of its own is neither; its output is
 * pgBackRest's log file.  0 once it is started.
 */
static int start_backup(const char *stanza_opt)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL };
	char *const argv[] = { PGBACKREST, (char *)stanza_opt, "--type=full", "backup", NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || setsid() < 0)
			_exit(127);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 127 : 0);
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		for (int i = 3; i < 1024; i++)
			close(i);
		execve(PGBACKREST, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void inst_pgbrlead_callback_run(const char *action, const char *role)
{
	char *text = NULL, stanza[128], what[16] = "", *opt;
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
	    sscanf(text, "%127s %15s", stanza, what) < 1 || !stanza_ok(stanza)) {
		fprintf(stderr, "pgbundle: %s: want the pgBackRest stanza's name\n", PGBRLEAD_CONF);
		free(text);
		return;
	}
	free(text);
	opt = xasprintf("--stanza=%s", stanza);
	argv[1] = opt;
	/* The archiver runs archive-push (async) over and over while the stanza
	 * is missing, and each run holds the stanza's archive lock that
	 * stanza-create needs too ("unable to acquire lock"): try again. */
	for (int tries = 0; (st = inst_run(argv, &out, &err)) > 0 && tries < STANZA_TRIES; tries++) {
		sbuf_free(&out);
		sleep(1);
	}
	if (st == 0)
		fprintf(stderr, "pgbundle: pgBackRest stanza %s ready in this host's repository "
			"(WAL archiving resumes)\n", stanza);
	if (st == 0 && strcmp(what, "backup") == 0) {
		if (start_backup(opt) == 0)
			fprintf(stderr, "pgbundle: a full backup of the new leader started "
				"(pgBackRest's log): points in time from its end on can be "
				"restored here\n");
		else
			fprintf(stderr, "pgbundle: cannot start a full backup of the new leader; "
				"the next one is the timer's (%s.timer)\n", INST_PGBR_UNIT);
	} else if (st != 0)
		fprintf(stderr, "pgbundle: pgbackrest stanza-create on the new leader failed "
			"(%s): %.300s\n", st < 0 ? err.msg : "see its output",
			out.buf ? out.buf : "");
	sbuf_free(&out);
	free(opt);
}

static int pgbrlead_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	char *conf = xasprintf("%s%s\n", cfg->pg_cluster, inst_pgbr_local(cfg) ? " backup" : "");
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
