/*
 * inst.h - what the installer's steps share: the run context and the step
 * interfaces, one module each.
 *
 * `pgbundle-installer install` runs, in order (cmd_install.c):
 *   runfile verify   (repo/runfile.h)  signature + hash of the whole .run, before anything is written
 *   host_check       (host.c)          root, OS family/codename/arch vs the bundle, free disk
 *   payload extract  (repo/pack.h)     streaming into PREFIX.staging, renamed into PREFIX/<top>
 *   apt_configure    (aptconf.c)       local signed source, other sources moved aside, update
 *   pkg_preflight    (pkgs.c)          simulate the whole transaction, refuse conflicts
 *   pkg_install      (pkgs.c)          install the packages of the enabled modules
 *   pg_bootstrap     (pgsetup.c)       cluster, parameters, HBA, users, databases, extensions
 *   pgbouncer_setup  (pgbouncer.c)     PgBouncer in front, when enabled
 * Every step is idempotent: it compares what is with what the config wants
 * and changes only the difference, reporting each change through inst_log.
 * With dry_run set a step prints what it would do and changes nothing.
 */
#ifndef PGB_INST_H
#define PGB_INST_H

#include <stdint.h>

#include "error.h"
#include "util.h"

#define INST_DEFAULT_PREFIX "/www/pgbundle"
#define INST_LOG_DIR "/var/log/pgbundle"
#define INST_STATE_DIR "/var/lib/pgbundle"
#define INST_CREDENTIALS "/etc/pgbundle/credentials"	/* 0600, generated passwords */

/* The bundle's metadata (bundle.json of the payload, also in the trailer). */
/* What creating one of the bundle's extensions needs beyond its package
 * (bundle.json "extension_info", from recipes/extensions.yml). */
struct inst_ext_info {
	char *name;			/* as its .control file (postgis-3) */
	char *catalog;			/* the name to CREATE when it differs (postgis), or NULL */
	char *preload;			/* library for shared_preload_libraries, or NULL */
	struct strlist preload_after;	/* libraries to load before preload */
	struct strlist settings;	/* "key=value" */
	struct strlist conflicts;	/* extensions that cannot share its database */
	char *exception;		/* why CREATE EXTENSION fails in a plain database */
	int *exception_pg;		/* the majors it holds for; none: all */
	size_t n_exception_pg;
};

/* How dnf takes an EL bundle (bundle.json "rpm"). */
struct inst_rpm {
	int present;			/* 1 for an EL bundle */
	char *release;			/* the EL major it was built for, "9" */
	char *gpgkey;			/* the bundle key's file: the .repo's gpgkey */
	struct strlist keys;		/* RPM-GPG-KEY-* files to rpm --import */
	struct strlist modules_disable;	/* dnf module disable, as the build did */
	int module_hotfixes;		/* the .repo needs module_hotfixes=1 */
	int weak_deps;			/* install_weak_deps */
};

struct inst_bundle {
	char *name, *version, *target, *family, *codename, *arch;
	struct inst_rpm rpm;
	int *postgres;
	size_t npostgres;
	struct strlist requested;	/* package names */
	struct strlist extensions, modules;	/* extension packages, manifest modules */
	struct strlist module_packages;		/* "module:package" */
	struct strlist extra_packages;		/* the manifest's raw packages */
	/* "15:postgresql-15": each major's own requested packages (bundle.json
	 * postgres_packages; empty for older bundles). */
	struct strlist major_packages;
	/* The extensions the manifest chose, in name order; empty for bundles
	 * that name packages only, and for bundles made before it existed. */
	struct inst_ext_info *ext;
	size_t n_ext;
	char *key_fpr;
	char *config;		/* path inside the bundle of the bundled config, or NULL */
	uint64_t size;
	size_t npackages;
	int64_t date;
};

struct inst_log;		/* log.c: terminal + INST_LOG_DIR/install.log */

struct inst_ctx {
	/* --root DIR: install into the EL system image at DIR (dnf --installroot,
	 * rpm --root) instead of this host; "" for this host.  prefix and
	 * repo_dir are then paths of this host, under root. */
	const char *root;
	const char *prefix;		/* where repositories live (INST_DEFAULT_PREFIX) */
	char *repo_dir;			/* PREFIX/<top>: the extracted bundle */
	const struct inst_bundle *bundle;
	const char *config_path;	/* the config in use (--config, else the bundled one) */
	int yes, dry_run, no_start, force;
	struct inst_log *log;
	int changes;			/* steps add the number of changes they made */
};

