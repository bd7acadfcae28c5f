/*
 * resolve.h - which Debian packages a bundle needs, decided by libsolv.
 *
 * This module owns dependency resolution.  It loads the upstream Packages
 * indexes (plain, decompressed files of the suites of one distribution, for
 * one architecture plus Architecture: all) into a libsolv pool of type
 * DISTTYPE_DEB, and answers two questions the way apt would on the target:
 *
 *   resolve_baseline()  what `mmdebstrap --variant=minbase` installs: every
 *                       package marked Essential: yes or Priority: required,
 *                       plus apt, and their dependency closure;
 *   resolve_run()       what must be added to an installed system (a dpkg
 *                       status file, usually written from the baseline) to
 *                       install the requested packages.
 *
 * Across repositories the highest version wins, as with apt's default pins,
 * unless the repos are given priorities (resolve_repo.priority): then the
 * highest priority's package wins where a dependency allows it, and each
 * such package says why it came from where it did (resolve_pkg.why).
 * Recommends are followed only when asked (opts.recommends); Suggests never.
 * Where a dependency leaves a choice, libsolv is steered to apt's: the first
 * installable alternative of "a | b", and a real package before other
 * providers of its name (libsolv alone would pick by name).  Still, prove the
 * result with apt itself (aptshim.h) before trusting it.
 *
 *     struct resolve_repo repos[] = { { "debian", "/cache/Packages", NULL } };
 *     struct resolve_opts o = { "amd64", 0 };
 *     struct resolve_result res = { 0 };
 *     const char *req[] = { "postgresql-15" };
 *     if (resolve_run(repos, 1, "/tmp/status", req, 1, &o, &res, &err) < 0)
 *         ...;
 *     for (size_t i = 0; i < res.nmissing; i++)
 *         warn(res.missing[i].request, res.missing[i].reason);
 *     resolve_result_free(&res);
 *
 * A solv cache (resolve_repo.solv_cache) makes a second load of a 60k-stanza
 * index take milliseconds.  The caller keys its path by the index's content
 * (e.g. its SHA-256), so a cache that exists is trusted to match; a cache
 * that libsolv cannot read, or that an older format wrote, is rebuilt.
 * Nothing here is global: each call builds and frees its own pool.
 */
#ifndef PGB_RESOLVE_H
#define PGB_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct resolve_repo {
	const char *name;		/* shown in messages, e.g. "debian-security" */
	const char *packages_path;	/* a decompressed Packages file */
	/* Where a .solv copy may be written and re-read next time; keyed by the
	 * caller so it is only reused for identical input.  NULL = no cache. */
	const char *solv_cache;
	/* Where repos of different priority carry the same package name, the
	 * highest priority's is taken unless a dependency needs another one
	 * (libsolv's repo priority; apt's pins do the same).  Within one
	 * priority the highest version wins.  Default 0. */
	int priority;
};

struct resolve_pkg {
	char *name, *version, *arch;
	int repo;		/* index into the repos[] given to the call */
	char *filename;		/* the index's Filename field */
	char *sha256;		/* lowercase hex, never NULL */
	uint64_t size;		/* the index's Size field */
	int requested;		/* 1 when named by a request (or its chosen provider) */
	/* When a repo of another priority carries the name too: why this one
	 * ("preferred over R's V", or "not R's V: P depends on D"); else NULL. */
	char *why;
};

struct resolve_missing {
	char *request;		/* the request as given */
	char *reason;		/* plain words plus libsolv's own problem text */
};

struct resolve_result {
	/* The packages to bundle: requested + closure, minus what the installed
	 * system already has at a good enough version; sorted by name. */
	struct resolve_pkg *pkgs;
	size_t npkgs;
	/* Requests that could not be satisfied, in request order. */
	struct resolve_missing *missing;
	size_t nmissing;
};

struct resolve_opts {
	const char *arch;	/* dpkg architecture, e.g. "amd64" */
	int recommends;		/* follow Recommends (default 0) */
};

/*
 * The baseline of a minimal install, computed from the repos: every package
 * whose stanza says Essential: yes or Priority: required (in any repo), apt,
 * and their Depends/Pre-Depends closure at the highest versions.  Recommends
 * are never followed here, as a minbase install does not follow them.
 * On success *out (sorted by name, *nout entries) belongs to the caller, who
 * frees it with resolve_pkgs_free().  Fails on an unreadable or unparsable
 * index, a cache that cannot be written, or a baseline that cannot be
 * installed (the message carries libsolv's problem text).
 */
int resolve_baseline(const struct resolve_repo *repos, size_t nrepos,
		     const struct resolve_opts *o, struct resolve_pkg **out, size_t *nout,
		     struct pgb_err *err);

/*
 * Resolve requests on top of the installed system described by the dpkg
 * status file status_path (only stanzas whose Status ends in "installed"
 * count).  A request is "name", "name=version", or a virtual package name,
 * which resolves to its provider when exactly one package provides it (or to
 * the installed provider) and fails naming the candidates otherwise.
 * Installed packages are kept unless a requested package needs a newer
 * version; that newer version is then part of the result.  Conflicts and
 * Breaks are honoured.  A request that cannot be satisfied goes into
 * res->missing with the reason and does not stop the others (its job is
 * dropped and the rest solved again).
 * Returns -1 only for real errors (unreadable file, inconsistent installed
 * system); *res is then left empty.  On success the caller frees *res with
 * resolve_result_free().
 */
int resolve_run(const struct resolve_repo *repos, size_t nrepos, const char *status_path,
		const char *const *requests, size_t nreq, const struct resolve_opts *o,
		struct resolve_result *res, struct pgb_err *err);

/*
 * For each of names[0..n): have[i] = 1 when some repo has an installable
 * package of exactly that name (not only a provider), else 0.  Fails only on
 * an unreadable index.
 */
int resolve_have(const struct resolve_repo *repos, size_t nrepos, const struct resolve_opts *o,
		 const char *const *names, size_t n, int *have, struct pgb_err *err);

/* For the resolvers (resolve.c, resolve_rpm.c): name, version, arch,
 * location, sha256 and size of solvable p of pool into out, and which of
 * repos[0..nrepos) it is from (out->repo); -1 when it is from none of them
 * or has no location or no sha256 checksum.  And the order of packages in a
 * result (name, arch, version). */
struct s_Pool;
struct s_Repo;
int resolve_pkg_from(struct resolve_pkg *out, struct s_Pool *pool, int p,
		     struct s_Repo *const *repos, size_t nrepos);
int resolve_pkg_cmp(const void *a, const void *b);
/* Append a request that cannot be satisfied, and why, to res->missing. */
void resolve_add_missing(struct resolve_result *res, const char *req, const char *why);
/* Free n packages and the array itself; NULL is fine. */
void resolve_pkgs_free(struct resolve_pkg *p, size_t n);
/* Free the contents of *r and zero it; the struct itself is the caller's. */
void resolve_result_free(struct resolve_result *r);

#endif
