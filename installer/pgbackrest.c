/*
 * pgbackrest.c - pgBackRest: the repository, WAL archiving, the first full
 * backup, and a systemd timer for the next ones.
 *
 * Files (all ours, written whole by line writers):
 *   /etc/pgbackrest/pgbackrest.conf   [global] repo1-* from the chosen
 *       repository of pgbackrest_repo (Pigsty's keys, _ for -), encryption
 *       (aes-256-cbc unless the repository says cipher_type: none; the
 *       passphrase is the repository's cipher_pass or the cluster secret
 *       pgbackrest_cipher_pass, the same on every node), async archiving,
 *       zstd; [CLUSTER] pg1-path/port/socket.  0640 postgres: it holds the
 *       passphrase.
 *   /etc/systemd/system/pgbackrest-backup.service   a full backup; it runs
 *       only where PostgreSQL is the leader (ExecCondition), so every node
 *       carries the same timer and the replicas skip it.
 *   /etc/systemd/system/pgbackrest-backup.timer     pgbackrest_schedule.
 * WAL archiving: archive_mode and archive_command are cluster-wide
 * settings (the pg_settings hook): Patroni puts them in its DCS
 * configuration, the distribution's cluster in its conf.d file.
 *
 * On the leader, once PostgreSQL serves: the stanza is created when the
 * repository has none, `pgbackrest check` proves archiving works, and
 * (pgbackrest_init_backup) a full backup is taken when the repository holds
 * none.  The replicas leave the repository alone.  A failed scheduled
 * backup leaves the service failed, which the node exporter's systemd
 * collector reports (prometheus.c alerts on it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ops.h"

#define SPOOL "/var/spool/pgbackrest"

int inst_pgbr_encrypted(const struct inst_config *cfg)
{
	const char *t = inst_pgbr_repo_get(cfg, "cipher_type");

	return !t || strcmp(t, "none") != 0;
}

const char *inst_pgbr_repo_get(const struct inst_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_pgbackrest_repo; i++)
		if (strcmp(cfg->pgbackrest_repo[i].key, key) == 0)
			return cfg->pgbackrest_repo[i].value;
	return NULL;
}

/* A local (posix) repository: its path, which this host creates and owns. */
static const char *local_path(const struct inst_config *cfg)
{
	const char *type = inst_pgbr_repo_get(cfg, "type");

	return !type || strcmp(type, "posix") == 0 ? inst_pgbr_repo_get(cfg, "path") : NULL;
}

int inst_pgbr_local(const struct inst_config *cfg)
{
	return local_path(cfg) != NULL;
}

/* value with ${pg_cluster} replaced, as Pigsty's template does. */
static char *expand_cluster(const char *value, const char *cluster)
{
	const char *p = strstr(value, "${pg_cluster}");
	struct sbuf b = SBUF_INIT;

	if (!p)
		return xstrdup(value);
	sbuf_add(&b, value, (size_t)(p - value));
	sbuf_adds(&b, cluster);
	sbuf_adds(&b, p + strlen("${pg_cluster}"));
	return sbuf_detach(&b, NULL);
}

