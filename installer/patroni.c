/*
 * patroni.c - PostgreSQL under Patroni, on every host of a PostgreSQL cluster.
 *
 * The distribution's default cluster is not made (Debian: postgresql-common's
 * createcluster.d says create_main_cluster = false before the packages go
 * in; PGDG's packages make none, and postgresql-N.service is never enabled);
 * Patroni runs PostgreSQL with the patroni.service of the family's package
 * and the file it names (inst_pg_layout_patroni: Debian's
 * /etc/patroni/config.yml and /var/lib/postgresql/MAJOR/CLUSTER, PGDG's
 * /etc/patroni/patroni.yml and /var/lib/pgsql/MAJOR/data), written here with
 * libyaml's emitter (0600 postgres: it holds the replication, rewind and
 * REST passwords).
 *
 * Who initializes: only the host with pg_role: primary has a `bootstrap`
 * section, so Patroni on the others waits for it and then clones from the
 * leader; which member leads later is Patroni's business.
 *
 * Settings, in two places:
 *   the DCS (every member agrees)  timing from pg_rto, maximum_lag_on_failover
 *       from pg_rpo, synchronous_mode when pg_rpo is 0 (strict with pg_conf:
 *       crit), failsafe_mode where Patroni has it (3.0+), use_slots,
 *       use_pg_rewind, the PostgreSQL parameters (pg_parameters, the
 *       extensions', replication's, each module's pg_settings) and pg_hba;
 *       written by the initializing member's bootstrap, and brought to what
 *       the config says on every later run with `patronictl edit-config
 *       --apply` (a patch; Patroni reloads or marks a pending restart, which
 *       the member then takes with `patronictl restart --pending`)
 *   the local file  this host's addresses, memory sized to its RAM, TLS
 *       files, the REST API (TLS, basic auth on unsafe endpoints)
 *
 * Failover timing (pg_rto), chosen so that the default meets RTO < 30 s
 * (README "Failover timing" gives the arithmetic; measured by
 * tests/e2e/60-*):
 *          ttl loop retry start | HAProxy inter fastinter downinter rise fall
 *   fast    20    3     5    15 |  1s  250ms 250ms 1  2
 *   norm    20    4     8    20 |  1s  250ms 250ms 1  2     (default)
 *   safe    60   10    20    45 |  3s  1500ms 3s   3  3     (Pigsty's)
 *   wide   120   20    30    95 |  4s  2s    4s    3  3     (Pigsty's)
 *
 * HAProxy's checks are fast's in norm too.  rise 1: Patroni's /primary
 * answers 200 only while the member holds the leader key and runs as
 * primary, so one good check is enough.  fall 2, 250 ms apart: in a
 * switchover the old leader's PgBouncer keeps accepting clients while its
 * PostgreSQL stops, and they wait there (for a server, not failing) until
 * HAProxy marks it down and shuts their sessions: that wait was most of a
 * switchover's pause (test 64).
 *
 * install returns when this member runs: the leader, or a replica that
 * streams from it and has received the leader's roles; it says what it
 * waits for (etcd, the leader's initialization, the clone).  Roles,
 * databases and extensions are made on the leader only (pgobjects.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "module.h"
#include "yamlout.h"
#include "yamldoc.h"

#define PKI "/etc/patroni/pki"
#define UNIT "patroni"
#define CREATECLUSTER "/etc/postgresql-common/createcluster.d/pgbundle.conf"
#define TAG "pgbundle"		/* the member's tag: the bundle version it runs */

const struct inst_rto inst_rto_table[] = {
	{ "fast", 20, 3, 5, 15, "1s", "250ms", "250ms", 1, 2 },
	{ "norm", 20, 4, 8, 20, "1s", "250ms", "250ms", 1, 2 },
	{ "safe", 60, 10, 20, 45, "3s", "1500ms", "3s", 3, 3 },
	{ "wide", 120, 20, 30, 95, "4s", "2s", "4s", 3, 3 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 },
};

const struct inst_rto *inst_rto(const struct inst_config *cfg)
{
	for (const struct inst_rto *r = inst_rto_table; r->name; r++)
		if (strcmp(r->name, cfg->pg_rto) == 0)
			return r;
	return &inst_rto_table[1];
}

static int patroni_enabled(const struct inst_config *cfg)
{
	return cfg->patroni_enabled && inst_config_has_module(cfg, "pgsql") && inst_pg_self(cfg);
}

/* --- the layout and Patroni's version --- */

