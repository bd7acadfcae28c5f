/*
 * solvfile.h - a libsolv repository kept in a .solv file: the resolvers'
 * caches of parsed indexes (resolve.c, resolve_rpm.c; the caller keys their
 * paths by the index's content) and the rpm baseline (resolve_rpm.h).
 *
 *     if (!solvfile_load(repo, path, "pgbundle:cache-format", "rpmmd-1"))
 *         ... parse the index, set the format string, then:
 *     solvfile_write(repo, path, &err);
 */
#ifndef PGB_SOLVFILE_H
#define PGB_SOLVFILE_H

#include <solv/repo.h>

#include "error.h"

/* Load path into repo; 1 when it was there and its SOLVID_META string
 * key says format (key NULL: any file), 0 otherwise (repo left empty: parse
 * the index instead). */
int solvfile_load(Repo *repo, const char *path, const char *key, const char *format);
/* Write repo to path atomically. */
int solvfile_write(Repo *repo, const char *path, struct pgb_err *err);

#endif
