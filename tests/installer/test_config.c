/*
 * test_config.c - the installer's config (installer/config.c) and what is
 * rendered from it (installer/pgconf.c): settings, HBA, PgBouncer.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "inst.h"
#include "unit.h"

#define GB (1024ull * 1024ull * 1024ull)

static int pg15[] = { 15 };

/* A bundle like d12's: PostgreSQL 15, the pgsql, pgbouncer and HA modules. */
static void fake_bundle(struct inst_bundle *b)
{
	memset(b, 0, sizeof(*b));
	b->name = "pgsql-d12";
	b->family = "deb";
	b->postgres = pg15;
	b->npostgres = 1;
	strlist_add(&b->modules, "pgsql");
	strlist_add(&b->modules, "pgbouncer");
	strlist_add(&b->modules, "patroni");
	strlist_add(&b->modules, "etcd");
	strlist_add(&b->modules, "haproxy");
	strlist_add(&b->requested, "postgresql-15");
	strlist_add(&b->requested, "postgresql-15-cron");
}

static void split(struct strlist *out, const char *s)
{
	const char *c;

	for (; (c = strchr(s, ',')) != NULL; s = c + 1)
		strlist_add_owned(out, xstrndup(s, (size_t)(c - s)));
	strlist_add(out, s);
}

/* One extension_info entry; lists are "a,b" strings, NULL for none. */
static void fake_ext(struct inst_bundle *b, const char *name, const char *catalog,
		     const char *preload, const char *after, const char *settings,
		     const char *conflicts, const char *exception)
{
	struct inst_ext_info *e;

	b->ext = xrealloc(b->ext, (b->n_ext + 1) * sizeof(*b->ext));
	e = &b->ext[b->n_ext++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->catalog = catalog ? xstrdup(catalog) : NULL;
	e->preload = preload ? xstrdup(preload) : NULL;
	e->exception = exception ? xstrdup(exception) : NULL;
	if (after)
		split(&e->preload_after, after);
	if (settings)
		split(&e->settings, settings);
	if (conflicts)
		split(&e->conflicts, conflicts);
}

/* The last entry's library starts machinery on its own (the catalog's "background"). */
static void fake_background(struct inst_bundle *b, const char *what)
{
	b->ext[b->n_ext - 1].background = xstrdup(what);
}

/* A d12-all like bundle: what the catalog says of a few extensions, in
 * name order as the builder writes them. */
static void fake_bundle_ext(struct inst_bundle *b)
{
	fake_bundle(b);
	fake_ext(b, "debversion", NULL, NULL, NULL, NULL, NULL, "operator error");
	fake_ext(b, "hypopg", NULL, NULL, NULL, NULL, NULL, NULL);
	fake_ext(b, "mimeo", NULL, NULL, NULL, NULL, NULL, NULL);
	fake_ext(b, "pg_cron", NULL, "pg_cron", NULL, "cron.database_name=postgres", NULL,
		 "only in cron.database_name");
	fake_background(b, "a launcher");
	fake_ext(b, "pg_partman", NULL, NULL, NULL, NULL, "mimeo", NULL);
	fake_ext(b, "pg_stat_kcache", NULL, "pg_stat_kcache", "pg_stat_statements", NULL,
		 NULL, NULL);
	fake_ext(b, "pg_stat_statements", NULL, "pg_stat_statements", NULL, NULL, NULL, NULL);
	fake_ext(b, "pgautofailover", NULL, "pgautofailover", NULL, NULL, NULL, NULL);
	fake_background(b, "an HA monitor");
	fake_ext(b, "pglogical", NULL, "pglogical", NULL, "wal_level=logical", NULL, NULL);
	fake_background(b, "a supervisor");
	fake_ext(b, "pglogical_ticker", NULL, NULL, NULL, NULL, NULL, NULL);
	strlist_add(&b->ext[b->n_ext - 1].requires, "pglogical");
	fake_ext(b, "postgis", NULL, NULL, NULL, NULL, NULL, NULL);
	fake_ext(b, "postgis-3", "postgis", NULL, NULL, NULL, NULL, NULL);
}

static void bundle_free(struct inst_bundle *b)
{
	strlist_free(&b->modules);
	strlist_free(&b->requested);
	for (size_t i = 0; i < b->n_ext; i++) {
		free(b->ext[i].name);
		free(b->ext[i].catalog);
		free(b->ext[i].preload);
		free(b->ext[i].exception);
		free(b->ext[i].background);
		strlist_free(&b->ext[i].requires);
		free(b->ext[i].exception_pg);
		strlist_free(&b->ext[i].preload_after);
		strlist_free(&b->ext[i].settings);
		strlist_free(&b->ext[i].conflicts);
	}
	free(b->ext);
}

/* Load text; returns the load status, err holds the message. */
static int load(struct inst_config *c, const char *text, int with_bundle, struct pgb_err *err)
{
	struct inst_bundle b;
	int rc;

	fake_bundle(&b);
	rc = inst_config_load_mem(c, "cfg.yml", text, strlen(text), with_bundle ? &b : NULL, err);
	bundle_free(&b);
	return rc;
}

/* The text fails to load with a message containing want. */
static int fails_with(const char *text, const char *want)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load(&c, text, 1, &err);

	inst_config_free(&c);
	CHECKF(rc == -1, "loaded: %s", text);
	CHECKF(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	return 0;
}

static int test_config_singleton_loads_with_the_bundle_resolving_auto(void)
{
	struct inst_bundle b;
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const struct inst_pg_database *db;
	int rc;

	fake_bundle(&b);
	rc = inst_config_load(&c, "manifests/config/singleton.yml", &b, &err);
	bundle_free(&b);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(c.pg_major == 15);
	CHECK(strcmp(c.pg_cluster, "pg-meta") == 0 && c.pg_port == 5432);
	/* pg_default_roles first: the four groups, replicator, dbuser_dba, dbuser_monitor */
	CHECK(c.n_pg_default_roles == 7 && c.n_pg_users == 8);
	CHECK(strcmp(c.pg_users[7].name, "dbuser_meta") == 0);
	CHECK(c.pg_users[7].login && c.pg_users[7].pgbouncer && !c.pg_users[7].password);
	CHECK(c.n_pg_databases == 1);
	db = &c.pg_databases[0];
	CHECK(strcmp(db->name, "meta") == 0 && strcmp(db->owner, "dbuser_meta") == 0);
	CHECK(db->n_extensions == 6 && strcmp(db->extensions[5].name, "pg_stat_kcache") == 0);
	CHECK(c.n_pg_hba_rules == 2 && strcmp(c.pg_hba_rules[1].addr, "::1/128") == 0);
	CHECK(c.n_pg_default_privileges == 17 && c.n_pg_default_hba_rules > 10);
	CHECK(c.pgbouncer_enabled && c.pgbouncer_port == 6432);
	CHECK(strcmp(c.pgbouncer_poolmode, "transaction") == 0);
	CHECK(inst_config_has_module(&c, "pgsql") && inst_config_has_module(&c, "pgbouncer"));
	CHECK(c.patroni_enabled && c.haproxy_enabled && c.n_etcd_members == 1);
	inst_config_free(&c);
	return 0;
}

static int test_config_defaults_fill_an_empty_config(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load(&c, "pg_cluster: pg-test\n", 0, &err) == 0, "%s", err.msg);
	CHECK(c.pg_major == 0 && strcmp(c.pg_version, "auto") == 0);
	CHECK(strcmp(c.pg_listen, "localhost") == 0 && c.pg_port == 5432);
	CHECK(c.pgbouncer_enabled && strcmp(c.pgbouncer_listen, "127.0.0.1") == 0);
	CHECK(c.n_pg_users == c.n_pg_default_roles && c.n_pg_databases == 0 &&
	      c.n_pg_hba_rules == 0);
	inst_config_free(&c);
	return 0;
}