void inst_pgbr_conf(const struct inst_config *cfg, const struct inst_pg_layout *l,
		    const char *cipher_pass, struct inst_pgconf *out)
{
	char port[16], *stanza = xasprintf("[%s]", cfg->pg_cluster);

	inst_pgconf_set(out, "[global]", "");
	for (size_t i = 0; i < cfg->n_pgbackrest_repo; i++) {
		const struct inst_kv *o = &cfg->pgbackrest_repo[i];
		char *key, *value;

		if (!strcmp(o->key, "cipher_type") || !strcmp(o->key, "cipher_pass"))
			continue;	/* below, from the passphrase given */
		key = xasprintf("repo1-%s", o->key);
		for (char *c = key; *c; c++)
			*c = *c == '_' ? '-' : *c;
		value = expand_cluster(o->value, cfg->pg_cluster);
		inst_pgconf_set(out, key, value);
		free(key);
		free(value);
	}
	if (cipher_pass) {
		inst_pgconf_set(out, "repo1-cipher-type", "aes-256-cbc");
		inst_pgconf_set(out, "repo1-cipher-pass", cipher_pass);
	}
	inst_pgconf_set(out, "archive-async", "y");
	inst_pgconf_set(out, "archive-push-queue-max", "4GiB");
	inst_pgconf_set(out, "spool-path", SPOOL);
	inst_pgconf_set(out, "compress-type", "zst");
	inst_pgconf_set(out, "start-fast", "y");
	inst_pgconf_set(out, "expire-auto", "y");
	inst_pgconf_set(out, "delta", "y");
	inst_pgconf_set(out, "log-path", cfg->pgbackrest_log_dir);
	inst_pgconf_set(out, "log-level-file", "info");
	inst_pgconf_set(out, "log-level-console", "warn");
	inst_pgconf_set(out, stanza, "");
	inst_pgconf_set(out, "pg1-path", l->data_dir);
	snprintf(port, sizeof(port), "%d", l->port);
	inst_pgconf_set(out, "pg1-port", port);
	inst_pgconf_set(out, "pg1-socket-path", l->socket_dir);
	free(stanza);
}

void inst_pgbr_service(const struct inst_config *cfg, const struct inst_pg_layout *l,
		       struct sbuf *out)
{
	sbuf_adds(out, "# Written by pgbundle-installer; edits are overwritten.\n[Unit]\n");
	sbuf_addf(out, "Description=pgBackRest full backup of %s (on the leader only)\n",
		  cfg->pg_cluster);
	sbuf_adds(out, "\n[Service]\nType=oneshot\nUser=postgres\nGroup=postgres\n");
	/* A replica, or a server that does not answer: skipped, not failed. */
	sbuf_addf(out, "ExecCondition=%s/psql -XAtq -h %s -p %d -d postgres -c \"SELECT 1 / "
		  "(NOT pg_is_in_recovery())::int\"\n", l->bin_dir, l->socket_dir, l->port);
	/* A new leader after a failover has no stanza in its local repository
	 * yet: made here (a no-op when it exists), so the timer heals that. */
	sbuf_addf(out, "ExecStartPre=/usr/bin/pgbackrest --stanza=%s stanza-create\n",
		  cfg->pg_cluster);
	sbuf_addf(out, "ExecStart=/usr/bin/pgbackrest --stanza=%s --type=full backup\n",
		  cfg->pg_cluster);
}

void inst_pgbr_timer(const struct inst_config *cfg, struct sbuf *out)
{
	sbuf_adds(out, "# Written by pgbundle-installer; edits are overwritten.\n[Unit]\n");
	sbuf_addf(out, "Description=pgBackRest full backups of %s\n", cfg->pg_cluster);
	sbuf_addf(out, "\n[Timer]\nOnCalendar=%s\nPersistent=true\n", cfg->pgbackrest_schedule);
	sbuf_adds(out, "\n[Install]\nWantedBy=timers.target\n");
}

int inst_pgbr_run(const struct inst_config *cfg, const char *const *args, struct sbuf *out,
		  struct pgb_err *err)
{
	struct strlist a = STRLIST_INIT;
	int st;

	strlist_add(&a, "pgbackrest");
	strlist_add_owned(&a, xasprintf("--stanza=%s", cfg->pg_cluster));
	for (size_t i = 0; args[i]; i++)
		strlist_add(&a, args[i]);
	strlist_add_owned(&a, NULL);
	a.n--;
	st = inst_run_as("postgres", (const char *const *)a.v, NULL, out, err);
	strlist_free(&a);
	return st;
}

