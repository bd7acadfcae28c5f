/*
 * opscfg.c - the structured config keys of pgBackRest, monitoring and Redis
 * (declared in cfgkeys.c), their checks across keys, and their release.
 *
 *   pgbackrest_repo    Pigsty's shape: {NAME: {OPTION: VALUE}}, each OPTION a
 *                      pgBackRest repository option with _ for - (path,
 *                      retention_full, s3_endpoint, cipher_type, ...).  Only
 *                      the repository pgbackrest_method names is kept (its
 *                      options in file order): it becomes repo1.
 *   redis_instances    {PORT: {replica_of: 'IP PORT'}}; {} or null for a primary.
 *   redis_max_memory   Redis' own size syntax (64mb, 1GB) or auto.
 *
 * Every error names FILE:LINE:COL of the value at fault.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* The repository options of pgBackRest's configuration reference (2.33 to
 * 2.60), without their repo- prefix and with _ for -. */
static const char *const repo_options[] = {
	"azure_account", "azure_container", "azure_endpoint", "azure_key", "azure_key_type",
	"azure_uri_style", "block", "bundle", "bundle_limit", "bundle_size", "cipher_pass",
	"cipher_type", "gcs_bucket", "gcs_endpoint", "gcs_key", "gcs_key_type", "hardlink",
	"host", "host_ca_file", "host_ca_path", "host_cert_file", "host_cmd", "host_config",
	"host_config_include_path", "host_config_path", "host_key_file", "host_port",
	"host_type", "host_user", "path", "retention_archive", "retention_archive_type",
	"retention_diff", "retention_full", "retention_full_type", "retention_history",
	"s3_bucket", "s3_endpoint", "s3_key", "s3_key_secret", "s3_key_type", "s3_kms_key_id",
	"s3_region", "s3_role", "s3_sse_customer_key", "s3_token", "s3_uri_style", "sftp_host",
	"sftp_host_fingerprint", "sftp_host_key_check_type", "sftp_host_key_hash_type",
	"sftp_host_port", "sftp_host_user", "sftp_known_host", "sftp_private_key_file",
	"sftp_private_key_passphrase", "sftp_public_key_file", "storage_ca_file",
	"storage_ca_path", "storage_host", "storage_port", "storage_tag",
	"storage_upload_chunk_size", "storage_verify_tls", "target_time", "type", NULL
};

static int repo_option_ok(const char *s)
{
	for (size_t i = 0; repo_options[i]; i++)
		if (strcmp(s, repo_options[i]) == 0)
			return 1;
	return 0;
}


static void kv_add(struct inst_kv **v, size_t *n, const char *key, const char *value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].key = xstrdup(key);
	(*v)[(*n)++].value = xstrdup(value);
}

