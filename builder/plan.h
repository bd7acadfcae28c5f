/*
 * plan.h - from a manifest to the exact package set of a bundle.
 *
 * plan_load() reads the recipes and the manifest (and the lock, when there
 * is one) and turns modules, extensions and packages into package requests,
 * and notes which of them each PostgreSQL major asked for.  plan_resolve()
 * then either syncs the upstreams (upstream.h), computes the target's
 * baseline, resolves the requests on top of it (resolve.h) and collects each
 * package's verified upstream stanza, or, with a lock, takes the locked set
 * as it is.  Either way the result is a struct lock: what `plan` prints and
 * `build` writes, with each package's url set from the mirror configuration.
 *
 * A locked build reads no upstream metadata when the lock records its
 * extensions (lock format 2): the extension names and the packages they
 * resolved to come from the lock, not from discovery.  The lock's date is a
 * fresh resolution's newest upstream Release date, so resolving again from
 * unchanged upstreams writes the same lock.
 *
 * Two sides may carry PostgreSQL: the distribution (the target's
 * `upstreams`, or the manifest's) and the PostgreSQL project (the target's
 * `pgdg` upstreams, PGDG).  PGDG is used when the manifest asks for
 * something of a major (its pgsql module packages, {pg} templates,
 * extensions) other than the one the distribution ships (targets.yml
 * pg_default), or says `prefer: pgdg`.  Then:
 *   - each major asked for comes from the preferred side when that side has
 *     its pgsql packages (postgresql-16, postgresql-client-16), else from the
 *     other side; a major neither side has fails, naming it and every
 *     upstream tried;
 *   - any package both sides carry (libpq5, postgresql-common, pgbouncer,
 *     extensions) comes from the preferred side unless a package of the
 *     bundle needs a version only the other side has (resolve.h's repo
 *     priority), and the lock says why (lock_pkg.why);
 *   - the baseline is the distribution's alone: PGDG is never in a minbase.
 * The preferred side is the distribution, or PGDG with `prefer: pgdg`.
 *
 * A target has two baselines: its minimal install from every upstream
 * (the release kept current), and from the upstreams that are the release
 * as published (repos.yml: those without `updates: true`, so without
 * -updates and -security).  The requests are resolved on top of each and
 * the bundle holds the union: the baseline packages its closure needs at
 * versions newer than the release shipped are carried (ncarried), so a
 * host that was never updated installs it too.  plan_prove() proves both.
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

/* One PostgreSQL major of the manifest. */
struct plan_major {
	int pg;
	/* The requests made for this major: its {pg} module packages and
	 * templates, the extension packages discovery found for it; sorted.
	 * The installer installs only those of the major a cluster uses. */
	struct strlist requests;
	/* After plan_resolve(): the upstream its server package comes from
	 * ("debian-security", "pgdg-apt"; "-" when the bundle has none) and why
	 * that side ("the distribution ships it", "not in debian, ...",
	 * "prefer: pgdg", "as locked"). */
	char *upstream, *why;
};

struct plan {
	struct recipes rc;
	struct manifest m;
	const struct recipe_target *target;
	struct strlist requests;	/* package names asked for, sorted, unique */
	struct plan_major *majors;	/* one per m.postgres, in that order */
	/* The upstreams used: the distribution's, then PGDG's when used; and
	 * which of them are PGDG's (the target's `pgdg`). */
	struct strlist upstreams, pgdg_upstreams;
	struct strlist ext_names;	/* extensions the manifest's items resolved to */
	struct extcat ext_cat;		/* the catalog, when the manifest names extensions
					 * (bundle.json's extension_info comes from it) */
	struct lock lock;		/* the bundle's packages, sorted by name */
	struct resolve_missing *missing;	/* requests that could not be resolved */
	size_t nmissing;
	size_t nbaseline;		/* packages the target's minimal install already has */
	/* Of the bundle's packages, those the release's first baseline has at
	 * an older version: carried for hosts never updated. */
	size_t ncarried;
	char *workdir;			/* private scratch directory, removed by plan_free */
	/* The baseline as the family's installed system, in workdir: a dpkg
	 * status file (deb), a libsolv file (rpm, resolve_rpm.h); NULL for a
	 * locked build. */
	char *status_path;
	/* The release-as-published baseline's status file, or NULL when the
	 * upstreams make one baseline only (no `updates` upstream, or a lock). */
	char *status_release_path;
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
 * from the signed repository at `top` (with its pgbundle.gpg) on top of each
 * baseline.  A locked build, which has no baseline, is not proven again. */
int plan_prove(const struct plan *p, const char *top, const char *suite, const char *component,
	       struct pgb_err *err);

/* Does the bundle say where each major comes from and which packages are
 * whose (bundle.json postgres_upstreams and postgres_packages, the lock's
 * extensions.majors)?  Only with several majors or PGDG, so that other
 * bundles stay as they were. */
int plan_records_majors(const struct plan *p);

uint64_t plan_total_size(const struct plan *p);
/* Bytes the packages take installed (their stanzas' Installed-Size, KiB). */
uint64_t plan_installed_size(const struct plan *p);
void plan_free(struct plan *p);

#endif
