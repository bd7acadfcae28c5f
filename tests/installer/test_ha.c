/*
 * test_ha.c - what the HA modules write, rendered without a host: Patroni's
 * config.yml (read back as YAML), HAProxy's services, the failover timing
 * table, the certificates of pki.c, and the cluster secrets' sources.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "ops.h"
#include "unit.h"
#include "yamldoc.h"
#include "yamlout.h"

static int pg15[] = { 15 };

static void ha_bundle(struct inst_bundle *b)
{
	static const char *const mods[] = { "pgsql", "pgbouncer", "patroni", "etcd", "haproxy",
					    NULL };

	memset(b, 0, sizeof(*b));
	b->name = "pgsql-d12";
	b->family = "deb";
	b->postgres = pg15;
	b->npostgres = 1;
	for (size_t i = 0; mods[i]; i++)
		strlist_add(&b->modules, mods[i]);
}

static int load_trio_as(struct inst_config *c, const char *addr, const char *extra)
{
	struct inst_bundle b;
	struct strlist addrs = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	char *text = NULL;
	size_t len;
	int rc;

	ha_bundle(&b);
	strlist_add(&addrs, addr);
	rc = util_read_file("manifests/config/trio.yml", &text, &len, &err);
	/* "pg_rto: fast" in extra replaces trio.yml's own pg_rto line */
	if (rc == 0 && extra && strstr(extra, "pg_rto: fast")) {
		char *p = strstr(text, "pg_rto: norm");

		if (p)
			memcpy(p, "pg_rto: fast", 12);
		extra = strstr(extra, "pg_rto: fast") + 13;
	}
	/* so does "pg_vip_enabled: false" pg-meta's "pg_vip_enabled: true" */
	if (rc == 0 && extra && strstr(extra, "pg_vip_enabled: false")) {
		char *p = strstr(text, "pg_vip_enabled: true"), *more;

		if (p) {
			*p = '\0';
			more = xasprintf("%spg_vip_enabled: false%s", text, p + 20);
			free(text);
			text = more;
		}
		extra = strstr(extra, "pg_vip_enabled: false") + 22;
	}
	if (rc == 0 && extra) {
		char *more = xasprintf("%s%s", text, extra);

		free(text);
		text = more;
	}
	if (rc == 0)
		rc = inst_config_load_mem_as(c, "trio.yml", text, strlen(text), &b, &addrs, &err);
	if (rc < 0)
		fprintf(stderr, "# %s\n", err.msg);
	free(text);
	strlist_free(&addrs);
	strlist_free(&b.modules);
	return rc;
}

/* The scalar at a path of mapping keys ("a", "b", NULL), or NULL. */
static const char *at(struct yamldoc *d, const char *const *path)
{
	const struct yamldoc_node *n;
	struct pgb_err err;

	if (yamldoc_root(d, "x", &n, &err) < 0)
		return NULL;
	for (size_t i = 0; path[i] && n; i++)
		n = yamldoc_map_get(d, n, path[i]);
	return n ? yamldoc_scalar(n) : NULL;
}

#define AT(d, ...) at(d, (const char *const[]){ __VA_ARGS__, NULL })

static int test_yamlout_quotes_what_yaml_would_retype(void)
{
	struct yamlout *y = yamlout_new();
	struct yamldoc *d;
	struct pgb_err err;
	char *text;

	yamlout_map(y);
	yamlout_kstr(y, "a", "on");
	yamlout_kstr(y, "b", "0755");
	yamlout_kstr(y, "c", "");
	yamlout_kstr(y, "d", "it's: \"x\"\n#y");
	yamlout_kint(y, "e", 42);
	yamlout_key(y, "f");
	yamlout_seq(y);
	yamlout_str(y, "1:20");
	yamlout_end(y);
	yamlout_end(y);
	CHECKF(yamlout_finish(y, &text, &err) == 0, "%s", err.msg);
	CHECK(strstr(text, "a: 'on'") && strstr(text, "b: '0755'") && strstr(text, "e: 42"));
	CHECKF(yamldoc_load_mem(&d, "out", text, strlen(text), &err) == 0, "%s", err.msg);
	CHECK(strcmp(AT(d, "d"), "it's: \"x\"\n#y") == 0 && strcmp(AT(d, "c"), "") == 0);
	yamldoc_free(d);
	free(text);
	/* an unbalanced document is an error, not a file */
	y = yamlout_new();
	yamlout_map(y);
	CHECK(yamlout_finish(y, &text, &err) == -1 && !text);
	return 0;
}

