/*
 * cmd_install.c - `pgbundle-installer install`: the steps of inst.h, in order.
 *
 * main.c has opened the .run, parsed the bundle.json it claims and decided
 * which keys must have signed it (trust.c) before this runs; nothing of the
 * file is trusted before step 2 verified it.  The order below keeps the host
 * unchanged until the transaction is known to work:
 *
 *   1  host check         root, OS and architecture against the target, disk;
 *                         not older than the bundle installed (rollback.c);
 *                         an upgrade? (upgrade.c) a delta's base here? (delta.c)
 *   2  extract            verifying the whole file in the same pass, into
 *                         PREFIX/.staging-TOP (0700 until it verified), or
 *                         verify only and reuse PREFIX/TOP; a delta completed
 *                         from its base
 *   3  config             --config, else the bundle's own
 *   4  pre-flight         what an interrupted dpkg run left is finished (deb), then
 *                         a private apt (or dnf) simulates the whole transaction
 *                         (an apt upgrade: every installed package the bundle
 *                         carries)
 *      (a terminal without --yes is asked to go on here; an upgrade records
 *       what a rollback needs from here on)
 *   5  trust              the signing key pinned, the bundle recorded
 *   6  repository         PREFIX/.staging-TOP renamed to PREFIX/TOP
 *   7  repository         the bundle as the only source of the host's package
 *                         manager (pkgmgr_apt.c: apt; pkgmgr_dnf.c: dnf)
 *   8  packages           apt-get install / dnf install; an upgrade restarts the
 *                         services still running replaced files (restart.c),
 *                         and any failure up to here puts apt's sources back
 *   9  modules            prepare() of each enabled module before 8, apply() after
 *                         it, in the order of inst_modules[] (module.h); with
 *                         --root none (the image's services are set up on the
 *                         system it becomes)
 *   9  upgrade done       the older repository removed (upgrade.c)
 *
 * A failure up to the pre-flight removes the staging directory and leaves
 * the host as it was.  PREFIX/TOP holds ".pgbundle-payload", the SHA-256 of
 * the payload it came from: a run that finds it matching (and the file
 * verifying) skips the extraction, so a second run changes nothing, and an
 * interrupted extraction (no marker) is redone.
 * With --dry-run the payload is extracted into a temporary directory (unless
 * PREFIX/TOP already matches), every step reports what it would change, and
 * the temporary directory is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inst.h"
#include "module.h"
#include "pack.h"
#include "runfile.h"

#define MARKER ".pgbundle-payload"
#define REPOS_RECORD INST_STATE_DIR "/repos"

struct install {
	const struct inst_opts *o;
	const struct inst_pkgmgr *pm;
	struct inst_ctx ctx;
	char *top, *final, *staging, *extracted;	/* extracted: where the tree is now */
	int staging_is_tmp;
	char *made_top;		/* the outermost directory this run created for the prefix */
	char *prefix;		/* the prefix on this host (under --root's DIR) */
	struct inst_config cfg;
	struct strlist pkgs;
	struct pkg_plan plan;
	struct inst_upgrade up;
	char *base;		/* a delta's base repository (delta.c) */
	size_t files;
	double t0;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The archive's top directory, as builder/bundle.c names it. */
static char *bundle_top(const struct inst_bundle *b)
{
	return xasprintf("%s-%s.%s.%s", b->name, b->version, b->target, b->arch);
}

static int marker_matches(const char *dir, const char *sha)
{
	char *path = util_path_join(dir, MARKER), *data = NULL;
	struct pgb_err ignored;
	size_t n;
	int same = 0;

	if (util_exists(path) && util_read_file(path, &data, &n, &ignored) == 0)
		same = n == strlen(sha) + 1 && strncmp(data, sha, strlen(sha)) == 0;
	free(data);
	free(path);
	return same;
}

static void count_file(void *v, const char *path, const char *hex)
{
	struct install *in = v;

	(void)hex;
	in->files++;
	if (in->files % 16 == 0 || strstr(path, ".deb"))
		inst_log_progress(in->ctx.log, "extracting: %zu files so far (%zu packages in "
				  "the bundle)", in->files, in->ctx.bundle->npackages);
}