/* log.c */
int inst_log_open(struct inst_log **out, const char *dir, int dry_run, struct pgb_err *err);
void inst_log_step(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_change(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_close(struct inst_log *l);

/* run.c: run a program without a shell; output captured into out (may be NULL).
 * Returns the exit status (>= 0) or -1 when it could not run (err set). */
int inst_run(const char *const *argv, struct sbuf *out, struct pgb_err *err);
/* uid, gid and (home may be NULL) the home directory, malloc'd, of a local
 * user, from /etc/passwd: no NSS in the static binary. */
int inst_local_user(const char *user, uid_t *uid, gid_t *gid, char **home,
		    struct pgb_err *err);
int inst_run_as(const char *user, const char *const *argv, const char *stdin_text,
		struct sbuf *out, struct pgb_err *err);
/* Run argv (NULL is appended to it), its output into the log only; fails
 * with the output when it exits non-zero; `what` names it. */
int inst_run_logged(struct inst_ctx *ctx, struct strlist *argv, const char *what,
		    struct pgb_err *err);
/* path (absolute, of the system being installed) under ctx->root; malloc'd. */
char *inst_root_path(const struct inst_ctx *ctx, const char *path);

/* pkgmgr_*.c: the host's package manager, by the bundle's family; install
 * and uninstall go through it.  Every function changes nothing with
 * ctx->dry_run (and says what it would do).
 *   preflight  simulate installing pkgs from the tree at ctx->repo_dir with
 *              the host's configuration untouched; fill plan; refuse, naming
 *              the packages, a transaction that would remove or cannot resolve
 *   configure  make the tree at ctx->repo_dir the host's only source, its key
 *              trusted (after the tree is in place)
 *   install    install pkgs (plan from the pre-flight); record new packages
 *   restore    uninstall: the host's sources back, the bundle's source gone
 *   purge      uninstall --purge: the clusters and the packages pgbundle
 *              installed, refused when it would remove anything else */
struct pkg_plan;
struct inst_pkgmgr {
	const char *family;		/* the bundles it takes: "deb", "rpm" */
	const char *name;		/* "apt", "dnf" */
	int (*preflight)(struct inst_ctx *ctx, const struct strlist *pkgs,
			 struct pkg_plan *plan, struct pgb_err *err);
	int (*configure)(struct inst_ctx *ctx, struct pgb_err *err);
	int (*install)(struct inst_ctx *ctx, const struct strlist *pkgs,
		       const struct pkg_plan *plan, struct pgb_err *err);
	int (*restore)(struct inst_ctx *ctx, struct pgb_err *err);
	int (*purge)(struct inst_ctx *ctx, struct pgb_err *err);
};
extern const struct inst_pkgmgr inst_pkgmgr_apt, inst_pkgmgr_dnf;
/* The package manager of family ("deb", "rpm"); NULL when none. */
const struct inst_pkgmgr *inst_pkgmgr_for(const char *family);
/* pkgmgr_dnf.c, for the unit tests: the .repo of bundle b at dir (check: 0
 * for the pre-flight's private copy, which checks no signature), and dnf's
 * transaction table and problems parsed into p. */
char *dnf_repo_text(const struct inst_bundle *b, const char *dir, int check);
void dnf_sim_parse(const char *text, struct pkg_plan *p);

/* --- part A: the .run, the command line, the read-only commands --- */

struct runfile;			/* repo/runfile.h */

/*
 * The command line, parsed once by main.c.  Before every command but
 * `uninstall` and `help`, main opens and verifies the .run (signature by the
 * embedded key or --key, payload hash: runfile.h) and parses its bundle.json,
 * so run and bundle are set and verified; for those two they are NULL.
 * Strings point into argv or are constants.
 */
struct inst_opts {
	const char *self;		/* the .run: --file RUN, else /proc/self/exe */
	const char *prefix;		/* --prefix DIR, else INST_DEFAULT_PREFIX */
	const char *config;		/* --config FILE, or NULL: the bundled config */
	const char *key;		/* --key PUB, or NULL: the key embedded in the .run */
	const char *root;		/* --root DIR, else "": see inst_ctx.root */
	int yes, dry_run, no_start, force, json;
	int purge;			/* uninstall --purge (part B: cmd_uninstall.c) */
	int argc;			/* the command's operands, without the command name */
	char **argv;
	struct runfile *run;
	const struct inst_bundle *bundle;
};

/* One function per command (git style).  Each returns the exit status
 * (0 done, 1 failed, 2 bad usage) and prints its own messages: results on
 * stdout, errors as "pgbundle-installer: MESSAGE" on stderr (inst_print_error). */
/* payload.c: walk the payload's entries with every safety check, extracting
 * nothing; counts go into *w (which the caller zeroes). */
struct inst_payload_stats {
	uint64_t entries, files, bytes;
};
int inst_payload_walk(const struct inst_opts *o, struct inst_payload_stats *w,
		      struct pgb_err *err);
int cmd_install(const struct inst_opts *o);	/* cmd_install.c */
int cmd_uninstall(const struct inst_opts *o);	/* cmd_uninstall.c */
int cmd_verify(const struct inst_opts *o);	/* cmd_verify.c */
int cmd_info(const struct inst_opts *o);	/* cmd_info.c */
int cmd_list(const struct inst_opts *o);	/* cmd_list.c */
int cmd_extract(const struct inst_opts *o);	/* cmd_extract.c */
/* main.c: print err as the commands do; returns 1, the failure exit status. */
int inst_print_error(const struct pgb_err *err);

/* bundle_meta.c: parse bundle.json (format 1, as builder/bundle.c writes it)
 * into *b; `what` names the source in messages.  Required keys missing or of
 * the wrong type fail naming the key.  On error *b is left empty; free it
 * with inst_bundle_free() either way (NULL and empty are fine). */
int inst_bundle_parse(struct inst_bundle *b, const char *json, size_t len, const char *what,
		      struct pgb_err *err);
void inst_bundle_free(struct inst_bundle *b);
/* The extension_info entry whose name or catalog name is name, or NULL. */
const struct inst_ext_info *inst_bundle_ext(const struct inst_bundle *b, const char *name);
/* 1 when e's exception holds on PostgreSQL major pg. */
int inst_ext_exception_holds(const struct inst_ext_info *e, int pg);
/* The name to CREATE EXTENSION for e: its catalog name, else its own. */
const char *inst_ext_sql_name(const struct inst_ext_info *e);

/* --- part B: host checks, apt, packages, logging and running programs --- */

/* log.c, beyond the four above.  Every function accepts a NULL log (does
 * nothing), so library code can be tested without one.  A dry-run log
 * writes no file (inst_log_open's dir is then ignored).
 *   info      a detail line under the current step, on screen and in the file
 *   warn      "warning: ...", on screen and in the file
 *   detail    the log file only (command output, apt's transaction)
 *   progress  a transient line redrawn in place, on a terminal only */
void inst_log_info(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_warn(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_detail(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_progress(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The log file's path, or NULL when there is none (dry run). */
const char *inst_log_path(const struct inst_log *l);

/* run.c, beyond inst_run/inst_run_as.  stdout and stderr of the child are
 * one stream; stdin is /dev/null unless stdin_text is given.  inst_run_as
 * switches to a local user of /etc/passwd (with its /etc/group groups, HOME
 * and working directory), without NSS, so it works in the static binary.
 * inst_run_lines also calls line() for every output line ('\n' or '\r'
 * ended, without the end), as the child prints it. */
int inst_run_input(const char *const *argv, const char *stdin_text, struct sbuf *out,
		   struct pgb_err *err);
int inst_run_lines(const char *const *argv, struct sbuf *out,
		   void (*line)(void *ctx, const char *line), void *ctx, struct pgb_err *err);

/* host.c: the OS from os-release, the dpkg architecture, free space.
 * --force lets the release codename differ from the bundle's (a derivative,
 * or an in-place upgrade); family and architecture must always match, and
 * the pre-flight still runs. */
struct host_info {
	char *id, *id_like, *version_id, *codename, *pretty;	/* os-release; NULL when absent */
	char *family;		/* "deb", "rpm" or "" */
	char *arch;		/* dpkg --print-architecture (deb hosts); NULL otherwise */
};
/* Parse os-release at path into h (fields it already holds are replaced). */
int host_read_os_release(struct host_info *h, const char *path, struct pgb_err *err);
/* os-release of this host (of the image at root, when not NULL or ""),
 * plus its architecture: dpkg's on deb hosts, the kernel's on rpm ones. */
int host_probe(struct host_info *h, const char *root, struct pgb_err *err);
void host_info_free(struct host_info *h);
/* Refuse a host of another family, architecture or (without force) codename
 * or EL release, with a message naming both; a forced mismatch adds a line
 * to warnings. */
int host_match(const struct host_info *h, const struct inst_bundle *b, int force,
	       struct strlist *warnings, struct pgb_err *err);
/* Free bytes on the file system that holds path (or would: the nearest
 * existing parent). */
int host_free_space(const char *path, uint64_t *avail, struct pgb_err *err);
/* Fails, naming what needs the space and how much, when fewer than need bytes are free. */
int host_check_space(const char *path, uint64_t need, const char *what, struct pgb_err *err);
/* Root (unless dry run), host_probe + host_match, and need_prefix bytes free
 * under ctx->prefix (0: no check).  Logs what it found. */
int host_check(struct inst_ctx *ctx, uint64_t need_prefix, struct pgb_err *err);

/* aside.c: files of the configuration directory etc (relative names in
 * files) moved into etc/disabled and recorded in etc/disabled/moved.list
 * before each move; restore puts them all back, newest first, and removes
 * the record and the directory.  A file whose name exists again stays aside:
 * warned, counted in *kept, the rest restored.  Both count and log each
 * change and change nothing when ctx->dry_run. */
int inst_aside_move(struct inst_ctx *ctx, const char *etc, const char *disabled,
		    const struct strlist *files, struct pgb_err *err);
int inst_aside_restore(struct inst_ctx *ctx, const char *etc, const char *disabled, int *kept,
		       struct pgb_err *err);

/* aptconf.c: the bundle as the host's only apt source; see aptconf.c's top
 * comment for the files.  etc is the apt configuration directory
 * ("/etc/apt"; tests pass a scratch one).  Both count and log each change
 * in ctx and change nothing when ctx->dry_run.  configure points apt at
 * ctx->repo_dir, signed by the key read from key_file (the bundle's
 * pgbundle.gpg, wherever the tree is at the time). */
int aptconf_configure(struct inst_ctx *ctx, const char *etc, const char *key_file,
		      struct pgb_err *err);
/* Put the moved sources back exactly, remove pgbundle.sources and every
 * keyrings/pgbundle-*.gpg.  A moved file whose name exists again stays aside:
 * reported, the rest is restored, and the call fails naming it. */
int aptconf_restore(struct inst_ctx *ctx, const char *etc, struct pgb_err *err);
/* apt-get update of the bundle's source only (after aptconf_configure). */
int aptconf_update(struct inst_ctx *ctx, const char *etc, struct pgb_err *err);
/* The deb822 entry for repo_dir signed by key_path; malloc'd. */
char *aptconf_source_text(const struct inst_bundle *b, const char *repo_dir, const char *key_path);
/* ETC/keyrings/pgbundle-NAME.gpg; malloc'd. */
char *aptconf_key_path(const char *etc, const struct inst_bundle *b);

/* A private apt over ctx->repo_dir: its sources, lists and caches in a
 * temporary directory, the host's real dpkg status.  opts are the "-o" "X=Y"
 * arguments to give apt-get.  Open runs its apt-get update; close removes
 * the directory. */
struct apt_private {
	char *dir;
	struct strlist opts;
};
int aptconf_private_open(struct apt_private *a, struct inst_ctx *ctx, struct pgb_err *err);
void aptconf_private_close(struct apt_private *a);

/* pkgs.c: the transaction.  Parallel lists: inst[i] goes in at inst_ver[i],
 * replacing inst_old[i] ("" for a new package); remove[i] at remove_ver[i]
 * would go; unmet holds apt's "unmet dependencies" lines, errors its "E:"
 * lines; kib the installed size of inst. */
struct pkg_plan {
	struct strlist inst, inst_ver, inst_old;
	struct strlist remove, remove_ver;
	struct strlist unmet, errors;
	uint64_t kib;
};
void pkg_plan_free(struct pkg_plan *p);
/* The packages to install for the config's modules (NULL: all) and major
 * (0: every major; else the packages bundle.json gives another major only are
 * left out); appended to out, sorted. */
int pkg_select(const struct inst_bundle *b, const struct strlist *modules, int major,
	       struct strlist *out, struct pgb_err *err);
/* Parse `apt-get -s install` output into p (appends). */
void pkg_sim_parse(const char *text, struct pkg_plan *p);
/* 1 when a Breaks/Conflicts/Depends value names pkg (versions, arch
 * qualifiers and alternatives aside). */
int pkg_relation_names(const char *rel, const char *pkg);
/* Append one "\n  ..." line per conflict of p to msg, naming both packages,
 * from the dpkg status text and the bundle's Packages text (either may be NULL). */
void pkg_explain(const struct pkg_plan *p, const char *status, size_t slen, const char *index,
		 size_t ilen, struct sbuf *msg);
/* Simulate installing pkgs with apt; fills plan.  Fails (host untouched)
 * when apt would remove anything, cannot resolve, or the packages do not fit
 * on /usr, with a message naming the packages involved.  On a dry run the
 * whole apt-get -s output is shown. */
int pkg_preflight(struct inst_ctx *ctx, const struct apt_private *apt, const struct strlist *pkgs,
		  struct pkg_plan *plan, struct pgb_err *err);
/* Install pkgs with the host's apt (noninteractive, no recommends, the
 * operator's conffiles kept); nothing to do when plan installs nothing.
 * New packages are recorded in INST_STATE_DIR/packages first, for
 * `uninstall --purge`.  With ctx->no_start a temporary policy-rc.d keeps
 * services from starting (unless the host has its own). */
int pkg_install(struct inst_ctx *ctx, const struct strlist *pkgs, const struct pkg_plan *p,
		struct pgb_err *err);
/* Log and count installing p (none to do: says so); 1 when the install is
 * to run (not a dry run). */
int pkg_install_announce(struct inst_ctx *ctx, const struct strlist *pkgs,
			 const struct pkg_plan *p);
/* Run argv (a package manager's simulation) with pkgs appended, argv
 * freed; its output into out, shown on a dry run and logged otherwise (each
 * line after "what: ").  Returns its exit status, or -1. */
int pkg_simulate(struct inst_ctx *ctx, struct strlist *argv, const struct strlist *pkgs,
		 const char *what, struct sbuf *out, struct pgb_err *err);
/* The pre-flight's summary line, then room for p->kib (and a tenth more)
 * at where. */
int pkg_preflight_summary(struct inst_ctx *ctx, const struct strlist *pkgs,
			  const struct pkg_plan *p, const char *where, struct pgb_err *err);
/* The names recorded by pkg_install (appended to names), in
 * ROOT/INST_STATE_DIR/packages. */
int pkg_read_installed_record(const struct inst_ctx *ctx, struct strlist *names,
			      struct pgb_err *err);
/* Add names to that record (sorted, unique). */
int pkg_record_add(const struct inst_ctx *ctx, const struct strlist *add, struct pgb_err *err);

/* --- part C: the config, PostgreSQL and PgBouncer (config.c, pgconf.c,
 * creds.c, pgsetup.c, pgobjects.c, pgbouncer.c) --- */

/* config.c - the installer's YAML config (manifests/config/singleton.yml is
 * the bundled one), in Pigsty's vocabulary where it fits; the keys are
 * described at the top of config.c.  Strings are malloc'd and owned by the
 * config. */

struct inst_kv {
	char *key, *value;
};

struct inst_pg_user {
	char *name;
	char *password;		/* NULL: generated on the host, kept in INST_CREDENTIALS */
	char *comment;		/* NULL: none */
	struct strlist roles;	/* granted roles: dbrole_*, pg_* or other pg_users */
	int login, superuser, createdb, createrole, replication, bypassrls;
	int pgbouncer;		/* listed in PgBouncer's auth_file */
	char *where;		/* "FILE:LINE:COL" of the entry */
};

struct inst_pg_ext {
	char *name;
	char *schema;		/* NULL: the database's default */
};

struct inst_pg_database {
	char *name, *owner;	/* owner defaults to postgres */
	char *comment;		/* NULL: none */
	char *encoding, *locale;	/* used at creation only; UTF8, C.UTF-8 */
	struct inst_pg_ext *extensions;	/* after "all" is expanded (pgext.c) */
	size_t n_extensions;
	int all;		/* "all" listed: every extension of the bundle that can be here */
	struct strlist left_out;	/* "NAME (why)": what "all" could not put here */
	struct strlist schemas;
	int pgbouncer;		/* served by PgBouncer (default yes) */
	char *where;
};

struct inst_pg_hba_rule {
	char *type;		/* "local" (unix socket) or "host" */
	char *user, *db;	/* all, a name or +group; all, a name or replication */
	char *addr;		/* CIDR for host rules (localhost, world expanded), NULL for local */
	char *auth;		/* scram-sha-256, peer (local only) or reject */
	char *title;		/* NULL or a comment written above the line */
};

struct inst_config {
	char *path;
	char *pg_cluster;	/* a label (cluster_name); Debian's cluster is <ver>/main */
	char *pg_version;	/* as written: "auto" or a major */
	int pg_major;		/* resolved; 0 when "auto" and no bundle was given */
	int pg_port;		/* 5432 */
	char *pg_listen;	/* listen_addresses: localhost, * or a comma list of IPs */
	struct inst_pg_user *pg_users;
	size_t n_pg_users;
	struct inst_pg_database *pg_databases;
	size_t n_pg_databases;
	struct inst_pg_hba_rule *pg_hba_rules;
	size_t n_pg_hba_rules;
	struct inst_kv *pg_parameters;	/* in file order; values as text */
	size_t n_pg_parameters;
	struct strlist pg_extensions;	/* extra packages, {pg} expanded (for pkgs.c) */
	struct strlist pg_libs;		/* shared_preload_libraries asked for */
	int pg_libs_auto;		/* also preload what every bundled extension needs */
	/* shared_preload_libraries as written: pg_libs, then what the created
	 * (and, with pg_libs_auto, the bundled) extensions need, each after the
	 * libraries it must load after (pgext.c). */
	struct strlist pg_preload;
	int pgbouncer_enabled, pgbouncer_port;	/* default: "pgbouncer" in modules; 6432 */
	char *pgbouncer_listen;		/* 127.0.0.1 */
	char *pgbouncer_poolmode;	/* session, transaction (default), statement */
	struct strlist modules;		/* default [pgsql, pgbouncer] */
};

/*
 * Load and check the config at path into *c.  b (NULL in unit tests)
 * resolves pg_version "auto" to the bundle's first PostgreSQL major and
 * checks that the major, the modules and the pg_extensions packages are in
 * the bundle.  Unknown keys, wrong types and inconsistent values (an owner
 * that is no user, pg_cron in a database other than cron.database_name,
 * ...) fail with "FILE:LINE:COL: ...".  On error *c is empty; free it with
 * inst_config_free() in both cases.
 */
int inst_config_load(struct inst_config *c, const char *path, const struct inst_bundle *b,
		     struct pgb_err *err);
/* The same from memory; name stands for the file in messages. */
int inst_config_load_mem(struct inst_config *c, const char *name, const char *text,
			 size_t len, const struct inst_bundle *b, struct pgb_err *err);
void inst_config_free(struct inst_config *c);
/* 1 when the config enables module m ("pgsql", "pgbouncer", ...). */
int inst_config_has_module(const struct inst_config *c, const char *m);

/* pgext.c - the bundle's extension_info applied to a loaded config (b may be
 * NULL: nothing is known then).  inst_pgext_expand() replaces each
 * database's "all" by every extension of the bundle without a recorded
 * exception or a conflict with one already there (those go to left_out),
 * and refuses two extensions the config puts in one database that cannot
 * share it (naming the database's FILE:LINE:COL).  inst_pgext_preload()
 * fills c->pg_preload and appends to pg_parameters the settings the
 * extensions need that the config does not set itself. */
int inst_pgext_expand(struct inst_config *c, const struct inst_bundle *b, struct pgb_err *err);
void inst_pgext_preload(struct inst_config *c, const struct inst_bundle *b);

/* pgconf.c - what PostgreSQL and PgBouncer read, derived from the config
 * without touching the host (so all of it is unit-tested). */

/* Where a distribution keeps a cluster: Debian's postgresql-common or EL's PGDG. */
struct inst_pg_layout {
	int major, port;
	int debian;		/* 1: postgresql-common; 0: EL (/var/lib/pgsql) */
	char *data_dir, *conf_dir;	/* conf_dir holds postgresql.conf and pg_hba.conf */
	char *conf_file;	/* our settings (Debian: conf.d/pgbundle.conf) */
	char *hba_file;
	char *bin_dir, *lib_dir;	/* server programs, shared libraries */
	char *socket_dir;
	char *unit;		/* postgresql@15-main (Debian), postgresql-15 (EL) */
	char *pgb_ini, *pgb_userlist;	/* PgBouncer's files */
	char *pgb_pidfile, *pgb_logfile;	/* needed where an init script daemonizes it (bullseye) */
};
/* family: the bundle's, "deb" or "rpm".  Free with inst_pg_layout_free(). */
int inst_pg_layout_init(struct inst_pg_layout *l, const char *family, int major, int port,
			struct pgb_err *err);
void inst_pg_layout_free(struct inst_pg_layout *l);

/* Ordered settings, written one "key = value" line each (the line writer). */
struct inst_pgconf {
	struct inst_kv *v;
	size_t n;
};
/* Replace key's value in place, or append key. */
void inst_pgconf_set(struct inst_pgconf *p, const char *key, const char *value);
const char *inst_pgconf_get(const struct inst_pgconf *p, const char *key);	/* NULL: unset */
void inst_pgconf_free(struct inst_pgconf *p);
/* PostgreSQL syntax: "key = 'value'" with ' doubled; header lines become
 * "# " comments.  Appends to out. */
void inst_pgconf_render_pg(const struct inst_pgconf *p, const char *header, struct sbuf *out);
/* INI syntax (PgBouncer): "key = value"; a key "[name]" starts a section. */
void inst_pgconf_render_ini(const struct inst_pgconf *p, const char *header, struct sbuf *out);

/* Bytes the memory settings are sized for: MemTotal, capped by the cgroup limit. */
uint64_t inst_pg_host_memory(void);
/* Memory settings in MB for mem_bytes of RAM; the rules are in pgconf.c. */
struct inst_pg_memory {
	unsigned long shared_buffers, effective_cache_size, maintenance_work_mem, work_mem;
};
void inst_pg_memory_size(uint64_t mem_bytes, int max_connections, struct inst_pg_memory *m);
/* Every setting of our conf.d file, in order, for mem_bytes of RAM. */
void inst_pg_settings(const struct inst_config *c, uint64_t mem_bytes, struct inst_pgconf *out);
/* pg_hba.conf: postgres by peer, PgBouncer's users over the socket, then the
 * config's rules; nothing else.  Appends to out. */
void inst_pg_hba_render(const struct inst_config *c, struct sbuf *out);
/* pgbouncer.ini for layout l.  Appends to out. */
void inst_pgbouncer_ini(const struct inst_config *c, const struct inst_pg_layout *l,
			struct sbuf *out);
/* One userlist.txt line: "name" "secret" with " doubled.  Appends to out. */
void inst_pgbouncer_userlist_add(struct sbuf *out, const char *name, const char *secret);

/* creds.c - generated passwords in INST_CREDENTIALS, in pgpass format
 * ("*:*:*:user:password", so PGPASSFILE=/etc/pgbundle/credentials works),
 * and SCRAM-SHA-256 secrets. */
struct inst_creds {
	struct inst_kv *v;	/* key NULL: a line that is not ours, kept as is */
	size_t n;
};
/* A missing file is an empty set.  A malformed line fails naming FILE:LINE. */
int inst_creds_load(struct inst_creds *c, const char *path, struct pgb_err *err);
const char *inst_creds_get(const struct inst_creds *c, const char *user);	/* NULL: none */
void inst_creds_set(struct inst_creds *c, const char *user, const char *password);
/* Atomic write, mode 0600; the directory is created 0700 when missing. */
int inst_creds_save(const struct inst_creds *c, const char *path, struct pgb_err *err);
void inst_creds_free(struct inst_creds *c);
/* 32 characters of [A-Za-z0-9] from RAND_bytes (190 bits); *out malloc'd. */
int inst_creds_generate(char **out, struct pgb_err *err);
/* The SCRAM-SHA-256 secret PostgreSQL would store for password (random
 * salt, 4096 iterations): the installer sends this, never the password, so
 * the password reaches neither the server nor its logs.  *out malloc'd. */
int inst_scram_secret(const char *password, char **out, struct pgb_err *err);
/* 1 when secret (a pg_authid.rolpassword) was made from password, else 0. */
int inst_scram_matches(const char *secret, const char *password);

/* pgsetup.c - the cluster, its settings and HBA, the services, roles,
 * databases, schemas and extensions.  Idempotent: each run compares the live
 * state (pg_roles, pg_database, pg_extension, the files) with the config,
 * changes only the difference and counts each change in ctx->changes.
 * ctx->dry_run: reports what it would change and changes nothing (no file,
 * service or SQL).  ctx->no_start: starts and restarts nothing; the SQL
 * steps then run only if the server is already up. */
int pg_bootstrap(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);
/*
 * Run script (fed on stdin) with psql as postgres over l's socket, in
 * database db.  vars: NULL or NULL-terminated "name=value" strings passed
 * with -v for :'name' / :"name" in the script, so values never become SQL
 * text.  Output (stdout and stderr) is appended to out when not NULL.  The
 * first failing statement stops the script and fails with psql's message.
 */
int inst_psql(const struct inst_pg_layout *l, const char *db, const char *const *vars,
	      const char *script, struct sbuf *out, struct pgb_err *err);
/* inst_psql for a query printing one JSON value: *out holds it (malloc'd). */
int inst_psql_json(const struct inst_pg_layout *l, const char *db, const char *const *vars,
		   const char *query, char **out, struct pgb_err *err);

/* pgobjects.c - roles (the dbrole_* groups and pg_users), databases,
 * schemas and extensions: what pg_bootstrap does once the server runs.
 * running 0 (dry run on a host without a server): everything is reported
 * as to be created. */
int inst_pg_objects(struct inst_ctx *ctx, const struct inst_config *cfg,
		    const struct inst_pg_layout *l, int running, struct pgb_err *err);

/* pgsetup.c helpers shared with pgobjects.c and pgbouncer.c. */
struct json_t;
/* A psql query printing one JSON value, parsed (json_decref it); NULL on error. */
struct json_t *inst_pg_query(const struct inst_pg_layout *l, const char *db,
			     const char *const *vars, const char *query, struct pgb_err *err);
/* Log one change (dry run: one would-be change) and count it in ctx->changes. */
void inst_pg_change(struct inst_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Make path hold text with mode, owned by owner (a local user; NULL: leave
 * it).  Does nothing when it already does; otherwise logs the change (what
 * says what the file is) and, unless dry run, writes it atomically.
 * *changed says whether it differed; *old (when old is not NULL) receives
 * the previous content for a rollback (NULL if there was none; caller frees).
 */
int inst_pg_write_file(struct inst_ctx *ctx, const char *path, const char *text, mode_t mode,
		       const char *owner, const char *what, int *changed, char **old,
		       struct pgb_err *err);
/* systemctl VERB UNIT, failing with its output. */
int inst_pg_systemctl(const char *verb, const char *unit, struct pgb_err *err);
/* 1 when systemctl is-active says so. */
int inst_pg_unit_active(const char *unit);
/* systemctl enable unless is-enabled says "enabled" (a change; dry run: reported). */
int inst_pg_unit_enable(struct inst_ctx *ctx, const char *unit, struct pgb_err *err);

/* pgbouncer.c - pgbouncer.ini, userlist.txt (SCRAM secrets of the
 * pgbouncer: true users, read from pg_authid), pgbouncer.service enabled and
 * running.  Call after pg_bootstrap; does nothing unless PgBouncer is
 * enabled.  Same idempotence, dry_run and no_start rules as pg_bootstrap. */
int pgbouncer_setup(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err);

#endif
