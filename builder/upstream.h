/*
 * upstream.h - the upstream repositories of a build and their verified
 * metadata, behind one interface for every repository family.
 *
 * upstream_sync() finds the repository (mirror.h), fetches its signed
 * metadata, verifies the signature against the repository's keyring, checks
 * freshness and the hash of every index it then downloads, and leaves the
 * decompressed package indexes in the cache.  Nothing downloaded is used
 * before it is verified.  The family-specific work sits in family_<name>.c
 * behind struct family_ops; the builder never branches on the family:
 *
 *   family_deb.c  InRelease (or Release + Release.gpg), each component's
 *                 Packages and, for discovery, Contents-ARCH/-all, checked
 *                 against the Release's SHA-256; Valid-Until enforced.
 *   family_rpm.c  repodata/repomd.xml with its detached repomd.xml.asc (what
 *                 dnf's repo_gpgcheck checks), then primary and, for
 *                 discovery, filelists, checked against the SHA-256 and size
 *                 the signed repomd.xml gives.  rpm-md has no Valid-Until:
 *                 a replayed old repomd.xml is not detected (date is the
 *                 newest record timestamp, for information; valid_until 0).
 *                 A repository whose URL holds {pg} (pgdg-yum) is one
 *                 repository per PostgreSQL major: it is synced once per
 *                 major of upstream_opts.pg, one index each.  The comps
 *                 (group) and modules.yaml come along; filelists on demand.
 *
 * Each index says what it is (upstream_index.format), so readers need not
 * know the family.
 */
#ifndef PGB_UPSTREAM_H
#define PGB_UPSTREAM_H

#include <stdint.h>

#include "error.h"
#include "fetch.h"
#include "pgp.h"
#include "recipes.h"
#include "util.h"

/* What upstream_index.path holds. */
enum upstream_format {
	UPSTREAM_APT_PACKAGES,	/* an apt Packages index (deb822) */
	UPSTREAM_RPM_PRIMARY,	/* an rpm-md primary.xml */
};

struct upstream_index {
	char *component;	/* apt: the component; rpm-md: "pgN" per major, else "" */
	enum upstream_format format;
	int pg;			/* the major of a per-major ({pg}) repository or apt
				 * component; else 0 */
	char *base;		/* rpm-md: the repository URL this index came from
				 * ({pg} expanded); NULL for apt (upstream.url) */
	char *path;		/* decompressed index in the cache */
	char *key;		/* SHA-256 of the index as published: names the cache files */
	/* The component's file lists (apt: Contents-ARCH and Contents-all, the
	 * latter for Architecture: all packages such as postgis' scripts),
	 * compressed as published, verified against the signed metadata and put
	 * in the content-addressed cache (fetch_cache_lookup(f, sha256, size)
	 * finds them); rpm-md: the filelists, one entry; only when upstream_opts.want_contents asked for them and
	 * the upstream publishes them.  Read by extdisc.h. */
	struct upstream_filelist {
		char sha256[65];
		uint64_t size;
		/* 1 when the mirror's file did not match the signed Release and was
		 * taken anyway (upstream_opts.contents_unverified_ok); sha256 is
		 * then the hash of what was received. */
		int unverified;
	} contents[2];
	size_t ncontents;
	/* rpm-md only: the repository's other metadata, verified against the
	 * signed repomd.xml and decompressed in the cache; NULL when it has none:
	 * its comps groups ("group"), its modules.yaml ("modules").  And where
	 * its filelists are (filelists_url, with filelists.sha256 and .size from
	 * repomd.xml), fetched only when the resolver needs them:
	 * upstream_rpm_filelists(). */
	char *group_path, *modules_path;
	char *filelists_url;
	struct upstream_filelist filelists;
};

struct upstream {
	const struct recipe_repo *recipe;
	char *name;		/* recipe name, e.g. "debian-security" */
	char *url;		/* base URL */
	char *suite;		/* expanded suite */
	struct upstream_index *idx;
	size_t nidx;
	int64_t date, valid_until;
	char signer[41];	/* fingerprint of the key whose signature verified */
};

