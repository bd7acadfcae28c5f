/*
 * bundle_check.h - reading a bundle back: its signed index and, streaming,
 * every package file against that index.
 *
 * A bundle is the .tar.zst or the .run that carries it (repo/runfile.h): a
 * .run's own signature and payload hash are checked first (with the same key
 * argument), then its payload is read as the .tar.zst would be.
 *
 * Used by `pgbundle verify` (everything) and by `ls`, `sbom`, `diff` and
 * `report` (the index and the metadata files only).
 * The archive is read once, in order; its small metadata files are held in
 * memory (the layout puts dists/ or repodata/ and the keys before pool/),
 * the pool is hashed as it streams by, so memory does not grow with the
 * bundle.  The index is the apt one (dists/pgbundle: InRelease, Release.gpg,
 * Packages) or the rpm-md one (repodata/repomd.xml signed in repomd.xml.asc,
 * the records it lists, primary): whichever the bundle has.
 */
#ifndef PGB_BUNDLE_CHECK_H
#define PGB_BUNDLE_CHECK_H

#include <stdint.h>

#include "error.h"
#include "util.h"

/* A package of the signed index. */
struct bundle_pkg {
	char *name, *version, *arch;
	char *filename;			/* its path in the archive: pool/<file> */
	char sha256[65];
	uint64_t size;
};

struct bundle_report {
	char *top;			/* top directory inside the archive */
	char signer[41];		/* fingerprint of the key that signed the index */
	int key_embedded;		/* 1 when checked against the bundle's own key */
	struct bundle_pkg *pkgs;	/* the index's packages, in index order */
	struct sbuf meta;		/* bundle.json */
	struct sbuf sbom;		/* bom.cdx.json (sbom.h); empty in bundles older than it */
	size_t npackages, nfiles;
	uint64_t pool_bytes;		/* full: the pool's bytes; else the index's sizes, summed */
	uint64_t file_bytes;		/* the size of the file read (.tar.zst or .run) */
	int is_run;			/* the file was a .run, its signature checked */
	/* A delta (builder/delta.h): "NAME VERSION" of its base, and how many of
	 * the index's packages the base supplies (not checked: not here). */
	char *delta_base;		/* NULL for a full bundle */
	size_t from_base;
};

/*
 * key_path: a public key (binary or armored) to check InRelease (and a
 * .run's signature) against; NULL uses the bundle's own key, which proves
 * integrity but not origin.
 * full: 1 also checks every pool file's size and SHA-256 and that the pool
 * holds exactly the indexed files (a delta: exactly those its bundle.json
 * says it carries; the others are its base's).  Errors name the file inside
 * the archive.
 */
int bundle_check(const char *tar_path, const char *key_path, int full, struct bundle_report *r,
		 struct pgb_err *err);
void bundle_report_free(struct bundle_report *r);

struct sbom;
/*
 * The bundle's SBOM, parsed into *s (sbom_free() it), after checking it
 * against the signed index: the same packages, each with the index's version
 * and SHA-256, so what the SBOM says about the files holds as far as the
 * signature does.  Fails when the bundle has none (built before SBOMs: a
 * rebuild from its lock adds one) or when it does not match.
 */
int bundle_report_sbom(const struct bundle_report *r, const char *bundle, struct sbom *s,
		       struct pgb_err *err);
/* For the index readers: add one package to r (strings copied). */
void bundle_report_add(struct bundle_report *r, const char *name, const char *version,
		       const char *arch, const char *filename, const char *sha256, uint64_t size);
/* The apt reader: every stanza of a Packages index (already verified) added
 * to r; fails naming the line of a stanza without Package, Version,
 * Architecture, Filename, Size or a 64-digit SHA256. */
int bundle_report_parse_packages(struct bundle_report *r, const struct sbuf *packages,
				 struct pgb_err *err);
/* The rpm-md reader of one primary (compressed as href's name says; already
 * verified): every package added to r; fails naming href and the package
 * when one has no name, version, release or architecture, no sha256
 * checksum, or a location outside pool/ or with a ".." component. */
int bundle_report_parse_primary(struct bundle_report *r, const char *href,
				const struct sbuf *primary, struct pgb_err *err);
/* The rpm-md reader (bundle_check_rpm.c): repodata/repomd.xml and its
 * signature, every record it lists and the packages of primary, from the
 * metadata files get() returns (NULL: not in the bundle), against kr. */
struct pgp_keyring;
int bundle_check_rpmmd(const struct sbuf *(*get)(void *ctx, const char *path), void *ctx,
		       const struct pgp_keyring *kr, struct bundle_report *r, struct pgb_err *err);

#endif
