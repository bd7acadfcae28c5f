/*
 * acl.c - Pigsty's access-control model: who may do what in every database.
 *
 * What the config says (cfgkeys.c declares the keys; pgbundle's defaults,
 * in Pigsty's vocabulary, are the YAML of builtin[] below):
 *   pg_default_roles       the role groups and the system users, created
 *                          before pg_users and in the same way (pgobjects.c):
 *       dbrole_readonly    connect, usage on schemas, select on tables and
 *                          sequences, execute on functions
 *       dbrole_offline     the same, for offline (ETL) users
 *       dbrole_readwrite   readonly plus insert, update, delete on tables,
 *                          usage and update on sequences
 *       dbrole_admin       readwrite plus truncate, references, trigger, and
 *                          create (schemas, tables); pg_monitor, pg_signal_backend
 *       replicator         pg_replication_username: Patroni's streaming user
 *       dbuser_dba         pg_admin_username: superuser, dbrole_admin, Patroni's
 *                          pg_rewind user
 *       dbuser_monitor     pg_monitor_username: pg_monitor only (Pigsty also
 *                          makes it a reader of every table; here it sees the
 *                          server's activity and statistics and nothing else)
 *     Their passwords: the config's (the entry's, or pg_*_password), else a
 *     cluster secret (secrets.c), one per user, shared with Patroni and the
 *     exporters.
 *   pg_default_privileges  Pigsty's "GRANT ... ON TABLES TO dbrole_readonly"
 *                          lines, set with ALTER DEFAULT PRIVILEGES for every
 *                          role that creates objects: postgres, the admin user,
 *                          dbrole_admin and its members (the config's and the
 *                          cluster's), and in its own database each owner; in
 *                          every business database (before its schemas and
 *                          extensions are made) and in template1 and postgres
 *   the databases          PUBLIC loses CREATE, CONNECT and TEMPORARY on each
 *                          business database and CREATE on its schema public;
 *                          the groups get CONNECT, dbrole_admin CREATE and
 *                          TEMPORARY on the database and CREATE on public; the
 *                          monitor and replication users CONNECT
 *   pg_default_schemas, pg_default_extensions  made in template1 and postgres,
 *                          as Pigsty's pg-init-template does (pgobjects.c)
 *   the HBA rule sets      parsed by config.c, rendered by hba.c
 *
 * Drift.  What this file grants or revokes is written down in a ledger in
 * the cluster itself (table pgbundle.acl of database postgres, keyed by the
 * database's oid, so it follows failovers and a database dropped and made
 * again starts afresh).  On every run each privilege of the model is read
 * back from the catalogs (pg_default_acl, datacl, nspacl):
 *   missing and not in the ledger   applied (new: a database, a member of
 *                                   dbrole_admin, a line of the config)
 *   missing but in the ledger       revoked by hand since: reported as a
 *                                   warning and kept so, unless pg_acl_drift:
 *                                   restore says to put it back
 *   there but not in the ledger     recorded
 * Nothing outside the model is revoked, and existing objects keep their
 * grants: default privileges act on what is created from now on.
 *
 * Names reach SQL only as psql variables; privileges and object types come
 * from the tables here.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config_int.h"

/* --- pgbundle's defaults (Pigsty's, with the changes the top comment says) --- */

