/*
 * inst.h - what the installer's steps share: the run context and the step
 * interfaces, one module each.
 *
 * `pgbundle-installer install` runs, in order (cmd_install.c):
 *   runfile verify   (repo/runfile.h)  signature + hash of the whole .run, before anything is written
 *   host_check       (host.c)          root, OS family/codename/arch vs the bundle, free disk
 *   upgrade_detect   (upgrade.c)       an older bundle of this name installed? a delta's base here? (delta.c)
 *   payload extract  (repo/pack.h)     streaming into PREFIX.staging, renamed into PREFIX/<top>;
 *                                      a delta completed from its base (delta.c)
 *   apt_configure    (aptconf.c)       local signed source, other sources moved aside, update
 *   pkg_preflight    (pkgs.c)          simulate the whole transaction, refuse conflicts
 *   pkg_install      (pkgs.c)          install the packages of the enabled modules
 *   restart_stale    (restart.c)       restart the services still running replaced files
 *                                      (an upgrade: its failure so far rolls apt back, upgrade.c)
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
#define INST_LOCK_FILE "/run/pgbundle-installer.lock"	/* instlock.c */
#define INST_SECRETS "/etc/pgbundle/secrets"	/* 0600, the cluster's other secrets */
#define INST_PKI_DIR "/etc/pgbundle/pki"	/* this node's CA certificate, certificate, key */
#define INST_STATE_CONFIG INST_STATE_DIR "/config.yml"	/* 0600: the config install ran with */
#define INST_STATE_BUNDLE INST_STATE_DIR "/bundle.json"	/* the bundle's metadata */

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
	/* What its preload library starts on its own (workers, an HA manager,
	 * a sampler), or NULL: preloaded only when the config names it. */
	char *background;
	struct strlist requires;	/* extensions it requires that preload a library */
};

/* A delta bundle (bundle.json format 2, builder/delta.h): the bundle it
 * applies to and the pool files it carries; installer/delta.c completes it. */
struct inst_delta {
	char *base_version;		/* the base's name is the bundle's */
	char *base_id;			/* its package set's identity (repo/pkgsetid.h) */
	int64_t base_date;
	size_t base_npackages, npackages;	/* in the base; carried here */
	uint64_t size;			/* bytes carried */
	struct strlist pool;		/* "pool/FILE" carried, sorted */
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
	char *packages_id;		/* a delta's: identity of its package set; else NULL */
	struct inst_delta *delta;	/* NULL: a full bundle */
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
	struct strlist key_rotation;	/* statements from older bundle keys (repo/keyrot.h) */
	char *config;		/* path inside the bundle of the bundled config, or NULL */
	uint64_t size;
	uint64_t installed_size;	/* bytes all its packages take installed; 0: unknown */
	size_t npackages;
	int64_t date;
};

struct inst_log;		/* log.c: terminal + INST_LOG_DIR/install.log */
struct runfile;			/* repo/runfile.h */

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
	const struct runfile *run;	/* the verified .run install runs from, or NULL */
	const char *pki_dir;		/* --pki DIR: the cluster's CA, certificates and secrets */
	int wait_s;			/* --wait: how long to wait for peers (INST_WAIT_DEFAULT) */
	struct inst_log *log;
	int changes;			/* steps add the number of changes they made */
};

/* instlock.c: one installer at a time.  inst_lock_take() locks path (flock,
 * never waiting) and writes this PID into it; when another process holds
 * it, fails naming path and that PID.  *fd is the caller's until
 * inst_lock_release() (also done by exit, even a SIGKILL). */
int inst_lock_take(const char *path, int *fd, struct pgb_err *err);
void inst_lock_release(int fd);

