/*
 * cfgkeys.c - every key of the installer config, declared once.
 *
 * The table below says, for each key: its type, its default, the Pigsty
 * role that defines it (so a Pigsty inventory reads the same here), the
 * module that uses it and one line of documentation.  config.c reads a
 * host's variables by walking it (defaults first, then the typed value or
 * the key's own parser), `pgbundle-installer help config` prints it as the
 * README's table (tests/installer/test_config.c checks that the README
 * holds exactly that table), and inventory.c refuses any key that is in
 * neither it nor pigsty_only[].
 *
 * Keys of modules that come later (pgBackRest, monitoring, Redis) are
 * declared with CKF_LATER: their values are checked for type now and each
 * one written is reported as "not implemented yet".  Pigsty's other parameters (pigsty_only[]) are accepted
 * with one warning each, never silently and never fatally.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define F(field) offsetof(struct inst_config, field)
#define NONE 0, 0, NULL, NULL

const struct ck inst_cfg_keys[] = {
	/* --- identity --- */
	{ "pg_cluster", CK_NAME, "pg-meta", NULL, "pg_id", "pgsql", 0, F(pg_cluster), NONE,
	  "PostgreSQL cluster name: Patroni's scope, cluster_name, the members' names" },
	{ "pg_seq", CK_INT, "1", NULL, "pg_id", "pgsql", CKF_REQ_PG, F(pg_seq), 1, 65535,
	  NULL, NULL, "instance number, unique in its cluster (member pg_cluster-pg_seq)" },
	{ "pg_role", CK_ENUM, "primary", NULL, "pg_id", "pgsql", CKF_REQ_PG, F(pg_role), 0, 0,
	  "primary|replica|offline", NULL, "the instance's role at creation: exactly one "
	  "primary per cluster; Patroni moves it later" },
	{ "pg_offline_query", CK_BOOL, "false", NULL, "pg_id", "haproxy", 0, F(pg_offline_query),
	  NONE, "serve the offline service (5438) from this replica" },
	{ "pg_weight", CK_INT, "100", NULL, "pg_id", "haproxy", 0, F(pg_weight), 0, 255, NULL,
	  NULL, "relative load-balancing weight in the services" },
	{ "nodename", CK_NAME, NULL, NULL, "node_id", "node", 0, F(nodename), NONE,
	  "host name; default pg_cluster-pg_seq on PostgreSQL hosts, else the host's own" },
	/* --- PostgreSQL --- */
	{ "pg_version", CK_CUSTOM, "auto", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_version, "PostgreSQL major, or auto: the bundle's first" },
	{ "pg_port", CK_PORT, "5432", NULL, "pg_id", "pgsql", 0, F(pg_port), NONE,
	  "PostgreSQL port" },
	{ "pg_listen", CK_CUSTOM, "localhost", "0.0.0.0", "pgsql", "pgsql", 0, F(pg_listen), 0,
	  0, NULL, inst_cfg_parse_listen, "listen_addresses: *, localhost or IPs; ${ip}, "
	  "${vip}, ${lo} stand for the host's address, the VIP and 127.0.0.1" },
	{ "pg_conf", CK_CUSTOM, "oltp", NULL, "pgsql", "patroni", 0, F(pg_conf), 0, 0,
	  "oltp|olap|crit|tiny", inst_cfg_parse_pg_conf, "tuning template (oltp.yml is read "
	  "as oltp); crit makes synchronous replication strict" },
	{ "pg_rto", CK_ENUM, "norm", NULL, "pgsql", "patroni", 0, F(pg_rto), 0, 0,
	  "fast|norm|safe|wide", NULL, "failover timing for Patroni and HAProxy (see "
	  "\"Failover timing\")" },
	{ "pg_rpo", CK_INT, "1048576", NULL, "pgsql", "patroni", 0, F(pg_rpo), 0,
	  2147483647L, NULL, NULL, "bytes a replica may lag and still be promoted "
	  "(maximum_lag_on_failover); 0: synchronous replication" },
	{ "pg_default_roles", CK_CUSTOM, "Pigsty's", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_users, "roles every cluster has, same fields as pg_users: "
	  "dbrole_readonly, dbrole_offline, dbrole_readwrite, dbrole_admin and the system users "
	  "(see \"Access control\")" },
	{ "pg_users", CK_CUSTOM, "[]", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_users, "business users: name, password, roles, pgbouncer, comment, "
	  "login, superuser, createdb, createrole, replication, bypassrls" },
	{ "pg_databases", CK_CUSTOM, "[]", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_databases, "business databases: name, owner, extensions (or all), "
	  "schemas, comment, encoding, locale, pgbouncer" },
	{ "pg_default_privileges", CK_CUSTOM, "Pigsty's", NULL, "pgsql", "pgsql", 0, 0, 0, 0,
	  NULL, inst_acl_parse_privileges, "'GRANT privileges ON TABLES|SEQUENCES|FUNCTIONS|"
	  "TYPES|SCHEMAS TO role' lines: the default privileges of what the superuser, "
	  "pg_admin_username, dbrole_admin's members and each database's owner create" },
	{ "pg_default_schemas", CK_CUSTOM, "[monitor]", NULL, "pgsql", "pgsql", 0, 0, 0, 0,
	  NULL, inst_acl_parse_schemas, "schemas made in template1 and postgres (name, or "
	  "{name, owner})" },
	{ "pg_default_extensions", CK_CUSTOM, "Pigsty's", NULL, "pgsql", "pgsql", 0, 0, 0, 0,
	  NULL, inst_acl_parse_extensions, "extensions made in template1 and postgres (name, or "
	  "{name, schema}); those the bundle lacks are left out" },
	{ "pg_acl_drift", CK_ENUM, "report", NULL, NULL, "pgsql", 0, F(pg_acl_drift), 0, 0,
	  "report|restore", NULL, "a privilege of the model revoked by hand: reported as a "
	  "warning, or put back" },
	{ "node_firewall_intranet", CK_CUSTOM, "[10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]",
	  NULL, "node", "pgsql", 0, 0, 0, 0, NULL, inst_acl_parse_intranet, "what addr: intra "
	  "stands for in HBA rules" },
	{ "admin_ip", CK_CUSTOM, NULL, NULL, "infra", "pgsql", 0, 0, 0, 0, NULL,
	  inst_acl_parse_admin_ip, "what addr: admin stands for in HBA rules (an IP address)" },
	{ "pg_default_hba_rules", CK_CUSTOM, "Pigsty's", NULL, "pgsql", "pgsql", 0, 0, 0, 0,
	  NULL, inst_cfg_parse_hba, "the cluster's HBA rules (see \"Access control\"), "
	  "merged with pg_hba_rules by order" },
	{ "pg_hba_rules", CK_CUSTOM, "[]", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_hba, "HBA rules: user (a role, +group, all, ${dbsu}, ${repl}, "
	  "${monitor}, ${admin}), db, addr (CIDR, local, localhost, intra, cluster, infra, "
	  "admin, world), auth (pwd, ssl, peer, deny, cert), title, order; or rules: [lines]" },
	{ "pg_parameters", CK_CUSTOM, "{}", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_params, "PostgreSQL parameters, the same on every member" },
	{ "pg_libs", CK_CUSTOM, "[]", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_libs, "shared_preload_libraries asked for (a list, or Pigsty's "
	  "comma-separated string); pg_libs_auto adds the extensions' own" },
	{ "pg_libs_auto", CK_BOOL, "true", NULL, NULL, "pgsql", 0, F(pg_libs_auto), NONE,
	  "also preload what every extension of the bundle needs, never a library "
	  "that starts machinery of its own unless pg_libs names it" },
	{ "pg_extensions", CK_CUSTOM, "[]", NULL, "pgsql", "pgsql", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_extensions, "extra packages to install ({pg}: the major)" },
	{ "pg_replication_username", CK_NAME, "replicator", NULL, "pgsql", "patroni", 0,
	  F(pg_replication_username), NONE, "the replicas' streaming user" },
	{ "pg_replication_password", CK_SECRET, NULL, NULL, "pgsql", "patroni", 0,
	  F(pg_replication_password), NONE, "its password; absent: a cluster secret" },
	{ "pg_admin_username", CK_NAME, "dbuser_dba", NULL, "pgsql", "patroni", 0,
	  F(pg_admin_username), NONE, "superuser Patroni uses over TCP (pg_rewind)" },
	{ "pg_admin_password", CK_SECRET, NULL, NULL, "pgsql", "patroni", 0,
	  F(pg_admin_password), NONE, "its password; absent: a cluster secret" },
	/* --- Patroni --- */
	{ "patroni_enabled", CK_BOOL, "true", NULL, "pgsql", "patroni", 0, F(patroni_enabled),
	  NONE, "Patroni manages PostgreSQL (inventory); false: no PostgreSQL is set up" },
	{ "patroni_port", CK_PORT, "8008", NULL, "pgsql", "patroni", 0, F(patroni_port),
	  NONE, "Patroni's REST API port" },
	{ "patroni_username", CK_NAME, "postgres", NULL, "pgsql", "patroni", 0,
	  F(patroni_username), NONE, "REST API user for its unsafe endpoints" },
	{ "patroni_password", CK_SECRET, NULL, NULL, "pgsql", "patroni", 0, F(patroni_password),
	  NONE, "its password; absent: a cluster secret" },
	{ "patroni_ssl_enabled", CK_BOOL, "true", NULL, "pgsql", "patroni", 0,
	  F(patroni_ssl_enabled), NONE, "REST API over TLS (Pigsty's default: false)" },
	{ "patroni_watchdog_mode", CK_ENUM, "off", NULL, "pgsql", "patroni", 0,
	  F(patroni_watchdog_mode), 0, 0, "off|automatic|required", NULL, "only off is "
	  "implemented" },
	{ "pg_namespace", CK_PATH, "/pg", NULL, "pgsql", "patroni", 0, F(pg_namespace),
	  NONE, "the DCS prefix of Patroni's keys" },
	/* --- PgBouncer --- */
	{ "pgbouncer_enabled", CK_BOOL, "true", NULL, "pgsql", "pgbouncer", 0,
	  F(pgbouncer_enabled), NONE, "PgBouncer on every PostgreSQL host (flat: "
	  "default when modules has pgbouncer)" },
	{ "pgbouncer_port", CK_PORT, "6432", NULL, "pgsql", "pgbouncer", 0, F(pgbouncer_port),
	  NONE, "PgBouncer's port" },
	{ "pgbouncer_listen", CK_CUSTOM, "127.0.0.1", "0.0.0.0", NULL, "pgbouncer", 0,
	  F(pgbouncer_listen), 0, 0, NULL, inst_cfg_parse_listen, "where PgBouncer listens "
	  "(Pigsty: pg_listen)" },
	{ "pgbouncer_poolmode", CK_ENUM, "transaction", NULL, "pgsql", "pgbouncer", 0,
	  F(pgbouncer_poolmode), 0, 0, "session|transaction|statement", NULL, "pool mode" },
	{ "pgb_default_hba_rules", CK_CUSTOM, "Pigsty's", NULL, "pgsql", "pgbouncer", 0, 0, 0,
	  0, NULL, inst_cfg_parse_hba, "PgBouncer's HBA rules (see \"Access control\"), "
	  "merged with pgb_hba_rules by order" },
	{ "pgb_hba_rules", CK_CUSTOM, "[]", NULL, "pgsql", "pgbouncer", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_hba, "PgBouncer's business HBA rules, as pg_hba_rules (a +group is "
	  "its PgBouncer users)" },
	/* --- services --- */
	{ "pg_default_services", CK_CUSTOM, "primary 5433, replica 5434, default 5436, "
	  "offline 5438", NULL, "pgsql", "haproxy", 0, 0, 0, 0, NULL, inst_cfg_parse_services,
	  "Pigsty's service model: name, port, dest, check, selector, backup" },
	{ "pg_services", CK_CUSTOM, "[]", NULL, "pgsql", "haproxy", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_services, "business services, same fields" },
	{ "pg_default_service_dest", CK_ENUM, "pgbouncer", NULL, "pgsql", "haproxy", 0,
	  F(pg_default_service_dest), 0, 0, "pgbouncer|postgres", NULL, "where dest: default "
	  "goes" },
	{ "haproxy_enabled", CK_BOOL, "true", NULL, "haproxy", "haproxy", 0, F(haproxy_enabled),
	  NONE, "HAProxy on every PostgreSQL host" },
	{ "haproxy_admin_username", CK_NAME, "admin", NULL, "haproxy", "haproxy", 0,
	  F(haproxy_admin_username), NONE, "stats page user" },
	{ "haproxy_admin_password", CK_SECRET, NULL, NULL, "haproxy", "haproxy", 0,
	  F(haproxy_admin_password), NONE, "its password; absent: a cluster secret" },
	{ "haproxy_exporter_port", CK_PORT, "9101", NULL, "haproxy", "haproxy", 0,
	  F(haproxy_exporter_port), NONE, "stats page port, on 127.0.0.1 only" },
	{ "haproxy_client_timeout", CK_STR, "24h", NULL, "haproxy", "haproxy", 0,
	  F(haproxy_client_timeout), NONE, "client-side idle timeout" },
	{ "haproxy_server_timeout", CK_STR, "24h", NULL, "haproxy", "haproxy", 0,
	  F(haproxy_server_timeout), NONE, "server-side idle timeout" },
	{ "pg_vip_enabled", CK_BOOL, "false", NULL, "pgsql", "vip", 0, F(pg_vip_enabled),
	  NONE, "an L2 VIP on the leader" },
	{ "pg_vip_address", CK_CIDR, "127.0.0.1/24", NULL, "pgsql", "vip", 0, F(pg_vip_address),
	  NONE, "the VIP, IPv4/prefix" },
	{ "pg_vip_interface", CK_STR, "auto", NULL, "pgsql", "vip", 0, F(pg_vip_interface),
	  NONE, "its interface; auto: the one holding the host's address" },
	/* --- etcd --- */
	{ "etcd_cluster", CK_NAME, "etcd", NULL, "etcd", "etcd", 0, F(etcd_cluster), NONE,
	  "etcd cluster name (members etcd_cluster-etcd_seq); PostgreSQL hosts use it" },
	{ "etcd_seq", CK_INT, "1", NULL, "etcd", "etcd", CKF_REQ_ETCD, F(etcd_seq), 1, 255,
	  NULL, NULL, "etcd member number; a host with it runs etcd" },
	{ "etcd_port", CK_PORT, "2379", NULL, "etcd", "etcd", 0, F(etcd_port), NONE,
	  "client port" },
	{ "etcd_peer_port", CK_PORT, "2380", NULL, "etcd", "etcd", 0, F(etcd_peer_port),
	  NONE, "peer port" },
	{ "etcd_data", CK_PATH, "/data/etcd", NULL, "etcd", "etcd", 0, F(etcd_data), NONE,
	  "data directory" },
	{ "etcd_init", CK_ENUM, "new", NULL, "etcd", "etcd", 0, F(etcd_init), 0, 0,
	  "new|existing", NULL, "new: a member of the first cluster; existing: one added "
	  "later (also found by itself)" },
	{ "etcd_election_timeout", CK_INT, "500", NULL, "etcd", "etcd", 0,
	  F(etcd_election_timeout), 100, 50000, NULL, NULL, "ms (Pigsty: 1000); a new etcd "
	  "leader extends every lease by it, Patroni's too: see \"Failover timing\"" },
	{ "etcd_heartbeat_interval", CK_INT, "50", NULL, "etcd", "etcd", 0,
	  F(etcd_heartbeat_interval), 10, 5000, NULL, NULL, "ms (Pigsty: 100)" },
	{ "etcd_root_password", CK_SECRET, NULL, NULL, "etcd", "etcd", 0, F(etcd_root_password),
	  NONE, "accepted; etcd is reached over mutual TLS with the cluster CA instead" },
	{ "etcd_safeguard", CK_BOOL, "false", NULL, "etcd_remove", "etcd", 0, F(etcd_safeguard),
	  NONE, "uninstall --purge refuses to remove this etcd member" },
	/* --- node --- */
	{ "nodename_overwrite", CK_BOOL, "true", NULL, "node_id", "node", 0,
	  F(nodename_overwrite), NONE, "set the host name to nodename (inventory)" },
	{ "node_write_etc_hosts", CK_BOOL, "true", NULL, "node", "node", 0,
	  F(node_write_etc_hosts), NONE, "the cluster's hosts in /etc/hosts (inventory)" },
	{ "node_etc_hosts", CK_LIST, "[]", NULL, "node", "node", 0, F(node_etc_hosts), NONE,
	  "extra \"IP name\" lines for /etc/hosts" },
	{ "node_tune", CK_ENUM, "oltp", NULL, "node", "node", 0, F(node_tune), 0, 0,
	  "none|oltp|olap|crit|tiny", NULL, "sysctl profile for PostgreSQL hosts" },
	{ "node_sysctl_params", CK_CUSTOM, "{}", NULL, "node", "node", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_sysctl, "extra sysctl settings" },
	/* --- pgbundle's own --- */
	{ "modules", CK_CUSTOM, "[pgsql, pgbouncer]", NULL, NULL, "-", CKF_FLAT, 0, 0, 0, NULL,
	  inst_cfg_parse_modules, "flat config only: the modules of this host" },
	/* --- modules that come later: checked, reported as not implemented yet --- */
	/* --- pgBackRest (pgbackrest.c, cmd_pitr.c) --- */
	{ "pgbackrest_enabled", CK_BOOL, "true", NULL, "pgsql", "pgbackrest", 0,
	  F(pgbackrest_enabled), NONE, "pgBackRest on PostgreSQL hosts (flat: default when "
	  "modules has pgbackrest)" },
	{ "pgbackrest_method", CK_NAME, "local", NULL, "pgsql", "pgbackrest", 0,
	  F(pgbackrest_method), NONE, "which repository of pgbackrest_repo" },
	{ "pgbackrest_repo", CK_CUSTOM, "local: {path: /pg/backup, retention_full_type: count, "
	  "retention_full: 2}", NULL, "pgsql", "pgbackrest", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_pgbackrest_repo, "repositories by name, each pgBackRest's repo1-* "
	  "options with _ for -; cipher_type aes-256-cbc unless it says none (the passphrase: "
	  "cipher_pass, else a cluster secret)" },
	{ "pgbackrest_init_backup", CK_BOOL, "true", NULL, "pgsql", "pgbackrest", 0,
	  F(pgbackrest_init_backup), NONE, "a full backup right after bootstrap, on the leader" },
	{ "pgbackrest_log_dir", CK_PATH, "/pg/log/pgbackrest", NULL, "pgsql", "pgbackrest", 0,
	  F(pgbackrest_log_dir), NONE, "log directory" },
	{ "pgbackrest_schedule", CK_STR, "*-*-* 01:00:00", NULL, NULL, "pgbackrest", 0,
	  F(pgbackrest_schedule), NONE, "when the timer takes a full backup on the leader "
	  "(systemd OnCalendar; Pigsty: a crontab line)" },
	/* --- monitoring (monitor.c: the exporters; prometheus.c: the server) --- */
	{ "pgbackrest_exporter_enabled", CK_BOOL, "true", NULL, "pg_monitor", "pgbackrest_exporter",
	  CKF_LATER, 0, NONE, "" },
	{ "pgbackrest_exporter_port", CK_PORT, "9854", NULL, "infra", "pgbackrest_exporter", CKF_LATER, 0,
	  NONE, "" },
	{ "node_exporter_enabled", CK_BOOL, "true", NULL, "node_monitor", "monitor", 0,
	  F(node_exporter_enabled), NONE, "prometheus-node-exporter on every host" },
	{ "node_exporter_port", CK_PORT, "9100", NULL, "node_monitor", "monitor", 0,
	  F(node_exporter_port), NONE, "its port" },
	{ "pg_exporter_enabled", CK_BOOL, "true", NULL, "pg_monitor", "monitor", 0,
	  F(pg_exporter_enabled), NONE, "prometheus-postgres-exporter on PostgreSQL hosts" },
	{ "pg_exporter_port", CK_PORT, "9630", NULL, "pg_monitor", "monitor", 0,
	  F(pg_exporter_port), NONE, "its port" },
	{ "pgbouncer_exporter_enabled", CK_BOOL, "true", NULL, "pg_monitor", "monitor", 0,
	  F(pgbouncer_exporter_enabled), NONE, "prometheus-pgbouncer-exporter where PgBouncer "
	  "runs" },
	{ "pgbouncer_exporter_port", CK_PORT, "9631", NULL, "pg_monitor", "monitor", 0,
	  F(pgbouncer_exporter_port), NONE, "its port" },
	{ "pg_monitor_username", CK_NAME, "dbuser_monitor", NULL, "pgsql", "monitor", 0,
	  F(pg_monitor_username), NONE, "the exporters' user (pg_monitor)" },
	{ "pg_monitor_password", CK_SECRET, NULL, NULL, "pgsql", "monitor", 0,
	  F(pg_monitor_password), NONE, "its password; absent: a cluster secret" },
	{ "infra_seq", CK_INT, NULL, NULL, "infra", "monitor", 0, F(infra_seq), 1, 255, NULL,
	  NULL, "a host of the infra group: Prometheus runs there (flat: infra in modules)" },
	{ "prometheus_enabled", CK_BOOL, "true", NULL, "infra", "monitor", 0,
	  F(prometheus_enabled), NONE, "Prometheus on the infra hosts" },
	{ "prometheus_port", CK_PORT, "9090", NULL, NULL, "monitor", 0, F(prometheus_port),
	  NONE, "Prometheus' port" },
	{ "grafana_enabled", CK_BOOL, "true", NULL, "infra", "monitor", 0, F(grafana_enabled),
	  NONE, "Grafana on the infra hosts, when the bundle carries it (Debian does not)" },
	{ "grafana_admin_username", CK_NAME, "admin", NULL, "infra", "grafana", CKF_LATER, 0,
	  NONE, "" },
	{ "grafana_admin_password", CK_SECRET, NULL, NULL, "infra", "grafana", CKF_LATER, 0,
	  NONE, "" },
	/* --- Redis (redis.c) --- */
	{ "redis_cluster", CK_NAME, NULL, NULL, "redis", "redis", 0, F(redis_cluster), NONE,
	  "Redis cluster name (identity): the host's instances are CLUSTER-NODE-PORT" },
	{ "redis_node", CK_INT, "1", NULL, "redis", "redis", 0, F(redis_node), 1, 65535, NULL,
	  NULL, "Redis node number (identity)" },
	{ "redis_instances", CK_CUSTOM, "{6379: {}}", NULL, "redis", "redis", 0, 0, 0, 0, NULL,
	  inst_cfg_parse_redis_instances, "{PORT: {replica_of: 'IP PORT'}}: a systemd unit "
	  "each" },
	{ "redis_fs_main", CK_PATH, "/data/redis", NULL, "redis", "redis", 0, F(redis_fs_main),
	  NONE, "data directory (one per instance below it)" },
	{ "redis_mode", CK_ENUM, "standalone", NULL, "redis", "redis", 0, F(redis_mode), 0, 0,
	  "standalone|cluster|sentinel", NULL, "only standalone (with replica_of) is "
	  "implemented" },
	{ "redis_type", CK_ENUM, "redis", NULL, "redis", "redis", 0, F(redis_type), 0, 0,
	  "redis|valkey",
	  NULL, "only redis is implemented" },
	{ "redis_conf", CK_STR, "redis.conf", NULL, "redis", "redis config template", CKF_LATER, 0, NONE,
	  "" },
	{ "redis_bind_address", CK_STR, "0.0.0.0", NULL, "redis", "redis", 0,
	  F(redis_bind_address), NONE, "where the instances listen (space-separated "
	  "addresses)" },
	{ "redis_max_memory", CK_CUSTOM, "auto", NULL, "redis", "redis", 0, F(redis_max_memory),
	  0, 0, NULL, inst_cfg_parse_redis_memory, "maxmemory of each instance (64MB, 1GB); "
	  "auto: 1GB or less, an eighth of the host's memory shared by its instances" },
	{ "redis_mem_policy", CK_ENUM, "allkeys-lru", NULL, "redis", "redis", 0,
	  F(redis_mem_policy), 0, 0, "noeviction|allkeys-lru|allkeys-lfu|allkeys-random|"
	  "volatile-lru|volatile-lfu|volatile-random|volatile-ttl", NULL, "maxmemory-policy" },
	{ "redis_password", CK_SECRET, NULL, NULL, "redis", "redis", 0, F(redis_password),
	  NONE, "requirepass and masterauth; absent: a cluster secret" },
	{ "redis_rdb_save", CK_LIST, "['1200 1']", NULL, "redis", "redis", 0,
	  F(redis_rdb_save), NONE, "RDB save points ('SECONDS CHANGES'); [] turns RDB off" },
	{ "redis_aof_enabled", CK_BOOL, "false", NULL, "redis", "redis", 0,
	  F(redis_aof_enabled), NONE, "the append-only file" },
	{ "redis_rename_commands", CK_ANY, "{}", NULL, "redis", "redis command renaming", CKF_LATER, 0, NONE,
	  "" },
	{ "redis_cluster_replicas", CK_INT, "1", NULL, "redis", "redis cluster mode", CKF_LATER, 0, 0,
	  16, NULL, NULL, "" },
	{ "redis_sentinel_monitor", CK_ANY, "[]", NULL, "redis", "redis sentinel", CKF_LATER, 0,
	  NONE, "" },
	{ "redis_exporter_enabled", CK_BOOL, "true", NULL, "redis", "redis_exporter", CKF_LATER, 0,
	  NONE, "" },
	{ "redis_exporter_port", CK_PORT, "9121", NULL, "redis", "redis_exporter", CKF_LATER, 0,
	  NONE, "" },
	{ "redis_exporter_options", CK_STR, "", NULL, "redis", "redis_exporter", CKF_LATER, 0, NONE,
	  "" },
	{ "redis_safeguard", CK_BOOL, "false", NULL, "redis_remove", "redis safeguard", CKF_LATER, 0,
	  NONE, "" },
	{ NULL, CK_ANY, NULL, NULL, NULL, NULL, 0, 0, NONE, NULL },
};

