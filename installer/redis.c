/*
 * redis.c - Redis: the instances of redis_instances on this host, each its
 * own systemd unit, in Pigsty's shape.
 *
 * An instance CLUSTER-NODE-PORT (redis_cluster, redis_node, the port) gets
 *   /etc/redis/NAME.conf                  0600 redis: it holds the password
 *   /etc/systemd/system/NAME.service      Type=notify, User=redis
 *   REDIS_FS_MAIN/NAME/                   its RDB (and AOF) files, 0700 redis
 *   /var/log/redis/NAME.log
 * (Debian's and EL 8's and 9's names; EL 10 has Valkey: valkey-server,
 * user valkey, /etc/valkey, /var/log/valkey.  inst_redis_layout.)
 * Every instance asks for the same password (requirepass; masterauth for a
 * replica's link): redis_password, else the cluster secret of that name,
 * the same on every node.  A replica follows 'IP PORT' of replica_of.
 * Persistence is Pigsty's default: RDB save points from redis_rdb_save
 * (1200 1), no AOF unless redis_aof_enabled.  maxmemory is redis_max_memory,
 * or (auto) 1 GB at most and an eighth of the host's memory shared by its
 * instances.  The distribution's own redis-server service (6379 on
 * loopback) is stopped and disabled: the instances are ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ops.h"

#define MiB (1024ull * 1024ull)
#define READY_TIMEOUT_S 60

/* Debian's redis-server; EL 8's and 9's redis in AppStream (EL 8 keeps its
 * config in /etc/redis.conf, with no /etc/redis: the instances' directory
 * is made as EL 9's package makes it, redis's, 0750); EL 10's valkey, the
 * fork RHEL 10 ships instead, under its own names. */
static const struct inst_redis_layout layouts[] = {
	{ "rpm", "el10", "/usr/bin/valkey-server", "valkey-cli", "valkey", "/etc/valkey",
	  "/var/log/valkey", "valkey.service" },
	{ "rpm", NULL, "/usr/bin/redis-server", "redis-cli", "redis", "/etc/redis",
	  "/var/log/redis", "redis.service" },
	{ "deb", NULL, "/usr/bin/redis-server", "redis-cli", "redis", "/etc/redis",
	  "/var/log/redis", "redis-server.service" },
};

const struct inst_redis_layout *inst_redis_layout(const char *family, const char *target)
{
	size_t n = sizeof(layouts) / sizeof(layouts[0]);

	for (size_t i = 0; i < n; i++)
		if (family && strcmp(layouts[i].family, family) == 0 &&
		    (!layouts[i].target || (target && strcmp(layouts[i].target, target) == 0)))
			return &layouts[i];
	return &layouts[n - 1];
}

static const struct inst_redis_layout *layout_of(const struct inst_config *cfg)
{
	return inst_redis_layout(cfg->family, cfg->target);
}

char *inst_redis_name(const struct inst_config *cfg, const struct inst_redis_instance *r)
{
	return xasprintf("%s-%d-%d", cfg->redis_cluster, cfg->redis_node, r->port);
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end | 0x20) {
	case 'k': return v * (end[1] ? 1024ull : 1000ull);
	case 'm': return v * (end[1] ? MiB : 1000000ull);
	case 'g': return v * (end[1] ? 1024ull * MiB : 1000000000ull);
	default: return v;
	}
}

unsigned long long inst_redis_maxmemory(const struct inst_config *cfg, unsigned long long mem)
{
	unsigned long long share;
	size_t n = cfg->n_redis_instances ? cfg->n_redis_instances : 1;

	if (strcmp(cfg->redis_max_memory, "auto") != 0)
		return parse_size(cfg->redis_max_memory);
	share = mem / 8 / n / MiB * MiB;
	if (share > 1024 * MiB)
		share = 1024 * MiB;
	return share < 16 * MiB ? 16 * MiB : share;
}

/* A value Redis reads as one argument: "..." with \ and " escaped. */
static void quoted(struct sbuf *out, const char *key, const char *v)
{
	sbuf_addf(out, "%s \"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sbuf_addc(out, '\\');
		sbuf_addc(out, *v);
	}
	sbuf_adds(out, "\"\n");
}