int inst_pg_layout_patroni(struct inst_pg_layout *l, const struct inst_config *cfg,
			   const char *family, struct pgb_err *err)
{
	if (inst_pg_layout_init(l, family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	free(l->unit);
	l->unit = xstrdup(UNIT);
	/* EL: PGDG's data directory, where its tools and EL's admins look;
	 * Debian: beside postgresql-common's MAJOR/main, which is not made. */
	if (!l->debian)
		return 0;
	free(l->data_dir);
	free(l->conf_dir);
	l->data_dir = xasprintf("/var/lib/postgresql/%d/%s", cfg->pg_major, cfg->pg_cluster);
	l->conf_dir = xstrdup(l->data_dir);
	return 0;
}

/* Patroni's major version (2, 3, 4), 0 when it cannot be run. */
static int patroni_major(void)
{
	const char *argv[] = { "patroni", "--version", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	const char *v;
	int major = 0;

	if (inst_run(argv, &out, &ignored) == 0 && out.buf && (v = strstr(out.buf, "patroni ")))
		major = atoi(v + 8);
	sbuf_free(&out);
	return major;
}

/* --- patronictl --- */

int inst_patronictl(const struct inst_config *cfg, const char *const *args, const char *input,
		    struct sbuf *out, struct pgb_err *err)
{
	struct strlist a = STRLIST_INIT;
	int st;

	strlist_add(&a, "patronictl");
	strlist_add(&a, "-c");
	strlist_add(&a, inst_ha_layout(cfg->family)->patroni_conf);
	for (size_t i = 0; args[i]; i++)
		strlist_add(&a, args[i]);
	strlist_add_owned(&a, NULL);
	st = inst_run_input((const char *const *)a.v, input, out, err);
	strlist_free(&a);
	return st;
}

/* patronictl list as JSON: one object per member; NULL when Patroni's DCS
 * does not answer (err says why). */
json_t *inst_patroni_members(const struct inst_config *cfg, struct pgb_err *err)
{
	const char *args[] = { "list", cfg->pg_cluster, "-f", "json", NULL };
	struct sbuf out = SBUF_INIT;
	json_error_t je;
	json_t *j = NULL;
	const char *start;
	int st = inst_patronictl(cfg, args, NULL, &out, err);

	start = out.buf ? strchr(out.buf, '[') : NULL;
	if (st == 0 && start)
		j = json_loads(start, 0, &je);
	if (!j && st >= 0)
		pgb_fail(err, "patronictl list: %.300s", out.buf ? out.buf : "(no output)");
	sbuf_free(&out);
	return j;
}

static json_t *member_of(json_t *members, const char *name)
{
	size_t i;
	json_t *m;

	json_array_foreach(members, i, m)
		if (json_string_value(json_object_get(m, "Member")) &&
		    strcmp(json_string_value(json_object_get(m, "Member")), name) == 0)
			return m;
	return NULL;
}

static const char *field(json_t *m, const char *key)
{
	const char *v = json_string_value(json_object_get(m, key));

	return v ? v : "";
}

/* The leader's member name in members, or NULL. */
static const char *leader_of(json_t *members)
{
	size_t i;
	json_t *m;

	json_array_foreach(members, i, m)
		if (strcmp(field(m, "Role"), "Leader") == 0)
			return field(m, "Member");
	return NULL;
}

/* --- settings --- */

static int is_memory_key(const char *k)
{
	return !strcmp(k, "shared_buffers") || !strcmp(k, "effective_cache_size") ||
	       !strcmp(k, "maintenance_work_mem") || !strcmp(k, "work_mem");
}

static int config_sets(const struct inst_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_pg_parameters; i++)
		if (strcmp(cfg->pg_parameters[i].key, key) == 0)
			return 1;
	return 0;
}

/* What every member shares (dcs) and what is this host's own (local). */
void inst_patroni_settings(const struct inst_config *cfg, const struct inst_pg_layout *l,
			   uint64_t mem, struct inst_pgconf *dcs, struct inst_pgconf *local)
{
	struct inst_pgconf all = { 0 };

	inst_pgconf_set(dcs, "wal_level", "replica");
	inst_pgconf_set(dcs, "hot_standby", "on");
	inst_pgconf_set(dcs, "wal_log_hints", "on");
	inst_pgconf_set(dcs, "max_wal_senders", "16");
	inst_pgconf_set(dcs, "max_replication_slots", "16");
	inst_pgconf_set(dcs, "wal_keep_size", "1GB");
	inst_pgconf_set(dcs, "hot_standby_feedback", "on");
	inst_pgconf_set(dcs, "ssl", "on");
	inst_pg_settings(cfg, mem, &all);
	for (size_t i = 0; i < all.n; i++) {
		const char *k = all.v[i].key;

		/* Patroni sets these from its own configuration. */
		if (!strcmp(k, "cluster_name") || !strcmp(k, "listen_addresses") ||
		    !strcmp(k, "port"))
			continue;
		inst_pgconf_set(is_memory_key(k) && !config_sets(cfg, k) ? local : dcs, k,
				all.v[i].value);
	}
	inst_modules_pg_settings(cfg, dcs);
	inst_pgconf_set(local, "unix_socket_directories", l->socket_dir);
	inst_pgconf_set(local, "ssl_cert_file", PKI "/node.crt");
	inst_pgconf_set(local, "ssl_key_file", PKI "/node.key");
	inst_pgconf_set(local, "ssl_ca_file", PKI "/ca.crt");
	inst_pgconf_free(&all);
}

/* "ADDR:PORT" for an address (brackets for IPv6). */
static char *hostport(const char *addr, int port)
{
	return xasprintf(strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);
}

struct pconf {
	const struct inst_config *cfg;
	const struct inst_member *self;
	const char *repl_pw, *admin_pw, *rest_pw;
	int major;		/* Patroni's */
	struct inst_pg_layout *l;
	const char *bundle;	/* the bundle's version, tagged on the member; or NULL */
};

/* removed: keys to set to null (a patch that drops them), or NULL. */
static void emit_params(struct yamlout *y, const struct inst_pgconf *p,
			const struct strlist *removed)
{
	yamlout_map(y);
	for (size_t i = 0; i < p->n; i++)
		yamlout_kstr(y, p->v[i].key, p->v[i].value);
	for (size_t i = 0; removed && i < removed->n; i++) {
		yamlout_key(y, removed->v[i]);
		yamlout_null(y);
	}
	yamlout_end(y);
}

static void emit_hba(struct yamlout *y, const struct inst_config *cfg)
{
	struct sbuf hba = SBUF_INIT;

	inst_pg_hba_render(cfg, &hba);
	yamlout_seq(y);
	for (char *line = hba.buf, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		yamlout_str(y, line);
		if (!nl)
			break;
	}
	yamlout_end(y);
	sbuf_free(&hba);
}

/* The DCS part: bootstrap.dcs on the initializer, and the later patches. */
void inst_patroni_dcs(struct yamlout *y, const struct inst_config *cfg, int patroni_major,
		      const struct inst_pgconf *dcs, const struct strlist *removed)
{
	const struct inst_rto *r = inst_rto(cfg);
	int sync = cfg->pg_rpo == 0;

	yamlout_map(y);
	yamlout_kint(y, "ttl", r->ttl);
	yamlout_kint(y, "loop_wait", r->loop);
	yamlout_kint(y, "retry_timeout", r->retry);
	/* A crashed primary is restarted in place, with crash recovery, for up
	 * to primary_start_timeout; with synchronous mode a failover loses no
	 * commit and takes seconds, so it comes first (0: fail over at once when
	 * a synchronous standby can take over, restart in place otherwise). */
	yamlout_kint(y, patroni_major >= 3 ? "primary_start_timeout" : "master_start_timeout",
		     sync ? 0 : r->start);
	/* With synchronous mode only the synchronous standby, which has every
	 * commit, may take over; the lag allowance then only keeps an
	 * in-flight WAL tail from blocking that. */
	yamlout_kint(y, "maximum_lag_on_failover", sync ? 1048576 : cfg->pg_rpo);
	yamlout_kbool(y, "synchronous_mode", sync);
	yamlout_kbool(y, "synchronous_mode_strict", sync && strcmp(cfg->pg_conf, "crit") == 0);
	if (patroni_major >= 3)
		yamlout_kbool(y, "failsafe_mode", 1);
	yamlout_key(y, "postgresql");
	yamlout_map(y);
	yamlout_kbool(y, "use_pg_rewind", 1);
	yamlout_kbool(y, "use_slots", 1);
	yamlout_key(y, "parameters");
	emit_params(y, dcs, removed);
	yamlout_key(y, "pg_hba");
	emit_hba(y, cfg);
	yamlout_end(y);
	yamlout_end(y);
}

static void emit_restapi(struct yamlout *y, const struct pconf *p)
{
	const char *listen = p->cfg->inventory ? p->self->addr : "127.0.0.1";
	char *hp = hostport(listen, p->self->patroni_port);

	yamlout_key(y, "restapi");
	yamlout_map(y);
	yamlout_kstr(y, "listen", hp);
	yamlout_kstr(y, "connect_address", hp);
	if (p->cfg->patroni_ssl_enabled) {
		yamlout_kstr(y, "certfile", PKI "/node.crt");
		yamlout_kstr(y, "keyfile", PKI "/node.key");
		yamlout_kstr(y, "cafile", PKI "/ca.crt");
		yamlout_kstr(y, "verify_client", "none");
	}
	yamlout_key(y, "authentication");
	yamlout_map(y);
	yamlout_kstr(y, "username", p->cfg->patroni_username);
	yamlout_kstr(y, "password", p->rest_pw);
	yamlout_end(y);
	yamlout_end(y);
	yamlout_key(y, "ctl");
	yamlout_map(y);
	yamlout_kstr(y, "cacert", PKI "/ca.crt");
	yamlout_kstr(y, "certfile", PKI "/node.crt");
	yamlout_kstr(y, "keyfile", PKI "/node.key");
	yamlout_end(y);
	free(hp);
}

static void emit_etcd(struct yamlout *y, const struct inst_config *cfg)
{
	yamlout_key(y, "etcd3");
	yamlout_map(y);
	yamlout_key(y, "hosts");
	yamlout_seq(y);
	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		char *hp = hostport(cfg->etcd_members[i].addr, cfg->etcd_members[i].etcd_port);

		yamlout_str(y, hp);
		free(hp);
	}
	yamlout_end(y);
	yamlout_kstr(y, "protocol", "https");
	yamlout_kstr(y, "cacert", PKI "/ca.crt");
	yamlout_kstr(y, "cert", PKI "/node.crt");
	yamlout_kstr(y, "key", PKI "/node.key");
	yamlout_end(y);
}

static void emit_bootstrap(struct yamlout *y, const struct pconf *p, const struct inst_pgconf *dcs)
{
	yamlout_key(y, "bootstrap");
	yamlout_map(y);
	yamlout_key(y, "dcs");
	inst_patroni_dcs(y, p->cfg, p->major, dcs, NULL);
	yamlout_key(y, "initdb");
	yamlout_seq(y);
	yamlout_map(y);
	yamlout_kstr(y, "encoding", "UTF8");
	yamlout_end(y);
	yamlout_map(y);
	yamlout_kstr(y, "locale", "C.UTF-8");
	yamlout_end(y);
	yamlout_str(y, "data-checksums");
	yamlout_end(y);
	yamlout_end(y);
}

static void emit_user(struct yamlout *y, const char *key, const char *user, const char *pw)
{
	yamlout_key(y, key);
	yamlout_map(y);
	yamlout_kstr(y, "username", user);
	if (pw)
		yamlout_kstr(y, "password", pw);
	yamlout_end(y);
}

static void emit_postgresql(struct yamlout *y, const struct pconf *p,
			    const struct inst_pgconf *local)
{
	char *listen = xasprintf("%s:%d", p->cfg->pg_listen, p->self->pg_port);
	char *connect = hostport(p->cfg->inventory ? p->self->addr : "127.0.0.1",
				 p->self->pg_port);
	char *pgpass = util_path_join(p->l->ha->home, ".pgpass.patroni");

	yamlout_key(y, "postgresql");
	yamlout_map(y);
	yamlout_kstr(y, "listen", listen);
	yamlout_kstr(y, "connect_address", connect);
	yamlout_kstr(y, "data_dir", p->l->data_dir);
	yamlout_kstr(y, "bin_dir", p->l->bin_dir);
	yamlout_kstr(y, "pgpass", pgpass);
	/* its own connections over the socket, as postgres by peer */
	yamlout_kbool(y, "use_unix_socket", 1);
	yamlout_key(y, "authentication");
	yamlout_map(y);
	/* postgres by peer over the socket: no password for the superuser */
	emit_user(y, "superuser", "postgres", NULL);
	emit_user(y, "replication", p->cfg->pg_replication_username, p->repl_pw);
	emit_user(y, "rewind", p->cfg->pg_admin_username, p->admin_pw);
	yamlout_end(y);
	yamlout_key(y, "parameters");
	emit_params(y, local, NULL);
	yamlout_key(y, "create_replica_methods");
	yamlout_seq(y);
	yamlout_str(y, "basebackup");
	yamlout_end(y);
	yamlout_key(y, "basebackup");
	yamlout_map(y);
	yamlout_kstr(y, "checkpoint", "fast");
	yamlout_end(y);
	if (inst_vip_callback(p->cfg)) {
		static const char *const cbs[] = { "on_start", "on_stop", "on_restart",
						   "on_role_change", NULL };

		yamlout_key(y, "callbacks");
		yamlout_map(y);
		for (size_t i = 0; cbs[i]; i++)
			yamlout_kstr(y, cbs[i], inst_vip_callback(p->cfg));
		yamlout_end(y);
	}
	yamlout_kbool(y, "remove_data_directory_on_rewind_failure", 1);
	yamlout_kbool(y, "remove_data_directory_on_diverged_timelines", 1);
	yamlout_end(y);
	free(listen);
	free(connect);
	free(pgpass);
}

static int render(const struct pconf *p, char **text, struct pgb_err *err);

int inst_patroni_config(const struct inst_config *cfg, int patroni_major, const char *repl_pw,
			const char *admin_pw, const char *rest_pw, char **text, struct pgb_err *err)
{
	struct inst_pg_layout l;
	struct pconf p = { cfg, inst_pg_self(cfg), repl_pw, admin_pw, rest_pw, patroni_major, &l,
			   NULL };
	int rc;

	if (inst_pg_layout_patroni(&l, cfg, cfg->family, err) < 0)
		return -1;
	rc = render(&p, text, err);
	inst_pg_layout_free(&l);
	return rc;
}

static int render(const struct pconf *p, char **text, struct pgb_err *err)
{
	struct inst_pgconf dcs = { 0 }, local = { 0 };
	struct yamlout *y = yamlout_new();
	char *ns = xasprintf("%s/", p->cfg->pg_namespace);
	int rc;

	inst_patroni_settings(p->cfg, p->l, inst_pg_host_memory(), &dcs, &local);
	yamlout_map(y);
	yamlout_kstr(y, "scope", p->cfg->pg_cluster);
	yamlout_kstr(y, "namespace", ns);
	yamlout_kstr(y, "name", p->self->name);
	emit_restapi(y, p);
	emit_etcd(y, p->cfg);
	/* Only the instance with pg_role: primary may initialize the cluster. */
	if (strcmp(p->self->role, "primary") == 0)
		emit_bootstrap(y, p, &dcs);
	emit_postgresql(y, p, &local);
	yamlout_key(y, "watchdog");
	yamlout_map(y);
	yamlout_kstr(y, "mode", "off");
	yamlout_end(y);
	yamlout_key(y, "tags");
	yamlout_map(y);
	yamlout_kbool(y, "nofailover", 0);
	yamlout_kbool(y, "noloadbalance", 0);
	yamlout_kbool(y, "clonefrom", 0);
	yamlout_kbool(y, "nosync", 0);
	/* Which bundle this member runs: an upgrade's leader goes last (upgrade hook). */
	if (p->bundle)
		yamlout_kstr(y, TAG, p->bundle);
	yamlout_end(y);
	yamlout_end(y);
	rc = yamlout_finish(y, text, err);
	free(ns);
	inst_pgconf_free(&dcs);
	inst_pgconf_free(&local);
	return rc;
}

/* --- files --- */

static int copy_owned(struct inst_ctx *ctx, const char *from, const char *to, mode_t mode,
		      const char *owner, const char *what, int *changed, struct pgb_err *err)
{
	char *text = NULL;
	size_t len;
	int c = 0, rc;

	if (ctx->dry_run && !util_exists(from))
		return 0;
	rc = util_read_file(from, &text, &len, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, to, text, mode, owner, what, &c, NULL, err);
	*changed |= c;
	free(text);
	return rc;
}

static int certs(struct inst_ctx *ctx, int *changed, struct pgb_err *err)
{
	int rc = ctx->dry_run ? 0 : util_mkdir_p(PKI, 0755, err);

	if (rc == 0)
		rc = copy_owned(ctx, INST_PKI_DIR "/ca.crt", PKI "/ca.crt", 0644, "postgres",
				"Patroni's CA", changed, err);
	if (rc == 0)
		rc = copy_owned(ctx, INST_PKI_DIR "/node.crt", PKI "/node.crt", 0644, "postgres",
				"Patroni's and PostgreSQL's certificate", changed, err);
	if (rc == 0)
		rc = copy_owned(ctx, INST_PKI_DIR "/node.key", PKI "/node.key", 0600, "postgres",
				"their key", changed, err);
	return rc;
}

/* /var/lib/postgresql/MAJOR, where Patroni's initdb or clone makes the data. */
static int data_parent(struct inst_ctx *ctx, const struct inst_pg_layout *l, struct pgb_err *err)
{
	char *parent = xstrdup(l->data_dir);
	uid_t uid;
	gid_t gid;
	int rc = 0;

	*strrchr(parent, '/') = '\0';
	if (!util_exists(parent) && !ctx->dry_run) {
		rc = inst_local_user("postgres", &uid, &gid, NULL, err);
		if (rc == 0)
			rc = util_mkdir_p(parent, 0755, err);
		if (rc == 0 && chown(parent, uid, gid) < 0)
			rc = pgb_failsys(err, "cannot give %s to postgres", parent);
	}
	free(parent);
	return rc;
}

static int secrets(struct inst_ctx *ctx, const struct inst_config *cfg, struct inst_secrets *s,
		   struct pconf *p, struct pgb_err *err)
{
	if (inst_secrets_open(s, ctx, cfg, err) < 0 ||
	    inst_secret_role(s, ctx, cfg->pg_replication_username, cfg->pg_replication_password,
			     &p->repl_pw, err) < 0 ||
	    inst_secret_role(s, ctx, cfg->pg_admin_username, cfg->pg_admin_password,
			     &p->admin_pw, err) < 0 ||
	    inst_secret(s, ctx, "patroni_password", cfg->patroni_password, &p->rest_pw, err) < 0)
		return -1;
	return 0;
}

/* --- waiting for this member to serve --- */

struct pwait {
	const struct inst_config *cfg;
	const struct inst_member *self;
	const struct inst_pg_layout *l;
	char *leader;		/* the leader's name once known */
};

static const struct inst_member *initial_primary(const struct inst_config *cfg)
{
	for (size_t i = 0; i < cfg->n_pg_members; i++)
		if (strcmp(cfg->pg_members[i].role, "primary") == 0)
			return &cfg->pg_members[i];
	return NULL;
}

/* 1 when the local server is a standby whose WAL receiver streams. */
static int streams(const struct inst_pg_layout *l)
{
	struct pgb_err ignored;
	char *v = NULL;
	int yes = inst_psql_json(l, "postgres", NULL, "SELECT to_json(coalesce((SELECT status "
				 "FROM pg_stat_wal_receiver), 'none'))", &v, &ignored) == 0 &&
		  v && strstr(v, "streaming");

	free(v);
	return yes;
}

static int member_ready(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct pwait *w = arg;
	struct pgb_err e;
	json_t *members = inst_patroni_members(w->cfg, &e), *me;
	const struct inst_member *first = initial_primary(w->cfg);
	const char *leader, *state, *role;
	int rc = 0;

	(void)err;
	if (!members) {
		sbuf_addf(why, "waiting for Patroni to reach etcd (%s)", e.msg);
		return 0;
	}
	me = member_of(members, w->self->name);
	leader = leader_of(members);
	state = me ? field(me, "State") : "";
	role = me ? field(me, "Role") : "";
	if (leader) {
		free(w->leader);
		w->leader = xstrdup(leader);
	}
	if (me && strcmp(role, "Leader") == 0 && strcmp(state, "running") == 0)
		rc = 1;
	else if (me && leader && (strcmp(state, "running") == 0 ||
				  strcmp(state, "streaming") == 0) && streams(w->l))
		rc = 1;
	else if (!leader && first && !first->self)
		sbuf_addf(why, "waiting for the leader: %s (%s, pg_role: primary) initializes the "
			  "cluster once it is installed and etcd has a quorum", first->name,
			  first->addr);
	else if (!leader)
		sbuf_addf(why, "waiting for this member (%s) to initialize the cluster (%s)",
			  w->self->name, me ? state : "Patroni starting");
	else
		sbuf_addf(why, "waiting for %s to %s the leader %s (%s)", w->self->name,
			  strcmp(state, "creating replica") == 0 ? "clone" : "stream from", leader,
			  me ? state : "Patroni starting");
	json_decref(members);
	return rc;
}

/* A leader exists (or this member initializes the cluster and leads). */
static int leader_known(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct pwait *w = arg;
	struct pgb_err e;
	json_t *members = inst_patroni_members(w->cfg, &e);
	const struct inst_member *first = initial_primary(w->cfg);
	const char *leader = members ? leader_of(members) : NULL;
	int rc = leader != NULL;

	(void)err;
	if (leader) {
		free(w->leader);
		w->leader = xstrdup(leader);
	} else if (!members) {
		sbuf_addf(why, "waiting for Patroni to reach etcd (%s)", e.msg);
	} else if (first && !first->self) {
		sbuf_addf(why, "waiting for the leader: %s (%s, pg_role: primary) initializes the "
			  "cluster once it is installed and etcd has a quorum", first->name,
			  first->addr);
	} else {
		json_t *me = member_of(members, w->self->name);

		sbuf_addf(why, "waiting for this member (%s) to initialize the cluster (%s)",
			  w->self->name, me ? field(me, "State") : "Patroni starting");
	}
	json_decref(members);
	return rc;
}

/* On a replica: the leader's roles must have arrived before PgBouncer
 * reads their secrets. */
struct rwait {
	const struct inst_config *cfg;
	const struct inst_pg_layout *l;
};

static int roles_arrived(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct rwait *w = arg;
	struct sbuf names = SBUF_INIT;
	struct pgb_err e;
	char *var, *v = NULL;
	const char *vars[2] = { NULL, NULL };
	int n = 0, have;

	(void)err;
	for (size_t i = 0; i < w->cfg->n_pg_users; i++)
		if (w->cfg->pg_users[i].login) {
			sbuf_addf(&names, "%s%s", names.len ? "," : "", w->cfg->pg_users[i].name);
			n++;
		}
	if (!n) {
		sbuf_free(&names);
		return 1;
	}
	var = xasprintf("v_users=%s", names.buf);
	vars[0] = var;
	have = inst_psql_json(w->l, "postgres", vars, "SELECT count(*) FROM pg_authid WHERE "
			      "rolname = ANY (string_to_array(:'v_users', ',')) AND rolpassword "
			      "IS NOT NULL", &v, &e) == 0 && v ? atoi(v) : -1;
	if (have < n)
		sbuf_addf(why, "waiting for the leader to create the users (%d of %d here)",
			  have < 0 ? 0 : have, n);
	free(v);
	free(var);
	sbuf_free(&names);
	return have >= n;
}

/* --- the cluster-wide settings on later runs --- */

/* The DCS's parameters that the config no longer has: to remove. */
static void removed_params(const char *shown, const struct inst_pgconf *dcs,
			   struct strlist *out)
{
	struct yamldoc *d = NULL;
	const struct yamldoc_node *root, *pg, *params;
	struct pgb_err ignored;

	if (!shown || yamldoc_load_mem(&d, "patronictl show-config", shown, strlen(shown),
				       &ignored) < 0)
		return;
	if (yamldoc_root(d, "the DCS config", &root, &ignored) == 0 &&
	    (pg = yamldoc_map_get(d, root, "postgresql")) != NULL &&
	    (params = yamldoc_map_get(d, pg, "parameters")) != NULL && yamldoc_is_map(params))
		for (size_t i = 0; i < yamldoc_len(params); i++) {
			const char *k = yamldoc_scalar(yamldoc_key(d, params, i));

			if (!inst_pgconf_get(dcs, k))
				strlist_add(out, k);
		}
	yamldoc_free(d);
}

/* Bring the DCS's settings to the config's, as one patch (edit-config
 * --apply merges it; "Not changed" when there is nothing to do). */
static int patch_dcs(struct inst_ctx *ctx, const struct pconf *p, struct pgb_err *err)
{
	const char *show[] = { "show-config", p->cfg->pg_cluster, NULL };
	const char *edit[] = { "edit-config", p->cfg->pg_cluster, "--force", "--apply", "-", NULL };
	struct inst_pgconf dcs = { 0 }, local = { 0 };
	struct sbuf shown = SBUF_INIT, out = SBUF_INIT;
	struct strlist removed = STRLIST_INIT;
	struct yamlout *y;
	char *patch = NULL;
	int st, rc = 0;

	if (ctx->dry_run)
		return 0;
	inst_patroni_settings(p->cfg, p->l, inst_pg_host_memory(), &dcs, &local);
	st = inst_patronictl(p->cfg, show, NULL, &shown, err);
	if (st != 0) {
		rc = pgb_fail(err, "patronictl show-config: %.500s", shown.buf ? shown.buf : "");
		goto out;
	}
	removed_params(shown.buf, &dcs, &removed);
	y = yamlout_new();
	inst_patroni_dcs(y, p->cfg, p->major, &dcs, &removed);
	rc = yamlout_finish(y, &patch, err);
	for (int attempt = 0; rc == 0 && attempt < 3; attempt++) {
		sbuf_reset(&out);
		st = inst_patronictl(p->cfg, edit, patch, &out, err);
		if (st == 0)
			break;
		/* another member patched at the same moment: read again, retry */
		if (!out.buf || !strstr(out.buf, "concurrent"))
			rc = pgb_fail(err, "patronictl edit-config failed (status %d): %.800s", st,
				      out.buf ? out.buf : "");
	}
	if (rc == 0 && out.buf && strstr(out.buf, "Configuration changed"))
		inst_pg_change(ctx, "update cluster %s's settings in the DCS (every member "
			       "follows)", p->cfg->pg_cluster);
out:
	free(patch);
	strlist_free(&removed);
	sbuf_free(&shown);
	sbuf_free(&out);
	inst_pgconf_free(&dcs);
	inst_pgconf_free(&local);
	return rc;
}

/* A setting that takes a restart: this member restarts itself. */
static int pending_restart(struct inst_ctx *ctx, const struct pconf *p, struct pgb_err *err)
{
	const char *args[] = { "restart", p->cfg->pg_cluster, p->self->name, "--force",
			       "--pending", NULL };
	struct pgb_err ignored;
	json_t *members = inst_patroni_members(p->cfg, &ignored), *me;
	struct sbuf out = SBUF_INIT;
	int st = 0;

	me = members ? member_of(members, p->self->name) : NULL;
	if (me && json_object_get(me, "Pending restart") &&
	    *field(me, "Pending restart") == '*') {
		inst_pg_change(ctx, "restart %s (a setting that needs it changed)", p->self->name);
		if (!ctx->dry_run && !ctx->no_start)
			st = inst_patronictl(p->cfg, args, NULL, &out, err);
		if (st > 0)
			pgb_fail(err, "patronictl restart failed (status %d): %.500s", st,
				 out.buf ? out.buf : "");
	}
	json_decref(members);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* --- upgrades: a replica at a time, the leader last --- */

/* The bundle version member m runs (its tag, written by write_config), ""
 * when it has none (installed before tags, or by another bundle). */
static const char *member_bundle(json_t *m)
{
	const char *v = json_string_value(json_object_get(json_object_get(m, "Tags"), TAG));

	return v ? v : "";
}

static int member_serves(json_t *m)
{
	return m && (strcmp(field(m, "State"), "running") == 0 ||
		     strcmp(field(m, "State"), "streaming") == 0);
}

/* The configured members other than self that are absent, do not serve, or
 * (version not NULL) do not run the bundle version: "NAME (why)", joined. */
static void members_not(const struct inst_config *cfg, json_t *members, const char *self,
			const char *version, struct sbuf *out)
{
	for (size_t i = 0; i < cfg->n_pg_members; i++) {
		const char *name = cfg->pg_members[i].name;
		json_t *m = member_of(members, name);

		if (strcmp(name, self) == 0 || (member_serves(m) && (!version ||
		    strcmp(member_bundle(m), version) == 0)))
			continue;
		sbuf_addf(out, "%s%s (%s)", out->len ? ", " : "", name,
			  !m ? "absent" : !member_serves(m) ? field(m, "State") :
			  *member_bundle(m) ? member_bundle(m) : "an older bundle");
	}
}

struct uwait {
	const struct inst_config *cfg;
	const struct inst_member *self;
	const struct inst_pg_layout *l;
	const char *leader;	/* handover: the candidate that must lead */
};

/* A replica's upgrade may begin: a leader, and every other member serves. */
static int others_serve(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct uwait *w = arg;
	struct sbuf down = SBUF_INIT;
	struct pgb_err e;
	json_t *members = inst_patroni_members(w->cfg, &e);
	int rc = 0;

	(void)err;
	if (!members) {
		sbuf_addf(why, "waiting for Patroni to reach etcd (%s)", e.msg);
		return 0;
	}
	members_not(w->cfg, members, w->self->name, NULL, &down);
	if (!leader_of(members))
		sbuf_addf(why, "waiting for cluster %s to have a leader before %s is upgraded",
			  w->cfg->pg_cluster, w->self->name);
	else if (down.len)
		sbuf_addf(why, "waiting for %s to serve again: one member at a time is upgraded",
			  down.buf);
	else
		rc = 1;
	sbuf_free(&down);
	json_decref(members);
	return rc;
}

/* After the switchover: the candidate leads, this member streams from it. */
static int handed_over(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct uwait *w = arg;
	struct pgb_err e;
	json_t *members = inst_patroni_members(w->cfg, &e);
	const char *leader = members ? leader_of(members) : NULL;
	int rc = leader && strcmp(leader, w->leader) == 0 &&
		 member_serves(member_of(members, w->self->name)) && streams(w->l);

	(void)err;
	if (!rc)
		sbuf_addf(why, "waiting for %s to lead and %s to stream from it (leader now: %s)",
			  w->leader, w->self->name, leader ? leader : "none");
	json_decref(members);
	return rc;
}

/* The leader of several: switch over to a replica that already runs this
 * bundle, once every other member does; else refuse, saying which first. */
static int handover(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *members,
		    struct uwait *w, struct pgb_err *err)
{
	const char *version = ctx->bundle->version, *cand = NULL;
	struct sbuf behind = SBUF_INIT, out = SBUF_INIT;
	size_t i;
	json_t *m;
	int rc = 0, st;

	members_not(cfg, members, w->self->name, version, &behind);
	/* In synchronous mode Patroni switches over to a synchronous standby only. */
	json_array_foreach(members, i, m)
		if (strcmp(field(m, "Member"), w->self->name) != 0 && member_serves(m) &&
		    strcmp(member_bundle(m), version) == 0 &&
		    (!cand || strcmp(field(m, "Role"), "Sync Standby") == 0))
			cand = field(m, "Member");
	if (behind.len || !cand) {
		rc = pgb_fail(err, "%s leads cluster %s, and the leader is upgraded last: upgrade "
			      "its other members to %s %s first, one at a time, with this same "
			      "command (not there yet: %s); then run it here again: it hands the "
			      "leadership to an upgraded replica before its own packages change",
			      w->self->name, cfg->pg_cluster, ctx->bundle->name, version,
			      behind.len ? behind.buf : "no member serves");
		goto out;
	}
	inst_pg_change(ctx, "switch over: %s hands cluster %s to %s (already on %s) before its "
		       "own upgrade", w->self->name, cfg->pg_cluster, cand, version);
	if (ctx->dry_run)
		goto out;
	{
		const char *args[] = { "switchover", cfg->pg_cluster, "--leader", w->self->name,
				       "--candidate", cand, "--force", NULL };

		st = inst_patronictl(cfg, args, NULL, &out, err);
		if (st != 0) {
			rc = st < 0 ? -1 : pgb_fail(err, "patronictl switchover to %s failed (status "
						    "%d): %.500s", cand, st, out.buf ? out.buf : "");
			goto out;
		}
	}
	w->leader = cand;
	rc = inst_wait(ctx, ctx->wait_s, 1000, handed_over, w, err);
out:
	sbuf_free(&behind);
	sbuf_free(&out);
	return rc;
}

static int patroni_before_upgrade(struct inst_ctx *ctx, const struct inst_config *cfg,
				  struct pgb_err *err)
{
	const char *family = ctx->bundle && ctx->bundle->family ? ctx->bundle->family : "deb";
	struct inst_pg_layout l;
	struct uwait w = { cfg, inst_pg_self(cfg), &l, NULL };
	struct pgb_err e;
	json_t *members;
	const char *leader;
	int rc = 0;

	if (ctx->no_start || cfg->n_pg_members <= 1)
		return 0;	/* nothing to hand over: a restart in place */
	if (inst_pg_layout_patroni(&l, cfg, family, err) < 0)
		return -1;
	if (!util_exists(l.ha->patroni_conf)) {
		inst_pg_layout_free(&l);
		return 0;	/* not under Patroni yet: nothing to hand over */
	}
	inst_log_step(ctx->log, "Upgrade of %s, member of cluster %s: a replica at a time, the "
		      "leader last", w.self->name, cfg->pg_cluster);
	members = inst_patroni_members(cfg, &e);
	leader = members ? leader_of(members) : NULL;
	if (!members)
		rc = pgb_fail(err, "cluster %s: Patroni does not answer (%s); an upgrade goes a "
			      "member at a time and needs to see the cluster: start Patroni "
			      "(systemctl start patroni) and see `status`", cfg->pg_cluster, e.msg);
	else if (leader && strcmp(leader, w.self->name) == 0)
		rc = handover(ctx, cfg, members, &w, err);
	else if (ctx->dry_run)
		inst_log_info(ctx->log, "%s is a replica: its upgrade waits until every other "
			      "member serves", w.self->name);
	else
		rc = inst_wait(ctx, ctx->wait_s, 1000, others_serve, &w, err);
	if (rc == 0 && !ctx->dry_run)
		inst_log_info(ctx->log, "%s is a replica and every other member serves: its "
			      "PostgreSQL restarts on the new packages", w.self->name);
	json_decref(members);
	inst_pg_layout_free(&l);
	return rc;
}

/* After an upgrade: this member's PostgreSQL still runs binaries the
 * packages replaced (a minor release; Debian's scripts restart only the
 * clusters of /etc/postgresql): Patroni restarts it, never an initdb.  The
 * leader of several members was switched over before (patroni_before_upgrade). */
static int stale_restart(struct inst_ctx *ctx, const struct pconf *p, struct pwait *w,
			 struct pgb_err *err)
{
	const char *args[] = { "restart", p->cfg->pg_cluster, p->self->name, "--force", NULL };
	char *pidfile = util_path_join(p->l->data_dir, "postmaster.pid"), *text = NULL, *file;
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	size_t len;
	int rc = 0, st;

	file = util_exists(pidfile) && util_read_file(pidfile, &text, &len, &ignored) == 0 ?
	       inst_stale_file(strtol(text, NULL, 10)) : NULL;
	if (file) {
		inst_pg_change(ctx, "restart %s's PostgreSQL through Patroni: it still runs %s, "
			       "which the upgrade replaced", p->self->name, file);
		st = inst_patronictl(p->cfg, args, NULL, &out, err);
		if (st != 0)
			rc = st < 0 ? -1 : pgb_fail(err, "patronictl restart failed (status %d): "
						    "%.500s", st, out.buf ? out.buf : "");
		if (rc == 0)
			rc = inst_wait(ctx, ctx->wait_s, 1000, member_ready, w, err);
	}
	free(file);
	free(text);
	free(pidfile);
	sbuf_free(&out);
	return rc;
}

/* --- apply --- */

static int patroni_prepare(struct inst_ctx *ctx, const struct inst_config *cfg,
			   struct pgb_err *err)
{
	int changed;

	/* Debian's postgresql-N would otherwise make and start MAJOR/main;
	 * PGDG's packages make no cluster and enable no unit. */
	if (cfg->family && strcmp(cfg->family, "deb") != 0)
		return 0;
	if (!ctx->dry_run && util_mkdir_p("/etc/postgresql-common/createcluster.d", 0755, err) < 0)
		return -1;
	return inst_pg_write_file(ctx, CREATECLUSTER, "# Written by pgbundle-installer: "
				  "Patroni runs PostgreSQL here.\ncreate_main_cluster = false\n",
				  0644, NULL, "no default cluster", &changed, NULL, err);
}

static int write_config(struct inst_ctx *ctx, const struct pconf *p, int *changed,
			struct pgb_err *err)
{
	char *text = NULL;
	int c = 0, rc = render(p, &text, err);

	if (rc == 0 && !ctx->dry_run)
		rc = util_mkdir_p("/etc/patroni", 0755, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, p->l->ha->patroni_conf, text, 0600, "postgres",
					"Patroni's config", &c, NULL, err);
	*changed |= c;
	if (text)
		OPENSSL_cleanse(text, strlen(text));
	free(text);
	return rc;
}

static int run_unit(struct inst_ctx *ctx, int changed, struct pgb_err *err)
{
	if (inst_pg_unit_enable(ctx, UNIT, err) < 0)
		return -1;
	if (ctx->no_start)
		return 0;
	if (!inst_pg_unit_active(UNIT)) {
		inst_pg_change(ctx, "start Patroni");
		return ctx->dry_run ? 0 : inst_pg_systemctl("start", UNIT, err);
	}
	if (changed) {
		/* A reload, never a restart: stopping Patroni on the leader
		 * would hand the cluster to another member. */
		inst_pg_change(ctx, "reload Patroni (its configuration changed)");
		return ctx->dry_run ? 0 : inst_unit_signal(UNIT, "HUP", err);
	}
	return 0;
}

/*
 * Asked again, not taken from the wait before: the leader may have changed,
 * and one patronictl call can fail for a moment (an etcd member it tried
 * first went away, the cluster's member list changed), which is waited out
 * like any other wait, not taken as "no leader".
 */
static int leader_steps(struct inst_ctx *ctx, const struct pconf *p, struct pwait *w,
			struct pgb_err *err)
{
	int rc = inst_wait(ctx, ctx->wait_s, 1000, leader_known, w, err);
	int is_leader = rc == 0 && strcmp(w->leader, p->self->name) == 0;

	if (rc == 0)
		rc = pending_restart(ctx, p, err);
	if (rc == 0 && is_leader)
		rc = inst_pg_objects(ctx, p->cfg, p->l, 1, err);
	else if (rc == 0)
		inst_log_info(ctx->log, "roles, databases and extensions are the leader's (%s) to "
			      "make; this replica receives them", w->leader);
	return rc;
}

static int patroni_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err)
{
	const char *family = ctx->bundle && ctx->bundle->family ? ctx->bundle->family : "deb";
	struct inst_pg_layout l;
	struct inst_secrets sec;
	struct pconf p = { cfg, inst_pg_self(cfg), NULL, NULL, NULL, 0, &l,
			   ctx->bundle ? ctx->bundle->version : NULL };
	struct pwait w = { cfg, p.self, &l, NULL };
	struct rwait rw = { cfg, &l };
	int changed = 0, rc;

	memset(&sec, 0, sizeof(sec));
	if (inst_pg_layout_patroni(&l, cfg, family, err) < 0)
		return -1;
	p.major = ctx->dry_run && !util_exists("/usr/bin/patroni") ? 3 : patroni_major();
	inst_log_step(ctx->log, "Patroni %d: member %s of cluster %s (%zu members), PostgreSQL %d "
		      "in %s", p.major, p.self->name, cfg->pg_cluster, cfg->n_pg_members,
		      cfg->pg_major, l.data_dir);
	rc = p.major ? 0 : pgb_fail(err, "patroni is not installed (or does not run): is the "
				    "patroni module in the bundle?");
	if (rc == 0)
		rc = inst_pg_check_libs(ctx, cfg, &l, err);
	if (rc == 0)
		rc = secrets(ctx, cfg, &sec, &p, err);
	if (rc == 0)
		rc = certs(ctx, &changed, err);
	if (rc == 0)
		rc = data_parent(ctx, &l, err);
	if (rc == 0)
		rc = write_config(ctx, &p, &changed, err);
	if (rc == 0)
		rc = run_unit(ctx, changed, err);
	/* A dry run lists the roles, databases and extensions the leader would make. */
	if (rc == 0 && ctx->dry_run && strcmp(p.self->role, "primary") == 0)
		rc = inst_pg_objects(ctx, cfg, &l, inst_pg_answers(&l), err);
	/* The DCS's settings first: a new member can only clone once the
	 * leader's pg_hba lets it in. */
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, ctx->wait_s, 1000, leader_known, &w, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = patch_dcs(ctx, &p, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, ctx->wait_s, 1000, member_ready, &w, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = stale_restart(ctx, &p, &w, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = leader_steps(ctx, &p, &w, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start &&
	    !(w.leader && strcmp(w.leader, p.self->name) == 0))
		rc = inst_wait(ctx, ctx->wait_s, 1000, roles_arrived, &rw, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		inst_log_info(ctx->log, "%s serves as %s", p.self->name,
			      w.leader && strcmp(w.leader, p.self->name) == 0 ? "the leader" :
			      "a replica");
	free(w.leader);
	inst_secrets_free(&sec);
	inst_pg_layout_free(&l);
	return rc;
}

/* --- status --- */

static int patroni_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			  struct pgb_err *err)
{
	const struct inst_member *self = inst_pg_self(cfg);
	struct pgb_err e;
	json_t *members = inst_patroni_members(cfg, &e), *list = json_array(), *m, *me;
	const char *leader;
	size_t i;

	(void)ctx;
	(void)err;
	json_object_set_new(out, "cluster", json_string(cfg->pg_cluster));
	json_object_set_new(out, "member", json_string(self->name));
	json_object_set_new(out, "pg_rto", json_string(cfg->pg_rto));
	json_object_set_new(out, "synchronous", json_boolean(cfg->pg_rpo == 0));
	if (!members) {
		json_object_set_new(out, "problem", json_string(e.msg));
		json_object_set_new(out, "ok", json_false());
		json_decref(list);
		return 0;
	}
	json_array_foreach(members, i, m) {
		json_t *lag = json_object_get(m, "Lag in MB");

		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:s?}",
				      "name", field(m, "Member"), "role", field(m, "Role"),
				      "state", field(m, "State"), "timeline",
				      json_object_get(m, "TL"), "lag_mb", lag,
				      "host", json_string_value(json_object_get(m, "Host"))));
	}
	leader = leader_of(members);
	me = member_of(members, self->name);
	json_object_set_new(out, "leader", leader ? json_string(leader) : json_null());
	json_object_set_new(out, "role", json_string(me ? field(me, "Role") : "absent"));
	json_object_set_new(out, "members", list);
	json_object_set_new(out, "ok", json_boolean(me && leader &&
						    (strcmp(field(me, "State"), "running") == 0 ||
						     strcmp(field(me, "State"), "streaming") == 0)));
	json_decref(members);
	return 0;
}

