/*
 * mirror.h - where an upstream repository is: turning a recipe's mirror key
 * ("debian", "debian-security") into a base URL.
 *
 * No mirror host is written in pgbundle's files.  A mirror key is resolved,
 * first match wins, from:
 *   1. overrides "KEY=URL": --mirror options, then the manifest's `mirrors:`;
 *   2. the environment: PGBUNDLE_MIRROR_<KEY> (upper case, '-' becomes '_');
 *   3. the host's apt sources (/etc/apt/sources.list, sources.list.d/ (*.list and
 *      *.sources): the first entry whose suite has the shape of a repository
 *      using this key (its suite template, e.g. "{codename}-security") with a
 *      codename of one of the recipes' targets of the same family.
 */
#ifndef PGB_MIRROR_H
#define PGB_MIRROR_H

#include "error.h"
#include "recipes.h"
#include "util.h"

struct mirror_ctx {
	const struct strlist *overrides;	/* "KEY=URL", first wins; may be NULL */
	const struct recipes *rc;
	const char *apt_etc;			/* normally "/etc/apt"; tests point elsewhere */
};

/* *url is malloc'd, without a trailing '/'.  The error names the key and every
 * way to set it. */
int mirror_resolve(const struct mirror_ctx *mc, const char *key, char **url, struct pgb_err *err);

/* 1 when key is set by the user (1. or 2. above), not found in apt sources:
 * for repositories nobody can reach unless told where (rpm-md, here). */
int mirror_given(const struct mirror_ctx *mc, const char *key);

#endif
