/*
 * test_inventory.c - the config as Pigsty's inventory (installer/inventory.c,
 * cfgkeys.c, services.c): each node finds itself by its addresses, the
 * variables resolve host > group > all, Pigsty's cluster rules are enforced
 * at the offending line, Pigsty keys we lack are warned about by name, and
 * the README documents exactly the declared keys.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "unit.h"

static int pg15[] = { 15 };

/* A bundle with every module the HA stack uses. */
static void ha_bundle(struct inst_bundle *b)
{
	static const char *const mods[] = {
		"pgsql", "pgbouncer", "patroni", "etcd", "haproxy", "vip", "pgbackrest", "monitor",
		NULL
	};

	memset(b, 0, sizeof(*b));
	b->name = "pgsql-d12";
	b->family = "deb";
	b->postgres = pg15;
	b->npostgres = 1;
	for (size_t i = 0; mods[i]; i++)
		strlist_add(&b->modules, mods[i]);
}

/* Load text as host addr (a single address). */
static int load_as(struct inst_config *c, const char *text, const char *addr,
		   struct pgb_err *err)
{
	struct inst_bundle b;
	struct strlist addrs = STRLIST_INIT;
	int rc;

	ha_bundle(&b);
	strlist_add(&addrs, "127.0.0.1");
	strlist_add(&addrs, addr);
	rc = inst_config_load_mem_as(c, "inv.yml", text, strlen(text), &b, &addrs, err);
	strlist_free(&addrs);
	strlist_free(&b.modules);
	return rc;
}

static int load_file_as(struct inst_config *c, const char *path, const char *addr,
			struct pgb_err *err)
{
	struct inst_bundle b;
	struct strlist addrs = STRLIST_INIT;
	int rc;

	ha_bundle(&b);
	strlist_add(&addrs, addr);
	rc = inst_config_load_as(c, path, &b, &addrs, err);
	strlist_free(&addrs);
	strlist_free(&b.modules);
	return rc;
}

static int fails_with(const char *text, const char *addr, const char *want)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	int rc = load_as(&c, text, addr, &err);

	inst_config_free(&c);
	CHECKF(rc == -1, "loaded: %s", text);
	CHECKF(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	return 0;
}

static int has_warning(const struct inst_config *c, const char *want)
{
	for (size_t i = 0; i < c->warnings.n; i++)
		if (strstr(c->warnings.v[i], want))
			return 1;
	return 0;
}

/* A three-node inventory; %s lets a test add lines to all.vars. */
#define TRIO(extra_vars) \
	"all:\n" \
	"  children:\n" \
	"    etcd:\n" \
	"      hosts:\n" \
	"        10.10.10.10: { etcd_seq: 1 }\n" \
	"        10.10.10.11: { etcd_seq: 2 }\n" \
	"        10.10.10.12: { etcd_seq: 3 }\n" \
	"      vars: { etcd_cluster: etcd }\n" \
	"    pg-meta:\n" \
	"      hosts:\n" \
	"        10.10.10.10: { pg_seq: 1, pg_role: primary }\n" \
	"        10.10.10.11: { pg_seq: 2, pg_role: replica }\n" \
	"        10.10.10.12: { pg_seq: 3, pg_role: replica, pg_offline_query: true }\n" \
	"      vars:\n" \
	"        pg_cluster: pg-meta\n" \
	"        pg_port: 5432\n" \
	"  vars:\n" \
	"    pg_version: auto\n" extra_vars

static int test_trio_each_node_finds_itself_by_its_address(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load_file_as(&c, "manifests/config/trio.yml", "10.10.10.11", &err) == 0, "%s",
	       err.msg);
	CHECK(c.inventory && strcmp(c.self_addr, "10.10.10.11") == 0);
	CHECK(strcmp(c.nodename, "pg-meta-2") == 0 && c.pg_seq == 2);
	CHECK(strcmp(c.pg_role, "replica") == 0 && c.etcd_seq == 2);
	CHECK(c.n_pg_members == 3 && c.n_etcd_members == 3 && c.n_hosts == 3);
	CHECK(c.pg_members[1].self && !c.pg_members[0].self);
	CHECK(strcmp(c.pg_members[0].name, "pg-meta-1") == 0);
	CHECK(strcmp(c.pg_members[0].role, "primary") == 0 && c.pg_members[2].offline_query);
	CHECK(strcmp(c.etcd_members[2].name, "etcd-3") == 0);
	CHECK(strcmp(c.pg_listen, "0.0.0.0") == 0);
	CHECK(inst_config_has_module(&c, "etcd") && inst_config_has_module(&c, "patroni"));
	CHECK(inst_config_has_module(&c, "haproxy") && c.pg_vip_enabled);
	CHECK(c.n_pg_services == 4 && c.pg_services[1].port == 5434);
	CHECK(c.warnings.n == 0);
	inst_config_free(&c);
	return 0;
}