/*
 * Pigsty's parameters (its roles' defaults, plus the identity keys its
 * templates use) that pgbundle does not implement, by role.  A config that
 * sets one gets a warning naming it; nothing else happens.
 */
static const struct {
	const char *role, *names;
} pigsty_only[] = {
	{ "node_id",
	  "node_cluster nodename_exchange node_id_from_pg" },
	{ "node",
	  "node_default_etc_hosts node_dns_method node_dns_servers "
	  "node_dns_options node_repo_modules node_repo_remove node_packages "
	  "node_uv_env node_pip_packages node_selinux_mode node_firewall_mode "
	  "node_firewall_public_port node_disable_numa "
	  "node_disable_swap node_static_network node_disk_prefetch "
	  "node_kernel_modules node_hugepage_count node_hugepage_ratio "
	  "node_overcommit_ratio node_tuned_profile_dir node_data "
	  "node_admin_enabled node_admin_uid node_admin_username node_admin_sudo "
	  "node_admin_ssh_exchange node_admin_pk_current node_admin_pk_list "
	  "node_aliases node_timezone node_ntp_enabled node_ntp_servers "
	  "node_crontab_overwrite node_crontab vip_enabled vip_role vip_preempt "
	  "vip_interface vip_dns_suffix vip_auth_pass region proxy_env "
	  "nginx_enabled nginx_home nginx_data repo_name cert_validity vip_vrid "
	  "vip_address" },
	{ "pg_id",
	  "pg_mode pg_upstream pg_shard pg_group pg_instances" },
	{ "pgsql",
	  "pg_crontab pg_dbsu_password pg_dbsu pg_dbsu_uid pg_dbsu_sudo "
	  "pg_dbsu_home pg_dbsu_ssh_exchange pg_bin_dir pg_log_dir pg_packages "
	  "pg_data pg_fs_main pg_fs_backup pg_storage_type pg_dummy_filesize "
	  "pg_localhost patroni_mode patroni_log_dir pg_etcd_password "
	  "pg_primary_db pg_files pg_max_conn pg_shared_buffer_ratio pg_io_method "
	  "pg_rto_plan pg_delay pg_checksum pg_pwd_enc pg_encoding pg_locale "
	  "pg_lc_collate pg_lc_ctype pg_provision pg_init pg_reload "
	  "pgbouncer_log_dir pgbouncer_auth_query pgbouncer_sslmode "
	  "pgbouncer_ignore_param pg_service_provider pg_dns_suffix pg_dns_target "
	  "exporter_metrics_path dns_enabled" },
	{ "etcd",
	  "etcd_learner" },
	{ "haproxy",
	  "haproxy_clean haproxy_reload haproxy_auth_enabled haproxy_services" },
	{ "ca",
	  "ca_create ca_cn" },
	{ "infra",
	  "version language infra_portal infra_data infra_services "
	  "infra_extra_services nginx_clean nginx_exporter_enabled "
	  "nginx_exporter_port nginx_sslmode nginx_cert_validity nginx_users "
	  "nginx_port nginx_ssl_port certbot_sign certbot_email certbot_options "
	  "dns_port dns_records vmetrics_enabled vmetrics_clean vmetrics_port "
	  "vmetrics_scrape_interval vmetrics_scrape_timeout vmetrics_options "
	  "vlogs_enabled vlogs_clean vlogs_port vlogs_options vtraces_enabled "
	  "vtraces_clean vtraces_port vtraces_options vmalert_enabled "
	  "vmalert_port vmalert_options blackbox_enabled blackbox_port "
	  "blackbox_options alertmanager_enabled alertmanager_port "
	  "alertmanager_options grafana_port grafana_clean grafana_auth_proxy "
	  "grafana_pgurl grafana_view_password vip_exporter_port vector_port "
	  "nginx_cert_exists docker_exporter_port kafka_exporter_port "
	  "kafka_jmx_exporter_port code_port jupyter_port" },
	{ "node_monitor",
	  "node_exporter_options vector_enabled vector_clean vector_data "
	  "vector_read_from vector_log_endpoint" },
	{ "pg_monitor",
	  "pg_exporter_config pg_exporter_cache_ttls pg_exporter_params "
	  "pg_exporter_url pg_exporter_auto_discovery "
	  "pg_exporter_exclude_database pg_exporter_include_database "
	  "pg_exporter_connect_timeout pg_exporter_options pgbouncer_exporter_url "
	  "pgbouncer_exporter_options pgbackrest_exporter_options" },
	{ "pg_exporters",
	  "clsname" },
	{ "minio",
	  "minio_type minio_user minio_https minio_node minio_data minio_domain "
	  "minio_port minio_admin_port minio_access_key minio_secret_key "
	  "minio_extra_vars minio_provision minio_alias minio_buckets minio_users "
	  "minio_seq" },
	{ "repo",
	  "repo_enabled repo_home repo_endpoint repo_remove repo_modules "
	  "repo_url_packages repo_exists" },
	{ "docker",
	  "docker_enabled docker_data docker_storage_driver docker_cgroups_driver "
	  "docker_registry_mirrors docker_image docker_image_cache" },
	{ "juice",
	  "juice_cache juice_instances" },
	{ "kafka",
	  "kafka_role kafka_data kafka_heap_opts kafka_port kafka_controller_port "
	  "kafka_parameters kafka_security kafka_users kafka_topics" },
	{ "mysql",
	  "mysql_root_password mysql_monitor_password mysql_cluster_password "
	  "mysql_databases mysql_users mysql_parameters mysql_backup_enabled "
	  "mysql_backup_repo mysql_exporter_enabled" },
	{ "cache",
	  "cache_pkg_name cache_pkg_dir cache_repo" },
	{ "vibe",
	  "vibe_data code_enabled code_data code_password code_gallery "
	  "jupyter_enabled jupyter_data jupyter_password jupyter_venv "
	  "nodejs_enabled nodejs_registry npm_packages claude_enabled "
	  "claude_package claude_env codex_enabled" },
	{ "pg_migration",
	  "context_dir" },
	{ "pg_remove",
	  "pg_safeguard pg_rm_data pg_rm_backup pg_rm_pkg" },
	{ "etcd_remove",
	  "etcd_rm_data etcd_rm_pkg" },
	{ "redis_remove",
	  "redis_rm_data redis_rm_pkg" },
	{ "minio_remove",
	  "minio_safeguard minio_rm_data minio_rm_pkg" },
	{ "kafka_remove",
	  "kafka_safeguard kafka_rm_data kafka_rm_pkg" },
	{ "mysql_remove",
	  "mysql_safeguard mysql_rm_confirm" },
};