static int test_patroni_config_only_the_primary_bootstraps(void)
{
	struct inst_config c;
	struct pgb_err err;
	struct yamldoc *d;
	char *text;

	CHECK(load_trio_as(&c, "10.10.10.10", "    pg_rpo: 0\n") == 0);
	CHECKF(inst_patroni_config(&c, 3, "R", "A", "P", &text, &err) == 0, "%s", err.msg);
	CHECKF(yamldoc_load_mem(&d, "config.yml", text, strlen(text), &err) == 0, "%s", err.msg);
	CHECK(strcmp(AT(d, "scope"), "pg-meta") == 0 && strcmp(AT(d, "name"), "pg-meta-1") == 0);
	CHECK(strcmp(AT(d, "namespace"), "/pg/") == 0);
	CHECK(strcmp(AT(d, "restapi", "listen"), "10.10.10.10:8008") == 0);
	CHECK(strcmp(AT(d, "restapi", "certfile"), "/etc/patroni/pki/node.crt") == 0);
	CHECK(strcmp(AT(d, "restapi", "authentication", "password"), "P") == 0);
	CHECK(strcmp(AT(d, "etcd3", "protocol"), "https") == 0);
	CHECK(strcmp(AT(d, "postgresql", "connect_address"), "10.10.10.10:5432") == 0);
	CHECK(strcmp(AT(d, "postgresql", "data_dir"), "/var/lib/postgresql/15/pg-meta") == 0);
	CHECK(strcmp(AT(d, "postgresql", "authentication", "replication", "username"),
		     "replicator") == 0);
	CHECK(strcmp(AT(d, "postgresql", "authentication", "rewind", "password"), "A") == 0);
	CHECK(strcmp(AT(d, "postgresql", "callbacks", "on_role_change"),
		     "/usr/lib/pgbundle/pgbundle-vip vip-callback") == 0);
	/* pg_rto norm, pg_rpo 0: synchronous, Patroni 3 names */
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "ttl"), "20") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "loop_wait"), "4") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "synchronous_mode"), "true") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "synchronous_mode_strict"), "false") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "failsafe_mode"), "true") == 0);
	/* synchronous: a crashed primary fails over at once, losing nothing */
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "primary_start_timeout"), "0") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "postgresql", "parameters", "ssl"), "on") == 0);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "postgresql", "parameters",
			"password_encryption"), "scram-sha-256") == 0);
	CHECK(AT(d, "postgresql", "parameters", "shared_buffers") != NULL);
	CHECK(strstr(text, "host    replication     replicator      10.10.10.12/32"));
	yamldoc_free(d);
	free(text);
	inst_config_free(&c);
	/* asynchronous: a crashed primary restarts in place for up to pg_rto's
	 * time; the callback runs without a VIP too (etcd's leader kept off) */
	CHECK(load_trio_as(&c, "10.10.10.10", "    pg_vip_enabled: false\n") == 0);
	CHECKF(inst_patroni_config(&c, 3, "R", "A", "P", &text, &err) == 0, "%s", err.msg);
	CHECKF(yamldoc_load_mem(&d, "config.yml", text, strlen(text), &err) == 0, "%s", err.msg);
	CHECK(strcmp(AT(d, "bootstrap", "dcs", "primary_start_timeout"), "20") == 0);
	CHECK(!c.pg_vip_enabled && inst_etcdlead_enabled(&c));
	CHECK(strcmp(AT(d, "postgresql", "callbacks", "on_role_change"),
		     "/usr/lib/pgbundle/pgbundle-vip vip-callback") == 0);
	yamldoc_free(d);
	free(text);
	inst_config_free(&c);
	/* a replica waits for the leader: no bootstrap section; Patroni 2 names */
	CHECK(load_trio_as(&c, "10.10.10.11", "    pg_rto: fast\n") == 0);
	CHECKF(inst_patroni_config(&c, 2, "R", "A", "P", &text, &err) == 0, "%s", err.msg);
	CHECK(!strstr(text, "bootstrap:") && strstr(text, "name: pg-meta-2"));
	inst_config_free(&c);
	free(text);
	return 0;
}

