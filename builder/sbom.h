/*
 * sbom.h - the bundle's software bill of materials: CycloneDX 1.5 JSON.
 *
 * `pgbundle build` writes TOP/bom.cdx.json (a file name CycloneDX
 * recommends) into every bundle (bundle.h); `pgbundle sbom` prints it, and
 * `diff` and `report` read it back.
 *
 * The document: metadata (the lock's date as timestamp, pgbundle as the
 * tool, the bundle as the component, with target, arch, family and the
 * PostgreSQL majors as pgbundle:* properties), one component per package
 * (type library; bom-ref = purl; name, version, purl with arch and distro
 * qualifiers, SHA-256, the licenses the package declares in machine-readable
 * form (no download URL: it depends on the mirror a build used, and the
 * SBOM must be the same bytes from any mirror; pgbundle:upstream and
 * pgbundle:file say where it comes from), and the properties pgbundle:arch, :upstream (the repos.yml name it came from),
 * :file (its pool path), :size, :requested, :license-from, :extensions (the
 * PostgreSQL extensions it ships, comma-separated)), and the
 * dependency graph: the bundle depends on the requested packages, each
 * package on the bundle packages that satisfy its Depends/Pre-Depends (deb)
 * or Requires (rpm), an alternative "a | b" by the first one present;
 * requirements the target's baseline satisfies have no edge (those packages
 * are not in the bundle).
 *
 * Licenses: a name that is an SPDX identifier, or a DEP-5 short name with
 * one (GPL-2+ is GPL-2.0-or-later, Expat is MIT), is written as an SPDX id;
 * anything else (expressions, "public-domain", free text) as a license name,
 * as declared.
 *
 * Reproducible: the bytes depend only on the inputs.  No timestamp but the
 * lock's date; the serial number is a name-based UUID (version 5) of the
 * bundle's name and its packages' SHA-256, so the same package set always
 * has the same serial.
 */
#ifndef PGB_SBOM_H
#define PGB_SBOM_H

#include <stdint.h>

#include "error.h"
#include "lock.h"
#include "pkgmeta.h"
#include "util.h"

#define SBOM_FILE "bom.cdx.json"	/* sorts before pool/: read without the pool */

/* What the SBOM is about: the bundle. */
struct sbom_subject {
	const char *name, *version, *target, *arch;
	const char *family;		/* "deb" | "rpm" */
	const char *distro, *release;	/* the target's ("debian", "12") */
	const int *postgres;
	size_t npostgres;
	int64_t date;			/* the lock's */
	const char *tool_version;	/* pgbundle's */
};

/*
 * Read what each package declares (pkgmeta.h) from paths[i], the verified
 * file of l->pkgs[i] (through the cache in cache_dir, may be NULL), and
 * render the document into out (appended, ending in a newline).  Licenses of
 * a package whose copyright links to another package of the bundle are that
 * package's.  Fails on an unknown family or a package file that cannot be
 * read.
 */
int sbom_build(const struct sbom_subject *s, const struct lock *l, const char *const *paths,
	       const char *cache_dir, struct sbuf *out, struct pgb_err *err);

/* The rendering alone, from metas[i] for l->pkgs[i] (for tests). */
int sbom_render(const struct sbom_subject *s, const struct lock *l, const struct pkgmeta *metas,
		struct sbuf *out, struct pgb_err *err);

/* --- reading one back --- */

struct sbom_component {
	char *ref, *name, *version, *arch, *purl, *sha256;
	char *upstream;			/* NULL when the document does not say */
	uint64_t size;
	int requested;
	struct strlist licenses;	/* SPDX ids and license names, in document order */
	struct strlist extensions;	/* PostgreSQL extensions it ships */
	size_t *deps;			/* indexes into sbom.c of what it depends on */
	size_t ndeps;
};

struct sbom {
	char *name, *version, *target, *arch, *family;	/* "" when absent */
	int64_t date;
	struct sbom_component *c;
	size_t n;
};

/*
 * Parse a document written by sbom_render() (or any CycloneDX JSON with the
 * same fields).  what names it in errors.  Fails on JSON that is not a
 * CycloneDX BOM, a component without bom-ref, name or version, or a
 * dependency naming a ref that is not a component.
 */
int sbom_parse(const char *text, size_t len, const char *what, struct sbom *s,
	       struct pgb_err *err);
void sbom_free(struct sbom *s);

/* The component named name, or NULL. */
const struct sbom_component *sbom_find(const struct sbom *s, const char *name);

#endif