static const struct {
	const char *key, *text;
} builtin[] = {
	{ "pg_default_roles", "pg_default_roles:\n"
	  "  - { name: dbrole_readonly, login: false, comment: role for global read-only access }\n"
	  "  - { name: dbrole_offline, login: false, comment: role for restricted read-only "
	  "access }\n"
	  "  - { name: dbrole_readwrite, login: false, roles: [dbrole_readonly], comment: role for "
	  "global read-write access }\n"
	  "  - { name: dbrole_admin, login: false, roles: [pg_monitor, pg_signal_backend, "
	  "dbrole_readwrite], comment: role for object creation }\n"
	  "  - { name: postgres, superuser: true, comment: system superuser }\n"
	  "  - { name: replicator, replication: true, roles: [pg_monitor, dbrole_readonly], "
	  "comment: system replicator }\n"
	  "  - { name: dbuser_dba, superuser: true, roles: [dbrole_admin], pgbouncer: true, "
	  "comment: pgsql admin user }\n"
	  "  - { name: dbuser_monitor, roles: [pg_monitor], pgbouncer: true, comment: pgsql "
	  "monitor user }\n" },
	{ "pg_default_privileges", "pg_default_privileges:\n"
	  "  - GRANT USAGE      ON SCHEMAS    TO dbrole_readonly\n"
	  "  - GRANT SELECT     ON TABLES     TO dbrole_readonly\n"
	  "  - GRANT SELECT     ON SEQUENCES  TO dbrole_readonly\n"
	  "  - GRANT EXECUTE    ON FUNCTIONS  TO dbrole_readonly\n"
	  "  - GRANT USAGE      ON SCHEMAS    TO dbrole_offline\n"
	  "  - GRANT SELECT     ON TABLES     TO dbrole_offline\n"
	  "  - GRANT SELECT     ON SEQUENCES  TO dbrole_offline\n"
	  "  - GRANT EXECUTE    ON FUNCTIONS  TO dbrole_offline\n"
	  "  - GRANT INSERT     ON TABLES     TO dbrole_readwrite\n"
	  "  - GRANT UPDATE     ON TABLES     TO dbrole_readwrite\n"
	  "  - GRANT DELETE     ON TABLES     TO dbrole_readwrite\n"
	  "  - GRANT USAGE      ON SEQUENCES  TO dbrole_readwrite\n"
	  "  - GRANT UPDATE     ON SEQUENCES  TO dbrole_readwrite\n"
	  "  - GRANT TRUNCATE   ON TABLES     TO dbrole_admin\n"
	  "  - GRANT REFERENCES ON TABLES     TO dbrole_admin\n"
	  "  - GRANT TRIGGER    ON TABLES     TO dbrole_admin\n"
	  "  - GRANT CREATE     ON SCHEMAS    TO dbrole_admin\n" },
	{ "pg_default_schemas", "pg_default_schemas: [monitor]\n" },
	{ "pg_default_extensions", "pg_default_extensions:\n"
	  "  - { name: pg_stat_statements, schema: monitor }\n"
	  "  - { name: pgstattuple, schema: monitor }\n"
	  "  - { name: pg_buffercache, schema: monitor }\n"
	  "  - { name: pageinspect, schema: monitor }\n"
	  "  - { name: pg_prewarm, schema: monitor }\n"
	  "  - { name: pg_visibility, schema: monitor }\n"
	  "  - { name: pg_freespacemap, schema: monitor }\n"
	  "  - { name: postgres_fdw, schema: public }\n"
	  "  - { name: file_fdw, schema: public }\n"
	  "  - { name: btree_gist, schema: public }\n"
	  "  - { name: btree_gin, schema: public }\n"
	  "  - { name: pg_trgm, schema: public }\n"
	  "  - { name: intagg, schema: public }\n"
	  "  - { name: intarray, schema: public }\n"
	  "  - { name: pg_repack }\n" },
	/* Pigsty's, but the replicator comes from the cluster's members only
	 * (Pigsty: intra) and the admin from the intranet over TLS only (Pigsty:
	 * pwd from intra, ssl from the world): nothing is open to the world. */
	{ "pg_default_hba_rules", "pg_default_hba_rules:\n"
	  "  - { user: '${dbsu}', db: all, addr: local, auth: ident, title: 'dbsu access via "
	  "local os user ident', order: 100 }\n"
	  "  - { user: '${dbsu}', db: replication, addr: local, auth: ident, title: 'dbsu "
	  "replication from local os ident', order: 150 }\n"
	  "  - { user: '${repl}', db: replication, addr: localhost, auth: pwd, title: "
	  "'replicator replication from localhost', order: 200 }\n"
	  "  - { user: '${repl}', db: replication, addr: cluster, auth: pwd, title: "
	  "'replicator replication from the cluster members', order: 250 }\n"
	  "  - { user: '${repl}', db: postgres, addr: cluster, auth: pwd, title: 'replicator "
	  "postgres db from the cluster members', order: 300 }\n"
	  "  - { user: '${monitor}', db: all, addr: localhost, auth: pwd, title: 'monitor from "
	  "localhost with password', order: 350 }\n"
	  "  - { user: '${monitor}', db: all, addr: infra, auth: pwd, title: 'monitor from "
	  "infra host with password', order: 400 }\n"
	  "  - { user: '${admin}', db: all, addr: intra, auth: ssl, title: 'admin @ intranet "
	  "nodes with ssl & pwd', order: 450 }\n"
	  "  - { user: '+dbrole_readonly', db: all, addr: localhost, auth: pwd, title: "
	  "'pgbouncer read/write via local socket', order: 550 }\n"
	  "  - { user: '+dbrole_readonly', db: all, addr: intra, auth: pwd, title: 'read/write "
	  "biz user via password', order: 600 }\n"
	  "  - { user: '+dbrole_offline', db: all, addr: intra, auth: pwd, title: 'allow etl "
	  "offline tasks from intranet', order: 650 }\n" },
	/* Pigsty's, but PgBouncer has no TLS here, so the admin reaches it from
	 * this host only (Pigsty: pwd from intra). */
	{ "pgb_default_hba_rules", "pgb_default_hba_rules:\n"
	  "  - { user: '${dbsu}', db: pgbouncer, addr: local, auth: peer, title: 'dbsu local "
	  "admin access with os ident', order: 100 }\n"
	  "  - { user: all, db: all, addr: localhost, auth: pwd, title: 'allow all user local "
	  "access with pwd', order: 150 }\n"
	  "  - { user: '${monitor}', db: pgbouncer, addr: intra, auth: pwd, title: 'monitor "
	  "access via intranet with pwd', order: 200 }\n"
	  "  - { user: '${monitor}', db: all, addr: world, auth: deny, title: 'reject all other "
	  "monitor access addr', order: 250 }\n"
	  "  - { user: '${admin}', db: all, addr: world, auth: deny, title: 'reject all other "
	  "admin access addr', order: 350 }\n"
	  "  - { user: all, db: all, addr: intra, auth: pwd, title: 'allow all user intra access "
	  "with pwd', order: 400 }\n" },
};

const char *inst_acl_builtin(const char *key)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcmp(builtin[i].key, key) == 0)
			return builtin[i].text;
	return NULL;
}

/* --- privileges and object types --- */

static const char *const objtypes[] = { "TABLES", "SEQUENCES", "FUNCTIONS", "TYPES", "SCHEMAS" };

static const struct {
	const char *name;
	const char *on;		/* the object types it applies to */
	int since;		/* PostgreSQL major that has it */
} privs[] = {
	{ "SELECT", "TABLES SEQUENCES", 0 },
	{ "INSERT", "TABLES", 0 },
	{ "UPDATE", "TABLES SEQUENCES", 0 },
	{ "DELETE", "TABLES", 0 },
	{ "TRUNCATE", "TABLES", 0 },
	{ "REFERENCES", "TABLES", 0 },
	{ "TRIGGER", "TABLES", 0 },
	{ "MAINTAIN", "TABLES", 17 },
	{ "USAGE", "SEQUENCES TYPES SCHEMAS", 0 },
	{ "EXECUTE", "FUNCTIONS", 0 },
	{ "CREATE", "SCHEMAS", 0 },
};
#define NPRIVS (sizeof(privs) / sizeof(privs[0]))

