/*
 * haproxy.c - HAProxy on every PostgreSQL host: Pigsty's services.
 *
 * One `listen` section per service of pg_default_services and pg_services
 * (services.c): it binds the service's port on every address (a flat
 * config: 127.0.0.1), and sends each connection to the members its
 * selector picks, each checked against Patroni's REST API (the service's
 * check: /primary, /read-only, /replica) over TLS, verified by the
 * cluster's CA and the member's name; members the backup selector picks
 * serve only when no other one passes.  dest is PgBouncer (default), the
 * PostgreSQL port, or a port.  Check intervals follow pg_rto
 * (inst_rto_table, patroni.c); a member marked down has its sessions cut,
 * so clients reconnect to the new leader at once.
 *
 * The stats page listens on 127.0.0.1:haproxy_exporter_port only, behind
 * haproxy_admin_username and its password (a cluster secret).  The file is
 * /etc/haproxy/pgbundle.cfg (the package's haproxy.cfg is left alone; a
 * drop-in points the unit at ours), 0640 root:haproxy, written by a line
 * writer and checked with `haproxy -c` before it replaces the old one; a
 * change is applied by a reload (SIGUSR2 to the master), which keeps the
 * established sessions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "module.h"
#include "ops.h"

#define CFG "/etc/haproxy/pgbundle.cfg"
#define PKI "/etc/haproxy/pki"
#define SOCK "/run/haproxy-pgbundle.sock"
#define UNIT "haproxy"

static int haproxy_enabled(const struct inst_config *cfg)
{
	return cfg->haproxy_enabled && cfg->patroni_enabled && inst_config_has_module(cfg, "pgsql")
	       && inst_pg_self(cfg);
}

/* The port a service reaches on member m. */
static int dest_port(const struct inst_config *cfg, const struct inst_service *s,
		     const struct inst_member *m)
{
	const char *d = strcmp(s->dest, "default") == 0 ? cfg->pg_default_service_dest : s->dest;

	if (strcmp(d, "postgres") == 0)
		return m->pg_port;
	if (strcmp(d, "pgbouncer") == 0)
		return m->pgbouncer_port;
	return atoi(d);
}

static void line(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	sbuf_addf(b, "    %s\n", s ? s : "");
	free(s);
}

static void render_stats(struct sbuf *b, const struct inst_config *cfg, const char *pw)
{
	sbuf_adds(b, "\nlisten stats\n");
	line(b, "bind 127.0.0.1:%d", cfg->haproxy_exporter_port);
	line(b, "mode http");
	line(b, "stats enable");
	line(b, "stats uri /");
	line(b, "stats refresh 10s");
	line(b, "stats auth %s:%s", cfg->haproxy_admin_username, pw);
}

static void render_service(struct sbuf *b, const struct inst_config *cfg,
			   const struct inst_service *s, const struct inst_rto *r)
{
	const char *bind = s->ip ? s->ip : cfg->inventory ? "*" : "127.0.0.1";

	sbuf_addf(b, "\n# service %s: members that pass %s\nlisten %s-%s\n", s->name, s->check,
		  cfg->pg_cluster, s->name);
	line(b, "bind %s:%d", bind, s->port);
	line(b, "mode tcp");
	line(b, "maxconn %d", s->maxconn);
	line(b, "balance %s", s->balance);
	line(b, "option httpchk");
	line(b, "http-check send meth OPTIONS uri %s", s->check);
	line(b, "http-check expect status 200");
	/* A real connection refused or timed out counts as a failed check
	 * and turns on fastinter (sudden-death): a leader that stopped is
	 * marked down one check after the first client finds it gone, not
	 * fall checks later, while clients sit in HAProxy's connect retries
	 * (seen as most of a switchover's pause). One transient error alone
	 * marks nothing down: the next check must fail too. */
	line(b, "default-server inter %s fastinter %s downinter %s rise %d fall %d "
	     "observe layer4 error-limit 1 on-error sudden-death "
	     "on-marked-down shutdown-sessions maxconn %d maxqueue 256", r->inter, r->fastinter,
	     r->downinter, r->rise, r->fall, s->maxconn);
	for (size_t i = 0; i < cfg->n_pg_members; i++) {
		const struct inst_member *m = &cfg->pg_members[i];
		int backup = s->backup && inst_selector_match(s->backup, m);

		if (!backup && !inst_selector_match(s->selector, m))
			continue;
		if (cfg->patroni_ssl_enabled)
			line(b, "server %s %s:%d check port %d check-ssl verify required ca-file "
			     PKI "/ca.crt verifyhost %s weight %d%s", m->name, m->addr,
			     dest_port(cfg, s, m), m->patroni_port, m->nodename, m->weight,
			     backup ? " backup" : "");
		else
			line(b, "server %s %s:%d check port %d weight %d%s", m->name, m->addr,
			     dest_port(cfg, s, m), m->patroni_port, m->weight,
			     backup ? " backup" : "");
	}
}