/* log.c */
int inst_log_open(struct inst_log **out, const char *dir, int dry_run, struct pgb_err *err);
void inst_log_step(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_change(struct inst_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_log_close(struct inst_log *l);

/* run.c: run a program without a shell; output captured into out (may be NULL).
 * A bare name is looked up in root's standard PATH, not the caller's, and the
 * child gets a clean environment (PATH, HOME, USER, LOGNAME, LANG).
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
 *              installed, refused when it would remove anything else; once
 *              the purge is known to be allowed and before anything is
 *              removed it calls leave(arg) (the modules leave their cluster:
 *              a refused purge must change nothing)
 *   recover    before the pre-flight: put right what an interrupted run left
 *              in the package manager (recover.c for apt); NULL: nothing */
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
	int (*purge)(struct inst_ctx *ctx, int (*leave)(void *arg, struct pgb_err *err),
		     void *arg, struct pgb_err *err);
	int (*recover)(struct inst_ctx *ctx, struct pgb_err *err);
};
extern const struct inst_pkgmgr inst_pkgmgr_apt, inst_pkgmgr_dnf;
/* The package manager of family ("deb", "rpm"); NULL when none. */
const struct inst_pkgmgr *inst_pkgmgr_for(const char *family);
/* pkgmgr_dnf.c, for the unit tests: the .repo of bundle b at dir (check: 0
 * for the pre-flight's private copy, which checks no signature), and dnf's
 * transaction table and problems parsed into p. */
char *dnf_repo_text(const struct inst_bundle *b, const char *dir, int check);
void dnf_sim_parse(const char *text, struct pkg_plan *p);
/* The groupadd and useradd argv (left empty when not needed) that make the
 * postgres account as PostgreSQL's server packages do, when names (the
 * packages asked for) hold a server package and passwd (the system's
 * /etc/passwd; group its /etc/group) has no postgres; root: --root DIR or
 * NULL. */
void dnf_postgres_account_argv(const struct strlist *names, const char *root,
			       const char *passwd, const char *group,
			       struct strlist *groupadd, struct strlist *useradd);

/* --- part A: the .run, the command line, the read-only commands --- */

struct runfile;			/* repo/runfile.h */
struct inst_trust;		/* trust.c */
struct pgp_keyring;		/* repo/pgp.h */

/*
 * The command line, parsed once by main.c.  Before every command but
 * `uninstall` and `help`, main opens the .run (its layout checked, nothing
 * verified yet), parses the bundle.json it claims and decides which keys the
 * signature must come from (trust.c), so run, bundle and trust are set; for
 * those two they are NULL.  Each command then reads the .run once through
 * payload.c, which verifies it in the same pass: until that pass returned 0,
 * bundle is a claim, good for planning and messages only.  Strings point
 * into argv or are constants.
 */
struct inst_opts {
	const char *self;		/* the .run: --file RUN, else /proc/self/exe */
	const char *prefix;		/* --prefix DIR, else INST_DEFAULT_PREFIX */
	const char *config;		/* --config FILE, or NULL: the bundled config */
	const char *base;		/* extract --base DIR: a delta's base repository */
	const char *key;		/* --key PUB: trust this key file */
	const char *fingerprint;	/* --fingerprint FPR: trust this key of the file */
	const char *trust_dir;		/* INST_TRUST_DIR (under --root's DIR with it): keys
					 * pinned by earlier installs */
	int trust_embedded;		/* --trust-embedded-key */
	int allow_downgrade;		/* --allow-downgrade */
	const char *root;		/* --root DIR, else "": see inst_ctx.root */
	int yes, dry_run, no_start, force, json;
	int purge;			/* uninstall --purge (part B: cmd_uninstall.c) */
	const char *pki;		/* --pki DIR: `pki init`'s directory for this cluster */
	int wait_s;			/* --wait SECONDS for peers; 0: INST_WAIT_DEFAULT */
	int argc;			/* the command's operands, without the command name */
	char **argv;
	const char *pitr_time;		/* pitr --time TIMESTAMP */
	struct runfile *run;
	const struct inst_bundle *bundle;
	struct inst_trust *trust;
};

/* One function per command (git style).  Each returns the exit status
 * (0 done, 1 failed, 2 bad usage) and prints its own messages: results on
 * stdout, errors as "pgbundle-installer: MESSAGE" on stderr (inst_print_error). */
int cmd_install(const struct inst_opts *o);	/* cmd_install.c */
int cmd_uninstall(const struct inst_opts *o);	/* cmd_uninstall.c */
int cmd_verify(const struct inst_opts *o);	/* cmd_verify.c */
int cmd_info(const struct inst_opts *o);	/* cmd_info.c */
int cmd_list(const struct inst_opts *o);	/* cmd_list.c */
int cmd_extract(const struct inst_opts *o);	/* cmd_extract.c */
int cmd_status(const struct inst_opts *o);	/* cmd_status.c */
int cmd_pki(const struct inst_opts *o);		/* cmd_pki.c */
int cmd_pitr(const struct inst_opts *o);	/* cmd_pitr.c */
struct inst_config;
/* cmd_status.c: the config install ran with (INST_STATE_CONFIG, or
 * o->config) and its bundle's metadata (INST_STATE_BUNDLE; *b stays empty
 * without it).  Free both with inst_config_free and inst_bundle_free. */
int inst_state_load(const struct inst_opts *o, struct inst_bundle *b, struct inst_config *c,
		    struct pgb_err *err);
/* main.c: print err as the commands do; returns 1, the failure exit status. */
int inst_print_error(const struct pgb_err *err);

/*
 * payload.c - the one pass over the .run that verifies it (repo/runfile.h)
 * against o->trust, each command consuming the payload its own way as it
 * is hashed.  Each returns 0 only when the file verified, was signed by the
 * key its bundle.json names, and the consumer succeeded; what the consumer
 * made (an extracted tree, counts, rows) may be used only then.
 */
struct pack_reader;
struct pack_entry_info;
/* Verify only, the payload read and hashed (info, an install that reuses its tree). */
int inst_payload_verify(const struct inst_opts *o, struct pgb_err *err);
/* Verify while every archive entry passes the extraction checks; counts into
 * *w (which the caller zeroes). */
struct inst_payload_stats {
	uint64_t entries, files, bytes;
};
int inst_payload_walk(const struct inst_opts *o, struct inst_payload_stats *w,
		      struct pgb_err *err);
/* Verify while fn sees each entry (it may read the entry's data from r);
 * fn returns 0 to go on, 1 to stop reading entries, -1 with err set to fail. */
int inst_payload_entries(const struct inst_opts *o,
			 int (*fn)(void *ctx, struct pack_reader *r,
				   const struct pack_entry_info *e, struct pgb_err *err),
			 void *ctx, struct pgb_err *err);
/* Verify while extracting into the empty directory dir_fd (dir in messages),
 * as pack_extract_reader() does. */
int inst_payload_extract(const struct inst_opts *o, int dir_fd, const char *dir,
			 void (*file_cb)(void *ctx, const char *path, const char *hex),
			 void *ctx, struct pgb_err *err);

/*
 * trust.c - which keys a .run must be signed by on this host, decided
 * before the pass from what the file claims:
 *   --key FILE        the keys of FILE
 *   --fingerprint FPR the embedded key with that fingerprint
 *   pinned            a key in o->trust_dir (INST_TRUST_DIR), pinned by an
 *                     earlier install, or a key the pinned one vouched for
 *                     with a rotation statement the bundle carries
 *                     (repo/keyrot.h); a pinned key binds install always,
 *                     verify and extract when neither option above is given
 *   the embedded key  with --trust-embedded-key, or when the operator says
 *                     yes at the prompt (a terminal, without --yes)
 * Anything else is refused, naming the fingerprints involved.  `info` and
 * `list` (mode INST_TRUST_SHOW) fall back to the embedded key and say so.
 */
#define INST_TRUST_DIR "/etc/pgbundle/trusted.d"
enum inst_trust_mode { INST_TRUST_SHOW, INST_TRUST_REQUIRED, INST_TRUST_INSTALL };
struct inst_trust {
	struct pgp_keyring *kr;	/* a good signature must come from a key of kr */
	char *kr_name;		/* kr in messages ("the key file /root/pgbundle.asc") */
	char *source;		/* where trust comes from, one line for output and log */
	const char *kind;	/* the same in a word: key-file, fingerprint, pinned, rotation,
				 * embedded-key (info --json's verified_with) */
	int embedded_only;	/* it rests on the key embedded in the file alone */
	int pinned;		/* the signer is pinned on this host (or rotated from a pin) */
	char signer[41];	/* the primary key expected to sign */
	struct strlist retired;	/* pinned keys that rotation statements replaced */
};
int inst_trust_decide(struct inst_trust *t, const struct inst_opts *o, enum inst_trust_mode mode,
		      struct pgb_err *err);
/* Pin the verified signer in o->trust_dir (its certificate from the
 * embedded key) and remove the pins it replaced; log says what changed. */
int inst_trust_pin(const struct inst_trust *t, const struct inst_opts *o, struct inst_log *log,
		   struct pgb_err *err);
void inst_trust_free(struct inst_trust *t);
/* "ABCD 1234 ... " with a space every four digits, for reading aloud (buf >= 51). */
const char *inst_fpr_groups(const char *fpr, char buf[51]);

/*
 * rollback.c - a bundle older than the one installed is refused unless
 * --allow-downgrade: INST_STATE_DIR/installed/NAME.json records the version,
 * build date and key of the last bundle of that name installed here.
 */
/* ctx->bundle against the record (--root: the image's), warning on ctx->log
 * when allow lets an older one in; then, once trusted, record it. */
int inst_rollback_check(const struct inst_ctx *ctx, int allow, struct pgb_err *err);
int inst_rollback_record(const struct inst_ctx *ctx, const char *signer, struct pgb_err *err);
/* dpkg's order of version strings: <0, 0, >0 as a sorts before, with, after b. */
int inst_version_cmp(const char *a, const char *b);

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

/* delta.c: a delta bundle (b->delta set) on the host.
 *   base_top     NAME-BASEVERSION.TARGET.ARCH, the base's directory name (malloc'd)
 *   base_check   dir holds the base's package set (its index's identity), or
 *                fails saying what it holds
 *   find_base    the base under prefix (PREFIX/base_top), else at also (may be
 *                NULL: the repository apt uses now); *dir malloc'd; fails, naming
 *                the bundle the host needs and the full bundle, when neither is it
 *   complete     make tree (the extracted delta) the full new repository: each
 *                indexed pool file it lacks hard-linked (or copied) from base,
 *                every pool file checked against the index, none beyond it;
 *                check_only (a dry run) checks the base's files in place */
char *inst_delta_base_top(const struct inst_bundle *b);
int inst_delta_base_check(const struct inst_bundle *b, const char *dir, struct pgb_err *err);
int inst_delta_find_base(const struct inst_bundle *b, const char *prefix, const char *also,
			 char **dir, struct pgb_err *err);
int inst_delta_complete(const struct inst_bundle *b, const char *tree, const char *base,
			int check_only, struct inst_log *log, struct pgb_err *err);

/* upgrade.c: a newer bundle of the same name over the one apt uses now
 * (see upgrade.c's top comment for the state it keeps).
 *   detect    sets u->from when this is an upgrade (or finishes an
 *             interrupted one); same_payload: PREFIX/TOP is this payload
 *   packages  adds to pkgs every package dpkg has that repo's index carries
 *             (also without u->from when an earlier install's packages are here)
 *   begin     before apt's sources change: records what a rollback needs
 *   aside     the older tree (same directory name) was moved to aside
 *   rollback  after a failure: apt's sources, key and tree as before
 *   finish    after success: automatic marks back, the older repository
 *             and the record removed
 * Every other function does nothing when u->from is NULL. */
struct inst_upgrade {
	char *from;			/* the older repository; NULL: not an upgrade */
	char *from_version;
	char *aside;			/* where the older tree was moved, or NULL */
	int resumed;			/* finishing an interrupted upgrade */
	int begun;			/* the record is written: a failure rolls back */
	struct strlist autos;		/* packages apt marked automatic before */
};
/* 1 on what the functions below handle: a deb bundle on this host (no --root). */
int inst_upgrade_applies(const struct inst_ctx *ctx);
int inst_upgrade_detect(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final,
			int same_payload, struct pgb_err *err);
int inst_upgrade_packages(struct inst_upgrade *u, struct inst_ctx *ctx, const char *repo,
			  struct strlist *pkgs, struct pgb_err *err);
int inst_upgrade_begin(struct inst_upgrade *u, struct inst_ctx *ctx, struct pgb_err *err);
int inst_upgrade_aside(struct inst_upgrade *u, const char *aside, struct pgb_err *err);
void inst_upgrade_rollback(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final);
int inst_upgrade_finish(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final,
			struct pgb_err *err);
void inst_upgrade_free(struct inst_upgrade *u);
/* The package names of the index of the repository at repo, sorted. */
int inst_index_names(const struct inst_bundle *b, const char *repo, struct strlist *names,
		     struct pgb_err *err);
/* restart.c: restart each running service of a package of repo's index
 * whose main process maps a file an upgrade replaced; warn of the others.
 * Silent when there is none, unless announce (the caller's step header is
 * then already out). */
int inst_restart_stale(struct inst_ctx *ctx, const char *repo, int announce, struct pgb_err *err);
/* The first file under the packages' trees that process pid maps though an
 * upgrade replaced it ("PATH (deleted)" in /proc/PID/maps), malloc'd; NULL
 * when none (or no such process). */
char *inst_stale_file(long pid);

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
/* Print question and read the operator's answer from stdin: 1 for y or Y. */
int inst_ask(const char *question);

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
/* Root (unless dry run), host_probe + host_match, and room for the whole
 * install, before anything is written: need_prefix bytes under ctx->prefix
 * (0: the repository is there already), every package of the bundle
 * installed under /usr (bundle.json's installed_size) and a new cluster
 * under /var/lib/postgresql, added up per file system (util_space_check).
 * Logs what it found. */
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

/* recover.c: what an interrupted run left (a package transaction dpkg did
 * not finish, a cluster whose creation never finished and never started),
 * put right before the pre-flight; each repair is a logged change, a dry
 * run only reports.  See recover.c. */
int inst_recover(struct inst_ctx *ctx, struct pgb_err *err);

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
	int system;		/* template1 or postgres, for pg_default_schemas/extensions:
				 * an extension the bundle lacks is left out, not an error */
	char *where;
};

