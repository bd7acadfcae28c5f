/*
 * cmd_pitr.c - `pitr --time TIMESTAMP`: restore the cluster to a point in
 * time from pgBackRest's repository.
 *
 * Run it on every member of the cluster (in any order, or all at once),
 * as install is.  No coordination of our own: Patroni's DCS says who leads.
 *
 * The member that leads when its `pitr` starts restores (the backups and
 * the WAL of a local repository are the leader's):
 *   1. checks the target: a timestamp PostgreSQL understands, after the end
 *      of a backup the repository holds;
 *   2. archives the WAL written so far (`pgbackrest check` switches the
 *      segment and waits for it), while it still serves;
 *   3. waits until every other member's Patroni and PostgreSQL are down
 *      (their own `pitr` stops them), so no replica takes over meanwhile;
 *   4. stops Patroni (the singleton without Patroni: its PostgreSQL);
 *   5. moves the data directory aside (DATA.pitr-aside, same filesystem)
 *      and restores into an empty one: pgbackrest restore --set=B
 *      --type=time --target=T --target-action=promote, B the newest backup
 *      that ended before T; then starts PostgreSQL by itself until the
 *      recovery reaches T and promotes (a new timeline), and removes the
 *      recovery settings pgBackRest wrote (a replica cloned from here must
 *      not stop at T too).  Should the recovery stop short of T (the WAL is
 *      not all in this repository: with a repository of each node's own,
 *      the WAL of the time another member led is in that member's, see
 *      pgbrlead.c) or anything else fail, the data goes back in place and
 *      Patroni starts again: the cluster is as it was, and the error says
 *      why.  Without room for both copies, or with tablespaces, it
 *      restores in place (--delta), as said in its log, and a failure
 *      cannot be undone;
 *   6. under Patroni: stops that PostgreSQL, removes the cluster's state
 *      from the DCS (`patronictl remove`) and starts Patroni, which takes
 *      the restored data as the new cluster and leads it.
 * Every other member stops its Patroni, waits until that leader leads again
 * on a new timeline, empties its data directory and starts Patroni: it
 * clones the restored leader and streams from it.  When the leader leads
 * again on its old timeline after it was seen down, its restore failed and
 * it put its data back: the member starts Patroni on its own data, which
 * it has not touched, and says so.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "ops.h"

#define RECOVERY_TIMEOUT_S 1800

struct pitr {
	struct inst_ctx ctx;
	struct inst_config cfg;
	struct inst_bundle b;
	struct inst_pg_layout l;
	const char *target;	/* as given */
	char *target_utc;	/* as PostgreSQL reads it, in UTC */
	double target_epoch;
	int patroni;
	char *leader;		/* Patroni's leader at the start */
	long timeline;		/* its timeline then */
	char *set;		/* the backup restored from (the leader) */
	long long set_size;	/* its database's size, bytes */
	char *aside;		/* where the data waits while it is restored, or NULL */
	int leader_gone;	/* a member saw no leader since it stopped */
	int abandoned;		/* ... and then the leader back on its old timeline */
};

/* --- Patroni --- */

static json_t *patroni_list(const struct pitr *p, struct pgb_err *err)
{
	return inst_patroni_members(&p->cfg, err);
}

/* The leader's member name and timeline in list; NULL when none leads. */
static const char *list_leader(const json_t *list, long *tl)
{
	size_t i;
	json_t *m;

	json_array_foreach(list, i, m) {
		const char *role = json_string_value(json_object_get(m, "Role"));

		if (role && strcmp(role, "Leader") == 0) {
			*tl = (long)json_integer_value(json_object_get(m, "TL"));
			return json_string_value(json_object_get(m, "Member"));
		}
	}
	return NULL;
}

static const struct inst_member *self_member(const struct pitr *p)
{
	return inst_pg_self(&p->cfg);
}

/* --- the target --- */

