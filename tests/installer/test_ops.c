/*
 * test_ops.c - the operations modules without a host: their config keys
 * (errors at their line), pgbackrest.conf (local and S3 repositories,
 * encryption), the backup units, the exporters' files, Prometheus' targets
 * and rules for an inventory, Redis' files and memory, the tiny template.
 */
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "unit.h"

static int pg15[] = { 15 };

static void bundle(struct inst_bundle *b)
{
	static const char *const mods[] = {
		"pgsql", "pgbouncer", "patroni", "etcd", "haproxy", "pgbackrest", "monitor", "infra",
		"redis", NULL
	};

	memset(b, 0, sizeof(*b));
	b->name = "pgsql-d12";
	b->family = "deb";
	b->postgres = pg15;
	b->npostgres = 1;
	for (size_t i = 0; mods[i]; i++)
		strlist_add(&b->modules, mods[i]);
}

static int load(struct inst_config *c, const char *text, const char *addr, struct pgb_err *err)
{
	struct inst_bundle b;
	struct strlist addrs = STRLIST_INIT;
	int rc;

	bundle(&b);
	strlist_add(&addrs, addr);
	rc = inst_config_load_mem_as(c, "cfg.yml", text, strlen(text), &b, &addrs, err);
	strlist_free(&addrs);
	strlist_free(&b.modules);
	return rc;
}

static int fails_with(const char *text, const char *want)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load(&c, text, "127.0.0.1", &err);

	inst_config_free(&c);
	CHECKF(rc == -1, "loaded: %s", text);
	CHECKF(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	return 0;
}

#define FLAT "modules: [pgsql, pgbouncer, pgbackrest, monitor, infra, redis]\n" \
	     "redis_cluster: redis-test\n"

static int test_bad_keys_are_refused_at_their_line(void)
{
	return fails_with(FLAT "pgbackrest_repo: {local: {path: /pg/backup, retention_fool: 2}}\n",
			  "cfg.yml:3:45: pgbackrest_repo: 'retention_fool' is not a pgBackRest "
			  "repository option") ||
	       fails_with(FLAT "pgbackrest_method: minio\n", "cfg.yml:3:20: pgbackrest_method "
			  "'minio' names no repository") ||
	       fails_with(FLAT "pgbackrest_method: s3\npgbackrest_repo: {local: {path: /x}}\n",
			  "cfg.yml:3:20: pgbackrest_method 's3' is not a repository") ||
	       fails_with(FLAT "pgbackrest_repo: {local: {path: /x, cipher_type: aes-128-cbc}}\n",
			  "cfg.yml:3:50: pgbackrest_repo: cipher_type must be aes-256-cbc or none") ||
	       fails_with(FLAT "pgbackrest_repo: {local: {path: backup}}\n",
			  "the path of 'local' must be absolute") ||
	       fails_with(FLAT "redis_instances: {99999: {}}\n", "cfg.yml:3:19: redis_instances: "
			  "each key is a TCP port") ||
	       fails_with(FLAT "redis_instances: {6380: {replica_of: 10.0.0.1}}\n",
			  "replica_of must be 'IP PORT'") ||
	       fails_with(FLAT "redis_instances: {6380: {master: x}}\n", "unknown key 'master'") ||
	       fails_with(FLAT "redis_max_memory: lots\n", "cfg.yml:3:19: 'redis_max_memory' "
			  "must be a size") ||
	       fails_with("modules: [pgsql, redis]\n", "modules has redis but the config names "
			  "no redis_cluster") ||
	       fails_with("modules: [pgsql]\npgbackrest_enabled: true\n", "cfg.yml:2:21: "
			  "pgbackrest_enabled is true but 'modules' lacks pgbackrest") ||
	       fails_with(FLAT "pgbackrest_schedule: \"daily\\n\"\n", "cfg.yml:3:22:");
}

static void layout(struct inst_pg_layout *l)
{
	struct pgb_err err;

	inst_pg_layout_init(l, "deb", 15, 5432, &err);
}