static int priv_on(size_t i, const char *objtype)
{
	const char *p = strstr(privs[i].on, objtype);

	return p && (p[strlen(objtype)] == ' ' || !p[strlen(objtype)]);
}

/* --- parsing --- */

static const char *sfx(int n)
{
	return n == 1 ? "" : "s";
}

/* The role name s of the config (pg_default_roles, pg_users), or NULL. */
static const struct inst_pg_user *role_of(const struct inst_config *c, const char *s)
{
	for (size_t i = 0; i < c->n_pg_users; i++)
		if (strcmp(c->pg_users[i].name, s) == 0)
			return &c->pg_users[i];
	return NULL;
}

/* Words of one line (upper-cased), commas as words of their own. */
static void words(const char *s, struct strlist *out)
{
	while (*s) {
		size_t n = strcspn(s, " \t,");

		if (n)
			strlist_add_owned(out, xstrndup(s, n));
		s += n;
		if (*s == ',')
			strlist_add(out, ",");
		if (*s)
			s++;
	}
}

/* "GRANT priv[, priv] ON objtype TO grantee" into *p; NULL or why not. */
static const char *parse_grant(const struct inst_config *c, const char *line,
			       struct inst_acl_priv *p)
{
	struct strlist w = STRLIST_INIT;
	const char *why = NULL;
	size_t i = 1, on;

	words(line, &w);
	for (on = 1; on < w.n && strcasecmp(w.v[on], "ON"); on++)
		;
	if (w.n != on + 4 || strcasecmp(w.v[0], "GRANT") || on < 2 ||
	    strcasecmp(w.v[on + 2], "TO")) {
		why = "a line is GRANT privilege[, privilege] ON TABLES|SEQUENCES|FUNCTIONS|TYPES|"
		      "SCHEMAS TO role";
		goto out;
	}
	p->objtype = NULL;
	for (size_t t = 0; t < sizeof(objtypes) / sizeof(objtypes[0]); t++)
		if (!strcasecmp(w.v[on + 1], objtypes[t]))
			p->objtype = objtypes[t];
	if (!strcasecmp(w.v[on + 1], "ROUTINES"))
		p->objtype = "FUNCTIONS";
	if (!p->objtype) {
		why = "the objects are TABLES, SEQUENCES, FUNCTIONS (ROUTINES), TYPES or SCHEMAS";
		goto out;
	}
	for (p->privs = 0; !why && i < on; i++) {
		size_t k;
		int all = !strcasecmp(w.v[i], "ALL");

		if (all && i + 1 < on && !strcasecmp(w.v[i + 1], "PRIVILEGES"))
			i++;
		for (k = 0; !all && k < NPRIVS && strcasecmp(w.v[i], privs[k].name); k++)
			;
		if (!all && (k == NPRIVS || !priv_on(k, p->objtype)))
			why = "a privilege is not one of those the objects have (TABLES: SELECT, "
			      "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN; "
			      "SEQUENCES: USAGE, SELECT, UPDATE; FUNCTIONS: EXECUTE; TYPES: USAGE; "
			      "SCHEMAS: USAGE, CREATE; or ALL)";
		else if (!all && privs[k].since > c->pg_major && c->pg_major)
			why = "MAINTAIN needs PostgreSQL 17 or later";
		for (size_t j = 0; !why && j < NPRIVS; j++)
			if (all ? priv_on(j, p->objtype) && (!privs[j].since || privs[j].since <=
							     c->pg_major) : j == k)
				p->privs |= 1u << j;
		if (!why && i + 1 < on && strcmp(w.v[++i], ","))
			why = "privileges are separated by commas";
	}
	if (!why && !strcmp(w.v[on - 1], ","))
		why = "a comma before ON";
	p->grantee = NULL;
	if (!why && !strcasecmp(w.v[on + 3], "PUBLIC"))
		p->grantee = xstrdup("PUBLIC");
	else if (!why && !role_of(c, w.v[on + 3]) && strncmp(w.v[on + 3], "pg_", 3))
		why = "the grantee is no role of pg_default_roles or pg_users (nor pg_*, PUBLIC)";
	else if (!why)
		p->grantee = xstrdup(w.v[on + 3]);
out:
	strlist_free(&w);
	return why;
}

/* The key's value (a list) or, absent, pgbundle's default: *d is freed by the caller. */
static int list_of(struct cload *l, const struct ck *k, struct cload *b, struct yamldoc **d,
		   const struct yamldoc_node **seq, struct pgb_err *err)
{
	char got[64];

	*b = *l;
	*d = NULL;
	*seq = cvar(l, k->name);
	if (!*seq) {
		if (inst_cfg_builtin(k->name, d, seq, err) < 0)
			return -1;
		b->d = *d;
		return 0;
	}
	if (!yamldoc_is_seq(*seq))
		return yamldoc_fail(l->d, *seq, err, "'%s' must be a list, got %s", k->name,
				    yamldoc_got(*seq, got, sizeof(got)));
	return 0;
}

int inst_acl_parse_privileges(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	const struct yamldoc_node *seq;
	struct yamldoc *d;
	struct cload b;
	int rc = list_of(l, k, &b, &d, &seq, err);

	c->pg_default_privileges = xcalloc(yamldoc_len(seq) + 1, sizeof(*c->pg_default_privileges));
	for (size_t i = 0; rc == 0 && i < yamldoc_len(seq); i++) {
		const struct yamldoc_node *n = yamldoc_item(b.d, seq, i);
		struct inst_acl_priv *p = &c->pg_default_privileges[c->n_pg_default_privileges];
		const char *line = yamldoc_scalar(n), *why;

		why = line ? parse_grant(c, line, p) : "each item is one GRANT line";
		if (why) {
			rc = yamldoc_fail(b.d, n, err, "pg_default_privileges: '%.200s': %s",
					  line ? line : "", why);
			break;
		}
		p->where = yamldoc_node_where(b.d, n);
		c->n_pg_default_privileges++;
	}
	yamldoc_free(d);
	return rc;
}

