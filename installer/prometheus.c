/*
 * prometheus.c - Prometheus (Debian's prometheus, prometheus-rpm's prometheus2
 * on EL) on the hosts of the infra group (flat config: "infra" in modules),
 * scraping every exporter of the config, with alert rules.
 *
 *   /etc/prometheus/prometheus.yml         the targets, from the inventory:
 *       node on every host, postgres and pgbouncer on every PostgreSQL host
 *       (labelled with the host's name), Prometheus itself
 *   /etc/prometheus/rules/pgbundle.yml     InstanceDown (up == 0 for 1 m),
 *       ReplicationLag (a replica 30 s behind), BackupFailed (the backup
 *       service failed, from the node exporter's systemd collector)
 *   /etc/default/prometheus                the options (ARGS on Debian,
 *       PROMETHEUS_OPTS on EL, where they also name the config and the data
 *       directory, /var/lib/prometheus/data: inst_monitor_layout)
 * Both YAML files are written by repo/yamlout.h and checked by promtool
 * (check rules, check config) before they replace the running ones; a
 * change is applied by SIGHUP, the port by a restart.
 *
 * Grafana is not in Debian: recipes/repos.yml names Grafana's own
 * repositories, so a bundle built where they are reachable carries it
 * (module grafana); here status says it is unavailable, and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "yamlout.h"

#define UNIT "prometheus"	/* both families' unit */
#define CONF "/etc/prometheus/prometheus.yml"
#define RULES_DIR "/etc/prometheus/rules"
#define RULES RULES_DIR "/pgbundle.yml"
#define READY_TIMEOUT_S 120

static void static_target(struct yamlout *y, const char *addr, int port, const char *ins)
{
	char *t = xasprintf(strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);

	yamlout_map(y);
	yamlout_key(y, "targets");
	yamlout_seq(y);
	yamlout_str(y, t);
	yamlout_end(y);
	yamlout_key(y, "labels");
	yamlout_map(y);
	yamlout_kstr(y, "ins", ins);
	yamlout_end(y);
	yamlout_end(y);
	free(t);
}

/* One job: the exporter `job` of every host (PostgreSQL hosts only for pg). */
static void job(struct yamlout *y, const struct inst_config *cfg, const char *name, int pg_only)
{
	yamlout_map(y);
	yamlout_kstr(y, "job_name", name);
	yamlout_key(y, "static_configs");
	yamlout_seq(y);
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct inst_member *h = &cfg->hosts[i];
		struct inst_exporter e[3];
		size_t n = inst_monitor_exporters(cfg, h->role != NULL, e);

		if (pg_only && !h->role)
			continue;
		for (size_t j = 0; j < n; j++)
			if (strcmp(e[j].job, name) == 0)
				static_target(y, h->addr, e[j].port, h->name ? h->name :
					      h->nodename);
	}
	yamlout_end(y);
	yamlout_end(y);
}

int inst_prometheus_config(const struct inst_config *cfg, const char *rules_path, char **text,
			   struct pgb_err *err)
{
	struct yamlout *y = yamlout_new();

	yamlout_map(y);
	yamlout_key(y, "global");
	yamlout_map(y);
	yamlout_kstr(y, "scrape_interval", "15s");
	yamlout_kstr(y, "evaluation_interval", "15s");
	yamlout_end(y);
	yamlout_key(y, "rule_files");
	yamlout_seq(y);
	yamlout_str(y, rules_path);
	yamlout_end(y);
	yamlout_key(y, "scrape_configs");
	yamlout_seq(y);
	yamlout_map(y);
	yamlout_kstr(y, "job_name", "prometheus");
	yamlout_key(y, "static_configs");
	yamlout_seq(y);
	static_target(y, "127.0.0.1", cfg->prometheus_port, cfg->nodename);
	yamlout_end(y);
	yamlout_end(y);
	job(y, cfg, "node", 0);
	job(y, cfg, "postgres", 1);
	job(y, cfg, "pgbouncer", 1);
	yamlout_end(y);
	yamlout_end(y);
	return yamlout_finish(y, text, err);
}

static void rule(struct yamlout *y, const char *alert, const char *expr, const char *for_,
		 const char *severity, const char *summary)
{
	yamlout_map(y);
	yamlout_kstr(y, "alert", alert);
	yamlout_kstr(y, "expr", expr);
	yamlout_kstr(y, "for", for_);
	yamlout_key(y, "labels");
	yamlout_map(y);
	yamlout_kstr(y, "severity", severity);
	yamlout_end(y);
	yamlout_key(y, "annotations");
	yamlout_map(y);
	yamlout_kstr(y, "summary", summary);
	yamlout_end(y);
	yamlout_end(y);
}

