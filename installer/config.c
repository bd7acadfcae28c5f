/*
 * config.c - the installer's config: parse, check, resolve defaults.
 *
 * Top-level keys (Pigsty's names where Pigsty has one):
 *   pg_cluster          label of the cluster (cluster_name); "pg-meta"
 *   pg_version          "auto" (the bundle's PostgreSQL major) or a major
 *   pg_port, pg_listen  5432, "localhost" (listen_addresses: *, localhost or IPs)
 *   pg_users            [{name, password, comment, roles, login, superuser,
 *                        createdb, createrole, replication, bypassrls, pgbouncer}]
 *   pg_databases        [{name, owner, comment, encoding, locale, extensions,
 *                        schemas, pgbouncer}]; an extension is a name,
 *                        {name, schema}, or "all": every extension of the
 *                        bundle that can be created in that database
 *   pg_hba_rules        [{user, db, addr, auth, type, title}]; addr is a CIDR,
 *                        an IP, localhost, world (every address: only when
 *                        written) or local (the unix socket)
 *   pg_parameters       {name: value} for the conf.d file
 *   pg_libs             shared_preload_libraries asked for; the libraries the
 *                       bundle says the created extensions need are added,
 *                       in an order that loads (pgext.c)
 *   pg_libs_auto        also preload what every extension the bundle chose
 *                       needs, so any can be created later without a
 *                       restart (default true)
 *   pg_extensions       extra packages to install ({pg}: the major)
 *   pgbouncer_enabled, pgbouncer_port, pgbouncer_listen, pgbouncer_poolmode
 *   modules             what to install: pgsql, pgbouncer, ...
 * Everything the config says ends up in a file, a role or a database, so the
 * checks here are strict: a name PostgreSQL would need quoting for, an auth
 * method that lets anyone in, or a setting the installer manages itself is
 * refused at its line rather than half-applied later.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "yamldoc.h"

#define PG_MIN 13
#define PG_MAX 18

static const char *const top_keys[] = {
	"pg_cluster", "pg_version", "pg_port", "pg_listen", "pg_users", "pg_databases",
	"pg_hba_rules", "pg_parameters", "pg_extensions", "pg_libs", "pg_libs_auto",
	"pgbouncer_enabled",
	"pgbouncer_port", "pgbouncer_listen", "pgbouncer_poolmode", "modules", NULL
};
static const char *const user_keys[] = {
	"name", "password", "comment", "roles", "login", "superuser", "createdb", "createrole",
	"replication", "bypassrls", "pgbouncer", NULL
};
static const char *const db_keys[] = {
	"name", "owner", "comment", "encoding", "locale", "extensions", "schemas", "pgbouncer",
	NULL
};
static const char *const ext_keys[] = { "name", "schema", NULL };
static const char *const hba_keys[] = { "user", "db", "addr", "auth", "type", "title", NULL };

/* The group roles pgsetup.c creates (Pigsty's default roles). */
static const char *const group_roles[] = {
	"dbrole_readonly", "dbrole_offline", "dbrole_readwrite", "dbrole_admin", NULL
};

/* Settings the installer derives from other keys or from the layout. */
static const struct {
	const char *name, *instead;
} managed_params[] = {
	{ "shared_preload_libraries", "list the libraries in pg_libs" },
	{ "port", "set pg_port" },
	{ "listen_addresses", "set pg_listen" },
	{ "cluster_name", "set pg_cluster" },
	{ "data_directory", "the distribution's layout decides it" },
	{ "config_file", "the distribution's layout decides it" },
	{ "hba_file", "the distribution's layout decides it" },
	{ "ident_file", "the distribution's layout decides it" },
};

/* One load: the document, the config being filled and the bundle. */
struct cload {
	struct inst_config *c;
	const struct inst_bundle *b;
	struct yamldoc *d;
	const struct yamldoc_node *root;
};

/*
 * Names that go into SQL identifiers, pgpass and userlist lines and HBA
 * fields unquoted: a letter or _, then letters, digits, _ . -, at most 63
 * bytes (NAMEDATALEN - 1).
 */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				  *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* Only characters from set (plus letters and digits), non-empty. */
static int chars_ok(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(set, *s)))
			return 0;
	return 1;
}

static int no_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int is_group_role(const char *s)
{
	for (size_t i = 0; group_roles[i]; i++)
		if (strcmp(s, group_roles[i]) == 0)
			return 1;
	return 0;
}

/* A string value of map under key that must pass ok(); absent keeps *out. */
static int get_name(struct cload *l, const struct yamldoc_node *map, const char *key, int flags,
		    int (*ok)(const char *), const char *rule, char **out, struct pgb_err *err)
{
	int rc = yamldoc_get_str(l->d, map, key, flags, out, err);

	if (rc <= 0 || ok(*out))
		return rc < 0 ? -1 : 0;
	return yamldoc_fail(l->d, yamldoc_map_get(l->d, map, key), err,
			    "'%s' must be %s, got '%.200s'", key, rule, *out);
}

static int get_port(struct cload *l, const char *key, int *out, struct pgb_err *err)
{
	if (yamldoc_get_int(l->d, l->root, key, 0, out, err) < 0)
		return -1;
	if (*out >= 1 && *out <= 65535)
		return 0;
	return yamldoc_fail(l->d, yamldoc_map_get(l->d, l->root, key), err,
			    "'%s' must be a TCP port (1-65535), got %d", key, *out);
}