static int test_variables_resolve_host_over_group_over_all(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const char *text =
		"all:\n"
		"  children:\n"
		"    etcd: { hosts: { 10.0.0.1: { etcd_seq: 1 } } }\n"
		"    pg-a:\n"
		"      hosts:\n"
		"        10.0.0.1: { pg_seq: 1, pg_role: primary, pg_port: 5555 }\n"
		"        10.0.0.2: { pg_seq: 2, pg_role: replica }\n"
		"      vars: { pg_cluster: pg-a, pg_port: 6000, pg_rto: fast }\n"
		"  vars: { pg_port: 7000, pg_rto: safe, pg_rpo: 0 }\n";

	CHECKF(load_as(&c, text, "10.0.0.1", &err) == 0, "%s", err.msg);
	CHECK(c.pg_port == 5555 && strcmp(c.pg_rto, "fast") == 0 && c.pg_rpo == 0);
	CHECK(c.pg_members[1].pg_port == 6000);
	inst_config_free(&c);
	CHECKF(load_as(&c, text, "10.0.0.2", &err) == 0, "%s", err.msg);
	CHECK(c.pg_port == 6000 && c.etcd_seq == 0 && !inst_config_has_module(&c, "etcd"));
	CHECK(c.n_etcd_members == 1 && strcmp(c.etcd_members[0].addr, "10.0.0.1") == 0);
	inst_config_free(&c);
	return 0;
}

static int test_a_duplicate_pg_seq_is_refused_at_its_line(void)
{
	return fails_with(
		"all:\n"
		"  children:\n"
		"    etcd: { hosts: { 10.0.0.1: { etcd_seq: 1 } } }\n"
		"    pg-a:\n"
		"      hosts:\n"
		"        10.0.0.1: { pg_seq: 1, pg_role: primary }\n"
		"        10.0.0.2: { pg_seq: 1, pg_role: replica }\n"
		"      vars: { pg_cluster: pg-a }\n", "10.0.0.1",
		"inv.yml:7:29: pg_seq 1 of host 10.0.0.2 is already host 10.0.0.1's");
}

static int test_two_primaries_are_refused_at_the_second(void)
{
	return fails_with(
		"all:\n"
		"  children:\n"
		"    etcd: { hosts: { 10.0.0.1: { etcd_seq: 1 } } }\n"
		"    pg-a:\n"
		"      hosts:\n"
		"        10.0.0.1: { pg_seq: 1, pg_role: primary }\n"
		"        10.0.0.2: { pg_seq: 2, pg_role: primary }\n"
		"      vars: { pg_cluster: pg-a }\n", "10.0.0.1",
		"inv.yml:7:41: host 10.0.0.2 is a second primary of cluster pg-a") ||
	       fails_with(
		"all:\n"
		"  children:\n"
		"    etcd: { hosts: { 10.0.0.1: { etcd_seq: 1 } } }\n"
		"    pg-a:\n"
		"      hosts: { 10.0.0.1: { pg_seq: 1, pg_role: replica } }\n"
		"      vars: { pg_cluster: pg-a }\n", "10.0.0.1", "has no pg_role: primary");
}

static int test_an_even_etcd_member_count_is_refused(void)
{
	return fails_with(
		"all:\n"
		"  children:\n"
		"    etcd:\n"
		"      hosts:\n"
		"        10.0.0.1: { etcd_seq: 1 }\n"
		"        10.0.0.2: { etcd_seq: 2 }\n", "10.0.0.1",
		"inv.yml:5:31: etcd cluster etcd has 2 members: etcd needs an odd number");
}

