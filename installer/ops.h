/*
 * ops.h - what the operations modules share: pgBackRest (pgbackrest.c),
 * the point-in-time restore (cmd_pitr.c), the exporters (monitor.c),
 * Prometheus (prometheus.c) and Redis (redis.c).
 *
 * The pure parts (the files each service reads, derived from the config)
 * are here so the unit tests check them without a host; the rest of each
 * module is its inst_module (module.h).
 */
#ifndef PGB_OPS_H
#define PGB_OPS_H

#include <jansson.h>

#include "module.h"

/* --- PostgreSQL as the operations modules see it --- */

/* This host's PostgreSQL: Patroni's data directory under Patroni, the
 * distribution's cluster without it.  Free with inst_pg_layout_free(). */
int inst_ops_pg_layout(const struct inst_ctx *ctx, const struct inst_config *cfg,
		       struct inst_pg_layout *l, struct pgb_err *err);
/* 1 when this host's PostgreSQL answers and is not in recovery (the leader). */
int inst_ops_pg_is_leader(const struct inst_pg_layout *l);
/* A directory of user's with mode, its missing parents 0755 root; counted. */
int inst_ops_own_dir(struct inst_ctx *ctx, const char *path, const char *user, mode_t mode,
		     struct pgb_err *err);
/* uninstall --purge: remove path (a file or a whole tree), counted and
 * logged; a missing one is fine. */
int inst_ops_remove(struct inst_ctx *ctx, const char *path, struct pgb_err *err);
/* uninstall --purge: remove unit's drop-in name (inst_unit_dropin), its
 * directory when nothing else is there, and have systemd reload. */
int inst_ops_remove_dropin(struct inst_ctx *ctx, const char *unit, const char *name,
			   struct pgb_err *err);
/* uninstall --purge: stop and disable unit when it is enabled or running. */
int inst_ops_unit_stop(struct inst_ctx *ctx, const char *unit, struct pgb_err *err);
/* A unit file of ours in /etc/systemd/system, daemon-reload when it
 * changed; *changed says so. */
int inst_ops_unit_file(struct inst_ctx *ctx, const char *name, const char *text, int *changed,
		       struct pgb_err *err);

/* --- Pigsty's tiny template (pgtune.c) --- */

/* CPUs this host may use: online ones, capped by a cgroup CPU quota. */
int inst_host_cpus(void);
/* pg_conf in effect: tiny on a host of fewer than 4 CPUs unless stated. */
const char *inst_pg_conf_effective(const struct inst_config *c, int cpus);
/* The settings of that template beyond memory (tiny's), into out. */
void inst_pg_tune(const struct inst_config *c, int cpus, struct inst_pgconf *out);

/* --- pgBackRest (pgbackrest.c) --- */

#define INST_PGBR_CONF "/etc/pgbackrest/pgbackrest.conf"
#define INST_PGBR_UNIT "pgbackrest-backup"	/* .service and .timer */

/* 1 when the repository is encrypted (cipher_type is not none). */
int inst_pgbr_encrypted(const struct inst_config *cfg);
/* The repository's option value, or NULL. */
const char *inst_pgbr_repo_get(const struct inst_config *cfg, const char *key);
/* pgbackrest.conf for cfg, this host's PostgreSQL l and the passphrase
 * (NULL: unencrypted), rendered into out (inst_pgconf_render_ini). */
void inst_pgbr_conf(const struct inst_config *cfg, const struct inst_pg_layout *l,
		    const char *cipher_pass, struct inst_pgconf *out);
/* The backup service and its timer. */
void inst_pgbr_service(const struct inst_config *cfg, const struct inst_pg_layout *l,
		       struct sbuf *out);
void inst_pgbr_timer(const struct inst_config *cfg, struct sbuf *out);
/* pgbackrest --stanza=CLUSTER ARGS... as postgres; its status (>= 0) or -1. */
int inst_pgbr_run(const struct inst_config *cfg, const char *const *args, struct sbuf *out,
		  struct pgb_err *err);
/* `pgbackrest info --output=json` for the cluster's stanza: its object, or
 * NULL with err set. */
json_t *inst_pgbr_info(const struct inst_config *cfg, struct pgb_err *err);
/* The number of backups info lists (0 for none or a missing stanza). */
size_t inst_pgbr_backups(const json_t *info);
/* 1 when the repository is a local path (posix): each node then has its own,
 * holding the backups it took and the WAL it archived while it led. */
int inst_pgbr_local(const struct inst_config *cfg);
/* A backup of info (one stanza's object of `info --output=json`), borrowed
 * from it: label, when it ended (epoch), the timeline it began on (0 when
 * info does not say), the database's size in bytes. */