/* localhost, * or a comma list of IP addresses. */
static int listen_ok(const char *s)
{
	char *copy, *tok, *save = NULL;
	int ok = 1;

	if (strcmp(s, "*") == 0 || strcmp(s, "localhost") == 0)
		return 1;
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); ok && tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned char buf[16];

		while (*tok == ' ')
			tok++;
		ok = strcmp(tok, "localhost") == 0 || inet_pton(AF_INET, tok, buf) == 1 ||
		     inet_pton(AF_INET6, tok, buf) == 1;
	}
	free(copy);
	return ok && s[0] && s[strlen(s) - 1] != ',';
}

static int get_listen(struct cload *l, const char *key, char **out, struct pgb_err *err)
{
	return get_name(l, l->root, key, 0, listen_ok,
			"'*', 'localhost' or a comma-separated list of IP addresses", out, err);
}

/* "15, 16": the bundle's majors, into buf. */
static const char *majors_text(const struct inst_bundle *b, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < b->npostgres && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "",
					 b->postgres[i]);
	return buf;
}

static int get_version(struct cload *l, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(l->d, l->root, "pg_version");
	const struct inst_bundle *b = l->b;
	char has[64];
	int v;

	l->c->pg_version = xstrdup("auto");
	if (yamldoc_get_str(l->d, l->root, "pg_version", 0, &l->c->pg_version, err) < 0)
		return -1;
	if (strcmp(l->c->pg_version, "auto") == 0) {
		l->c->pg_major = b && b->npostgres ? b->postgres[0] : 0;
		return 0;
	}
	if (yamldoc_int(l->d, n, "pg_version", &v, err) < 0 || v < PG_MIN || v > PG_MAX)
		return yamldoc_fail(l->d, n, err, "'pg_version' must be 'auto' or a PostgreSQL "
				    "major (%d-%d), got '%.100s'", PG_MIN, PG_MAX,
				    l->c->pg_version);
	l->c->pg_major = v;
	if (!b)
		return 0;
	for (size_t i = 0; i < b->npostgres; i++)
		if (b->postgres[i] == v)
			return 0;
	return yamldoc_fail(l->d, n, err, "PostgreSQL %d is not in bundle %s (it has %s): set "
			    "'pg_version' to one of its majors or to auto (the first, %d)", v,
			    b->name ? b->name : "?", majors_text(b, has, sizeof(has)),
			    b->npostgres ? b->postgres[0] : 0);
}

/* --- pg_users --- */

static const struct {
	const char *key;
	size_t off;
} user_flags[] = {
	{ "login", offsetof(struct inst_pg_user, login) },
	{ "superuser", offsetof(struct inst_pg_user, superuser) },
	{ "createdb", offsetof(struct inst_pg_user, createdb) },
	{ "createrole", offsetof(struct inst_pg_user, createrole) },
	{ "replication", offsetof(struct inst_pg_user, replication) },
	{ "bypassrls", offsetof(struct inst_pg_user, bypassrls) },
	{ "pgbouncer", offsetof(struct inst_pg_user, pgbouncer) },
};

static int user_name(struct cload *l, const struct yamldoc_node *it, struct inst_pg_user *u,
		     struct pgb_err *err)
{
	const struct yamldoc_node *n;

	if (get_name(l, it, "name", YAMLDOC_REQUIRED, name_ok, "a role name (a letter or _, "
		     "then letters, digits, _ . -; at most 63 bytes)", &u->name, err) < 0)
		return -1;
	n = yamldoc_map_get(l->d, it, "name");
	if (strcmp(u->name, "postgres") == 0)
		return yamldoc_fail(l->d, n, err, "user 'postgres' cannot be configured: it is "
				    "the cluster's superuser, reached by peer authentication "
				    "over the local socket only");
	if (strncmp(u->name, "pg_", 3) == 0)
		return yamldoc_fail(l->d, n, err, "user '%s': names starting with pg_ are "
				    "reserved by PostgreSQL", u->name);
	if (is_group_role(u->name))
		return yamldoc_fail(l->d, n, err, "user '%s' is one of the group roles the "
				    "installer creates (dbrole_readonly, dbrole_offline, "
				    "dbrole_readwrite, dbrole_admin): grant it in 'roles' instead",
				    u->name);
	for (size_t i = 0; i < l->c->n_pg_users; i++)
		if (strcmp(l->c->pg_users[i].name, u->name) == 0)
			return yamldoc_fail(l->d, n, err, "user '%s' is defined twice in "
					    "'pg_users' (first at %s)", u->name,
					    l->c->pg_users[i].where);
	return 0;
}

static int user_strings(struct cload *l, const struct yamldoc_node *it, struct inst_pg_user *u,
			struct pgb_err *err)
{
	if (yamldoc_get_str(l->d, it, "password", 0, &u->password, err) < 0 ||
	    yamldoc_get_str(l->d, it, "comment", 0, &u->comment, err) < 0)
		return -1;
	if (u->password && (!*u->password || !no_control_chars(u->password)))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "password"), err,
				    "user '%s': 'password' must be non-empty and without control "
				    "characters (or left out: the installer then generates one)",
				    u->name);
	if (u->password && strncmp(u->password, "SCRAM-SHA-256$", 14) == 0)
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "password"), err,
				    "user '%s': 'password' is a SCRAM secret, give the password "
				    "itself (PgBouncer and the checks here need it)", u->name);
	if (u->comment && !no_control_chars(u->comment))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "comment"), err,
				    "user '%s': 'comment' must be one line", u->name);
	return 0;
}

