/*
 * recover.c - what an interrupted run left, put right before the next run
 * goes on, so that running the installer again after a kill or a power cut
 * ends where an uninterrupted run ends.
 *
 * Most steps need nothing: the repository is re-extracted unless its marker
 * says it is whole, the apt source files are written atomically and the
 * record of moved sources is written before each move, every file and SQL
 * object is compared with what the config wants.  Two things dpkg itself
 * leaves half done:
 *
 *  - a package transaction that did not finish (killed inside apt-get
 *    install): dpkg says so ("dpkg was interrupted") and apt refuses to do
 *    anything until `dpkg --configure -a` has run; so it runs first.
 *  - a PostgreSQL cluster whose creation did not finish (postgresql-common's
 *    postinst killed inside pg_createcluster or initdb): its data directory
 *    lacks PG_VERSION, global/pg_control or its configuration, so the
 *    server cannot start, and the package's configuration, which creates the
 *    cluster only where none exists, fails on it for ever.  A cluster in
 *    that state that never started (no postmaster.opts) holds no data: it is
 *    removed, data and configuration directories, and the configuration
 *    creates it again.  A cluster that ever started is never touched.
 *
 * A dpkg that a killed apt-get had started may still be running (apt gives
 * it a session of its own, so it outlives the kill): everything here first
 * waits for dpkg's lock, as apt-get does with DPkg::Lock::Timeout.
 *
 * Each repair is a change (logged and counted); a dry run reports them only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "inst.h"

#define DPKG_UPDATES "/var/lib/dpkg/updates"
#define DPKG_LOCK "/var/lib/dpkg/lock-frontend"
#define DPKG_LOCK_WAIT_S 600
#define PG_DATA_ROOT "/var/lib/postgresql"
#define PG_CONF_ROOT "/etc/postgresql"

/* 1 when dpkg has a transaction to finish: its journal (updates/) holds
 * entries, or `dpkg --audit` names packages half installed or configured. */
static int dpkg_interrupted(struct pgb_err *err)
{
	const char *argv[] = { "dpkg", "--audit", NULL };
	struct sbuf out = SBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(DPKG_UPDATES);
	int pending = 0, st;

	while (d && (de = readdir(d)))
		pending |= de->d_name[0] >= '0' && de->d_name[0] <= '9';
	if (d)
		closedir(d);
	st = inst_run(argv, &out, err);
	pending |= st >= 0 && out.len > 0;
	sbuf_free(&out);
	return st < 0 ? -1 : pending;
}

static int finish_dpkg(struct inst_ctx *ctx, struct pgb_err *err)
{
	const char *argv[] = { "env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--configure",
			       "-a", "--force-confdef", "--force-confold", NULL };
	struct sbuf out = SBUF_INIT;
	int st = dpkg_interrupted(err);

	if (st <= 0)
		return st;
	ctx->changes++;
	inst_log_change(ctx->log, "finish the package transaction an interrupted run left "
			"(dpkg --configure -a)");
	if (ctx->dry_run)
		return 0;
	st = inst_run(argv, &out, err);
	inst_log_detail(ctx->log, "dpkg --configure -a: %s", out.buf ? out.buf : "");
	/* A package only half unpacked stays so: apt's install reinstalls it. */
	if (st > 0)
		inst_log_warn(ctx->log, "dpkg --configure -a exited with status %d; the package "
			      "transaction goes on with apt (see the log)", st);
	sbuf_free(&out);
	return st < 0 ? -1 : 0;
}

static int has(const char *dir, const char *name)
{
	char *p = util_path_join(dir, name);
	int yes = util_exists(p);

	free(p);
	return yes;
}

/* PG_DATA_ROOT/VER/NAME was created, never finished and never started. */
static int cluster_unfinished(const char *ver, const char *name)
{
	char *data = xasprintf("%s/%s/%s", PG_DATA_ROOT, ver, name);
	char *conf = xasprintf("%s/%s/%s", PG_CONF_ROOT, ver, name);
	int whole = has(data, "PG_VERSION") && has(data, "global/pg_control") &&
		    (has(conf, "postgresql.conf") || has(data, "postgresql.conf"));
	int started = has(data, "postmaster.opts");

	free(data);
	free(conf);
	return !whole && !started;
}

