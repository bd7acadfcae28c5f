/*
 * config.c - the installer's config: one host's variables read into a
 * struct inst_config, typed and checked.
 *
 * inventory.c hands over the host's effective variables (a flat file's
 * top-level keys, or an inventory's all/group/host vars merged); the keys,
 * their types and defaults are declared once in cfgkeys.c, and this file
 * walks that declaration: simple keys by their type, structured ones by the
 * parsers below (pg_users, pg_databases, pg_hba_rules, pg_parameters, ...).
 * Everything the config says ends up in a file, a role or a database, so
 * the checks here are strict: a name PostgreSQL would need quoting for, an
 * auth method that lets anyone in, or a setting the installer manages
 * itself is refused at its line rather than half-applied later.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define PG_MIN 13
#define PG_MAX 18

static const char *const user_keys[] = {
	"name", "password", "comment", "roles", "login", "superuser", "createdb", "createrole",
	"replication", "bypassrls", "pgbouncer", NULL
};
static const char *const db_keys[] = {
	"name", "owner", "comment", "encoding", "locale", "extensions", "schemas", "pgbouncer",
	NULL
};
static const char *const ext_keys[] = { "name", "schema", NULL };

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

/* Keys of Pigsty's entries that pgbundle does not implement: a warning each. */
static const char *const user_keys_pigsty[] = {
	"inherit", "connlimit", "expire_in", "expire_at", "parameters", "pool_mode",
	"pool_connlimit", "state", "admin", NULL
};
static const char *const db_keys_pigsty[] = {
	"baseline", "template", "strategy", "lc_collate", "lc_ctype", "locale_provider",
	"icu_locale", "icu_rules", "builtin_locale", "tablespace", "is_template", "allowconn",
	"revokeconn", "register_datasource", "connlimit", "pool_auth_user", "pool_mode",
	"pool_size", "pool_size_reserve", "pool_size_min", "pool_max_db_conn", "state",
	"parameters", NULL
};

/*
 * Names that go into SQL identifiers, pgpass and userlist lines and HBA
 * fields unquoted: a letter or _, then letters, digits, _ . -, at most 63
 * bytes (NAMEDATALEN - 1).
 */
int inst_cfg_name_ok(const char *s)
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
#define name_ok inst_cfg_name_ok
#define no_control_chars inst_cfg_one_line

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

int inst_cfg_one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* The keys of an entry: ours, Pigsty's we do not implement (warned), or
 * refused as yamldoc_check_keys would. */
static int entry_keys(struct cload *l, const struct yamldoc_node *map, const char *const *ours,
		      const char *const *pigsty, const char *what, struct pgb_err *err)
{
	for (size_t i = 0; i < yamldoc_len(map); i++) {
		const struct yamldoc_node *k = yamldoc_key(l->d, map, i);

		if (in_list(ours, yamldoc_scalar(k)))
			continue;
		if (!in_list(pigsty, yamldoc_scalar(k)))
			return yamldoc_check_keys(l->d, map, ours, what, err);
		cload_warn(l, k, "'%s' of %s (Pigsty's) is not implemented by pgbundle: "
			   "ignored", yamldoc_scalar(k), what);
	}
	return 0;
}

/* Variable name as a sequence or a mapping: 1 there, 0 absent, -1 wrong kind. */
static int var_kind(struct cload *l, const char *name, int seq, const struct yamldoc_node **out,
		    struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, name);
	char got[64];

	if (!n)
		return 0;
	if (seq ? !yamldoc_is_seq(n) : !yamldoc_is_map(n))
		return yamldoc_fail(l->d, n, err, "'%s' must be a %s, got %s", name,
				    seq ? "list" : "mapping", yamldoc_got(n, got, sizeof(got)));
	*out = n;
	return 1;
}

static int var_seq(struct cload *l, const char *name, const struct yamldoc_node **out,
		   struct pgb_err *err)
{
	return var_kind(l, name, 1, out, err);
}

static int var_map(struct cload *l, const char *name, const struct yamldoc_node **out,
		   struct pgb_err *err)
{
	return var_kind(l, name, 0, out, err);
}

int inst_cfg_builtin(const char *key, struct yamldoc **d, const struct yamldoc_node **out,
		     struct pgb_err *err)
{
	const char *text = inst_acl_builtin(key);
	char *name = xasprintf("pgbundle's %s", key);
	const struct yamldoc_node *root;
	int rc = text ? yamldoc_load_mem(d, name, text, strlen(text), err) :
			pgb_fail(err, "no built-in default of %s", key);

	if (rc == 0)
		rc = yamldoc_root(*d, name, &root, err);
	if (rc == 0 && !(*out = yamldoc_map_get(*d, root, key)))
		rc = pgb_fail(err, "%s: no %s in it", name, key);
	free(name);
	return rc < 0 ? -1 : 1;
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

/* localhost, * or a comma list of IP addresses and ${ip}, ${vip}, ${lo}. */
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
		     inet_pton(AF_INET6, tok, buf) == 1 || strcmp(tok, "${ip}") == 0 ||
		     strcmp(tok, "${vip}") == 0 || strcmp(tok, "${lo}") == 0;
	}
	free(copy);
	return ok && s[0] && s[strlen(s) - 1] != ',';
}