/* Extension and schema names: letters, digits, _ and -. */
static int ext_name_ok(const char *s)
{
	if (!*s || strlen(s) > 63)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* One item of pg_default_schemas or pg_default_extensions: NAME or {name, schema}. */
static int named_item(struct cload *b, const struct ck *k, const struct yamldoc_node *n,
		      int schema_key, char **name, char **schema, struct pgb_err *err)
{
	static const char *const ext_keys[] = { "name", "schema", NULL };
	static const char *const schema_keys[] = { "name", NULL };

	*name = *schema = NULL;
	if (yamldoc_is_scalar(n) && yamldoc_str(b->d, n, k->name, name, err) < 0)
		return -1;
	if (yamldoc_is_map(n) &&
	    (yamldoc_check_keys(b->d, n, schema_key ? ext_keys : schema_keys, k->name, err) < 0 ||
	     yamldoc_get_str(b->d, n, "name", YAMLDOC_REQUIRED, name, err) < 0 ||
	     yamldoc_get_str(b->d, n, "schema", 0, schema, err) < 0))
		return -1;
	if (*name && ext_name_ok(*name) && (!*schema || inst_cfg_name_ok(*schema)))
		return 0;
	return yamldoc_fail(b->d, n, err, "%s: each item is a name (letters, digits, _ -)%s",
			    k->name, schema_key ? " or {name: NAME, schema: SCHEMA}" : "");
}

int inst_acl_parse_schemas(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *seq;
	struct yamldoc *d;
	struct cload b;
	int rc = list_of(l, k, &b, &d, &seq, err);

	for (size_t i = 0; rc == 0 && i < yamldoc_len(seq); i++) {
		char *name, *schema;

		rc = named_item(&b, k, yamldoc_item(b.d, seq, i), 0, &name, &schema, err);
		if (rc == 0)
			strlist_add_owned(&l->c->pg_default_schemas, name);
		else
			free(name);
		free(schema);
	}
	yamldoc_free(d);
	return rc;
}

int inst_acl_parse_extensions(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	const struct yamldoc_node *seq;
	struct yamldoc *d;
	struct cload b;
	int rc = list_of(l, k, &b, &d, &seq, err);

	c->pg_default_extensions = xcalloc(yamldoc_len(seq) + 1, sizeof(*c->pg_default_extensions));
	for (size_t i = 0; rc == 0 && i < yamldoc_len(seq); i++) {
		struct inst_pg_ext *e = &c->pg_default_extensions[c->n_pg_default_extensions];

		rc = named_item(&b, k, yamldoc_item(b.d, seq, i), 1, &e->name, &e->schema, err);
		c->n_pg_default_extensions++;	/* counted either way, so it is freed */
	}
	yamldoc_free(d);
	return rc;
}

/* An IP address, or with cidr a CIDR, normalized; NULL when it is neither. */
static char *ip_text(const char *s, int cidr)
{
	unsigned char buf[16];
	char *ip = xstrndup(s, strcspn(s, "/")), *end, *out = NULL;
	const char *slash = strchr(s, '/');
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET, max = fam == AF_INET6 ? 128 : 32;
	long bits = slash ? strtol(slash + 1, &end, 10) : max;

	if (inet_pton(fam, ip, buf) == 1 && (!slash || (cidr && slash[1] >= '0' &&
							slash[1] <= '9' && !*end && bits >= 0 &&
							bits <= max)))
		out = xasprintf("%s/%ld", ip, bits);
	free(ip);
	return out;
}

int inst_acl_parse_intranet(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	struct strlist v = STRLIST_INIT;
	struct strlist *out = &l->c->node_firewall_intranet;
	int rc = 0;

	strlist_free(out);
	if (!n) {
		strlist_add(out, "10.0.0.0/8");
		strlist_add(out, "172.16.0.0/12");
		strlist_add(out, "192.168.0.0/16");
		return 0;
	}
	if (yamldoc_strlist(l->d, n, k->name, &v, NULL, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < v.n; i++) {
		char *cidr = ip_text(v.v[i], 1);

		if (cidr)
			strlist_add_owned(out, cidr);
		else
			rc = yamldoc_fail(l->d, yamldoc_item(l->d, n, i), err, "'%s': '%.100s' is "
					  "no CIDR (10.0.0.0/8)", k->name, v.v[i]);
	}
	strlist_free(&v);
	return rc;
}

int inst_acl_parse_admin_ip(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	char *v = NULL, *ip;

	free(l->c->admin_ip);
	l->c->admin_ip = NULL;
	if (!n)
		return 0;
	if (yamldoc_str(l->d, n, k->name, &v, err) < 0)
		return -1;
	ip = strchr(v, '/') ? NULL : ip_text(v, 0);
	free(ip);
	if (!ip) {
		free(v);
		return yamldoc_fail(l->d, n, err, "'%s' must be an IP address", k->name);
	}
	l->c->admin_ip = v;
	return 0;
}

/* --- once every key is read --- */

/* The system user name (pg_replication_username ...) is in pg_default_roles,
 * and its password is stated once: the entry's and the key's are one. */
static int system_user(struct cload *l, const char *key, const char *name, char **password,
		       int replication, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	struct inst_pg_user *u = NULL;
	const struct yamldoc_node *at = cvar(l, "pg_default_roles");

	for (size_t i = 0; i < c->n_pg_default_roles; i++)
		if (strcmp(c->pg_users[i].name, name) == 0)
			u = &c->pg_users[i];
	if (!u)
		return at ? yamldoc_fail(l->d, at, err, "pg_default_roles has no entry for %s "
					 "(%s), a system user: add one, such as {name: %s%s}", name,
					 key, name, replication ? ", replication: true, roles: "
					 "[pg_monitor, dbrole_readonly]" : "") :
			    pgb_fail(err, "%s: %s (%s) names a role of pgbundle's own "
				     "pg_default_roles: choose another name", c->path, name, key);
	if (replication && !u->replication)
		return pgb_fail(err, "%s: %s is Patroni's replication user (%s): give it "
				"replication: true", u->where, name, key);
	if (!u->login)
		return pgb_fail(err, "%s: %s is a system user (%s): it must log in", u->where,
				name, key);
	if (u->password && *password && strcmp(u->password, *password))
		return pgb_fail(err, "%s: %s's password is stated twice, differently (here and in "
				"%s): state it once", u->where, name, key);
	if (u->password && !*password)
		*password = xstrdup(u->password);
	else if (*password && !u->password)
		u->password = xstrdup(*password);
	return 0;
}

/* TLS: Patroni's PostgreSQL has it (pki.c's certificate); without Patroni, when
 * pg_parameters turns ssl on. */
static int pg_tls(const struct inst_config *c)
{
	for (size_t i = 0; i < c->n_pg_parameters; i++)
		if (strcmp(c->pg_parameters[i].key, "ssl") == 0)
			return !strcasecmp(c->pg_parameters[i].value, "on") ||
			       !strcasecmp(c->pg_parameters[i].value, "true");
	return c->patroni_enabled;
}

/* ${dbsu}, ${repl}, ${monitor}, ${admin} in one list; hostssl without TLS. */
static int hba_finish(const struct inst_config *c, struct inst_pg_hba_rule *v, size_t n,
		      int tls, struct pgb_err *err)
{
	const char *names[][2] = {
		{ "${dbsu}", "postgres" }, { "${repl}", c->pg_replication_username },
		{ "${monitor}", c->pg_monitor_username }, { "${admin}", c->pg_admin_username },
	};

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			if (strcmp(v[i].user, names[j][0]) == 0) {
				free(v[i].user);
				v[i].user = xstrdup(names[j][1]);
			}
		if (tls || strcmp(v[i].type, "hostssl"))
			continue;
		if (!v[i].tls_optional)
			return pgb_fail(err, "%s: this rule needs TLS (ssl, cert or hostssl), which "
					"PostgreSQL has only under Patroni or with ssl: on in "
					"pg_parameters", v[i].where);
		free(v[i].type);
		v[i].type = xstrdup("host");
	}
	return 0;
}

int inst_acl_finish(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	int tls = pg_tls(c);

	if (system_user(l, "pg_replication_username", c->pg_replication_username,
			&c->pg_replication_password, 1, err) < 0 ||
	    system_user(l, "pg_admin_username", c->pg_admin_username, &c->pg_admin_password, 0,
			err) < 0 ||
	    system_user(l, "pg_monitor_username", c->pg_monitor_username,
			&c->pg_monitor_password, 0, err) < 0)
		return -1;
	return hba_finish(c, c->pg_default_hba_rules, c->n_pg_default_hba_rules, tls, err) < 0 ||
	       hba_finish(c, c->pg_hba_rules, c->n_pg_hba_rules, tls, err) < 0 ||
	       hba_finish(c, c->pgb_default_hba_rules, c->n_pgb_default_hba_rules, 0, err) < 0 ||
	       hba_finish(c, c->pgb_hba_rules, c->n_pgb_hba_rules, 0, err) < 0 ? -1 : 0;
}

void inst_acl_config_free(struct inst_config *c)
{
	for (size_t i = 0; i < c->n_pg_default_privileges; i++) {
		free(c->pg_default_privileges[i].grantee);
		free(c->pg_default_privileges[i].where);
	}
	free(c->pg_default_privileges);
	for (size_t i = 0; i < c->n_pg_default_extensions; i++) {
		free(c->pg_default_extensions[i].name);
		free(c->pg_default_extensions[i].schema);
	}
	free(c->pg_default_extensions);
	strlist_free(&c->pg_default_schemas);
	strlist_free(&c->node_firewall_intranet);
	free(c->admin_ip);
	free(c->pg_acl_drift);	/* pg_monitor_*: opscfg.c's */
}

/* --- template1 and postgres: Pigsty's pg-init-template --- */

void inst_acl_system_dbs(const struct inst_config *cfg, struct inst_pg_database out[2])
{
	static const char *const names[] = { "template1", "postgres" };

	memset(out, 0, 2 * sizeof(*out));
	for (size_t i = 0; i < 2; i++) {
		struct inst_pg_database *db = &out[i];

		db->name = xstrdup(names[i]);
		db->owner = xstrdup("postgres");
		db->encoding = xstrdup("UTF8");
		db->locale = xstrdup("C.UTF-8");
		db->where = xstrdup("pg_default_schemas, pg_default_extensions");
		db->system = 1;
		for (size_t j = 0; j < cfg->pg_default_schemas.n; j++)
			strlist_add(&db->schemas, cfg->pg_default_schemas.v[j]);
		db->extensions = xcalloc(cfg->n_pg_default_extensions + 1, sizeof(*db->extensions));
		for (size_t j = 0; j < cfg->n_pg_default_extensions; j++) {
			const struct inst_pg_ext *e = &cfg->pg_default_extensions[j];

			db->extensions[j].name = xstrdup(e->name);
			db->extensions[j].schema = e->schema ? xstrdup(e->schema) : NULL;
		}
		db->n_extensions = cfg->n_pg_default_extensions;
	}
}

void inst_acl_system_dbs_free(struct inst_pg_database dbs[2])
{
	for (size_t i = 0; i < 2; i++) {
		free(dbs[i].name);
		free(dbs[i].owner);
		free(dbs[i].encoding);
		free(dbs[i].locale);
		free(dbs[i].where);
		strlist_free(&dbs[i].schemas);
		for (size_t j = 0; j < dbs[i].n_extensions; j++) {
			free(dbs[i].extensions[j].name);
			free(dbs[i].extensions[j].schema);
		}
		free(dbs[i].extensions);
	}
	memset(dbs, 0, 2 * sizeof(*dbs));
}

/* --- the privileges of the model, in each database --- */

enum { DEFAULT_PRIV, DATABASE_PRIV, SCHEMA_PRIV };

/* One privilege of the model. */
struct item {
	int kind;
	const char *creator;	/* DEFAULT_PRIV: whose new objects it covers */
	const char *objtype;	/* DEFAULT_PRIV: TABLES, ... */
	const char *grantee;	/* a role, or PUBLIC */
	const char *priv;	/* SELECT, CONNECT, ... */
	int revoke;		/* PUBLIC must not hold it */
	char *key;		/* how the ledger and the catalogs' query write it */
};

struct items {
	struct item *v;
	size_t n;
};

struct inst_acl {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	const struct inst_pg_layout *l;
	int running;
	struct strlist creators;	/* postgres, the admin user, dbrole_admin, its members */
	json_t *ledger;			/* {"DATOID": [key, ...]}: what was applied */
	int have_ledger;		/* pgbundle.acl exists */
};

/* The catalogs' privileges in one database as item keys (grants, "+PRIV"). */
#define GRANTEE_SQL "CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END"
static const char q_live[] =
	"SELECT json_build_object("
	"'oid', (SELECT oid::text FROM pg_database WHERE datname = current_database()), "
	"'has_public', EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public'), "
	"'keys', (SELECT coalesce(json_agg(k), '[]') FROM ("
	"SELECT concat_ws(' ', 'default', pg_get_userbyid(d.defaclrole), CASE d.defaclobjtype "
	"WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' "
	"WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' ELSE 'OTHER' END, " GRANTEE_SQL ", "
	"'+' || a.privilege_type) AS k "
	"FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE d.defaclnamespace = 0 "
	"UNION ALL SELECT concat_ws(' ', 'database', " GRANTEE_SQL ", '+' || a.privilege_type) "
	"FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
	"WHERE d.datname = current_database() "
	"UNION ALL SELECT concat_ws(' ', 'schema public', " GRANTEE_SQL ", '+' || "
	"a.privilege_type) FROM pg_namespace n, aclexplode(coalesce(n.nspacl, "
	"acldefault('n', n.nspowner))) a WHERE n.nspname = 'public') s))";
static const char q_admins[] =
	"WITH RECURSIVE m(oid) AS (SELECT oid FROM pg_roles WHERE rolname = 'dbrole_admin' "
	"UNION SELECT a.member FROM pg_auth_members a JOIN m ON a.roleid = m.oid) "
	"SELECT coalesce(json_agg(r.rolname ORDER BY r.rolname), '[]') FROM pg_roles r "
	"JOIN m ON m.oid = r.oid";
static const char q_has_ledger[] = "SELECT to_json(to_regclass('pgbundle.acl') IS NOT NULL)";
static const char q_ledger[] =
	"SELECT coalesce(json_object_agg(datoid::text, items), '{}') FROM (SELECT datoid, "
	"json_agg(item ORDER BY item) AS items FROM pgbundle.acl GROUP BY datoid) s";
/* The ledger; nobody but postgres reads it (the model's default privileges
 * would give postgres' new schema to the groups). */
static const char sql_ledger[] =
	"CREATE SCHEMA IF NOT EXISTS pgbundle;\n"
	"CREATE TABLE IF NOT EXISTS pgbundle.acl (datoid oid, datname name NOT NULL, "
	"item text, applied timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (datoid, item));\n"
	"COMMENT ON TABLE pgbundle.acl IS 'privileges pgbundle-installer applied, so that one "
	"revoked by hand later is told from a new one (pg_acl_drift)';\n"
	"REVOKE ALL ON SCHEMA pgbundle FROM PUBLIC;\n"
	"DO $$ DECLARE g text; BEGIN FOR g IN SELECT DISTINCT pg_get_userbyid(a.grantee) "
	"FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'pgbundle' AND "
	"a.grantee NOT IN (0, n.nspowner) LOOP EXECUTE format('REVOKE ALL ON SCHEMA pgbundle "
	"FROM %I', g); END LOOP; END $$;\n";
static const char sql_record[] =
	"INSERT INTO pgbundle.acl (datoid, datname, item) SELECT :'v_oid'::oid, :'v_db', i "
	"FROM unnest(string_to_array(:'v_items', E'\\n')) i ON CONFLICT DO NOTHING;\n";

static void add_item(struct items *w, int kind, const char *creator, const char *objtype,
		     const char *grantee, const char *priv, int revoke)
{
	struct item *it;

	w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	it = &w->v[w->n++];
	*it = (struct item){ kind, creator, objtype, grantee, priv, revoke, NULL };
	if (kind == DEFAULT_PRIV)
		it->key = xasprintf("default %s %s %s +%s", creator, objtype, grantee, priv);
	else
		it->key = xasprintf("%s %s %c%s", kind == DATABASE_PRIV ? "database" :
				    "schema public", grantee, revoke ? '-' : '+', priv);
}

static void items_free(struct items *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].key);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

