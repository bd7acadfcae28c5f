/*
 * monitor.c - the exporters Prometheus scrapes: prometheus-node-exporter on
 * every host, prometheus-postgres-exporter and prometheus-pgbouncer-exporter
 * on the PostgreSQL hosts.  Debian's packages and units, configured through
 * the files their units read:
 *
 *   /etc/default/prometheus-node-exporter       ARGS: the port, and the
 *       systemd collector for our units (a failed pgbackrest-backup.service
 *       is how Prometheus learns of a failed backup)
 *   /etc/default/prometheus-postgres-exporter   0600: DATA_SOURCE_NAME
 *       (pg_monitor_username over 127.0.0.1, its password a cluster secret;
 *       opscfg.c adds the role, in pg_monitor, and its two HBA lines), ARGS
 *   /etc/prometheus-pgbouncer-exporter.conf     the Python exporter of
 *       bullseye and bookworm: its port; it reads PgBouncer's console over
 *       the socket as the pgbouncer user, which PgBouncer lets in for the
 *       Unix user it runs as (postgres, the unit's).  That exporter (1.7)
 *       predates PgBouncer 1.8 and dies on SHOW STATS, so it is kept to
 *       SHOW LISTS (clients, servers and pools in use), and says so in status
 *   /etc/default/prometheus-pgbouncer-exporter  the Go exporter of trixie
 *       and later (ARGS: the port and the console's URL), plus a drop-in
 *       running it as postgres for the same reason
 * Each is restarted when its file changed, and must answer on its port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define NODE_UNIT "prometheus-node-exporter"
#define PG_UNIT "prometheus-postgres-exporter"
#define PGB_UNIT "prometheus-pgbouncer-exporter"
#define PGB_PY_CONF "/etc/prometheus-pgbouncer-exporter.conf"
#define READY_TIMEOUT_S 60

/* Our units, for the systemd collector (no spaces: ARGS is split on them). */
#define UNITS_RE "(pgbackrest-backup|patroni|pgbouncer|etcd|haproxy|prometheus)[.]service|" \
		 "redis-.+[.]service|postgresql@.+[.]service"

static int pg_host(const struct inst_config *cfg)
{
	return inst_config_has_module(cfg, "pgsql") && inst_pg_self(cfg) != NULL;
}

/* Percent-encoding for a URL's user or password. */
static void url_part(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s))
			sbuf_addc(out, *s);
		else
			sbuf_addf(out, "%%%02X", (unsigned char)*s);
	}
}

/* KEY="VALUE" for an EnvironmentFile (", \, $ and ` escaped). */
static void env_line(struct sbuf *out, const char *key, const char *value)
{
	sbuf_addf(out, "%s=\"", key);
	for (; *value; value++) {
		if (strchr("\"\\$`", *value))
			sbuf_addc(out, '\\');
		sbuf_addc(out, *value);
	}
	sbuf_adds(out, "\"\n");
}

static const char header[] = "# Written by pgbundle-installer from its config; edits are "
			     "overwritten.\n";

void inst_monitor_node_env(const struct inst_config *cfg, struct sbuf *out)
{
	char *args = xasprintf("--web.listen-address=:%d --collector.systemd "
			       "--collector.systemd.unit-include=%s", cfg->node_exporter_port,
			       UNITS_RE);

	sbuf_adds(out, header);
	env_line(out, "ARGS", args);
	free(args);
}

void inst_monitor_pg_env(const struct inst_config *cfg, const char *pw, struct sbuf *out)
{
	struct sbuf dsn = SBUF_INIT;
	char *args = xasprintf("--web.listen-address=:%d", cfg->pg_exporter_port);

	sbuf_adds(&dsn, "postgresql://");
	url_part(&dsn, cfg->pg_monitor_username);
	sbuf_addc(&dsn, ':');
	url_part(&dsn, pw);
	sbuf_addf(&dsn, "@127.0.0.1:%d/postgres?sslmode=disable", cfg->pg_port);
	sbuf_adds(out, header);
	env_line(out, "DATA_SOURCE_NAME", dsn.buf);
	env_line(out, "ARGS", args);
	sbuf_free(&dsn);
	free(args);
}

