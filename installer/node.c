/*
 * node.c - the host itself: its name, /etc/hosts for the cluster, sysctl.
 *
 * In an inventory (or a flat config listing the module `node`):
 *   - the host name becomes nodename (pg_cluster-pg_seq on PostgreSQL
 *     hosts) when nodename_overwrite: /etc/hostname and the running name;
 *   - /etc/hosts gets one block, between "# pgbundle: begin" and "# pgbundle:
 *     end", naming every host of the inventory and node_etc_hosts; the rest
 *     of the file is the operator's and stays as it is;
 *   - /etc/sysctl.d/90-pgbundle.conf holds node_tune's profile and
 *     node_sysctl_params, and each setting is applied through /proc/sys; a
 *     container's read-only /proc/sys is reported, not fatal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"

#define HOSTS "/etc/hosts"
#define SYSCTL_FILE "/etc/sysctl.d/90-pgbundle.conf"
#define BLOCK_BEGIN "# pgbundle: begin (written by pgbundle-installer from its config)"
#define BLOCK_END "# pgbundle: end"

/* node_tune's profiles: what a PostgreSQL host wants of the kernel, and
 * TCP keepalives short enough that a dead peer is noticed in about a minute. */
static const struct {
	const char *profile, *key, *value;
} tune[] = {
	{ "oltp crit", "vm.swappiness", "1" },
	{ "olap tiny", "vm.swappiness", "10" },
	{ "oltp crit tiny", "vm.dirty_background_ratio", "5" },
	{ "oltp crit tiny", "vm.dirty_ratio", "10" },
	{ "olap", "vm.dirty_background_ratio", "10" },
	{ "olap", "vm.dirty_ratio", "40" },
	{ "oltp olap crit tiny", "net.core.somaxconn", "4096" },
	{ "oltp olap crit tiny", "net.ipv4.tcp_keepalive_time", "60" },
	{ "oltp olap crit tiny", "net.ipv4.tcp_keepalive_intvl", "10" },
	{ "oltp olap crit tiny", "net.ipv4.tcp_keepalive_probes", "6" },
};

static int node_enabled(const struct inst_config *cfg)
{
	return cfg->inventory || inst_config_has_module(cfg, "node");
}

static void sysctl_settings(const struct inst_config *cfg, struct inst_pgconf *out)
{
	for (size_t i = 0; i < sizeof(tune) / sizeof(tune[0]); i++)
		if (util_has_word(tune[i].profile, cfg->node_tune))
			inst_pgconf_set(out, tune[i].key, tune[i].value);
	for (size_t i = 0; i < cfg->n_node_sysctl_params; i++)
		inst_pgconf_set(out, cfg->node_sysctl_params[i].key,
				cfg->node_sysctl_params[i].value);
}

/* --- host name --- */

static int hostname(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	char now[256] = "", *line;
	int changed;

	if (!cfg->nodename_overwrite || !cfg->inventory)
		return 0;
	line = xasprintf("%s\n", cfg->nodename);
	if (inst_pg_write_file(ctx, "/etc/hostname", line, 0644, NULL, "host name", &changed,
			       NULL, err) < 0) {
		free(line);
		return -1;
	}
	free(line);
	gethostname(now, sizeof(now) - 1);
	if (strcmp(now, cfg->nodename) == 0)
		return 0;
	inst_pg_change(ctx, "set the host name to %s (was %s)", cfg->nodename, now);
	if (!ctx->dry_run && sethostname(cfg->nodename, strlen(cfg->nodename)) < 0)
		return pgb_failsys(err, "cannot set the host name to %s", cfg->nodename);
	return 0;
}

/* --- /etc/hosts --- */

static void hosts_block(const struct inst_config *cfg, struct sbuf *b)
{
	sbuf_addf(b, "%s\n", BLOCK_BEGIN);
	for (size_t i = 0; i < cfg->n_hosts; i++)
		sbuf_addf(b, "%s %s\n", cfg->hosts[i].addr, cfg->hosts[i].nodename);
	for (size_t i = 0; i < cfg->node_etc_hosts.n; i++)
		sbuf_addf(b, "%s\n", cfg->node_etc_hosts.v[i]);
	sbuf_addf(b, "%s\n", BLOCK_END);
}

/* text without our block (NULL: none), into out. */
static void without_block(const char *text, struct sbuf *out)
{
	const char *a = text ? strstr(text, BLOCK_BEGIN) : NULL;
	const char *b = a ? strstr(a, BLOCK_END) : NULL;

	if (!a || !b) {
		sbuf_adds(out, text ? text : "");
		return;
	}
	sbuf_add(out, text, (size_t)(a - text));
	b += strlen(BLOCK_END);
	if (*b == '\n')
		b++;
	sbuf_adds(out, b);
}