struct inst_pg_hba_rule {
	char *type;		/* "local" (unix socket), "host" or "hostssl" */
	char *user, *db;	/* all, a name or +group; all, a name or replication */
	char *addr;		/* CIDR for host rules (localhost, world expanded), NULL for
				 * local; "cluster" and "infra" until the inventory is read */
	char *auth;		/* scram-sha-256, peer (local only), reject or cert (hostssl) */
	char *title;		/* NULL or a comment written above the line */
	char *options;		/* a raw line's options (clientcert=verify-full), or NULL */
	int order;		/* Pigsty's order; INST_HBA_NO_ORDER: after the ordered ones */
	int tls_optional;	/* a built-in hostssl rule that is plain host when TLS is off */
	char *where;		/* "FILE:LINE:COL" of its entry */
};
#define INST_HBA_NO_ORDER 1000000

/* One line of pg_default_privileges (acl.c): GRANT privs ON objtype TO grantee. */
struct inst_acl_priv {
	const char *objtype;	/* TABLES, SEQUENCES, FUNCTIONS, TYPES or SCHEMAS */
	unsigned privs;		/* bits of acl.c's privilege table */
	char *grantee;		/* a role, or PUBLIC */
	char *where;
};

/* One host of the cluster as every node sees it (inventory.c): a member of
 * this host's PostgreSQL cluster, of its etcd cluster, or any host. */