static char *conf_text(const struct inst_config *c, const char *pass)
{
	struct inst_pg_layout l;
	struct inst_pgconf p = { 0 };
	struct sbuf s = SBUF_INIT;

	layout(&l);
	inst_pgbr_conf(c, &l, pass, &p);
	inst_pgconf_render_ini(&p, NULL, &s);
	inst_pgconf_free(&p);
	inst_pg_layout_free(&l);
	return sbuf_detach(&s, NULL);
}

static int test_pgbackrest_conf_local_encrypted_by_default(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *t;

	CHECKF(load(&c, FLAT, "127.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(inst_pgbr_encrypted(&c));
	t = conf_text(&c, "Secret123");
	CHECKF(strstr(t, "[global]\nrepo1-path = /pg/backup\nrepo1-retention-full-type = count\n"
		      "repo1-retention-full = 2\nrepo1-cipher-type = aes-256-cbc\n"
		      "repo1-cipher-pass = Secret123\narchive-async = y\n"), "%s", t);
	CHECKF(strstr(t, "\n[pg-meta]\npg1-path = /var/lib/postgresql/15/main\npg1-port = 5432\n"
		      "pg1-socket-path = /var/run/postgresql\n"), "%s", t);
	free(t);
	inst_config_free(&c);
	return 0;
}

/* The S3 repository of Pigsty's minio example: no S3 server is in Debian
 * (MinIO is not), so its generated configuration is what is tested. */
static int test_pgbackrest_conf_s3_repository_from_pigsty_keys(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct inst_secret_needs needs = { 0 };
	char *t;

	CHECKF(load(&c, FLAT "pgbackrest_method: minio\n"
		    "pgbackrest_repo:\n"
		    "  local: {path: /pg/backup}\n"
		    "  minio:\n"
		    "    type: s3\n"
		    "    s3_endpoint: sss.pigsty\n"
		    "    s3_region: us-east-1\n"
		    "    s3_bucket: pgsql\n"
		    "    s3_key: pgbackrest\n"
		    "    s3_key_secret: S3User.Backup\n"
		    "    s3_uri_style: path\n"
		    "    path: /pgbackrest/${pg_cluster}\n"
		    "    storage_port: 9000\n"
		    "    storage_ca_file: /etc/pki/ca.crt\n"
		    "    block: y\n"
		    "    cipher_type: aes-256-cbc\n"
		    "    cipher_pass: pgBackRest\n"
		    "    retention_full_type: time\n"
		    "    retention_full: 14\n", "127.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(strcmp(inst_pgbr_repo_get(&c, "cipher_pass"), "pgBackRest") == 0);
	inst_modules_secrets(&c, &needs);
	for (size_t i = 0; i < needs.n; i++)
		if (strcmp(needs.v[i].name, "pgbackrest_cipher_pass") == 0)
			CHECK(strcmp(needs.v[i].stated, "pgBackRest") == 0);
	inst_secret_needs_free(&needs);
	t = conf_text(&c, inst_pgbr_repo_get(&c, "cipher_pass"));
	CHECKF(strstr(t, "repo1-type = s3\nrepo1-s3-endpoint = sss.pigsty\nrepo1-s3-region = "
		      "us-east-1\nrepo1-s3-bucket = pgsql\nrepo1-s3-key = pgbackrest\n"
		      "repo1-s3-key-secret = S3User.Backup\nrepo1-s3-uri-style = path\n"
		      "repo1-path = /pgbackrest/pg-meta\nrepo1-storage-port = 9000\n"
		      "repo1-storage-ca-file = /etc/pki/ca.crt\nrepo1-block = y\n"
		      "repo1-retention-full-type = time\nrepo1-retention-full = 14\n"
		      "repo1-cipher-type = aes-256-cbc\nrepo1-cipher-pass = pgBackRest\n"), "%s", t);
	free(t);
	inst_config_free(&c);
	/* cipher_type: none turns encryption off, and no secret is asked for. */
	CHECKF(load(&c, FLAT "pgbackrest_repo: {local: {path: /b, cipher_type: none}}\n",
		    "127.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(!inst_pgbr_encrypted(&c));
	t = conf_text(&c, NULL);
	CHECK(!strstr(t, "cipher"));
	free(t);
	inst_config_free(&c);
	return 0;
}

static int test_backup_units_skip_replicas_and_follow_the_schedule(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct inst_pg_layout l;
	struct inst_pgconf s = { 0 };
	struct sbuf svc = SBUF_INIT, tim = SBUF_INIT;

	CHECKF(load(&c, FLAT "pgbackrest_schedule: 'Sun *-*-* 02:30:00'\n", "127.0.0.1", &err) == 0,
	       "%s", err.msg);
	layout(&l);
	inst_pgbr_service(&c, &l, &svc);
	inst_pgbr_timer(&c, &tim);
	CHECKF(strstr(svc.buf, "ExecCondition=/usr/lib/postgresql/15/bin/psql -XAtq -h "
		      "/var/run/postgresql -p 5432 -d postgres -c \"SELECT 1 / (NOT "
		      "pg_is_in_recovery())::int\"\nExecStartPre=/usr/bin/pgbackrest "
		      "--stanza=pg-meta stanza-create\nExecStart=/usr/bin/pgbackrest --stanza=pg-meta "
		      "--type=full backup\n"), "%s", svc.buf);
	CHECKF(strstr(tim.buf, "OnCalendar=Sun *-*-* 02:30:00\nPersistent=true\n"), "%s", tim.buf);
	inst_modules_pg_settings(&c, &s);
	CHECK(strcmp(inst_pgconf_get(&s, "archive_mode"), "on") == 0);
	CHECK(strcmp(inst_pgconf_get(&s, "archive_command"),
		      "pgbackrest --stanza=pg-meta archive-push %p") == 0);
	inst_pgconf_free(&s);
	sbuf_free(&svc);
	sbuf_free(&tim);
	inst_pg_layout_free(&l);
	inst_config_free(&c);
	return 0;
}

static int test_monitor_user_and_exporter_files(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct sbuf t = SBUF_INIT;
	const struct inst_pg_user *u = NULL;
	size_t rules = 0;

	CHECKF(load(&c, FLAT, "127.0.0.1", &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < c.n_pg_users; i++)
		if (strcmp(c.pg_users[i].name, "dbuser_monitor") == 0)
			u = &c.pg_users[i];
	CHECK(u && u->login && u->roles.n == 1 && strcmp(u->roles.v[0], "pg_monitor") == 0);
	/* pg_default_hba_rules (acl.c): the socket, 127.0.0.1 and ::1 */
	for (size_t i = 0; i < c.n_pg_default_hba_rules; i++)
		if (strcmp(c.pg_default_hba_rules[i].user, "dbuser_monitor") == 0 &&
		    (!c.pg_default_hba_rules[i].addr ||
		     strcmp(c.pg_default_hba_rules[i].addr, "127.0.0.1/32") == 0 ||
		     strcmp(c.pg_default_hba_rules[i].addr, "::1/128") == 0))
			rules++;
	CHECK(rules == 3);
	inst_monitor_pg_env(&c, "p@ss\"w$rd", &t);
	CHECKF(strstr(t.buf, "DATA_SOURCE_NAME=\"postgresql://dbuser_monitor:p%40ss%22w%24rd@"
		      "127.0.0.1:5432/postgres?sslmode=disable\"\nARGS=\"--web.listen-address="
		      ":9630\"\n"), "%s", t.buf);
	sbuf_reset(&t);
	inst_monitor_node_env(&c, &t);
	CHECKF(strstr(t.buf, "ARGS=\"--web.listen-address=:9100 --collector.systemd "
		      "--collector.systemd.unit-include=(pgbackrest-backup|"), "%s", t.buf);
	CHECK(!strchr(strstr(t.buf, "unit-include="), ' '));
	sbuf_reset(&t);
	inst_monitor_pgb_py_conf(&c, &t);
	CHECKF(strstr(t.buf, "port = 9631\npgbouncer-port = 6432\npgbouncer-user = pgbouncer\n"
		      "database = [-]\n"), "%s", t.buf);
	sbuf_free(&t);
	inst_config_free(&c);
	return 0;
}

/* EL (family rpm): prometheus-rpm's packages read NAME_OPTS from
 * /etc/default/NAME; prometheus2's unit has no defaults, so the options name
 * its config and data; the Go PgBouncer exporter reaches PGDG's PgBouncer
 * at its socket in /run/pgbouncer. */
static int test_monitor_files_on_el(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct sbuf t = SBUF_INIT;
	const struct inst_monitor_layout *ml = inst_monitor_layout("rpm");

	CHECK(strcmp(inst_monitor_layout("deb")->node.unit, "prometheus-node-exporter") == 0);
	CHECK(strcmp(inst_monitor_layout(NULL)->prom.var, "ARGS") == 0);
	CHECK(strcmp(ml->node.unit, "node_exporter") == 0 &&
	      strcmp(ml->pg.env, "/etc/default/postgres_exporter") == 0 &&
	      strcmp(ml->pgb.unit, "pgbouncer_exporter") == 0 &&
	      strcmp(ml->prom.unit, "prometheus") == 0);
	CHECKF(load(&c, FLAT, "127.0.0.1", &err) == 0, "%s", err.msg);
	free(c.family);
	c.family = xstrdup("rpm");
	inst_monitor_node_env(&c, &t);
	CHECKF(strstr(t.buf, "\nNODE_EXPORTER_OPTS=\"--web.listen-address=:9100 "
		      "--collector.systemd --collector.systemd.unit-include="), "%s", t.buf);
	/* PGDG's postgresql-15.service is ours too, for the systemd collector */
	CHECKF(strstr(t.buf, "postgresql[@-].+[.]service"), "%s", t.buf);
	sbuf_reset(&t);
	inst_monitor_pg_env(&c, "pw", &t);
	CHECKF(strstr(t.buf, "DATA_SOURCE_NAME=\"postgresql://dbuser_monitor:pw@127.0.0.1:5432/"
		      "postgres?sslmode=disable\"\nPOSTGRES_EXPORTER_OPTS=\"--web.listen-address="
		      ":9630\"\n"), "%s", t.buf);
	sbuf_reset(&t);
	inst_monitor_pgb_go_env(&c, "/run/pgbouncer", &t);
	CHECKF(strstr(t.buf, "\nPGBOUNCER_EXPORTER_OPTS=\"--web.listen-address=:9631 "
		      "--pgBouncer.connectionString=postgres://pgbouncer@:6432/pgbouncer?"
		      "host=/run/pgbouncer&sslmode=disable\"\n"), "%s", t.buf);
	sbuf_reset(&t);
	inst_prometheus_env(&c, &t);
	CHECKF(strcmp(t.buf, "PROMETHEUS_OPTS=\"--config.file=/etc/prometheus/prometheus.yml "
		      "--storage.tsdb.path=/var/lib/prometheus/data --web.listen-address=:9090\"\n")
	       == 0, "%s", t.buf);
	free(c.family);
	c.family = xstrdup("deb");
	sbuf_reset(&t);
	inst_prometheus_env(&c, &t);
	CHECKF(strcmp(t.buf, "ARGS=\"--web.listen-address=:9090\"\n") == 0, "%s", t.buf);
	sbuf_free(&t);
	inst_config_free(&c);
	return 0;
}

#define TRIO_INFRA \
	"all:\n" \
	"  children:\n" \
	"    infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }\n" \
	"    etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }\n" \
	"    pg-meta:\n" \
	"      hosts:\n" \
	"        10.10.10.10: { pg_seq: 1, pg_role: primary }\n" \
	"        10.10.10.11: { pg_seq: 2, pg_role: replica }\n" \
	"      vars: { pg_cluster: pg-meta }\n" \
	"    redis-ms:\n" \
	"      hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: {}, " \
	"6380: { replica_of: '10.10.10.12 6379' } } } }\n" \
	"      vars: { redis_cluster: redis-ms, redis_max_memory: 64MB }\n"

static int test_prometheus_scrapes_every_exporter_of_the_inventory(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	char *t = NULL, *r = NULL;

	CHECKF(load(&c, TRIO_INFRA, "10.10.10.10", &err) == 0, "%s", err.msg);
	CHECK(inst_config_has_module(&c, "infra") && inst_config_has_module(&c, "monitor"));
	CHECK(inst_config_has_module(&c, "pgbackrest") && !inst_config_has_module(&c, "redis"));
	CHECKF(inst_prometheus_config(&c, "/etc/prometheus/rules/pgbundle.yml", &t, &err) == 0,
	       "%s", err.msg);
	CHECKF(strstr(t, "- job_name: node\n  static_configs:\n  - targets:\n    - "
		      "'10.10.10.10:9100'\n    labels:\n      ins: pg-meta-1\n  - targets:\n    - "
		      "'10.10.10.11:9100'\n    labels:\n      ins: pg-meta-2\n  - targets:\n    - "
		      "'10.10.10.12:9100'\n"), "%s", t);
	CHECKF(strstr(t, "- job_name: postgres\n  static_configs:\n  - targets:\n    - "
		      "'10.10.10.10:9630'\n    labels:\n      ins: pg-meta-1\n  - targets:\n    - "
		      "'10.10.10.11:9630'\n    labels:\n      ins: pg-meta-2\n- job_name: pgbouncer\n"),
	       "%s", t);
	CHECK(!strstr(t, "10.10.10.12:9630"));
	CHECKF(inst_prometheus_rules(&r, &err) == 0, "%s", err.msg);
	CHECKF(strstr(r, "alert: InstanceDown\n    expr: up == 0\n") &&
	       strstr(r, "alert: ReplicationLag") && strstr(r, "alert: BackupFailed\n    expr: "
							"node_systemd_unit_state{name=\"pgbackrest"
							"-backup.service\",state=\"failed\"} == 1"),
	       "%s", r);
	free(t);
	free(r);
	inst_config_free(&c);
	/* The Redis host of the inventory: its instances, no PostgreSQL. */
	CHECKF(load(&c, TRIO_INFRA, "10.10.10.12", &err) == 0, "%s", err.msg);
	CHECK(inst_config_has_module(&c, "redis") && !inst_config_has_module(&c, "pgbackrest"));
	CHECK(c.n_redis_instances == 2 && strcmp(c.redis_instances[1].replica_of,
						 "10.10.10.12 6379") == 0);
	inst_config_free(&c);
	return 0;
}

static int test_redis_files_and_memory(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct sbuf t = SBUF_INIT;
	char *name;

	CHECKF(load(&c, FLAT "redis_instances: {6379: {}, 6380: {replica_of: '127.0.0.1 6379'}}\n",
		    "127.0.0.1", &err) == 0, "%s", err.msg);
	/* auto: an eighth of the host's memory shared by the instances, 1 GB at most. */
	CHECK(inst_redis_maxmemory(&c, 2048ull << 20) == 128ull << 20);
	CHECK(inst_redis_maxmemory(&c, 64ull << 30) == 1024ull << 20);
	name = inst_redis_name(&c, &c.redis_instances[1]);
	CHECK(strcmp(name, "redis-test-1-6380") == 0);
	free(name);
	inst_redis_conf(&c, inst_redis_layout("deb", "d12"), &c.redis_instances[1], "pa\"ss",
			128ull << 20, &t);
	CHECKF(strstr(t.buf, "bind 0.0.0.0\nprotected-mode no\nport 6380\n") &&
	       strstr(t.buf, "save 1200 1\n") && strstr(t.buf, "dbfilename redis-test-1-6380.rdb\n"
							  "dir /data/redis/redis-test-1-6380\n"
							  "replicaof 127.0.0.1 6379\n"
							  "masterauth \"pa\\\"ss\"\n"
							  "requirepass \"pa\\\"ss\"\n") &&
	       strstr(t.buf, "maxmemory 134217728\nmaxmemory-policy allkeys-lru\nappendonly no\n"),
	       "%s", t.buf);
	sbuf_reset(&t);
	inst_redis_unit(&c, inst_redis_layout("deb", "d12"), &c.redis_instances[0], &t);
	CHECKF(strstr(t.buf, "Type=notify\nUser=redis\nGroup=redis\nExecStart=/usr/bin/redis-server "
		      "/etc/redis/redis-test-1-6379.conf\n"), "%s", t.buf);
	sbuf_free(&t);
	inst_config_free(&c);
	CHECKF(load(&c, FLAT "redis_max_memory: 64MB\nredis_rdb_save: []\n", "127.0.0.1", &err) == 0,
	       "%s", err.msg);
	CHECK(inst_redis_maxmemory(&c, 2048ull << 20) == 64ull << 20);
	inst_redis_conf(&c, inst_redis_layout("deb", "d12"), &c.redis_instances[0], "x",
			64ull << 20, &t);
	CHECKF(strstr(t.buf, "save \"\"\n"), "%s", t.buf);
	sbuf_free(&t);
	inst_config_free(&c);
	return 0;
}

/* EL 8 and 9 run Redis as Debian does but for its service's name; EL 10
 * has Valkey under its own names, and the instances follow them. */
static int test_redis_follows_each_family_and_els_valkey(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct sbuf t = SBUF_INIT;
	const struct inst_redis_layout *d = inst_redis_layout("deb", "d12");
	const struct inst_redis_layout *e8 = inst_redis_layout("rpm", "el8");
	const struct inst_redis_layout *e9 = inst_redis_layout("rpm", "el9");
	const struct inst_redis_layout *e10 = inst_redis_layout("rpm", "el10");

	CHECK(strcmp(d->unit, "redis-server.service") == 0 && strcmp(d->user, "redis") == 0);
	CHECK(strcmp(e9->unit, "redis.service") == 0 && strcmp(e9->conf_dir, "/etc/redis") == 0);
	CHECK(e8 == e9 && inst_redis_layout(NULL, NULL) == d);
	CHECK(strcmp(e10->unit, "valkey.service") == 0 && strcmp(e10->cli, "valkey-cli") == 0);
	CHECKF(load(&c, FLAT, "127.0.0.1", &err) == 0, "%s", err.msg);
	inst_redis_unit(&c, e10, &c.redis_instances[0], &t);
	CHECKF(strstr(t.buf, "AssertPathExists=/etc/valkey/redis-test-1-6379.conf\n") &&
	       strstr(t.buf, "User=valkey\nGroup=valkey\nExecStart=/usr/bin/valkey-server "
		      "/etc/valkey/redis-test-1-6379.conf\n"), "%s", t.buf);
	sbuf_reset(&t);
	inst_redis_conf(&c, e10, &c.redis_instances[0], "x", 64ull << 20, &t);
	CHECKF(strstr(t.buf, "logfile /var/log/valkey/redis-test-1-6379.log\n"), "%s", t.buf);
	sbuf_free(&t);
	inst_config_free(&c);
	return 0;
}

static int test_tiny_is_chosen_for_small_hosts_unless_stated(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	struct inst_pgconf p = { 0 };

	CHECKF(load(&c, FLAT, "127.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(strcmp(inst_pg_conf_effective(&c, 1), "tiny") == 0);
	CHECK(strcmp(inst_pg_conf_effective(&c, 4), "oltp") == 0);
	inst_pg_tune(&c, 1, &p);
	CHECK(strcmp(inst_pgconf_get(&p, "max_connections"), "250") == 0);
	CHECK(strcmp(inst_pgconf_get(&p, "max_worker_processes"), "12") == 0);
	CHECK(strcmp(inst_pgconf_get(&p, "max_parallel_workers_per_gather"), "0") == 0);
	inst_pgconf_free(&p);
	inst_pg_tune(&c, 8, &p);
	CHECK(p.n == 0);
	inst_config_free(&c);
	CHECKF(load(&c, FLAT "pg_conf: oltp\n", "127.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(strcmp(inst_pg_conf_effective(&c, 1), "oltp") == 0);
	inst_config_free(&c);
	return 0;
}

/* pitr's backup: the newest without error that ended before the target, its
 * timeline from the WAL it began with; none before the target is an error
 * naming when the first one ended.  (After a failover with a repository of
 * each node's own, the new leader's backup is the one that reaches a time
 * after the promotion: an older one would start on a timeline whose WAL
 * this repository lacks.) */
static int test_pitr_picks_the_newest_backup_before_the_target(void)
{
	static const char js[] =
		"{\"name\": \"pg-meta\", \"backup\": ["
		"{\"label\": \"20261205-040340F\", \"timestamp\": {\"start\": 1764907420, \"stop\": 1764907425},"
		" \"archive\": {\"start\": \"000000010000000000000006\", \"stop\": \"000000010000000000000006\"},"
		" \"info\": {\"size\": 31000000}, \"error\": false},"
		"{\"label\": \"20261205-041000F\", \"timestamp\": {\"start\": 1764907800, \"stop\": 1764907810},"
		" \"archive\": {\"start\": \"000000030000000000000009\", \"stop\": \"000000030000000000000009\"},"
		" \"info\": {\"size\": 32000000}, \"error\": false},"
		"{\"label\": \"20261205-042000F\", \"timestamp\": {\"start\": 1764908400, \"stop\": 1764908410},"
		" \"archive\": {\"start\": \"00000003000000000000000C\", \"stop\": \"00000003000000000000000C\"},"
		" \"info\": {\"size\": 33000000}, \"error\": true}]}";
	json_error_t je;
	json_t *info = json_loads(js, 0, &je);
	struct inst_pgbr_backup bk;
	struct pgb_err err;

	CHECK(info);
	CHECK(inst_pgbr_pick_backup(info, 1764907900.5, &bk, &err) == 0);
	CHECKF(strcmp(bk.label, "20261205-041000F") == 0, "%s", bk.label);
	CHECK(bk.timeline == 3 && bk.stop == 1764907810 && bk.size == 32000000);
	/* the one with an error is never chosen */
	CHECK(inst_pgbr_pick_backup(info, 1764909000, &bk, &err) == 0);
	CHECKF(strcmp(bk.label, "20261205-041000F") == 0, "%s", bk.label);
	CHECK(inst_pgbr_pick_backup(info, 1764907500, &bk, &err) == 0);
	CHECK(strcmp(bk.label, "20261205-040340F") == 0 && bk.timeline == 1);
	CHECK(inst_pgbr_pick_backup(info, 1764907000, &bk, &err) == -1);
	CHECKF(strstr(err.msg, "first one ended at epoch 1764907425"), "%s", err.msg);
	json_decref(info);
	info = json_loads("{\"backup\": []}", 0, &je);
	CHECK(inst_pgbr_pick_backup(info, 1764907000, &bk, &err) == -1);
	CHECKF(strstr(err.msg, "no backup"), "%s", err.msg);
	json_decref(info);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_bad_keys_are_refused_at_their_line);
	T_RUN(&s, test_pgbackrest_conf_local_encrypted_by_default);
	T_RUN(&s, test_pgbackrest_conf_s3_repository_from_pigsty_keys);
	T_RUN(&s, test_backup_units_skip_replicas_and_follow_the_schedule);
	T_RUN(&s, test_pitr_picks_the_newest_backup_before_the_target);
	T_RUN(&s, test_monitor_user_and_exporter_files);
	T_RUN(&s, test_monitor_files_on_el);
	T_RUN(&s, test_prometheus_scrapes_every_exporter_of_the_inventory);
	T_RUN(&s, test_redis_files_and_memory);
	T_RUN(&s, test_redis_follows_each_family_and_els_valkey);
	T_RUN(&s, test_tiny_is_chosen_for_small_hosts_unless_stated);
	return t_done(&s);
}