static int parse_user(struct cload *l, const struct yamldoc_node *it, struct inst_pg_user *u,
		      struct pgb_err *err)
{
	char got[64];

	u->where = yamldoc_node_where(l->d, it);
	if (!yamldoc_is_map(it))
		return yamldoc_fail(l->d, it, err, "each item of 'pg_users' must be a mapping "
				    "such as {name: dbuser_app, roles: [dbrole_readwrite]}, got %s",
				    yamldoc_got(it, got, sizeof(got)));
	if (yamldoc_check_keys(l->d, it, user_keys, "a pg_users entry", err) < 0 ||
	    user_name(l, it, u, err) < 0 || user_strings(l, it, u, err) < 0)
		return -1;
	u->login = 1;
	for (size_t i = 0; i < sizeof(user_flags) / sizeof(user_flags[0]); i++)
		if (yamldoc_get_bool(l->d, it, user_flags[i].key, 0,
				     (int *)((char *)u + user_flags[i].off), err) < 0)
			return -1;
	if (u->pgbouncer && !u->login)
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "pgbouncer"), err,
				    "user '%s' has pgbouncer: true but login: false", u->name);
	return yamldoc_get_strlist(l->d, it, "roles", 0, &u->roles, NULL, err) < 0 ? -1 : 0;
}

static const struct inst_pg_user *find_user(const struct inst_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_pg_users; i++)
		if (strcmp(c->pg_users[i].name, name) == 0)
			return &c->pg_users[i];
	return NULL;
}

/* After all users are read: every granted role must exist once we are done. */
static int check_roles(struct cload *l, const struct yamldoc_node *seq, struct pgb_err *err)
{
	for (size_t i = 0; i < l->c->n_pg_users; i++) {
		const struct inst_pg_user *u = &l->c->pg_users[i];
		const struct yamldoc_node *rn = yamldoc_map_get(l->d, yamldoc_item(l->d, seq, i),
								"roles");

		for (size_t j = 0; j < u->roles.n; j++) {
			const char *r = u->roles.v[j];

			if (strcmp(r, u->name) == 0)
				return yamldoc_fail(l->d, yamldoc_item(l->d, rn, j), err,
						    "user '%s' cannot be granted to itself", r);
			if (is_group_role(r) || (strncmp(r, "pg_", 3) == 0 && name_ok(r)) ||
			    find_user(l->c, r))
				continue;
			return yamldoc_fail(l->d, yamldoc_item(l->d, rn, j), err,
					    "user '%s': unknown role '%.100s' in 'roles' (known: "
					    "dbrole_readonly, dbrole_offline, dbrole_readwrite, "
					    "dbrole_admin, PostgreSQL's pg_* roles, and the users "
					    "of pg_users)", u->name, r);
		}
	}
	return 0;
}

static int get_users(struct cload *l, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = yamldoc_get_seq(l->d, l->root, "pg_users", 0, &seq, err);
	size_t n;

	if (rc <= 0)
		return rc;
	n = yamldoc_len(seq);
	l->c->pg_users = xcalloc(n ? n : 1, sizeof(*l->c->pg_users));
	for (size_t i = 0; i < n; i++) {
		struct inst_pg_user *u = &l->c->pg_users[l->c->n_pg_users];

		rc = parse_user(l, yamldoc_item(l->d, seq, i), u, err);
		l->c->n_pg_users++;	/* counted even on error, so it is freed */
		if (rc < 0)
			return -1;
	}
	return check_roles(l, seq, err);
}

/* --- pg_databases --- */

static int ext_name_ok(const char *s)
{
	return strlen(s) <= 63 && chars_ok(s, "_-");
}

static int parse_ext(struct cload *l, const struct yamldoc_node *it, struct inst_pg_database *db,
		     struct pgb_err *err)
{
	struct inst_pg_ext *e = &db->extensions[db->n_extensions++];
	const char *rule = "an extension name (letters, digits, _ -)";

	if (yamldoc_is_map(it)) {
		if (yamldoc_check_keys(l->d, it, ext_keys, "an extension entry", err) < 0 ||
		    get_name(l, it, "name", YAMLDOC_REQUIRED, ext_name_ok, rule, &e->name,
			     err) < 0 ||
		    get_name(l, it, "schema", 0, name_ok, "a schema name", &e->schema, err) < 0)
			return -1;
	} else if (yamldoc_is_scalar(it) && strcmp(yamldoc_scalar(it), "all") == 0) {
		db->n_extensions--;
		db->all = 1;
		return 0;
	} else if (yamldoc_str(l->d, it, "extensions", &e->name, err) < 0) {
		return pgb_err_prefix(err, "database '%s': each extension is a name or {name, "
				      "schema}", db->name);
	} else if (!ext_name_ok(e->name)) {
		return yamldoc_fail(l->d, it, err, "database '%s': '%.100s' is not %s", db->name,
				    e->name, rule);
	}
	for (size_t i = 0; i + 1 < db->n_extensions; i++)
		if (strcmp(db->extensions[i].name, e->name) == 0)
			return yamldoc_fail(l->d, it, err, "database '%s' lists extension '%s' "
					    "twice", db->name, e->name);
	return 0;
}