static int check_target(struct pitr *p, struct pgb_err *err)
{
	static const char q[] =
		"SELECT to_char(:'t'::timestamptz AT TIME ZONE 'UTC', "
		"'YYYY-MM-DD HH24:MI:SS.US') || '+00' || ' ' || "
		"extract(epoch FROM :'t'::timestamptz)::text;\n";
	char *var = xasprintf("t=%s", p->target);
	const char *vars[] = { var, NULL };
	struct sbuf out = SBUF_INIT;
	char *sp;
	int rc = inst_psql(&p->l, "postgres", vars, q, &out, err);

	free(var);
	if (rc < 0) {
		sbuf_free(&out);
		return pgb_fail(err, "'%s' is not a time PostgreSQL understands (or PostgreSQL "
				"does not answer here): give it as '2026-01-31 12:34:56+00'",
				p->target);
	}
	/* "YYYY-MM-DD HH:MI:SS.US+00 EPOCH" */
	sp = out.buf ? strrchr(out.buf, ' ') : NULL;
	if (!sp)
		rc = pgb_fail(err, "cannot read the time '%s' back from PostgreSQL", p->target);
	else {
		p->target_epoch = atof(sp + 1);
		p->target_utc = xstrndup(out.buf, (size_t)(sp - out.buf));
	}
	sbuf_free(&out);
	return rc;
}

/* The backup to restore from: the newest that ended before the target. */
static int check_backup(struct pitr *p, struct pgb_err *err)
{
	json_t *info = inst_pgbr_info(&p->cfg, err);
	struct inst_pgbr_backup bk;
	int rc;

	if (!info)
		return -1;
	rc = inst_pgbr_pick_backup(info, p->target_epoch, &bk, err);
	if (rc < 0)
		pgb_err_prefix(err, "restoring %s to %s", p->cfg.pg_cluster, p->target_utc);
	else {
		p->set = xstrdup(bk.label);
		p->set_size = bk.size;
		inst_log_info(p->ctx.log, "from the backup %s (timeline %ld, %lld MB)", bk.label,
			      bk.timeline, bk.size / 1000000);
	}
	json_decref(info);
	return rc;
}

/* --- waiting --- */

/* Every other member down: neither its Patroni nor its PostgreSQL answer. */
static int others_down(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct pitr *p = arg;

	(void)err;
	for (size_t i = 0; i < p->cfg.n_pg_members; i++) {
		const struct inst_member *m = &p->cfg.pg_members[i];

		if (m->self)
			continue;
		if (inst_tcp_open(m->addr, m->patroni_port, 1000) ||
		    inst_tcp_open(m->addr, m->pg_port, 1000)) {
			sbuf_addf(why, "waiting for %s (%s) to stop: run `pitr --time '%s'` there",
				  m->name, m->addr, p->target);
			return 0;
		}
	}
	return 1;
}

/* The last FATAL or PANIC line of the server's log (PG_CTL_LOG), malloc'd,
 * or NULL. */
static char *log_fatal(const struct pitr *p);
static int server_runs(const struct pitr *p);

static int promoted(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct pitr *p = arg;
	char *fatal;

	if (inst_ops_pg_is_leader(&p->l))
		return 1;
	if (!server_runs(p)) {
		fatal = log_fatal(p);
		pgb_fail(err, "PostgreSQL stopped before its recovery reached %s: %s.  The "
			 "backup %s and the WAL after it in this repository do not reach that "
			 "time%s", p->target_utc, fatal ? fatal : "see its log", p->set,
			 inst_pgbr_local(&p->cfg) ? " (each node has a repository of its own: the "
			 "WAL of the time another member led is in that member's, so restore a "
			 "time after this member's first backup as leader, or use a shared "
			 "repository, pgbackrest_method)" : "");
		free(fatal);
		return -1;
	}
	sbuf_addf(why, "waiting for the recovery to reach %s and promote", p->target_utc);
	return 0;
}

/* The leader of the start leads again, on a later timeline. */
static int restored_leader(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct pitr *p = arg;
	struct pgb_err ignored;
	json_t *list = patroni_list(p, &ignored);
	const char *l;
	long tl = 0;
	int done;

	l = list ? list_leader(list, &tl) : NULL;
	if (list && !l)
		p->leader_gone = 1;
	done = l && strcmp(l, p->leader) == 0 && tl > p->timeline;
	p->abandoned = !done && l && p->leader_gone && strcmp(l, p->leader) == 0 &&
		       tl == p->timeline;
	if (p->abandoned)
		done = pgb_fail(err, "%s leads again on timeline %ld: its restore to %s did not "
				"complete and it put its data back (its `pitr` says why)", l, tl,
				p->target_utc);
	else if (!done)
		sbuf_addf(why, "waiting for %s to lead the restored cluster (timeline > %ld)",
			  p->leader, p->timeline);
	json_decref(list);
	return done;
}

