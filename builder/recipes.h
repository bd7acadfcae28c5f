/*
 * recipes.h - the data that says what a target, an upstream repository and a
 * module are: recipes/targets.yml, recipes/repos.yml and recipes/modules.yml.
 *
 * recipes_load() reads the three files of a directory (the source tree's
 * recipes/ unless the caller says otherwise) and checks them as strictly as
 * a manifest: unknown keys, wrong types, a target naming an upstream that
 * repos.yml does not define or of another family, a module overriding a
 * target that does not exist, unknown {placeholders}; every message names
 * FILE:LINE:COL.  The loaded struct recipes is read-only afterwards; look
 * things up by name with recipes_target(), recipes_repo(), and turn a module
 * into package names with recipes_module_packages().
 *
 *     struct recipes rc;
 *     if (recipes_load(&rc, "recipes", err) < 0)
 *         return -1;
 *     const struct recipe_target *t = recipes_target(&rc, "d12");
 *     recipes_module_packages(&rc, "pgsql", t, (int[]){15}, 1, &names, err);
 *     ...
 *     recipes_free(&rc);
 *
 * Templates: url, suite and package names may hold {codename}, {release},
 * {arch} and {pg} (a PostgreSQL major); recipes_expand() fills them in.
 */
#ifndef PGB_RECIPES_H
#define PGB_RECIPES_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "error.h"
#include "util.h"

/* A distribution release we build for (targets.yml). */
/* The PostgreSQL majors pgbundle builds for, ascending. */
#define RECIPES_PG_MIN 13
#define RECIPES_PG_MAX 18
#define RECIPES_NPG (RECIPES_PG_MAX - RECIPES_PG_MIN + 1)
extern const int recipes_pg_majors[RECIPES_NPG];

struct recipe_target {
	char *name;		/* "d12" */
	char *family;		/* "deb" | "rpm" */
	char *distro;		/* "debian" | "ubuntu" | "el" */
	char *release;		/* "12" */
	char *codename;		/* "bookworm"; NULL for rpm */
	char *baseline;		/* "minbase" (deb) | "minimal" (rpm) */
	int pg_default;		/* the distribution's own PostgreSQL major; 0 = not stated */
	struct strlist archs;	/* first one is the manifest's default */
	struct strlist upstreams;	/* default repos.yml names, in order */
	/* The PostgreSQL project's repositories for this target (repos.yml
	 * names; empty when it has none): used for the majors the
	 * distribution does not ship, or for all with the manifest's
	 * `prefer: pgdg` (plan.h). */
	struct strlist pgdg;
	struct strlist components;
	/* rpm: the comps groups whose mandatory and default packages are the
	 * baseline (default [core]), and the modules a bundle disables unless
	 * the manifest enables a stream of them (dnf module disable). */
	struct strlist baseline_groups, modules_disable;
	char *where;		/* "recipes/targets.yml:LINE:COL" of the entry */
};

/* An upstream repository (repos.yml).  Unset strings are NULL. */
struct recipe_repo {
	char *name;		/* "debian-security" */
	char *family;		/* "deb" | "rpm" */
	char *url;		/* fixed URL template; the fallback when mirror is unset */
	char *mirror;		/* mirror key ("debian"): the caller resolves its URL */
	char *suite;		/* template, e.g. "{codename}-security" (deb) */
	char *keyring;		/* OpenPGP keyring file on the build host */
	char *key_url;		/* where the signing key is published */
	char *fingerprint;	/* 40 upper-case hex digits of the signing key */
	/* Or one per release or architecture (fpr_keys[i] -> fpr_values[i]): see
	 * recipes_repo_fingerprint(). */
	struct strlist fpr_keys, fpr_values;
	/* deb: components to fetch; one holding {pg} is fetched once per
	 * PostgreSQL major of the build, and only when the Release lists it
	 * (PGDG's per-major components exist for some majors only). */
	struct strlist components;
	int checked;		/* reachable and tested from here */
	/* Carries updates to a release (-updates, -security): a host installed
	 * from the release as published has none of its packages, so the
	 * release's first baseline is computed without it (plan.c). */
	int updates;
	/* rpm: the upstream signs its repomd.xml (default).  When 0 (Fedora's
	 * EPEL does not), an unsigned repomd.xml is taken, loudly, and only the
	 * packages' own signatures vouch for what is bundled. */
	int metadata_signed;
	char *where;
};