void inst_redis_conf(const struct inst_config *cfg, const struct inst_redis_layout *l,
		     const struct inst_redis_instance *r, const char *pw,
		     unsigned long long maxmemory, struct sbuf *out)
{
	char *name = inst_redis_name(cfg, r);

	sbuf_addf(out, "# Redis %s, written by pgbundle-installer from redis_instances; edits "
		  "are overwritten.\n", name);
	sbuf_addf(out, "bind %s\nprotected-mode no\nport %d\n", cfg->redis_bind_address, r->port);
	sbuf_adds(out, "tcp-backlog 511\ntimeout 0\ntcp-keepalive 300\n"
		  "daemonize no\nsupervised systemd\nloglevel notice\n");
	sbuf_addf(out, "logfile %s/%s.log\ndatabases 16\n", l->log_dir, name);
	for (size_t i = 0; i < cfg->redis_rdb_save.n; i++)
		sbuf_addf(out, "save %s\n", cfg->redis_rdb_save.v[i]);
	if (!cfg->redis_rdb_save.n)
		sbuf_adds(out, "save \"\"\n");
	sbuf_adds(out, "stop-writes-on-bgsave-error no\nrdbcompression yes\nrdbchecksum yes\n");
	sbuf_addf(out, "dbfilename %s.rdb\ndir %s/%s\n", name, cfg->redis_fs_main, name);
	if (r->replica_of)
		sbuf_addf(out, "replicaof %s\n", r->replica_of);
	quoted(out, "masterauth", pw);
	quoted(out, "requirepass", pw);
	sbuf_adds(out, "replica-serve-stale-data yes\nreplica-read-only yes\nmaxclients 6000\n");
	sbuf_addf(out, "maxmemory %llu\nmaxmemory-policy %s\n", maxmemory, cfg->redis_mem_policy);
	sbuf_addf(out, "appendonly %s\nappendfilename \"%s.aof\"\nappendfsync everysec\n",
		  cfg->redis_aof_enabled ? "yes" : "no", name);
	free(name);
}

void inst_redis_unit(const struct inst_config *cfg, const struct inst_redis_layout *l,
		     const struct inst_redis_instance *r, struct sbuf *out)
{
	char *name = inst_redis_name(cfg, r);

	sbuf_adds(out, "# Written by pgbundle-installer; edits are overwritten.\n[Unit]\n");
	sbuf_addf(out, "Description=Redis instance %s (port %d)\n", name, r->port);
	sbuf_addf(out, "After=network.target\nAssertPathExists=%s/%s.conf\n", l->conf_dir, name);
	sbuf_addf(out, "\n[Service]\nType=notify\nUser=%s\nGroup=%s\n", l->user, l->user);
	sbuf_addf(out, "ExecStart=%s %s/%s.conf\n", l->server, l->conf_dir, name);
	sbuf_addf(out, "WorkingDirectory=%s/%s\n", cfg->redis_fs_main, name);
	sbuf_adds(out, "LimitNOFILE=10032\nTimeoutStopSec=60\nUMask=0077\nRestart=on-failure\n"
		  "\n[Install]\nWantedBy=multi-user.target\n");
	free(name);
}

/* --- asking an instance --- */

/* redis-cli against port, authenticated on stdin (no password in argv):
 * the output of "AUTH pw" then command.  Its status, -1 when it cannot run. */
static int ask(const struct inst_redis_layout *l, int port, const char *pw, const char *command,
	       struct sbuf *out, struct pgb_err *err)
{
	char p[16];
	const char *argv[] = { l->cli, "-h", "127.0.0.1", "-p", p, NULL };
	char *input = xasprintf("AUTH \"%s\"\n%s\n", pw, command);
	int st;

	snprintf(p, sizeof(p), "%d", port);
	st = inst_run_input(argv, input, out, err);
	OPENSSL_cleanse(input, strlen(input));
	free(input);
	return st;
}

/* 1 when the instance answers PING once authenticated. */
static int answers(const struct inst_redis_layout *l, int port, const char *pw)
{
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int yes = ask(l, port, pw, "PING", &out, &ignored) == 0 && out.buf &&
		  strstr(out.buf, "PONG");

	sbuf_free(&out);
	return yes;
}