/* Grants of the model to role, when the config has that role. */
static void grant_to(struct items *w, const struct inst_config *c, int kind, const char *role,
		     const char *privs_text)
{
	struct strlist p = STRLIST_INIT;

	if (!role || !role_of(c, role))
		return;
	words(privs_text, &p);
	for (size_t i = 0; i < p.n; i++)	/* privilege names are the literals given here */
		add_item(w, kind, NULL, NULL, role_of(c, role)->name,
			 strcmp(p.v[i], "CONNECT") == 0 ? "CONNECT" : strcmp(p.v[i], "CREATE") == 0 ?
			 "CREATE" : "TEMPORARY", 0);
	strlist_free(&p);
}

/* What db should have: the default privileges of every creator, and for a
 * business database its own and its schema public's. */
static void want(const struct inst_acl *a, const struct inst_pg_database *db, int has_public,
		 struct items *w)
{
	const struct inst_config *c = a->cfg;
	struct strlist creators = STRLIST_INIT;

	for (size_t i = 0; i < a->creators.n; i++)
		strlist_add(&creators, a->creators.v[i]);
	if (!db->system && !strlist_has(&creators, db->owner))
		strlist_add(&creators, db->owner);
	for (size_t i = 0; i < creators.n; i++) {
		const char *who = role_of(c, creators.v[i]) ? role_of(c, creators.v[i])->name :
				  strcmp(creators.v[i], "postgres") == 0 ? "postgres" : NULL;

		for (size_t j = 0; j < c->n_pg_default_privileges; j++) {
			const struct inst_acl_priv *p = &c->pg_default_privileges[j];

			for (size_t k = 0; k < NPRIVS; k++)
				if (p->privs & (1u << k))
					add_item(w, DEFAULT_PRIV, who ? who : db->owner, p->objtype,
						 p->grantee, privs[k].name, 0);
		}
	}
	strlist_free(&creators);
	if (!db->system) {
		add_item(w, DATABASE_PRIV, NULL, NULL, "PUBLIC", "CREATE", 1);
		add_item(w, DATABASE_PRIV, NULL, NULL, "PUBLIC", "CONNECT", 1);
		add_item(w, DATABASE_PRIV, NULL, NULL, "PUBLIC", "TEMPORARY", 1);
		grant_to(w, c, DATABASE_PRIV, "dbrole_readonly", "CONNECT");
		grant_to(w, c, DATABASE_PRIV, "dbrole_offline", "CONNECT");
		grant_to(w, c, DATABASE_PRIV, "dbrole_admin", "CREATE TEMPORARY");
		grant_to(w, c, DATABASE_PRIV, c->pg_monitor_username, "CONNECT");
		grant_to(w, c, DATABASE_PRIV, c->pg_replication_username, "CONNECT");
	}
	if (has_public) {
		add_item(w, SCHEMA_PRIV, NULL, NULL, "PUBLIC", "CREATE", 1);
		grant_to(w, c, SCHEMA_PRIV, "dbrole_admin", "CREATE");
	}
}