/* One package list of a module: for a family ("deb", "rpm") or a target. */
struct recipe_pkgset {
	char *scope;
	struct strlist names;	/* templates with {pg}; empty = not available */
	char *where;		/* position of the list, where its comment is */
};

struct recipe_module {
	char *name;
	char *description;
	struct recipe_pkgset *sets;
	size_t nsets;
	char *where;
};

struct recipes {
	char *dir;
	struct recipe_target *targets;
	size_t ntargets;
	struct recipe_repo *repos;
	size_t nrepos;
	struct recipe_module *modules;
	size_t nmodules;
};

/*
 * Load dir/targets.yml, dir/repos.yml and dir/modules.yml into rc (which is
 * overwritten).  On error rc is left empty (recipes_free() is harmless) and
 * err names the file, line, column and key.
 */
int recipes_load(struct recipes *rc, const char *dir, struct pgb_err *err);
void recipes_free(struct recipes *rc);

/* The fingerprint pinned for r on target t and arch: the mapping's entry
 * for arch, else for t's release, else the single one; NULL: none pinned. */
const char *recipes_repo_fingerprint(const struct recipe_repo *r, const struct recipe_target *t,
				     const char *arch);

/* Lookups by name; NULL when unknown.  Pointers live as long as rc. */
const struct recipe_target *recipes_target(const struct recipes *rc, const char *name);
const struct recipe_repo *recipes_repo(const struct recipes *rc, const char *name);
int recipes_has_module(const struct recipes *rc, const char *name);
/* Is key the mirror key of at least one repo? */
int recipes_has_mirror_key(const struct recipes *rc, const char *key);

/* "a, b, c" of every target / module / repo / mirror key name, malloc'd: for
 * "known ...:" hints in messages. */
char *recipes_target_names(const struct recipes *rc);
char *recipes_module_names(const struct recipes *rc);
char *recipes_repo_names(const struct recipes *rc);
char *recipes_mirror_keys(const struct recipes *rc);

/*
 * Append the package names of module for target t to out: a name with {pg}
 * once per major of pg[0..npg), a name without it once.  Fails (appending
 * nothing) when the module is unknown, has no list for t's family, or its
 * list for t is empty (the module does not exist there; the message points at
 * that list in modules.yml), or when a {pg} name meets npg == 0.
 */
int recipes_module_packages(const struct recipes *rc, const char *module,
			    const struct recipe_target *t, const int *pg, size_t npg,
			    struct strlist *out, struct pgb_err *err);

/* Append only the {pg} names of module's list for t, expanded for major pg:
 * that major's own packages (pgsql: postgresql-16, postgresql-client-16).
 * Nothing when the module is unknown or has no list for t. */
void recipes_module_major_packages(const struct recipes *rc, const char *module,
				   const struct recipe_target *t, int pg, struct strlist *out);

/*
 * Expand {codename} {release} {arch} {pg} in tmpl; malloc'd.  A placeholder
 * whose value is unknown (t NULL or without a codename, arch NULL or "",
 * pg <= 0) and any other {word} stay as written.
 */
char *recipes_expand(const char *tmpl, const struct recipe_target *t, const char *arch, int pg);

/* Is s a package name or name template: [A-Za-z0-9+._-] and {pg}, starting
 * with a letter, digit or {pg}?  (Package lists of recipes and manifests.) */
int recipes_package_name_ok(const char *s);

#ifdef __cplusplus
}
#endif

#endif
