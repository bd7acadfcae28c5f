/*
 * manifest.h - a bundle manifest (manifests/NAME.yml): what one offline bundle
 * holds, read and checked against the recipes.
 *
 *     name: pgsql-d12            # bundle file name part: [A-Za-z0-9._+-]
 *     version: "1.0"             # same alphabet
 *     target: d12                # a recipes/targets.yml entry
 *     arch: amd64                # optional; default: the target's first arch
 *     postgres: [15]             # PostgreSQL majors 13..18, at least one
 *     extensions: [postgresql-{pg}-cron]   # package names, {pg} per major
 *     modules: [pgsql, patroni]  # recipes/modules.yml entries
 *     packages: [jq]             # more package names
 *     upstreams: [debian]        # optional; default: the target's upstreams
 *     prefer: pgdg               # optional: distribution (default) or pgdg,
 *                                # the side that wins where both carry a
 *                                # major or a package (plan.h)
 *     recommends: false          # optional; install Recommends too
 *     config: config/one.yml     # optional installer config, relative to
 *                                # the manifest's directory; must exist
 *     mirrors: {debian: http://deb.debian.org/debian}   # optional
 *     modules_enable: [postgresql:16]   # EL only: module streams to enable,
 *     modules_disable: [postgresql]     # and modules to disable (dnf module ...),
 *                                       # on top of the target's (targets.yml)
 *
 * manifest_load() rejects anything else with a message that names
 * FILE:LINE:COL and the key or value, and what to write instead.
 */
#ifndef PGB_MANIFEST_H
#define PGB_MANIFEST_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "error.h"
#include "recipes.h"
#include "util.h"

struct manifest {
	char *path;			/* as given */
	char *name, *version, *target, *arch;
	int *postgres;			/* majors 13..18, no duplicates, in file order */
	size_t npostgres;
	struct strlist extensions, modules, packages;
	struct strlist upstreams;	/* empty = the target's default upstreams */
	int prefer_pgdg;		/* `prefer: pgdg`; default 0 (distribution) */
	int recommends;			/* default 0 */
	char *config;			/* resolved path of the installer config, or NULL */
	struct strlist mirrors;		/* "KEY=URL" from `mirrors:`, in file order */
	struct strlist modules_enable;	/* "name:stream", rpm targets only */
	struct strlist modules_disable;	/* "name", rpm targets only */
	/* "FILE:LINE:COL" of each item of the list of the same name, for later
	 * messages such as "no package provides ..." */
	struct strlist where_extensions, where_modules, where_packages;
};

/*
 * Read and check the manifest at path against the loaded recipes rc: the
 * target and arch exist there, every module has a package list for the
 * target, every upstream is a repo of the target's family, every mirror key is
 * one the repos use.  m is overwritten; on error it is left empty (so
 * manifest_free() is harmless) and err names FILE:LINE:COL.
 */
int manifest_load(struct manifest *m, const char *path, const struct recipes *rc,
		  struct pgb_err *err);
/*
 * The same for manifest text already in memory; path still names it in
 * messages and anchors a relative `config:` (tests, fuzzing).
 */
int manifest_load_mem(struct manifest *m, const char *path, const char *text, size_t len,
		      const struct recipes *rc, struct pgb_err *err);
void manifest_free(struct manifest *m);

/* Is s usable as a file-name part: [A-Za-z0-9._+-], not starting with '.'
 * or '-', no ".."?  (name and version go into the bundle's file name.) */
int manifest_safe_name(const char *s);

#ifdef __cplusplus
}
#endif

#endif
