/*
 * pgconf.c - the files PostgreSQL and PgBouncer read, derived from the config.
 *
 * Nothing here touches the host (except inst_pg_host_memory reading /proc),
 * so pgsetup.c and pgbouncer.c only compare and write what these functions
 * return.  Files are produced by one small line writer over an ordered
 * key/value list, never from templates of whole files, so a value can only
 * ever land in its own line, quoted the way the reader expects.
 *
 * Memory sizing (inst_pg_memory_size), for RAM = the host's memory:
 *   shared_buffers        25% of RAM, at least 32 MB
 *   effective_cache_size  75% of RAM
 *   maintenance_work_mem  5% of RAM, within 64 MB .. 2 GB
 *   work_mem              RAM / 4 / max_connections, within 4 MB .. 256 MB
 *                         (a quarter of RAM if every connection sorts at once)
 * pg_parameters given in the config override any of them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"
#include "ops.h"

#define MB (1024ull * 1024ull)

/* --- layout --- */

int inst_pg_layout_init(struct inst_pg_layout *l, const char *family, int major, int port,
			struct pgb_err *err)
{
	memset(l, 0, sizeof(*l));
	if (major <= 0)
		return pgb_fail(err, "no PostgreSQL major to set up: the config says pg_version "
				"auto and the bundle names none");
	l->major = major;
	l->port = port;
	if (!family || strcmp(family, "deb") == 0) {
		l->debian = 1;
		l->data_dir = xasprintf("/var/lib/postgresql/%d/main", major);
		l->conf_dir = xasprintf("/etc/postgresql/%d/main", major);
		l->bin_dir = xasprintf("/usr/lib/postgresql/%d/bin", major);
		l->lib_dir = xasprintf("/usr/lib/postgresql/%d/lib", major);
		l->socket_dir = xstrdup("/var/run/postgresql");
		l->log_dir = xstrdup("/var/log/postgresql");
		l->unit = xasprintf("postgresql@%d-main", major);
		l->pgb_logfile = xstrdup("/var/log/postgresql/pgbouncer.log");
		l->pgb_user = xstrdup("postgres");
		l->pgb_socket_dir = xstrdup(l->socket_dir);
	} else if (strcmp(family, "rpm") == 0) {
		/* PGDG's layout; its postgresql.conf gets an include_dir line.
		 * PGDG's pgbouncer.service runs as pgbouncer, which cannot write
		 * /run/postgresql (postgres's, 0755): its socket and pid file go
		 * to /run/pgbouncer and its log to /var/log/pgbouncer, both made
		 * for that user by the package (pgbouncer.spec, tmpfiles.d). */
		l->data_dir = xasprintf("/var/lib/pgsql/%d/data", major);
		l->conf_dir = xstrdup(l->data_dir);
		l->bin_dir = xasprintf("/usr/pgsql-%d/bin", major);
		l->lib_dir = xasprintf("/usr/pgsql-%d/lib", major);
		l->socket_dir = xstrdup("/run/postgresql");
		l->log_dir = xasprintf("/var/lib/pgsql/%d", major);
		l->unit = xasprintf("postgresql-%d", major);
		l->pgb_logfile = xstrdup("/var/log/pgbouncer/pgbouncer.log");
		l->pgb_user = xstrdup("pgbouncer");
		l->pgb_socket_dir = xstrdup("/run/pgbouncer");
	} else {
		return pgb_fail(err, "unknown package family '%s' in the bundle (deb or rpm)",
				family);
	}
	l->conf_file = xasprintf("%s/conf.d/pgbundle.conf", l->conf_dir);
	l->hba_file = xasprintf("%s/pg_hba.conf", l->conf_dir);
	l->pgb_ini = xstrdup("/etc/pgbouncer/pgbouncer.ini");
	l->pgb_userlist = xstrdup("/etc/pgbouncer/userlist.txt");
	l->pgb_hba = xstrdup("/etc/pgbouncer/pgb_hba.conf");
	l->pgb_pidfile = xasprintf("%s/pgbouncer.pid", l->pgb_socket_dir);
	l->ha = inst_ha_layout(family);
	return 0;
}

const struct inst_ha_layout *inst_ha_layout(const char *family)
{
	static const struct inst_ha_layout deb = {
		"/var/lib/postgresql", "/etc/patroni/config.yml", NULL
	};
	/* PGDG's packages: postgres's home (postgresqlN-server's %pre), what
	 * patroni.service runs (`patroni /etc/patroni/patroni.yml`) and
	 * etcd.service's EnvironmentFile. */
	static const struct inst_ha_layout rpm = {
		"/var/lib/pgsql", "/etc/patroni/patroni.yml", "/etc/etcd/etcd.conf"
	};

	return family && strcmp(family, "rpm") == 0 ? &rpm : &deb;
}