void inst_haproxy_render(const struct inst_config *cfg, const char *pw, struct sbuf *b)
{
	const struct inst_rto *r = inst_rto(cfg);

	sbuf_addf(b, "# Written by pgbundle-installer from its config (pg_default_services, "
		  "pg_services,\n# haproxy_*, pg_rto %s); edits are overwritten on its next run.\n",
		  cfg->pg_rto);
	sbuf_adds(b, "global\n");
	line(b, "log /dev/log local0 notice");
	line(b, "user haproxy");
	line(b, "group haproxy");
	line(b, "maxconn 4000");	/* about 8000 descriptors: under any host's hard limit */
	line(b, "stats socket " SOCK " mode 600 level operator");
	sbuf_adds(b, "\ndefaults\n");
	line(b, "log global");
	line(b, "mode tcp");
	line(b, "option dontlognull");
	/* timeout connect also bounds the checks' connect and TLS handshake
	 * (min of it and inter): 500 ms, tried for shorter retries in a
	 * switchover, made a loaded host's checks of the new leader fail and
	 * the pauses longer (test 64: worst 3.9 s against 3.2 s). */
	line(b, "retries 2");
	line(b, "option redispatch");
	line(b, "timeout connect 2s");
	line(b, "timeout queue 5s");
	/* A busy Patroni answers slowly; a dead host is found by the connect. */
	line(b, "timeout check 3s");
	line(b, "timeout client %s", cfg->haproxy_client_timeout);
	line(b, "timeout server %s", cfg->haproxy_server_timeout);
	render_stats(b, cfg, pw);
	for (size_t i = 0; i < cfg->n_pg_services; i++)
		render_service(b, cfg, &cfg->pg_services[i], r);
}

/* `haproxy -c` on the candidate: a config it refuses never replaces ours. */
static int check(const char *text, struct pgb_err *err)
{
	char path[] = "/etc/haproxy/.pgbundle.cfg.XXXXXX";
	const char *argv[] = { "haproxy", "-c", "-f", path, NULL };
	struct sbuf out = SBUF_INIT;
	int fd = mkstemp(path), st;

	if (fd < 0)
		return pgb_failsys(err, "cannot write a candidate HAProxy config in /etc/haproxy");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return pgb_failsys(err, "cannot write %s", path);
	}
	close(fd);
	st = inst_run(argv, &out, err);
	unlink(path);
	if (st > 0)
		pgb_fail(err, "haproxy -c refuses the config made from %s (nothing was changed): "
			 "%.1500s", CFG, out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int ca(struct inst_ctx *ctx, int *changed, struct pgb_err *err)
{
	char *text = NULL;
	size_t len;
	int c = 0, rc = ctx->dry_run ? 0 : util_mkdir_p(PKI, 0755, err);

	if (rc == 0 && ctx->dry_run && !util_exists(INST_PKI_DIR "/ca.crt"))
		return 0;
	if (rc == 0)
		rc = util_read_file(INST_PKI_DIR "/ca.crt", &text, &len, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, PKI "/ca.crt", text, 0644, NULL, "the CA HAProxy "
					"checks Patroni with", &c, NULL, err);
	*changed |= c;
	free(text);
	return rc;
}

/* 0640 root:haproxy: the stats password is in it. */
static int install(struct inst_ctx *ctx, const char *text, int *changed, struct pgb_err *err)
{
	uid_t uid;
	gid_t gid;
	int c = 0, rc;

	rc = inst_pg_write_file(ctx, CFG, text, 0640, NULL, "HAProxy's services", &c, NULL, err);
	if (rc == 0 && c && !ctx->dry_run && inst_local_user("haproxy", &uid, &gid, NULL, err) == 0 &&
	    chown(CFG, 0, gid) < 0)
		rc = pgb_failsys(err, "cannot give %s to group haproxy", CFG);
	*changed |= c;
	return rc;
}

static int haproxy_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err)
{
	struct inst_secrets sec;
	struct strlist dropin = STRLIST_INIT;
	struct sbuf text = SBUF_INIT;
	const char *pw = NULL;
	int cfg_changed = 0, unit_changed = 0, rc;

	inst_log_step(ctx->log, "HAProxy: %zu services of cluster %s", cfg->n_pg_services,
		      cfg->pg_cluster);
	rc = inst_secrets_open(&sec, ctx, cfg, err);
	if (rc == 0)
		rc = inst_secret(&sec, ctx, "haproxy_admin_password", cfg->haproxy_admin_password,
				 &pw, err);
	if (rc == 0 && strpbrk(pw, " \t:#\\\""))
		rc = pgb_fail(err, "haproxy_admin_password holds a space, ':', '#', '\\' or '\"', "
			      "which HAProxy's stats auth line cannot carry: choose another");
	if (rc == 0) {
		inst_haproxy_render(cfg, pw, &text);
		rc = ca(ctx, &cfg_changed, err);
	}
	if (rc == 0 && !ctx->dry_run && util_exists("/usr/sbin/haproxy"))
		rc = check(text.buf, err);
	if (rc == 0)
		rc = install(ctx, text.buf, &cfg_changed, err);
	strlist_add(&dropin, "Environment=\"CONFIG=" CFG "\"");
	if (rc == 0)
		rc = inst_unit_dropin(ctx, UNIT, "pgbundle", &dropin, &unit_changed, err);
	if (rc == 0 && inst_pg_unit_active(UNIT) && cfg_changed && !unit_changed &&
	    !ctx->no_start) {
		inst_log_info(ctx->log, "reload haproxy (its services changed)");
		if (!ctx->dry_run)
			rc = inst_unit_signal(UNIT, "USR2", err);
	} else if (rc == 0) {
		rc = inst_unit_run(ctx, UNIT, unit_changed, err);
	}
	if (text.buf)
		OPENSSL_cleanse(text.buf, text.len);
	sbuf_free(&text);
	strlist_free(&dropin);
	inst_secrets_free(&sec);
	return rc;
}