/* The options of one repository's mapping into c. */
static int repo_read(struct cload *l, const struct yamldoc_node *name,
		     const struct yamldoc_node *map, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	char got[64];

	if (!yamldoc_is_map(map))
		return yamldoc_fail(l->d, map, err, "pgbackrest_repo: '%s' must be a mapping of "
				    "repository options (path: /pg/backup, ...), got %s",
				    yamldoc_scalar(name), yamldoc_got(map, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(map); i++) {
		const struct yamldoc_node *k = yamldoc_key(l->d, map, i);
		const struct yamldoc_node *v = yamldoc_value(l->d, map, i);
		const char *key = yamldoc_scalar(k);

		if (!repo_option_ok(key))
			return yamldoc_fail(l->d, k, err, "pgbackrest_repo: '%.100s' is not a "
					    "pgBackRest repository option (repo1-OPTION, written with "
					    "_ for -: path, retention_full, s3_bucket, cipher_type, ...)",
					    key);
		if (!yamldoc_is_scalar(v) || yamldoc_is_null(v) || !inst_cfg_one_line(yamldoc_scalar(v)))
			return yamldoc_fail(l->d, v, err, "pgbackrest_repo: '%s' of '%s' must be "
					    "one line of text, got %s", key, yamldoc_scalar(name),
					    yamldoc_got(v, got, sizeof(got)));
		if (strcmp(key, "path") == 0 && yamldoc_scalar(v)[0] != '/')
			return yamldoc_fail(l->d, v, err, "pgbackrest_repo: the path of '%s' must "
					    "be absolute, got '%.200s'", yamldoc_scalar(name),
					    yamldoc_scalar(v));
		if (strcmp(key, "cipher_type") == 0 && strcmp(yamldoc_scalar(v), "aes-256-cbc") &&
		    strcmp(yamldoc_scalar(v), "none"))
			return yamldoc_fail(l->d, v, err, "pgbackrest_repo: cipher_type must be "
					    "aes-256-cbc or none, got '%.100s'", yamldoc_scalar(v));
		kv_add(&c->pgbackrest_repo, &c->n_pgbackrest_repo, key, yamldoc_scalar(v));
	}
	c->pgbackrest_repo_where = yamldoc_node_where(l->d, name);
	return 0;
}

int inst_cfg_parse_pgbackrest_repo(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	struct inst_config *c = l->c;
	const struct yamldoc_node *map = cvar(l, k->name), *method;
	char got[64];

	if (!map) {
		/* Pigsty's default local repository. */
		kv_add(&c->pgbackrest_repo, &c->n_pgbackrest_repo, "path", "/pg/backup");
		kv_add(&c->pgbackrest_repo, &c->n_pgbackrest_repo, "retention_full_type", "count");
		kv_add(&c->pgbackrest_repo, &c->n_pgbackrest_repo, "retention_full", "2");
		if (strcmp(c->pgbackrest_method, "local") == 0)
			return 0;
		method = cvar(l, "pgbackrest_method");
		return yamldoc_fail(l->d, method, err, "pgbackrest_method '%s' names no repository: "
				    "without pgbackrest_repo there is only 'local'",
				    c->pgbackrest_method);
	}
	if (!yamldoc_is_map(map))
		return yamldoc_fail(l->d, map, err, "'pgbackrest_repo' must be a mapping of "
				    "repositories ({local: {path: /pg/backup}}), got %s",
				    yamldoc_got(map, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(map); i++) {
		const struct yamldoc_node *name = yamldoc_key(l->d, map, i);

		if (strcmp(yamldoc_scalar(name), c->pgbackrest_method) == 0)
			return repo_read(l, name, yamldoc_value(l->d, map, i), err);
	}
	method = cvar(l, "pgbackrest_method");
	return yamldoc_fail(l->d, method ? method : map, err, "pgbackrest_method '%s' is not a "
			    "repository of pgbackrest_repo", c->pgbackrest_method);
}

/* "IP PORT" (Pigsty's replica_of). */
static int replica_of_ok(const char *s)
{
	const char *sp = strchr(s, ' ');
	char *end;
	long port;

	if (!sp || sp == s || strchr(sp + 1, ' ') || !inst_cfg_one_line(s))
		return 0;
	port = strtol(sp + 1, &end, 10);
	return !*end && port >= 1 && port <= 65535 && sp[1] != '\0';
}

static int redis_instance(struct cload *l, const struct yamldoc_node *key,
			  const struct yamldoc_node *val, struct pgb_err *err)
{
	static const char *const keys[] = { "replica_of", NULL };
	struct inst_config *c = l->c;
	struct inst_redis_instance *r;
	char *replica_of = NULL;
	char got[64];
	int port;

	if (yamldoc_int(l->d, key, "a redis_instances port", &port, err) < 0 || port < 1 ||
	    port > 65535)
		return yamldoc_fail(l->d, key, err, "redis_instances: each key is a TCP port "
				    "(1-65535), got '%.100s'", yamldoc_scalar(key));
	for (size_t i = 0; i < c->n_redis_instances; i++)
		if (c->redis_instances[i].port == port)
			return yamldoc_fail(l->d, key, err, "redis_instances: port %d twice", port);
	if (!yamldoc_is_null(val) && !yamldoc_is_map(val))
		return yamldoc_fail(l->d, val, err, "redis_instances: '%d' must be a mapping "
				    "({} or {replica_of: 'IP PORT'}), got %s", port,
				    yamldoc_got(val, got, sizeof(got)));
	if (yamldoc_is_map(val) &&
	    (yamldoc_check_keys(l->d, val, keys, "a redis instance", err) < 0 ||
	     yamldoc_get_str(l->d, val, "replica_of", 0, &replica_of, err) < 0))
		return -1;
	if (replica_of && !replica_of_ok(replica_of)) {
		free(replica_of);
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, val, "replica_of"), err,
				    "replica_of must be 'IP PORT' (its primary), got '%.100s'",
				    yamldoc_scalar(yamldoc_map_get(l->d, val, "replica_of")));
	}
	c->redis_instances = xrealloc(c->redis_instances,
				      (c->n_redis_instances + 1) * sizeof(*r));
	r = &c->redis_instances[c->n_redis_instances++];
	r->port = port;
	r->replica_of = replica_of;
	r->where = yamldoc_node_where(l->d, key);
	return 0;
}

int inst_cfg_parse_redis_instances(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *map = cvar(l, k->name);
	struct inst_config *c = l->c;
	char got[64];

	if (!map) {
		c->redis_instances = xcalloc(1, sizeof(*c->redis_instances));
		c->redis_instances[0].port = 6379;
		c->redis_instances[0].where = xstrdup("(default)");
		c->n_redis_instances = 1;
		return 0;
	}
	if (!yamldoc_is_map(map))
		return yamldoc_fail(l->d, map, err, "'redis_instances' must be a mapping "
				    "({6379: {}, 6380: {replica_of: '10.10.10.10 6379'}}), got %s",
				    yamldoc_got(map, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(map); i++)
		if (redis_instance(l, yamldoc_key(l->d, map, i), yamldoc_value(l->d, map, i),
				   err) < 0)
			return -1;
	return 0;
}

/* Redis' memory syntax: digits and an optional unit (b, k, kb, m, mb, g, gb). */
static int redis_size_ok(const char *s)
{
	static const char *const units[] = { "", "b", "k", "kb", "m", "mb", "g", "gb", NULL };
	size_t d = strspn(s, "0123456789");
	char unit[4];
	size_t n = strlen(s + d);

	if (!d || n > 2)
		return 0;
	for (size_t i = 0; i <= n; i++)
		unit[i] = (char)tolower((unsigned char)s[d + i]);
	for (size_t i = 0; units[i]; i++)
		if (strcmp(unit, units[i]) == 0)
			return 1;
	return 0;
}

int inst_cfg_parse_redis_memory(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, k->name);
	struct inst_config *c = l->c;
	char *v = NULL;

	if (!n)
		return 0;
	if (yamldoc_str(l->d, n, k->name, &v, err) < 0)
		return -1;
	if (strcmp(v, "auto") != 0 && !redis_size_ok(v)) {
		free(v);
		return yamldoc_fail(l->d, n, err, "'%s' must be a size such as 64MB or 1GB (or "
				    "auto), got '%.100s'", k->name, yamldoc_scalar(n));
	}
	free(c->redis_max_memory);
	c->redis_max_memory = v;
	return 0;
}