/* --- apply --- */

struct rds {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	const struct inst_redis_layout *l;
	const char *pw;		/* belongs to sec */
	struct inst_secrets sec;
	unsigned long long maxmemory;
	size_t waiting;		/* the instance inst_wait polls */
};


static int ready(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct rds *d = arg;
	const struct inst_redis_instance *r = &d->cfg->redis_instances[d->waiting];
	char *unit;
	int failed;

	if (answers(d->l, r->port, d->pw))
		return 1;
	unit = xasprintf("%s-%d-%d.service", d->cfg->redis_cluster, d->cfg->redis_node, r->port);
	failed = inst_unit_failed(unit);
	if (failed)
		pgb_fail(err, "Redis %s failed to start: see journalctl -u %s and %s/", unit, unit,
			 d->l->log_dir);
	else
		sbuf_addf(why, "waiting for Redis on port %d to answer", r->port);
	free(unit);
	return failed ? -1 : 0;
}

static int instance(struct rds *d, size_t i, struct pgb_err *err)
{
	const struct inst_redis_instance *r = &d->cfg->redis_instances[i];
	char *name = inst_redis_name(d->cfg, r);
	char *dir = xasprintf("%s/%s", d->cfg->redis_fs_main, name);
	char *conf = xasprintf("%s/%s.conf", d->l->conf_dir, name);
	char *unit = xasprintf("%s.service", name);
	struct sbuf c = SBUF_INIT, u = SBUF_INIT;
	int cc = 0, uc = 0, rc;

	inst_redis_conf(d->cfg, d->l, r, d->pw, d->maxmemory, &c);
	inst_redis_unit(d->cfg, d->l, r, &u);
	rc = inst_ops_own_dir(d->ctx, dir, d->l->user, 0700, err);
	if (rc == 0)
		rc = inst_pg_write_file(d->ctx, conf, c.buf, 0600, d->l->user, "Redis' settings",
					&cc, NULL, err);
	if (rc == 0)
		rc = inst_ops_unit_file(d->ctx, unit, u.buf, &uc, err);
	if (rc == 0)
		rc = inst_unit_run(d->ctx, unit, cc || uc, err);
	d->waiting = i;
	if (rc == 0 && !d->ctx->dry_run && !d->ctx->no_start)
		rc = inst_wait(d->ctx, READY_TIMEOUT_S, 250, ready, d, err);
	OPENSSL_cleanse(c.buf, c.len);
	sbuf_free(&c);
	sbuf_free(&u);
	free(name);
	free(dir);
	free(conf);
	free(unit);
	return rc;
}

static int redis_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct rds d = { ctx, cfg, layout_of(cfg), NULL, { 0 }, 0, 0 };
	int rc;

	d.maxmemory = inst_redis_maxmemory(cfg, inst_pg_host_memory());
	inst_log_step(ctx->log, "Redis %s node %d: %zu instance(s), maxmemory %llu MB each",
		      cfg->redis_cluster, cfg->redis_node, cfg->n_redis_instances,
		      d.maxmemory / MiB);
	rc = inst_secrets_open(&d.sec, ctx, cfg, err);
	if (rc == 0)
		rc = inst_secret(&d.sec, ctx, "redis_password", cfg->redis_password, &d.pw, err);
	/* The package's own instance would hold 6379. */
	if (rc == 0)
		rc = inst_ops_unit_stop(ctx, d.l->unit, err);
	if (rc == 0)
		rc = inst_ops_own_dir(ctx, d.l->conf_dir, d.l->user, 0750, err);
	for (size_t i = 0; rc == 0 && i < cfg->n_redis_instances; i++)
		rc = instance(&d, i, err);
	inst_secrets_free(&d.sec);
	return rc;
}

/* --- status --- */