static int test_a_host_the_inventory_does_not_name_is_refused(void)
{
	return fails_with(TRIO(""), "10.9.9.9", "this host is not in the inventory: none of "
			  "its addresses (127.0.0.1, 10.9.9.9)") ||
	       fails_with("all:\n  children:\n    g:\n      hosts: { db1: {} }\n", "10.0.0.1",
			  "inv.yml:4:16: group 'g': host 'db1' is not an IP address");
}

static int test_a_port_used_twice_on_a_host_is_refused(void)
{
	return fails_with(TRIO("    pgbouncer_port: 8008\n"), "10.10.10.10",
			  "port 8008 of patroni_port is already pgbouncer_port's") ||
	       fails_with(TRIO("    pg_services: [{ name: x, port: 5432 }]\n"), "10.10.10.10",
			  "inv.yml:19:18: host 10.10.10.10: port 5432 of x is already pg_port's") ||
	       fails_with(TRIO("    pg_services: [{ name: x, port: 5433 }]\n"), "10.10.10.10",
			  "service x (port 5433) clashes with service primary (port 5433)");
}

static int test_pigsty_keys_we_lack_are_warned_about_by_name(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load_as(&c, TRIO("    admin_ip: 10.10.10.10\n"
				"    node_timezone: UTC\n"
				"    redis_exporter_port: 9121\n"), "10.10.10.12", &err) == 0, "%s",
	       err.msg);
	/* admin_ip is what addr: admin stands for in HBA rules */
	CHECK(strcmp(c.admin_ip, "10.10.10.10") == 0);
	CHECK(has_warning(&c, "'node_timezone' (Pigsty's roles/node)"));
	CHECK(has_warning(&c, "'redis_exporter_port' is accepted and checked, but the "
			  "redis_exporter module is not implemented yet"));
	CHECK(c.warnings.n == 2);
	inst_config_free(&c);
	return fails_with(TRIO("    pgbackrest_init_backup: maybe\n"), "10.10.10.10",
			  "inv.yml:19:29:") ||
	       fails_with(TRIO("    pg_rot: fast\n"), "10.10.10.10",
			  "unknown key 'pg_rot' in the installer config (did you mean 'pg_rto'?)") ||
	       fails_with(TRIO("    modules: [pgsql]\n"), "10.10.10.10",
			  "'modules' is a key of the flat singleton config");
}

static int test_pigsty_entry_keys_and_hba_aliases_are_understood(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load_as(&c, TRIO("    pg_users: [{ name: u, password: P.w, expire_in: 30 }]\n"
				"    pg_databases: [{ name: d, baseline: cmdb.sql }]\n"
				"    pg_hba_rules:\n"
				"      - { user: all, db: all, addr: intra, auth: pwd, order: 800 }\n"
				"      - { user: u, db: d, addr: cluster, auth: pwd }\n"
				"    pg_libs: 'pg_stat_statements, auto_explain'\n"
				"    pg_conf: crit.yml\n"), "10.10.10.10", &err) == 0, "%s", err.msg);
	CHECK(has_warning(&c, "'expire_in' of a pg_users entry"));
	CHECK(has_warning(&c, "'baseline' of a pg_databases entry"));
	/* order is Pigsty's merge order with pg_default_hba_rules: understood */
	CHECK(!has_warning(&c, "'order' of a pg_hba_rules entry"));
	CHECK(c.pg_hba_rules[0].order == 800 && c.pg_hba_rules[3].order == INST_HBA_NO_ORDER);
	CHECK(strcmp(c.pg_users[c.n_pg_default_roles].password, "P.w") == 0);
	CHECK(c.n_pg_hba_rules == 6);
	CHECK(strcmp(c.pg_hba_rules[0].addr, "10.0.0.0/8") == 0);
	CHECK(strcmp(c.pg_hba_rules[3].addr, "10.10.10.10/32") == 0);
	CHECK(strcmp(c.pg_hba_rules[5].addr, "10.10.10.12/32") == 0);
	CHECK(c.pg_libs.n == 2 && strcmp(c.pg_libs.v[1], "auto_explain") == 0);
	CHECK(strcmp(c.pg_conf, "crit") == 0);
	inst_config_free(&c);
	return 0;
}