static int db_extensions(struct cload *l, const struct yamldoc_node *it,
			 struct inst_pg_database *db, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = yamldoc_get_seq(l->d, it, "extensions", 0, &seq, err);
	size_t n;

	if (rc <= 0)
		return rc;
	n = yamldoc_len(seq);
	db->extensions = xcalloc(n ? n : 1, sizeof(*db->extensions));
	for (size_t i = 0; i < n; i++)
		if (parse_ext(l, yamldoc_item(l->d, seq, i), db, err) < 0)
			return -1;
	return 0;
}

static int db_name(struct cload *l, const struct yamldoc_node *it, struct inst_pg_database *db,
		   struct pgb_err *err)
{
	static const char *const reserved[] = { "postgres", "template0", "template1", NULL };
	const struct yamldoc_node *n;

	if (get_name(l, it, "name", YAMLDOC_REQUIRED, name_ok, "a database name (a letter or _, "
		     "then letters, digits, _ . -; at most 63 bytes)", &db->name, err) < 0)
		return -1;
	n = yamldoc_map_get(l->d, it, "name");
	for (size_t i = 0; reserved[i]; i++)
		if (strcmp(db->name, reserved[i]) == 0)
			return yamldoc_fail(l->d, n, err, "database '%s' is created by initdb; "
					    "'pg_databases' lists business databases only",
					    db->name);
	for (size_t i = 0; i < l->c->n_pg_databases; i++)
		if (strcmp(l->c->pg_databases[i].name, db->name) == 0)
			return yamldoc_fail(l->d, n, err, "database '%s' is defined twice in "
					    "'pg_databases' (first at %s)", db->name,
					    l->c->pg_databases[i].where);
	return 0;
}

static int db_owner(struct cload *l, const struct yamldoc_node *it, struct inst_pg_database *db,
		    struct pgb_err *err)
{
	db->owner = xstrdup("postgres");
	if (yamldoc_get_str(l->d, it, "owner", 0, &db->owner, err) < 0)
		return -1;
	if (strcmp(db->owner, "postgres") == 0 || find_user(l->c, db->owner))
		return 0;
	return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "owner"), err, "database '%s': "
			    "owner '%.100s' is not a user of 'pg_users' (nor postgres)",
			    db->name, db->owner);
}

static int parse_db(struct cload *l, const struct yamldoc_node *it, struct inst_pg_database *db,
		    struct pgb_err *err)
{
	char got[64];

	db->where = yamldoc_node_where(l->d, it);
	db->pgbouncer = 1;
	if (!yamldoc_is_map(it))
		return yamldoc_fail(l->d, it, err, "each item of 'pg_databases' must be a "
				    "mapping such as {name: app, owner: dbuser_app}, got %s",
				    yamldoc_got(it, got, sizeof(got)));
	if (yamldoc_check_keys(l->d, it, db_keys, "a pg_databases entry", err) < 0 ||
	    db_name(l, it, db, err) < 0 || db_owner(l, it, db, err) < 0 ||
	    yamldoc_get_str(l->d, it, "comment", 0, &db->comment, err) < 0 ||
	    yamldoc_get_bool(l->d, it, "pgbouncer", 0, &db->pgbouncer, err) < 0)
		return -1;
	if (db->comment && !no_control_chars(db->comment))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "comment"), err,
				    "database '%s': 'comment' must be one line", db->name);
	db->encoding = xstrdup("UTF8");
	db->locale = xstrdup("C.UTF-8");
	if (get_name(l, it, "encoding", 0, name_ok, "an encoding name such as UTF8",
		     &db->encoding, err) < 0 ||
	    get_name(l, it, "locale", 0, name_ok, "a locale name such as C.UTF-8 or "
		     "en_US.UTF-8", &db->locale, err) < 0 ||
	    db_extensions(l, it, db, err) < 0 ||
	    yamldoc_get_strlist(l->d, it, "schemas", 0, &db->schemas, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < db->schemas.n; i++)
		if (!name_ok(db->schemas.v[i]) || strncmp(db->schemas.v[i], "pg_", 3) == 0)
			return yamldoc_fail(l->d, yamldoc_item(l->d, yamldoc_map_get(l->d, it,
					    "schemas"), i), err, "database '%s': '%.100s' is not "
					    "a schema name the installer creates (a name, not "
					    "starting with pg_)", db->name, db->schemas.v[i]);
	return 0;
}

