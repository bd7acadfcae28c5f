/*
 * config_int.h - what the config's three files share (private to them):
 *
 *   cfgkeys.c    the declaration: every key once, with its type, default,
 *                where Pigsty defines it and which module uses it; the names
 *                of Pigsty's parameters pgbundle does not implement
 *   inventory.c  Pigsty's inventory (all: {children, vars}) or a flat
 *                singleton file -> the effective variables of each host
 *                (host vars > group vars > all vars), the cluster checks,
 *                and this host found by its own addresses
 *   config.c     the typed reading of one host's variables, driven by the
 *                declaration, and the parsers of the structured keys
 *                (pg_users, pg_databases, pg_hba_rules, ...)
 */
#ifndef PGB_CONFIG_INT_H
#define PGB_CONFIG_INT_H

#include <stddef.h>

#include "inst.h"
#include "module.h"
#include "yamldoc.h"

/* One variable of a host: its name, and the key and value nodes it came from. */
struct cvar {
	const char *name;
	const struct yamldoc_node *key, *val;
};

struct cvars {
	struct cvar *v;
	size_t n;
};

/* One host's load: the document, its variables, the config being filled. */
struct cload {
	struct inst_config *c;
	const struct inst_bundle *b;
	const struct yamldoc *d;
	const struct cvars *vars;
	int inventory;			/* Pigsty's inventory, not a flat file */
	struct strlist *warnings;	/* shared by every host: one line per key */
};

/* The value node of variable name for this host, NULL when absent or null. */
const struct yamldoc_node *cvar(const struct cload *l, const char *name);
/* Its key node (for "at its line"), NULL when absent. */
const struct yamldoc_node *cvar_key(const struct cload *l, const char *name);
/* A warning once per text (the caller formats it with FILE:LINE:COL). */
void cload_warn(struct cload *l, const struct yamldoc_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- the declaration (cfgkeys.c) --- */

enum ck_type {
	CK_STR,		/* one line of text */
	CK_NAME,	/* a name: a letter or _, then letters, digits, _ . - */
	CK_INT,		/* decimal within [lo, hi] */
	CK_PORT,	/* a TCP port */
	CK_BOOL,
	CK_ENUM,	/* one of enums ("a|b|c"), kept as text */
	CK_PATH,	/* an absolute path */
	CK_CIDR,	/* an IPv4 address with a prefix length */
	CK_LIST,	/* a list of one-line strings */
	CK_SECRET,	/* a password: used as given; absent: from the cluster's secrets */
	CK_CUSTOM,	/* parse() reads it */
	CK_ANY,		/* any value (a key whose module comes later) */
};

/* Key flags. */
#define CKF_LATER 1u	/* its module is not implemented yet: warned when written */
#define CKF_FLAT 2u	/* a pgbundle key of the flat file only, not of the inventory */
#define CKF_REQ_PG 4u	/* required on every host of a PostgreSQL cluster (inventory) */
#define CKF_REQ_ETCD 8u	/* required on every member of an etcd cluster (inventory) */

struct ck {
	const char *name;
	enum ck_type type;
	const char *def;	/* the default as the config would write it; NULL: none */
	const char *def_inv;	/* a different default in an inventory; NULL: def */
	const char *pigsty;	/* the Pigsty role that defines it; NULL: pgbundle's own */
	const char *module;	/* the module that uses it */
	unsigned flags;
	size_t off;		/* the field of struct inst_config it fills (not CK_CUSTOM/ANY) */
	long lo, hi;		/* CK_INT */
	const char *enums;	/* CK_ENUM: "a|b|c" */
	int (*parse)(struct cload *l, const struct ck *k, struct pgb_err *err);
	const char *doc;
};

/* The declared keys, in the order they are read (later keys may look at
 * earlier ones).  Terminated by a NULL name. */
extern const struct ck inst_cfg_keys[];
/* The declaration of name, or NULL. */
const struct ck *inst_cfg_key(const char *name);
/* The Pigsty role of a Pigsty parameter pgbundle does not implement, or NULL. */
const char *inst_cfg_pigsty_only(const char *name);
/* The closest declared or Pigsty name to a misspelt one, or NULL. */
const char *inst_cfg_closest(const char *name);

/* The custom parsers of config.c the declaration names. */
int inst_cfg_parse_version(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_listen(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_users(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_databases(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_hba(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_params(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_libs(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_extensions(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_modules(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_pg_conf(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_services(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_sysctl(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_later(struct cload *l, const struct ck *k, struct pgb_err *err);
/* opscfg.c: pgBackRest's repositories, Redis' instances and memory; the
 * checks across their keys (from finish) and their fields' release. */
int inst_cfg_parse_pgbackrest_repo(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_redis_instances(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_parse_redis_memory(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_cfg_finish_ops(struct cload *l, struct pgb_err *err);
void inst_cfg_free_ops(struct inst_config *c);

/* acl.c: the access-control keys' parsers. */
int inst_acl_parse_privileges(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_acl_parse_schemas(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_acl_parse_extensions(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_acl_parse_intranet(struct cload *l, const struct ck *k, struct pgb_err *err);
int inst_acl_parse_admin_ip(struct cload *l, const struct ck *k, struct pgb_err *err);
/* acl.c: pgbundle's default of a key (pg_default_roles, pg_default_hba_rules,
 * ...) as YAML text "KEY: VALUE", in Pigsty's vocabulary; NULL: none. */
const char *inst_acl_builtin(const char *key);
/* config.c: that default loaded as a document of its own (named "pgbundle's
 * KEY" in messages); *out is KEY's value.  1, or -1; free *d. */
int inst_cfg_builtin(const char *key, struct yamldoc **d, const struct yamldoc_node **out,
		     struct pgb_err *err);
/* acl.c, once every key of a host is read: the system users (replication,
 * admin, monitor) are in pg_default_roles with one password each, Pigsty's
 * ${dbsu}-style users in HBA rules are replaced, TLS rules need TLS. */
int inst_acl_finish(struct cload *l, struct pgb_err *err);
/* acl.c: the fields above in struct inst_config (inst_config_free calls it). */
void inst_acl_config_free(struct inst_config *c);

/* config.c: read every declared key of one host into l->c (defaults first),
 * then the checks that span keys.  The caller set l->c->path. */
int inst_cfg_load_host(struct cload *l, struct pgb_err *err);
/* config.c: the name rule of roles, databases and clusters. */
int inst_cfg_name_ok(const char *s);
/* config.c: 1 when s has no control character (one line of text). */
int inst_cfg_one_line(const char *s);
/* config.c: pg_hba_rules with addr: cluster, once per member (after the
 * inventory filled c->pg_members). */
void inst_cfg_expand_cluster_hba(struct inst_config *c);

#endif
