/*
 * pkgsrc.h - where a bundle's packages come from: the download cache, the
 * upstream's mirror, then the snapshot archives the user names.
 *
 * A lock outlives the mirror's copy of its versions: Debian removes a
 * superseded version from the pool at the next point release (security
 * updates within weeks).  pkgsrc_fetch() therefore gets every package of a
 * lock (fetch.h: the cache first) from its url, the upstream's mirror as the
 * mirror configuration says now, and each one the mirror no longer has
 * (404) from the snapshots, in the order given, until one has it:
 *
 *   URL       a repository root that lays packages out by their Filename,
 *             e.g. a snapshot.debian.org-style
 *             https://snapshot.debian.org/archive/debian/20250301T000000Z
 *             (the archive as it was then), or any other mirror;
 *   KEY=URL   the same, for the packages of upstream KEY (a repos.yml name,
 *             "debian-security") or of the upstreams with mirror key KEY.
 *
 * Whatever the source, a download is checked against the lock's size and
 * SHA-256 (fetch.h) before it is used.  Nothing is fetched "by hash": Debian
 * publishes by-hash paths (dists/.../by-hash/SHA256/...) for index files
 * only, not for the .deb files of pool/, and rpm-md has none; a by-hash
 * index would not give back a package anyway.
 *
 * Which packages came from where is said through o->note, one line per
 * source.  When some package is in no source, the error names each (up to a
 * limit; all of them go to o->note) and says what to pass: --snapshot with a
 * timestamp from the lock's Release date of its upstream.
 */
#ifndef PGB_PKGSRC_H
#define PGB_PKGSRC_H

#include "error.h"
#include "fetch.h"
#include "lock.h"
#include "recipes.h"
#include "util.h"

struct pkgsrc_opts {
	struct fetcher *fetch;
	const struct recipes *rc;		/* upstream -> mirror key, for KEY=URL */
	const struct strlist *snapshots;	/* "URL" or "KEY=URL"; may be NULL */
	void (*note)(void *ctx, const char *msg);	/* may be NULL */
	void *note_ctx;
};

/*
 * Put every package of l in the cache; paths[i] (l->npkgs entries, each
 * malloc'd, the caller frees them, also on error) is the cache path of
 * l->pkgs[i], whose url must be set (plan.h).  Errors other than "not
 * there" (network, a hash mismatch) fail at once, as fetch_batch() does.
 */
int pkgsrc_fetch(const struct pkgsrc_opts *o, const struct lock *l, char **paths,
		 struct pgb_err *err);

/* Check one --snapshot argument; the error says what was expected. */
int pkgsrc_snapshot_check(const char *spec, struct pgb_err *err);

#endif