static int get_databases(struct cload *l, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = yamldoc_get_seq(l->d, l->root, "pg_databases", 0, &seq, err);
	size_t n;

	if (rc <= 0)
		return rc;
	n = yamldoc_len(seq);
	l->c->pg_databases = xcalloc(n ? n : 1, sizeof(*l->c->pg_databases));
	for (size_t i = 0; i < n; i++) {
		struct inst_pg_database *db = &l->c->pg_databases[l->c->n_pg_databases];

		rc = parse_db(l, yamldoc_item(l->d, seq, i), db, err);
		l->c->n_pg_databases++;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --- pg_hba_rules --- */

static int hba_user_ok(const char *s)
{
	return name_ok(s[0] == '+' ? s + 1 : s) || strcmp(s, "postgres") == 0;
}

static int hba_db_ok(const char *s)
{
	return name_ok(s);	/* covers all, replication, sameuser */
}

/* addr as written -> the CIDRs of the rule ("local": none, type local). */
static int hba_addrs(const char *addr, struct strlist *out)
{
	unsigned char buf[16];
	char *ip, *slash;
	int fam, max, ok;
	long bits;

	if (strcmp(addr, "localhost") == 0) {
		strlist_add(out, "127.0.0.1/32");
		strlist_add(out, "::1/128");
		return 1;
	}
	if (strcmp(addr, "world") == 0) {
		strlist_add(out, "0.0.0.0/0");
		strlist_add(out, "::/0");
		return 1;
	}
	ip = xstrdup(addr);
	slash = strchr(ip, '/');
	if (slash)
		*slash++ = '\0';
	fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	max = fam == AF_INET6 ? 128 : 32;
	ok = inet_pton(fam, ip, buf) == 1;
	bits = max;
	if (ok && slash) {
		char *end;

		bits = strtol(slash, &end, 10);
		ok = *slash >= '0' && *slash <= '9' && !*end && bits >= 0 && bits <= max;
	}
	if (ok)
		strlist_add_owned(out, xasprintf("%s/%ld", ip, bits));
	free(ip);
	return ok;
}

/* Pigsty's short names and PostgreSQL's; trust, password, md5 and ident are refused. */
static const char *hba_auth(const char *s)
{
	if (!strcmp(s, "scram-sha-256") || !strcmp(s, "scram") || !strcmp(s, "pwd"))
		return "scram-sha-256";
	if (!strcmp(s, "peer"))
		return "peer";
	if (!strcmp(s, "reject") || !strcmp(s, "deny"))
		return "reject";
	return NULL;
}

struct hba_in {
	char *user, *db, *addr, *auth, *type, *title;
};

static void hba_in_free(struct hba_in *h)
{
	free(h->user);
	free(h->db);
	free(h->addr);
	free(h->auth);
	free(h->type);
	free(h->title);
}

static void hba_add(struct inst_config *c, const struct hba_in *h, const char *type,
		    const char *addr, const char *auth)
{
	struct inst_pg_hba_rule *r;

	c->pg_hba_rules = xrealloc(c->pg_hba_rules, (c->n_pg_hba_rules + 1) * sizeof(*r));
	r = &c->pg_hba_rules[c->n_pg_hba_rules++];
	r->type = xstrdup(type);
	r->user = xstrdup(h->user);
	r->db = xstrdup(h->db);
	r->addr = addr ? xstrdup(addr) : NULL;
	r->auth = xstrdup(auth);
	r->title = h->title ? xstrdup(h->title) : NULL;
}

static int hba_read(struct cload *l, const struct yamldoc_node *it, struct hba_in *h,
		    struct pgb_err *err)
{
	char got[64];

	if (!yamldoc_is_map(it))
		return yamldoc_fail(l->d, it, err, "each item of 'pg_hba_rules' must be a mapping "
				    "such as {user: app, db: app, addr: 127.0.0.1/32, auth: "
				    "scram-sha-256}, got %s", yamldoc_got(it, got, sizeof(got)));
	if (yamldoc_check_keys(l->d, it, hba_keys, "a pg_hba_rules entry", err) < 0 ||
	    get_name(l, it, "user", YAMLDOC_REQUIRED, hba_user_ok, "all, a role name or "
		     "+group", &h->user, err) < 0 ||
	    get_name(l, it, "db", YAMLDOC_REQUIRED, hba_db_ok, "all, replication or a "
		     "database name", &h->db, err) < 0 ||
	    yamldoc_get_str(l->d, it, "auth", YAMLDOC_REQUIRED, &h->auth, err) < 0 ||
	    yamldoc_get_str(l->d, it, "addr", 0, &h->addr, err) < 0 ||
	    yamldoc_get_str(l->d, it, "type", 0, &h->type, err) < 0 ||
	    yamldoc_get_str(l->d, it, "title", 0, &h->title, err) < 0)
		return -1;
	if (h->title && !no_control_chars(h->title))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "title"), err,
				    "'title' must be one line");
	return 0;
}

static int hba_type(struct cload *l, const struct yamldoc_node *it, struct hba_in *h,
		    struct pgb_err *err)
{
	int local = !h->addr || strcmp(h->addr, "local") == 0;

	if (!h->type)
		h->type = xstrdup(local ? "local" : "host");
	if (strcmp(h->type, "local") && strcmp(h->type, "host"))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "type"), err,
				    "'type' must be local or host, got '%.100s'", h->type);
	if (!strcmp(h->type, "host") && local)
		return yamldoc_fail(l->d, it, err, "a host rule needs 'addr' (a CIDR such as "
				    "10.0.0.0/8, an IP, localhost or world)");
	if (!strcmp(h->type, "local") && !local)
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "addr"), err, "a local rule "
				    "(the unix socket) takes no address, got '%.100s'", h->addr);
	return 0;
}

