/*
 * fuzz_config.c - the installer's config (installer/config.c over
 * repo/yamldoc.c, a flat file or Pigsty's inventory through inventory.c,
 * this host found at 127.0.0.1), loaded against a fixed bundle carrying
 * every module and extension_info as
 * `pgbundle-installer install` does, then turned into what the installer
 * writes: postgresql.conf settings (pgext.c, pgconf.c), pg_hba.conf,
 * pgbouncer.ini and PgBouncer's userlist.
 * fuzz-options: -max_len=8192
 *
 * Structure-aware: yamlmut.c with the config vocabulary.
 *
 * Properties: a failure leaves the config empty and names the file; a
 * config that loads renders files whose every line is what its reader
 * expects, so nothing the config says can add a line, a setting or an HBA
 * rule of its own or make the file unreadable:
 *   postgresql.conf  "# ..." or  name = '...'  with a quoted string as
 *                    PostgreSQL's lexer reads it ('' and \x escapes), ending
 *                    the line;
 *   pg_hba.conf      "# ..." or 4 (local) / 5 (host) fields without
 *                    control characters;
 *   pgbouncer.ini    "# ...", "[section]", "key = value" or empty;
 *   userlist.txt     two double-quoted fields ("" inside) per line.
 */
#include <string.h>

#include "fuzz.h"
#include "inst.h"
#include "yamlmut.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct inst_bundle bundle;
static const char path[] = "/www/pgbundle/pgsql-d12/config/singleton.yml";

static const char *const words[] = {
	"pg_cluster", "pg_version", "pg_port", "pg_listen", "pg_users", "pg_databases",
	"pg_hba_rules", "pg_parameters", "pg_extensions", "pg_libs", "pg_libs_auto",
	"pgbouncer_enabled", "pgbouncer_port", "pgbouncer_listen", "pgbouncer_poolmode",
	"modules", "name", "password", "comment", "roles", "login", "superuser", "createdb",
	"createrole", "replication", "bypassrls", "pgbouncer", "owner", "encoding", "locale",
	"extensions", "schemas", "schema", "user", "db", "addr", "auth", "type", "title",
	"pg-meta", "auto", "15", "17", "16", "5432", "6432", "0", "65536", "127.0.0.1", "*",
	"localhost", "::1", "meta", "dbuser_meta", "dbrole_admin", "dbrole_readonly",
	"pg_monitor", "postgres", "all", "pg_cron", "postgis", "postgis-3", "timescaledb",
	"vector", "pg_sphere", "mobilitydb", "btree_gist", "pg_stat_kcache",
	"pg_stat_statements", "cron.database_name", "shared_preload_libraries", "work_mem",
	"max_connections", "password_encryption", "port", "64MB", "x\\", "x'y", "x\\'y",
	"'", "\\", "scram-sha-256", "trust", "peer", "reject", "md5", "local", "host",
	"hostssl", "127.0.0.1/32", "::1/128", "world", "transaction", "session", "statement",
	"pgsql", "patroni", "etcd", "app", "C.UTF-8", "UTF8", "postgresql-{pg}-cron",
	/* Pigsty's inventory (inventory.c) and the HA and ops keys (cfgkeys.c) */
	"children", "hosts", "vars", "pg_seq", "pg_role", "primary", "replica", "offline",
	"pg_offline_query", "etcd_seq", "etcd_cluster", "etcd_port", "2379", "pg_vip_enabled",
	"pg_vip_address", "10.10.10.2/24", "pg_conf", "oltp", "pg_rto", "norm", "node_tune",
	"patroni_enabled", "haproxy_enabled", "pgbackrest_enabled", "pg_services",
	"pg_default_services", "redis_cluster", "redis_node", "redis_instances", "redis_mode",
	"127.0.0.2", "10.10.10.11", "true", "false", NULL
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t len;
	char *json = fuzz_read_src("corpus/bundle_meta/d12-all-modules.json", &len);
	struct pgb_err err;

	if (inst_bundle_parse(&bundle, json, len, "bundle.json", &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	free(json);
	return 0;
}

static void render(struct inst_config *c)
{
	struct inst_pg_layout l;
	struct inst_pgconf pc = { 0 };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err;

	inst_pgext_preload(c, &bundle);
	FUZZ_ASSERT(inst_pg_layout_init(&l, "deb", c->pg_major, c->pg_port, &err) == 0);
	inst_pg_settings(c, 4ull << 30, &pc);
	inst_pgconf_render_pg(&pc, "written by the fuzz harness", &out);
	fuzz_check_pgconf(&out);
	sbuf_reset(&out);
	inst_pg_hba_render(c, &out);
	fuzz_check_hba(&out);
	sbuf_reset(&out);
	inst_pgbouncer_ini(c, &l, &out);
	fuzz_check_ini(&out);
	sbuf_reset(&out);
	for (size_t i = 0; i < c->n_pg_users; i++)
		inst_pgbouncer_userlist_add(&out, c->pg_users[i].name,
					    c->pg_users[i].password ? c->pg_users[i].password
								    : "SCRAM-SHA-256$4096:x");
	fuzz_check_userlist(&out);
	sbuf_free(&out);
	inst_pgconf_free(&pc);
	inst_pg_layout_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct inst_config zero;
	struct inst_config c;
	struct pgb_err err;

	if (inst_config_load_mem(&c, path, (const char *)data, size, &bundle, &err) < 0) {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(!memcmp(&c, &zero, sizeof(c)));
		FUZZ_ASSERT(!strncmp(err.msg, path, sizeof(path) - 1));
		inst_config_free(&c);
		return 0;
	}
	fuzz_debug("loaded: %s, %zu hosts", c.inventory ? "inventory" : "flat", c.n_hosts);
	if (inst_pgext_expand(&c, &bundle, &err) == 0)
		render(&c);
	else
		FUZZ_ASSERT(err.msg[0]);
	inst_config_free(&c);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = yamlmut_mutate(data, size, max, seed, words);

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