struct inst_member {
	char *addr;		/* its inventory address (an IP address) */
	char *name;		/* Patroni's or etcd's member name: pg-meta-1, etcd-1 */
	char *nodename;		/* its host name (nodename, else pg_cluster-pg_seq) */
	int seq;		/* pg_seq or etcd_seq; 0 for a plain host */
	char *role;		/* pg_role for PostgreSQL members, else NULL */
	int offline_query, weight;	/* pg_offline_query, pg_weight */
	int pg_port, pgbouncer_port, patroni_port;	/* PostgreSQL members */
	int etcd_port, etcd_peer_port;			/* etcd members */
	int self;		/* this host */
	int infra;		/* a host of the infra group (infra_seq): addr: infra */
};

struct inst_selector;		/* a JMESPath filter over members (services.c) */

/* A HAProxy service: pg_default_services, then pg_services (services.c). */
struct inst_service {
	char *name;
	int port;
	char *dest;		/* "postgres", "pgbouncer" or a port number */
	char *check;		/* Patroni's endpoint: /primary, /read-only, /replica, ... */
	struct inst_selector *selector;	/* who serves; NULL: every member */
	struct inst_selector *backup;	/* who serves when none of them can; NULL: nobody */
	char *ip;		/* where it listens; NULL: every address */
	char *balance;		/* roundrobin, leastconn, ... */
	int maxconn;
	char *where;
};