int inst_cfg_parse_listen(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	char **out = (char **)((char *)l->c + k->off);

	if (!n)
		return 0;
	if (yamldoc_str(l->d, n, k->name, out, err) < 0)
		return -1;
	if (listen_ok(*out))
		return 0;
	return yamldoc_fail(l->d, n, err, "'%s' must be '*', 'localhost' or a comma-separated "
			    "list of IP addresses (or ${ip}, ${vip}, ${lo}), got '%.200s'", k->name,
			    *out);
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

/* ${ip}, ${vip} and ${lo} of a listen list replaced, once the host is known. */
static char *expand_listen(const char *s, const struct inst_config *c)
{
	struct sbuf b = SBUF_INIT;
	char *vip = c->pg_vip_address ? xstrndup(c->pg_vip_address,
						  strcspn(c->pg_vip_address, "/")) : NULL;

	while (*s) {
		if (strncmp(s, "${ip}", 5) == 0) {
			sbuf_adds(&b, c->self_addr ? c->self_addr : "127.0.0.1");
			s += 5;
		} else if (strncmp(s, "${lo}", 5) == 0) {
			sbuf_adds(&b, "127.0.0.1");
			s += 5;
		} else if (strncmp(s, "${vip}", 6) == 0) {
			sbuf_adds(&b, vip ? vip : "127.0.0.1");
			s += 6;
		} else {
			sbuf_addc(&b, *s++);
		}
	}
	free(vip);
	return sbuf_detach(&b, NULL);
}

int inst_cfg_parse_version(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	const struct inst_bundle *b = l->b;
	char has[64];
	int v;

	free(l->c->pg_version);
	l->c->pg_version = xstrdup("auto");
	if (n && yamldoc_str(l->d, n, "pg_version", &l->c->pg_version, err) < 0)
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
	for (size_t i = 0; i < l->c->n_pg_users; i++) {
		if (strcmp(l->c->pg_users[i].name, u->name))
			continue;
		if (i < l->c->n_pg_default_roles)
			return yamldoc_fail(l->d, n, err, "user '%s' is one of pg_default_roles "
					    "(%s): change it there, or grant it in 'roles'",
					    u->name, l->c->pg_users[i].where);
		return yamldoc_fail(l->d, n, err, "user '%s' is defined twice (first at %s)",
				    u->name, l->c->pg_users[i].where);
	}
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
	if (entry_keys(l, it, user_keys, user_keys_pigsty, "a pg_users entry", err) < 0 ||
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

/* The entry of seq whose name is name. */
static const struct yamldoc_node *entry_named(struct cload *l, const struct yamldoc_node *seq,
					      const char *name)
{
	for (size_t i = 0; i < yamldoc_len(seq); i++) {
		const struct yamldoc_node *it = yamldoc_item(l->d, seq, i);
		const char *s = yamldoc_scalar(yamldoc_map_get(l->d, it, "name"));

		if (s && strcmp(s, name) == 0)
			return it;
	}
	return seq;
}

/* After the users of seq are read (from pg_users[first]): every granted role
 * must exist once we are done. */
static int check_roles(struct cload *l, const struct yamldoc_node *seq, size_t first,
		       struct pgb_err *err)
{
	for (size_t i = first; i < l->c->n_pg_users; i++) {
		const struct inst_pg_user *u = &l->c->pg_users[i];
		const struct yamldoc_node *rn = yamldoc_map_get(l->d, entry_named(l, seq, u->name),
								"roles");

		for (size_t j = 0; j < u->roles.n; j++) {
			const char *r = u->roles.v[j];

			if (strcmp(r, u->name) == 0)
				return yamldoc_fail(l->d, yamldoc_item(l->d, rn, j), err,
						    "user '%s' cannot be granted to itself", r);
			if ((strncmp(r, "pg_", 3) == 0 && name_ok(r)) || find_user(l->c, r))
				continue;
			return yamldoc_fail(l->d, yamldoc_item(l->d, rn, j), err,
					    "user '%s': unknown role '%.100s' in 'roles' (known: "
					    "the roles of pg_default_roles, PostgreSQL's pg_* roles, "
					    "and the users of pg_users)", u->name, r);
		}
	}
	return 0;
}

/*
 * Pigsty's pg_default_roles lists postgres, the superuser: accepted when it
 * says what postgres is (a superuser that logs in), and left as it is (peer
 * authentication over the socket, no password).  1: it was that entry.
 */
static int dbsu_entry(struct cload *l, const struct yamldoc_node *it, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(l->d, it, "name");
	int super = 1, login = 1;

	if (!n || !yamldoc_scalar(n) || strcmp(yamldoc_scalar(n), "postgres"))
		return 0;
	if (yamldoc_get_bool(l->d, it, "superuser", 0, &super, err) < 0 ||
	    yamldoc_get_bool(l->d, it, "login", 0, &login, err) < 0)
		return -1;
	if (!super || !login)
		return yamldoc_fail(l->d, it, err, "postgres stays a superuser that logs in (by "
				    "peer over the local socket): drop 'superuser'/'login' here");
	return 1;
}

/* The users of seq, appended to pg_users. */
static int parse_user_seq(struct cload *l, int defaults, const struct yamldoc_node *seq,
			  struct pgb_err *err)
{
	size_t first = l->c->n_pg_users, n = yamldoc_len(seq);
	int rc;

	l->c->pg_users = xrealloc(l->c->pg_users, (first + n + 1) * sizeof(*l->c->pg_users));
	memset(&l->c->pg_users[first], 0, (n + 1) * sizeof(*l->c->pg_users));
	for (size_t i = 0; i < n; i++) {
		struct inst_pg_user *u = &l->c->pg_users[l->c->n_pg_users];
		const struct yamldoc_node *it = yamldoc_item(l->d, seq, i);

		rc = defaults && yamldoc_is_map(it) ? dbsu_entry(l, it, err) : 0;
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		rc = parse_user(l, it, u, err);
		l->c->n_pg_users++;	/* counted even on error, so it is freed */
		if (rc < 0)
			return -1;
	}
	return check_roles(l, seq, first, err);
}

/* The name a config gives a system user (pg_replication_username, ...). */
static const char *system_name(struct cload *l, const char *key, const char *def)
{
	const struct yamldoc_node *n = cvar(l, key);
	const char *s = n ? yamldoc_scalar(n) : NULL;

	/* Checked as that key's own value later; a bad one fails there. */
	return s && name_ok(s) ? s : def;
}

/*
 * pg_default_roles: the config's, else pgbundle's (acl.c), whose system users
 * take the names pg_replication_username, pg_admin_username and
 * pg_monitor_username give them.  They come first in pg_users.
 */
static int parse_default_roles(struct cload *l, const struct yamldoc_node *seq,
			       struct pgb_err *err)
{
	static const char *const sys[][2] = {
		{ "replicator", "pg_replication_username" },
		{ "dbuser_dba", "pg_admin_username" },
		{ "dbuser_monitor", "pg_monitor_username" },
	};
	struct yamldoc *d = NULL;
	struct cload b = *l;
	int rc;

	if (seq) {
		rc = parse_user_seq(l, 1, seq, err);
		l->c->n_pg_default_roles = l->c->n_pg_users;
		return rc;
	}
	if (inst_cfg_builtin("pg_default_roles", &d, &seq, err) < 0)
		return -1;
	b.d = d;
	rc = parse_user_seq(&b, 1, seq, err);
	l->c->n_pg_default_roles = l->c->n_pg_users;
	for (size_t i = 0; rc == 0 && i < l->c->n_pg_users; i++)
		for (size_t j = 0; j < sizeof(sys) / sizeof(sys[0]); j++)
			if (strcmp(l->c->pg_users[i].name, sys[j][0]) == 0) {
				free(l->c->pg_users[i].name);
				l->c->pg_users[i].name = xstrdup(system_name(l, sys[j][1],
									    sys[j][0]));
				break;
			}
	yamldoc_free(d);
	return rc;
}

int inst_cfg_parse_users(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = var_seq(l, k->name, &seq, err);

	if (rc < 0)
		return -1;
	if (strcmp(k->name, "pg_default_roles") == 0)
		return parse_default_roles(l, rc ? seq : NULL, err);
	return rc ? parse_user_seq(l, 0, seq, err) : 0;
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
	} else if (!yamldoc_is_scalar(it) || yamldoc_is_null(it)) {
		char got[80];

		return yamldoc_fail(l->d, it, err, "database '%s': each extension is a name or "
				    "{name, schema}, got %s", db->name,
				    yamldoc_got(it, got, sizeof(got)));
	} else {
		e->name = xstrdup(yamldoc_scalar(it));
		if (!ext_name_ok(e->name))
			return yamldoc_fail(l->d, it, err, "database '%s': '%.100s' is not %s",
					    db->name, e->name, rule);
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
	if (entry_keys(l, it, db_keys, db_keys_pigsty, "a pg_databases entry", err) < 0 ||
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

int inst_cfg_parse_databases(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *seq = NULL;
	int rc = var_seq(l, k->name, &seq, err);
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

/*
 * --- HBA rules: pg_default_hba_rules + pg_hba_rules (PostgreSQL),
 * pgb_default_hba_rules + pgb_hba_rules (PgBouncer) ---
 *
 * Each entry is Pigsty's: {user, db, addr, auth, title, order, role} or
 * {rules: [raw lines], title, order}.  Addresses are expanded here (cluster
 * and infra once the inventory is read, ${dbsu}-style users once every key
 * is: hba.c), methods mapped from Pigsty's names, and whatever lets a client
 * in without proving who it is refused at its line.
 */

static const char *const hba_keys[] = {
	"user", "db", "addr", "auth", "type", "title", "order", "role", "rules", NULL
};
static const char *const no_keys[] = { NULL };

/* Where rules of one key go, and how they are checked. */
struct hba_target {
	const char *key;
	struct inst_pg_hba_rule **v;
	size_t *n;
	int pgb;		/* PgBouncer's: no replication, no TLS, no cert */
	int builtin;		/* pgbundle's own default */
};

struct hba_in {
	char *user, *db, *addr, *auth, *type, *title, *role;
	const char *method;	/* the method written on the line */
	char *options;		/* a raw line's options */
	int order;
	char *where;
};

static void hba_in_free(struct hba_in *h)
{
	free(h->user);
	free(h->db);
	free(h->addr);
	free(h->auth);
	free(h->type);
	free(h->title);
	free(h->role);
	free(h->options);
	free(h->where);
}

/* all, a role, +group or one of Pigsty's ${dbsu}, ${repl}, ${monitor}, ${admin}. */
static int hba_user_ok(const char *s)
{
	if (s[0] == '$')
		return !strcmp(s, "${dbsu}") || !strcmp(s, "${repl}") || !strcmp(s, "${monitor}") ||
		       !strcmp(s, "${admin}");
	return name_ok(s[0] == '+' ? s + 1 : s);
}

static int hba_db_ok(const char *s)
{
	return name_ok(s);	/* covers all, replication, sameuser */
}

/* An IP address or CIDR, normalized to CIDR into out; 0 when it is neither. */
static int hba_cidr(const char *addr, struct strlist *out)
{
	unsigned char buf[16];
	char *ip = xstrdup(addr), *slash = strchr(ip, '/');
	int fam, max, ok;
	long bits;

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

/* addr as written -> the addresses of the rule's host lines; 0: unknown. */
static int hba_addrs(const struct inst_config *c, const char *addr, struct strlist *out)
{
	if (strcmp(addr, "localhost") == 0) {	/* and the socket: hba_add_all */
		strlist_add(out, "127.0.0.1/32");
		strlist_add(out, "::1/128");
		return 1;
	}
	if (strcmp(addr, "world") == 0 || strcmp(addr, "all") == 0) {
		strlist_add(out, "0.0.0.0/0");
		strlist_add(out, "::/0");
		return 1;
	}
	if (strcmp(addr, "intra") == 0 || strcmp(addr, "intranet") == 0) {
		for (size_t i = 0; i < c->node_firewall_intranet.n; i++)
			strlist_add(out, c->node_firewall_intranet.v[i]);
		return 1;
	}
	if (strcmp(addr, "admin") == 0)
		return c->admin_ip && hba_cidr(c->admin_ip, out);
	/* The cluster's members, the infra hosts: known once the inventory is read. */
	if (strcmp(addr, "cluster") == 0 || strcmp(addr, "infra") == 0) {
		strlist_add(out, addr);
		return 1;
	}
	return hba_cidr(addr, out);
}

/*
 * Pigsty's auth names -> PostgreSQL's method; ssl and cert also make the
 * line hostssl.  trust, password and md5 pass through to be refused with
 * their reason by hba_refused; an unknown name gives NULL.
 */
static const char *hba_auth(const char *s, int *ssl)
{
	static const char *const map[][2] = {
		{ "pwd", "scram-sha-256" }, { "sha", "scram-sha-256" },
		{ "scram", "scram-sha-256" }, { "scram-sha-256", "scram-sha-256" },
		{ "ssl", "scram-sha-256" }, { "ssl-sha", "scram-sha-256" }, { "cert", "cert" },
		{ "peer", "peer" }, { "ident", "peer" }, { "os", "peer" },
		{ "deny", "reject" }, { "reject", "reject" },
		{ "trust", "trust" }, { "password", "password" }, { "md5", "md5" },
		{ "ssl-md5", "md5" },
	};

	*ssl = !strcmp(s, "ssl") || !strcmp(s, "ssl-sha") || !strcmp(s, "cert") ||
	       !strcmp(s, "ssl-md5");
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* Why method may not go on a line of type (NULL: it may). */
static const char *hba_refused(const char *method, const char *type, int pgb)
{
	int local = strcmp(type, "local") == 0;

	if (!strcmp(method, "trust") || !strcmp(method, "password"))
		return "trust and password (cleartext) let in whoever reaches the address: use "
		       "scram-sha-256 (pwd, or ssl for TLS), or peer over the local socket";
	if (!strcmp(method, "md5"))
		return "md5 is refused: a stolen md5 hash logs in as well as the password; use "
		       "scram-sha-256 (pwd)";
	if (!strcmp(method, "peer") && !local)
		return "peer (ident, os) works over the local socket only: use addr: local, or "
		       "scram-sha-256 (pwd) over the network";
	if (!strcmp(method, "cert") && (pgb || strcmp(type, "hostssl")))
		return pgb ? "cert needs TLS, which PgBouncer does not get here" :
			     "cert needs a hostssl line (auth: cert makes one)";
	if (!strcmp(method, "scram-sha-256") || !strcmp(method, "reject") ||
	    !strcmp(method, "peer") || !strcmp(method, "cert"))
		return NULL;
	return "the method must be scram-sha-256 (pwd, sha), ssl (scram-sha-256 over TLS), "
	       "peer (ident, os; local socket only), reject (deny) or cert";
}

static void hba_add(struct hba_target *t, const struct hba_in *h, const char *type,
		    const char *addr, const char *auth)
{
	struct inst_pg_hba_rule *r;

	*t->v = xrealloc(*t->v, (*t->n + 1) * sizeof(*r));
	r = memset(&(*t->v)[(*t->n)++], 0, sizeof(*r));
	r->type = xstrdup(type);
	r->user = xstrdup(h->user);
	r->db = xstrdup(h->db);
	r->addr = addr ? xstrdup(addr) : NULL;
	r->auth = xstrdup(auth);
	r->title = h->title ? xstrdup(h->title) : NULL;
	r->options = h->options ? xstrdup(h->options) : NULL;
	r->order = h->order;
	r->tls_optional = t->builtin && strcmp(type, "hostssl") == 0;
	r->where = xstrdup(h->where);
}

/* title, order and role, which both kinds of entry have. */
static int hba_common(struct cload *l, const struct yamldoc_node *it, struct hba_in *h,
		      struct pgb_err *err)
{
	const struct yamldoc_node *n;

	h->order = INST_HBA_NO_ORDER;
	if (yamldoc_get_str(l->d, it, "title", 0, &h->title, err) < 0 ||
	    yamldoc_get_int(l->d, it, "order", 0, &h->order, err) < 0 ||
	    yamldoc_get_str(l->d, it, "role", 0, &h->role, err) < 0)
		return -1;
	if (h->title && !no_control_chars(h->title))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "title"), err,
				    "'title' must be one line");
	n = yamldoc_map_get(l->d, it, "order");
	if (n && (h->order < 0 || h->order >= INST_HBA_NO_ORDER))
		return yamldoc_fail(l->d, n, err, "'order' must be within 0..%d, got %d",
				    INST_HBA_NO_ORDER - 1, h->order);
	if (h->role && strcmp(h->role, "default") && strcmp(h->role, "common"))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "role"), err, "'role: %.50s' "
				    "is not implemented: every member of a cluster shares one "
				    "pg_hba.conf (Patroni's, in the DCS), so a rule holds for all "
				    "of them; drop 'role' (or write default)", h->role);
	return 0;
}

/* The entry's type: local without addr (or addr: local), else host. */
static int hba_type(struct cload *l, const struct yamldoc_node *it, struct hba_in *h,
		    struct pgb_err *err)
{
	int local = !h->addr || strcmp(h->addr, "local") == 0;

	if (!h->type)
		h->type = xstrdup(local ? "local" : "host");
	if (strcmp(h->type, "local") && strcmp(h->type, "host") && strcmp(h->type, "hostssl"))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "type"), err,
				    "'type' must be local, host or hostssl, got '%.100s'", h->type);
	if (strcmp(h->type, "local") && local)
		return yamldoc_fail(l->d, it, err, "a host rule needs 'addr' (a CIDR such as "
				    "10.0.0.0/8, an IP, localhost, intra, cluster or world)");
	if (!strcmp(h->type, "local") && !local)
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "addr"), err, "a local rule "
				    "(the unix socket) takes no address, got '%.100s'", h->addr);
	return 0;
}

