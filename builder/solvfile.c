#include "solvfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>

#include "util.h"

int solvfile_load(Repo *repo, const char *path, const char *key, const char *format)
{
	FILE *f = fopen(path, "r");
	const char *fmt;
	int rc;

	if (!f)
		return 0;
	rc = repo_add_solv(repo, f, 0);
	fclose(f);
	if (!rc && !key)
		return 1;
	fmt = rc ? NULL : repo_lookup_str(repo, SOLVID_META, pool_str2id(repo->pool, key, 1));
	if (fmt && !strcmp(fmt, format))
		return 1;
	repo_empty(repo, 1);
	return 0;
}

int solvfile_write(Repo *repo, const char *path, struct pgb_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return pgb_failsys(err, "cannot write %s", path);
	rc = repo_write(repo, f);
	if (fclose(f) != 0 || rc != 0)
		rc = pgb_fail(err, "cannot write %s: %s", path, pool_errstr(repo->pool));
	else
		rc = util_write_atomic(path, buf, len, 0644, err);
	free(buf);
	return rc;
}