/* The outermost directory of path that does not exist yet, or NULL. */
static char *first_missing(const char *path)
{
	char *p = xstrdup(path), *found = NULL;

	while (!util_exists(p)) {
		char *slash = strrchr(p, '/');

		free(found);
		found = xstrdup(p);
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
	return found;
}

/* A refused install leaves no trace, not even the empty prefix it made:
 * remove the empty directories from the prefix up to made_top. */
static void unmake_prefix(struct install *in)
{
	char *p;

	if (!in->made_top)
		return;
	p = xstrdup(in->ctx.prefix);
	while (strlen(p) >= strlen(in->made_top) && rmdir(p) == 0) {
		char *slash = strrchr(p, '/');

		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
}

static int make_staging(struct install *in, struct pgb_err *err)
{
	if (in->o->dry_run) {
		const char *tmp = getenv("TMPDIR");

		in->staging = xasprintf("%s/pgbundle-dry-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(in->staging))
			return pgb_failsys(err, "cannot create a temporary directory %s",
					   in->staging);
		in->staging_is_tmp = 1;
		return 0;
	}
	in->staging = xasprintf("%s/.staging-%s", in->ctx.prefix, in->top);
	in->made_top = first_missing(in->ctx.prefix);
	/* What an interrupted run left: never trusted, always redone. */
	if (util_rm_rf(in->staging, err) < 0 || util_mkdir_p(in->ctx.prefix, 0755, err) < 0)
		return -1;
	/* Private until the file verified: no one may read or use a tree not yet trusted. */
	if (mkdir(in->staging, 0700) < 0)
		return pgb_failsys(err, "cannot create %s", in->staging);
	return 0;
}

/* When the prefix's file system filled up (another writer, or a size the
 * pre-flight could not see), say so with the space the repository needs. */
static void extract_full(struct install *in, struct pgb_err *err)
{
	if (!in->o->dry_run)
		util_space_explain(in->ctx.prefix, in->ctx.bundle->size + in->ctx.bundle->size / 20,
				   "the bundle's repository", "free some space there or choose "
				   "another --prefix; nothing was installed, the partial copy is "
				   "removed", err);
}

/* Extract while verifying (payload.c); the tree is opened for use only then. */
static int extract_verified(struct install *in, struct pgb_err *err)
{
	int fd = open(in->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return pgb_failsys(err, "cannot open %s", in->staging);
	rc = inst_payload_extract(in->o, fd, in->staging, count_file, in, err);
	if (rc == 0 && fchmod(fd, 0755) < 0)
		rc = pgb_failsys(err, "cannot open %s to its readers", in->staging);
	close(fd);
	return rc;
}

static void log_verified(struct install *in)
{
	inst_log_info(in->ctx.log, "verified: signed by %s, payload sha256 %s",
		      runfile_signer(in->o->run), runfile_payload_sha256(in->o->run));
}

static int step_extract(struct install *in, struct pgb_err *err)
{
	struct runfile *run = in->o->run;
	const char *sha = runfile_trailer_sha256(run);
	char *marker, *text;
	double t = now();
	int rc;

	inst_log_step(in->ctx.log, "Repository %s", in->final);
	if (marker_matches(in->final, sha)) {
		if (inst_payload_verify(in->o, err) < 0)
			return -1;
		log_verified(in);
		inst_log_info(in->ctx.log, "already extracted from this bundle");
		in->extracted = xstrdup(in->final);
		return 0;
	}
	if (make_staging(in, err) < 0)
		return -1;
	rc = extract_verified(in, err);
	if (rc < 0) {
		extract_full(in, err);
		return pgb_err_prefix(err, "cannot extract the bundle into %s", in->staging);
	}
	log_verified(in);
	inst_log_info(in->ctx.log, "extracted %zu files (%.1f MiB) in %.1f s into %s", in->files,
		      (double)runfile_payload_length(run) / (1 << 20), now() - t, in->staging);
	if (in->base && inst_delta_complete(in->ctx.bundle, in->staging, in->base, in->o->dry_run,
					    in->ctx.log, err) < 0)
		return -1;
	marker = util_path_join(in->staging, MARKER);
	text = xasprintf("%s\n", sha);
	rc = util_write_atomic(marker, text, strlen(text), 0644, err);
	free(text);
	free(marker);
	if (rc < 0)
		return -1;
	in->extracted = xstrdup(in->staging);
	return 0;
}

static int step_config(struct install *in, struct pgb_err *err)
{
	const struct inst_bundle *b = in->ctx.bundle;
	char *bundled = NULL;
	int rc;

	inst_log_step(in->ctx.log, "Configuration");
	if (!in->o->config) {
		if (!b->config)
			return pgb_fail(err, "bundle %s carries no installer config: give one "
					"with --config FILE", b->name);
		/* Freed by cleanup(); the bundled config stays where it was extracted. */
		bundled = util_path_join(in->extracted, b->config);
	}
	in->ctx.config_path = in->o->config ? in->o->config : bundled;
	rc = inst_config_load(&in->cfg, in->ctx.config_path, b, err);
	if (rc < 0)
		return -1;
	inst_log_info(in->ctx.log, "%s%s: cluster %s, PostgreSQL %d, port %d",
		      in->o->config ? "" : "bundled ", in->o->config ? in->o->config : b->config,
		      in->cfg.pg_cluster, in->cfg.pg_major, in->cfg.pg_port);
	if (in->cfg.inventory)
		inst_log_info(in->ctx.log, "this host is %s (%s) of the inventory", in->cfg.self_addr,
			      in->cfg.nodename);
	for (size_t i = 0; i < in->cfg.warnings.n; i++)
		inst_log_warn(in->ctx.log, "%s", in->cfg.warnings.v[i]);
	return 0;
}

static int step_preflight(struct install *in, struct pgb_err *err)
{
	char *repo = in->ctx.repo_dir;
	int rc;

	inst_log_step(in->ctx.log, "Pre-flight: simulating the package transaction (%s)",
		      in->pm->name);
	if (in->pm->recover && in->pm->recover(&in->ctx, err) < 0)
		return -1;
	if (pkg_select(in->ctx.bundle, &in->cfg.modules, in->cfg.pg_major, &in->pkgs, err) < 0)
		return -1;
	for (size_t i = 0; i < in->cfg.pg_extensions.n; i++)
		if (!strlist_has(&in->pkgs, in->cfg.pg_extensions.v[i]))
			strlist_add(&in->pkgs, in->cfg.pg_extensions.v[i]);
	if (inst_upgrade_packages(&in->up, &in->ctx, in->extracted, &in->pkgs, err) < 0)
		return -1;
	/* The simulation reads the tree where it is now (staging). */
	in->ctx.repo_dir = in->extracted;
	rc = in->pm->preflight(&in->ctx, &in->pkgs, &in->plan, err);
	in->ctx.repo_dir = repo;
	return rc;
}

/* On a terminal, without --yes, the operator says whether to go on. */
static int confirm(struct install *in, struct pgb_err *err)
{
	char *q;
	int yes;

	if (in->o->yes || in->o->dry_run || !isatty(STDIN_FILENO))
		return 0;
	q = xasprintf("Install %zu packages and set up PostgreSQL on this host? [y/N] ",
		      in->plan.inst.n);
	yes = inst_ask(q);
	free(q);
	return yes ? 0 : pgb_fail(err, "stopped at the operator's request; nothing was changed");
}

/* Remember the repository for `uninstall --purge`: one absolute path a line,
 * as the installed system sees it (without --root's DIR). */
static int record_repo(const struct inst_ctx *ctx, const char *path, struct pgb_err *err)
{
	struct strlist dirs = STRLIST_INIT;
	struct sbuf text = SBUF_INIT;
	char *old = NULL, *line, *save = NULL;
	char *record = inst_root_path(ctx, REPOS_RECORD), *state = inst_root_path(ctx, INST_STATE_DIR);
	const char *dir = path + (*ctx->root ? strlen(ctx->root) : 0);
	size_t n;
	int rc = 0;

	if (util_exists(record) && util_read_file(record, &old, &n, err) < 0) {
		free(record);
		free(state);
		return -1;
	}
	for (line = old ? strtok_r(old, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		strlist_add(&dirs, line);
	if (!strlist_has(&dirs, dir)) {
		strlist_add(&dirs, dir);
		for (size_t i = 0; i < dirs.n; i++)
			sbuf_addf(&text, "%s\n", dirs.v[i]);
		rc = util_mkdir_p(state, 0755, err);
		if (rc == 0)
			rc = util_write_atomic(record, text.buf, text.len, 0644, err);
	}
	free(record);
	free(state);
	free(old);
	sbuf_free(&text);
	strlist_free(&dirs);
	return rc;
}

/* Rename staging into place; an older PREFIX/TOP (another payload under the
 * same name) goes only once the new one is there. */
static int step_place(struct install *in, struct pgb_err *err)
{
	char *old = NULL;
	int rc = 0;

	if (strcmp(in->extracted, in->final) == 0 || in->o->dry_run) {
		if (in->o->dry_run && strcmp(in->extracted, in->final) != 0) {
			in->ctx.changes++;
			inst_log_change(in->ctx.log, "put the repository in place at %s",
					in->final);
		}
		return 0;
	}
	/* Also what a run interrupted between the two renames left. */
	old = xasprintf("%s/.old-%s", in->ctx.prefix, in->top);
	if (util_rm_rf(old, err) < 0) {
		rc = -1;
		goto out;
	}
	if (!util_exists(in->final)) {
		free(old);
		old = NULL;
	} else if (rename(in->final, old) < 0) {
		rc = pgb_failsys(err, "cannot move the previous %s aside", in->final);
		goto out;
	}
	if (rename(in->staging, in->final) < 0) {
		rc = pgb_failsys(err, "cannot rename %s to %s", in->staging, in->final);
		if (old)
			rename(old, in->final);
		goto out;
	}
	in->ctx.changes++;
	inst_log_change(in->ctx.log, "put the repository in place at %s", in->final);
	free(in->extracted);
	in->extracted = xstrdup(in->final);
	if (in->ctx.config_path != in->o->config) {
		/* The bundled config moved with the tree. */
		free((char *)in->ctx.config_path);
		in->ctx.config_path = util_path_join(in->final, in->ctx.bundle->config);
	}
	/* An upgrade keeps the older tree until it succeeded (upgrade.c). */
	if (old && in->up.begun)
		rc = inst_upgrade_aside(&in->up, old, err);
	else if (old)
		rc = util_rm_rf(old, err);
	if (rc == 0)
		rc = record_repo(&in->ctx, in->final, err);
out:
	free(old);
	return rc;
}

static int step_repository(struct install *in, struct pgb_err *err)
{
	char *repo = in->ctx.repo_dir;
	int rc;

	inst_log_step(in->ctx.log, "%s: the bundle as the only source", in->pm->name);
	in->ctx.repo_dir = in->extracted;
	rc = in->pm->configure(&in->ctx, err);
	in->ctx.repo_dir = repo;
	return rc;
}

/* What status and uninstall --purge read later: the config this run uses
 * (0600: it may state passwords) and the bundle's metadata. */
static int save_state(struct install *in, struct pgb_err *err)
{
	const char *meta;
	char *text = NULL;
	size_t len;
	int rc;

	if (in->o->dry_run)
		return 0;
	meta = runfile_meta(in->o->run, &len);
	rc = util_mkdir_p(INST_STATE_DIR, 0755, err);
	if (rc == 0)
		rc = util_read_file(in->ctx.config_path, &text, &len, err);
	if (rc == 0)
		rc = util_write_atomic(INST_STATE_CONFIG, text, len, 0600, err);
	if (rc == 0) {
		meta = runfile_meta(in->o->run, &len);
		rc = util_write_atomic(INST_STATE_BUNDLE, meta, len, 0644, err);
	}
	free(text);
	return rc;
}

static int step_packages(struct install *in, struct pgb_err *err)
{
	if (!*in->ctx.root &&
	    (save_state(in, err) < 0 || inst_modules_prepare(&in->ctx, &in->cfg, err) < 0))
		return -1;
	inst_log_step(in->ctx.log, "Packages: %zu requested", in->pkgs.n);
	return in->pm->install(&in->ctx, &in->pkgs, &in->plan, err);
}

/* The services that still run what an upgrade (this run's or an earlier
 * one's) replaced; an upgrade says so even when there is none. */
static int step_restart(struct install *in, struct pgb_err *err)
{
	double t = now();
	int rc;

	if (in->o->dry_run)
		return 0;
	if (in->up.from)
		inst_log_step(in->ctx.log, "Services still running replaced files");
	rc = inst_restart_stale(&in->ctx, in->extracted, in->up.from != NULL, err);
	if (rc == 0 && in->up.from)
		inst_log_info(in->ctx.log, "upgrade from %s %s: packages and restarts done %.1f s "
			      "after the start (restarts %.1f s)", in->ctx.bundle->name,
			      in->up.from_version, now() - in->t0, now() - t);
	return rc;
}

/* An upgrade of a cluster's member: each module makes it safe first (a
 * Patroni leader hands over, a replica waits for the others); a refusal
 * changes nothing. */
static int step_handover(struct install *in, struct pgb_err *err)
{
	if (!in->up.from)
		return 0;
	return inst_modules_before_upgrade(&in->ctx, &in->cfg, err);
}

/* Is this an upgrade, and is a delta's base here?  Nothing is written yet. */
static int step_upgrade(struct install *in, int same_payload, struct pgb_err *err)
{
	const struct inst_bundle *b = in->ctx.bundle;

	if (inst_upgrade_detect(&in->up, &in->ctx, in->final, same_payload, err) < 0)
		return -1;
	if (!b->delta || same_payload)
		return 0;
	return inst_delta_find_base(b, in->ctx.prefix, in->up.from, &in->base, err);
}

/* The modules of inst_modules[] (module.h) that the config enables, in
 * order; each announces its own step. */
static int step_modules(struct install *in, struct pgb_err *err)
{
	double t = now();
	int rc;

	if (*in->ctx.root) {
		inst_log_step(in->ctx.log, "Modules");
		inst_log_info(in->ctx.log, "--root %s: the packages are in the image; its clusters "
			      "and services are set up by running the installer on the system "
			      "the image becomes", in->ctx.root);
		return 0;
	}
	rc = inst_modules_apply(&in->ctx, &in->cfg, err);
	if (rc == 0 && !in->o->dry_run && inst_config_has_module(&in->cfg, "pgsql"))
		inst_log_info(in->ctx.log, "PostgreSQL ready %.1f s after the start (%.1f s for "
			      "the modules)", now() - in->t0, now() - t);
	return rc;
}

static void finish(struct install *in)
{
	const char *log = inst_log_path(in->ctx.log);

	if (in->o->dry_run)
		printf("Dry run: %d change%s would be made; nothing was changed.\n",
		       in->ctx.changes, in->ctx.changes == 1 ? "" : "s");
	else if (in->ctx.changes == 0)
		printf("Everything is as the config says: nothing to change.\n");
	else if (*in->ctx.root)
		printf("Done: %d change%s in %.1f s in the image at %s.\n", in->ctx.changes,
		       in->ctx.changes == 1 ? "" : "s", now() - in->t0, in->ctx.root);
	else
		printf("Done: %d change%s in %.1f s.  Generated passwords: %s (root only).\n",
		       in->ctx.changes, in->ctx.changes == 1 ? "" : "s", now() - in->t0,
		       INST_CREDENTIALS);
	if (log)
		printf("Log: %s\n", log);
}

static void cleanup(struct install *in)
{
	struct pgb_err ignored;

	/* Staging left over only on failure, or a dry run's temporary tree. */
	if (in->staging && (in->staging_is_tmp || !in->extracted ||
			    strcmp(in->extracted, in->final) != 0)) {
		util_rm_rf(in->staging, &ignored);
		unmake_prefix(in);
	}
	if (in->ctx.config_path != in->o->config)
		free((char *)in->ctx.config_path);
	inst_config_free(&in->cfg);
	pkg_plan_free(&in->plan);
	inst_upgrade_free(&in->up);
	free(in->base);
	strlist_free(&in->pkgs);
	inst_log_close(in->ctx.log);
	free(in->made_top);
	free(in->prefix);
	free(in->top);
	free(in->final);
	free(in->staging);
	free(in->extracted);
	free(in->ctx.repo_dir);
}

/* Where the trust in the signing key comes from, on screen and in the log. */
static void log_trust(struct install *in)
{
	const struct inst_trust *t = in->o->trust;
	const struct inst_bundle *b = in->ctx.bundle;

	inst_log_step(in->ctx.log, "Bundle %s %s for %s, signed by %s", b->name, b->version,
		      b->target, t->signer);
	inst_log_info(in->ctx.log, "trust: %s", t->source);
	if (t->embedded_only && in->o->trust_embedded)
		inst_log_warn(in->ctx.log, "trusting key %s only because --trust-embedded-key was "
			      "given: nothing but the file itself vouches for it", t->signer);
}

/* From here on the host changes: remember the key and the bundle. */
static int step_trust(struct install *in, struct pgb_err *err)
{
	if (in->o->dry_run)
		return 0;
	if (inst_trust_pin(in->o->trust, in->o, in->ctx.log, err) < 0)
		return -1;
	return inst_rollback_record(&in->ctx, runfile_signer(in->o->run), err);
}

static int run_steps(struct install *in, struct pgb_err *err)
{
	const struct inst_bundle *b = in->ctx.bundle;
	int same = marker_matches(in->final, runfile_trailer_sha256(in->o->run));
	/* A delta's pool files but its own are links into its base's. */
	uint64_t need = b->delta ? b->delta->size : b->size;

	log_trust(in);
	inst_log_step(in->ctx.log, "Host");
	if (host_check(&in->ctx, same ? 0 : need + need / 20, err) < 0 ||
	    inst_rollback_check(&in->ctx, in->o->allow_downgrade, err) < 0 ||
	    step_upgrade(in, same, err) < 0 || step_extract(in, err) < 0 ||
	    step_config(in, err) < 0 || step_preflight(in, err) < 0 || confirm(in, err) < 0 ||
	    step_handover(in, err) < 0 || step_trust(in, err) < 0)
		return -1;
	/* From here an upgrade can be rolled back to the sources apt used before. */
	if (inst_upgrade_begin(&in->up, &in->ctx, err) < 0 || step_place(in, err) < 0 ||
	    step_repository(in, err) < 0 || step_packages(in, err) < 0 || step_restart(in, err) < 0) {
		inst_upgrade_rollback(&in->up, &in->ctx, in->final);
		return -1;
	}
	if (step_modules(in, err) < 0)
		return -1;
	return inst_upgrade_finish(&in->up, &in->ctx, in->final, err);
}

int cmd_install(const struct inst_opts *o)
{
	struct install in;
	struct pgb_err err;
	int rc, lock = -1;

	memset(&in, 0, sizeof(in));
	in.o = o;
	in.t0 = now();
	in.ctx.root = o->root;
	/* With --root the repository goes into the image: this host's path. */
	in.prefix = *o->root ? xasprintf("%s%s", o->root, o->prefix) : xstrdup(o->prefix);
	in.ctx.prefix = in.prefix;
	in.ctx.bundle = o->bundle;
	in.ctx.yes = o->yes;
	in.ctx.dry_run = o->dry_run;
	in.ctx.no_start = o->no_start;
	in.ctx.force = o->force;
	in.ctx.run = o->run;
	in.ctx.pki_dir = o->pki;
	in.ctx.wait_s = o->wait_s > 0 ? o->wait_s : INST_WAIT_DEFAULT;
	in.top = bundle_top(o->bundle);
	in.final = util_path_join(in.ctx.prefix, in.top);
	in.ctx.repo_dir = xstrdup(in.final);
	if ((!o->dry_run && geteuid() == 0 &&
	     inst_lock_take(INST_LOCK_FILE, &lock, &err) < 0) ||
	    inst_log_open(&in.ctx.log, INST_LOG_DIR, o->dry_run, &err) < 0) {
		cleanup(&in);
		inst_lock_release(lock);
		return inst_print_error(&err);
	}
	in.pm = inst_pkgmgr_for(o->bundle->family);
	if (!in.pm) {
		pgb_fail(&err, "bundle %s is of the '%s' family, which this installer cannot "
			 "install", o->bundle->name, o->bundle->family);
		cleanup(&in);
		inst_lock_release(lock);
		return inst_print_error(&err);
	}
	rc = run_steps(&in, &err);
	if (rc == 0)
		finish(&in);
	else
		inst_log_detail(in.ctx.log, "error: %s", err.msg);
	cleanup(&in);
	inst_lock_release(lock);
	return rc == 0 ? 0 : inst_print_error(&err);
}
