/*
 * resolve_rpm.h - which rpm packages a bundle needs, decided by libsolv the
 * way dnf decides on the target, and the proof that a bundle's own rpm-md
 * repository installs them.
 *
 * The upstreams' primary.xml files are loaded into a libsolv pool of type
 * DISTTYPE_RPM (rich dependencies, file dependencies, arch plus noarch,
 * obsoletes, epochs: libsolv's rpm semantics, which are dnf's).  Their
 * modules.yaml files go through modmd.h, and the packages dnf's modular
 * filtering would hide are taken out of the pool (pool->considered) before
 * anything is solved.  The target's baseline is a minimal install: the
 * mandatory (required) and default (installed when possible) packages of
 * its comps groups (@core), read from the upstreams' group metadata, and
 * their dependencies.  The requests are then solved on top of that baseline
 * installed, as dnf does with best=True: the newest version of each request,
 * weak dependencies (Recommends, Supplements) only when asked.  A request by
 * name also admits the packages whose Obsoletes match it, as `dnf install`
 * does (conf.obsoletes): the package that replaced an old name wins.
 *
 * primary.xml lists only the files under /etc and the bin directories; when
 * a solution meets a file dependency nothing provides, every repository's
 * filelists are read (opts->filelists fetches them) and the solve is redone.
 *
 * Requests that cannot be satisfied go to res.missing with the chain of
 * packages from the request to the dependency nobody provides; a package
 * hidden by modular filtering is named with the module stream that hides it
 * and the manifest line that changes it.
 *
 * The baseline is kept for the proof as a libsolv file (rpm_resolve's
 * baseline_out): rpm_prove() later loads it as the installed system and the
 * bundle's repository (its primary, filelists, modules.yaml) as the only
 * one, filters as dnf would on the target, and solves the requests again.
 *
 * A solv cache (rpm_repo_in.solv_cache, keyed by the primary's SHA-256 by
 * the caller) makes a second load of a large primary take milliseconds.
 * Nothing here is global: each call builds and frees its own pool.
 */
#ifndef PGB_RESOLVE_RPM_H
#define PGB_RESOLVE_RPM_H

#include <stddef.h>

#include "error.h"
#include "resolve.h"
#include "util.h"

struct rpm_repo_in {
	const char *name;		/* shown in messages: the upstream's name */
	const char *primary;		/* a decompressed primary.xml */
	const char *solv_cache;		/* where a .solv copy may live; NULL: none */
	const char *group;		/* decompressed comps (group metadata); NULL: none */
	const char *modules;		/* decompressed modules.yaml; NULL: none */
	const char *filelists;		/* decompressed filelists.xml; NULL: ask opts->filelists */
	int hotfix;			/* module_hotfixes: never filtered */
};

struct rpm_resolve_opts {
	const char *arch;		/* rpm architecture, e.g. "x86_64" */
	const char *platform;		/* the module platform stream, e.g. "el9" */
	const struct strlist *modules_disable;	/* module names */
	const struct strlist *modules_enable;	/* "name:stream" */
	const struct strlist *groups;	/* comps group ids of the baseline, e.g. core */
	int weak;			/* follow Recommends and Supplements */
	/* Give the decompressed filelists of repos[repo] in *path (malloc'd),
	 * for a repository whose rpm_repo_in.filelists is NULL; may be NULL. */
	int (*filelists)(void *ctx, size_t repo, char **path, struct pgb_err *err);
	void *ctx;
};

struct rpm_resolution {
	/* The packages to bundle (sorted by name; .repo indexes the repos given,
	 * .filename is primary's location), and the requests that failed. */
	struct resolve_result res;
	size_t nbaseline;		/* packages of the minimal install */
	/* The modules.yaml a bundle of res.pkgs carries (modmd_bundle_yaml());
	 * NULL when none of them is modular. */
	char *modules_yaml;
	/* The comps (group metadata) a bundle of res.pkgs carries (comps.h):
	 * the baseline groups that list a bundled package; NULL: none does. */
	char *comps_xml;
	/* One line per module that matters to the result: the modules whose
	 * streams are bundled and those the target or manifest disabled. */
	struct strlist notes;
};

/*
 * Resolve requests (package names or provides) against repos on the
 * baseline; write the baseline to baseline_out (a libsolv file) for
 * rpm_prove().  Returns -1 only for real errors (unreadable metadata, a
 * baseline that cannot be installed, a module stream to enable that does not
 * exist); *out is then empty.  Free *out with rpm_resolution_free().
 */
int rpm_resolve(const struct rpm_repo_in *repos, size_t nrepos, const char *const *requests,
		size_t nreq, const struct rpm_resolve_opts *o, const char *baseline_out,
		struct rpm_resolution *out, struct pgb_err *err);
void rpm_resolution_free(struct rpm_resolution *r);

/*
 * The proof: with the baseline of rpm_resolve() installed and the one
 * repository `bundle` (modules filtered as dnf would, unless bundle->hotfix),
 * every request installs and nothing outside the bundle is needed.  Fails
 * naming what is missing and the chain of packages that needs it.
 */
int rpm_prove(const char *baseline, const struct rpm_repo_in *bundle,
	      const char *const *requests, size_t nreq, const struct rpm_resolve_opts *o,
	      struct pgb_err *err);

/*
 * The packages of `bundle` that its own modules.yaml would hide from dnf
 * (non-modular packages named like, or providing, an active stream's
 * package), one line each in *why: such a repository needs
 * module_hotfixes=1.  Returns how many, or -1.
 */
int rpm_hidden_by_modules(const struct rpm_repo_in *bundle, const struct rpm_resolve_opts *o,
			  struct strlist *why, struct pgb_err *err);

#endif