/* The Python exporter's configuration (configargparse: key = value). */
void inst_monitor_pgb_py_conf(const struct inst_config *cfg, struct sbuf *out)
{
	struct inst_pgconf c = { 0 };
	char port[16], pgb[16];

	snprintf(port, sizeof(port), "%d", cfg->pgbouncer_exporter_port);
	snprintf(pgb, sizeof(pgb), "%d", cfg->pgbouncer_port);
	inst_pgconf_set(&c, "host", "0.0.0.0");
	inst_pgconf_set(&c, "port", port);
	inst_pgconf_set(&c, "pgbouncer-port", pgb);
	inst_pgconf_set(&c, "pgbouncer-user", "pgbouncer");
	/* 1.7 reads SHOW STATS columns PgBouncer dropped in 1.8 (total_requests)
	 * and dies on the first row: a database filter no row matches keeps it
	 * to what it can read, SHOW LISTS (clients, servers, pools in use). */
	inst_pgconf_set(&c, "database", "[-]");
	inst_pgconf_render_ini(&c, "Written by pgbundle-installer from its config; edits are "
			       "overwritten.", out);
	inst_pgconf_free(&c);
}

void inst_monitor_pgb_go_env(const struct inst_config *cfg, struct sbuf *out)
{
	char *args = xasprintf("--web.listen-address=:%d --pgBouncer.connectionString="
			       "postgres://pgbouncer@:%d/pgbouncer?host=/var/run/postgresql&"
			       "sslmode=disable", cfg->pgbouncer_exporter_port, cfg->pgbouncer_port);

	sbuf_adds(out, header);
	env_line(out, "ARGS", args);
	free(args);
}

/* --- apply --- */

struct exp_wait {
	const char *unit;
	int port;
};

static int answers(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct exp_wait *w = arg;

	if (inst_tcp_open("127.0.0.1", w->port, 500))
		return 1;
	if (inst_unit_failed(w->unit))
		return pgb_fail(err, "%s failed: see journalctl -u %s", w->unit, w->unit);
	sbuf_addf(why, "waiting for %s to answer on port %d", w->unit, w->port);
	return 0;
}

/* Write path, then have unit run with it and answer on port. */
static int exporter(struct inst_ctx *ctx, const char *unit, const char *path, const char *text,
		    mode_t mode, int port, struct pgb_err *err)
{
	struct exp_wait w = { unit, port };
	int changed, rc = inst_pg_write_file(ctx, path, text, mode, NULL, unit, &changed, NULL,
					     err);

	if (rc == 0)
		rc = inst_unit_run(ctx, unit, changed, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, READY_TIMEOUT_S, 250, answers, &w, err);
	return rc;
}

static int pg_exporter(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct inst_secrets sec;
	struct sbuf t = SBUF_INIT;
	const char *pw;
	int rc = inst_secrets_open(&sec, ctx, cfg, err);

	if (rc == 0)
		rc = inst_secret_role(&sec, ctx, cfg->pg_monitor_username, cfg->pg_monitor_password,
				      &pw, err);
	if (rc == 0) {
		inst_monitor_pg_env(cfg, pw, &t);
		rc = exporter(ctx, PG_UNIT, "/etc/default/" PG_UNIT, t.buf, 0600,
			      cfg->pg_exporter_port, err);
	}
	sbuf_free(&t);
	inst_secrets_free(&sec);
	return rc;
}

static int pgb_exporter(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct sbuf t = SBUF_INIT;
	struct strlist user = STRLIST_INIT;
	int rc, changed = 0;

	/* Debian's Python exporter (up to bookworm) ships its conffile; the Go one does not. */
	if (util_exists(PGB_PY_CONF)) {
		inst_monitor_pgb_py_conf(cfg, &t);
		rc = exporter(ctx, PGB_UNIT, PGB_PY_CONF, t.buf, 0644, cfg->pgbouncer_exporter_port,
			      err);
	} else {
		strlist_add(&user, "User=postgres");
		strlist_add(&user, "Group=postgres");
		inst_monitor_pgb_go_env(cfg, &t);
		rc = inst_unit_dropin(ctx, PGB_UNIT, "pgbundle", &user, &changed, err);
		if (rc == 0 && changed && !ctx->dry_run && inst_pg_unit_active(PGB_UNIT))
			rc = inst_pg_systemctl("restart", PGB_UNIT, err);
		if (rc == 0)
			rc = exporter(ctx, PGB_UNIT, "/etc/default/" PGB_UNIT, t.buf, 0644,
				      cfg->pgbouncer_exporter_port, err);
	}
	strlist_free(&user);
	sbuf_free(&t);
	return rc;
}