/* OnCalendar values are checked by systemd-analyze at install; here only
 * what could break the unit file's line. */
static int schedule_ok(const char *s)
{
	return *s && inst_cfg_one_line(s) && !strchr(s, '\\');
}

/*
 * In a flat file, modules decides (as for pgbouncer_enabled in config.c):
 * an *_enabled key that asks for a module modules lacks is refused, since
 * its packages would be missing.
 */
static int flat_module(struct cload *l, const char *key, const char *module, int on,
		       struct pgb_err *err)
{
	const struct yamldoc_node *n = cvar(l, key);

	if (l->inventory || !n || !on || inst_config_has_module(l->c, module))
		return 0;
	return yamldoc_fail(l->d, n, err, "%s is true but 'modules' lacks %s, so it would not "
			    "be installed: add it to modules", key, module);
}

int inst_cfg_finish_ops(struct cload *l, struct pgb_err *err)
{
	struct inst_config *c = l->c;

	if (flat_module(l, "pgbackrest_enabled", "pgbackrest", c->pgbackrest_enabled, err) < 0 ||
	    flat_module(l, "prometheus_enabled", "infra", c->prometheus_enabled, err) < 0 ||
	    flat_module(l, "node_exporter_enabled", "monitor", c->node_exporter_enabled, err) < 0 ||
	    flat_module(l, "pg_exporter_enabled", "monitor", c->pg_exporter_enabled, err) < 0 ||
	    flat_module(l, "pgbouncer_exporter_enabled", "monitor",
			c->pgbouncer_exporter_enabled, err) < 0)
		return -1;
	c->pg_conf_auto = cvar(l, "pg_conf") == NULL;
	/* A list's default is not set by the walk: Pigsty's save point. */
	if (!cvar_key(l, "redis_rdb_save"))
		strlist_add(&c->redis_rdb_save, "1200 1");
	/* The exporters' user (pg_monitor_username) is a system user of
	 * pg_default_roles and pg_default_hba_rules lets it in from this host
	 * (acl.c), whether the exporters run or not. */
	if (!l->inventory && inst_config_has_module(c, "redis") && !c->redis_cluster)
		return yamldoc_fail(l->d, cvar(l, "modules"), err, "modules has redis but the "
				    "config names no redis_cluster (the instances are "
				    "redis_cluster-redis_node-PORT): add redis_cluster");

	if (!schedule_ok(c->pgbackrest_schedule))
		return yamldoc_fail(l->d, cvar(l, "pgbackrest_schedule"), err,
				    "pgbackrest_schedule must be a systemd calendar event "
				    "(daily, *-*-* 01:00:00), got '%.100s'",
				    c->pgbackrest_schedule);
	if (c->redis_cluster && (strcmp(c->redis_mode, "standalone") || strcmp(c->redis_type,
									    "redis")))
		cload_warn(l, cvar(l, strcmp(c->redis_mode, "standalone") ? "redis_mode" :
				   "redis_type"), "redis_mode %s, redis_type %s: only standalone "
			   "Redis instances (with replica_of) are implemented; no Redis is set up "
			   "on this host", c->redis_mode, c->redis_type);
	return 0;
}

void inst_cfg_free_ops(struct inst_config *c)
{
	char **strs[] = {
		&c->pgbackrest_method, &c->pgbackrest_log_dir, &c->pgbackrest_schedule,
		&c->pgbackrest_repo_where, &c->pg_monitor_username, &c->pg_monitor_password,
		&c->redis_cluster, &c->redis_mode, &c->redis_type, &c->redis_fs_main,
		&c->redis_bind_address, &c->redis_max_memory, &c->redis_mem_policy,
		&c->redis_password,
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < c->n_pgbackrest_repo; i++) {
		free(c->pgbackrest_repo[i].key);
		free(c->pgbackrest_repo[i].value);
	}
	free(c->pgbackrest_repo);
	for (size_t i = 0; i < c->n_redis_instances; i++) {
		free(c->redis_instances[i].replica_of);
		free(c->redis_instances[i].where);
	}
	free(c->redis_instances);
	strlist_free(&c->redis_rdb_save);
}