/* --- uninstall --purge: leave the cluster --- */

/* This member is no longer listed (its key in the DCS expired or was
 * removed), or the DCS cannot be asked (nothing to wait for then). */
static int member_gone(void *arg, struct sbuf *why, struct pgb_err *err)
{
	const struct inst_config *cfg = arg;
	struct pgb_err ignored;
	json_t *list = inst_patroni_members(cfg, &ignored);
	int gone = !list || !member_of(list, inst_pg_self(cfg)->name);

	(void)err;
	if (!gone)
		sbuf_addf(why, "waiting for %s to leave Patroni's list of %s (its key expires "
			  "after ttl)", inst_pg_self(cfg)->name, cfg->pg_cluster);
	json_decref(list);
	return gone;
}

static int patroni_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			     struct pgb_err *err)
{
	const char *family = ctx->bundle && ctx->bundle->family ? ctx->bundle->family : "deb";
	const char *files[4];
	struct inst_pg_layout l;
	char *pgpass;
	int rc = 0;

	if (inst_pg_layout_patroni(&l, cfg, family, err) < 0)
		return -1;
	pgpass = util_path_join(l.ha->home, ".pgpass.patroni");
	files[0] = l.ha->patroni_conf;
	files[1] = PKI;
	files[2] = CREATECLUSTER;
	files[3] = pgpass;

	inst_log_step(ctx->log, "Patroni: %s leaves cluster %s", inst_pg_self(cfg)->name,
		      cfg->pg_cluster);
	/* A clean stop releases the leader key (another member takes over at
	 * once); this member's key stays, listed as stopped, until its ttl
	 * runs out (patroni/patroni#2190), which member_gone() waits for. */
	if (inst_pg_unit_active(UNIT)) {
		inst_pg_change(ctx, "stop Patroni and its PostgreSQL");
		if (!ctx->dry_run)
			rc = inst_pg_systemctl("stop", UNIT, err);
	}
	if (rc == 0 && !ctx->dry_run)
		inst_pg_systemctl("disable", UNIT, err);
	/* The purge returns once the others no longer list this member
	 * (patronictl still has its config here): a node purged is out of the
	 * cluster. */
	if (rc == 0 && !ctx->dry_run && cfg->n_pg_members >= 2 && util_exists(files[0])) {
		struct pgb_err e;

		if (inst_wait(ctx, 3 * inst_rto(cfg)->ttl, 2000, member_gone, (void *)cfg, &e) < 0)
			inst_log_warn(ctx->log, "%s: purging it all the same", e.msg);
	}
	for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++)
		if (util_exists(files[i])) {
			inst_pg_change(ctx, "remove %s", files[i]);
			if (!ctx->dry_run)
				rc = util_rm_rf(files[i], err);
		}
	if (rc == 0 && util_exists(l.data_dir)) {
		inst_pg_change(ctx, "remove the data directory %s", l.data_dir);
		if (!ctx->dry_run)
			rc = util_rm_rf(l.data_dir, err);
	}
	if (rc == 0 && !ctx->dry_run) {
		char *parent = xstrdup(l.data_dir);

		*strrchr(parent, '/') = '\0';
		rmdir(parent);		/* MAJOR/, made by install, when nothing else is there */
		free(parent);
	}
	free(pgpass);
	inst_pg_layout_free(&l);
	return rc;
}

static void patroni_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	inst_secret_need(out, 1, cfg->pg_replication_username, cfg->pg_replication_password);
	inst_secret_need(out, 1, cfg->pg_admin_username, cfg->pg_admin_password);
	inst_secret_need(out, 0, "patroni_password", cfg->patroni_password);
}

const struct inst_module inst_module_patroni = {
	.name = "patroni",
	.summary = "PostgreSQL under Patroni: leader election, failover, replicas",
	.packages = "patroni",
	.enabled = patroni_enabled,
	.prepare = patroni_prepare,
	.before_upgrade = patroni_before_upgrade,
	.apply = patroni_apply,
	.status = patroni_status,
	.uninstall = patroni_uninstall,
	.secrets = patroni_secrets,
};
