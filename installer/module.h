/*
 * module.h - the installer's module stack: one file per service, one small
 * interface, walked in order by `install`, `status` and `uninstall`.
 *
 * A module owns one service's configuration and lifecycle (its config
 * files, its unit, its data directory, its membership in the cluster) and
 * nothing else.  It is a `const struct inst_module` defined at the end of
 * its own file and named once in the table of module.c (inst_modules[]):
 *
 *     const struct inst_module inst_module_etcd = {
 *         .name = "etcd", .summary = "etcd, the DCS Patroni keeps its state in",
 *         .packages = "etcd", .enabled = etcd_enabled, .apply = etcd_apply,
 *         .status = etcd_status, .uninstall = etcd_uninstall,
 *     };
 *
 * Adding a service is adding its file, its line in inst_modules[] and its
 * config keys in cfgkeys.c.  Every hook but name may be NULL.
 *
 * Order: the table's.  `install` calls prepare() of every enabled module
 * before the packages go in (what a package's maintainer scripts must find
 * already there), then apply() of each, in order, after them; `status`
 * calls status() in order; `uninstall --purge` calls uninstall() in reverse
 * order, before the packages are purged.  An upgrade (a newer bundle over
 * an older one, upgrade.c) calls before_upgrade() of each, in order, after
 * the pre-flight and before apt's sources or any package change.
 *
 * Contract of apply() (as pg_bootstrap's, inst.h): idempotent (compare what
 * is with what cfg says, change only the difference, count each change in
 * ctx->changes through inst_pg_change or inst_pg_write_file); with
 * ctx->dry_run report and change nothing; with ctx->no_start start nothing.
 * It returns when the module's part on this host serves, or fails with a
 * message that says what it waited for and what to do.  Config files come
 * from structured writers (repo/yamlout.h for YAML, inst_pgconf for key =
 * value files, small line writers), never from templates of whole files.
 */
#ifndef PGB_MODULE_H
#define PGB_MODULE_H

#include <stdint.h>

#include <jansson.h>

#include "inst.h"

struct inst_secret_needs;	/* below */

struct inst_module {
	const char *name;	/* as in status, messages and the flat config's modules */
	const char *summary;	/* one line, for `help` and the README */
	/* The bundle module (recipes/modules.yml) whose packages it needs, or NULL. */
	const char *packages;
	/* 1 when this host runs the module under cfg.  NULL: when cfg->modules
	 * names it (inst_config_has_module). */
	int (*enabled)(const struct inst_config *cfg);
	/* Before the packages are installed (no service of theirs exists yet). */
	int (*prepare)(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);
	/* An upgrade is about to replace this host's packages and restart what
	 * runs them: make that safe for the cluster first (Patroni: a replica
	 * waits until every other member serves; the leader goes last, after a
	 * switchover to an upgraded replica).  Fails, changing nothing, when it
	 * is not safe yet, saying what to do.  ctx->dry_run: report only. */
	int (*before_upgrade)(struct inst_ctx *ctx, const struct inst_config *cfg,
			      struct pgb_err *err);
	/* Bring the service to what cfg says; see the contract above. */
	int (*apply)(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);
	/* Set the module's state in out, a JSON object of its own; read-only.
	 * A service that is down is a state, not an error: fail only when the
	 * state cannot be read at all. */
	int (*status)(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		      struct pgb_err *err);
	/* `uninstall --purge`: leave the cluster cleanly, stop and disable the
	 * service, remove its config and data. */
	int (*uninstall)(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);
	/* Settings it needs in postgresql.conf (for Patroni: every member's),
	 * set into out; NULL: none.  E.g. pgBackRest's archive_command. */
	void (*pg_settings)(const struct inst_config *cfg, struct inst_pgconf *out);
	/* The cluster secrets it uses (inst_secret_need() each), so that
	 * `pki init` makes every one of them once for the cluster. */
	void (*secrets)(const struct inst_config *cfg, struct inst_secret_needs *out);
};

/* module.c: every module, in the order they run; NULL-terminated. */
extern const struct inst_module *const inst_modules[];

/* 1 when m runs on this host under cfg. */
int inst_module_enabled(const struct inst_module *m, const struct inst_config *cfg);
/* The module named name, or NULL. */
const struct inst_module *inst_module_find(const char *name);

/* The walks of the commands (module.c).  Each stops at the first failure. */
int inst_modules_prepare(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err);
int inst_modules_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);
int inst_modules_before_upgrade(struct inst_ctx *ctx, const struct inst_config *cfg,
				struct pgb_err *err);