static int test_config_rejects_unknown_key_naming_line_and_column(void)
{
	return fails_with("pg_port: 5432\npg_usres: []\n",
			  "cfg.yml:2:1: unknown key 'pg_usres'");
}

/* Found by tests/fuzz/fuzz_config.c, whose input this is: an anchored empty
 * key (null) was looked up among Pigsty's keys by a word search that never
 * ended on an empty name; it is refused where it stands. */
static int test_config_refuses_an_empty_or_null_key_where_it_stands(void)
{
	static const char input[] = "&id : singleton\n";
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load(&c, input, 1, &err);

	inst_config_free(&c);
	CHECK(rc == -1);
	CHECKF(!strcmp(err.msg, "cfg.yml:1:1: a key is empty; write the key's name before the "
		       "':'"), "%s", err.msg);
	CHECK(!inst_cfg_pigsty_only(""));
	CHECK(inst_cfg_pigsty_only("node_timezone"));
	return fails_with("pg_port: 5432\n&a : x\n", "cfg.yml:2:1: a key is empty") ||
	       fails_with("pg_parameters:\n  '': x\n", "cfg.yml:2:3: a key is empty") ||
	       fails_with("pg_users:\n  - ~: a\n", "cfg.yml:2:5: key '~' is YAML's null");
}

static int test_config_rejects_unknown_user_key_at_its_position(void)
{
	return fails_with("pg_users:\n  - name: a\n    superuzer: true\n",
			  "cfg.yml:3:5: unknown key 'superuzer'");
}

static int test_config_rejects_wrong_types_naming_line_and_column(void)
{
	return fails_with("pg_port: five\n", "cfg.yml:1:10:") ||
	       fails_with("pg_users: {name: a}\n", "cfg.yml:1:11:") ||
	       fails_with("pg_users:\n  - name: a\n    createdb: maybe\n", "cfg.yml:3:15:") ||
	       fails_with("pg_port: 70000\n", "TCP port");
}

/* Found by tests/fuzz/fuzz_config.c: an extension item that is a list
 * failed with the position in the middle of the message, after a prefix,
 * and called the item 'extensions'. */
static int test_config_rejects_an_extension_item_of_another_kind_at_its_position(void)
{
	static const char text[] = "pg_databases:\n  - name: meta\n    extensions: [postgis, []]\n";
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load(&c, text, 1, &err);

	inst_config_free(&c);
	CHECK(rc == -1);
	CHECKF(!strcmp(err.msg, "cfg.yml:3:27: database 'meta': each extension is a name or "
		       "{name, schema}, got a list"), "%s", err.msg);
	return 0;
}

static int test_config_rejects_a_database_owner_that_is_no_user(void)
{
	return fails_with("pg_databases:\n  - { name: app, owner: nobody }\n",
			  "cfg.yml:2:25: database 'app': owner 'nobody' is not a user");
}

