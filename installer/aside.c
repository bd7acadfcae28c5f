/*
 * aside.c - the host's own package sources moved aside while a bundle is the
 * only source, and put back exactly (inst.h: inst_aside_*).
 *
 * Under a configuration directory ETC (/etc/apt; /etc/yum.repos.d):
 *   DISABLED/               the moved files, under their relative names
 *   DISABLED/moved.list     "STORED<TAB>ORIGINAL" per moved file, both
 *                           relative to ETC
 * Moving (rename) rather than copying keeps each file exactly as it was:
 * content, mode, owner, times.  The record is written before each move, so
 * an interrupted run still knows the way back; restore reads it, renames
 * every file back (newest first) and removes the record and DISABLED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

struct moved {
	struct strlist stored, orig;	/* parallel, relative to ETC */
};

static void moved_free(struct moved *m)
{
	strlist_free(&m->stored);
	strlist_free(&m->orig);
}

static char *record_path(const char *etc, const char *disabled)
{
	char *dir = util_path_join(etc, disabled), *p = util_path_join(dir, "moved.list");

	free(dir);
	return p;
}

static int record_read(const char *etc, const char *disabled, struct moved *m,
		       struct pgb_err *err)
{
	char *path = record_path(etc, disabled), *data, *line, *save = NULL;
	size_t len;

	if (!util_exists(path)) {
		free(path);
		return 0;
	}
	if (util_read_file(path, &data, &len, err) < 0) {
		free(path);
		return -1;
	}
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (!tab || strstr(line, "..") || *line == '/' || tab[1] == '/') {
			pgb_fail(err, "%s: bad line \"%s\": restore it by hand (each line is "
				 "STORED<TAB>ORIGINAL, relative to %s)", path, line, etc);
			free(data);
			free(path);
			return -1;
		}
		*tab = '\0';
		strlist_add(&m->stored, line);
		strlist_add(&m->orig, tab + 1);
	}
	free(data);
	free(path);
	return 0;
}

static int record_write(const char *etc, const char *disabled, const struct moved *m,
			struct pgb_err *err)
{
	char *path = record_path(etc, disabled), *dir = util_path_join(etc, disabled);
	struct sbuf s = SBUF_INIT;
	int rc = util_mkdir_p(dir, 0755, err);

	free(dir);
	if (rc < 0) {
		free(path);
		return -1;
	}
	for (size_t i = 0; i < m->stored.n; i++)
		sbuf_addf(&s, "%s\t%s\n", m->stored.v[i], m->orig.v[i]);
	rc = util_write_atomic(path, s.buf ? s.buf : "", s.len, 0644, err);
	sbuf_free(&s);
	free(path);
	return rc;
}

/* Where to keep orig: DISABLED/orig, or DISABLED/orig.N when an earlier run
 * already keeps a file of that name (the host re-created it meanwhile). */
static char *stored_name(const char *etc, const char *disabled, const struct moved *m,
			 const char *orig)
{
	char *rel = xasprintf("%s/%s", disabled, orig);

	for (int n = 1;; n++) {
		char *abs = util_path_join(etc, rel);
		int taken = util_exists(abs) || strlist_has(&m->stored, rel);

		free(abs);
		if (!taken)
			return rel;
		free(rel);
		rel = xasprintf("%s/%s.%d", disabled, orig, n);
	}
}

static int move_one(const char *etc, const char *from_rel, const char *to_rel, struct pgb_err *err)
{
	char *from = util_path_join(etc, from_rel), *to = util_path_join(etc, to_rel);
	char *dir = xstrdup(to);
	int rc = 0;

	*strrchr(dir, '/') = '\0';
	if (util_mkdir_p(dir, 0755, err) < 0)
		rc = -1;
	else if (rename(from, to) < 0)
		rc = pgb_failsys(err, "cannot move %s to %s", from, to);
	free(dir);
	free(from);
	free(to);
	return rc;
}

int inst_aside_move(struct inst_ctx *ctx, const char *etc, const char *disabled,
		    const struct strlist *files, struct pgb_err *err)
{
	struct moved m = { STRLIST_INIT, STRLIST_INIT };
	int rc = -1;

	if (record_read(etc, disabled, &m, err) < 0)
		goto out;
	for (size_t i = 0; i < files->n; i++) {
		char *to = stored_name(etc, disabled, &m, files->v[i]);

		ctx->changes++;
		inst_log_change(ctx->log, "move %s/%s aside to %s/%s (uninstall puts it back)",
				etc, files->v[i], etc, to);
		if (ctx->dry_run) {
			free(to);
			continue;
		}
		strlist_add_owned(&m.stored, to);
		strlist_add(&m.orig, files->v[i]);
		/* Record first: a crash after the rename still knows the way back. */
		if (record_write(etc, disabled, &m, err) < 0 ||
		    move_one(etc, files->v[i], to, err) < 0)
			goto out;
	}
	rc = 0;
out:
	moved_free(&m);
	return rc;
}
/* Put one file back.  Returns 1 when it stays aside (conflict), else 0/-1. */
static int restore_one(struct inst_ctx *ctx, const char *etc, const char *stored_rel,
		       const char *orig_rel, struct pgb_err *err)
{
	char *stored = util_path_join(etc, stored_rel), *orig = util_path_join(etc, orig_rel);
	int rc = 0;

	if (!util_exists(stored)) {
		/* Restored by an earlier, interrupted uninstall. */
	} else if (util_exists(orig)) {
		inst_log_warn(ctx->log, "%s exists again; the original stays in %s: compare "
			      "them and keep one", orig, stored);
		rc = 1;
	} else {
		ctx->changes++;
		inst_log_change(ctx->log, "restore %s", orig);
		if (!ctx->dry_run && move_one(etc, stored_rel, orig_rel, err) < 0)
			rc = -1;
	}
	free(stored);
	free(orig);
	return rc;
}

/* Remove the disabled tree if nothing but empty directories is left. */
static void prune_disabled(const char *etc, const char *disabled, const struct moved *m)
{
	char *dir = util_path_join(etc, disabled);

	for (size_t i = 0; i < m->stored.n; i++) {
		char *p = util_path_join(etc, m->stored.v[i]), *slash;

		while ((slash = strrchr(p, '/')) && slash > p) {
			*slash = '\0';
			if (strlen(p) <= strlen(dir) || rmdir(p) < 0)
				break;
		}
		free(p);
	}
	rmdir(dir);
	free(dir);
}

int inst_aside_restore(struct inst_ctx *ctx, const char *etc, const char *disabled, int *kept,
		       struct pgb_err *err)
{
	struct moved m = { STRLIST_INIT, STRLIST_INIT };
	char *record = record_path(etc, disabled);
	int rc = 0;

	*kept = 0;
	if (record_read(etc, disabled, &m, err) < 0) {
		free(record);
		return -1;
	}
	/* Newest first: a name moved twice (NAME, then NAME.1) ends as it began. */
	for (size_t i = m.stored.n; i-- > 0 && rc == 0;) {
		int r = restore_one(ctx, etc, m.stored.v[i], m.orig.v[i], err);

		if (r < 0)
			rc = -1;
		*kept += r > 0;
	}
	if (rc == 0 && !*kept && !ctx->dry_run && util_exists(record)) {
		if (unlink(record) < 0)
			rc = pgb_failsys(err, "cannot remove %s", record);
		prune_disabled(etc, disabled, &m);
	}
	free(record);
	moved_free(&m);
	return rc;
}
