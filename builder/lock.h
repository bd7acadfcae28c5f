/*
 * lock.h - the lock file: the exact package set of a bundle, as JSON.
 *
 * A build writes images/<name>.lock; `build --lock FILE` uses exactly that set
 * and the lock's date, so two builds from the same lock and cache are
 * byte-identical.  Each package keeps the verified upstream stanza it was
 * indexed with, so a rebuild needs no upstream metadata at all: only the
 * cache (or the network) for the .deb files, which are checked against the
 * lock's SHA-256.
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
	char *url;		/* where it was downloaded from */
	char *filename;		/* upstream Filename */
	int requested;
	char *stanza;		/* upstream Packages stanza (verified when locked) */
};

struct lock {
	char *name, *version, *target, *arch;
	int64_t date;
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
/* Every field checked; the error names the file and the package. */
int lock_read(const char *path, struct lock *l, struct pgb_err *err);
void lock_free(struct lock *l);

#endif
