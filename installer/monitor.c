/*
 * monitor.c - the exporters Prometheus scrapes: the node exporter on every
 * host, the PostgreSQL and PgBouncer exporters on the PostgreSQL hosts.
 * The packages' units, configured through the files those units read
 * (inst_monitor_layout: where each family's packages put them):
 *
 * Debian (prometheus-node-exporter, -postgres-exporter, -pgbouncer-exporter):
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
 *       running it as PgBouncer's user for the same reason
 * EL (prometheus-rpm's node_exporter, postgres_exporter, pgbouncer_exporter):
 *   the same settings in /etc/default/NAME as NAME_OPTS (NODE_EXPORTER_OPTS,
 *   ...) for NAME.service; the PgBouncer exporter is the Go one, run by the
 *   drop-in as pgbouncer (PGDG's PgBouncer runs as pgbouncer, its socket in
 *   /run/pgbouncer is that user's alone).
 * Each is restarted when its file changed, and must answer on its port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define PGB_PY_CONF "/etc/prometheus-pgbouncer-exporter.conf"
#define READY_TIMEOUT_S 60

/* Our units, for the systemd collector (no spaces: the options are split on
 * them): PostgreSQL's are postgresql@MAJOR-NAME on Debian, postgresql-MAJOR
 * with PGDG's packages. */
#define UNITS_RE "(pgbackrest-backup|patroni|pgbouncer|etcd|haproxy|prometheus)[.]service|" \
		 "redis-.+[.]service|postgresql[@-].+[.]service"

const struct inst_monitor_layout *inst_monitor_layout(const char *family)
{
	static const struct inst_monitor_layout deb = {
		{ "prometheus-node-exporter", "/etc/default/prometheus-node-exporter", "ARGS" },
		{ "prometheus-postgres-exporter", "/etc/default/prometheus-postgres-exporter",
		  "ARGS" },
		{ "prometheus-pgbouncer-exporter", "/etc/default/prometheus-pgbouncer-exporter",
		  "ARGS" },
		{ "prometheus", "/etc/default/prometheus", "ARGS" },
		"/var/lib/prometheus/metrics2", 0, 0,
	};
	/* prometheus-rpm's packages (its spec template and prometheus2.spec):
	 * the unit reads NAME_OPTS, and prometheus.service has no defaults of
	 * its own: the options name the config and the data directory. */
	static const struct inst_monitor_layout rpm = {
		{ "node_exporter", "/etc/default/node_exporter", "NODE_EXPORTER_OPTS" },
		{ "postgres_exporter", "/etc/default/postgres_exporter", "POSTGRES_EXPORTER_OPTS" },
		{ "pgbouncer_exporter", "/etc/default/pgbouncer_exporter",
		  "PGBOUNCER_EXPORTER_OPTS" },
		{ "prometheus", "/etc/default/prometheus", "PROMETHEUS_OPTS" },
		"/var/lib/prometheus/data", 1, 1,
	};

	return family && strcmp(family, "rpm") == 0 ? &rpm : &deb;
}

static const struct inst_monitor_layout *layout_of(const struct inst_config *cfg)
{
	return inst_monitor_layout(cfg->family);
}

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
	env_line(out, layout_of(cfg)->node.var, args);
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
	env_line(out, layout_of(cfg)->pg.var, args);
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

void inst_monitor_pgb_go_env(const struct inst_config *cfg, const char *socket_dir,
			     struct sbuf *out)
{
	char *args = xasprintf("--web.listen-address=:%d --pgBouncer.connectionString="
			       "postgres://pgbouncer@:%d/pgbouncer?host=%s&sslmode=disable",
			       cfg->pgbouncer_exporter_port, cfg->pgbouncer_port, socket_dir);

	sbuf_adds(out, header);
	env_line(out, layout_of(cfg)->pgb.var, args);
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

/* Write path, then have e's unit run with it and answer on port. */
static int exporter(struct inst_ctx *ctx, const struct inst_exporter_pkg *e, const char *path,
		    const char *text, mode_t mode, int port, struct pgb_err *err)
{
	struct exp_wait w = { e->unit, port };
	int changed, rc = inst_pg_write_file(ctx, path, text, mode, NULL, e->unit, &changed, NULL,
					     err);

	if (rc == 0)
		rc = inst_unit_run(ctx, e->unit, changed, err);
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
		rc = exporter(ctx, &layout_of(cfg)->pg, layout_of(cfg)->pg.env, t.buf, 0600,
			      cfg->pg_exporter_port, err);
	}
	sbuf_free(&t);
	inst_secrets_free(&sec);
	return rc;
}