/* What pgbundle's PgBouncer cannot take, at the entry's line. */
static int hba_pgb_ok(struct cload *l, const struct yamldoc_node *at, const struct hba_target *t,
		      const char *type, const char *db, struct pgb_err *err)
{
	if (!t->pgb)
		return 0;
	if (strcmp(type, "hostssl") == 0)
		return yamldoc_fail(l->d, at, err, "%s: PgBouncer takes no TLS from clients here: "
				    "use pwd over host lines", t->key);
	if (strcmp(db, "replication") == 0)
		return yamldoc_fail(l->d, at, err, "%s: db: replication goes to PostgreSQL, not "
				    "through PgBouncer", t->key);
	return 0;
}

/* {user, db, addr, auth, type}: one line per address. */
static int hba_entry(struct cload *l, struct hba_target *t, const struct yamldoc_node *it,
		     struct hba_in *h, struct pgb_err *err)
{
	const struct yamldoc_node *an;
	struct strlist addrs = STRLIST_INIT;
	const char *why;
	int ssl = 0, rc = -1;

	h->user = xstrdup("all");
	h->db = xstrdup("all");
	h->auth = xstrdup("pwd");
	if (get_name(l, it, "user", 0, hba_user_ok, "all, a role name, +group or ${dbsu}, "
		     "${repl}, ${monitor}, ${admin}", &h->user, err) < 0 ||
	    get_name(l, it, "db", 0, hba_db_ok, "all, replication or a database name", &h->db,
		     err) < 0 ||
	    yamldoc_get_str(l->d, it, "auth", 0, &h->auth, err) < 0 ||
	    yamldoc_get_str(l->d, it, "addr", 0, &h->addr, err) < 0 ||
	    yamldoc_get_str(l->d, it, "type", 0, &h->type, err) < 0 ||
	    hba_type(l, it, h, err) < 0)
		return -1;
	an = yamldoc_map_get(l->d, it, "auth");
	h->method = hba_auth(h->auth, &ssl);
	if (!h->method)
		return yamldoc_fail(l->d, an ? an : it, err, "'auth' must be pwd (scram-sha-256), "
				    "ssl, peer (ident, os), deny (reject) or cert, got '%.100s'",
				    h->auth);
	if (ssl && !strcmp(h->type, "host")) {
		free(h->type);
		h->type = xstrdup("hostssl");
	}
	if (ssl && !strcmp(h->type, "local"))
		return yamldoc_fail(l->d, an, err, "auth: %s is TLS, which the local socket has "
				    "not: give the rule an addr", h->auth);
	why = hba_refused(h->method, h->type, t->pgb);
	/* localhost is the socket too (Pigsty's), which has no TLS */
	if (!why && h->addr && !strcmp(h->addr, "localhost") && !strcmp(h->method, "cert"))
		why = "cert needs TLS, which the local socket (part of localhost) has not: use "
		      "addr: 127.0.0.1/32";
	if (why)
		return yamldoc_fail(l->d, an ? an : it, err, "'auth: %.50s': %s", h->auth, why);
	if (hba_pgb_ok(l, it, t, h->type, h->db, err) < 0)
		return -1;
	if (!strcmp(h->type, "local")) {
		hba_add(t, h, "local", NULL, h->method);
		return 0;
	}
	if (!hba_addrs(l->c, h->addr, &addrs)) {
		yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "addr"), err, "'addr' must be a "
			     "CIDR such as 10.0.0.0/8, an IP address, local, localhost, intra, "
			     "cluster, infra, world%s, got '%.100s'", l->c->admin_ip ? " or admin" :
			     " (admin needs admin_ip)", h->addr);
		goto out;
	}
	if (!strcmp(h->addr, "localhost"))
		hba_add(t, h, "local", NULL, h->method);
	for (size_t i = 0; i < addrs.n; i++)
		hba_add(t, h, h->type, addrs.v[i], h->method);
	rc = 0;