static json_t *instance_status(const struct inst_config *cfg, const struct inst_redis_instance *r,
			       const char *pw)
{
	const struct inst_redis_layout *l = layout_of(cfg);
	char *name = inst_redis_name(cfg, r), *unit = xasprintf("%s.service", name);
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	const char *role;
	json_t *o = json_object();
	int up = pw && answers(l, r->port, pw);

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "port", json_integer(r->port));
	json_object_set_new(o, "active", json_boolean(inst_pg_unit_active(unit)));
	json_object_set_new(o, "answers", json_boolean(up));
	if (up && ask(l, r->port, pw, "INFO replication", &out, &ignored) == 0 && out.buf) {
		role = strstr(out.buf, "role:");
		if (role)
			json_object_set_new(o, "role", json_stringn(role + 5, strcspn(role + 5,
										   "\r\n")));
		role = strstr(out.buf, "master_link_status:");
		if (role)
			json_object_set_new(o, "link", json_stringn(role + 19,
								   strcspn(role + 19, "\r\n")));
	}
	if (r->replica_of)
		json_object_set_new(o, "replica_of", json_string(r->replica_of));
	sbuf_free(&out);
	free(name);
	free(unit);
	return o;
}

static int redis_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			struct pgb_err *err)
{
	struct inst_secrets sec;
	const char *pw = cfg->redis_password;
	json_t *list = json_array();
	int ok = 1;

	/* Read the stored secret only: status generates nothing. */
	if (!pw && inst_secrets_open(&sec, ctx, cfg, err) == 0)
		pw = inst_creds_get(&sec.other, "redis_password");
	for (size_t i = 0; i < cfg->n_redis_instances; i++) {
		json_t *o = instance_status(cfg, &cfg->redis_instances[i], pw);

		ok &= json_is_true(json_object_get(o, "answers"));
		json_array_append_new(list, o);
	}
	json_object_set_new(out, "cluster", json_string(cfg->redis_cluster));
	json_object_set_new(out, "node", json_integer(cfg->redis_node));
	json_object_set_new(out, "instances", list);
	json_object_set_new(out, "ok", json_boolean(ok));
	if (!cfg->redis_password)
		inst_secrets_free(&sec);
	return 0;
}

/* --- uninstall --purge --- */

static int redis_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			   struct pgb_err *err)
{
	const struct inst_redis_layout *l = layout_of(cfg);
	int rc = 0;

	inst_log_step(ctx->log, "Redis %s node %d: the instances, their files and data",
		      cfg->redis_cluster, cfg->redis_node);
	for (size_t i = 0; rc == 0 && i < cfg->n_redis_instances; i++) {
		char *name = inst_redis_name(cfg, &cfg->redis_instances[i]);
		char *unit = xasprintf("%s.service", name);
		char *unit_path = xasprintf("/etc/systemd/system/%s", unit);
		char *conf = xasprintf("%s/%s.conf", l->conf_dir, name);
		char *dir = xasprintf("%s/%s", cfg->redis_fs_main, name);
		char *log = xasprintf("%s/%s.log", l->log_dir, name);

		rc = inst_ops_unit_stop(ctx, unit, err);
		if (rc == 0)
			rc = inst_ops_remove(ctx, unit_path, err);
		if (rc == 0)
			rc = inst_ops_remove(ctx, conf, err);
		if (rc == 0)
			rc = inst_ops_remove(ctx, dir, err);
		if (rc == 0)
			rc = inst_ops_remove(ctx, log, err);
		free(name);
		free(unit);
		free(unit_path);
		free(conf);
		free(dir);
		free(log);
	}
	if (rc == 0 && !ctx->dry_run)
		rc = inst_daemon_reload(err);
	if (rc == 0 && !ctx->dry_run) {
		rmdir(cfg->redis_fs_main);	/* when nothing else is in it */
		rmdir(l->conf_dir);	/* EL 8's, made by apply; the others hold the package's */
	}
	return rc;
}

static void redis_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	inst_secret_need(out, 0, "redis_password", cfg->redis_password);
}

static int redis_enabled(const struct inst_config *cfg)
{
	return cfg->redis_cluster && inst_config_has_module(cfg, "redis") &&
	       strcmp(cfg->redis_mode, "standalone") == 0 && strcmp(cfg->redis_type, "redis") == 0;
}

const struct inst_module inst_module_redis = {
	.name = "redis",
	.summary = "Redis instances and primary-replica pairs, a systemd unit each",
	.packages = "redis",
	.enabled = redis_enabled,
	.apply = redis_apply,
	.status = redis_status,
	.uninstall = redis_uninstall,
	.secrets = redis_secrets,
};