int inst_prometheus_rules(char **text, struct pgb_err *err)
{
	struct yamlout *y = yamlout_new();

	yamlout_map(y);
	yamlout_key(y, "groups");
	yamlout_seq(y);
	yamlout_map(y);
	yamlout_kstr(y, "name", "pgbundle");
	yamlout_key(y, "rules");
	yamlout_seq(y);
	rule(y, "InstanceDown", "up == 0", "1m", "critical",
	     "{{ $labels.job }} on {{ $labels.ins }} ({{ $labels.instance }}) is down");
	/* The exporter's name for it changed (0.12): either one. */
	rule(y, "ReplicationLag", "max by (ins) (pg_replication_lag or pg_replication_lag_seconds) "
	     "> 30", "1m", "warning", "replica {{ $labels.ins }} is {{ $value }} s behind");
	rule(y, "BackupFailed", "node_systemd_unit_state{name=\"pgbackrest-backup.service\","
	     "state=\"failed\"} == 1", "0m", "critical",
	     "the last pgBackRest backup on {{ $labels.ins }} failed: journalctl -u "
	     "pgbackrest-backup");
	yamlout_end(y);
	yamlout_end(y);
	yamlout_end(y);
	yamlout_end(y);
	return yamlout_finish(y, text, err);
}

/* 1 when the bundle carries Grafana (its own repositories were reachable
 * where it was built). */
static int grafana_in(const struct inst_ctx *ctx)
{
	return ctx->bundle && strlist_has(&ctx->bundle->modules, "grafana");
}

/* --- apply --- */

/* promtool ARGS... ; fails with its output. */
static int promtool(const char *what, const char *const *argv, struct pgb_err *err)
{
	struct sbuf out = SBUF_INIT;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "promtool refuses the %s: %.1200s", what, out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* Both files written apart and checked by promtool before they are used. */
static int check_files(const char *conf, const char *rules, struct pgb_err *err)
{
	char dir[] = "/tmp/pgbundle-prometheus.XXXXXX";
	char *r = NULL, *c = NULL, *conf2 = NULL;
	int rc = mkdtemp(dir) ? 0 : pgb_failsys(err, "cannot make a directory in /tmp");

	if (rc == 0) {
		r = xasprintf("%s/rules.yml", dir);
		c = xasprintf("%s/prometheus.yml", dir);
		/* The config names the rules' final path: point it at the copy. */
		conf2 = xstrdup(conf);
		rc = util_write_atomic(r, rules, strlen(rules), 0644, err);
	}
	if (rc == 0) {
		char *at = strstr(conf2, RULES);
		struct sbuf b = SBUF_INIT;

		sbuf_add(&b, conf2, at ? (size_t)(at - conf2) : strlen(conf2));
		if (at)
			sbuf_addf(&b, "%s%s", r, at + strlen(RULES));
		rc = util_write_atomic(c, b.buf, b.len, 0644, err);
		sbuf_free(&b);
	}
	if (rc == 0) {
		const char *argv[] = { "promtool", "check", "rules", r, NULL };

		rc = promtool("alert rules", argv, err);
	}
	if (rc == 0) {
		const char *argv[] = { "promtool", "check", "config", c, NULL };

		rc = promtool("configuration", argv, err);
	}
	if (r)
		util_rm_rf(dir, &(struct pgb_err){ { 0 } });
	free(r);
	free(c);
	free(conf2);
	return rc;
}

struct prom_wait {
	int port;
};

static int answers(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct prom_wait *w = arg;

	if (inst_tcp_open("127.0.0.1", w->port, 500))
		return 1;
	if (inst_unit_failed(UNIT))
		return pgb_fail(err, "Prometheus failed: see journalctl -u " UNIT);
	sbuf_addf(why, "waiting for Prometheus to answer on port %d", w->port);
	return 0;
}

/* The unit's EnvironmentFile: the port; on EL also what prometheus2's
 * /etc/default/prometheus says, which this file replaces. */
void inst_prometheus_env(const struct inst_config *cfg, struct sbuf *out)
{
	const struct inst_monitor_layout *ml = inst_monitor_layout(cfg->family);

	sbuf_addf(out, "%s=\"", ml->prom.var);
	if (ml->prom_opts_full)
		sbuf_addf(out, "--config.file=%s --storage.tsdb.path=%s ", CONF, ml->prom_data);
	sbuf_addf(out, "--web.listen-address=:%d\"\n", cfg->prometheus_port);
}

static int prom_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct prom_wait w = { cfg->prometheus_port };
	const struct inst_monitor_layout *ml = inst_monitor_layout(cfg->family);
	struct sbuf args = SBUF_INIT;
	char *conf = NULL, *rules = NULL;
	int cc = 0, rc2 = 0, ac = 0, rc;

	inst_log_step(ctx->log, "Prometheus on port %d: %zu host(s) scraped", cfg->prometheus_port,
		      cfg->n_hosts);
	inst_prometheus_env(cfg, &args);
	rc = inst_prometheus_config(cfg, RULES, &conf, err);
	if (rc == 0)
		rc = inst_prometheus_rules(&rules, err);
	if (rc == 0 && !ctx->dry_run)
		rc = check_files(conf, rules, err);
	if (rc == 0 && !ctx->dry_run)
		rc = util_mkdir_p(RULES_DIR, 0755, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, RULES, rules, 0644, NULL, "alert rules", &rc2, NULL, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, CONF, conf, 0644, NULL, "Prometheus' targets", &cc, NULL,
					err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, ml->prom.env, args.buf, 0644, NULL,
					"Prometheus' port", &ac, NULL, err);
	if (rc == 0)
		rc = inst_unit_run(ctx, UNIT, ac, err);
	if (rc == 0 && (cc || rc2) && !ac && !ctx->dry_run && !ctx->no_start) {
		inst_log_info(ctx->log, "reload Prometheus (SIGHUP)");
		rc = inst_unit_signal(UNIT, "HUP", err);
	}
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, READY_TIMEOUT_S, 500, answers, &w, err);
	if (rc == 0 && cfg->grafana_enabled)
		inst_log_info(ctx->log, "Grafana: %s", grafana_in(ctx) ? "in the bundle, but its "
			      "setup is not implemented yet" : "unavailable: not in this bundle "
			      "(Debian does not ship it; a bundle built with Grafana's repositories "
			      "carries it)");
	free(conf);
	free(rules);
	sbuf_free(&args);
	return rc;
}