static int self_streams(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct pitr *p = arg;
	struct pgb_err ignored;
	json_t *list = patroni_list(p, &ignored), *m;
	const char *me = self_member(p)->name;
	size_t i;
	int done = 0;

	(void)err;
	json_array_foreach(list, i, m) {
		const char *state = json_string_value(json_object_get(m, "State"));
		const char *name = json_string_value(json_object_get(m, "Member"));

		if (name && strcmp(name, me) == 0 && state &&
		    (!strcmp(state, "streaming") || !strcmp(state, "running")))
			done = 1;
	}
	if (!done)
		sbuf_addf(why, "waiting for %s to clone %s and stream from it", me, p->leader);
	json_decref(list);
	return done;
}

/* --- the steps --- */

static int systemctl(struct pitr *p, const char *verb, const char *unit, struct pgb_err *err)
{
	inst_pg_change(&p->ctx, "%s %s", verb, unit);
	return inst_pg_systemctl(verb, unit, err);
}

/* The server pg_ctl starts writes to PG_CTL_LOG in the layout's log_dir:
 * on pg_ctl's own output it would hold the pipe inst_run reads open for as
 * long as it runs. */
#define PG_CTL_LOG "pgbundle-pitr.log"

static int pg_ctl(struct pitr *p, const char *verb, struct pgb_err *err)
{
	char *prog = xasprintf("%s/pg_ctl", p->l.bin_dir);
	char *log = xasprintf("%s/" PG_CTL_LOG, p->l.log_dir);
	const char *argv[] = { prog, verb, "-D", p->l.data_dir, "-w", "-t", "600", "-m", "fast",
			       NULL };
	struct sbuf out = SBUF_INIT;
	int st;

	if (strcmp(verb, "start") == 0) {
		argv[7] = "-l";		/* no -m */
		argv[8] = log;
	}
	inst_pg_change(&p->ctx, "pg_ctl %s (%s)", verb, p->l.data_dir);
	st = inst_run_as("postgres", argv, NULL, &out, err);
	if (st > 0)
		pgb_fail(err, "pg_ctl %s -D %s failed (status %d): %.800s (the server's log: %s)",
			 verb, p->l.data_dir, st, out.buf ? out.buf : "", log);
	free(prog);
	free(log);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* Whether the server pg_ctl started is running (pg_ctl status: 0). */
static int server_runs(const struct pitr *p)
{
	char *prog = xasprintf("%s/pg_ctl", p->l.bin_dir);
	const char *argv[] = { prog, "status", "-D", p->l.data_dir, NULL };
	struct pgb_err ignored;
	int st = inst_run_as("postgres", argv, NULL, NULL, &ignored);

	free(prog);
	return st == 0;
}

static char *log_fatal(const struct pitr *p)
{
	char *path = xasprintf("%s/" PG_CTL_LOG, p->l.log_dir), *text = NULL, *line, *found = NULL;
	char *save = NULL;
	struct pgb_err ignored;
	size_t len;

	/* pg_ctl appends to the log: the last such line is this start's. */
	if (util_read_file(path, &text, &len, &ignored) == 0) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strstr(line, "FATAL:") || strstr(line, "PANIC:")) {
				free(found);
				found = xstrdup(strstr(line, "FATAL:") ? strstr(line, "FATAL:") :
						strstr(line, "PANIC:"));
			}
	}
	free(text);
	free(path);
	return found;
}

/*
 * Room to keep the data aside while the backup is restored beside it: no
 * tablespaces (pgBackRest restores them in their own places, which must be
 * empty), and free space for the backup's database plus a tenth.  Else the
 * restore goes in place (--delta), and why is logged.
 */
static int can_keep_aside(struct pitr *p)
{
	char *tblspc = xasprintf("%s/pg_tblspc", p->l.data_dir), *parent;
	struct statvfs vfs;
	DIR *d = opendir(tblspc);
	struct dirent *e;
	int links = 0, ok;

	for (; d && (e = readdir(d));)
		links += e->d_name[0] != '.';
	if (d)
		closedir(d);
	free(tblspc);
	if (links) {
		inst_log_info(p->ctx.log, "%s has tablespaces: restoring in place (--delta); a "
			      "failed recovery cannot put the data back", p->l.data_dir);
		return 0;
	}
	parent = xstrdup(p->l.data_dir);
	if (strrchr(parent, '/') && strrchr(parent, '/') != parent)
		*strrchr(parent, '/') = '\0';
	ok = statvfs(parent, &vfs) == 0 &&
	     (double)vfs.f_bavail * (double)vfs.f_frsize >= 1.1 * (double)p->set_size + 64e6;
	if (!ok)
		inst_log_info(p->ctx.log, "%s has no room for a second copy of the database "
			      "(%lld MB): restoring in place (--delta); a failed recovery cannot "
			      "put the data back", parent, p->set_size / 1000000);
	free(parent);
	return ok;
}