/* One object per enabled module, keyed by its name, into out. */
int inst_modules_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			struct pgb_err *err);
int inst_modules_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			   struct pgb_err *err);
/* Every enabled module's pg_settings into out, in order. */
void inst_modules_pg_settings(const struct inst_config *cfg, struct inst_pgconf *out);

/* --- the cluster's secrets (secrets.c) --- */

/*
 * The secrets every node of the cluster must share: passwords of
 * PostgreSQL roles (INST_CREDENTIALS, pgpass format, keyed by role) and the
 * others (INST_SECRETS, keyed by the config key that would state them:
 * "patroni_password").  inst_secret_role()/inst_secret() hand out, in this
 * order: the value the config states (stated, used as given); the one this
 * node stored earlier; the one `pki init` made for the cluster (--pki DIR,
 * then stored here); a new one, only when this node is the whole cluster.
 * Anything else fails saying how to get one.  A value taken or made is
 * logged by name (never by value) as a change and saved 0600 before it is
 * handed out, so no run uses a secret it then forgets.  *out belongs to s.
 *
 *     struct inst_secrets sec;
 *     const char *pw;
 *     if (inst_secrets_open(&sec, ctx, cfg, err) < 0 ||
 *         inst_secret(&sec, ctx, "patroni_password", cfg->patroni_password, &pw, err) < 0)
 *         ...
 *     inst_secrets_free(&sec);
 */
struct inst_secrets {
	const char *roles_path, *other_path;	/* the stores */
	struct inst_creds roles, other;
	const char *pki_dir;			/* --pki DIR, or NULL */
	int from_pki;
	struct inst_creds pki_roles, pki_other;	/* DIR/credentials, DIR/secrets */
	int may_generate;			/* this node is the whole cluster */
};
int inst_secrets_open(struct inst_secrets *s, const struct inst_ctx *ctx,
		      const struct inst_config *cfg, struct pgb_err *err);
/* A store at other paths, empty, that may generate (`pki init` on DIR). */
void inst_secrets_init(struct inst_secrets *s, const char *roles_path, const char *other_path);
int inst_secret_role(struct inst_secrets *s, struct inst_ctx *ctx, const char *role,
		     const char *stated, const char **out, struct pgb_err *err);
int inst_secret(struct inst_secrets *s, struct inst_ctx *ctx, const char *name,
		const char *stated, const char **out, struct pgb_err *err);
void inst_secrets_free(struct inst_secrets *s);

/* What the modules' secrets() hooks list. */
struct inst_secret_need {
	int role;		/* a PostgreSQL role's password */
	char *name;		/* the role, or the secret's config key */
	const char *stated;	/* the config's value, or NULL */
};
struct inst_secret_needs {
	struct inst_secret_need *v;
	size_t n;
};
void inst_secret_need(struct inst_secret_needs *out, int role, const char *name,
		      const char *stated);
/* Every enabled module's needs into out (module.c); free with inst_secret_needs_free. */
void inst_modules_secrets(const struct inst_config *cfg, struct inst_secret_needs *out);
void inst_secret_needs_free(struct inst_secret_needs *n);

/* --- services under systemd (svc.c) --- */

/* How long install waits for peers (etcd quorum, the leader), by default. */
#define INST_WAIT_DEFAULT 600

/* /etc/systemd/system/UNIT.service.d/NAME.conf; malloc'd. */
char *inst_dropin_path(const char *unit, const char *name);
/* Write that drop-in: "[Service]" and the lines of service ("Key=value");
 * daemon-reload when it changed (*changed). */
int inst_unit_dropin(struct inst_ctx *ctx, const char *unit, const char *name,
		     const struct strlist *service, int *changed, struct pgb_err *err);
int inst_daemon_reload(struct pgb_err *err);
/* systemctl kill --signal=SIGNAL the unit's main process. */
int inst_unit_signal(const char *unit, const char *signal, struct pgb_err *err);
/* 1 when systemd says the unit failed (it will not come up by itself). */
int inst_unit_failed(const char *unit);
/* Enable unit; start it when down, restart it when changed (a file it reads
 * at start changed); counted as changes; --no-start and --dry-run honoured. */
int inst_unit_run(struct inst_ctx *ctx, const char *unit, int changed, struct pgb_err *err);
/* Wait until ready() says 1 (or -1: failed), at most timeout_s, showing
 * what is awaited (ready() fills why) whenever that changes. */