static int test_config_rejects_reserved_and_duplicate_names(void)
{
	return fails_with("pg_users: [{name: postgres}]\n", "cluster's superuser") ||
	       fails_with("pg_users: [{name: pg_x}]\n", "reserved") ||
	       fails_with("pg_users: [{name: dbrole_admin}]\n", "one of pg_default_roles") ||
	       fails_with("pg_users: [{name: a}, {name: a}]\n", "defined twice") ||
	       fails_with("pg_users: [{name: 'a;b'}]\n", "must be a role name") ||
	       fails_with("pg_databases: [{name: template1}]\n", "created by initdb") ||
	       fails_with("pg_databases: [{name: x}, {name: x}]\n", "defined twice");
}

static int test_config_rejects_an_unknown_granted_role(void)
{
	return fails_with("pg_users: [{name: a, roles: [dbrole_admin, boss]}]\n",
			  "unknown role 'boss'");
}

static int test_config_accepts_grants_of_other_users_in_any_order(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load(&c, "pg_users: [{name: a, roles: [b, pg_monitor]}, {name: b}]\n", 1,
		    &err) == 0, "%s", err.msg);
	inst_config_free(&c);
	return 0;
}

static int test_config_refuses_auth_that_lets_anyone_in(void)
{
	return fails_with("pg_hba_rules: [{user: all, db: all, addr: world, auth: trust}]\n",
			  "cfg.yml:1:56: 'auth: trust': trust and password (cleartext) let in "
			  "whoever reaches the address") ||
	       fails_with("pg_hba_rules:\n  - {user: a, db: a, addr: intra, auth: scram}\n"
			  "  - {rules: ['host all all 10.0.0.0/8 password']}\n",
			  "cfg.yml:3:14: 'host all all 10.0.0.0/8 password': trust and password") ||
	       fails_with("pgb_hba_rules: [{user: all, db: all, addr: world, auth: trust}]\n",
			  "cfg.yml:1:57: 'auth: trust'") ||
	       fails_with("pg_hba_rules: [{user: a, db: a, addr: 10.0.0.0/8, auth: peer}]\n",
			  "local socket only") ||
	       fails_with("pg_hba_rules: [{user: a, db: a, addr: 10.0.0.0/33, auth: scram}]\n",
			  "'addr' must be a CIDR") ||
	       fails_with("pg_hba_rules: [{user: a, db: a, type: host, auth: scram}]\n",
			  "needs 'addr'");
}

static int test_config_expands_hba_address_names(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load(&c, "pg_hba_rules:\n"
		    "  - { user: a, db: a, addr: localhost, auth: pwd }\n"
		    "  - { user: +dbrole_readonly, db: all, addr: world, auth: deny }\n"
		    "  - { user: a, db: a, addr: 10.1.2.3, auth: scram-sha-256 }\n"
		    "  - { user: a, db: a, auth: scram }\n", 1, &err) == 0, "%s", err.msg);
	/* localhost is Pigsty's: the socket too */
	CHECK(c.n_pg_hba_rules == 7);
	CHECK(strcmp(c.pg_hba_rules[0].type, "local") == 0 && !c.pg_hba_rules[0].addr);
	CHECK(strcmp(c.pg_hba_rules[1].addr, "127.0.0.1/32") == 0);
	CHECK(strcmp(c.pg_hba_rules[2].addr, "::1/128") == 0);
	CHECK(strcmp(c.pg_hba_rules[1].auth, "scram-sha-256") == 0);
	CHECK(strcmp(c.pg_hba_rules[3].addr, "0.0.0.0/0") == 0);
	CHECK(strcmp(c.pg_hba_rules[4].addr, "::/0") == 0);
	CHECK(strcmp(c.pg_hba_rules[4].auth, "reject") == 0);
	CHECK(strcmp(c.pg_hba_rules[5].addr, "10.1.2.3/32") == 0);
	CHECK(strcmp(c.pg_hba_rules[6].type, "local") == 0 && !c.pg_hba_rules[6].addr);
	inst_config_free(&c);
	return 0;
}

static int test_config_refuses_parameters_it_manages(void)
{
	return fails_with("pg_parameters: {shared_preload_libraries: x}\n",
			  "cfg.yml:1:17: 'shared_preload_libraries' cannot be set in "
			  "pg_parameters: list the libraries in pg_libs") ||
	       fails_with("pg_parameters: {port: 5433}\n", "set pg_port") ||
	       fails_with("pg_parameters: {password_encryption: md5}\n", "scram-sha-256") ||
	       fails_with("pg_parameters: {work_mem: [1]}\n", "single value") ||
	       fails_with("pg_parameters: {'bad name': 1}\n", "not a parameter name");
}

static int test_config_puts_pg_cron_in_its_database(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int found = 0;

	CHECKF(load(&c, "pg_databases: [{name: app, extensions: [pg_cron]}]\n", 1, &err) == 0,
	       "%s", err.msg);
	for (size_t i = 0; i < c.n_pg_parameters; i++)
		found |= strcmp(c.pg_parameters[i].key, "cron.database_name") == 0 &&
			 strcmp(c.pg_parameters[i].value, "app") == 0;
	inst_config_free(&c);
	CHECK(found);
	return fails_with("pg_parameters: {cron.database_name: other}\n"
			  "pg_databases: [{name: app, extensions: [pg_cron]}]\n",
			  "cron.database_name is other") ||
	       fails_with("pg_databases: [{name: a, extensions: [pg_cron]}, "
			  "{name: b, extensions: [pg_cron]}]\n", "more than one");
}