struct inst_config {
	char *path;
	char *family;		/* the bundle's package family ("deb" without a bundle) */
	char *target;		/* the bundle's target ("el10"); NULL without a bundle */
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
	/* "LIB (what it starts)": libraries of bundled extensions that
	 * pg_libs_auto leaves out, since they start machinery on their own
	 * and the config does not name them (pgext.c). */
	struct strlist pg_preload_skipped;
	int pgbouncer_enabled, pgbouncer_port;	/* default: "pgbouncer" in modules; 6432 */
	char *pgbouncer_listen;		/* 127.0.0.1 */
	char *pgbouncer_poolmode;	/* session, transaction (default), statement */
	struct strlist modules;		/* bundle modules whose packages go in (derived in an inventory) */

	/* --- the cluster (inventory.c): who this host is, and the others --- */
	int inventory;			/* 1: Pigsty's inventory; 0: a flat singleton file */
	char *self_addr;		/* this host's inventory address; flat: 127.0.0.1 */
	char *nodename;			/* this host's name */
	int nodename_overwrite, node_write_etc_hosts;
	struct strlist node_etc_hosts;	/* "IP NAME..." lines for /etc/hosts */
	char *node_tune;		/* none, oltp, olap, crit, tiny */
	struct inst_kv *node_sysctl_params;
	size_t n_node_sysctl_params;
	struct inst_member *hosts;	/* every host of the inventory, in file order */
	size_t n_hosts;
	struct inst_member *pg_members;	/* this host's PostgreSQL cluster, by pg_seq */
	size_t n_pg_members;
	struct inst_member *etcd_members;	/* the etcd cluster it uses, by etcd_seq */
	size_t n_etcd_members;
	struct strlist warnings;	/* Pigsty keys not implemented, one line each */

