/*
 * pkgsetid.h - the identity of a bundle's package set, as one SHA-256.
 *
 * A delta bundle names the bundle it applies to by this identity, so the
 * builder (from a lock) and the installer (from the Packages index of a
 * repository on the host) must compute the same value from the same set,
 * whatever the files' order or the index's other fields:
 *
 *     SHA-256 of the lines "NAME VERSION ARCH SHA256\n", one per package,
 *     sorted bytewise (strcmp), in lower-case hex.
 *
 * Two sets with the same packages at the same versions but another file
 * for one of them (a rebuild) differ: the package's SHA-256 is part of it.
 *
 *     struct pkgsetid id = PKGSETID_INIT;
 *     pkgsetid_add(&id, name, version, arch, sha256);  ...
 *     pkgsetid_final(&id, hex);      // also frees what id held
 */
#ifndef PGB_PKGSETID_H
#define PGB_PKGSETID_H

#include <stddef.h>

#include "error.h"
#include "util.h"

#define PKGSETID_HEX 65		/* 64 hex digits + NUL */

struct pkgsetid {
	struct strlist lines;
};
#define PKGSETID_INIT { STRLIST_INIT }

void pkgsetid_add(struct pkgsetid *id, const char *name, const char *version,
		  const char *arch, const char *sha256);
/* The identity of what was added (none: the hash of nothing); id is emptied. */
void pkgsetid_final(struct pkgsetid *id, char hex[PKGSETID_HEX]);

/*
 * The identity of the packages of a Packages index (text of len bytes; what
 * names it in errors) and their number (npkgs may be NULL).  A stanza
 * without Package, Version, Architecture or SHA256 is an error naming its line.
 */
int pkgsetid_of_index(const char *text, size_t len, const char *what, char hex[PKGSETID_HEX],
		      size_t *npkgs, struct pgb_err *err);

#endif
