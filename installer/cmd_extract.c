/*
 * cmd_extract.c - `extract DIR`: the payload into DIR, verified in the same
 * pass (payload.c).
 *
 * DIR is a new directory, or an empty one that belongs to us and that no
 * one else can write to: root extracting into a directory another user
 * controls would let that user move or link what lands there.  The files
 * go first into a private directory inside DIR (mode 0700) and move into
 * DIR only once the whole file verified; everything is done through
 * descriptors, so DIR renamed or replaced by a symlink meanwhile changes
 * nothing.  On any error DIR is left as it was: emptied again, or removed
 * when this command made it.
 * A delta (inst.h, delta.c) is completed from --base into the whole new
 * repository; without --base it is refused before anything is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"
#include "pack.h"
#include "runfile.h"

#define STAGING ".pgbundle-extract"

static void count_file(void *ctx, const char *path, const char *hex)
{
	(void)path;
	(void)hex;
	(*(uint64_t *)ctx)++;
}

/* --dry-run: check every entry as extraction would, write nothing. */
static int check_only(const struct inst_opts *o, const char *dir, struct pgb_err *err)
{
	struct inst_payload_stats w = { 0, 0, 0 };

	if (inst_payload_walk(o, &w, err) < 0)
		return -1;
	printf("dry run: would extract %llu entries into %s\n", (unsigned long long)w.entries, dir);
	return 0;
}

/* Open DIR, made here (0755, in an existing parent) or checked: ours, closed to others, empty. */
static int open_dir(const char *dir, int *made, int *fd, struct pgb_err *err)
{
	struct stat st;

	*made = mkdir(dir, 0755) == 0;
	if (!*made && errno != EEXIST)
		return pgb_failsys(err, "cannot create %s", dir);
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOTDIR || errno == ELOOP ?
		       pgb_fail(err, "%s exists and is not a directory", dir) :
		       pgb_failsys(err, "cannot open %s", dir);
	if (fstat(*fd, &st) < 0)
		return pgb_failsys(err, "cannot stat %s", dir);
	if (st.st_uid != geteuid())
		return pgb_fail(err, "%s belongs to user %u, not to you (%u): its owner could change "
				"what is extracted there; give a new directory, or one of yours",
				dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return pgb_fail(err, "%s can be written by other users (mode %03o): they could "
				"change what is extracted there; give a new directory, or chmod "
				"go-w it", dir, (unsigned)(st.st_mode & 0777));
	switch (util_dir_empty_at(*fd)) {
	case 1: return 0;
	case 0: return pgb_fail(err, "%s is not empty: extract into a new, empty directory", dir);
	default: return pgb_failsys(err, "cannot read %s", dir);
	}
}

struct mover {
	int from, to;
};

static int move_one(void *ctx, const char *name)
{
	const struct mover *m = ctx;

	return renameat(m->from, name, m->to, name) < 0 ? -1 : 0;
}

/* The verified tree, from the private directory into DIR. */
static int move_up(int stage_fd, int dir_fd, const char *dir, struct pgb_err *err)
{
	struct mover m = { stage_fd, dir_fd };

	if (util_dir_each_at(stage_fd, move_one, &m) < 0)
		return pgb_failsys(err, "cannot move the extracted files from %s/%s into %s", dir,
				   STAGING, dir);
	return 0;
}

/* A delta needs --base, the repository of the bundle it updates. */
static int delta_base(const struct inst_opts *o, struct pgb_err *err)
{
	char *top;

	if (!o->bundle->delta)
		return 0;
	if (o->base)
		return inst_delta_base_check(o->bundle, o->base, err);
	top = inst_delta_base_top(o->bundle);
	pgb_fail(err, "%s %s is a delta on %s: give that bundle's repository with --base REPO "
		 "(nothing was written)", o->bundle->name, o->bundle->version, top);
	free(top);
	return -1;
}

/* The extracted delta completed from its base; on failure DIR is emptied. */
static int complete(const struct inst_opts *o, int dir_fd, const char *dir, struct pgb_err *err)
{
	struct pgb_err ignored;
	int rc = inst_delta_complete(o->bundle, dir, o->base, 0, NULL, err);

	if (rc < 0)
		util_clear_dir_at(dir_fd, &ignored);
	return rc;
}

static int extract_into(const struct inst_opts *o, int dir_fd, const char *dir, uint64_t *files,
			struct pgb_err *err)
{
	char *stage = xasprintf("%s/%s", dir, STAGING);
	struct pgb_err ignored;
	int stage_fd = -1, rc;

	rc = mkdirat(dir_fd, STAGING, 0700) < 0 ? pgb_failsys(err, "cannot create %s", stage) : 0;
	if (rc == 0) {
		stage_fd = openat(dir_fd, STAGING, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (stage_fd < 0)
			rc = pgb_failsys(err, "cannot open %s", stage);
	}
	if (rc == 0)
		rc = inst_payload_extract(o, stage_fd, stage, count_file, files, err);
	if (rc == 0)
		rc = move_up(stage_fd, dir_fd, dir, err);
	if (rc == 0 && unlinkat(dir_fd, STAGING, AT_REMOVEDIR) < 0)
		rc = pgb_failsys(err, "cannot remove %s", stage);
	if (rc < 0)
		util_clear_dir_at(dir_fd, &ignored);
	if (stage_fd >= 0)
		close(stage_fd);
	free(stage);
	return rc;
}

int cmd_extract(const struct inst_opts *o)
{
	const char *dir = o->argv[0];
	struct pgb_err err;
	uint64_t files = 0;
	int made = 0, fd = -1, rc;

	if (delta_base(o, &err) < 0)
		return inst_print_error(&err);
	if (o->dry_run)
		return check_only(o, dir, &err) < 0 ? inst_print_error(&err) : 0;
	rc = open_dir(dir, &made, &fd, &err);
	if (rc == 0 && extract_into(o, fd, dir, &files, &err) < 0)
		rc = pgb_err_prefix(&err, "cannot extract the payload of %s into %s", o->self, dir);
	if (rc == 0 && o->bundle->delta)
		rc = complete(o, fd, dir, &err);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		if (made)
			rmdir(dir);
		return inst_print_error(&err);
	}
	printf("extracted %llu files of %s %s into %s%s%s\n", (unsigned long long)files,
	       o->bundle->name, o->bundle->version, dir, o->bundle->delta ?
	       ", completed from the repository of " : "", o->bundle->delta ?
	       o->bundle->delta->base_version : "");
	printf("signed by %s; trust: %s\n", runfile_signer(o->run), o->trust->source);
	return 0;
}