	/* --- PostgreSQL under Patroni --- */
	int pg_seq, pg_offline_query, pg_weight;
	char *pg_role;			/* primary, replica, offline */
	char *pg_conf;			/* oltp, olap, crit, tiny */
	char *pg_rto;			/* fast, norm, safe, wide */
	int pg_rpo;			/* bytes; 0: synchronous replication */
	char *pg_replication_username, *pg_admin_username;
	char *pg_replication_password, *pg_admin_password;	/* NULL: cluster secrets */
	char *pg_namespace;		/* the DCS prefix: /pg */
	int patroni_enabled, patroni_port;
	char *patroni_username, *patroni_password;	/* REST API; password NULL: secrets */
	int patroni_ssl_enabled;
	char *patroni_watchdog_mode;

	/* --- services: HAProxy, VIP --- */
	struct inst_service *pg_services;	/* default services, then business ones */
	size_t n_pg_services;
	char *pg_default_service_dest;	/* pgbouncer or postgres */
	int haproxy_enabled, haproxy_exporter_port;
	char *haproxy_admin_username, *haproxy_admin_password;
	char *haproxy_client_timeout, *haproxy_server_timeout;
	int pg_vip_enabled;
	char *pg_vip_address, *pg_vip_interface;

	/* --- etcd --- */
	char *etcd_cluster;
	int etcd_seq;			/* 0: this host is no etcd member */
	int etcd_port, etcd_peer_port, etcd_election_timeout, etcd_heartbeat_interval;
	int etcd_safeguard;
	char *etcd_data, *etcd_init, *etcd_root_password;