json_t *inst_pgbr_info(const struct inst_config *cfg, struct pgb_err *err)
{
	static const char *const args[] = { "--output=json", "info", NULL };
	struct sbuf out = SBUF_INIT;
	json_error_t je;
	json_t *all = NULL, *one = NULL;
	int st = inst_pgbr_run(cfg, args, &out, err);
	const char *js = out.buf ? strchr(out.buf, '[') : NULL;

	if (st > 0)
		pgb_fail(err, "pgbackrest info failed (status %d): %.800s", st,
			 out.buf ? out.buf : "");
	else if (st == 0 && !(all = js ? json_loads(js, 0, &je) : NULL))
		pgb_fail(err, "cannot read pgbackrest info's answer: %.300s", out.buf ? out.buf :
			 "(nothing)");
	if (all)
		one = json_incref(json_array_get(all, 0));
	if (all && !one)
		pgb_fail(err, "pgbackrest info lists no stanza %s", cfg->pg_cluster);
	json_decref(all);
	sbuf_free(&out);
	return one;
}

size_t inst_pgbr_backups(const json_t *info)
{
	return json_array_size(json_object_get(info, "backup"));
}

/* The timeline of a WAL file name (its first 8 hex digits); 0 when it is none. */
static long wal_timeline(const char *wal)
{
	char hex[9];

	if (!wal || strlen(wal) < 24 || strspn(wal, "0123456789ABCDEF") < 24)
		return 0;
	memcpy(hex, wal, 8);
	hex[8] = '\0';
	return strtol(hex, NULL, 16);
}

int inst_pgbr_pick_backup(const json_t *info, double target, struct inst_pgbr_backup *out,
			  struct pgb_err *err)
{
	const json_t *bk;
	json_int_t first = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	json_array_foreach(json_object_get(info, "backup"), i, bk) {
		json_int_t stop = json_integer_value(json_object_get(json_object_get(bk,
								"timestamp"), "stop"));
		const char *label = json_string_value(json_object_get(bk, "label"));

		if (!first || stop < first)
			first = stop;
		if (!label || json_is_true(json_object_get(bk, "error")) ||
		    (double)stop > target || stop < out->stop)
			continue;
		out->label = label;
		out->stop = stop;
		out->timeline = wal_timeline(json_string_value(json_object_get(
						json_object_get(bk, "archive"), "start")));
		out->size = json_integer_value(json_object_get(json_object_get(bk, "info"),
							       "size"));
	}
	if (out->label)
		return 0;
	if (!first)
		return pgb_fail(err, "the repository holds no backup: nothing to restore from");
	return pgb_fail(err, "no backup ended before the target (the first one ended at epoch "
			"%lld): a point in time can only be restored after a backup",
			(long long)first);
}

/* The stanza's status code in info: 0 ok, 1 missing stanza path, 2 no valid
 * backups, 3 missing stanza data, ... (pgBackRest's info documentation). */
static int stanza_code(const json_t *info)
{
	return (int)json_integer_value(json_object_get(json_object_get(info, "status"), "code"));
}

/* The stanza's status message, with the repository's own when it says more. */
static const char *stanza_message(const json_t *info)
{
	const json_t *repo = json_array_get(json_object_get(info, "repo"), 0);
	const char *m = json_string_value(json_object_get(json_object_get(repo, "status"),
							  "message"));

	return m ? m : json_string_value(json_object_get(json_object_get(info, "status"),
							 "message"));
}

/* --- apply --- */

struct pgbr {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	struct inst_pg_layout l;
	const char *cipher_pass;	/* belongs to sec */
	struct inst_secrets sec;
	int units_changed;
};


