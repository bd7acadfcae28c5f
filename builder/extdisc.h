/*
 * extdisc.h - PostgreSQL extension discovery from repository metadata: which
 * package ships which extension, per PostgreSQL major, per target.
 *
 * An extension is a NAME.control file in PostgreSQL's extension directory;
 * the package that ships that file provides the extension.  The file lists
 * say which package that is: on apt repositories the Contents-ARCH index
 * (lines "usr/share/postgresql/MAJOR/extension/NAME.control
 * section/pkg[,section/pkg...]"), joined with the Packages index for the
 * version; on rpm-md the filelists (files /usr/pgsql-MAJOR/share/extension/
 * NAME.control, PGDG's layout, which Pigsty's packages follow), which carry
 * the version too.  Contrib extensions count like any other (Debian ships
 * them inside postgresql-MAJOR, EL in postgresqlMAJOR-contrib), and a
 * package shipping several extensions maps them all.  The EL distributions'
 * own PostgreSQL (AppStream, /usr/share/pgsql/extension/) is not counted:
 * that path does not say which major it is.  Nothing here is hand-kept: the catalog (extcat.h) only adds
 * what metadata cannot say.
 *
 *     struct extdisc d;
 *     struct extdisc_opts o = { .fetch = f, .cache_dir = cache, .rc = &rc,
 *                               .target = t, .arch = "amd64" };
 *     if (extdisc_discover(&o, &d, err) < 0)
 *         return -1;
 *     const struct extdisc_ext *e = extdisc_lookup(&d, "vector", 17);
 *     ...
 *     extdisc_free(&d);
 *
 * extdisc_discover() syncs the target's upstreams (upstream.h, asking for the
 * verified file lists too), so nothing it reads was not checked against the
 * signed metadata.  The result of each (file list, Packages) pair (rpm-md:
 * (filelists, primary)) is cached in CACHE/index/<key>.extensions, key =
 * SHA-256 over both indexes' hashes: a warm run reads that small file instead
 * of the ~150 MB Contents or the filelists.
 *
 * The parsers are public for tests and for other callers holding the text.
 */
#ifndef PGB_EXTDISC_H
#define PGB_EXTDISC_H

#include <stddef.h>

#include "error.h"
#include "extcat.h"
#include "fetch.h"
#include "recipes.h"
#include "util.h"

struct extdisc_ext {
	char *name;		/* extension name: the control file's base name */
	int pg;			/* PostgreSQL major of the extension directory */
	char *package;		/* binary package shipping the control file */
	char *version;		/* its version from the Packages index; NULL when not there */
	char *upstream;		/* repos.yml name it was found in; NULL from the parsers */
};

struct extdisc {
	struct extdisc_ext *v;
	size_t n;
};

/*
 * Parse Contents text[0..len) and append one entry per (extension, major,
 * package).  Lines for other files are skipped, as are files below the
 * extension directory that are not NAME.control directly in it.  A control
 * file line with no package column, or an empty package in it, fails naming
 * what:LINE; entries appended before stay (the caller frees d either way).
 */
int extdisc_parse_contents(struct extdisc *d, const char *text, size_t len, const char *what,
			   struct pgb_err *err);

/*
 * As extdisc_parse_contents() for the Contents file at path, compressed (gzip,
 * xz, zstd, bzip2) or plain, decompressed as a stream (never whole in memory).
 * Errors name path.
 */
int extdisc_parse_contents_file(struct extdisc *d, const char *path, struct pgb_err *err);

/*
 * Parse an rpm-md filelists.xml (gzip, bzip2, xz, zstd or plain), streaming,
 * one package at a time (libcreaterepo_c), and append one entry per
 * (extension, major, package) for every regular file
 * /usr/pgsql-MAJOR/share/extension/NAME.control directly in that directory,
 * with the package's version ("EPOCH:VERSION-RELEASE", the epoch only when
 * not 0).  A package present in several versions (repositories keep older
 * builds) gives one entry with the highest version (rpm's comparison).
 * Directories, %ghost files and files in subdirectories do not count.  An
 * unreadable or malformed file fails naming path; entries appended before
 * stay (the caller frees d either way).  A compression libcreaterepo_c cannot
 * read (zstd) is first decompressed into a temporary file under $TMPDIR
 * (default /tmp), removed at once.
 */
int extdisc_parse_filelists_file(struct extdisc *d, const char *path, struct pgb_err *err);

/*
 * Fill the version of every entry of d whose package the Packages index at
 * path has (deb822, uncompressed, as upstream.h leaves it in the cache).
 * Entries whose package is absent keep version NULL.
 */