	/* --- access control (acl.c, hba.c) --- */
	size_t n_pg_default_roles;	/* the first n of pg_users come from pg_default_roles */
	struct inst_acl_priv *pg_default_privileges;
	size_t n_pg_default_privileges;
	struct strlist pg_default_schemas;	/* "NAME" or "NAME OWNER" */
	struct inst_pg_ext *pg_default_extensions;
	size_t n_pg_default_extensions;
	char *pg_acl_drift;		/* report or restore a privilege revoked by hand */
	struct inst_pg_hba_rule *pg_default_hba_rules, *pgb_default_hba_rules, *pgb_hba_rules;
	size_t n_pg_default_hba_rules, n_pgb_default_hba_rules, n_pgb_hba_rules;
	struct strlist node_firewall_intranet;	/* what addr: intra stands for */
	char *admin_ip;			/* what addr: admin stands for, or NULL */
	/* --- pgBackRest, monitoring, Redis (their structured keys: opscfg.c) --- */
	int pg_conf_auto;		/* pg_conf not stated: tiny on small hosts (pgtune.c) */
	int pgbackrest_enabled, pgbackrest_init_backup;
	char *pgbackrest_method;	/* the repository of pgbackrest_repo in use */
	char *pgbackrest_log_dir;
	char *pgbackrest_schedule;	/* systemd OnCalendar of the full backups */
	struct inst_kv *pgbackrest_repo;	/* its options as written (path, retention_full, ...) */
	size_t n_pgbackrest_repo;
	char *pgbackrest_repo_where;	/* FILE:LINE:COL of that repository's entry, or NULL */
	int node_exporter_enabled, node_exporter_port;
	int pg_exporter_enabled, pg_exporter_port;
	int pgbouncer_exporter_enabled, pgbouncer_exporter_port;
	char *pg_monitor_username, *pg_monitor_password;	/* password NULL: secrets */
	int infra_seq;			/* > 0: a host of the infra group (Prometheus) */
	int prometheus_enabled, prometheus_port;
	int grafana_enabled;
	char *redis_cluster;		/* NULL: no Redis on this host */
	int redis_node;
	char *redis_mode, *redis_type;	/* only standalone, redis are implemented */
	struct inst_redis_instance *redis_instances;
	size_t n_redis_instances;
	char *redis_fs_main, *redis_bind_address, *redis_max_memory, *redis_mem_policy;
	char *redis_password;		/* NULL: a cluster secret */
	struct strlist redis_rdb_save;
	int redis_aof_enabled;
};

/* One Redis instance of redis_instances (Pigsty's {PORT: {replica_of: 'IP PORT'}}). */
struct inst_redis_instance {
	int port;
	char *replica_of;	/* "IP PORT" of its primary, or NULL: a primary */
	char *where;		/* FILE:LINE:COL of its entry */
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
	/* Where postgres writes a log of ours outside the data directory (the
	 * server pitr starts by pg_ctl): Debian's /var/log/postgresql
	 * (postgresql-common's); PGDG has none, its setup script writes
	 * initdb.log to /var/lib/pgsql/MAJOR, postgres's. */
	char *log_dir;
	char *unit;		/* postgresql@15-main (Debian), postgresql-15 (EL) */
	char *pgb_ini, *pgb_userlist, *pgb_hba;	/* PgBouncer's files */
	char *pgb_pidfile, *pgb_logfile;	/* needed where an init script daemonizes it (bullseye) */
	/* The user the distribution's pgbouncer unit runs as, who owns its files
	 * (Debian: postgres; PGDG: pgbouncer), and where its socket and pid file
	 * go (Debian: the server's socket directory; PGDG: /run/pgbouncer,
	 * which its tmpfiles.d makes 0700 for that user). */
	char *pgb_user, *pgb_socket_dir;
	const struct inst_ha_layout *ha;	/* the family's, below */
};
/* What the HA packages of a family expect, whatever the major: postgres's
 * home (Patroni's .pgpass goes there), the file the patroni unit runs
 * Patroni with (Debian's patroni.service: config.yml; PGDG's: patroni.yml),
 * and the environment file the etcd unit reads (NULL: none that sets
 * anything, Debian's /etc/default/etcd; PGDG's /etc/etcd/etcd.conf: etcd.c). */