static int member_of(const struct inst_config *c, const char *role, const char *group,
		     int depth)
{
	const struct inst_pg_user *u = role_of(c, role);

	if (strcmp(role, group) == 0)
		return 1;
	/* a cycle of grants only makes PostgreSQL fail them: stop at a depth */
	for (size_t i = 0; u && depth < 16 && i < u->roles.n; i++)
		if (member_of(c, u->roles.v[i], group, depth + 1))
			return 1;
	return 0;
}

int inst_acl_member(const struct inst_config *c, const char *role, const char *group)
{
	return member_of(c, role, group, 0);
}

static void json_strs(json_t *a, struct strlist *out)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && !strlist_has(out, json_string_value(v)))
			strlist_add(out, json_string_value(v));
}

int inst_acl_open(struct inst_acl **out, struct inst_ctx *ctx, const struct inst_config *cfg,
		  const struct inst_pg_layout *l, int running, struct pgb_err *err)
{
	struct inst_acl *a = xcalloc(1, sizeof(*a));
	json_t *j;

	*out = a;
	a->ctx = ctx;
	a->cfg = cfg;
	a->l = l;
	a->running = running;
	strlist_add(&a->creators, "postgres");
	for (size_t i = 0; i < cfg->n_pg_users; i++)
		if (inst_acl_member(cfg, cfg->pg_users[i].name, "dbrole_admin") ||
		    (cfg->pg_users[i].superuser && cfg->pg_users[i].login))
			strlist_add(&a->creators, cfg->pg_users[i].name);
	if (!running) {
		a->ledger = json_object();
		return 0;
	}
	/* members made by hand (GRANT dbrole_admin TO x) create objects too */
	if (!(j = inst_pg_query(l, "postgres", NULL, q_admins, err)))
		return -1;
	json_strs(j, &a->creators);
	json_decref(j);
	if (!(j = inst_pg_query(l, "postgres", NULL, q_has_ledger, err)))
		return -1;
	a->have_ledger = json_is_true(j);
	json_decref(j);
	if (!a->have_ledger && !ctx->dry_run && inst_psql(l, "postgres", NULL, sql_ledger, NULL,
							   err) < 0)
		return pgb_err_prefix(err, "the access-control ledger (pgbundle.acl)");
	a->have_ledger |= !ctx->dry_run;
	a->ledger = a->have_ledger ? inst_pg_query(l, "postgres", NULL, q_ledger, err) :
				     json_object();
	return a->ledger ? 0 : -1;
}