const struct ck *inst_cfg_key(const char *name)
{
	for (const struct ck *k = inst_cfg_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const char *inst_cfg_pigsty_only(const char *name)
{
	for (size_t i = 0; i < sizeof(pigsty_only) / sizeof(pigsty_only[0]); i++)
		if (util_has_word(pigsty_only[i].names, name))
			return pigsty_only[i].role;
	return NULL;
}

/* Edit distance with transpositions (pg_rot is one edit from pg_rto). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64][64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *inst_cfg_closest(const char *name)
{
	const char *best = NULL;
	size_t d = 3;		/* at most two edits away */

	for (const struct ck *k = inst_cfg_keys; k->name; k++)
		if (distance(name, k->name) < d) {
			d = distance(name, k->name);
			best = k->name;
		}
	return best;
}

static const char *type_name(const struct ck *k)
{
	switch (k->type) {
	case CK_STR: return "string";
	case CK_NAME: return "name";
	case CK_INT: return "integer";
	case CK_PORT: return "port";
	case CK_BOOL: return "bool";
	case CK_ENUM: return k->enums;
	case CK_PATH: return "path";
	case CK_CIDR: return "IPv4/prefix";
	case CK_LIST: return "list";
	case CK_SECRET: return "password";
	case CK_CUSTOM: return k->enums ? k->enums : "see text";
	case CK_ANY: return "any";
	}
	return "?";
}

static size_t count_words(const char *s)
{
	size_t n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == ' ';
	return n;
}

void inst_cfg_keys_markdown(struct sbuf *out)
{
	sbuf_adds(out, "| key | type | default | Pigsty role | module | meaning |\n"
		  "|---|---|---|---|---|---|\n");
	for (const struct ck *k = inst_cfg_keys; k->name; k++) {
		if (k->flags & CKF_LATER)
			continue;
		sbuf_addf(out, "| `%s` | ", k->name);
		/* a|b|c would split the table's cells */
		for (const char *t = type_name(k); *t; t++)
			sbuf_adds(out, *t == '|' ? ", " : (char[]){ *t, 0 });
		sbuf_adds(out, " | ");
		if (k->def)
			sbuf_addf(out, "`%s`", k->def);
		else
			sbuf_adds(out, "-");
		if (k->def_inv)
			sbuf_addf(out, " (inventory: `%s`)", k->def_inv);
		sbuf_addf(out, " | %s | %s | %s |\n", k->pigsty ? k->pigsty : "-", k->module,
			  k->doc);
	}
	sbuf_adds(out, "\nAccepted and checked, not implemented yet (each one a config sets "
		  "is named in a warning):");
	for (const struct ck *k = inst_cfg_keys; k->name; k++)
		if (k->flags & CKF_LATER)
			sbuf_addf(out, " `%s`", k->name);
	sbuf_adds(out, ".\n\nPigsty's other parameters are accepted with one warning each, by "
		  "role:");
	for (size_t i = 0; i < sizeof(pigsty_only) / sizeof(pigsty_only[0]); i++)
		sbuf_addf(out, "%s %s (%zu)", i ? "," : "", pigsty_only[i].role,
			  count_words(pigsty_only[i].names));
	sbuf_adds(out, ".\n");
}