/* The data directory moved to DATA.pitr-aside and made again empty, with
 * its mode and owner. */
static int move_aside(struct pitr *p, struct pgb_err *err)
{
	char *aside = xasprintf("%s.pitr-aside", p->l.data_dir);
	struct stat st;

	if (util_exists(aside)) {
		pgb_fail(err, "%s is there: an earlier pitr left the data it held there.  Put it "
			 "back (remove %s, then mv %s %s) or remove it, then run pitr again",
			 aside, p->l.data_dir, aside, p->l.data_dir);
		free(aside);
		return -1;
	}
	if (stat(p->l.data_dir, &st) < 0) {
		free(aside);
		return pgb_failsys(err, "%s", p->l.data_dir);
	}
	inst_pg_change(&p->ctx, "move %s aside to %s until the restore is done", p->l.data_dir,
		       aside);
	if (rename(p->l.data_dir, aside) < 0) {
		pgb_failsys(err, "cannot move %s to %s", p->l.data_dir, aside);
		free(aside);
		return -1;
	}
	p->aside = aside;
	if (mkdir(p->l.data_dir, st.st_mode & 07777) < 0 ||
	    chown(p->l.data_dir, st.st_uid, st.st_gid) < 0 ||
	    chmod(p->l.data_dir, st.st_mode & 07777) < 0)
		return pgb_failsys(err, "cannot make %s again", p->l.data_dir);
	return 0;
}

/* After a failure with the data aside: the restored tree goes, the data
 * comes back, Patroni (or the server's unit) starts on it.  Said in the log;
 * err keeps the failure. */
static void put_back(struct pitr *p)
{
	struct pgb_err e;
	char *prog = xasprintf("%s/pg_ctl", p->l.bin_dir);
	const char *stop[] = { prog, "stop", "-D", p->l.data_dir, "-m", "immediate", "-w", NULL };

	inst_log_step(p->ctx.log, "Put the data of %s back", p->cfg.pg_cluster);
	if (server_runs(p))
		inst_run_as("postgres", stop, NULL, NULL, &e);
	free(prog);
	if (util_rm_rf(p->l.data_dir, &e) < 0 || rename(p->aside, p->l.data_dir) < 0) {
		inst_log_info(p->ctx.log, "cannot put %s back in place of %s: do it by hand "
			      "(mv), then start %s", p->aside, p->l.data_dir,
			      p->patroni ? "patroni" : p->l.unit);
		return;
	}
	inst_pg_change(&p->ctx, "put the data back in %s", p->l.data_dir);
	free(p->aside);
	p->aside = NULL;
	if (systemctl(p, "start", p->patroni ? "patroni" : p->l.unit, &e) < 0)
		inst_log_info(p->ctx.log, "%s", e.msg);
}