static int write_conf(struct pgbr *p, struct pgb_err *err)
{
	struct inst_pgconf conf = { 0 };
	struct sbuf text = SBUF_INIT;
	int changed, rc;

	inst_pgbr_conf(p->cfg, &p->l, p->cipher_pass, &conf);
	inst_pgconf_render_ini(&conf, "Written by pgbundle-installer from pgbackrest_repo "
			       "and pgbackrest_method; edits are overwritten.\nIt holds the "
			       "repository's passphrase: postgres only.", &text);
	rc = inst_ops_own_dir(p->ctx, "/etc/pgbackrest", "postgres", 0750, err);
	if (rc == 0)
		rc = inst_pg_write_file(p->ctx, INST_PGBR_CONF, text.buf, 0640, "postgres",
					"pgBackRest's configuration", &changed, NULL, err);
	if (text.buf)
		OPENSSL_cleanse(text.buf, text.len);
	sbuf_free(&text);
	inst_pgconf_free(&conf);
	return rc;
}

/* systemd must understand the schedule before it is written into the timer. */
static int check_schedule(const struct inst_config *cfg, struct pgb_err *err)
{
	const char *argv[] = { "systemd-analyze", "calendar", cfg->pgbackrest_schedule, NULL };
	struct sbuf out = SBUF_INIT;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "%s: pgbackrest_schedule '%s' is not a calendar event systemd "
			 "understands: %.300s", cfg->path, cfg->pgbackrest_schedule,
			 out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int write_units(struct pgbr *p, struct pgb_err *err)
{
	struct sbuf svc = SBUF_INIT, tim = SBUF_INIT;
	int c1 = 0, c2 = 0, rc = check_schedule(p->cfg, err);

	inst_pgbr_service(p->cfg, &p->l, &svc);
	inst_pgbr_timer(p->cfg, &tim);
	if (rc == 0)
		rc = inst_ops_unit_file(p->ctx, INST_PGBR_UNIT ".service", svc.buf, &c1, err);
	if (rc == 0)
		rc = inst_ops_unit_file(p->ctx, INST_PGBR_UNIT ".timer", tim.buf, &c2, err);
	if (rc == 0)
		rc = inst_unit_run(p->ctx, INST_PGBR_UNIT ".timer", c2, err);
	sbuf_free(&svc);
	sbuf_free(&tim);
	return rc;
}

/* archive_mode must be on in the running server before a stanza can work. */
static int archive_on(struct pgbr *p, struct pgb_err *err)
{
	struct sbuf out = SBUF_INIT;
	int rc = inst_psql(&p->l, "postgres", NULL, "SELECT current_setting('archive_mode') || "
			   "' ' || current_setting('archive_command');\n", &out, err);

	if (rc == 0 && (!out.buf || strncmp(out.buf, "on ", 3) != 0 || !strstr(out.buf,
									  "pgbackrest")))
		rc = pgb_fail(err, "PostgreSQL does not archive WAL through pgBackRest yet "
			      "(archive_mode archive_command: %.200s): it takes a restart "
			      "(Patroni: `patronictl restart %s`), then run install again",
			      out.buf ? out.buf : "?", p->cfg->pg_cluster);
	sbuf_free(&out);
	return rc;
}

static int run_step(struct pgbr *p, const char *what, const char *const *args,
		    struct pgb_err *err)
{
	struct sbuf out = SBUF_INIT;
	int st = inst_pgbr_run(p->cfg, args, &out, err);

	if (st > 0)
		pgb_fail(err, "pgbackrest %s failed (status %d): %.1200s; its log is in %s", what,
			 st, out.buf ? out.buf : "", p->cfg->pgbackrest_log_dir);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int leader_work(struct pgbr *p, struct pgb_err *err)
{
	static const char *const create[] = { "stanza-create", NULL };
	/* pgBackRest waits 60 s for the segment by default: a loaded small
	 * host (1 CPU shared) archives its first one later than that. */
	static const char *const check[] = { "--archive-timeout=300", "check", NULL };
	static const char *const full[] = { "--type=full", "backup", NULL };
	json_t *info;
	double t0;
	int code, rc = 0;

	if (archive_on(p, err) < 0 || !(info = inst_pgbr_info(p->cfg, err)))
		return -1;
	code = stanza_code(info);
	if (code == 1 || code == 3) {
		inst_pg_change(p->ctx, "create the stanza %s and check WAL archiving",
			       p->cfg->pg_cluster);
		rc = run_step(p, "stanza-create", create, err);
		if (rc == 0)
			rc = run_step(p, "check (WAL archiving)", check, err);
	} else if (code != 0 && code != 2) {
		rc = pgb_fail(err, "pgBackRest's stanza %s is not usable: %s (see `pgbackrest "
			      "--stanza=%s info`)", p->cfg->pg_cluster, stanza_message(info),
			      p->cfg->pg_cluster);
	}
	if (rc == 0 && p->cfg->pgbackrest_init_backup && inst_pgbr_backups(info) == 0) {
		inst_pg_change(p->ctx, "take the first full backup of %s%s", p->cfg->pg_cluster,
			       p->cipher_pass ? " (encrypted, aes-256-cbc)" : "");
		t0 = inst_now();
		rc = run_step(p, "backup --type=full", full, err);
		if (rc == 0)
			inst_log_info(p->ctx->log, "full backup done in %.1f s", inst_now() - t0);
	}
	json_decref(info);
	return rc;
}

static int pgbr_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct pgbr p = { ctx, cfg, { 0 }, NULL, { 0 }, 0 };
	const char *path = local_path(cfg);
	int rc;

	if (inst_ops_pg_layout(ctx, cfg, &p.l, err) < 0)
		return -1;
	inst_log_step(ctx->log, "pgBackRest: stanza %s, repository '%s' (%s%s)", cfg->pg_cluster,
		      cfg->pgbackrest_method, path ? path : inst_pgbr_repo_get(cfg, "type"),
		      inst_pgbr_encrypted(cfg) ? ", encrypted" : "");
	rc = inst_secrets_open(&p.sec, ctx, cfg, err);
	if (rc == 0 && inst_pgbr_encrypted(cfg))
		rc = inst_secret(&p.sec, ctx, "pgbackrest_cipher_pass",
				 inst_pgbr_repo_get(cfg, "cipher_pass"), &p.cipher_pass, err);
	if (rc == 0 && path)
		rc = inst_ops_own_dir(ctx, path, "postgres", 0750, err);
	if (rc == 0)
		rc = inst_ops_own_dir(ctx, cfg->pgbackrest_log_dir, "postgres", 0750, err);
	if (rc == 0)
		rc = inst_ops_own_dir(ctx, SPOOL, "postgres", 0750, err);
	if (rc == 0)
		rc = write_conf(&p, err);
	if (rc == 0)
		rc = write_units(&p, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start && inst_ops_pg_is_leader(&p.l))
		rc = leader_work(&p, err);
	else if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		inst_log_info(ctx->log, "not the leader: the stanza and the backups are the "
			      "leader's");
	inst_secrets_free(&p.sec);
	inst_pg_layout_free(&p.l);
	return rc;
}

/* archive_mode and archive_command, the same on every member. */
static void pgbr_pg_settings(const struct inst_config *cfg, struct inst_pgconf *out)
{
	char *cmd = xasprintf("pgbackrest --stanza=%s archive-push %%p", cfg->pg_cluster);

	inst_pgconf_set(out, "archive_mode", "on");
	inst_pgconf_set(out, "archive_command", cmd);
	free(cmd);
}

static void pgbr_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	if (inst_pgbr_encrypted(cfg))
		inst_secret_need(out, 0, "pgbackrest_cipher_pass",
				 inst_pgbr_repo_get(cfg, "cipher_pass"));
}