/* A bundle of PostgreSQL 15 (Debian's) and 16 (PGDG's): the config picks one. */
static int test_config_pg_version_picks_a_bundled_major_and_refuses_another(void)
{
	static int pg1516[] = { 15, 16 };
	static const char *const texts[] = { "pg_version: 16\n", "pg_version: auto\n",
					     "pg_version: 14\n" };
	struct inst_config c;
	struct inst_bundle b;
	struct pgb_err err = { { 0 } };
	int rc[3];

	for (size_t i = 0; i < 3; i++) {
		fake_bundle(&b);
		b.postgres = pg1516;
		b.npostgres = 2;
		rc[i] = inst_config_load_mem(&c, "cfg.yml", texts[i], strlen(texts[i]), &b, &err);
		if (i == 0)
			CHECKF(rc[0] == 0 && c.pg_major == 16, "%s", err.msg);
		if (i == 1)
			CHECKF(rc[1] == 0 && c.pg_major == 15, "auto is the first major: %d", c.pg_major);
		inst_config_free(&c);
		bundle_free(&b);
	}
	CHECK(rc[2] == -1);
	CHECKF(!strcmp(err.msg, "cfg.yml:1:13: PostgreSQL 14 is not in bundle pgsql-d12 (it has "
			       "15, 16): set 'pg_version' to one of its majors or to auto (the "
			       "first, 15)"), "%s", err.msg);
	return 0;
}

static int test_config_checks_version_modules_and_packages_against_the_bundle(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load(&c, "pg_extensions: [\"postgresql-{pg}-cron\"]\n", 1, &err) == 0, "%s",
	       err.msg);
	CHECK(c.pg_extensions.n == 1 && strcmp(c.pg_extensions.v[0], "postgresql-15-cron") == 0);
	inst_config_free(&c);
	return fails_with("pg_version: 16\n", "cfg.yml:1:13: PostgreSQL 16 is not in bundle "
			  "pgsql-d12") ||
	       fails_with("pg_version: 99\n", "PostgreSQL major") ||
	       fails_with("modules: [pgsql, redis]\n", "module 'redis' is not in bundle") ||
	       fails_with("pg_extensions:\n  - postgresql-{pg}-repack\n",
			  "package postgresql-15-repack is not in bundle") ||
	       fails_with("modules: [pgsql]\npgbouncer_enabled: true\n", "lacks pgbouncer") ||
	       fails_with("pgbouncer_port: 5432\n", "must differ") ||
	       fails_with("pgbouncer_poolmode: sometimes\n", "session, transaction or statement");
}

static int test_config_takes_extensions_as_names_or_name_and_schema(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const struct inst_pg_database *db;

	CHECKF(load(&c, "pg_databases:\n  - name: app\n    extensions: [postgis, "
		    "{name: hypopg, schema: ext}]\n    schemas: [ext]\n", 1, &err) == 0, "%s",
	       err.msg);
	db = &c.pg_databases[0];
	CHECK(db->n_extensions == 2 && !db->extensions[0].schema);
	CHECK(strcmp(db->extensions[1].name, "hypopg") == 0);
	CHECK(strcmp(db->extensions[1].schema, "ext") == 0);
	CHECK(strcmp(db->owner, "postgres") == 0 && strcmp(db->encoding, "UTF8") == 0);
	inst_config_free(&c);
	return fails_with("pg_databases: [{name: a, extensions: [x, x]}]\n", "twice") ||
	       fails_with("pg_databases: [{name: a, extensions: [{name: x, version: 1}]}]\n",
			  "unknown key 'version'");
}

/* --- rendering --- */

static int load_singleton(struct inst_config *c)
{
	struct inst_bundle b;
	struct pgb_err err = { { 0 } };
	int rc;

	fake_bundle(&b);
	rc = inst_config_load(c, "manifests/config/singleton.yml", &b, &err);
	bundle_free(&b);
	if (rc < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return rc;
}

static int load_ext(struct inst_config *c, const char *text, struct pgb_err *err)
{
	struct inst_bundle b;
	int rc;

	fake_bundle_ext(&b);
	rc = inst_config_load_mem(c, "cfg.yml", text, strlen(text), &b, err);
	bundle_free(&b);
	return rc;
}

static const char *param(const struct inst_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_pg_parameters; i++)
		if (strcmp(c->pg_parameters[i].key, key) == 0)
			return c->pg_parameters[i].value;
	return NULL;
}

/* libs joined with ",", for comparing in one CHECK. */
static char *joined(const struct strlist *l)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		sbuf_addf(&b, "%s%s", i ? "," : "", l->v[i]);
	return b.buf ? sbuf_detach(&b, NULL) : xstrdup("");
}

static int test_preload_takes_created_extensions_libraries_after_what_they_need(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *got;

	CHECKF(load_ext(&c, "pg_libs: [pg_cron, auto_explain]\npg_libs_auto: false\n"
			"pg_databases: [{name: a, extensions: [pg_stat_kcache, hypopg]}]\n",
			&err) == 0, "%s", err.msg);
	got = joined(&c.pg_preload);
	CHECKF(strcmp(got, "pg_cron,auto_explain,pg_stat_statements,pg_stat_kcache") == 0,
	       "got %s", got);
	/* pg_cron's own library is in pg_libs, but nothing creates it here. */
	CHECK(!param(&c, "cron.database_name") && !param(&c, "wal_level"));
	free(got);
	inst_config_free(&c);
	return 0;
}