static int restore(struct pitr *p, struct pgb_err *err)
{
	char *target = xasprintf("--target=%s", p->target_utc);
	char *set = xasprintf("--set=%s", p->set);
	const char *args[] = { "--delta", set, "--type=time", target, "--target-action=promote",
			       "restore", NULL };
	const char *const *a = args;
	struct sbuf out = SBUF_INIT;
	double t0 = inst_now();
	int st;

	if (can_keep_aside(p)) {
		if (move_aside(p, err) < 0) {
			free(target);
			free(set);
			return -1;
		}
		a++;	/* an empty directory: no --delta */
	}
	inst_pg_change(&p->ctx, "restore %s to %s from the backup %s with pgBackRest",
		       p->l.data_dir, p->target_utc, p->set);
	st = inst_pgbr_run(&p->cfg, a, &out, err);
	if (st > 0)
		pgb_fail(err, "pgbackrest restore failed (status %d): %.1200s", st,
			 out.buf ? out.buf : "");
	else if (st == 0)
		inst_log_info(p->ctx.log, "restored in %.1f s", inst_now() - t0);
	free(target);
	free(set);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* pgBackRest's recovery settings out of postgresql.auto.conf: they would
 * send a replica cloned from here, or the next recovery, to the same point. */
static int forget_target(struct pitr *p, struct pgb_err *err)
{
	static const char sql[] =
		"ALTER SYSTEM RESET recovery_target_time;\n"
		"ALTER SYSTEM RESET recovery_target_action;\n"
		"ALTER SYSTEM RESET restore_command;\n"
		"SELECT pg_reload_conf();\n";

	inst_log_info(p->ctx.log, "recovery target settings removed from postgresql.auto.conf");
	return inst_psql(&p->l, "postgres", NULL, sql, NULL, err);
}

static int remove_dcs(struct pitr *p, struct pgb_err *err)
{
	const char *args[] = { "remove", p->cfg.pg_cluster, NULL };
	char *answers = xasprintf("%s\nYes I am aware\n", p->cfg.pg_cluster);
	struct sbuf out = SBUF_INIT;
	int st;

	inst_pg_change(&p->ctx, "remove %s's state from the DCS (patronictl remove)",
		       p->cfg.pg_cluster);
	st = inst_patronictl(&p->cfg, args, answers, &out, err);
	if (st > 0)
		pgb_fail(err, "patronictl remove %s failed (status %d): %.800s", p->cfg.pg_cluster,
			 st, out.buf ? out.buf : "");
	free(answers);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int leader_restores(struct pitr *p, struct pgb_err *err)
{
	/* pgBackRest waits 60 s for the segment by default: a loaded small
	 * host (1 CPU shared) archives its first one later than that. */
	static const char *const check[] = { "--archive-timeout=300", "check", NULL };
	struct sbuf out = SBUF_INIT;
	int rc;

	inst_log_step(p->ctx.log, "Restore %s to %s (this member leads)", p->cfg.pg_cluster,
		      p->target_utc);
	rc = check_backup(p, err);
	if (rc == 0) {
		inst_log_info(p->ctx.log, "archiving the WAL written so far");
		if (inst_pgbr_run(&p->cfg, check, &out, err) != 0)
			rc = pgb_fail(err, "pgbackrest check could not archive the current WAL: "
				      "%.800s", out.buf ? out.buf : err->msg);
	}
	sbuf_free(&out);
	if (rc == 0 && p->patroni)
		rc = inst_wait(&p->ctx, p->ctx.wait_s, 1000, others_down, p, err);
	if (rc == 0)
		rc = systemctl(p, "stop", p->patroni ? "patroni" : p->l.unit, err);
	if (rc == 0)
		rc = restore(p, err);
	if (rc == 0)
		rc = p->patroni ? pg_ctl(p, "start", err) : systemctl(p, "start", p->l.unit, err);
	if (rc == 0)
		rc = inst_wait(&p->ctx, RECOVERY_TIMEOUT_S, 1000, promoted, p, err);
	if (rc < 0 && p->aside) {
		put_back(p);
		if (!p->aside)
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
				 ".  The data as it was is back in %s and %s started on it",
				 p->l.data_dir, p->patroni ? "Patroni" : p->l.unit);
		return -1;
	}
	if (rc == 0)
		rc = forget_target(p, err);
	/* The running server still holds the target: a restart (without
	 * Patroni; under it the server stops here) leaves no pending change. */
	if (rc == 0 && !p->patroni)
		rc = systemctl(p, "restart", p->l.unit, err);
	if (rc == 0 && p->patroni)
		rc = pg_ctl(p, "stop", err);
	if (rc == 0 && p->patroni)
		rc = remove_dcs(p, err);
	if (rc == 0 && p->patroni)
		rc = systemctl(p, "start", "patroni", err);
	if (rc == 0 && p->patroni)
		rc = inst_wait(&p->ctx, p->ctx.wait_s, 1000, restored_leader, p, err);
	if (rc == 0 && p->aside) {
		struct pgb_err e;

		inst_pg_change(&p->ctx, "remove %s (the data before the restore)", p->aside);
		if (util_rm_rf(p->aside, &e) < 0)
			inst_log_info(p->ctx.log, "%s", e.msg);
	}
	return rc;
}

/* Empty the data directory (not the directory itself: its mode and owner stay). */
static int empty_data(struct pitr *p, struct pgb_err *err)
{
	const char *argv[] = { "find", p->l.data_dir, "-mindepth", "1", "-delete", NULL };
	struct sbuf out = SBUF_INIT;
	int st;

	inst_pg_change(&p->ctx, "empty %s (it is cloned again from %s)", p->l.data_dir,
		       p->leader);
	st = inst_run(argv, &out, err);
	if (st > 0)
		pgb_fail(err, "cannot empty %s: %.500s", p->l.data_dir, out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int member_rejoins(struct pitr *p, struct pgb_err *err)
{
	int rc;

	inst_log_step(p->ctx.log, "Rejoin %s as a replica of %s once it is restored to %s",
		      self_member(p)->name, p->leader, p->target_utc);
	rc = systemctl(p, "stop", "patroni", err);
	if (rc == 0)
		rc = inst_wait(&p->ctx, p->ctx.wait_s, 2000, restored_leader, p, err);
	/* The data here is untouched.  Back to the old leader when it put its
	 * data back, or never went down (it failed before it stopped); not
	 * while it may still be restoring: this member's Patroni could take
	 * over the old cluster meanwhile. */
	if (rc < 0 && (p->abandoned || !p->leader_gone)) {
		struct pgb_err e;

		if (systemctl(p, "start", "patroni", &e) < 0)
			inst_log_info(p->ctx.log, "%s", e.msg);
		return -1;
	}
	if (rc < 0)
		return pgb_err_prefix(err, "%s went down and did not lead a restored cluster in "
				      "time; Patroni stays stopped here so that this member does "
				      "not take the old cluster over: run pitr here again once it "
				      "leads, or start patroni if it gave up", p->leader);
	if (rc == 0)
		rc = empty_data(p, err);
	if (rc == 0)
		rc = systemctl(p, "start", "patroni", err);
	if (rc == 0)
		rc = inst_wait(&p->ctx, p->ctx.wait_s, 2000, self_streams, p, err);
	return rc;
}

/* Under Patroni: who leads now decides who restores. */
static int find_leader(struct pitr *p, struct pgb_err *err)
{
	json_t *list = patroni_list(p, err);
	const char *l = list ? list_leader(list, &p->timeline) : NULL;

	if (list && !l)
		pgb_fail(err, "%s has no leader now: start the member that holds the backups "
			 "first (its `pitr` restores)", p->cfg.pg_cluster);
	if (l)
		p->leader = xstrdup(l);
	json_decref(list);
	return l ? 0 : -1;
}

static int pitr_run(struct pitr *p, struct pgb_err *err)
{
	const struct inst_member *me = self_member(p);
	int leads;

	if (!inst_config_has_module(&p->cfg, "pgbackrest") || !p->cfg.pgbackrest_enabled)
		return pgb_fail(err, "%s: pgBackRest is not enabled for this host: there is no "
				"repository to restore from", p->cfg.path);
	if (!me || inst_ops_pg_layout(&p->ctx, &p->cfg, &p->l, err) < 0)
		return me ? -1 : pgb_fail(err, "this host is no member of a PostgreSQL cluster "
					  "in %s", p->cfg.path);
	p->patroni = p->cfg.patroni_enabled && inst_config_has_module(&p->cfg, "patroni");
	if (p->patroni && find_leader(p, err) < 0)
		return -1;
	leads = !p->patroni || strcmp(p->leader, me->name) == 0;
	if (leads && check_target(p, err) < 0)
		return -1;
	if (!leads)
		p->target_utc = xstrdup(p->target);
	return leads ? leader_restores(p, err) : member_rejoins(p, err);
}

int cmd_pitr(const struct inst_opts *o)
{
	struct pitr p;
	struct pgb_err err;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!o->pitr_time || !*o->pitr_time) {
		fprintf(stderr, "usage: pgbundle-installer pitr --time 'TIMESTAMP'\n");
		return 2;
	}
	p.target = o->pitr_time;
	p.ctx.prefix = o->prefix;
	p.ctx.yes = o->yes;
	p.ctx.bundle = &p.b;
	p.ctx.wait_s = o->wait_s > 0 ? o->wait_s : INST_WAIT_DEFAULT;
	rc = inst_state_load(o, &p.b, &p.cfg, &err);
	if (rc == 0 && getuid() != 0)
		rc = pgb_fail(&err, "pitr changes the host: run it as root");
	if (rc == 0)
		rc = inst_log_open(&p.ctx.log, INST_LOG_DIR, 0, &err);
	if (rc == 0)
		rc = pitr_run(&p, &err);
	if (rc == 0)
		printf("Done: %s restored to %s (%d changes).\n", p.cfg.pg_cluster, p.target_utc,
		       p.ctx.changes);
	inst_log_close(p.ctx.log);
	inst_pg_layout_free(&p.l);
	free(p.target_utc);
	free(p.leader);
	free(p.set);
	free(p.aside);
	inst_config_free(&p.cfg);
	inst_bundle_free(&p.b);
	return rc < 0 ? inst_print_error(&err) : 0;
}