static int drop_unfinished(struct inst_ctx *ctx, const char *ver, const char *name,
			   struct pgb_err *err)
{
	char *data = xasprintf("%s/%s/%s", PG_DATA_ROOT, ver, name);
	char *conf = xasprintf("%s/%s/%s", PG_CONF_ROOT, ver, name);
	int rc = 0;

	ctx->changes++;
	inst_log_change(ctx->log, "remove cluster %s/%s, whose creation an interrupted run "
			"left unfinished and which never started (%s, %s); it is created again",
			ver, name, data, conf);
	if (!ctx->dry_run && (util_rm_rf(data, err) < 0 || util_rm_rf(conf, err) < 0))
		rc = -1;
	free(data);
	free(conf);
	return rc;
}

/* Append "VER/NAME" for each ROOT/VER/NAME (VER a number). */
static void list_clusters(const char *root, struct strlist *out)
{
	struct dirent *v, *c;
	DIR *vd = opendir(root), *cd;

	while (vd && (v = readdir(vd))) {
		char *vdir;

		if (v->d_name[0] < '0' || v->d_name[0] > '9')
			continue;
		vdir = util_path_join(root, v->d_name);
		cd = opendir(vdir);
		while (cd && (c = readdir(cd)))
			if (c->d_name[0] != '.')
				strlist_add_owned(out, xasprintf("%s/%s", v->d_name, c->d_name));
		if (cd)
			closedir(cd);
		free(vdir);
	}
	if (vd)
		closedir(vd);
}

/* Every cluster (by its data or its configuration directory) left unfinished goes. */
static int drop_unfinished_clusters(struct inst_ctx *ctx, struct pgb_err *err)
{
	struct strlist all = STRLIST_INIT;
	int rc = 0;

	list_clusters(PG_DATA_ROOT, &all);
	list_clusters(PG_CONF_ROOT, &all);
	strlist_sort(&all);
	strlist_uniq(&all);
	for (size_t i = 0; rc == 0 && i < all.n; i++) {
		char *ver = all.v[i], *name = strchr(ver, '/');

		*name++ = '\0';
		if (cluster_unfinished(ver, name))
			rc = drop_unfinished(ctx, ver, name, err);
	}
	strlist_free(&all);
	return rc;
}

/* The PID holding dpkg's frontend lock (fcntl, as dpkg and apt take it), or 0. */
static pid_t dpkg_lock_holder(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(DPKG_LOCK, O_RDONLY | O_CLOEXEC);
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? fl.l_pid : 1;
	close(fd);
	return pid;
}

static int wait_dpkg(struct inst_ctx *ctx, struct pgb_err *err)
{
	struct timespec second = { 1, 0 };
	pid_t pid;

	for (int waited = 0; (pid = dpkg_lock_holder()) != 0; waited++) {
		if (waited == 0)
			inst_log_info(ctx->log, "waiting for the package manager that holds %s "
				      "(PID %ld) to finish", DPKG_LOCK, (long)pid);
		if (waited >= DPKG_LOCK_WAIT_S)
			return pgb_fail(err, "%s is still held by PID %ld after %d s: another "
					"package manager runs on this host; let it finish, then run "
					"the installer again", DPKG_LOCK, (long)pid, DPKG_LOCK_WAIT_S);
		while (nanosleep(&second, &second) < 0 && errno == EINTR)
			;
	}
	return 0;
}

int inst_recover(struct inst_ctx *ctx, struct pgb_err *err)
{
	if (wait_dpkg(ctx, err) < 0 || drop_unfinished_clusters(ctx, err) < 0 ||
	    finish_dpkg(ctx, err) < 0)
		return pgb_err_prefix(err, "putting right what an interrupted run left");
	return 0;
}
