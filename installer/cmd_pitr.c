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
 *   5. pgbackrest restore --delta --type=time --target=T
 *      --target-action=promote, then starts PostgreSQL by itself until the
 *      recovery reaches T and promotes (a new timeline), and removes the
 *      recovery settings pgBackRest wrote (a replica cloned from here must
 *      not stop at T too);
 *   6. under Patroni: stops that PostgreSQL, removes the cluster's state
 *      from the DCS (`patronictl remove`) and starts Patroni, which takes
 *      the restored data as the new cluster and leads it.
 * Every other member stops its Patroni, waits until that leader leads again
 * on a new timeline, empties its data directory and starts Patroni: it
 * clones the restored leader and streams from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A backup that ended before the target must be in the repository. */
static int check_backup(struct pitr *p, struct pgb_err *err)
{
	json_t *info = inst_pgbr_info(&p->cfg, err), *list, *bk;
	json_int_t first = 0;
	size_t i;
	int found = 0;

	if (!info)
		return -1;
	list = json_object_get(info, "backup");
	json_array_foreach(list, i, bk) {
		json_int_t stop = json_integer_value(json_object_get(json_object_get(bk,
								"timestamp"), "stop"));

		if (!first || stop < first)
			first = stop;
		if ((double)stop <= p->target_epoch && !json_is_true(json_object_get(bk, "error")))
			found = 1;
	}
	json_decref(info);
	if (found)
		return 0;
	if (!first)
		return pgb_fail(err, "the repository holds no backup of %s: nothing to restore "
				"from", p->cfg.pg_cluster);
	return pgb_fail(err, "no backup of %s ended before %s (the first one ended at epoch "
			"%lld): a point in time can only be restored after a backup",
			p->cfg.pg_cluster, p->target_utc, (long long)first);
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

static int promoted(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct pitr *p = arg;

	(void)err;
	if (inst_ops_pg_is_leader(&p->l))
		return 1;
	sbuf_addf(why, "waiting for the recovery to reach %s and promote", p->target_utc);
	return 0;
}

/* The leader of the start leads again, on a later timeline. */
static int restored_leader(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct pitr *p = arg;
	struct pgb_err ignored;
	json_t *list = patroni_list(p, &ignored);
	const char *l;
	long tl = 0;
	int done;

	(void)err;
	l = list ? list_leader(list, &tl) : NULL;
	done = l && strcmp(l, p->leader) == 0 && tl > p->timeline;
	if (!done)
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

static int restore(struct pitr *p, struct pgb_err *err)
{
	char *target = xasprintf("--target=%s", p->target_utc);
	const char *const args[] = { "--delta", "--type=time", target, "--target-action=promote",
				     "restore", NULL };
	struct sbuf out = SBUF_INIT;
	double t0 = inst_now();
	int st;

	inst_pg_change(&p->ctx, "restore %s to %s with pgBackRest", p->l.data_dir, p->target_utc);
	st = inst_pgbr_run(&p->cfg, args, &out, err);
	if (st > 0)
		pgb_fail(err, "pgbackrest restore failed (status %d): %.1200s", st,
			 out.buf ? out.buf : "");
	else if (st == 0)
		inst_log_info(p->ctx.log, "restored in %.1f s", inst_now() - t0);
	free(target);
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
	inst_config_free(&p.cfg);
	inst_bundle_free(&p.b);
	return rc < 0 ? inst_print_error(&err) : 0;
}
