/*
 * pkgdiff.h - the package set of a lock or a bundle, and what changed
 * between two of them: for `pgbundle diff` and the report's diff section.
 *
 * A package set loads from any of:
 *   a lock (NAME.lock, JSON)   name, version, arch, size, SHA-256, upstream
 *   a bundle (.tar.zst, .run)  the same from its signed index, the upstream
 *                              from its SBOM (checked against the index);
 *                              a bundle older than SBOMs has no upstreams
 * The kind is told by the content, not the file name.
 *
 * A package came from a security suite when its upstream's suite is one:
 * the repos.yml entry's suite ends in "-security" ({codename}-security), or,
 * for an upstream the recipes do not know, its name says "security".
 *
 *     struct pkgset a, b;
 *     struct pkgdiff d;
 *     pkgset_load(&a, "old.lock", NULL, rc, &err);
 *     pkgset_load(&b, "new.run", NULL, rc, &err);
 *     pkgdiff_compute(&a, &b, &d);
 *     for (size_t i = 0; i < d.n; i++) ... d.e[i].kind, d.e[i].old, d.e[i].new
 *     pkgdiff_free(&d); pkgset_free(&a); pkgset_free(&b);
 */
#ifndef PGB_PKGDIFF_H
#define PGB_PKGDIFF_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "recipes.h"

struct pkgset_pkg {
	char *name, *version, *arch, *sha256;
	char *upstream;		/* NULL when not known (a bundle without SBOM) */
	uint64_t size;
	int requested;
	int security;		/* came from a security suite */
};

struct pkgset {
	char *path;		/* as given */
	const char *kind;	/* "lock", "tar.zst" or "run" */
	char *name, *version, *target, *arch, *family;
	int64_t date;
	char *signer;		/* a bundle's: the key fingerprint that signed it; else NULL */
	struct pkgset_pkg *pkgs;	/* sorted by name */
	size_t n;
	uint64_t size;		/* the packages' bytes (saturating at UINT64_MAX) */
};

/*
 * Load path (a lock or a bundle; key_path as for bundle_check(), ignored for
 * a lock).  rc (may be NULL) tells security suites and a lock's family.
 * Errors name the file.  On error *s is empty (pkgset_free() is harmless).
 */
int pkgset_load(struct pkgset *s, const char *path, const char *key_path,
		const struct recipes *rc, struct pgb_err *err);
/* The same from a bundle already read with bundle_check() (the report's). */
struct bundle_report;
int pkgset_from_bundle(struct pkgset *s, const char *path, const struct bundle_report *r,
		       const struct recipes *rc, struct pgb_err *err);
void pkgset_free(struct pkgset *s);

enum pkgdiff_kind {
	PKGDIFF_UPGRADED,	/* a higher version */
	PKGDIFF_DOWNGRADED,	/* a lower version */
	PKGDIFF_REBUILT,	/* the same version, another file (SHA-256) */
	PKGDIFF_ADDED,
	PKGDIFF_REMOVED,
	PKGDIFF_NKINDS
};

struct pkgdiff_entry {
	enum pkgdiff_kind kind;
	const struct pkgset_pkg *old, *new;	/* NULL for added / removed */
};

struct pkgdiff {
	struct pkgdiff_entry *e;	/* by kind (enum order), then name */
	size_t n;
	size_t count[PKGDIFF_NKINDS];
	size_t security;		/* entries whose new package came from a security suite */
	int64_t size_change;		/* new size - old size, bytes (saturating at +-INT64_MAX) */
};

/* Packages are matched by name; versions compare by the family's rules
 * (libsolv: dpkg's for deb, rpm's for rpm).  The entries point into a and b. */
void pkgdiff_compute(const struct pkgset *a, const struct pkgset *b, struct pkgdiff *d);
void pkgdiff_free(struct pkgdiff *d);

/* An entry's size change, new - old bytes (an added package's whole size,
 * a removed one's negated), saturating at +-INT64_MAX. */
int64_t pkgdiff_entry_delta(const struct pkgdiff_entry *e);

/* The name of a kind, as in the JSON ("upgraded", ...). */
const char *pkgdiff_kind_name(enum pkgdiff_kind k);

/* The whole diff as a JSON object (`pgbundle diff --json`); a new reference. */
json_t *pkgdiff_json(const struct pkgset *a, const struct pkgset *b, const struct pkgdiff *d);

#endif