void inst_acl_close(struct inst_acl *a)
{
	if (!a)
		return;
	strlist_free(&a->creators);
	json_decref(a->ledger);
	free(a);
}

static int json_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Whether the catalogs (keys) hold item it. */
static int holds(json_t *keys, const struct item *it)
{
	char *grant;
	int has;

	if (!it->revoke)
		return json_has(keys, it->key);
	grant = xasprintf("%s PUBLIC +%s", it->kind == DATABASE_PRIV ? "database" :
			  "schema public", it->priv);
	has = json_has(keys, grant);
	free(grant);
	return !has;
}

/* The SQL that makes item i hold; names as psql variables c_I and g_I. */
static void item_sql(const struct item *it, size_t i, struct strlist *vars, struct sbuf *sql)
{
	int pub = strcmp(it->grantee, "PUBLIC") == 0;
	char *to = pub ? xstrdup("PUBLIC") : xasprintf(":\"g_%zu\"", i);

	if (!pub)
		strlist_add_owned(vars, xasprintf("g_%zu=%s", i, it->grantee));
	if (it->kind == DEFAULT_PRIV) {
		strlist_add_owned(vars, xasprintf("c_%zu=%s", i, it->creator));
		sbuf_addf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE :\"c_%zu\" GRANT %s ON %s TO %s;\n",
			  i, it->priv, it->objtype, to);
	} else if (it->revoke) {
		sbuf_addf(sql, "REVOKE %s ON %s FROM %s;\n", it->priv, it->kind == DATABASE_PRIV ?
			  "DATABASE :\"v_db\"" : "SCHEMA public", to);
	} else {
		sbuf_addf(sql, "GRANT %s ON %s TO %s;\n", it->priv, it->kind == DATABASE_PRIV ?
			  "DATABASE :\"v_db\"" : "SCHEMA public", to);
	}
	free(to);
}