static int test_preload_auto_adds_every_bundled_extensions_library_and_settings(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *got;

	/* pg_stat_kcache asked first in pg_libs still loads after pg_stat_statements. */
	CHECKF(load_ext(&c, "pg_libs: [pg_stat_kcache]\npg_parameters: {wal_level: replica}\n",
			&err) == 0, "%s", err.msg);
	got = joined(&c.pg_preload);
	CHECKF(strcmp(got, "pg_stat_statements,pg_stat_kcache") == 0, "got %s", got);
	/* The config's own value wins over the catalog's. */
	CHECK(param(&c, "wal_level") && !strcmp(param(&c, "wal_level"), "replica"));
	free(got);
	inst_config_free(&c);
	return 0;
}

/* Issue 11: a bundled extension whose library starts machinery on its own
 * (a preloaded pg_auto_failover monitor hangs DROP DATABASE) is not loaded
 * because the bundle holds it; its settings are not added either. */
static int test_preload_auto_leaves_out_libraries_that_start_machinery(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *got, *skipped;

	CHECKF(load_ext(&c, "pg_databases: [{name: a, extensions: [hypopg]}]\n", &err) == 0,
	       "%s", err.msg);
	got = joined(&c.pg_preload);
	skipped = joined(&c.pg_preload_skipped);
	CHECKF(strcmp(got, "pg_stat_statements,pg_stat_kcache") == 0, "got %s", got);
	CHECKF(strcmp(skipped, "pg_cron (a launcher),pgautofailover (an HA monitor),"
		      "pglogical (a supervisor)") == 0, "skipped %s", skipped);
	CHECK(!param(&c, "cron.database_name") && !param(&c, "wal_level"));
	free(got);
	free(skipped);
	inst_config_free(&c);
	return 0;
}

/* Named in pg_libs or listed by name in a database, such a library loads. */
static int test_preload_takes_background_libraries_the_config_names(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *got, *skipped;

	CHECKF(load_ext(&c, "pg_libs: [pglogical]\n"
			"pg_databases: [{name: a, extensions: [pgautofailover]}]\n",
			&err) == 0, "%s", err.msg);
	got = joined(&c.pg_preload);
	skipped = joined(&c.pg_preload_skipped);
	CHECKF(strcmp(got, "pglogical,pgautofailover,pg_stat_statements,pg_stat_kcache") == 0,
	       "got %s", got);
	CHECKF(strcmp(skipped, "pg_cron (a launcher)") == 0, "skipped %s", skipped);
	CHECK(param(&c, "wal_level") && !strcmp(param(&c, "wal_level"), "logical"));
	free(got);
	free(skipped);
	inst_config_free(&c);
	return 0;
}

static int test_all_creates_every_bundled_extension_but_exceptions_and_conflicts(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const struct inst_pg_database *db;
	struct strlist names = STRLIST_INIT;
	char *got, *left;

	CHECKF(load_ext(&c, "pg_databases: [{name: a, extensions: [pg_partman, all]}]\n",
			&err) == 0, "%s", err.msg);
	db = &c.pg_databases[0];
	CHECK(db->all);
	for (size_t i = 0; i < db->n_extensions; i++)
		strlist_add(&names, db->extensions[i].name);
	got = joined(&names);
	left = joined(&db->left_out);
	/* postgis-3 is postgis under its catalog name: once. */
	CHECKF(strcmp(got, "pg_partman,hypopg,pg_stat_kcache,pg_stat_statements,postgis") == 0,
	       "got %s", got);
	CHECKF(strcmp(left, "debversion (operator error),mimeo (cannot share a database with "
			    "pg_partman),pg_cron (only in cron.database_name),pgautofailover (its "
			    "library pgautofailover starts an HA monitor; list pgautofailover by "
			    "name, or pgautofailover in pg_libs, to have it),pglogical (its library "
			    "pglogical starts a supervisor; list pglogical by name, or pglogical in "
			    "pg_libs, to have it),pglogical_ticker (it requires pglogical, whose "
			    "library pglogical starts a supervisor; list pglogical_ticker by name, "
			    "or pglogical in pg_libs, to have it)") == 0, "left out %s", left);
	free(got);
	free(left);
	strlist_free(&names);
	inst_config_free(&c);
	return 0;
}

/* An extension listed by name brings the library of what it requires. */
static int test_preload_follows_what_a_listed_extension_requires(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *got;

	CHECKF(load_ext(&c, "pg_libs_auto: false\n"
			"pg_databases: [{name: a, extensions: [pglogical_ticker]}]\n", &err) == 0,
	       "%s", err.msg);
	got = joined(&c.pg_preload);
	CHECKF(strcmp(got, "pglogical") == 0, "got %s", got);
	CHECK(param(&c, "wal_level") && !strcmp(param(&c, "wal_level"), "logical"));
	free(got);
	inst_config_free(&c);
	return 0;
}

/* "all" takes a background extension whose library pg_libs names. */
static int test_all_takes_a_background_extension_pg_libs_names(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const struct inst_pg_database *db;
	int has = 0;

	CHECKF(load_ext(&c, "pg_libs: [pglogical]\npg_databases: [{name: a, extensions: [all]}]\n",
			&err) == 0, "%s", err.msg);
	db = &c.pg_databases[0];
	for (size_t i = 0; i < db->n_extensions; i++)
		has += !strcmp(db->extensions[i].name, "pglogical") +
		       !strcmp(db->extensions[i].name, "pglogical_ticker");
	CHECK(has == 2 && db->left_out.n == 4);
	inst_config_free(&c);
	return 0;
}