static int test_service_selectors_pick_members_as_pigsty_does(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };
	const struct inst_service *replica, *offline;

	CHECKF(load_as(&c, TRIO(""), "10.10.10.10", &err) == 0, "%s", err.msg);
	replica = &c.pg_services[1];
	offline = &c.pg_services[3];
	CHECK(strcmp(replica->name, "replica") == 0 && strcmp(replica->check, "/read-only") == 0);
	/* primary: in the replica service only as a backup */
	CHECK(inst_selector_match(replica->selector, &c.pg_members[0]));
	CHECK(inst_selector_match(replica->backup, &c.pg_members[0]));
	CHECK(!inst_selector_match(replica->backup, &c.pg_members[1]));
	/* offline: pg-meta-3 (pg_offline_query), the other replica as backup */
	CHECK(!inst_selector_match(offline->selector, &c.pg_members[1]));
	CHECK(inst_selector_match(offline->selector, &c.pg_members[2]));
	CHECK(inst_selector_match(offline->backup, &c.pg_members[1]));
	CHECK(!inst_selector_match(offline->backup, &c.pg_members[2]));
	CHECK(!inst_selector_match(offline->backup, &c.pg_members[0]));
	inst_config_free(&c);
	return fails_with(TRIO("    pg_services: [{ name: x, port: 5500, selector: "
			       "'[? pg_role = `x` ]' }]\n"), "10.10.10.10",
			  "pg_role and pg_seq are compared");
}

static int test_a_flat_config_is_one_host_this_one(void)
{
	struct inst_config c;
	struct pgb_err err = { { 0 } };

	CHECKF(load_as(&c, "pg_cluster: pg-x\nmodules: [pgsql, patroni, etcd, haproxy]\n",
		       "10.1.1.1", &err) == 0, "%s", err.msg);
	CHECK(!c.inventory && strcmp(c.self_addr, "127.0.0.1") == 0);
	CHECK(c.n_pg_members == 1 && c.pg_members[0].self && c.n_etcd_members == 1);
	CHECK(strcmp(c.pg_members[0].name, "pg-x-1") == 0 && c.patroni_enabled);
	CHECK(c.haproxy_enabled && !c.pgbouncer_enabled && !c.pg_vip_enabled);
	inst_config_free(&c);
	return fails_with("modules: [pgsql, patroni]\n", "10.1.1.1", "needs etcd in modules") ||
	       fails_with("modules: [pgsql, haproxy]\n", "10.1.1.1", "haproxy follows Patroni");
}

/* The README's key table is the one the declaration prints. */
static int test_readme_documents_exactly_the_declared_keys(void)
{
	struct sbuf want = SBUF_INIT;
	char *readme = NULL;
	size_t len;
	struct pgb_err err;
	const char *begin = "<!-- config-keys: begin -->\n", *end = "<!-- config-keys: end -->";
	char *a, *b;
	int ok;

	inst_cfg_keys_markdown(&want);
	CHECKF(util_read_file("README.md", &readme, &len, &err) == 0, "%s", err.msg);
	a = strstr(readme, begin);
	b = a ? strstr(a, end) : NULL;
	CHECKF(a && b, "README.md lacks the %s ... %s markers", begin, end);
	a += strlen(begin);
	*b = '\0';
	ok = strcmp(a, want.buf) == 0;
	if (!ok)
		fprintf(stderr, "# README.md's key table differs from `pgbundle-installer help "
			"config`; paste its output between the markers\n");
	free(readme);
	sbuf_free(&want);
	CHECK(ok);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_trio_each_node_finds_itself_by_its_address);
	T_RUN(&s, test_variables_resolve_host_over_group_over_all);
	T_RUN(&s, test_a_duplicate_pg_seq_is_refused_at_its_line);
	T_RUN(&s, test_two_primaries_are_refused_at_the_second);
	T_RUN(&s, test_an_even_etcd_member_count_is_refused);
	T_RUN(&s, test_a_host_the_inventory_does_not_name_is_refused);
	T_RUN(&s, test_a_port_used_twice_on_a_host_is_refused);
	T_RUN(&s, test_pigsty_keys_we_lack_are_warned_about_by_name);
	T_RUN(&s, test_pigsty_entry_keys_and_hba_aliases_are_understood);
	T_RUN(&s, test_service_selectors_pick_members_as_pigsty_does);
	T_RUN(&s, test_a_flat_config_is_one_host_this_one);
	T_RUN(&s, test_readme_documents_exactly_the_declared_keys);
	return t_done(&s);
}