/* --- status: `show stat` on HAProxy's socket --- */

static int show_stat(struct sbuf *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char cmd[] = "show stat\n";
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", SOCK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, cmd, sizeof(cmd) - 1) != (ssize_t)sizeof(cmd) - 1) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sbuf_add(out, buf, (size_t)n);
	close(fd);
	return out->len ? 0 : -1;
}

/* Field i (0-based) of a CSV line, copied into f. */
static void csv_field(const char *line, int i, char *f, size_t size)
{
	const char *p = line;

	while (i-- > 0 && p)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
	snprintf(f, size, "%.*s", p ? (int)strcspn(p, ",\n") : 0, p ? p : "");
}

static int haproxy_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			  struct pgb_err *err)
{
	struct sbuf stat = SBUF_INIT;
	json_t *services = json_array();
	int active = inst_pg_unit_active(UNIT), have = active && show_stat(&stat) == 0;
	int ok = active;

	(void)ctx;
	(void)err;
	for (size_t i = 0; i < cfg->n_pg_services; i++) {
		const struct inst_service *s = &cfg->pg_services[i];
		char *px = xasprintf("%s-%s", cfg->pg_cluster, s->name);
		json_t *up = json_array(), *svc;

		for (const char *l = stat.buf; have && l && *l; l = strchr(l, '\n') ?
								strchr(l, '\n') + 1 : NULL) {
			char name[128], sv[128], st[32];

			csv_field(l, 0, name, sizeof(name));
			csv_field(l, 1, sv, sizeof(sv));
			csv_field(l, 17, st, sizeof(st));
			if (strcmp(name, px) == 0 && strcmp(sv, "FRONTEND") &&
			    strcmp(sv, "BACKEND") && strncmp(st, "UP", 2) == 0)
				json_array_append_new(up, json_string(sv));
		}
		svc = json_pack("{s:s, s:i, s:s, s:o, s:b}", "name", s->name, "port", s->port,
				"check", s->check, "up", up, "listening",
				inst_tcp_open(strcmp(s->ip ? s->ip : "*", "*") ? s->ip : "127.0.0.1",
					      s->port, 300));
		json_array_append_new(services, svc);
		free(px);
	}
	json_object_set_new(out, "active", json_boolean(active));
	json_object_set_new(out, "stats_port", json_integer(cfg->haproxy_exporter_port));
	json_object_set_new(out, "services", services);
	json_object_set_new(out, "ok", json_boolean(ok));
	sbuf_free(&stat);
	return 0;
}

static int haproxy_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			     struct pgb_err *err)
{
	const char *files[] = { CFG, PKI };
	int rc = 0;

	(void)cfg;
	inst_log_step(ctx->log, "HAProxy: the services go");
	if (inst_pg_unit_active(UNIT)) {
		inst_pg_change(ctx, "stop haproxy");
		if (!ctx->dry_run)
			rc = inst_pg_systemctl("stop", UNIT, err);
	}
	for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++)
		if (util_exists(files[i])) {
			inst_pg_change(ctx, "remove %s", files[i]);
			if (!ctx->dry_run)
				rc = util_rm_rf(files[i], err);
		}
	if (rc == 0)
		rc = inst_ops_remove_dropin(ctx, UNIT, "pgbundle", err);
	return rc;
}

static void haproxy_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	inst_secret_need(out, 0, "haproxy_admin_password", cfg->haproxy_admin_password);
}

const struct inst_module inst_module_haproxy = {
	.name = "haproxy",
	.summary = "HAProxy: Pigsty's services on every PostgreSQL host",
	.packages = "haproxy",
	.enabled = haproxy_enabled,
	.apply = haproxy_apply,
	.status = haproxy_status,
	.uninstall = haproxy_uninstall,
	.secrets = haproxy_secrets,
};