/* debversion's exception holds on PostgreSQL 17 only: on 15, "all" takes it. */
static int test_all_takes_an_extension_whose_exception_is_for_another_major(void)
{
	struct inst_bundle b;
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const char *text = "pg_databases: [{name: a, extensions: [all]}]\n";
	int rc, has = 0;

	fake_bundle_ext(&b);
	b.ext[0].exception_pg = xcalloc(1, sizeof(int));
	b.ext[0].exception_pg[0] = 17;
	b.ext[0].n_exception_pg = 1;
	rc = inst_config_load_mem(&c, "cfg.yml", text, strlen(text), &b, &err);
	bundle_free(&b);
	CHECKF(rc == 0, "%s", err.msg);
	for (size_t i = 0; i < c.pg_databases[0].n_extensions; i++)
		has |= !strcmp(c.pg_databases[0].extensions[i].name, "debversion");
	CHECK(has && c.pg_databases[0].left_out.n == 5);
	inst_config_free(&c);
	return 0;
}

static int test_config_refuses_all_when_the_bundle_names_no_extensions(void)
{
	return fails_with("pg_databases:\n  - name: a\n    extensions: [all]\n",
			  "cfg.yml:2:5: database 'a' lists \"all\", but bundle pgsql-d12 names no "
			  "extensions");
}

static int test_config_refuses_two_extensions_that_cannot_share_a_database(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load_ext(&c, "pg_databases:\n  - name: a\n    extensions: [mimeo, pg_partman]\n",
			  &err);

	inst_config_free(&c);
	CHECK(rc == -1);
	CHECKF(strstr(err.msg, "cfg.yml:2:5: database 'a' lists mimeo and pg_partman, which "
		       "cannot share a database"), "%s", err.msg);
	return 0;
}

static int test_config_derives_cron_database_over_the_catalog_setting(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load_ext(&c, "pg_databases: [{name: jobs, extensions: [pg_cron]}]\n",
			&err) == 0, "%s", err.msg);
	CHECK(param(&c, "cron.database_name") && !strcmp(param(&c, "cron.database_name"), "jobs"));
	inst_config_free(&c);
	return 0;
}

static int test_memory_is_sized_to_the_host(void)
{
	struct inst_pg_memory m;

	inst_pg_memory_size(4 * GB, 100, &m);
	CHECK(m.shared_buffers == 1024 && m.effective_cache_size == 3072);
	CHECK(m.maintenance_work_mem == 204 && m.work_mem == 10);
	inst_pg_memory_size(256 * GB, 100, &m);
	CHECK(m.shared_buffers == 65536 && m.maintenance_work_mem == 2048 && m.work_mem == 256);
	inst_pg_memory_size(64ull * 1024 * 1024, 500, &m);
	CHECK(m.shared_buffers == 32 && m.maintenance_work_mem == 64 && m.work_mem == 4);
	CHECK(inst_pg_host_memory() > 0);
	return 0;
}

