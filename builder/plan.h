/*
 * plan.h - from a manifest to the exact package set of a bundle.
 *
 * plan_load() reads the recipes and the manifest and turns modules,
 * extensions and packages into package requests.  plan_resolve() then either
 * syncs the upstreams (upstream.h), computes the target's baseline, resolves
 * the requests on top of it (resolve.h) and collects each package's verified
 * upstream stanza, or, with a lock, takes the locked set as it is.  Either
 * way the result is a struct lock: what `plan` prints and `build` writes.
 */
#ifndef PGB_PLAN_H
#define PGB_PLAN_H

#include "error.h"
#include "extcat.h"
#include "fetch.h"
#include "lock.h"
#include "manifest.h"
#include "recipes.h"
#include "resolve.h"
#include "util.h"

struct plan_opts {
	const char *manifest_path;
	const char *recipes_dir;
	const char *cache_dir;
	const char *lock_path;		/* use this lock instead of resolving; may be NULL */
	const struct strlist *mirrors;	/* --mirror KEY=URL */
	int allow_expired;
	int allow_unverified_contents;	/* Contents not matching its Release: names only */
	struct fetcher *fetch;
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

struct plan {
	struct recipes rc;
	struct manifest m;
	const struct recipe_target *target;
	struct strlist requests;	/* package names asked for, sorted, unique */
	struct strlist ext_names;	/* extensions the manifest's items resolved to */
	struct extcat ext_cat;		/* the catalog, when the manifest names extensions
					 * (bundle.json's extension_info comes from it) */
	struct lock lock;		/* the bundle's packages, sorted by name */
	struct resolve_missing *missing;	/* requests that could not be resolved */
	size_t nmissing;
	size_t nbaseline;		/* packages the target's minimal install already has */
	char *workdir;			/* private scratch directory, removed by plan_free */
	/* The baseline as the family's installed system, in workdir: a dpkg
	 * status file (deb), a libsolv file (rpm, resolve_rpm.h); NULL for a
	 * locked build. */
	char *status_path;
};

int plan_load(struct plan *p, const struct plan_opts *o, struct pgb_err *err);
/* Append items to out with {pg} expanded once per PostgreSQL major of the
 * manifest; items without it are appended once. */
void plan_expand(const struct plan *p, const struct strlist *items, struct strlist *out);
int plan_resolve(struct plan *p, const struct plan_opts *o, struct pgb_err *err);

struct upstream_opts;
struct upstream;
/* family_ops.resolve of the deb family (upstream.h): apt's resolution. */
int plan_resolve_deb(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		     const struct upstream *ups, size_t nups, struct pgb_err *err);
/* family_ops.resolve of the rpm family (plan_rpm.c). */
int plan_resolve_rpm(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		     const struct upstream *ups, size_t nups, struct pgb_err *err);
struct rpm_resolve_opts;
/* The resolver options of an rpm plan (resolve_rpm.h) as the target's dnf
 * will have them: arch, platform "elN", the module states (disable gets the
 * module names, the target's and the manifest's, minus those the manifest
 * enables), the baseline groups, weak dependencies.  The caller frees
 * disable and *platform; ro points into them and into p. */
void plan_rpm_opts(const struct plan *p, struct rpm_resolve_opts *ro, struct strlist *disable,
		   char **platform);

/* The bundle's Packages index: every stanza with Filename rewritten to
 * "pool/<file>", in lock order.  Deterministic. */
void plan_packages_text(const struct plan *p, struct sbuf *out);
/* The pool path of a package inside the bundle ("pool/<basename>"); malloc'd. */
char *plan_pool_path(const struct lock_pkg *pkg);

/* Prove with apt (aptshim.h) that every requested package of the lock installs
 * from the signed repository at `top` (with its pgbundle.gpg) on top of the
 * baseline.  A locked build, which has no baseline, is not proven again. */
int plan_prove(const struct plan *p, const char *top, const char *suite, const char *component,
	       struct pgb_err *err);

uint64_t plan_total_size(const struct plan *p);
void plan_free(struct plan *p);

#endif