/* --- status --- */

/* The targets' health, from `promtool query instant ... up`. */
static void targets(const struct inst_config *cfg, json_t *out, int *up, int *total)
{
	char *url = xasprintf("http://127.0.0.1:%d", cfg->prometheus_port);
	/* Our targets carry ins: series a restart left from other configs do not. */
	const char *argv[] = { "promtool", "query", "instant", url, "up{ins!=\"\"}", NULL };
	struct sbuf res = SBUF_INIT;
	struct pgb_err ignored;
	json_t *down = json_array();

	*up = *total = 0;
	if (inst_run(argv, &res, &ignored) == 0 && res.buf)
		for (char *l = res.buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			char *arrow = strstr(l, "=> ");
			size_t n = strcspn(l, "\n");

			if (!arrow || (size_t)(arrow - l) > n)
				continue;
			(*total)++;
			if (arrow[3] == '1')
				(*up)++;
			else
				json_array_append_new(down, json_stringn(l, (size_t)(arrow - l - 1)));
		}
	json_object_set_new(out, "targets", json_integer(*total));
	json_object_set_new(out, "targets_up", json_integer(*up));
	json_object_set_new(out, "down", down);
	sbuf_free(&res);
	free(url);
}

static int prom_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		       struct pgb_err *err)
{
	int up, total, active = inst_pg_unit_active(UNIT);

	(void)err;
	json_object_set_new(out, "port", json_integer(cfg->prometheus_port));
	json_object_set_new(out, "active", json_boolean(active));
	targets(cfg, out, &up, &total);
	if (cfg->grafana_enabled)
		json_object_set_new(out, "grafana", json_string(grafana_in(ctx) ? "in the bundle, "
								"not set up (not implemented yet)" :
								"unavailable: not in this bundle "
								"(Debian does not ship Grafana)"));
	json_object_set_new(out, "ok", json_boolean(active && total > 0 && up == total));
	return 0;
}

static int prom_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	const struct inst_monitor_layout *ml = inst_monitor_layout(cfg->family);
	int rc = inst_ops_unit_stop(ctx, UNIT, err);

	inst_log_step(ctx->log, "Prometheus: stopped, its rules and data removed");
	if (rc == 0)
		rc = inst_ops_remove(ctx, RULES_DIR, err);
	/* prometheus.yml and /etc/default/prometheus are the package's config
	 * files: purged (or set aside by rpm) with it; the time series are not,
	 * so they go here. */
	if (rc == 0)
		rc = inst_ops_remove(ctx, ml->prom_data, err);
	/* rpm would keep the edited ones as .rpmsave (dpkg purges them). */
	if (rc == 0 && ml->purge_removes_env)
		rc = inst_ops_remove(ctx, ml->prom.env, err);
	if (rc == 0 && ml->purge_removes_env)
		rc = inst_ops_remove(ctx, CONF, err);
	return rc;
}

static int prom_enabled(const struct inst_config *cfg)
{
	return cfg->prometheus_enabled && inst_config_has_module(cfg, "infra");
}

const struct inst_module inst_module_prometheus = {
	.name = "prometheus",
	.summary = "Prometheus on the infra hosts: every exporter of the config, alert rules",
	.packages = "infra",
	.enabled = prom_enabled,
	.apply = prom_apply,
	.status = prom_status,
	.uninstall = prom_uninstall,
};