int inst_wait(struct inst_ctx *ctx, int timeout_s, long interval_ms,
	      int (*ready)(void *arg, struct sbuf *why, struct pgb_err *err), void *arg,
	      struct pgb_err *err);
double inst_now(void);		/* CLOCK_MONOTONIC, seconds */
/* 1 when a TCP connection to addr:port opens within timeout_ms. */
int inst_tcp_open(const char *addr, int port, int timeout_ms);
void inst_sleep_ms(long ms);

/* --- TLS (pki.c) --- */

struct inst_pki_pair {
	char *key, *cert;	/* PEM, malloc'd */
};
void inst_pki_pair_free(struct inst_pki_pair *p);
/* A CA: EC P-256, self-signed, 20 years. */
int inst_pki_make_ca(const char *cn, struct inst_pki_pair *out, struct pgb_err *err);
/* A certificate signed by ca for names (IP addresses and DNS names). */
int inst_pki_make_cert(const struct inst_pki_pair *ca, const char *cn,
		       const struct strlist *names, struct inst_pki_pair *out,
		       struct pgb_err *err);
/* The certificate at cert_path is signed by the CA at ca_path, names every
 * one of names and has not expired; else fails saying which. */
int inst_pki_check(const char *ca_path, const char *cert_path, const struct strlist *names,
		   struct pgb_err *err);
/* What host's certificate must name: its address, 127.0.0.1, localhost,
 * its nodename and, on PostgreSQL hosts with pg_vip_enabled, the VIP. */
void inst_pki_names(const struct inst_config *cfg, const struct inst_member *host,
		    struct strlist *out);

/* --- Patroni and etcd (patroni.c, etcd.c): what other modules use --- */

/* pg_rto's table: Patroni's timing and HAProxy's check intervals. */
struct inst_rto {
	const char *name;
	int ttl, loop, retry, start;		/* Patroni */
	const char *inter, *fastinter, *downinter;	/* HAProxy */
	int rise, fall;
};
extern const struct inst_rto inst_rto_table[];
const struct inst_rto *inst_rto(const struct inst_config *cfg);
/* Where Patroni keeps PostgreSQL, unit patroni: Debian /var/lib/postgresql/MAJOR/CLUSTER,
 * EL PGDG's /var/lib/pgsql/MAJOR/data; l->patroni_conf is Patroni's config file. */
int inst_pg_layout_patroni(struct inst_pg_layout *l, const struct inst_config *cfg,
			   const char *family, struct pgb_err *err);
/* patronictl -c PATRONI_CONF ARGS (input on stdin), the config file of cfg's
 * family (inst_pg_layout_patroni); its status. */
int inst_patronictl(const struct inst_config *cfg, const char *const *args, const char *input,
		    struct sbuf *out, struct pgb_err *err);
/* `patronictl list -f json` parsed: [{"Member", "Role", "State", "TL", ...}];
 * NULL (err set) when Patroni's DCS does not answer. */
json_t *inst_patroni_members(const struct inst_config *cfg, struct pgb_err *err);
/* PostgreSQL's settings under Patroni: every member's (dcs), this host's
 * (local; its socket directory is l's). */
void inst_patroni_settings(const struct inst_config *cfg, const struct inst_pg_layout *l,
			   uint64_t mem, struct inst_pgconf *dcs, struct inst_pgconf *local);
struct yamlout;
/* The DCS configuration as a YAML mapping (bootstrap.dcs, edit-config patch);
 * removed: parameters to drop (NULL: none). */
void inst_patroni_dcs(struct yamlout *y, const struct inst_config *cfg, int patroni_major,
		      const struct inst_pgconf *dcs, const struct strlist *removed);
/* Patroni's config file for this host of cfg (the layout of cfg->family), malloc'd. */
int inst_patroni_config(const struct inst_config *cfg, int patroni_major, const char *repl_pw,
			const char *admin_pw, const char *rest_pw, char **text, struct pgb_err *err);
/* "https://a:2379,...": the etcd members' client URLs. */
char *inst_etcd_endpoints(const struct inst_config *cfg);
/* etcdctl (API v3) against endpoints with this node's certificate. */
int inst_etcdctl(const char *endpoints, const char *const *args, struct sbuf *out,
		 struct pgb_err *err);
/* The same with the client certificate, key and CA of the directory pki
 * (ca.crt, node.crt, node.key): Patroni's, for what runs as postgres. */
int inst_etcdctl_pki(const char *pki, const char *endpoints, const char *const *args,
		     struct sbuf *out, struct pgb_err *err);