/* PgBouncer lets its console user in over the socket, without a password,
 * for the Unix user PgBouncer runs as: the Go exporter runs as that user
 * (a drop-in), and finds the socket where the layout puts it. */
static int pgb_go_exporter(struct inst_ctx *ctx, const struct inst_config *cfg,
			   const struct inst_pg_layout *l, struct pgb_err *err)
{
	const struct inst_exporter_pkg *e = &layout_of(cfg)->pgb;
	struct sbuf t = SBUF_INIT;
	struct strlist user = STRLIST_INIT;
	int rc, changed = 0;

	strlist_add_owned(&user, xasprintf("User=%s", l->pgb_user));
	strlist_add_owned(&user, xasprintf("Group=%s", l->pgb_user));
	inst_monitor_pgb_go_env(cfg, l->pgb_socket_dir, &t);
	rc = inst_unit_dropin(ctx, e->unit, "pgbundle", &user, &changed, err);
	if (rc == 0 && changed && !ctx->dry_run && inst_pg_unit_active(e->unit))
		rc = inst_pg_systemctl("restart", e->unit, err);
	if (rc == 0)
		rc = exporter(ctx, e, e->env, t.buf, 0644, cfg->pgbouncer_exporter_port, err);
	strlist_free(&user);
	sbuf_free(&t);
	return rc;
}

static int pgb_exporter(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct inst_pg_layout l;
	struct sbuf t = SBUF_INIT;
	int rc;

	if (inst_pg_layout_init(&l, cfg->family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	/* Debian's Python exporter (up to bookworm) ships its conffile; the Go one does not. */
	if (l.debian && util_exists(PGB_PY_CONF)) {
		inst_monitor_pgb_py_conf(cfg, &t);
		rc = exporter(ctx, &layout_of(cfg)->pgb, PGB_PY_CONF, t.buf, 0644,
			      cfg->pgbouncer_exporter_port, err);
	} else {
		rc = pgb_go_exporter(ctx, cfg, &l, err);
	}
	sbuf_free(&t);
	inst_pg_layout_free(&l);
	return rc;
}

static int monitor_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err)
{
	const struct inst_monitor_layout *ml = layout_of(cfg);
	struct sbuf t = SBUF_INIT;
	int rc = 0;

	inst_log_step(ctx->log, "Exporters: node %d%s%s", cfg->node_exporter_port,
		      pg_host(cfg) && cfg->pg_exporter_enabled ? ", postgres" : "",
		      pg_host(cfg) && cfg->pgbouncer_enabled && cfg->pgbouncer_exporter_enabled ?
		      ", pgbouncer" : "");
	if (cfg->node_exporter_enabled) {
		inst_monitor_node_env(cfg, &t);
		rc = exporter(ctx, &ml->node, ml->node.env, t.buf, 0644, cfg->node_exporter_port,
			      err);
	}
	if (rc == 0 && pg_host(cfg) && cfg->pg_exporter_enabled)
		rc = pg_exporter(ctx, cfg, err);
	else if (rc == 0)
		rc = inst_ops_unit_stop(ctx, ml->pg.unit, err);
	if (rc == 0 && pg_host(cfg) && cfg->pgbouncer_enabled && cfg->pgbouncer_exporter_enabled)
		rc = pgb_exporter(ctx, cfg, err);
	else if (rc == 0)
		rc = inst_ops_unit_stop(ctx, ml->pgb.unit, err);
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
	const struct inst_monitor_layout *ml = layout_of(cfg);
	const char *const units[] = { ml->node.unit, ml->pg.unit, ml->pgb.unit, NULL };
	const char *const envs[] = { ml->node.env, ml->pg.env, ml->pgb.env, NULL };
	int rc = 0;

	inst_log_step(ctx->log, "Exporters: stopped, their settings removed");
	for (size_t i = 0; rc == 0 && units[i]; i++)
		rc = inst_ops_unit_stop(ctx, units[i], err);
	/* Their /etc/default files are the packages' config files: dpkg purges
	 * them; rpm would keep ours as .rpmsave, so they go before the packages. */
	for (size_t i = 0; rc == 0 && ml->purge_removes_env && envs[i]; i++)
		rc = inst_ops_remove(ctx, envs[i], err);
	if (rc == 0)
		rc = inst_ops_remove_dropin(ctx, ml->pgb.unit, "pgbundle", err);
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
