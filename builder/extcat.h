/*
 * extcat.h - the curated extension catalog, recipes/extensions.yml.
 *
 * Repository metadata says which package ships which extension (see
 * extdisc.h); this catalog holds only what metadata cannot say: a category,
 * aliases users type (pgvector -> vector), the shared_preload_libraries entry
 * and extra settings an extension needs, a one-line description, extensions
 * it cannot share a database with, package name templates for upstreams not
 * reachable from here, and a recorded exception when it cannot simply be
 * CREATEd in a plain database.
 *
 * extcat_load() reads RECIPES_DIR/extensions.yml strictly: an unknown key, a
 * category not in extcat_categories, a duplicate name, an alias equal to a
 * name or another alias, a template of an unknown upstream or with an unknown
 * {placeholder} all fail with "FILE:LINE:COL: ...".  The loaded catalog is
 * read-only; entries are sorted by name.
 *
 *     struct extcat cat;
 *     if (extcat_load(&cat, "recipes", err) < 0)
 *         return -1;
 *     const struct extcat_entry *e = extcat_find(&cat, "pgvector"); // "vector"
 *     ...
 *     extcat_free(&cat);
 *
 * File format (one mapping per extension, keyed by the name of its .control
 * file):
 *
 *     pg_cron:
 *       category: ADMIN
 *       description: run SQL on a cron schedule inside the server
 *       preload: pg_cron                  # library for shared_preload_libraries
 *       preload_after: []                 # libraries to load before it
 *       settings: ["cron.database_name=postgres"]
 *       aliases: [cron]
 *       conflicts: []
 *       exception: "why CREATE EXTENSION fails in a plain database"
 *       exception_pg: [15]                # only on these majors (default: all)
 *       background: "what its library starts on its own"
 *       requires: [pglogical]             # from its .control, when they preload
 *       templates: ["pgdg-yum:pg_cron_{pg}"]
 *       checked: false
 *
 * requires lists the extensions its .control file requires that have a
 * preload library (with a background one, it cannot be created unless that
 * library is loaded; the installer loads them together).
 *
 * background names what the extension's preload library starts without
 * being asked (background workers, an HA manager's or a replication
 * daemon's machinery, a sampler): the installer preloads such a library
 * only when its config names the extension or the library, never just
 * because the bundle holds it (pg_libs_auto), and a database's "all"
 * leaves it out.
 *
 * category and description are required, the rest optional.  templates are
 * "UPSTREAM:NAME" with UPSTREAM a repos.yml name that is not reachable here
 * (pgdg-apt, pgdg-yum, pigsty-apt, pigsty-yum) and {pg} standing for the
 * PostgreSQL major.  checked (default true) is false when anything in the
 * entry was not checked against metadata reachable here: an entry with
 * templates, or for an extension no reachable suite ships, says false.
 */
#ifndef PGB_EXTCAT_H
#define PGB_EXTCAT_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "error.h"
#include "util.h"

/* The categories, NULL-terminated: TIME GIS RAG FTS OLAP FEAT LANG TYPE UTIL
 * FUNC ADMIN STAT SEC FDW SIM ETL. */
extern const char *const extcat_categories[];

struct extcat_entry {
	char *name;		/* extension name, as its .control file */
	char *category;		/* one of extcat_categories */
	struct strlist aliases;	/* other names users may type */
	char *preload;		/* library for shared_preload_libraries, or NULL */
	/* Libraries that must come before preload in shared_preload_libraries
	 * (the installer adds them when missing): pg_stat_kcache's hooks call
	 * into pg_stat_statements'. */
	struct strlist preload_after;
	struct strlist settings;	/* "key=value" it needs in postgresql.conf */
	char *description;	/* one line */
	struct strlist conflicts;	/* extensions that cannot share its database */
	char *exception;	/* why it cannot be CREATEd plainly, or NULL */
	int *exception_pg;	/* the majors it holds for; none: every major */
	size_t n_exception_pg;
	/* What its library starts on its own (one line), or NULL: preloaded only
	 * when a config names it (see above). */
	char *background;
	/* Extensions of this catalog its .control requires that preload. */
	struct strlist requires;
	struct strlist templates;	/* "upstream:name-template" */
	int checked;		/* 1: everything here checked against reachable metadata */
	char *where;		/* "FILE:LINE:COL" of the entry's name */
};

struct extcat {
	struct extcat_entry *v;	/* sorted by name */
	size_t n;
};

/*
 * Load RECIPES_DIR/extensions.yml into *c (overwritten).  On error *c is
 * empty (nothing to free, extcat_free() is harmless) and err names
 * FILE:LINE:COL.  Free a loaded catalog with extcat_free().
 */
int extcat_load(struct extcat *c, const char *recipes_dir, struct pgb_err *err);

/* Same from memory; name stands for the file in messages (tests). */
int extcat_load_mem(struct extcat *c, const char *name, const char *text, size_t len,
		    struct pgb_err *err);

/* The entry named name_or_alias (exact, case-sensitive), or NULL.  The
 * pointer stays valid until extcat_free(). */
const struct extcat_entry *extcat_find(const struct extcat *c, const char *name_or_alias);

/* 1 when e has an exception that holds on PostgreSQL major pg. */
int extcat_exception_holds(const struct extcat_entry *e, int pg);

/* 1 when cat is one of extcat_categories (exact upper case), else 0. */
int extcat_category_valid(const char *cat);

/*
 * Store up to max entries of category cat (in name order) into out, and
 * return how many the catalog has in that category (which may exceed max:
 * call with max 0 to count).  Pointers belong to the catalog.
 */
size_t extcat_by_category(const struct extcat *c, const char *cat,
			  const struct extcat_entry **out, size_t max);

/* Free everything of c and leave it empty.  NULL-safe for c->v. */
void extcat_free(struct extcat *c);

#ifdef __cplusplus
}
#endif

#endif