/* A new leader's pgBackRest stanza comes from Patroni's callback where a
 * member may be promoted: a cluster of two or more with pgbackrest. */
static int test_new_leader_stanza_where_pgbackrest_and_a_cluster(void)
{
	struct inst_bundle b;
	struct inst_config c;
	struct strlist addrs = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	char *text = NULL;
	size_t len;

	CHECK(load_trio_as(&c, "10.10.10.11", NULL) == 0);
	CHECK(!inst_pgbrlead_enabled(&c));	/* the bundle has no pgbackrest */
	inst_config_free(&c);
	ha_bundle(&b);
	strlist_add(&b.modules, "pgbackrest");
	strlist_add(&addrs, "10.10.10.11");
	CHECKF(util_read_file("manifests/config/trio.yml", &text, &len, &err) == 0, "%s", err.msg);
	CHECKF(inst_config_load_mem_as(&c, "trio.yml", text, len, &b, &addrs, &err) == 0, "%s",
	       err.msg);
	CHECK(inst_pgbrlead_enabled(&c));
	CHECK(inst_vip_callback(&c) != NULL);
	inst_config_free(&c);
	free(text);
	strlist_free(&addrs);
	strlist_free(&b.modules);
	return 0;
}

/* EL: the same config in PGDG's layout, the file PGDG's patroni.service reads. */
static int test_patroni_on_el_follows_pgdg_layout(void)
{
	struct inst_config c;
	struct inst_pg_layout l;
	struct pgb_err err;
	struct yamldoc *d;
	char *text;

	CHECK(load_trio_as(&c, "10.10.10.10", NULL) == 0);
	CHECK(strcmp(c.family, "deb") == 0);
	free(c.family);
	c.family = xstrdup("rpm");
	CHECKF(inst_pg_layout_patroni(&l, &c, c.family, &err) == 0, "%s", err.msg);
	CHECK(strcmp(l.ha->patroni_conf, "/etc/patroni/patroni.yml") == 0);
	CHECK(strcmp(l.unit, "patroni") == 0);
	CHECK(strcmp(l.ha->etcd_env, "/etc/etcd/etcd.conf") == 0);
	inst_pg_layout_free(&l);
	CHECKF(inst_patroni_config(&c, 3, "R", "A", "P", &text, &err) == 0, "%s", err.msg);
	CHECKF(yamldoc_load_mem(&d, "patroni.yml", text, strlen(text), &err) == 0, "%s", err.msg);
	CHECK(strcmp(AT(d, "postgresql", "data_dir"), "/var/lib/pgsql/15/data") == 0);
	CHECK(strcmp(AT(d, "postgresql", "bin_dir"), "/usr/pgsql-15/bin") == 0);
	CHECK(strcmp(AT(d, "postgresql", "pgpass"), "/var/lib/pgsql/.pgpass.patroni") == 0);
	CHECK(strcmp(AT(d, "postgresql", "parameters", "unix_socket_directories"),
		     "/run/postgresql") == 0);
	yamldoc_free(d);
	free(text);
	/* Debian's stay as they were */
	free(c.family);
	c.family = xstrdup("deb");
	CHECKF(inst_pg_layout_patroni(&l, &c, c.family, &err) == 0, "%s", err.msg);
	CHECK(strcmp(l.ha->patroni_conf, "/etc/patroni/config.yml") == 0 && !l.ha->etcd_env);
	CHECK(strcmp(l.data_dir, "/var/lib/postgresql/15/pg-meta") == 0);
	inst_pg_layout_free(&l);
	inst_config_free(&c);
	return 0;
}