void inst_pg_layout_free(struct inst_pg_layout *l)
{
	free(l->data_dir);
	free(l->conf_dir);
	free(l->conf_file);
	free(l->hba_file);
	free(l->bin_dir);
	free(l->lib_dir);
	free(l->socket_dir);
	free(l->log_dir);
	free(l->unit);
	free(l->pgb_ini);
	free(l->pgb_userlist);
	free(l->pgb_hba);
	free(l->pgb_pidfile);
	free(l->pgb_logfile);
	free(l->pgb_user);
	free(l->pgb_socket_dir);
	memset(l, 0, sizeof(*l));
}

/* --- the line writer --- */

void inst_pgconf_set(struct inst_pgconf *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0) {
			free(p->v[i].value);
			p->v[i].value = xstrdup(value);
			return;
		}
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n].key = xstrdup(key);
	p->v[p->n++].value = xstrdup(value);
}

const char *inst_pgconf_get(const struct inst_pgconf *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			return p->v[i].value;
	return NULL;
}

void inst_pgconf_free(struct inst_pgconf *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static void add_header(struct sbuf *out, const char *header)
{
	const char *s = header, *nl;

	while (s && *s) {
		nl = strchr(s, '\n');
		sbuf_adds(out, "# ");
		sbuf_add(out, s, nl ? (size_t)(nl - s) : strlen(s));
		sbuf_addc(out, '\n');
		s = nl ? nl + 1 : NULL;
	}
}

void inst_pgconf_render_pg(const struct inst_pgconf *p, const char *header, struct sbuf *out)
{
	add_header(out, header);
	for (size_t i = 0; i < p->n; i++) {
		sbuf_addf(out, "%s = '", p->v[i].key);
		/* PostgreSQL reads \ as an escape inside quotes: 'x\' would never end. */
		for (const char *c = p->v[i].value; *c; c++) {
			if (*c == '\'' || *c == '\\')
				sbuf_addc(out, *c);
			sbuf_addc(out, *c);
		}
		sbuf_adds(out, "'\n");
	}
}

void inst_pgconf_render_ini(const struct inst_pgconf *p, const char *header, struct sbuf *out)
{
	add_header(out, header);
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].key[0] == '[')
			sbuf_addf(out, "%s%s\n", out->len ? "\n" : "", p->v[i].key);
		else
			sbuf_addf(out, "%s = %s\n", p->v[i].key, p->v[i].value);
	}
}

/* --- memory --- */

static uint64_t read_u64(const char *path, const char *key)
{
	char *data = NULL, *p;
	struct pgb_err err;
	uint64_t v = 0;
	size_t len;

	if (util_read_file(path, &data, &len, &err) < 0)
		return 0;
	p = key ? strstr(data, key) : data;
	if (p)
		v = strtoull(p + (key ? strlen(key) : 0), NULL, 10);
	free(data);
	return v;
}

uint64_t inst_pg_host_memory(void)
{
	uint64_t mem = read_u64("/proc/meminfo", "MemTotal:") * 1024;
	/* cgroup v2, then v1: "max" and absurd v1 values read as 0 or huge. */
	uint64_t cg = read_u64("/sys/fs/cgroup/memory.max", NULL);

	if (!cg)
		cg = read_u64("/sys/fs/cgroup/memory/memory.limit_in_bytes", NULL);
	if (cg && (cg < mem || !mem))
		mem = cg;
	return mem;
}

static unsigned long clamp_mb(uint64_t v, unsigned long lo, unsigned long hi)
{
	uint64_t mb = v / MB;

	return mb < lo ? lo : mb > hi ? hi : (unsigned long)mb;
}

void inst_pg_memory_size(uint64_t mem, int max_connections, struct inst_pg_memory *m)
{
	if (max_connections < 1)
		max_connections = 100;
	m->shared_buffers = clamp_mb(mem / 4, 32, ~0ul);
	m->effective_cache_size = clamp_mb(mem / 4 * 3, 64, ~0ul);
	m->maintenance_work_mem = clamp_mb(mem / 20, 64, 2048);
	m->work_mem = clamp_mb(mem / 4 / (uint64_t)max_connections, 4, 256);
}

/* --- postgresql.conf settings --- */

static int max_connections(const struct inst_config *c)
{
	for (size_t i = 0; i < c->n_pg_parameters; i++)
		if (strcmp(c->pg_parameters[i].key, "max_connections") == 0)
			return atoi(c->pg_parameters[i].value);
	return 100;
}