out:
	strlist_free(&addrs);
	return rc;
}

/* Comma-separated names (a raw line's db and user fields). */
static int hba_names_ok(const char *s)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	int ok = s[0] && s[strlen(s) - 1] != ',';

	for (tok = strtok_r(copy, ",", &save); ok && tok; tok = strtok_r(NULL, ",", &save))
		ok = name_ok(tok[0] == '+' ? tok + 1 : tok);
	free(copy);
	return ok;
}

/* One raw line of rules: TYPE DB USER [ADDR] METHOD [OPTION=VALUE...]. */
static int hba_raw(struct cload *l, struct hba_target *t, const struct yamldoc_node *n,
		   struct hba_in *h, struct pgb_err *err)
{
	const char *line = yamldoc_scalar(n);
	struct strlist f = STRLIST_INIT, addrs = STRLIST_INIT;
	struct sbuf opts = SBUF_INIT;
	const char *why = NULL, *type, *method;
	size_t m;
	int rc = -1;

	if (!line || !no_control_chars(line))
		return yamldoc_fail(l->d, n, err, "each item of 'rules' must be one pg_hba.conf "
				    "line");
	for (const char *p = line; *p;) {
		size_t len = strcspn(p, " \t");

		if (len)
			strlist_add_owned(&f, xstrndup(p, len));
		p += len + strspn(p + len, " \t");
	}
	type = f.n ? f.v[0] : "";
	m = strcmp(type, "local") == 0 ? 3 : 4;
	if ((strcmp(type, "local") && strcmp(type, "host") && strcmp(type, "hostssl") &&
	     strcmp(type, "hostnossl")) || f.n <= m) {
		why = "a rule line is TYPE DATABASE USER [ADDRESS] METHOD [OPTIONS] with TYPE "
		      "local, host, hostssl or hostnossl";
	} else if (!hba_names_ok(f.v[1]) || !hba_names_ok(f.v[2])) {
		why = "DATABASE and USER must be names (all, replication, +group), comma-separated";
	} else if (m == 4 && strcmp(f.v[3], "all") && !hba_cidr(f.v[3], &addrs)) {
		why = "ADDRESS must be a CIDR, an IP address or all";
	}
	method = why ? "" : !strcmp(f.v[m], "ident") && m == 3 ? "peer" : f.v[m];
	if (!why)
		why = hba_refused(method, type, t->pgb);
	for (size_t i = m + 1; !why && i < f.n; i++) {
		if (!strchr(f.v[i], '=') || !chars_ok(f.v[i], "_.=-"))
			why = "OPTIONS are NAME=VALUE (clientcert=verify-full)";
		sbuf_addf(&opts, "%s%s", opts.len ? " " : "", f.v[i]);
	}
	if (why) {
		yamldoc_fail(l->d, n, err, "'%.200s': %s", line, why);
		goto out;
	}
	h->user = xstrdup(f.v[2]);
	h->db = xstrdup(f.v[1]);
	h->options = sbuf_detach(&opts, NULL);
	if (hba_pgb_ok(l, n, t, type, h->db, err) == 0) {
		hba_add(t, h, type, m == 4 ? (addrs.n ? addrs.v[0] : f.v[3]) : NULL, method);
		rc = 0;
	}
	free(h->user);
	free(h->db);
	free(h->options);
	h->user = h->db = h->options = NULL;
out:
	sbuf_free(&opts);
	strlist_free(&addrs);
	strlist_free(&f);
	return rc;
}

