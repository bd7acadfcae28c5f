/*
 * upstream.h - the upstream repositories of a build and their verified
 * metadata, behind one interface for every repository family.
 *
 * upstream_sync() finds the repository (mirror.h), fetches its signed
 * metadata, verifies the signature against the repository's keyring, checks
 * freshness and the hash of every index it then downloads, and leaves the
 * decompressed package indexes in the cache.  Nothing downloaded is used
 * before it is verified.  The family-specific work (apt's InRelease and
 * Packages today, rpm-md's repomd.xml later) sits in family_<name>.c behind
 * struct family_ops; the builder never branches on the family.
 */
#ifndef PGB_UPSTREAM_H
#define PGB_UPSTREAM_H

#include <stdint.h>

#include "error.h"
#include "fetch.h"
#include "recipes.h"
#include "util.h"

struct upstream_index {
	char *component;
	char *path;		/* decompressed index in the cache */
	char *key;		/* SHA-256 of the index as published: names the cache files */
	/* The component's file lists (apt: Contents-ARCH and Contents-all, the
	 * latter for Architecture: all packages such as postgis' scripts),
	 * compressed as published, verified against the signed metadata and put
	 * in the content-addressed cache (fetch_cache_lookup(f, sha256, size)
	 * finds them); only when upstream_opts.want_contents asked for them and
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
	int64_t now;
	void (*warn)(void *ctx, const char *msg);	/* may be NULL */
	void *warn_ctx;
};

struct family_ops {
	const char *family;
	int (*sync)(const struct upstream_opts *o, struct upstream *u, struct pgb_err *err);
};

const struct family_ops *family_lookup(const char *family);
extern const struct family_ops family_deb;

/* Sync the upstream named `name` (a recipes/repos.yml entry). */
int upstream_sync(const struct upstream_opts *o, const char *name, struct upstream *u,
		  struct pgb_err *err);
void upstream_free(struct upstream *u);

#endif