static void set_mb(struct inst_pgconf *p, const char *key, unsigned long mb)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%luMB", mb);
	inst_pgconf_set(p, key, buf);
}

void inst_pg_settings(const struct inst_config *c, uint64_t mem, struct inst_pgconf *out)
{
	struct inst_pg_memory m;
	struct sbuf b = SBUF_INIT;
	char port[16];

	snprintf(port, sizeof(port), "%d", c->pg_port);
	inst_pgconf_set(out, "cluster_name", c->pg_cluster);
	inst_pgconf_set(out, "listen_addresses", c->pg_listen);
	inst_pgconf_set(out, "port", port);
	inst_pgconf_set(out, "password_encryption", "scram-sha-256");
	/* Decided by pgext.c when the config was loaded. */
	for (size_t i = 0; i < c->pg_preload.n; i++)
		sbuf_addf(&b, "%s%s", i ? "," : "", c->pg_preload.v[i]);
	inst_pgconf_set(out, "shared_preload_libraries", b.buf ? b.buf : "");
	inst_pg_memory_size(mem, max_connections(c), &m);
	set_mb(out, "shared_buffers", m.shared_buffers);
	set_mb(out, "effective_cache_size", m.effective_cache_size);
	set_mb(out, "maintenance_work_mem", m.maintenance_work_mem);
	set_mb(out, "work_mem", m.work_mem);
	inst_pg_tune(c, inst_host_cpus(), out);	/* pgtune.c: tiny on small hosts */
	for (size_t i = 0; i < c->n_pg_parameters; i++)
		inst_pgconf_set(out, c->pg_parameters[i].key, c->pg_parameters[i].value);
	sbuf_free(&b);
}

/* --- PgBouncer --- */

void inst_pgbouncer_ini(const struct inst_config *c, const struct inst_pg_layout *l,
			struct sbuf *out)
{
	struct inst_pgconf p = { 0 };
	char port[16], *v;

	inst_pgconf_set(&p, "[databases]", "");
	for (size_t i = 0; i < c->n_pg_databases; i++) {
		const struct inst_pg_database *db = &c->pg_databases[i];

		if (!db->pgbouncer)
			continue;
		v = xasprintf("host=%s port=%d dbname=%s", l->socket_dir, c->pg_port, db->name);
		inst_pgconf_set(&p, db->name, v);
		free(v);
	}
	snprintf(port, sizeof(port), "%d", c->pgbouncer_port);
	inst_pgconf_set(&p, "[pgbouncer]", "");
	inst_pgconf_set(&p, "listen_addr", c->pgbouncer_listen);
	inst_pgconf_set(&p, "listen_port", port);
	inst_pgconf_set(&p, "unix_socket_dir", l->pgb_socket_dir);
	/* bullseye's init script starts pgbouncer with -d, which needs both; the
	 * foreground systemd units of later releases ignore them harmlessly. */
	inst_pgconf_set(&p, "pidfile", l->pgb_pidfile);
	inst_pgconf_set(&p, "logfile", l->pgb_logfile);
	/* the rule set of hba.c; its scram-sha-256 lines check the userlist's secrets */
	inst_pgconf_set(&p, "auth_type", "hba");
	inst_pgconf_set(&p, "auth_hba_file", l->pgb_hba);
	inst_pgconf_set(&p, "auth_file", l->pgb_userlist);
	v = xasprintf("postgres, %s", c->pg_admin_username);
	inst_pgconf_set(&p, "admin_users", v);
	free(v);
	v = xasprintf("postgres, %s", c->pg_monitor_username);
	inst_pgconf_set(&p, "stats_users", v);
	free(v);
	inst_pgconf_set(&p, "pool_mode", c->pgbouncer_poolmode);
	/* JDBC sends it at startup; without this PgBouncer refuses the client. */
	inst_pgconf_set(&p, "ignore_startup_parameters", "extra_float_digits");
	inst_pgconf_render_ini(&p, "pgbouncer.ini written by pgbundle-installer from the config "
			       "(pgbouncer_*, pg_databases).\nEdits here are overwritten on its "
			       "next run: change the config.", out);
	inst_pgconf_free(&p);
}

void inst_pgbouncer_userlist_add(struct sbuf *out, const char *name, const char *secret)
{
	const char *f[2] = { name, secret };

	for (int i = 0; i < 2; i++) {
		sbuf_addc(out, '"');
		for (const char *c = f[i]; *c; c++) {
			if (*c == '"')
				sbuf_addc(out, '"');
			sbuf_addc(out, *c);
		}
		sbuf_adds(out, i ? "\"\n" : "\" ");
	}
}