static int parse_hba(struct cload *l, struct hba_target *t, const struct yamldoc_node *it,
		     struct pgb_err *err)
{
	const struct yamldoc_node *raw;
	struct hba_in h = { 0 };
	char got[64], *what = xasprintf("a %s entry", t->key);
	int rc = -1;

	if (!yamldoc_is_map(it)) {
		yamldoc_fail(l->d, it, err, "each item of '%s' must be a mapping such as {user: "
			     "app, db: app, addr: intra, auth: pwd}, got %s", t->key,
			     yamldoc_got(it, got, sizeof(got)));
		goto out;
	}
	h.where = yamldoc_node_where(l->d, it);
	if (entry_keys(l, it, hba_keys, no_keys, what, err) < 0 || hba_common(l, it, &h, err) < 0)
		goto out;
	raw = yamldoc_map_get(l->d, it, "rules");
	if (!raw) {
		rc = hba_entry(l, t, it, &h, err);
		goto out;
	}
	if (!yamldoc_is_seq(raw) || yamldoc_map_get(l->d, it, "addr")) {
		yamldoc_fail(l->d, raw, err, "'rules' is a list of pg_hba.conf lines, instead of "
			     "user, db, addr and auth");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; rc == 0 && i < yamldoc_len(raw); i++)
		rc = hba_raw(l, t, yamldoc_item(l->d, raw, i), &h, err);
out:
	hba_in_free(&h);
	free(what);
	return rc;
}