/* --- status --- */

static char *iso_time(json_int_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static void status_backup(const json_t *info, json_t *out)
{
	json_t *list = json_object_get(info, "backup");
	json_t *last = json_array_get(list, json_array_size(list) - 1), *o;
	char *stop;

	json_object_set_new(out, "backups", json_integer((json_int_t)json_array_size(list)));
	if (!last)
		return;
	o = json_object();
	stop = iso_time(json_integer_value(json_object_get(json_object_get(last, "timestamp"),
							   "stop")));
	json_object_set(o, "label", json_object_get(last, "label"));
	json_object_set(o, "type", json_object_get(last, "type"));
	json_object_set_new(o, "stop", json_string(stop));
	json_object_set(o, "error", json_object_get(last, "error"));
	json_object_set_new(out, "last_backup", o);
	free(stop);
}

static int pgbr_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		       struct pgb_err *err)
{
	struct inst_pg_layout l;
	struct pgb_err why;
	json_t *info = NULL;
	int leader, timer = inst_pg_unit_active(INST_PGBR_UNIT ".timer"), ok;

	if (inst_ops_pg_layout(ctx, cfg, &l, err) < 0)
		return -1;
	leader = inst_ops_pg_is_leader(&l);
	json_object_set_new(out, "stanza", json_string(cfg->pg_cluster));
	json_object_set_new(out, "repo", json_string(local_path(cfg) ? local_path(cfg) :
						    inst_pgbr_repo_get(cfg, "type")));
	json_object_set_new(out, "encrypted", json_boolean(inst_pgbr_encrypted(cfg)));
	json_object_set_new(out, "timer", json_boolean(timer));
	json_object_set_new(out, "schedule", json_string(cfg->pgbackrest_schedule));
	json_object_set_new(out, "leader", json_boolean(leader));
	if (util_exists(INST_PGBR_CONF))
		info = inst_pgbr_info(cfg, &why);
	if (info) {
		json_object_set(out, "status", json_object_get(json_object_get(info, "status"),
							       "message"));
		json_object_set(out, "cipher", json_object_get(info, "cipher"));
		status_backup(info, out);
	}
	/* The leader serves when its stanza is sound and a backup exists; a
	 * replica when its timer waits (the backups are the leader's). */
	ok = timer && (!leader || (info && stanza_code(info) == 0 && inst_pgbr_backups(info)));
	json_object_set_new(out, "ok", json_boolean(ok));
	json_decref(info);
	inst_pg_layout_free(&l);
	return 0;
}