static int parse_hba(struct cload *l, const struct yamldoc_node *it, struct pgb_err *err)
{
	struct hba_in h = { 0 };
	struct strlist addrs = STRLIST_INIT;
	const char *auth;
	int rc = -1;

	if (hba_read(l, it, &h, err) < 0 || hba_type(l, it, &h, err) < 0)
		goto out;
	auth = hba_auth(h.auth);
	if (!auth) {
		yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "auth"), err, "'auth' must be "
			     "scram-sha-256 (or scram, pwd), peer or reject (or deny), got "
			     "'%.100s': trust, password, md5 and ident are refused because they "
			     "let in whoever can reach the address", h.auth);
		goto out;
	}
	if (!strcmp(auth, "peer") && strcmp(h.type, "local")) {
		yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "auth"), err, "'auth: peer' works "
			     "over the local socket only: drop 'addr' or use scram-sha-256");
		goto out;
	}
	if (!strcmp(h.type, "local")) {
		hba_add(l->c, &h, "local", NULL, auth);
		rc = 0;
		goto out;
	}
	if (!hba_addrs(h.addr, &addrs)) {
		yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "addr"), err, "'addr' must be a "
			     "CIDR such as 10.0.0.0/8, an IP address, localhost, world or local, "
			     "got '%.100s'", h.addr);
		goto out;
	}
	for (size_t i = 0; i < addrs.n; i++)
		hba_add(l->c, &h, "host", addrs.v[i], auth);
	rc = 0;
out:
	strlist_free(&addrs);
	hba_in_free(&h);
	return rc;
}

static int get_hba(struct cload *l, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = yamldoc_get_seq(l->d, l->root, "pg_hba_rules", 0, &seq, err);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < yamldoc_len(seq); i++)
		if (parse_hba(l, yamldoc_item(l->d, seq, i), err) < 0)
			return -1;
	return 0;
}

/* --- pg_parameters, pg_libs, pg_extensions, modules --- */

static int param_value(struct cload *l, const struct yamldoc_node *k, const char *name,
		       const struct yamldoc_node *v, struct pgb_err *err)
{
	char got[64];

	for (size_t i = 0; i < sizeof(managed_params) / sizeof(managed_params[0]); i++)
		if (strcmp(name, managed_params[i].name) == 0)
			return yamldoc_fail(l->d, k, err, "'%s' cannot be set in pg_parameters: "
					    "%s", name, managed_params[i].instead);
	if (!yamldoc_is_scalar(v) || yamldoc_is_null(v))
		return yamldoc_fail(l->d, v, err, "pg_parameters: '%s' must be a single value, "
				    "got %s", name, yamldoc_got(v, got, sizeof(got)));
	if (!no_control_chars(yamldoc_scalar(v)))
		return yamldoc_fail(l->d, v, err, "pg_parameters: '%s' must be one line", name);
	if (strcmp(name, "password_encryption") == 0 &&
	    strcmp(yamldoc_scalar(v), "scram-sha-256") != 0)
		return yamldoc_fail(l->d, v, err, "pg_parameters: password_encryption must stay "
				    "scram-sha-256 (PgBouncer's auth and the generated "
				    "passwords rely on it)");
	return 0;
}

static int get_params(struct cload *l, struct pgb_err *err)
{
	const struct yamldoc_node *map = NULL;
	struct inst_config *c = l->c;
	int rc = yamldoc_get_map(l->d, l->root, "pg_parameters", 0, &map, err);
	size_t n;

	if (rc <= 0)
		return rc;
	n = yamldoc_len(map);
	c->pg_parameters = xcalloc(n ? n : 1, sizeof(*c->pg_parameters));
	for (size_t i = 0; i < n; i++) {
		const struct yamldoc_node *k = yamldoc_key(l->d, map, i);
		const char *name = yamldoc_scalar(k);

		if (!chars_ok(name, "_.") || (name[0] >= '0' && name[0] <= '9'))
			return yamldoc_fail(l->d, k, err, "pg_parameters: '%.100s' is not a "
					    "parameter name (letters, digits, _ and .)", name);
		if (param_value(l, k, name, yamldoc_value(l->d, map, i), err) < 0)
			return -1;
		c->pg_parameters[c->n_pg_parameters].key = xstrdup(name);
		c->pg_parameters[c->n_pg_parameters++].value =
			xstrdup(yamldoc_scalar(yamldoc_value(l->d, map, i)));
	}
	return 0;
}

static int get_libs(struct cload *l, struct pgb_err *err)
{
	struct strlist where = STRLIST_INIT;
	int rc = yamldoc_get_strlist(l->d, l->root, "pg_libs", 0, &l->c->pg_libs, &where, err);

	l->c->pg_libs_auto = 1;
	if (rc >= 0 && yamldoc_get_bool(l->d, l->root, "pg_libs_auto", 0, &l->c->pg_libs_auto,
					err) < 0)
		rc = -1;
	/* Library names follow the extension-name rule. */
	for (size_t i = 0; rc >= 0 && i < l->c->pg_libs.n; i++)
		if (!ext_name_ok(l->c->pg_libs.v[i]))
			rc = pgb_fail(err, "%s: 'pg_libs': '%.100s' is not a library name "
				      "(letters, digits, _ -)", where.v[i], l->c->pg_libs.v[i]);
	strlist_free(&where);
	return rc < 0 ? -1 : 0;
}