int inst_cfg_parse_hba(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	struct hba_target t = { k->name, &c->pg_hba_rules, &c->n_pg_hba_rules, 0, 0 };
	const struct yamldoc_node *seq = NULL;
	struct yamldoc *d = NULL;
	struct cload b = *l;
	int rc = var_seq(l, k->name, &seq, err);

	if (!strcmp(k->name, "pg_default_hba_rules")) {
		t.v = &c->pg_default_hba_rules;
		t.n = &c->n_pg_default_hba_rules;
	} else if (!strcmp(k->name, "pgb_default_hba_rules")) {
		t.v = &c->pgb_default_hba_rules;
		t.n = &c->n_pgb_default_hba_rules;
	} else if (!strcmp(k->name, "pgb_hba_rules")) {
		t.v = &c->pgb_hba_rules;
		t.n = &c->n_pgb_hba_rules;
	}
	t.pgb = strncmp(k->name, "pgb_", 4) == 0;
	if (rc == 0 && strstr(k->name, "_default_")) {
		rc = inst_cfg_builtin(k->name, &d, &seq, err);
		b.d = d;
		t.builtin = 1;
	}
	for (size_t i = 0; rc > 0 && i < yamldoc_len(seq); i++)
		if (parse_hba(&b, &t, yamldoc_item(b.d, seq, i), err) < 0)
			rc = -1;
	yamldoc_free(d);
	return rc < 0 ? -1 : 0;
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

int inst_cfg_parse_params(struct cload *l, const struct ck *ck, struct pgb_err *err)
{
	const struct yamldoc_node *map = NULL;
	struct inst_config *c = l->c;
	int rc = var_map(l, ck->name, &map, err);
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

/* pg_libs: a list, or Pigsty's 'pg_stat_statements, auto_explain'. */
int inst_cfg_parse_libs(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	struct strlist where = STRLIST_INIT;
	int rc = 0;

	if (!n)
		return 0;
	if (yamldoc_is_scalar(n)) {
		char *copy = xstrdup(yamldoc_scalar(n)), *tok, *save = NULL;
		char *at = yamldoc_node_where(l->d, n);

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			tok += strspn(tok, " ");
			tok[strcspn(tok, " ")] = '\0';
			if (*tok) {
				strlist_add(&l->c->pg_libs, tok);
				strlist_add(&where, at);
			}
		}
		free(at);
		free(copy);
	} else {
		rc = yamldoc_strlist(l->d, n, k->name, &l->c->pg_libs, &where, err);
	}
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

int inst_cfg_parse_extensions(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct strlist raw = STRLIST_INIT, where = STRLIST_INIT;
	const struct yamldoc_node *n = cvar(l, k->name);
	int rc = n ? yamldoc_strlist(l->d, n, k->name, &raw, &where, err) : 0;

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

int inst_cfg_parse_modules(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct strlist where = STRLIST_INIT;
	struct inst_config *c = l->c;
	const struct yamldoc_node *n = cvar(l, k->name);
	int rc = n ? yamldoc_strlist(l->d, n, k->name, &c->modules, &where, err) : 0;

	if (rc == 0 && !n) {
		strlist_add(&c->modules, "pgsql");
		strlist_add(&c->modules, "pgbouncer");
	}
	for (size_t i = 0; rc >= 0 && n && i < c->modules.n; i++) {
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

/*
 * In a flat file, modules decides, and an *_enabled key that asks for a
 * module it does not list is refused (its packages would be missing).
 */
static int flat_enabled(struct cload *l, const char *key, const char *module, int *on,
			struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, key);

	if (!n) {
		*on = inst_config_has_module(l->c, module);
		return 0;
	}
	if (*on && !inst_config_has_module(l->c, module))
		return yamldoc_fail(l->d, n, err, "%s is true but 'modules' lacks %s, so it "
				    "would not be installed: add it to modules", key, module);
	return 0;
}

static int check_flat_modules(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;

	if (l->inventory)
		return 0;
	if (flat_enabled(l, "pgbouncer_enabled", "pgbouncer", &c->pgbouncer_enabled, err) < 0 ||
	    flat_enabled(l, "patroni_enabled", "patroni", &c->patroni_enabled, err) < 0 ||
	    flat_enabled(l, "haproxy_enabled", "haproxy", &c->haproxy_enabled, err) < 0)
		return -1;
	if (c->patroni_enabled && !inst_config_has_module(c, "etcd"))
		return yamldoc_fail(l->d, cvar(l, "modules") ? cvar(l, "modules") :
				    cvar_key(l, "patroni_enabled"), err, "Patroni keeps its state "
				    "in etcd: a flat config with patroni needs etcd in modules too");
	if (!c->patroni_enabled && (c->haproxy_enabled || c->pg_vip_enabled))
		return yamldoc_fail(l->d, cvar(l, "modules"), err, "%s follows Patroni's "
				    "leader: it needs patroni (and etcd) in modules",
				    c->haproxy_enabled ? "haproxy" : "the VIP");
	return 0;
}

static int check_pgbouncer_port(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	const struct yamldoc_node *n;

	if (!c->pgbouncer_enabled || c->pgbouncer_port != c->pg_port)
		return 0;
	n = cvar(l, "pgbouncer_port");
	return yamldoc_fail(l->d, n ? n : cvar(l, "pg_port"), err,
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

/* --- the other structured keys --- */

/* Pigsty writes pg_conf as the template's file name: oltp.yml. */
int inst_cfg_parse_pg_conf(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	char *v = NULL;
	size_t len;
	int rc = 0;

	if (!n)
		return 0;
	if (yamldoc_str(l->d, n, k->name, &v, err) < 0)
		return -1;
	len = strlen(v);
	if (len > 4 && strcmp(v + len - 4, ".yml") == 0)
		v[len - 4] = '\0';
	if (strcmp(v, "oltp") && strcmp(v, "olap") && strcmp(v, "crit") && strcmp(v, "tiny"))
		rc = yamldoc_fail(l->d, n, err, "'pg_conf' must be oltp, olap, crit or tiny (or "
				  "Pigsty's oltp.yml ...), got '%.100s'", v);
	if (rc == 0) {
		free(l->c->pg_conf);
		l->c->pg_conf = v;
	} else {
		free(v);
	}
	return rc;
}

/* node_sysctl_params: {name: value}, names as sysctl writes them. */
int inst_cfg_parse_sysctl(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *map = NULL;
	struct inst_config *c = l->c;
	int rc = var_map(l, k->name, &map, err);

	if (rc <= 0)
		return rc;
	c->node_sysctl_params = xcalloc(yamldoc_len(map) + 1, sizeof(*c->node_sysctl_params));
	for (size_t i = 0; i < yamldoc_len(map); i++) {
		const struct yamldoc_node *key = yamldoc_key(l->d, map, i);
		const struct yamldoc_node *v = yamldoc_value(l->d, map, i);

		if (!chars_ok(yamldoc_scalar(key), "._-/"))
			return yamldoc_fail(l->d, key, err, "node_sysctl_params: '%.100s' is not "
					    "a sysctl name", yamldoc_scalar(key));
		if (!yamldoc_is_scalar(v) || yamldoc_is_null(v) ||
		    !no_control_chars(yamldoc_scalar(v)))
			return yamldoc_fail(l->d, v, err, "node_sysctl_params: '%s' must be one "
					    "value", yamldoc_scalar(key));
		c->node_sysctl_params[c->n_node_sysctl_params].key =
			xstrdup(yamldoc_scalar(key));
		c->node_sysctl_params[c->n_node_sysctl_params++].value =
			xstrdup(yamldoc_scalar(v));
	}
	return 0;
}

/* Keys of modules not implemented yet: the shape Pigsty gives them. */
int inst_cfg_parse_later(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *map = NULL;
	int rc = var_map(l, k->name, &map, err);

	for (size_t i = 0; rc > 0 && i < yamldoc_len(map); i++) {
		const struct yamldoc_node *key = yamldoc_key(l->d, map, i);
		const struct yamldoc_node *v = yamldoc_value(l->d, map, i);
		char got[64];
		int port;

		if (strcmp(k->name, "redis_instances") == 0 &&
		    (yamldoc_int(l->d, key, "a redis_instances port", &port, err) < 0 ||
		     port < 1 || port > 65535))
			return yamldoc_fail(l->d, key, err, "redis_instances: each key is a TCP "
					    "port (1-65535), got '%.100s'", yamldoc_scalar(key));
		if (!yamldoc_is_null(v) && !yamldoc_is_map(v))
			return yamldoc_fail(l->d, v, err, "%s: '%s' must be a mapping, got %s",
					    k->name, yamldoc_scalar(key),
					    yamldoc_got(v, got, sizeof(got)));
	}
	return rc < 0 ? -1 : 0;
}

/* --- the walk over the declaration --- */

static void *field(struct cload *l, const struct ck *k)
{
	return (char *)l->c + k->off;
}

/* The default of k into its field (typed keys only). */
static void set_default(struct cload *l, const struct ck *k)
{
	const char *def = l->inventory && k->def_inv ? k->def_inv : k->def;

	if (!k->off || (k->flags & CKF_LATER))
		return;
	switch (k->type) {
	case CK_INT:
	case CK_PORT:
		*(int *)field(l, k) = def ? atoi(def) : 0;
		break;
	case CK_BOOL:
		*(int *)field(l, k) = def && strcmp(def, "true") == 0;
		break;
	case CK_STR:
	case CK_NAME:
	case CK_ENUM:
	case CK_PATH:
	case CK_CIDR:
	case CK_SECRET:
	case CK_CUSTOM:		/* with a field: a string (pg_listen, pg_conf) */
		free(*(char **)field(l, k));
		*(char **)field(l, k) = def && k->type != CK_SECRET ? xstrdup(def) : NULL;
		break;
	case CK_LIST:
		strlist_free((struct strlist *)field(l, k));
		break;
	default:
		break;
	}
}

static int enum_ok(const char *enums, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = enums; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
		if (strncmp(p, v, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

/* "a, b or c" from "a|b|c", for messages. */
static char *enum_words(const char *enums)
{
	struct sbuf b = SBUF_INIT;
	const char *last = strrchr(enums, '|');

	for (const char *p = enums; *p; p++) {
		if (*p != '|')
			sbuf_addc(&b, *p);
		else
			sbuf_adds(&b, p == last ? " or " : ", ");
	}
	return sbuf_detach(&b, NULL);
}

static int cidr_ok(const char *s)
{
	char *ip = xstrndup(s, strcspn(s, "/")), *end;
	const char *slash = strchr(s, '/');
	unsigned char buf[4];
	long bits = slash ? strtol(slash + 1, &end, 10) : -1;
	int ok = inet_pton(AF_INET, ip, buf) == 1 && slash && slash[1] >= '0' &&
		 slash[1] <= '9' && !*end && bits >= 1 && bits <= 32;

	free(ip);
	return ok;
}

static int typed_string(struct cload *l, const struct ck *k, const struct yamldoc_node *n,
			char *v, struct pgb_err *err)
{
	char *words;
	int rc = 0;

	switch (k->type) {
	case CK_NAME:
		if (!name_ok(v))
			rc = yamldoc_fail(l->d, n, err, "'%s' must be a name (a letter or _, then "
					  "letters, digits, _ . -; at most 63 bytes), got '%.200s'",
					  k->name, v);
		break;
	case CK_ENUM:
		if (!enum_ok(k->enums, v)) {
			words = enum_words(k->enums);
			rc = yamldoc_fail(l->d, n, err, "'%s' must be %s, got '%.100s'", k->name,
					  words, v);
			free(words);
		}
		break;
	case CK_PATH:
		if (v[0] != '/' || strstr(v, "/..") || !no_control_chars(v))
			rc = yamldoc_fail(l->d, n, err, "'%s' must be an absolute path without "
					  "'..', got '%.200s'", k->name, v);
		break;
	case CK_CIDR:
		if (!cidr_ok(v))
			rc = yamldoc_fail(l->d, n, err, "'%s' must be an IPv4 address with its "
					  "prefix length, such as 10.10.10.2/24, got '%.100s'",
					  k->name, v);
		break;
	case CK_SECRET:
		if (!*v || !no_control_chars(v))
			rc = yamldoc_fail(l->d, n, err, "'%s' must be non-empty and one line (or "
					  "left out: the cluster's secrets then hold one)", k->name);
		break;
	default:
		if (!no_control_chars(v))
			rc = yamldoc_fail(l->d, n, err, "'%s' must be one line", k->name);
		break;
	}
	return rc;
}

static int read_typed(struct cload *l, const struct ck *k, const struct yamldoc_node *n,
		      struct pgb_err *err)
{
	int later = (k->flags & CKF_LATER) != 0, iv = 0;
	char *v = NULL;
	struct strlist list = STRLIST_INIT;

	switch (k->type) {
	case CK_INT:
	case CK_PORT:
		if (yamldoc_int(l->d, n, k->name, &iv, err) < 0)
			return -1;
		if (k->type == CK_PORT && (iv < 1 || iv > 65535))
			return yamldoc_fail(l->d, n, err, "'%s' must be a TCP port (1-65535), got "
					    "%d", k->name, iv);
		if (k->type == CK_INT && (iv < k->lo || iv > k->hi))
			return yamldoc_fail(l->d, n, err, "'%s' must be within %ld..%ld, got %d",
					    k->name, k->lo, k->hi, iv);
		if (!later)
			*(int *)field(l, k) = iv;
		return 0;
	case CK_BOOL:
		if (yamldoc_bool(l->d, n, k->name, &iv, err) < 0)
			return -1;
		if (!later)
			*(int *)field(l, k) = iv;
		return 0;
	case CK_LIST:
		if (yamldoc_strlist(l->d, n, k->name, &list, NULL, err) < 0)
			return -1;
		for (size_t i = 0; i < list.n; i++)
			if (!no_control_chars(list.v[i])) {
				strlist_free(&list);
				return yamldoc_fail(l->d, n, err, "'%s': every item must be one "
						    "line", k->name);
			}
		if (!later) {
			strlist_free((struct strlist *)field(l, k));
			*(struct strlist *)field(l, k) = list;
		} else {
			strlist_free(&list);
		}
		return 0;
	case CK_ANY:
		return 0;
	default:
		break;
	}
	if (yamldoc_str(l->d, n, k->name, &v, err) < 0)
		return -1;
	if (typed_string(l, k, n, v, err) < 0) {
		free(v);
		return -1;
	}
	if (later) {
		free(v);
		return 0;
	}
	free(*(char **)field(l, k));
	*(char **)field(l, k) = v;
	return 0;
}

static int read_key(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);

	set_default(l, k);
	if (n && (k->flags & CKF_LATER))
		cload_warn(l, cvar_key(l, k->name), "'%s' is accepted and checked, but the %s "
			   "module is not implemented yet: nothing is set up from it", k->name,
			   k->module);
	if (k->type == CK_CUSTOM)
		return k->parse(l, k, err);
	return n ? read_typed(l, k, n, err) : 0;
}

/* Defaults that follow other keys, and the checks across keys. */
static int finish(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	char *s;

	if (check_flat_modules(l, err) < 0 || check_pgbouncer_port(l, err) < 0 ||
	    inst_pgext_expand(c, l->b, err) < 0 || check_cron(l, err) < 0 ||
	    inst_cfg_finish_ops(l, err) < 0)
		return -1;
	inst_pgext_preload(c, l->b);
	s = expand_listen(c->pg_listen, c);
	free(c->pg_listen);
	c->pg_listen = s;
	s = expand_listen(c->pgbouncer_listen, c);
	free(c->pgbouncer_listen);
	c->pgbouncer_listen = s;
	if (!c->nodename)
		c->nodename = xasprintf("%s-%d", c->pg_cluster, c->pg_seq);
	if (inst_acl_finish(l, err) < 0)
		return -1;
	if (strcmp(c->patroni_watchdog_mode, "off") != 0)
		cload_warn(l, cvar(l, "patroni_watchdog_mode"), "patroni_watchdog_mode: only "
			   "off is implemented; the watchdog stays off");
	return 0;
}

int inst_cfg_load_host(struct cload *l, struct pgb_err *err)
{
	for (const struct ck *k = inst_cfg_keys; k->name; k++)
		if (read_key(l, k, err) < 0)
			return -1;
	return finish(l, err);
}

int inst_config_load_as(struct inst_config *c, const char *path, const struct inst_bundle *b,
			const struct strlist *addrs, struct pgb_err *err)
{
	struct yamldoc *d;

	memset(c, 0, sizeof(*c));
	if (yamldoc_load(&d, path, err) < 0)
		return -1;
	return inst_config_load_doc(c, d, b, addrs, err);
}

int inst_config_load_mem_as(struct inst_config *c, const char *name, const char *text,
			    size_t len, const struct inst_bundle *b, const struct strlist *addrs,
			    struct pgb_err *err)
{
	struct yamldoc *d;

	memset(c, 0, sizeof(*c));
	if (yamldoc_load_mem(&d, name, text, len, err) < 0)
		return -1;
	return inst_config_load_doc(c, d, b, addrs, err);
}

int inst_config_load(struct inst_config *c, const char *path, const struct inst_bundle *b,
		     struct pgb_err *err)
{
	return inst_config_load_as(c, path, b, NULL, err);
}

int inst_config_load_mem(struct inst_config *c, const char *name, const char *text,
			 size_t len, const struct inst_bundle *b, struct pgb_err *err)
{
	return inst_config_load_mem_as(c, name, text, len, b, NULL, err);
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

static void hba_rule_free(struct inst_pg_hba_rule *r)
{
	free(r->type);
	free(r->user);
	free(r->db);
	free(r->addr);
	free(r->auth);
	free(r->title);
	free(r->options);
	free(r->where);
}

static void hba_list_free(struct inst_pg_hba_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hba_rule_free(&v[i]);
	free(v);
}

/* The hosts addr (cluster or infra) stands for; NULL when it is an address. */
static const struct inst_member *hba_hosts(const struct inst_config *c, const char *addr,
					   size_t *n)
{
	*n = 0;
	if (addr && strcmp(addr, "cluster") == 0) {
		*n = c->n_pg_members;
		return c->pg_members;
	}
	if (addr && strcmp(addr, "infra") == 0) {
		*n = c->n_hosts;
		return c->hosts;
	}
	return NULL;
}

/* One list's rules with addr: cluster or infra, once per member or infra host. */
static void expand_hosts(const struct inst_config *c, struct inst_pg_hba_rule **v, size_t *n)
{
	struct inst_pg_hba_rule *old = *v;
	size_t n_old = *n, nh;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < n_old; i++) {
		struct inst_pg_hba_rule *r = &old[i];
		const struct inst_member *h = hba_hosts(c, r->addr, &nh);
		int infra = h && strcmp(r->addr, "infra") == 0;

		for (size_t j = 0; h && j < nh; j++) {
			struct inst_pg_hba_rule *e;

			if (infra && !h[j].infra)
				continue;
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			e = &(*v)[(*n)++];
			*e = *r;
			e->type = xstrdup(r->type);
			e->user = xstrdup(r->user);
			e->db = xstrdup(r->db);
			e->addr = xasprintf("%s/%s", h[j].addr, strchr(h[j].addr, ':') ? "128" : "32");
			e->auth = xstrdup(r->auth);
			e->title = r->title ? xstrdup(r->title) : NULL;
			e->options = r->options ? xstrdup(r->options) : NULL;
			e->where = xstrdup(r->where);
		}
		if (h) {
			hba_rule_free(r);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = *r;
	}
	free(old);
}

/* Rules written with addr: cluster or infra, once the inventory is read. */
void inst_cfg_expand_cluster_hba(struct inst_config *c)
{
	expand_hosts(c, &c->pg_default_hba_rules, &c->n_pg_default_hba_rules);
	expand_hosts(c, &c->pg_hba_rules, &c->n_pg_hba_rules);
	expand_hosts(c, &c->pgb_default_hba_rules, &c->n_pgb_default_hba_rules);
	expand_hosts(c, &c->pgb_hba_rules, &c->n_pgb_hba_rules);
}

static void members_free(struct inst_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].addr);
		free(m[i].name);
		free(m[i].nodename);
		free(m[i].role);
	}
	free(m);
}

static void services_free(struct inst_service *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].dest);
		free(s[i].check);
		inst_selector_free(s[i].selector);
		inst_selector_free(s[i].backup);
		free(s[i].ip);
		free(s[i].balance);
		free(s[i].where);
	}
	free(s);
}

/* The fields this file's cluster part added. */
static void cluster_free(struct inst_config *c)
{
	char **strs[] = {
		&c->self_addr, &c->nodename, &c->node_tune, &c->pg_role, &c->pg_conf, &c->pg_rto,
		&c->pg_replication_username, &c->pg_admin_username, &c->pg_replication_password,
		&c->pg_admin_password, &c->pg_namespace, &c->patroni_username,
		&c->patroni_password, &c->patroni_watchdog_mode, &c->pg_default_service_dest,
		&c->haproxy_admin_username, &c->haproxy_admin_password,
		&c->haproxy_client_timeout, &c->haproxy_server_timeout, &c->pg_vip_address,
		&c->pg_vip_interface, &c->etcd_cluster, &c->etcd_data, &c->etcd_init,
		&c->etcd_root_password,
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	strlist_free(&c->node_etc_hosts);
	strlist_free(&c->warnings);
	for (size_t i = 0; i < c->n_node_sysctl_params; i++) {
		free(c->node_sysctl_params[i].key);
		free(c->node_sysctl_params[i].value);
	}
	free(c->node_sysctl_params);
	members_free(c->hosts, c->n_hosts);
	members_free(c->pg_members, c->n_pg_members);
	members_free(c->etcd_members, c->n_etcd_members);
	services_free(c->pg_services, c->n_pg_services);
}

void inst_config_free(struct inst_config *c)
{
	free(c->family);
	free(c->target);
	for (size_t i = 0; i < c->n_pg_users; i++)
		user_free(&c->pg_users[i]);
	for (size_t i = 0; i < c->n_pg_databases; i++)
		db_free(&c->pg_databases[i]);
	for (size_t i = 0; i < c->n_pg_parameters; i++) {
		free(c->pg_parameters[i].key);
		free(c->pg_parameters[i].value);
	}
	free(c->pg_users);
	free(c->pg_databases);
	hba_list_free(c->pg_hba_rules, c->n_pg_hba_rules);
	hba_list_free(c->pg_default_hba_rules, c->n_pg_default_hba_rules);
	hba_list_free(c->pgb_default_hba_rules, c->n_pgb_default_hba_rules);
	hba_list_free(c->pgb_hba_rules, c->n_pgb_hba_rules);
	inst_acl_config_free(c);
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
	strlist_free(&c->pg_preload_skipped);
	strlist_free(&c->modules);
	cluster_free(c);
	inst_cfg_free_ops(c);
	memset(c, 0, sizeof(*c));
}
