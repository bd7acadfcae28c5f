/*
 * bundle_check.h - reading a bundle archive back: its signed index and,
 * streaming, every package file against that index.
 *
 * Used by `pgbundle verify` (everything) and `pgbundle ls` (the index only).
 * The archive is read once, in order; its small metadata files are held in
 * memory (the sorted layout puts dists/ and the keys before pool/), the pool
 * is hashed as it streams by, so memory does not grow with the bundle.
 */
#ifndef PGB_BUNDLE_CHECK_H
#define PGB_BUNDLE_CHECK_H

#include <stdint.h>

#include "error.h"
#include "util.h"

struct bundle_report {
	char *top;			/* top directory inside the archive */
	char signer[41];		/* fingerprint of the key that signed InRelease */
	int key_embedded;		/* 1 when checked against the bundle's own key */
	struct sbuf packages;		/* the Packages index text */
	struct sbuf meta;		/* bundle.json */
	size_t npackages, nfiles;
	uint64_t pool_bytes;
};

/*
 * key_path: a public key (binary or armored) to check InRelease against; NULL
 * uses the bundle's own pgbundle.gpg, which proves integrity but not origin.
 * full: 1 also checks every pool file's size and SHA-256 and that the pool
 * holds exactly the indexed files.  Errors name the file inside the archive.
 */
int bundle_check(const char *tar_path, const char *key_path, int full, struct bundle_report *r,
		 struct pgb_err *err);
void bundle_report_free(struct bundle_report *r);

#endif