/* Run sql in db with vars (a strlist of name=value). */
static int run_sql(struct inst_acl *a, const char *db, struct strlist *vars, const char *sql,
		   struct pgb_err *err)
{
	int rc;

	vars->v = xrealloc(vars->v, (vars->n + 1) * sizeof(*vars->v));
	vars->v[vars->n] = NULL;
	rc = inst_psql(a->l, db, (const char *const *)vars->v, sql, NULL, err);
	return rc;
}

/* What one database needs, sorted out: apply (sql), record (ledger), drift. */
struct plan {
	struct strlist vars, record, drift;
	struct sbuf sql;
	size_t n_apply;
};

static void plan_item(struct inst_acl *a, const struct item *it, size_t i, json_t *keys,
		      json_t *applied, int created, struct plan *p)
{
	int in_ledger = !created && json_has(applied, it->key);

	if (holds(keys, it)) {
		if (!in_ledger)
			strlist_add(&p->record, it->key);
		return;
	}
	if (in_ledger) {
		strlist_add(&p->drift, it->key);
		if (strcmp(a->cfg->pg_acl_drift, "restore"))
			return;
	} else {
		strlist_add(&p->record, it->key);
	}
	item_sql(it, i, &p->vars, &p->sql);
	p->n_apply++;
}

static void plan_free(struct plan *p)
{
	strlist_free(&p->vars);
	strlist_free(&p->record);
	strlist_free(&p->drift);
	sbuf_free(&p->sql);
}

static char *joined(const struct strlist *s, const char *sep)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < s->n; i++)
		sbuf_addf(&b, "%s%s", i ? sep : "", s->v[i]);
	return sbuf_detach(&b, NULL);
}

static int record(struct inst_acl *a, const char *db, const char *oid, const struct strlist *r,
		  struct pgb_err *err)
{
	struct strlist vars = STRLIST_INIT;
	char *items;
	int rc;

	if (!r->n || a->ctx->dry_run)
		return 0;
	items = joined(r, "\n");
	strlist_add_owned(&vars, xasprintf("v_oid=%s", oid));
	strlist_add_owned(&vars, xasprintf("v_db=%s", db));
	strlist_add_owned(&vars, xasprintf("v_items=%s", items));
	free(items);
	rc = run_sql(a, "postgres", &vars, sql_record, err);
	strlist_free(&vars);
	return rc;
}

int inst_acl_database(struct inst_acl *a, const struct inst_pg_database *db, int created,
		      struct pgb_err *err)
{
	struct items w = { 0 };
	struct plan p = { STRLIST_INIT, STRLIST_INIT, STRLIST_INIT, SBUF_INIT, 0 };
	json_t *live = NULL, *keys, *applied;
	const char *oid = "0";
	int rc = -1;

	/* a database a dry run has not made has nothing to read */
	if (a->running && !(created && a->ctx->dry_run)) {
		if (!(live = inst_pg_query(a->l, db->name, NULL, q_live, err)))
			return pgb_err_prefix(err, "database %s: its privileges", db->name);
		oid = json_string_value(json_object_get(live, "oid"));
	}
	keys = json_object_get(live, "keys");
	applied = json_object_get(a->ledger, oid ? oid : "0");
	want(a, db, live ? json_is_true(json_object_get(live, "has_public")) : 1, &w);
	strlist_add_owned(&p.vars, xasprintf("v_db=%s", db->name));
	for (size_t i = 0; i < w.n; i++)
		plan_item(a, &w.v[i], i, keys, applied, created || !live, &p);
	for (size_t i = 0; i < p.drift.n; i++)
		inst_log_warn(a->ctx->log, "database %s: '%s' of the access-control model was "
			      "revoked by hand: %s", db->name, p.drift.v[i],
			      strcmp(a->cfg->pg_acl_drift, "restore") ? "left so (pg_acl_drift: "
			      "restore puts it back)" : "put back (pg_acl_drift: restore)");
	if (p.n_apply)
		inst_pg_change(a->ctx, "database %s: %zu privilege%s of the access-control model",
			       db->name, p.n_apply, sfx((int)p.n_apply));
	rc = 0;
	if (p.n_apply && !a->ctx->dry_run)
		rc = run_sql(a, db->name, &p.vars, p.sql.buf, err);
	if (rc == 0 && live)
		rc = record(a, db->name, oid, &p.record, err);
	if (rc < 0)
		pgb_err_prefix(err, "database %s: the access-control model", db->name);
	plan_free(&p);
	items_free(&w);
	json_decref(live);
	return rc;
}