struct inst_pgbr_backup {
	const char *label;
	long long stop;
	long timeline;
	long long size;
};
/* The newest backup without error that ended at or before target (epoch
 * seconds): the one a restore to target starts from.  -1 with err when
 * there is none (naming when the first one ended). */
int inst_pgbr_pick_backup(const json_t *info, double target, struct inst_pgbr_backup *out,
			  struct pgb_err *err);
extern const struct inst_module inst_module_pgbackrest;

/* --- a new leader's stanza (pgbrlead.c) --- */

extern const struct inst_module inst_module_pgbrlead;
/* Whether this host's Patroni callback creates the stanza on a promotion. */
int inst_pgbrlead_enabled(const struct inst_config *cfg);
/* Patroni's callback part: on a promotion, `pgbackrest stanza-create` for
 * the stanza install recorded.  Best effort: a failure is said on stderr
 * (Patroni's log), never returned. */
void inst_pgbrlead_callback_run(const char *action, const char *role);

/* --- the exporters and Prometheus (monitor.c, prometheus.c) --- */

/* A port and what answers there, for status and Prometheus' targets. */
struct inst_exporter {
	const char *job;	/* node, postgres, pgbouncer */
	int port;
};
/* Where a family's package puts one exporter (or Prometheus): its unit, the
 * EnvironmentFile the unit reads, and the variable there holding the options. */
struct inst_exporter_pkg {
	const char *unit, *env, *var;
};
struct inst_monitor_layout {
	struct inst_exporter_pkg node, pg, pgb, prom;
	const char *prom_data;		/* Prometheus' time series */
	int prom_opts_full;		/* the options must name config and data */
	int purge_removes_env;		/* rpm keeps an edited config file as .rpmsave
					 * (dpkg purges conffiles): purge removes ours */
};
/* Debian's packages (family "deb", the default) or prometheus-rpm's ("rpm"). */
const struct inst_monitor_layout *inst_monitor_layout(const char *family);
/* The exporters of a host (pg: a PostgreSQL host) into out[3]; their number. */
size_t inst_monitor_exporters(const struct inst_config *cfg, int pg, struct inst_exporter *out);
/* The files the exporters read (monitor.c), appended to out. */
void inst_monitor_node_env(const struct inst_config *cfg, struct sbuf *out);
void inst_monitor_pg_env(const struct inst_config *cfg, const char *pw, struct sbuf *out);
void inst_monitor_pgb_py_conf(const struct inst_config *cfg, struct sbuf *out);
/* The Go exporter's options; socket_dir: where PgBouncer's socket is. */
void inst_monitor_pgb_go_env(const struct inst_config *cfg, const char *socket_dir,
			     struct sbuf *out);
/* prometheus.yml for cfg (its rules at rules_path) and the alert rules. */
int inst_prometheus_config(const struct inst_config *cfg, const char *rules_path, char **text,
			   struct pgb_err *err);
int inst_prometheus_rules(char **text, struct pgb_err *err);
/* The Prometheus unit's EnvironmentFile, appended to out. */
void inst_prometheus_env(const struct inst_config *cfg, struct sbuf *out);
extern const struct inst_module inst_module_monitor;
extern const struct inst_module inst_module_prometheus;

/* --- Redis (redis.c) --- */

/* What a distribution's Redis package provides: its server and client
 * programs, the user it made (who runs our instances and owns their
 * files), the directories of our NAME.conf and NAME.log, and its own
 * service (stopped: the instances are ours). */
struct inst_redis_layout {
	const char *family, *target;	/* target NULL: any target of the family */
	const char *server, *cli, *user, *conf_dir, *log_dir, *unit;
};
/* The layout of family and target (cfg->family, cfg->target); Debian's for
 * an unknown family.  Static. */
const struct inst_redis_layout *inst_redis_layout(const char *family, const char *target);

/* The instance's name: CLUSTER-NODE-PORT (its unit, its files). */
char *inst_redis_name(const struct inst_config *cfg, const struct inst_redis_instance *r);
/* maxmemory in bytes for one instance on a host with mem bytes of RAM. */
unsigned long long inst_redis_maxmemory(const struct inst_config *cfg, unsigned long long mem);
/* redis.conf of instance r (password pw), rendered into out. */
void inst_redis_conf(const struct inst_config *cfg, const struct inst_redis_layout *l,
		     const struct inst_redis_instance *r, const char *pw,
		     unsigned long long maxmemory, struct sbuf *out);
void inst_redis_unit(const struct inst_config *cfg, const struct inst_redis_layout *l,
		     const struct inst_redis_instance *r, struct sbuf *out);
extern const struct inst_module inst_module_redis;

#endif
