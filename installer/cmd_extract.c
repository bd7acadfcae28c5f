/*
 * cmd_extract.c - `extract DIR`: the payload, streamed through pack_extract()
 * with its entry checks, into a new or empty directory.  On any error DIR is
 * left as it was: emptied again, or removed when this command made it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"
#include "pack.h"
#include "runfile.h"

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

/* DIR must be an empty directory, or not exist (then it is made, 0755, in an existing parent). */
static int prepare_dir(const char *dir, int *made, struct pgb_err *err)
{
	struct stat st;

	*made = 0;
	if (lstat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : pgb_fail(err, "%s exists and is not a directory",
							    dir);
	if (errno != ENOENT)
		return pgb_failsys(err, "cannot inspect %s", dir);
	if (mkdir(dir, 0755) < 0)
		return pgb_failsys(err, "cannot create %s", dir);
	*made = 1;
	return 0;
}

int cmd_extract(const struct inst_opts *o)
{
	const char *dir = o->argv[0];
	struct pgb_err err;
	uint64_t files = 0;
	int made, rc;

	if (o->dry_run)
		return check_only(o, dir, &err) < 0 ? inst_print_error(&err) : 0;
	if (prepare_dir(dir, &made, &err) < 0)
		return inst_print_error(&err);
	rc = pack_extract(NULL, runfile_fd(o->run), runfile_payload_offset(o->run),
			  runfile_payload_length(o->run), dir, 0, count_file, &files, &err);
	if (rc < 0) {
		pgb_err_prefix(&err, "cannot extract the payload of %s into %s", o->self, dir);
		if (made)
			rmdir(dir);
		return inst_print_error(&err);
	}
	printf("extracted %llu files of %s %s into %s\n", (unsigned long long)files,
	       o->bundle->name, o->bundle->version, dir);
	return 0;
}