/* One line of `etcdctl member list`: "ID, status, name, peer, client[, learner]". */
struct inst_etcd_member {
	char id[32], status[16], name[64], peer[256], client[256];
	int learner;
};
/* The members in text (etcdctl's simple output), at most max; their count. */
size_t inst_etcd_parse_members(const char *text, struct inst_etcd_member *m, size_t max);

/* The modules (one file each). */
extern const struct inst_module inst_module_node;	/* node.c */
extern const struct inst_module inst_module_pki;	/* pki.c */
extern const struct inst_module inst_module_etcd;	/* etcd.c */
extern const struct inst_module inst_module_pgsql;	/* pgsetup.c */
extern const struct inst_module inst_module_patroni;	/* patroni.c */
extern const struct inst_module inst_module_haproxy;	/* haproxy.c */
extern const struct inst_module inst_module_vip;	/* vip.c */
/* vip.c: the command Patroni's callbacks run, or NULL when this host needs
 * none (no VIP, no etcd leader to keep off: etcdlead.c). */
const char *inst_vip_callback(const struct inst_config *cfg);
/* vip.c: what Patroni's callback does for the VIP, for ACTION and the new
 * ROLE; nothing on a host without a VIP. */
int inst_vip_callback_run(const char *action, const char *role, struct pgb_err *err);
/* vip.c: whether a callback ROLE is a primary's (Patroni 2-4 names). */
int inst_callback_role_primary(const char *role);
/* vip.c: install the callback program (the .run's stub, 0750 root:postgres,
 * CAP_NET_ADMIN and CAP_NET_RAW) at /usr/lib/pgbundle/pgbundle-vip. */
int inst_callback_prog_install(struct inst_ctx *ctx, struct pgb_err *err);
/* vip.c: remove it (uninstall of the VIP or of etcdlead.c, whichever is first). */
int inst_callback_prog_remove(struct inst_ctx *ctx, struct pgb_err *err);
extern const struct inst_module inst_module_etcdlead;	/* etcdlead.c */
/* etcdlead.c: whether this host keeps etcd's leader off Patroni's leader. */
int inst_etcdlead_enabled(const struct inst_config *cfg);
/* etcdlead.c: Patroni's callback part: on a new primary whose host's etcd
 * member leads etcd, hand etcd's leadership to another member.  Best
 * effort: what fails is said on stderr (Patroni's log), never returned. */
void inst_etcdlead_callback_run(const char *action, const char *role);
/* cmd_vip.c: `vip-callback ACTION ROLE CLUSTER`, as Patroni calls it. */
int cmd_vip_callback(const struct inst_opts *o);
/* haproxy.c: the config file for cfg (pw: the stats password), appended to b. */
void inst_haproxy_render(const struct inst_config *cfg, const char *pw, struct sbuf *b);
extern const struct inst_module inst_module_pgbouncer;	/* pgbouncer.c */

/* --- the config beyond inst.h (inventory.c, services.c) --- */

/* Load a parsed document (taken: freed here) as the config of the host
 * whose addresses are addrs (NULL: this host's own, from its interfaces). */
struct yamldoc;
int inst_config_load_doc(struct inst_config *c, struct yamldoc *d, const struct inst_bundle *b,
			 const struct strlist *addrs, struct pgb_err *err);
/* inst_config_load for the host with addresses addrs (tests, `pki init`). */
int inst_config_load_as(struct inst_config *c, const char *path, const struct inst_bundle *b,
			const struct strlist *addrs, struct pgb_err *err);
int inst_config_load_mem_as(struct inst_config *c, const char *name, const char *text,
			    size_t len, const struct inst_bundle *b, const struct strlist *addrs,
			    struct pgb_err *err);
/* The addresses of every host of the config at path (a flat file: 127.0.0.1). */
int inst_inventory_addrs(const char *path, struct strlist *out, struct pgb_err *err);
/* The IP addresses of this host's interfaces that are up, as text. */
int inst_local_addresses(struct strlist *out, struct pgb_err *err);

/* 1 when member m is selected by s (a NULL selector selects everyone). */
int inst_selector_match(const struct inst_selector *s, const struct inst_member *m);
void inst_selector_free(struct inst_selector *s);
/* The text of s as the config wrote it ("[]" for NULL). */
const char *inst_selector_text(const struct inst_selector *s);

/* The README's table of config keys, from cfgkeys.c's declaration. */
void inst_cfg_keys_markdown(struct sbuf *out);

/* The member of cfg's PostgreSQL cluster that is this host, or NULL. */
const struct inst_member *inst_pg_self(const struct inst_config *cfg);

#endif