struct inst_ha_layout {
	const char *home, *patroni_conf, *etcd_env;
};
/* family "rpm": PGDG's; anything else (NULL, "deb"): Debian's.  Static. */
const struct inst_ha_layout *inst_ha_layout(const char *family);
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
/* PostgreSQL syntax: "key = 'value'" with ' and \ doubled; header lines become
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
/* hba.c - the HBA rule sets (see its top comment).  pg_hba.conf: postgres by
 * peer, PgBouncer's users over the socket, Patroni's members, then
 * pg_default_hba_rules and pg_hba_rules by order; nothing else. */
void inst_pg_hba_render(const struct inst_config *c, struct sbuf *out);
/* PgBouncer's pgb_hba.conf: pgb_default_hba_rules and pgb_hba_rules by order. */
void inst_pgb_hba_render(const struct inst_config *c, struct sbuf *out);
/* Write it to l->pgb_hba (0640 postgres) when it differs; *changed says so. */
int inst_pgb_hba_write(struct inst_ctx *ctx, const struct inst_config *c,
		       const struct inst_pg_layout *l, int *changed, struct pgb_err *err);
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
/* 1 when the server of l answers a query over its socket. */
int inst_pg_answers(const struct inst_pg_layout *l);
/* inst_psql for a query printing one JSON value: *out holds it (malloc'd). */
int inst_psql_json(const struct inst_pg_layout *l, const char *db, const char *const *vars,
		   const char *query, char **out, struct pgb_err *err);

/* pgobjects.c - roles (the dbrole_* groups and pg_users), databases,
 * schemas and extensions: what pg_bootstrap does once the server runs.
 * running 0 (dry run on a host without a server): everything is reported
 * as to be created. */
int inst_pg_objects(struct inst_ctx *ctx, const struct inst_config *cfg,
		    const struct inst_pg_layout *l, int running, struct pgb_err *err);

/* acl.c - the privileges of the access-control model in each database (see
 * its top comment), for inst_pg_objects.  open reads what every database
 * shares (dbrole_admin's members, the ledger of what was applied); running
 * 0: nothing can be read, everything is reported as to be done. */
struct inst_acl;
int inst_acl_open(struct inst_acl **out, struct inst_ctx *ctx, const struct inst_config *cfg,
		  const struct inst_pg_layout *l, int running, struct pgb_err *err);
/* db's privileges, right after it is created (created) or checked and before
 * its schemas and extensions; template1 and postgres (db->system) get the
 * default privileges and the public schema's, not the database's own. */
int inst_acl_database(struct inst_acl *a, const struct inst_pg_database *db, int created,
		      struct pgb_err *err);
void inst_acl_close(struct inst_acl *a);	/* NULL is fine */
/* 1 when role is group or, by the config's roles, a member of it. */
int inst_acl_member(const struct inst_config *c, const char *role, const char *group);
/* template1 and postgres as databases owned by postgres, with
 * pg_default_schemas and pg_default_extensions (system = 1). */
void inst_acl_system_dbs(const struct inst_config *cfg, struct inst_pg_database out[2]);
void inst_acl_system_dbs_free(struct inst_pg_database dbs[2]);

/* pgsetup.c helpers shared with pgobjects.c and pgbouncer.c. */
struct json_t;
/* A psql query printing one JSON value, parsed (json_decref it); NULL on error. */
struct json_t *inst_pg_query(const struct inst_pg_layout *l, const char *db,
			     const char *const *vars, const char *query, struct pgb_err *err);
/* Log one change (dry run: one would-be change) and count it in ctx->changes. */
void inst_pg_change(struct inst_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Every library of cfg->pg_preload is in l's lib_dir, or fail naming the
 * file, whether pg_libs or an extension asked for it, and what to do: a
 * server told to preload a library it lacks does not start, and Patroni
 * would retry it until the install gives up.  A dry run before the packages
 * are in only warns.  Used before the server's config is written, by both
 * the plain cluster (pgsetup.c) and Patroni (patroni.c).
 */
int inst_pg_check_libs(struct inst_ctx *ctx, const struct inst_config *cfg,
		       const struct inst_pg_layout *l, struct pgb_err *err);
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
