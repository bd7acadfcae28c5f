/*
 * delta.h - delta bundles: `pgbundle build MANIFEST --update-from OLD.lock`.
 *
 * A delta carries what a full bundle of the new set carries (bundle.json,
 * the SBOM, the config, the keys, the whole signed index: dists/) but, in
 * pool/, only the package files that are not in its base: new packages,
 * new versions, rebuilt files.  On the host the installer completes it from
 * the base's repository (installer/delta.c): every file the index lists and
 * the delta lacks comes from the base's pool/, each checked against the new
 * index's SHA-256, so the result is exactly the full new repository.
 *
 * The base is named by the identity of its package set (repo/pkgsetid.h),
 * computed here from OLD.lock and on the host from the base's own index, so
 * a repository holding any other set is refused.  bundle.json (format 2 for
 * a delta, so installers that predate deltas refuse it) gets:
 *   "packages_id"  the new set's identity
 *   "delta": {
 *     "base": {name, version, date, packages, size, packages_id},
 *     "packages", "size"   what the delta carries (count, bytes)
 *     "pool": [...]        the pool files it carries, sorted
 *   }
 * The outputs are named NAME-VERSION.TARGET.ARCH.delta-from-BASEVERSION.*
 * (the archive's top directory stays NAME-VERSION.TARGET.ARCH: it becomes
 * that repository on the host).
 */
#ifndef PGB_DELTA_H
#define PGB_DELTA_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "lock.h"
#include "pkgsetid.h"
#include "plan.h"

struct delta_base {
	char *path;			/* the lock, as given */
	char *name, *version, *target, *arch;
	int64_t date;
	char id[PKGSETID_HEX];		/* identity of its package set */
	size_t npkgs;
	uint64_t size;
	struct strlist files;		/* "pool/FILE SHA256" of every package, sorted */
};

/* Read OLD.lock (any lock format); errors name the file. */
int delta_base_load(struct delta_base *b, const char *lock_path, struct pgb_err *err);
/* The new plan must be the base's manifest later: the same name, target and
 * architecture, a higher version (dpkg's order), no older a date; and a deb
 * target (the installer completes deltas from apt indexes only).  The error
 * says which and what to change. */
int delta_base_check(const struct delta_base *b, const struct plan *p, struct pgb_err *err);
/* 1 when the base has pkg's file: the same pool path with the same SHA-256. */
int delta_base_has(const struct delta_base *b, const struct lock_pkg *pkg);
/* The identity of a lock's package set. */
void delta_lock_id(const struct lock *l, char hex[PKGSETID_HEX]);
/* Of lock l on base b: how many packages and bytes the delta carries. */
void delta_carried(const struct delta_base *b, const struct lock *l, size_t *npkgs,
		   uint64_t *bytes);
/* bundle.json's "delta" object for lock l on base b; a new reference. */
json_t *delta_meta_json(const struct delta_base *b, const struct lock *l);
void delta_base_free(struct delta_base *b);

#endif