/* {pg} -> the major, as the manifests write extension packages. */
static char *expand_pg(const char *s, int major)
{
	struct sbuf b = SBUF_INIT;
	const char *p;

	while ((p = strstr(s, "{pg}")) && major) {
		sbuf_add(&b, s, (size_t)(p - s));
		sbuf_addf(&b, "%d", major);
		s = p + 4;
	}
	sbuf_adds(&b, s);
	return sbuf_detach(&b, NULL);
}

static int get_extension_pkgs(struct cload *l, struct pgb_err *err)
{
	struct strlist raw = STRLIST_INIT, where = STRLIST_INIT;
	int rc = yamldoc_get_strlist(l->d, l->root, "pg_extensions", 0, &raw, &where, err);

	for (size_t i = 0; rc >= 0 && i < raw.n; i++) {
		char *p = expand_pg(raw.v[i], l->c->pg_major);

		if (!chars_ok(p, "+.-_{}"))
			rc = pgb_fail(err, "%s: 'pg_extensions': '%.100s' is not a package name",
				      where.v[i], raw.v[i]);
		else if (l->b && !strlist_has(&l->b->requested, p))
			rc = pgb_fail(err, "%s: 'pg_extensions': package %s is not in bundle %s: "
				      "add it to the manifest's extensions and rebuild, or drop it "
				      "here", where.v[i], p, l->b->name ? l->b->name : "?");
		strlist_add_owned(&l->c->pg_extensions, p);
	}
	strlist_free(&raw);
	strlist_free(&where);
	return rc < 0 ? -1 : 0;
}

static int get_modules(struct cload *l, struct pgb_err *err)
{
	struct strlist where = STRLIST_INIT;
	struct inst_config *c = l->c;
	int rc = yamldoc_get_strlist(l->d, l->root, "modules", 0, &c->modules, &where, err);

	if (rc == 0) {
		strlist_add(&c->modules, "pgsql");
		strlist_add(&c->modules, "pgbouncer");
	}
	for (size_t i = 0; rc > 0 && i < c->modules.n; i++) {
		const char *m = c->modules.v[i];

		if (!name_ok(m))
			rc = pgb_fail(err, "%s: 'modules': '%.100s' is not a module name",
				      where.v[i], m);
		else if (l->b && l->b->modules.n && !strlist_has(&l->b->modules, m))
			rc = pgb_fail(err, "%s: module '%s' is not in bundle %s: its packages "
				      "are not there to install", where.v[i], m,
				      l->b->name ? l->b->name : "?");
	}
	strlist_free(&where);
	return rc < 0 ? -1 : 0;
}

static int get_pgbouncer(struct cload *l, struct pgb_err *err)
{
	static const char *const modes[] = { "session", "transaction", "statement", NULL };
	struct inst_config *c = l->c;
	const struct yamldoc_node *n;
	size_t i;
	int rc;

	c->pgbouncer_enabled = inst_config_has_module(c, "pgbouncer");
	rc = yamldoc_get_bool(l->d, l->root, "pgbouncer_enabled", 0, &c->pgbouncer_enabled, err);
	if (rc < 0)
		return -1;
	if (rc > 0 && c->pgbouncer_enabled && !inst_config_has_module(c, "pgbouncer"))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, l->root, "pgbouncer_enabled"),
				    err, "pgbouncer_enabled is true but 'modules' lacks "
				    "pgbouncer, so it would not be installed: add it to modules");
	c->pgbouncer_port = 6432;
	c->pgbouncer_listen = xstrdup("127.0.0.1");
	c->pgbouncer_poolmode = xstrdup("transaction");
	if (get_port(l, "pgbouncer_port", &c->pgbouncer_port, err) < 0 ||
	    get_listen(l, "pgbouncer_listen", &c->pgbouncer_listen, err) < 0 ||
	    yamldoc_get_str(l->d, l->root, "pgbouncer_poolmode", 0, &c->pgbouncer_poolmode,
			    err) < 0)
		return -1;
	for (i = 0; modes[i] && strcmp(c->pgbouncer_poolmode, modes[i]); i++)
		;
	if (!modes[i])
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, l->root, "pgbouncer_poolmode"),
				    err, "'pgbouncer_poolmode' must be session, transaction or "
				    "statement, got '%.100s'", c->pgbouncer_poolmode);
	if (!c->pgbouncer_enabled || c->pgbouncer_port != c->pg_port)
		return 0;
	n = yamldoc_map_get(l->d, l->root, "pgbouncer_port");
	return yamldoc_fail(l->d, n ? n : yamldoc_map_get(l->d, l->root, "pg_port"), err,
			    "pgbouncer_port and pg_port are both %d: they must differ", c->pg_port);
}

/* --- pg_cron: one database, named by cron.database_name --- */