static int test_settings_hold_scram_listen_and_let_parameters_win(void)
{
	struct inst_config c;
	struct inst_pgconf p = { 0 };
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	int ok;

	CHECKF(load(&c, "pg_listen: 127.0.0.1\npg_port: 5433\n"
		    "pg_parameters: {work_mem: 1GB, max_connections: 50, "
		    "log_line_prefix: \"it's %m \"}\n", 1, &err) == 0, "%s", err.msg);
	inst_pg_settings(&c, 8 * GB, &p);
	inst_pgconf_render_pg(&p, "line one\nline two", &out);
	ok = strstr(out.buf, "# line one\n# line two\n") &&
	     strstr(out.buf, "\nlisten_addresses = '127.0.0.1'\n") &&
	     strstr(out.buf, "\nport = '5433'\n") &&
	     strstr(out.buf, "\npassword_encryption = 'scram-sha-256'\n") &&
	     strstr(out.buf, "\nshared_buffers = '2048MB'\n") &&
	     strstr(out.buf, "\nwork_mem = '1GB'\n") && !strstr(out.buf, "work_mem = '40MB'") &&
	     strstr(out.buf, "\nlog_line_prefix = 'it''s %m '\n") &&
	     strcmp(inst_pgconf_get(&p, "cluster_name"), "pg-meta") == 0;
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", out.buf);
	sbuf_free(&out);
	inst_pgconf_free(&p);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

static int test_hba_lets_in_postgres_by_peer_and_the_rules_only(void)
{
	struct inst_config c;
	struct sbuf out = SBUF_INIT;
	int ok;

	CHECK(load_singleton(&c) == 0);
	inst_pg_hba_render(&c, &out);
	ok = strstr(out.buf, "\nlocal   all             postgres                "
		    "                peer\n") &&
	     strstr(out.buf, "\nlocal   meta            dbuser_meta             "
		    "                scram-sha-256\n") &&
	     strstr(out.buf, "\nhost    meta            dbuser_meta     127.0.0.1/32 "
		    "           scram-sha-256\n") &&
	     /* Patroni's members: streaming and pg_rewind, from 127.0.0.1 only here */
	     strstr(out.buf, "\nhost    replication     replicator      127.0.0.1/32 "
		    "           scram-sha-256\n") &&
	     strstr(out.buf, "\nhost    postgres        dbuser_dba      127.0.0.1/32 "
		    "           scram-sha-256\n") &&
	     /* the role groups from the intranet, Pigsty's default */
	     strstr(out.buf, "\nhost    all             +dbrole_readonly 10.0.0.0/8 ") &&
	     !strstr(out.buf, " 0.0.0.0/0") && !strstr(out.buf, "trust") &&
	     !strstr(out.buf, "local   all             all");
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", out.buf);
	sbuf_free(&out);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

/* PgBouncer has no +group: its users in the group, through any chain of
 * roles (a cycle of grants does not loop); the unlisted get nothing. */
static int test_pgb_hba_expands_groups_to_pgbouncer_users(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	int ok;

	CHECKF(load(&c, "pg_users:\n"
		    "  - { name: a, roles: [b], pgbouncer: true }\n"
		    "  - { name: b, roles: [a, dbrole_readwrite], pgbouncer: true }\n"
		    "  - { name: c, roles: [dbrole_readonly], pgbouncer: false }\n"
		    "pgb_hba_rules:\n"
		    "  - { user: '+dbrole_readonly', db: all, addr: 10.9.0.0/16, auth: pwd, order: 500 }\n"
		    "  - { user: '+dbrole_offline', db: all, addr: 10.8.0.0/16, auth: pwd }\n",
		    1, &err) == 0, "%s", err.msg);
	inst_pgb_hba_render(&c, &out);
	/* dbuser_dba: dbrole_admin, so dbrole_readonly too */
	ok = strstr(out.buf, "\nhost    all             dbuser_dba,a,b  10.9.0.0/16 ") &&
	     strstr(out.buf, "no PgBouncer user is in +dbrole_offline") &&
	     /* pgbundle's defaults: the socket's dbsu by peer, nothing open to the world */
	     strstr(out.buf, "\nlocal   pgbouncer       postgres                                peer") &&
	     !strstr(out.buf, "0.0.0.0/0               scram") && !strstr(out.buf, "trust") &&
	     strstr(out.buf, "\nhost    all             dbuser_monitor  0.0.0.0/0               reject");
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", out.buf);
	sbuf_free(&out);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

static int test_pgbouncer_ini_serves_business_databases_with_scram(void)
{
	struct inst_config c;
	struct inst_pg_layout l;
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT, ul = SBUF_INIT;
	int ok;

	CHECK(load_singleton(&c) == 0);
	CHECKF(inst_pg_layout_init(&l, "deb", 15, 5432, &err) == 0, "%s", err.msg);
	CHECK(strcmp(l.unit, "postgresql@15-main") == 0);
	CHECK(strcmp(l.conf_file, "/etc/postgresql/15/main/conf.d/pgbundle.conf") == 0);
	inst_pgbouncer_ini(&c, &l, &out);
	inst_pgbouncer_userlist_add(&ul, "a\"b", "SCRAM-SHA-256$x");
	ok = strstr(out.buf, "\n[databases]\nmeta = host=/var/run/postgresql port=5432 "
		    "dbname=meta\n") &&
	     strstr(out.buf, "\nauth_type = hba\nauth_hba_file = /etc/pgbouncer/pgb_hba.conf\n") &&
	     strstr(out.buf, "\nstats_users = postgres, dbuser_monitor\n") &&
	     strstr(out.buf, "\nlisten_addr = 127.0.0.1\nlisten_port = 6432\n") &&
	     strstr(out.buf, "\npool_mode = transaction\n") &&
	     strcmp(ul.buf, "\"a\"\"b\" \"SCRAM-SHA-256$x\"\n") == 0;
	if (!ok)
		fprintf(stderr, "# rendered:\n%s%s", out.buf, ul.buf);
	sbuf_free(&out);
	sbuf_free(&ul);
	inst_pg_layout_free(&l);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

/* PGDG's pgbouncer.service runs as pgbouncer, which cannot write
 * /run/postgresql: on EL its files are that user's, its socket and pid file
 * in /run/pgbouncer; it still reaches PostgreSQL on /run/postgresql. */
static int test_pgbouncer_on_el_is_pgdg_pgbouncer_users(void)
{
	struct inst_config c;
	struct inst_pg_layout l;
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	int ok;

	CHECK(load_singleton(&c) == 0);
	CHECKF(inst_pg_layout_init(&l, "rpm", 16, 5432, &err) == 0, "%s", err.msg);
	CHECK(strcmp(l.pgb_user, "pgbouncer") == 0);
	inst_pgbouncer_ini(&c, &l, &out);
	ok = strstr(out.buf, "\nmeta = host=/run/postgresql port=5432 dbname=meta\n") &&
	     strstr(out.buf, "\nunix_socket_dir = /run/pgbouncer\n") &&
	     strstr(out.buf, "\npidfile = /run/pgbouncer/pgbouncer.pid\n") &&
	     strstr(out.buf, "\nlogfile = /var/log/pgbouncer/pgbouncer.log\n");
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", out.buf);
	sbuf_free(&out);
	inst_pg_layout_free(&l);
	CHECKF(inst_pg_layout_init(&l, "deb", 15, 5432, &err) == 0, "%s", err.msg);
	CHECK(strcmp(l.pgb_user, "postgres") == 0);
	CHECK(strcmp(l.pgb_pidfile, "/var/run/postgresql/pgbouncer.pid") == 0);
	inst_pg_layout_free(&l);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

/* Found by tests/fuzz/fuzz_config.c: a backslash in a value escaped the
 * closing quote in PostgreSQL's reading of the line ('x\' never ends), so
 * one parameter made postgresql.conf unreadable and the server not start. */
static int test_settings_escape_backslashes_as_postgresql_reads_them(void)
{
	struct inst_pgconf p = { 0 };
	struct sbuf out = SBUF_INIT;
	int ok;

	inst_pgconf_set(&p, "application_name", "x\\");
	inst_pgconf_set(&p, "log_line_prefix", "a\\'b");
	inst_pgconf_render_pg(&p, NULL, &out);
	ok = out.buf && !strcmp(out.buf, "application_name = 'x\\\\'\n"
				 "log_line_prefix = 'a\\\\''b'\n");
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", out.buf ? out.buf : "");
	sbuf_free(&out);
	inst_pgconf_free(&p);
	CHECK(ok);
	return 0;
}

static int test_layout_knows_el_and_refuses_unknown_families(void)
{
	struct inst_pg_layout l;
	struct pgb_err err = { { 0 } };

	CHECK(inst_pg_layout_init(&l, "rpm", 16, 5432, &err) == 0);
	CHECK(strcmp(l.data_dir, "/var/lib/pgsql/16/data") == 0);
	CHECK(strcmp(l.unit, "postgresql-16") == 0 && !l.debian);
	inst_pg_layout_free(&l);
	/* pitr's pg_ctl log: EL has no /var/log/postgresql (postgresql-common's). */
	CHECK(inst_pg_layout_init(&l, "rpm", 15, 5432, &err) == 0);
	CHECK(strcmp(l.log_dir, "/var/lib/pgsql/15") == 0);
	inst_pg_layout_free(&l);
	CHECK(inst_pg_layout_init(&l, "deb", 15, 5432, &err) == 0);
	CHECK(strcmp(l.log_dir, "/var/log/postgresql") == 0);
	inst_pg_layout_free(&l);
	CHECK(inst_pg_layout_init(&l, "apk", 16, 5432, &err) == -1);
	CHECK(strstr(err.msg, "unknown package family 'apk'"));
	CHECK(inst_pg_layout_init(&l, "deb", 0, 5432, &err) == -1);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_config_singleton_loads_with_the_bundle_resolving_auto);
	T_RUN(&s, test_config_defaults_fill_an_empty_config);
	T_RUN(&s, test_config_rejects_unknown_key_naming_line_and_column);
	T_RUN(&s, test_config_rejects_an_extension_item_of_another_kind_at_its_position);
	T_RUN_WITHIN(&s, test_config_refuses_an_empty_or_null_key_where_it_stands, 10);
	T_RUN(&s, test_config_rejects_unknown_user_key_at_its_position);
	T_RUN(&s, test_config_rejects_wrong_types_naming_line_and_column);
	T_RUN(&s, test_config_rejects_a_database_owner_that_is_no_user);
	T_RUN(&s, test_config_rejects_reserved_and_duplicate_names);
	T_RUN(&s, test_config_rejects_an_unknown_granted_role);
	T_RUN(&s, test_config_accepts_grants_of_other_users_in_any_order);
	T_RUN(&s, test_config_refuses_auth_that_lets_anyone_in);
	T_RUN(&s, test_config_expands_hba_address_names);
	T_RUN(&s, test_config_refuses_parameters_it_manages);
	T_RUN(&s, test_config_puts_pg_cron_in_its_database);
	T_RUN(&s, test_config_pg_version_picks_a_bundled_major_and_refuses_another);
	T_RUN(&s, test_config_checks_version_modules_and_packages_against_the_bundle);
	T_RUN(&s, test_config_takes_extensions_as_names_or_name_and_schema);
	T_RUN(&s, test_preload_takes_created_extensions_libraries_after_what_they_need);
	T_RUN(&s, test_preload_auto_adds_every_bundled_extensions_library_and_settings);
	T_RUN(&s, test_preload_auto_leaves_out_libraries_that_start_machinery);
	T_RUN(&s, test_preload_takes_background_libraries_the_config_names);
	T_RUN(&s, test_all_takes_a_background_extension_pg_libs_names);
	T_RUN(&s, test_preload_follows_what_a_listed_extension_requires);
	T_RUN(&s, test_all_creates_every_bundled_extension_but_exceptions_and_conflicts);
	T_RUN(&s, test_all_takes_an_extension_whose_exception_is_for_another_major);
	T_RUN(&s, test_config_refuses_two_extensions_that_cannot_share_a_database);
	T_RUN(&s, test_config_refuses_all_when_the_bundle_names_no_extensions);
	T_RUN(&s, test_config_derives_cron_database_over_the_catalog_setting);
	T_RUN(&s, test_memory_is_sized_to_the_host);
	T_RUN(&s, test_settings_hold_scram_listen_and_let_parameters_win);
	T_RUN(&s, test_hba_lets_in_postgres_by_peer_and_the_rules_only);
	T_RUN(&s, test_pgbouncer_ini_serves_business_databases_with_scram);
	T_RUN(&s, test_settings_escape_backslashes_as_postgresql_reads_them);
	T_RUN(&s, test_pgb_hba_expands_groups_to_pgbouncer_users);
	T_RUN(&s, test_layout_knows_el_and_refuses_unknown_families);
	T_RUN(&s, test_pgbouncer_on_el_is_pgdg_pgbouncer_users);
	return t_done(&s);
}