static int etc_hosts(struct inst_ctx *ctx, const struct inst_config *cfg, int keep,
		     struct pgb_err *err)
{
	struct sbuf next = SBUF_INIT;
	char *text = NULL;
	size_t len;
	int changed, rc = 0;

	if (util_exists(HOSTS) && util_read_file(HOSTS, &text, &len, err) < 0)
		return -1;
	without_block(text, &next);
	if (keep) {
		if (next.len && next.buf[next.len - 1] != '\n')
			sbuf_addc(&next, '\n');
		hosts_block(cfg, &next);
	}
	if (!text || strcmp(text, next.buf ? next.buf : ""))
		rc = inst_pg_write_file(ctx, HOSTS, next.buf ? next.buf : "", 0644, NULL,
					"the cluster's hosts", &changed, NULL, err);
	free(text);
	sbuf_free(&next);
	return rc;
}

/* --- sysctl --- */

static int sysctl_apply(struct inst_ctx *ctx, const struct inst_pgconf *s)
{
	int failed = 0;

	for (size_t i = 0; !ctx->dry_run && i < s->n; i++) {
		char *path = xasprintf("/proc/sys/%s", s->v[i].key), *cur = NULL;
		struct pgb_err e;
		size_t len;

		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (util_read_file(path, &cur, &len, &e) == 0) {
			cur[strcspn(cur, "\n")] = '\0';
			if (strcmp(cur, s->v[i].value) != 0) {
				FILE *f = fopen(path, "we");
				int ok = f && fprintf(f, "%s\n", s->v[i].value) >= 0;

				if (f && fclose(f) != 0)
					ok = 0;
				if (ok)
					inst_pg_change(ctx, "sysctl %s = %s", s->v[i].key,
						       s->v[i].value);
				else
					failed++;
			}
		} else {
			failed++;
		}
		free(cur);
		free(path);
	}
	if (failed)
		inst_log_info(ctx->log, "%d sysctl setting%s could not be applied now (a "
			      "read-only /proc/sys, as in a container): %s applies them at boot",
			      failed, failed == 1 ? "" : "s", SYSCTL_FILE);
	return 0;
}

static int sysctl(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct inst_pgconf s = { 0 };
	struct sbuf text = SBUF_INIT;
	int changed, rc = 0;

	sysctl_settings(cfg, &s);
	if (s.n) {
		inst_pgconf_render_ini(&s, "Written by pgbundle-installer from node_tune and "
				       "node_sysctl_params of its config.", &text);
		rc = inst_pg_write_file(ctx, SYSCTL_FILE, text.buf, 0644, NULL, "kernel settings",
					&changed, NULL, err);
		if (rc == 0)
			rc = sysctl_apply(ctx, &s);
	}
	sbuf_free(&text);
	inst_pgconf_free(&s);
	return rc;
}

static int node_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	inst_log_step(ctx->log, "Node %s (%s)", cfg->nodename, cfg->self_addr);
	if (hostname(ctx, cfg, err) < 0 ||
	    (cfg->node_write_etc_hosts && etc_hosts(ctx, cfg, 1, err) < 0) ||
	    sysctl(ctx, cfg, err) < 0)
		return -1;
	return 0;
}

static int node_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		       struct pgb_err *err)
{
	char name[256] = "";

	(void)ctx;
	(void)err;
	gethostname(name, sizeof(name) - 1);
	json_object_set_new(out, "hostname", json_string(name));
	json_object_set_new(out, "address", json_string(cfg->self_addr));
	json_object_set_new(out, "hosts", json_integer((json_int_t)cfg->n_hosts));
	return 0;
}

static int node_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	inst_log_step(ctx->log, "Node: the cluster's /etc/hosts block and sysctl file");
	if (etc_hosts(ctx, cfg, 0, err) < 0)
		return -1;
	if (util_exists(SYSCTL_FILE)) {
		inst_pg_change(ctx, "remove %s", SYSCTL_FILE);
		if (!ctx->dry_run && unlink(SYSCTL_FILE) < 0)
			return pgb_failsys(err, "cannot remove %s", SYSCTL_FILE);
	}
	return 0;
}

const struct inst_module inst_module_node = {
	.name = "node",
	.summary = "the host: its name, /etc/hosts for the cluster, sysctl",
	.enabled = node_enabled,
	.apply = node_apply,
	.status = node_status,
	.uninstall = node_uninstall,
};