static int check_cron(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	const struct inst_pg_database *db = NULL;
	const char *name = NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->n_pg_parameters; i++)
		if (strcmp(c->pg_parameters[i].key, "cron.database_name") == 0)
			name = c->pg_parameters[i].value;
	for (size_t i = 0; i < c->n_pg_databases; i++)
		for (size_t j = 0; j < c->pg_databases[i].n_extensions; j++)
			if (strcmp(c->pg_databases[i].extensions[j].name, "pg_cron") == 0 &&
			    n++ == 0)
				db = &c->pg_databases[i];
	if (!db)
		return 0;
	if (n > 1 || (name && strcmp(name, db->name) != 0))
		return pgb_fail(err, "%s: database '%s' lists pg_cron, but pg_cron lives in one "
				"database only: %s%s; list it in that database alone", db->where,
				db->name, name ? "cron.database_name is " : "it is listed by ",
				name ? name : "more than one");
	if (!name) {
		c->pg_parameters = xrealloc(c->pg_parameters,
					    (c->n_pg_parameters + 1) * sizeof(*c->pg_parameters));
		c->pg_parameters[c->n_pg_parameters].key = xstrdup("cron.database_name");
		c->pg_parameters[c->n_pg_parameters++].value = xstrdup(db->name);
	}
	return 0;
}

static int load_top(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;

	c->pg_cluster = xstrdup("pg-meta");
	c->pg_port = 5432;
	c->pg_listen = xstrdup("localhost");
	if (yamldoc_root(l->d, "the installer config", &l->root, err) < 0 ||
	    yamldoc_check_keys(l->d, l->root, top_keys, "the installer config", err) < 0 ||
	    get_name(l, l->root, "pg_cluster", 0, name_ok, "a cluster name (letters, digits, "
		     "_ . -)", &c->pg_cluster, err) < 0 ||
	    get_version(l, err) < 0 || get_port(l, "pg_port", &c->pg_port, err) < 0 ||
	    get_listen(l, "pg_listen", &c->pg_listen, err) < 0)
		return -1;
	return 0;
}

static int load_doc(struct cload *l, struct pgb_err *err)
{
	if (load_top(l, err) < 0 || get_users(l, err) < 0 || get_databases(l, err) < 0 ||
	    get_hba(l, err) < 0 || get_params(l, err) < 0 || get_libs(l, err) < 0 ||
	    get_extension_pkgs(l, err) < 0 || get_modules(l, err) < 0 ||
	    get_pgbouncer(l, err) < 0 || inst_pgext_expand(l->c, l->b, err) < 0 ||
	    check_cron(l, err) < 0)
		return -1;
	inst_pgext_preload(l->c, l->b);
	return 0;
}

static int load(struct inst_config *c, struct yamldoc *d, const struct inst_bundle *b,
		struct pgb_err *err)
{
	struct cload l = { c, b, d, NULL };
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(yamldoc_path(d));
	rc = load_doc(&l, err);
	yamldoc_free(d);
	if (rc < 0)
		inst_config_free(c);
	return rc;
}

int inst_config_load(struct inst_config *c, const char *path, const struct inst_bundle *b,
		     struct pgb_err *err)
{
	struct yamldoc *d;

	memset(c, 0, sizeof(*c));
	if (yamldoc_load(&d, path, err) < 0)
		return -1;
	return load(c, d, b, err);
}

int inst_config_load_mem(struct inst_config *c, const char *name, const char *text,
			 size_t len, const struct inst_bundle *b, struct pgb_err *err)
{
	struct yamldoc *d;

	memset(c, 0, sizeof(*c));
	if (yamldoc_load_mem(&d, name, text, len, err) < 0)
		return -1;
	return load(c, d, b, err);
}

int inst_config_has_module(const struct inst_config *c, const char *m)
{
	return strlist_has(&c->modules, m);
}

static void user_free(struct inst_pg_user *u)
{
	free(u->name);
	free(u->password);
	free(u->comment);
	strlist_free(&u->roles);
	free(u->where);
}

static void db_free(struct inst_pg_database *db)
{
	free(db->name);
	free(db->owner);
	free(db->comment);
	free(db->encoding);
	free(db->locale);
	for (size_t i = 0; i < db->n_extensions; i++) {
		free(db->extensions[i].name);
		free(db->extensions[i].schema);
	}
	free(db->extensions);
	strlist_free(&db->left_out);
	strlist_free(&db->schemas);
	free(db->where);
}

void inst_config_free(struct inst_config *c)
{
	for (size_t i = 0; i < c->n_pg_users; i++)
		user_free(&c->pg_users[i]);
	for (size_t i = 0; i < c->n_pg_databases; i++)
		db_free(&c->pg_databases[i]);
	for (size_t i = 0; i < c->n_pg_hba_rules; i++) {
		struct inst_pg_hba_rule *r = &c->pg_hba_rules[i];

		free(r->type);
		free(r->user);
		free(r->db);
		free(r->addr);
		free(r->auth);
		free(r->title);
	}
	for (size_t i = 0; i < c->n_pg_parameters; i++) {
		free(c->pg_parameters[i].key);
		free(c->pg_parameters[i].value);
	}
	free(c->pg_users);
	free(c->pg_databases);
	free(c->pg_hba_rules);
	free(c->pg_parameters);
	free(c->path);
	free(c->pg_cluster);
	free(c->pg_version);
	free(c->pg_listen);
	free(c->pgbouncer_listen);
	free(c->pgbouncer_poolmode);
	strlist_free(&c->pg_extensions);
	strlist_free(&c->pg_libs);
	strlist_free(&c->pg_preload);
	strlist_free(&c->modules);
	memset(c, 0, sizeof(*c));
}