/* --- uninstall --purge --- */

static int pgbr_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	const char *path = local_path(cfg);
	const char *const files[] = {
		"/etc/systemd/system/" INST_PGBR_UNIT ".service",
		"/etc/systemd/system/" INST_PGBR_UNIT ".timer", INST_PGBR_CONF, NULL
	};
	int rc = inst_ops_unit_stop(ctx, INST_PGBR_UNIT ".timer", err);

	inst_log_step(ctx->log, "pgBackRest: the timer, the configuration and the local "
		      "repository");
	for (size_t i = 0; rc == 0 && files[i]; i++)
		rc = inst_ops_remove(ctx, files[i], err);
	if (rc == 0 && !ctx->dry_run)
		rc = inst_daemon_reload(err);
	/* The local repository is this host's data; a remote one is left alone. */
	if (rc == 0 && path)
		rc = inst_ops_remove(ctx, path, err);
	if (rc == 0)
		rc = inst_ops_remove(ctx, cfg->pgbackrest_log_dir, err);
	if (rc == 0)
		rc = inst_ops_remove(ctx, SPOOL, err);
	return rc;
}

static int pgbr_enabled(const struct inst_config *cfg)
{
	return cfg->pgbackrest_enabled && inst_config_has_module(cfg, "pgbackrest") &&
	       inst_config_has_module(cfg, "pgsql");
}

const struct inst_module inst_module_pgbackrest = {
	.name = "pgbackrest",
	.summary = "pgBackRest: encrypted repository, WAL archiving, first full backup, timer",
	.packages = "pgbackrest",
	.enabled = pgbr_enabled,
	.apply = pgbr_apply,
	.status = pgbr_status,
	.uninstall = pgbr_uninstall,
	.pg_settings = pgbr_pg_settings,
	.secrets = pgbr_secrets,
};