static int monitor_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err)
{
	struct sbuf t = SBUF_INIT;
	int rc = 0;

	inst_log_step(ctx->log, "Exporters: node %d%s%s", cfg->node_exporter_port,
		      pg_host(cfg) && cfg->pg_exporter_enabled ? ", postgres" : "",
		      pg_host(cfg) && cfg->pgbouncer_enabled && cfg->pgbouncer_exporter_enabled ?
		      ", pgbouncer" : "");
	if (cfg->node_exporter_enabled) {
		inst_monitor_node_env(cfg, &t);
		rc = exporter(ctx, NODE_UNIT, "/etc/default/" NODE_UNIT, t.buf, 0644,
			      cfg->node_exporter_port, err);
	}
	if (rc == 0 && pg_host(cfg) && cfg->pg_exporter_enabled)
		rc = pg_exporter(ctx, cfg, err);
	else if (rc == 0)
		rc = inst_ops_unit_stop(ctx, PG_UNIT, err);
	if (rc == 0 && pg_host(cfg) && cfg->pgbouncer_enabled && cfg->pgbouncer_exporter_enabled)
		rc = pgb_exporter(ctx, cfg, err);
	else if (rc == 0)
		rc = inst_ops_unit_stop(ctx, PGB_UNIT, err);
	sbuf_free(&t);
	return rc;
}

/* --- status, uninstall --- */

size_t inst_monitor_exporters(const struct inst_config *cfg, int pg, struct inst_exporter *out)
{
	size_t n = 0;

	if (cfg->node_exporter_enabled)
		out[n++] = (struct inst_exporter){ "node", cfg->node_exporter_port };
	if (pg && cfg->pg_exporter_enabled)
		out[n++] = (struct inst_exporter){ "postgres", cfg->pg_exporter_port };
	if (pg && cfg->pgbouncer_enabled && cfg->pgbouncer_exporter_enabled)
		out[n++] = (struct inst_exporter){ "pgbouncer", cfg->pgbouncer_exporter_port };
	return n;
}

static int monitor_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			  struct pgb_err *err)
{
	struct inst_exporter e[3];
	size_t n = inst_monitor_exporters(cfg, pg_host(cfg), e);
	int ok = 1;

	(void)ctx;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		int up = inst_tcp_open("127.0.0.1", e[i].port, 1000);

		json_t *o = json_pack("{s:i, s:b}", "port", e[i].port, "answers", up);

		if (!strcmp(e[i].job, "pgbouncer") && util_exists(PGB_PY_CONF))
			json_object_set_new(o, "metrics", json_string("SHOW LISTS only: Debian's "
								      "exporter 1.7 cannot read this "
								      "PgBouncer's SHOW STATS"));
		json_object_set_new(out, e[i].job, o);
		ok &= up;
	}
	json_object_set_new(out, "ok", json_boolean(ok));
	return 0;
}

static int monitor_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			     struct pgb_err *err)
{
	static const char *const units[] = { NODE_UNIT, PG_UNIT, PGB_UNIT, NULL };
	char *dropin = inst_dropin_path(PGB_UNIT, "pgbundle");
	int rc = 0;

	(void)cfg;
	inst_log_step(ctx->log, "Exporters: stopped, their settings removed");
	for (size_t i = 0; rc == 0 && units[i]; i++)
		rc = inst_ops_unit_stop(ctx, units[i], err);
	/* Their /etc/default files are the packages' conffiles: purged with them. */
	if (rc == 0)
		rc = inst_ops_remove(ctx, dropin, err);
	free(dropin);
	return rc;
}

static void monitor_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	if (cfg->pg_exporter_enabled)
		inst_secret_need(out, 1, cfg->pg_monitor_username, cfg->pg_monitor_password);
}

static int monitor_enabled(const struct inst_config *cfg)
{
	return inst_config_has_module(cfg, "monitor");
}

const struct inst_module inst_module_monitor = {
	.name = "monitor",
	.summary = "the exporters: node on every host, postgres and pgbouncer on PostgreSQL hosts",
	.packages = "monitor",
	.enabled = monitor_enabled,
	.apply = monitor_apply,
	.status = monitor_status,
	.uninstall = monitor_uninstall,
	.secrets = monitor_secrets,
};
