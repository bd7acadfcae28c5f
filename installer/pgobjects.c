/*
 * pgobjects.c - roles, databases, schemas and extensions, through psql.
 *
 * Each kind of object is read first, in one query that returns JSON
 * (pg_authid with memberships and comments, pg_database, then in each
 * business database pg_namespace, pg_extension and pg_available_extensions),
 * and only what differs from the config is changed.  Nothing the config does
 * not name is dropped or revoked: removing a user from the config leaves the
 * role in place.
 *
 * Values reach SQL only as psql variables (-v v_name=..., used as :"v_name"
 * and :'v_name'), so psql quotes them.  A password never travels at all:
 * the role gets the SCRAM secret computed here (creds.c), set with \set from
 * stdin because a command line is visible to every local user.
 *
 * The roles are pg_default_roles (Pigsty's role groups and system users,
 * acl.c) and then pg_users: the config holds both in pg_users, defaults
 * first.  Each database gets the privileges of the model (acl.c) right
 * after it is created or checked, before its schemas and extensions, so
 * that what they create is covered by the default privileges; template1
 * and postgres get pg_default_schemas and pg_default_extensions.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inst.h"
#include "module.h"

/* Role attributes: the config's key, pg_authid's column (as queried), SQL. */
static const struct {
	const char *key, *on, *off;
	size_t off_user;
} attrs[] = {
	{ "login", "LOGIN", "NOLOGIN", offsetof(struct inst_pg_user, login) },
	{ "superuser", "SUPERUSER", "NOSUPERUSER", offsetof(struct inst_pg_user, superuser) },
	{ "createdb", "CREATEDB", "NOCREATEDB", offsetof(struct inst_pg_user, createdb) },
	{ "createrole", "CREATEROLE", "NOCREATEROLE", offsetof(struct inst_pg_user, createrole) },
	{ "replication", "REPLICATION", "NOREPLICATION",
	  offsetof(struct inst_pg_user, replication) },
	{ "bypassrls", "BYPASSRLS", "NOBYPASSRLS", offsetof(struct inst_pg_user, bypassrls) },
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

static const char q_roles[] =
	"SELECT coalesce(json_object_agg(a.rolname, json_build_object("
	"'login', a.rolcanlogin, 'superuser', a.rolsuper, 'createdb', a.rolcreatedb, "
	"'createrole', a.rolcreaterole, 'replication', a.rolreplication, "
	"'bypassrls', a.rolbypassrls, 'password', a.rolpassword, "
	"'comment', shobj_description(a.oid, 'pg_authid'), "
	"'member_of', (SELECT coalesce(json_agg(g.rolname), '[]') FROM pg_auth_members m "
	"JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = a.oid))), '{}') "
	"FROM pg_authid a";
static const char q_databases[] =
	"SELECT coalesce(json_object_agg(d.datname, json_build_object("
	"'owner', pg_get_userbyid(d.datdba), "
	"'comment', shobj_description(d.oid, 'pg_database'))), '{}') FROM pg_database d";
static const char q_in_db[] =
	"SELECT json_build_object("
	"'extensions', (SELECT coalesce(json_object_agg(e.extname, n.nspname), '{}') "
	"FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace), "
	"'available', (SELECT coalesce(json_agg(name), '[]') FROM pg_available_extensions), "
	"'schemas', (SELECT coalesce(json_object_agg(nspname, pg_get_userbyid(nspowner)), "
	"'{}') FROM pg_namespace))";

/* One run over the objects. */
struct pgo {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	const struct inst_pg_layout *l;
	int running;
	struct inst_secrets sec;
	json_t *roles, *dbs;	/* live state; empty objects when the server is down */
	struct inst_acl *acl;
};

/* --- running SQL --- */

/* "\set name 'value'" for psql, escaped by its rules for quoted arguments. */
static void psql_set(struct sbuf *script, const char *name, const char *value)
{
	sbuf_addf(script, "\\set %s '", name);
	for (const char *c = value; *c; c++) {
		if (*c == '\'' || *c == '\\')
			sbuf_addc(script, '\\');
		sbuf_addc(script, *c);
	}
	sbuf_adds(script, "'\n");
}

/* Run script in db unless this is a dry run. */
static int apply(struct pgo *o, const char *db, const struct strlist *vars, const char *script,
		 struct pgb_err *err)
{
	struct strlist v = STRLIST_INIT;
	int rc;

	if (o->ctx->dry_run)
		return 0;
	for (size_t i = 0; vars && i < vars->n; i++)
		strlist_add(&v, vars->v[i]);
	v.v = xrealloc(v.v, (v.n + 1) * sizeof(*v.v));
	v.v[v.n] = NULL;
	rc = inst_psql(o->l, db, (const char *const *)v.v, script, NULL, err);
	strlist_free(&v);
	return rc;
}

static void var(struct strlist *vars, const char *name, const char *value)
{
	strlist_add_owned(vars, xasprintf("%s=%s", name, value));
}

static json_t *query(struct pgo *o, const char *db, const char *q, struct pgb_err *err)
{
	if (!o->running)
		return json_object();
	return inst_pg_query(o->l, db, NULL, q, err);
}

/* --- roles --- */

static int attr_of(const struct inst_pg_user *u, size_t i)
{
	return *(const int *)((const char *)u + attrs[i].off_user);
}

/* The password u should have: the config's, or the cluster's secret (secrets.c). */
static int password_for(struct pgo *o, const struct inst_pg_user *u, const char **pw,
			struct pgb_err *err)
{
	*pw = NULL;
	if (!u->login)
		return 0;
	return inst_secret_role(&o->sec, o->ctx, u->name, u->password, pw, err);
}

/* CREATE ROLE with every attribute, password and comment. */
static int create_role(struct pgo *o, const struct inst_pg_user *u, const char *pw,
		       struct pgb_err *err)
{
	struct strlist vars = STRLIST_INIT;
	struct sbuf sql = SBUF_INIT;
	char *secret = NULL;
	int rc = 0;

	var(&vars, "v_name", u->name);
	if (pw && (rc = inst_scram_secret(pw, &secret, err)) == 0)
		psql_set(&sql, "v_secret", secret);
	sbuf_adds(&sql, "CREATE ROLE :\"v_name\" WITH");
	for (size_t i = 0; i < NATTRS; i++)
		sbuf_addf(&sql, " %s", attr_of(u, i) ? attrs[i].on : attrs[i].off);
	sbuf_adds(&sql, pw ? " PASSWORD :'v_secret';\n" : ";\n");
	if (u->comment) {
		var(&vars, "v_comment", u->comment);
		sbuf_adds(&sql, "COMMENT ON ROLE :\"v_name\" IS :'v_comment';\n");
	}
	inst_pg_change(o->ctx, "create role %s (%s)", u->name, u->login ? "login" : "group");
	if (rc == 0)
		rc = apply(o, "postgres", &vars, sql.buf, err);
	free(secret);
	sbuf_free(&sql);
	strlist_free(&vars);
	return rc;
}

static int json_flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static int alter_role(struct pgo *o, const struct inst_pg_user *u, json_t *have, const char *pw,
		      struct pgb_err *err)
{
	const char *comment = json_string_value(json_object_get(have, "comment"));
	const char *secret_have = json_string_value(json_object_get(have, "password"));
	struct strlist vars = STRLIST_INIT;
	struct sbuf sql = SBUF_INIT;
	char *secret = NULL;
	int rc = 0;

	var(&vars, "v_name", u->name);
	for (size_t i = 0; i < NATTRS; i++) {
		if (json_flag(have, attrs[i].key) == attr_of(u, i))
			continue;
		inst_pg_change(o->ctx, "alter role %s: %s", u->name,
			       attr_of(u, i) ? attrs[i].on : attrs[i].off);
		sbuf_addf(&sql, "ALTER ROLE :\"v_name\" WITH %s;\n",
			  attr_of(u, i) ? attrs[i].on : attrs[i].off);
	}
	if (pw && !inst_scram_matches(secret_have, pw)) {
		inst_pg_change(o->ctx, "set the password of role %s", u->name);
		rc = inst_scram_secret(pw, &secret, err);
		if (rc == 0)
			psql_set(&sql, "v_secret", secret);
		sbuf_adds(&sql, "ALTER ROLE :\"v_name\" PASSWORD :'v_secret';\n");
	}
	if (u->comment && (!comment || strcmp(comment, u->comment))) {
		inst_pg_change(o->ctx, "comment on role %s", u->name);
		var(&vars, "v_comment", u->comment);
		sbuf_adds(&sql, "COMMENT ON ROLE :\"v_name\" IS :'v_comment';\n");
	}
	if (rc == 0 && sql.len)
		rc = apply(o, "postgres", &vars, sql.buf, err);
	free(secret);
	sbuf_free(&sql);
	strlist_free(&vars);
	return rc;
}

static int ensure_role(struct pgo *o, const struct inst_pg_user *u, struct pgb_err *err)
{
	json_t *have = json_object_get(o->roles, u->name);
	const char *pw = NULL;

	/* Saved before the role exists, so no run can set a password it then forgets. */
	if (password_for(o, u, &pw, err) < 0)
		return -1;
	if (!have)
		return create_role(o, u, pw, err);
	return alter_role(o, u, have, pw, err);
}

static int has_member_of(json_t *have, const char *role)
{
	json_t *list = json_object_get(have, "member_of"), *r;
	size_t i;

	json_array_foreach(list, i, r)
		if (json_is_string(r) && strcmp(json_string_value(r), role) == 0)
			return 1;
	return 0;
}

static int ensure_grants(struct pgo *o, const struct inst_pg_user *u, struct pgb_err *err)
{
	json_t *have = json_object_get(o->roles, u->name);

	for (size_t i = 0; i < u->roles.n; i++) {
		struct strlist vars = STRLIST_INIT;
		int rc;

		if (have && has_member_of(have, u->roles.v[i]))
			continue;
		inst_pg_change(o->ctx, "grant %s to %s", u->roles.v[i], u->name);
		var(&vars, "v_name", u->name);
		var(&vars, "v_role", u->roles.v[i]);
		rc = apply(o, "postgres", &vars, "GRANT :\"v_role\" TO :\"v_name\";\n", err);
		strlist_free(&vars);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int roles(struct pgo *o, struct pgb_err *err)
{
	const struct inst_config *c = o->cfg;

	for (size_t i = 0; i < c->n_pg_users; i++)
		if (ensure_role(o, &c->pg_users[i], err) < 0)
			return pgb_err_prefix(err, "user %s (%s)", c->pg_users[i].name,
					      c->pg_users[i].where);
	/* Grants last: a user may be granted another that is created after it. */
	for (size_t i = 0; i < c->n_pg_users; i++)
		if (ensure_grants(o, &c->pg_users[i], err) < 0)
			return pgb_err_prefix(err, "user %s (%s)", c->pg_users[i].name,
					      c->pg_users[i].where);
	return 0;
}

/* --- databases --- */

static int create_db(struct pgo *o, const struct inst_pg_database *db, struct pgb_err *err)
{
	struct strlist vars = STRLIST_INIT;
	struct sbuf sql = SBUF_INIT;
	int rc;

	var(&vars, "v_name", db->name);
	var(&vars, "v_owner", db->owner);
	var(&vars, "v_encoding", db->encoding);
	var(&vars, "v_locale", db->locale);
	/* template0: template1 may carry another encoding or objects of its own. */
	sbuf_adds(&sql, "CREATE DATABASE :\"v_name\" OWNER :\"v_owner\" TEMPLATE template0 "
		  "ENCODING :'v_encoding' LOCALE :'v_locale';\n");
	if (db->comment) {
		var(&vars, "v_comment", db->comment);
		sbuf_adds(&sql, "COMMENT ON DATABASE :\"v_name\" IS :'v_comment';\n");
	}
	inst_pg_change(o->ctx, "create database %s (owner %s)", db->name, db->owner);
	rc = apply(o, "postgres", &vars, sql.buf, err);
	sbuf_free(&sql);
	strlist_free(&vars);
	return rc;
}

static int alter_db(struct pgo *o, const struct inst_pg_database *db, json_t *have,
		    struct pgb_err *err)
{
	const char *owner = json_string_value(json_object_get(have, "owner"));
	const char *comment = json_string_value(json_object_get(have, "comment"));
	struct strlist vars = STRLIST_INIT;
	struct sbuf sql = SBUF_INIT;
	int rc = 0;

	var(&vars, "v_name", db->name);
	if (!owner || strcmp(owner, db->owner)) {
		inst_pg_change(o->ctx, "alter database %s: owner %s", db->name, db->owner);
		var(&vars, "v_owner", db->owner);
		sbuf_adds(&sql, "ALTER DATABASE :\"v_name\" OWNER TO :\"v_owner\";\n");
	}
	if (db->comment && (!comment || strcmp(comment, db->comment))) {
		inst_pg_change(o->ctx, "comment on database %s", db->name);
		var(&vars, "v_comment", db->comment);
		sbuf_adds(&sql, "COMMENT ON DATABASE :\"v_name\" IS :'v_comment';\n");
	}
	if (sql.len)
		rc = apply(o, "postgres", &vars, sql.buf, err);
	sbuf_free(&sql);
	strlist_free(&vars);
	return rc;
}

static int ensure_schemas(struct pgo *o, const struct inst_pg_database *db, json_t *in,
			  struct pgb_err *err)
{
	json_t *have = json_object_get(in, "schemas");

	for (size_t i = 0; i < db->schemas.n; i++) {
		struct strlist vars = STRLIST_INIT;
		int rc;

		if (json_object_get(have, db->schemas.v[i]))
			continue;
		inst_pg_change(o->ctx, "create schema %s in database %s (owner %s)",
			       db->schemas.v[i], db->name, db->owner);
		var(&vars, "v_schema", db->schemas.v[i]);
		var(&vars, "v_owner", db->owner);
		rc = apply(o, db->name, &vars, "CREATE SCHEMA IF NOT EXISTS :\"v_schema\" "
			   "AUTHORIZATION :\"v_owner\";\n", err);
		strlist_free(&vars);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int available(json_t *in, const char *ext)
{
	json_t *list = json_object_get(in, "available"), *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), ext) == 0)
			return 1;
	return 0;
}

/*
 * The statement creating extension e in db appended to script, its values
 * as psql variables numbered k: 1 when added, 0 when left out (a system
 * database's default the bundle lacks), -1 when the config asks for one
 * PostgreSQL cannot find.
 */
static int add_ext(struct pgo *o, const struct inst_pg_database *db, const struct inst_pg_ext *e,
		   json_t *in, int k, struct strlist *vars, struct sbuf *script,
		   struct pgb_err *err)
{
	char ext[32], schema[32];

	if (json_object_get(in, "available") && !available(in, e->name) && db->system) {
		inst_log_info(o->ctx->log, "database %s: extension %s is not in the bundle: left "
			      "out (pg_default_extensions)", db->name, e->name);
		return 0;
	}
	if (json_object_get(in, "available") && !available(in, e->name))
		return pgb_fail(err, "%s: database %s: extension %s is not available to "
				"PostgreSQL %d here (no %s.control): its package is not "
				"installed; add it to the bundle's extensions or drop it from the "
				"config", db->where, db->name, e->name, o->l->major, e->name);
	inst_pg_change(o->ctx, "create extension %s in database %s", e->name, db->name);
	snprintf(ext, sizeof(ext), "v_ext_%d", k);
	snprintf(schema, sizeof(schema), "v_schema_%d", k);
	var(vars, ext, e->name);
	if (e->schema)
		var(vars, schema, e->schema);
	/* CASCADE: postgis_raster needs postgis, pg_stat_kcache pg_stat_statements;
	 * IF NOT EXISTS: one of the list a CASCADE before it created. */
	sbuf_addf(script, "CREATE EXTENSION IF NOT EXISTS :\"%s\"", ext);
	if (e->schema)
		sbuf_addf(script, " SCHEMA :\"%s\"", schema);
	sbuf_adds(script, " CASCADE;\n");
	return 1;
}

/*
 * Every missing extension of db in one psql session: a process and a
 * connection each cost as much as a CREATE EXTENSION on a busy host, and a
 * leader's first install creates some thirty (test 61's logs: about a second
 * each, one by one).  psql stops at the first error and names its line.
 */
static int ensure_extensions(struct pgo *o, const struct inst_pg_database *db, json_t *in,
			     struct pgb_err *err)
{
	struct strlist vars = STRLIST_INIT;
	struct sbuf script = SBUF_INIT;
	int rc = 0, n = 0;

	for (size_t i = 0; rc >= 0 && i < db->n_extensions; i++) {
		const struct inst_pg_ext *e = &db->extensions[i];

		if (json_object_get(json_object_get(in, "extensions"), e->name))
			continue;
		rc = add_ext(o, db, e, in, n + 1, &vars, &script, err);
		if (rc > 0)
			n++;
	}
	if (rc >= 0 && n)
		rc = apply(o, db->name, &vars, script.buf, err);
	strlist_free(&vars);
	sbuf_free(&script);
	return rc < 0 ? -1 : 0;
}

static int database(struct pgo *o, const struct inst_pg_database *db, struct pgb_err *err)
{
	json_t *have = json_object_get(o->dbs, db->name), *in;
	int created = !have, rc;

	if (!have)
		rc = create_db(o, db, err);
	else
		rc = alter_db(o, db, have, err);
	if (rc == 0)
		rc = inst_acl_database(o->acl, db, created, err);
	if (rc < 0)
		return -1;
	/* A dry run cannot look inside a database it has not created: it is
	 * empty, and what can be installed is the same in every database. */
	in = query(o, created && o->ctx->dry_run ? "postgres" : db->name, q_in_db, err);
	if (!in)
		return -1;
	if (created && o->ctx->dry_run) {
		json_object_set_new(in, "extensions", json_object());
		json_object_set_new(in, "schemas", json_object());
	}
	rc = ensure_schemas(o, db, in, err);
	for (size_t i = 0; rc == 0 && i < db->left_out.n; i++)
		inst_log_info(o->ctx->log, "database %s: \"all\" leaves out %s", db->name,
			      db->left_out.v[i]);
	if (rc == 0)
		rc = ensure_extensions(o, db, in, err);
	json_decref(in);
	return rc;
}

int inst_pg_objects(struct inst_ctx *ctx, const struct inst_config *cfg,
		    const struct inst_pg_layout *l, int running, struct pgb_err *err)
{
	struct pgo o = { ctx, cfg, l, running, { 0 }, NULL, NULL, NULL };
	struct inst_pg_database sys[2];
	int rc = -1;

	inst_acl_system_dbs(cfg, sys);
	if (inst_secrets_open(&o.sec, ctx, cfg, err) < 0)
		goto out;
	o.roles = query(&o, "postgres", q_roles, err);
	o.dbs = o.roles ? query(&o, "postgres", q_databases, err) : NULL;
	if (!o.dbs || roles(&o, err) < 0 || inst_acl_open(&o.acl, ctx, cfg, l, running, err) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++)
		if (database(&o, &sys[i], err) < 0)
			goto out;
	for (size_t i = 0; i < cfg->n_pg_databases; i++)
		if (database(&o, &cfg->pg_databases[i], err) < 0)
			goto out;
	rc = 0;
out:
	inst_acl_close(o.acl);
	json_decref(o.roles);
	json_decref(o.dbs);
	inst_secrets_free(&o.sec);
	inst_acl_system_dbs_free(sys);
	return rc;
}