static int test_patroni_timing_leaves_room_for_the_retries(void)
{
	/* Patroni's own rule: loop_wait + 2 * retry_timeout <= ttl */
	for (const struct inst_rto *r = inst_rto_table; r->name; r++)
		CHECKF(r->loop + 2 * r->retry <= r->ttl && r->ttl >= 20, "%s", r->name);
	return 0;
}

static int test_haproxy_routes_each_service_as_pigsty_does(void)
{
	struct inst_config c;
	struct sbuf b = SBUF_INIT;
	int ok;

	CHECK(load_trio_as(&c, "10.10.10.12", NULL) == 0);
	inst_haproxy_render(&c, "pw", &b);
	ok = strstr(b.buf, "listen pg-meta-primary\n    bind *:5433\n") &&
	     strstr(b.buf, "http-check send meth OPTIONS uri /primary\n") &&
	     strstr(b.buf, "server pg-meta-1 10.10.10.10:6432 check port 8008 check-ssl verify "
		    "required ca-file /etc/haproxy/pki/ca.crt verifyhost pg-meta-1 weight 100\n") &&
	     /* replica: the primary as backup */
	     strstr(b.buf, "server pg-meta-1 10.10.10.10:6432 check port 8008 check-ssl verify "
		    "required ca-file /etc/haproxy/pki/ca.crt verifyhost pg-meta-1 weight 100 "
		    "backup\n") &&
	     /* default: straight to PostgreSQL */
	     strstr(b.buf, "server pg-meta-2 10.10.10.11:5432 check") &&
	     strstr(b.buf, "bind 127.0.0.1:9101\n") && strstr(b.buf, "stats auth admin:pw\n") &&
	     strstr(b.buf, "default-server inter 1s fastinter 250ms downinter 250ms rise 1 fall 2 "
		    "observe layer4 error-limit 1 on-error sudden-death "
		    "on-marked-down shutdown-sessions");
	if (!ok)
		fprintf(stderr, "# rendered:\n%s", b.buf);
	sbuf_free(&b);
	inst_config_free(&c);
	CHECK(ok);
	return 0;
}

static int test_pki_certificates_name_the_node_and_chain_to_the_ca(void)
{
	struct inst_pki_pair ca = { 0 }, other = { 0 }, node = { 0 };
	struct strlist names = STRLIST_INIT, more = STRLIST_INIT;
	struct pgb_err err;
	char dir[] = "/tmp/test_ha.XXXXXX", *ca_path, *other_path, *crt;
	int rc;

	CHECK(mkdtemp(dir));
	strlist_add(&names, "10.10.10.10");
	strlist_add(&names, "127.0.0.1");
	strlist_add(&names, "pg-meta-1");
	CHECKF(inst_pki_make_ca("test CA", &ca, &err) == 0, "%s", err.msg);
	CHECKF(inst_pki_make_ca("another CA", &other, &err) == 0, "%s", err.msg);
	CHECKF(inst_pki_make_cert(&ca, "pg-meta-1", &names, &node, &err) == 0, "%s", err.msg);
	ca_path = util_path_join(dir, "ca.crt");
	other_path = util_path_join(dir, "other.crt");
	crt = util_path_join(dir, "node.crt");
	util_write_atomic(ca_path, ca.cert, strlen(ca.cert), 0644, &err);
	util_write_atomic(other_path, other.cert, strlen(other.cert), 0644, &err);
	util_write_atomic(crt, node.cert, strlen(node.cert), 0644, &err);
	rc = inst_pki_check(ca_path, crt, &names, &err);
	strlist_add(&more, "10.10.10.11");
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(inst_pki_check(other_path, crt, &names, &err) == -1 &&
	      strstr(err.msg, "is not signed by the CA"));
	CHECK(inst_pki_check(ca_path, crt, &more, &err) == -1 &&
	      strstr(err.msg, "does not name every address"));
	CHECK(strstr(node.key, "PRIVATE KEY"));
	util_rm_rf(dir, &err);
	free(ca_path);
	free(other_path);
	free(crt);
	strlist_free(&names);
	strlist_free(&more);
	inst_pki_pair_free(&ca);
	inst_pki_pair_free(&other);
	inst_pki_pair_free(&node);
	return 0;
}