struct upstream_opts {
	struct fetcher *fetch;
	const char *cache_dir;
	const struct recipes *rc;
	const struct recipe_target *target;
	const char *arch;
	const struct strlist *mirrors;	/* "KEY=URL" overrides */
	const char *apt_etc;		/* host apt configuration, for mirrors */
	const char *keyring_dir;	/* where relative keyring paths are looked up; NULL = as given */
	int allow_expired;		/* accept a Release past its Valid-Until (loudly) */
	int want_contents;		/* also fetch each component's file list (discovery) */
	/* When the mirror's file list does not match the signed Release (a mirror
	 * out of sync), use it anyway, loudly, instead of failing: it only maps
	 * extension names to package names, which are still resolved against the
	 * verified Packages.  Never for package data. */
	int contents_unverified_ok;
	/* PostgreSQL majors: a repository whose URL holds {pg} is synced once
	 * per major here (none given: such a repository is an error). */
	const int *pg;
	size_t npg;
	int64_t now;
	void (*warn)(void *ctx, const char *msg);	/* may be NULL */
	void *warn_ctx;
};

struct plan;
struct plan_opts;
struct bundle_index_ctx;

/*
 * A repository family: how its upstreams are read, how a bundle's packages
 * are chosen from them, and how the bundle's own repository is written.
 *   sync         fetch and verify one upstream's metadata (above)
 *   resolve      plan.h: resolve p->requests on the target's baseline from
 *                the synced upstreams ups[0..nups) (uo: how they were
 *                synced) into p->lock, p->missing, p->nbaseline and the
 *                baseline file p->status_path that write_index proves on
 *   write_index  bundle.h: with the packages in place under the staged tree,
 *                check them beyond their SHA-256 where the family can,
 *                write and sign the repository index, prove it, and add the
 *                family's entries to bundle.json
 */
struct family_ops {
	const char *family;
	int (*sync)(const struct upstream_opts *o, struct upstream *u, struct pgb_err *err);
	int (*resolve)(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		       const struct upstream *ups, size_t nups, struct pgb_err *err);
	int (*write_index)(const struct bundle_index_ctx *c, struct pgb_err *err);
};

const struct family_ops *family_lookup(const char *family);
extern const struct family_ops family_deb;
extern const struct family_ops family_rpm;

/* For the family_*.c files: load the keyring recipes/repos.yml names for r
 * (relative paths under o->keyring_dir); the error says how to get one. */
int upstream_load_keyring(const struct upstream_opts *o, const struct recipe_repo *r,
			  struct pgp_keyring **kr, struct pgb_err *err);
/* For the family_*.c files, after a signature verified: when r pins a
 * fingerprint, the signing key must be that key or one of its subkeys (a
 * keyring may hold others); the error names what was signed and both keys. */
int upstream_check_signer(const struct recipe_repo *r, const struct pgp_sig_info *info,
			  const char *what, struct pgb_err *err);
/* Decompress the verified download src into dst once (an existing dst is
 * kept: its name is keyed by content) and, when sha256 is not NULL, check the
 * result against it and size (0: any size); what names the signed file that
 * gave them, in the error.  On success *out = dst (the caller frees it). */
int upstream_unpack(const char *src, char *dst, const char *sha256, uint64_t size,
		    const char *what, char **out, struct pgb_err *err);
/* Pass a formatted warning to o->warn, if any. */
void upstream_warn(const struct upstream_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The base URL of the upstream named `name` (mirror, else the recipe's url),
 * without syncing anything: what a lock's Filenames are relative to.  Uses
 * o->rc, o->mirrors, o->apt_etc, o->target and o->arch.  *url is malloc'd. */
int upstream_base_url(const struct upstream_opts *o, const char *name, char **url,
		      struct pgb_err *err);
/* rpm-md: fetch the filelists of ix (checked against the signed repomd.xml)
 * and decompress them into the cache once; *path is malloc'd. */
int upstream_rpm_filelists(const struct upstream_opts *o, const struct upstream_index *ix,
			   char **path, struct pgb_err *err);

/* Sync the upstream named `name` (a recipes/repos.yml entry). */
int upstream_sync(const struct upstream_opts *o, const char *name, struct upstream *u,
		  struct pgb_err *err);
void upstream_free(struct upstream *u);

#endif