int extdisc_join_packages(struct extdisc *d, const char *packages_path, struct pgb_err *err);

/* Sort by name, major, package and drop duplicates (the last one appended wins). */
void extdisc_sort(struct extdisc *d);

struct extdisc_opts {
	struct fetcher *fetch;
	const char *cache_dir;
	const struct recipes *rc;
	const struct recipe_target *target;
	const char *arch;
	const struct strlist *upstreams;	/* NULL or empty: the target's */
	const struct strlist *mirrors;		/* "KEY=URL" overrides, first wins */
	int allow_expired;
	int contents_unverified_ok;	/* see upstream_opts: a mirror out of sync, loudly */
	void (*warn)(void *ctx, const char *msg);	/* may be NULL */
	void *warn_ctx;
	/* The majors whose per-major repositories ({pg} in the URL: pgdg-yum)
	 * are read; NULL or 0: 13 to 18.  Other repositories are read whole. */
	const int *pg;
	size_t npg;
};

/*
 * Discover the extensions of one target: every upstream synced with its file
 * lists, each list parsed (or read from the cache) and, for apt, joined with
 * its Packages index.  An upstream that publishes no file list contributes
 * nothing.  When several upstreams ship the same (extension, major,
 * package), the one listed last (updates, security) wins.  *out is
 * overwritten, sorted (extdisc_sort); the caller frees it with extdisc_free(),
 * also on error.  Errors name the upstream, URL or file and the next step.
 */
int extdisc_discover(const struct extdisc_opts *o, struct extdisc *out, struct pgb_err *err);

/* The first entry (lowest package name) for name at major pg (0 = any major),
 * or NULL.  The pointer lives as long as d is not changed. */
const struct extdisc_ext *extdisc_lookup(const struct extdisc *d, const char *name, int pg);

/* As extdisc_lookup(), trying the catalog entry ce's aliases (may be NULL)
 * after name: Debian ships some control files under a versioned name
 * (postgis-3.control) that the catalog records as an alias. */
const struct extdisc_ext *extdisc_lookup_entry(const struct extdisc *d,
					       const struct extcat_entry *ce, const char *name,
					       int pg);

/* The PostgreSQL majors d has entries for, ascending, into pg[0..max); returns
 * how many there are. */
size_t extdisc_majors(const struct extdisc *d, int *pg, size_t max);

void extdisc_free(struct extdisc *d);

/* 1 when every default upstream of t is `checked: true` in repos.yml: its
 * metadata is reachable and real, not a template. */
int extdisc_target_checked(const struct recipes *rc, const struct recipe_target *t);

/*
 * Manifest `extensions:` items, resolved against discovery and the catalog
 * (cat may be NULL).  Each item is one of:
 *   a {pg} template                     skipped (the caller expands it)
 *   an extension name                   its package for each major of pg[]
 *   an alias from the catalog           as the extension it names
 *   category:CAT                        every extension of the catalog in CAT
 *                                       that the target has
 *   all                                 every extension the target has
 * For every major in pg[0..npg) the package shipping the extension is appended
 * to packages and the extension name to names.  An extension (discovered or
 * catalogued) with no package for any of the majors goes into unresolved, as
 * its extension name; any other item into other (a package name, or an
 * extension of another target: see extdisc_plan()).  Fails only on an
 * unknown category (the message lists the valid ones).
 */
int extdisc_resolve_items(const struct extdisc *d, const struct extcat *cat,
			  const struct strlist *items, const int *pg, size_t npg,
			  struct strlist *packages, struct strlist *names,
			  struct strlist *unresolved, struct strlist *other, struct pgb_err *err);

/* Does any item need discovery (is not a {pg} package template)? */
int extdisc_items_need_discovery(const struct strlist *items);

/*
 * What plan_load() needs: resolve items for o->target and majors pg[] (as
 * extdisc_resolve_items, catalog read from recipes_dir/extensions.yml when it
 * exists), then look up every extension that is not on the target in the
 * other targets of the same family that have real metadata (read-only, an
 * expired Release accepted with a warning).  Appends to requests: the
 * packages, the items that are no extension anywhere (for the resolver to
 * judge as package names), and for each extension missing here one request
 * "NAME (extension not on TARGET for PostgreSQL N; on T1 (PG a), ...)" that no
 * package can satisfy, so plan and build list it as unresolved with where it
 * exists.  Appends the resolved extension names to names.
 */
int extdisc_plan(const struct extdisc_opts *o, const char *recipes_dir,
		 const struct strlist *items, const int *pg, size_t npg,
		 struct strlist *requests, struct strlist *names, struct pgb_err *err);

#endif