static int test_secrets_are_stated_kept_taken_from_pki_or_refused(void)
{
	struct inst_secrets s;
	struct pgb_err err;
	char dir[] = "/tmp/test_ha.XXXXXX", *roles, *other, *pki_other;
	const char *v;

	CHECK(mkdtemp(dir));
	roles = util_path_join(dir, "credentials");
	other = util_path_join(dir, "secrets");
	pki_other = util_path_join(dir, "pki-secrets");
	/* a cluster of several nodes: nothing generated here */
	inst_secrets_init(&s, roles, other);
	CHECK(inst_secret(&s, NULL, "patroni_password", "Stated", &v, &err) == 0 &&
	      strcmp(v, "Stated") == 0);
	CHECK(inst_secret(&s, NULL, "patroni_password", NULL, &v, &err) == -1 &&
	      strstr(err.msg, "pki init DIR --config FILE"));
	/* what pki init made is taken, and kept 0600 */
	inst_creds_set(&s.pki_other, "patroni_password", "FromPki");
	s.from_pki = 1;
	CHECKF(inst_secret(&s, NULL, "patroni_password", NULL, &v, &err) == 0, "%s", err.msg);
	CHECK(strcmp(v, "FromPki") == 0 && util_exists(other));
	inst_secrets_free(&s);
	/* a one-node cluster generates, and a second open finds the same */
	inst_secrets_init(&s, roles, other);
	s.may_generate = 1;
	CHECK(inst_secret_role(&s, NULL, "replicator", NULL, &v, &err) == 0 && strlen(v) == 32);
	inst_secrets_free(&s);
	inst_secrets_init(&s, roles, other);
	CHECK(inst_creds_load(&s.roles, roles, &err) == 0);
	CHECK(inst_secret_role(&s, NULL, "replicator", NULL, &v, &err) == 0 && strlen(v) == 32);
	inst_secrets_free(&s);
	util_rm_rf(dir, &err);
	free(roles);
	free(other);
	free(pki_other);
	return 0;
}

/* etcdctl's simple member list: a member of the initial cluster that never
 * ran has its name but no client URL; one added has neither. */
static int test_etcd_member_list_tells_the_members_that_never_started(void)
{
	static const char text[] =
		"2b598bfbc0ad43e2, started, etcd-2, https://10.10.10.11:2380, https://10.10.10.11:2379, false\n"
		"e9d5bfa8781208cd, started, etcd-3, https://10.10.10.12:2380, , false\n"
		"8e9e05c52164694d, unstarted, , https://10.10.10.13:2380, , false\n"
		"91bc3c398fb3c146, started, etcd-5, https://10.10.10.14:2380, https://10.10.10.14:2379, true\n"
		"not a member line\n";
	struct inst_etcd_member m[8];

	CHECK(inst_etcd_parse_members(text, m, 8) == 4);
	CHECK(strcmp(m[0].client, "https://10.10.10.11:2379") == 0 && !m[0].learner);
	CHECK(strcmp(m[1].name, "etcd-3") == 0 && m[1].client[0] == 0);
	CHECK(strcmp(m[2].status, "unstarted") == 0 && m[2].name[0] == 0 && m[2].client[0] == 0 &&
	      strcmp(m[2].peer, "https://10.10.10.13:2380") == 0);
	CHECK(m[3].learner);
	CHECK(inst_etcd_parse_members(text, m, 2) == 2);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_yamlout_quotes_what_yaml_would_retype);
	T_RUN(&s, test_patroni_config_only_the_primary_bootstraps);
	T_RUN(&s, test_new_leader_stanza_where_pgbackrest_and_a_cluster);
	T_RUN(&s, test_patroni_on_el_follows_pgdg_layout);
	T_RUN(&s, test_patroni_timing_leaves_room_for_the_retries);
	T_RUN(&s, test_haproxy_routes_each_service_as_pigsty_does);
	T_RUN(&s, test_pki_certificates_name_the_node_and_chain_to_the_ca);
	T_RUN(&s, test_secrets_are_stated_kept_taken_from_pki_or_refused);
	T_RUN(&s, test_etcd_member_list_tells_the_members_that_never_started);
	return t_done(&s);
}
