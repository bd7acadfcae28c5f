/*
 * pkgmeta.h - what a package says about itself beyond its index entry: the
 * licenses it declares in machine-readable form, the names it depends on and
 * provides, and its package URL.  For the bundle's SBOM (sbom.h).
 *
 * The extensions a package ships are the NAME.control files of its file
 * list that sit in a directory called extension (Debian's
 * /usr/share/postgresql/N/extension, PGDG's /usr/pgsql-N/share/extension).
 *
 * One file per package format, behind one table:
 *
 *   deb (pkgmeta_deb.c)  licenses from the DEP-5 copyright file
 *                        /usr/share/doc/NAME/copyright in the .deb's data
 *                        member (libarchive reads the ar container and the
 *                        data.tar.* inside it); a copyright file not in the
 *                        copyright-format/1.0 form declares none.  When the
 *                        doc directory or the copyright file is a symlink to
 *                        another package's, that package's name goes into
 *                        license_from and the caller takes its licenses.
 *                        Dependencies (Pre-Depends, Depends) and Provides come
 *                        from the lock's verified index stanza.
 *   rpm (pkgmeta_rpm.c)  License, Requires and Provides from the package's
 *                        header (libcreaterepo_c).
 *
 *     const struct pkgmeta_family *fam = pkgmeta_family("deb");
 *     struct pkgmeta m = PKGMETA_INIT;
 *     if (fam->read(path, &lock->pkgs[i], &m, &err) < 0) ...
 *     char *purl = fam->purl(&lock->pkgs[i], "debian", "12");
 *     pkgmeta_free(&m);
 *
 * Nothing here trusts the file more than the caller does: the caller has
 * checked its SHA-256 against the lock.  A package that declares nothing
 * readable (no copyright file, free-form text) is not an error: its license
 * list stays empty.  Errors are for files that cannot be read as packages.
 */
#ifndef PGB_PKGMETA_H
#define PGB_PKGMETA_H

#include "error.h"
#include "lock.h"
#include "util.h"

struct pkgmeta {
	struct strlist licenses;	/* as declared (DEP-5 short names, rpm License), sorted, unique */
	char *license_from;		/* deb: the package whose copyright file this one's links to */
	struct strlist depends;		/* one entry per requirement: alternatives "a|b|c", names only */
	struct strlist provides;	/* other names the package answers to */
	struct strlist extensions;	/* PostgreSQL extensions it ships (NAME.control in an
					 * extension/ directory), sorted, unique */
};
#define PKGMETA_INIT { STRLIST_INIT, NULL, STRLIST_INIT, STRLIST_INIT, STRLIST_INIT }

struct pkgmeta_family {
	const char *family;		/* "deb" | "rpm", as in recipes/targets.yml */
	/* Fill *m (initialised by the caller) from the package file at path,
	 * which is p's; on error *m may hold part of it (pkgmeta_free it). */
	int (*read)(const char *path, const struct lock_pkg *p, struct pkgmeta *m,
		    struct pgb_err *err);
	/* The package URL (purl spec), malloc'd: distro is the target's
	 * ("debian", "ubuntu", "el"), release its release ("12"). */
	char *(*purl)(const struct lock_pkg *p, const char *distro, const char *release);
};

/* The table entry of a family, or NULL for one no package format here reads. */
const struct pkgmeta_family *pkgmeta_family(const char *family);

/*
 * fam->read(), through a cache: reading a large package's data member costs
 * a full decompression, and a file with a given SHA-256 always says the same,
 * so what was read is kept as CACHE_DIR/pkgmeta/v1/ab/<sha256>.json (beside
 * the download cache, trusted as it is) and read from there next time.
 * cache_dir NULL reads the file every time.  A cache entry that cannot be
 * written is not an error (the next build reads the file again).  Strings
 * that are not valid UTF-8 (DEP-5 and Debian policy require it; JSON, so the
 * cache and the SBOM, cannot hold anything else) are left out of *m.
 */
int pkgmeta_read_cached(const struct pkgmeta_family *fam, const char *cache_dir,
			const char *path, const struct lock_pkg *p, struct pkgmeta *m,
			struct pgb_err *err);

extern const struct pkgmeta_family pkgmeta_deb, pkgmeta_rpm;

void pkgmeta_free(struct pkgmeta *m);

/*
 * The license short names of a DEP-5 (copyright-format/1.0) copyright file:
 * the License of the header paragraph and of every Files paragraph, first
 * line only (a short name or an expression such as "GPL-2+ or Artistic"),
 * appended to out sorted and unique.  Text that is not in that format, or
 * not deb822 at all, adds nothing.
 */
void pkgmeta_dep5_licenses(const char *text, size_t len, struct strlist *out);

/* Append the names of a deb relationship field ("a (>= 1) | b:any, c") to
 * out, one entry per comma-separated requirement, alternatives joined by '|':
 * "a|b", "c".  Versions, architecture qualifiers and restrictions dropped. */
void pkgmeta_deb_relations(const char *field, struct strlist *out);
/* The same for Provides, where Debian allows no alternatives: an entry
 * with a '|' is malformed, not a name, and left out (fuzz_pkgmeta). */
void pkgmeta_deb_provides(const char *field, struct strlist *out);

/* If path (in a package's file list) is ".../extension/NAME.control", add
 * NAME to m->extensions: a NAME PostgreSQL accepts as an extension name
 * (not NAME--VERSION, a secondary control file) and without ','. */
void pkgmeta_note_file(struct pkgmeta *m, const char *path);

/* purl percent-encoding of s appended to out: [A-Za-z0-9.-_~:] stay, every
 * other byte becomes %XX (upper-case hex). */
void pkgmeta_purl_encode(struct sbuf *out, const char *s);
/* "pkg:TYPE/DISTRO/NAME@VERSION?arch=ARCH&distro=DISTRO-RELEASE[&epoch=E]"
 * (qualifiers sorted by key, as the purl spec's canonical form), every part
 * encoded; epoch NULL for none.  malloc'd.  The families' purl() use it. */
char *pkgmeta_purl(const char *type, const char *distro, const char *release, const char *name,
		   const char *version, const char *arch, const char *epoch);

#endif
