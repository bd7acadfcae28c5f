/*
 * lock.h - the lock file: the exact package set of a bundle, as JSON.
 *
 * A build writes NAME.lock; `build --lock FILE` uses exactly that set and the
 * lock's date, so two builds from the same lock and key are byte-identical.
 * Each package keeps the verified upstream stanza it was indexed with, and a
 * manifest's extensions keep what discovery made of them, so a rebuild needs
 * no upstream metadata at all: only the .deb files, from the cache, the
 * upstream's mirror or a snapshot archive (pkgsrc.h), each checked against
 * the lock's SHA-256.
 *
 * A lock holds nothing that changes with the mirror: a package's Filename is
 * relative to its upstream's base URL, which comes from the mirror
 * configuration at rebuild time (mirror.h), never from the lock.  So a lock
 * names no mirror host and can be committed (images/release/).
 *
 * Format 2 (written):
 *   format, name, version, target, arch
 *   date          the bundle's timestamp: the newest Release date of the
 *                 upstreams it was resolved from (or SOURCE_DATE_EPOCH)
 *   upstreams     {NAME: {date}}: each upstream's Release date at resolution
 *   extensions    optional, {items, names[, majors]}: the manifest's
 *                 `extensions:` as discovery resolved them (package requests),
 *                 the extension names, which bundle.json carries, and, for a
 *                 bundle of several majors or with PGDG, {MAJOR: [packages]}
 *                 that discovery found for each major
 *   packages      [{name, version, arch, size, sha256, upstream, filename,
 *                   requested, stanza, why}]; why only where the
 *                 distribution and PGDG both carry the package (plan.h)
 * Format 1 (read): the same without upstreams and extensions, and with each
 * package's download `url`, which is ignored.
 */
#ifndef PGB_LOCK_H
#define PGB_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

struct lock_pkg {
	char *name, *version, *arch;
	uint64_t size;
	char *sha256;
	char *upstream;		/* recipe name of the upstream it came from */
	char *filename;		/* upstream Filename, relative to the upstream's base URL */
	int requested;
	char *stanza;		/* upstream Packages stanza (verified when locked) */
	char *url;		/* not stored: where to download it from now, set by plan.h
				 * from the mirror configuration; NULL until then */
	/* Where the distribution and PGDG both carry the name: why this
	 * upstream (resolve_pkg.why); NULL otherwise.  Written only when set. */
	char *why;
};

/* The Release date of an upstream the lock was resolved from. */
struct lock_upstream {
	char *name;
	int64_t date;
};

struct lock {
	char *name, *version, *target, *arch;
	int64_t date;
	struct lock_upstream *ups;	/* sorted by name */
	size_t nups;
	int has_ext;			/* ext_items and ext_names are recorded */
	struct strlist ext_items, ext_names;
	/* "16:postgresql-16-pgvector": the packages discovery found for each
	 * major, when the bundle says which are whose (several majors or PGDG:
	 * plan_records_majors()); empty otherwise. */
	struct strlist ext_majors;
	struct lock_pkg *pkgs;
	size_t npkgs;
	/* Files of the bundle's repository index that the packages do not give,
	 * verbatim, so that a rebuild writes them without upstream metadata
	 * (rpm-md: modules.yaml); parallel lists, names sorted.  Written as
	 * "index_files" only when there are some. */
	struct strlist index_names, index_texts;
};

/* Written atomically, keys sorted, packages in the given order. */
int lock_write(const char *path, const struct lock *l, struct pgb_err *err);
/* Formats 1 and 2; every field checked; the error names the file and the package. */
int lock_read(const char *path, struct lock *l, struct pgb_err *err);
/* Record upstream name's Release date (replacing an earlier record of it). */
void lock_set_upstream(struct lock *l, const char *name, int64_t date);
/* The recorded Release date of upstream name; 0 when none is recorded. */
int64_t lock_upstream_date(const struct lock *l, const char *name);
void lock_free(struct lock *l);

#endif
