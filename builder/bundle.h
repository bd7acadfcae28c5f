/*
 * bundle.h - writing a bundle: the local repository, its signatures, the
 * archive, the lock and the contents manifest.
 *
 * Outputs in DIR: NAME-VERSION.TARGET.ARCH.tar.zst (the repository), .run (the
 * static installer with that payload, signed: repo/runfile.h), .contents
 * (SHA-256 of every file of the bundle) and NAME.lock.  A delta (delta.h)
 * names the first three NAME-VERSION.TARGET.ARCH.delta-from-BASEVERSION.*
 * and leaves out of pool/ the files its base has.
 *
 * Everything is assembled in a staging directory inside the output directory
 * (hidden, ".BASE.tmp.PID": one a killed build left is removed by the next)
 * and checked before anything final appears there: packages are downloaded
 * (from the mirror, else the snapshots: pkgsrc.h) and hash-checked (fetch.h),
 * the family's index is written and signed and proven installable (apt:
 * plan_prove; rpm-md: bundle_rpm.c, which also checks every RPM's
 * signature), and only then are the outputs written, each
 * atomically.  On failure the staging directory and any output of this run
 * are removed.
 *
 * Layout of the archive (top directory NAME-VERSION.TARGET.ARCH/):
 *   bom.cdx.json                   the packages' CycloneDX SBOM (sbom.h)
 *   bundle.json                    what the installer needs to know
 *   config/<file>                  the bundled installer config, if any
 *   dists/pgbundle/{InRelease,Release,Release.gpg}
 *   dists/pgbundle/main/binary-ARCH/Packages{,.xz}
 *   pgbundle.gpg, pgbundle.asc     the bundle's public key
 *   pool/<file>.deb
 * so that `deb [signed-by=TOP/pgbundle.gpg] file:TOP pgbundle main` is the
 * whole apt source entry.  An EL bundle has repodata/ (repomd.xml signed in
 * repomd.xml.asc) and RPM-GPG-KEY-* files instead of dists/ (bundle_rpm.c),
 * and the same pool/, sorted last in the archive (repo/pack.h).
 */
#ifndef PGB_BUNDLE_H
#define PGB_BUNDLE_H

#include "error.h"
#include "fetch.h"
#include "pgp.h"
#include "plan.h"

struct delta_base;

#define BUNDLE_SUITE "pgbundle"
#define BUNDLE_COMPONENT "main"

struct bundle_opts {
	const char *outdir;
	const struct pgp_seckey *key;
	/* Rotation statements leading to key (repo/keyrot.h), put in bundle.json
	 * "key_rotation" so hosts that pinned an older key accept it; NULL: none. */
	const struct strlist *key_rotation;
	struct fetcher *fetch;
	const char *cache_dir;		/* what the SBOM read of each package is kept in (pkgmeta.h) */
	int zstd_level;
	int threads;
	const struct strlist *snapshots;	/* --snapshot: where packages gone from
						 * the mirror are looked for (pkgsrc.h) */
	void (*note)(void *ctx, const char *msg);	/* which packages came from where */
	void *note_ctx;
	/* --update-from: write a delta on this base (delta.h); NULL: a full bundle. */
	const struct delta_base *delta;
};

struct bundle_out {
	char *base;		/* NAME-VERSION.TARGET.ARCH */
	char *tar_path, *run_path, *lock_path, *contents_path;
	uint64_t tar_size;
	char tar_sha256[129];	/* hex, HASH_HEX_MAX */
};

int bundle_build(const struct plan *p, const struct bundle_opts *o, struct bundle_out *out,
		 struct pgb_err *err);

/* What a family's index writer (upstream.h: family_ops.write_index) gets. */
struct json_t;
struct bundle_index_ctx {
	const struct plan *p;
	const char *top;		/* the staged tree: pool/ and the keys are in place */
	const struct pgp_seckey *key;	/* the bundle key */
	int64_t sigtime;		/* the time of every signature (reproducible) */
	struct json_t *meta;		/* an object merged into bundle.json's root */
};
/* A JSON array of l's strings, for bundle.json (new reference). */
struct json_t *bundle_json_strings(const struct strlist *l);
/* The apt repository of the layout above, signed, proven with apt. */
int bundle_index_deb(const struct bundle_index_ctx *c, struct pgb_err *err);
/* The rpm-md repository (bundle_rpm.c). */
int bundle_index_rpm(const struct bundle_index_ctx *c, struct pgb_err *err);

/* DIR/pgbundle.gpg (binary) and DIR/pgbundle.asc (armored): k's public key,
 * as keygen leaves it beside the secret and every bundle carries it. */
int bundle_write_public_keys(const struct pgp_seckey *k, const char *dir, struct pgb_err *err);
void bundle_out_free(struct bundle_out *out);

#endif
