/*
 * fuzz_bundle_rpmmd.c - the rpm-md index of a bundle as `pgbundle verify`,
 * `ls`, `sbom` and `report` read it (builder/bundle_check_rpm.c
 * bundle_check_rpmmd): repodata/repomd.xml against its signature, every
 * record it lists checked byte for byte, primary read by libsolv into the
 * packages the pool must hold.
 * fuzz-options: -max_len=65536
 *
 * Input: REPOMD FUZZ_SEP PRIMARY FUZZ_SEP FILELISTS FUZZ_SEP OTHER FUZZ_SEP
 * COMPS, the bundle's repodata/repomd.xml and the files at
 * repodata/primary.xml, filelists.xml, other.xml and comps.xml (no other
 * path is in the bundle).  The harness
 * signs repomd.xml with its key K1 and checks against K1, as `verify` checks
 * a stranger's bundle against the key the bundle carries: the signature
 * holds, and everything behind it is what whoever built the bundle chose.
 * The custom mutator changes one of the five files and mostly writes the
 * changed file's SHA-256, sizes and location into its repomd.xml record
 * (rpmmdmut.c), so the change reaches the parser behind the check.
 *
 * Properties: a failure says why; an index that is accepted was signed by
 * K1 and lists packages each with a name, a version, an architecture, a
 * location under pool/ without "..", a 64-digit SHA-256.
 *
 * PGB_FUZZ_MKSEED=FILE reads FILE (the five parts, repomd.xml as
 * createrepo_c wrote it) and writes FILE.seed with its records pointing at
 * the harness's paths and checksums.
 */
#include <string.h>

#include "bundle_check.h"
#include "fuzz.h"
#include "hash.h"
#include "pgp.h"
#include "pgpmut.h"
#include "rpmmdmut.h"

#define NPARTS 5

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct pgp_keyring *k1;

/* The bundle's files for bundle_check_rpmmd's get(). */
struct files {
	struct sbuf f[NPARTS + 1];	/* the parts, then repomd.xml.asc */
};

static const char *const paths[NPARTS + 1] = {
	"repodata/repomd.xml", "repodata/primary.xml", "repodata/filelists.xml",
	"repodata/other.xml", "repodata/comps.xml", "repodata/repomd.xml.asc"
};

static const struct sbuf *get(void *ctx, const char *path)
{
	struct files *fs = ctx;

	for (int i = 0; i <= NPARTS; i++)
		if (!strcmp(path, paths[i]))
			return &fs->f[i];
	return NULL;
}

static const char *const types[NPARTS] = { NULL, "primary", "filelists", "other", "group" };
static const struct rpmmdmut_layout layout = { NPARTS, types, paths };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");
	struct sbuf cert = SBUF_INIT;
	struct pgb_err err;

	if (seed)
		rpmmdmut_make_seed(seed, &layout);
	/* repomd.xml is parsed through a temporary file under TMPDIR. */
	setenv("TMPDIR", fuzz_tmpdir(), 1);
	pgpmut_cert(&cert);
	if (pgp_keyring_load_mem(&k1, cert.buf, cert.len, "k1", &err) < 0) {
		fprintf(stderr, "fuzz_bundle_rpmmd: %s\n", err.msg);
		abort();
	}
	sbuf_free(&cert);
	return 0;
}

/* 1 when a component of path is "..": "proj95-..590-1" is a name, not a way up. */
static int dotdot_component(const char *path)
{
	for (const char *c = path; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (!strncmp(c, "..", 2) && (c[2] == '/' || c[2] == '\0'))
			return 1;
	return 0;
}

static void check_report(const struct bundle_report *r)
{
	char k1fpr[41];

	for (int i = 0; i < 20; i++)
		snprintf(k1fpr + 2 * i, 3, "%02X", pgpmut_fpr(PGPMUT_K1)[i]);
	FUZZ_ASSERT(!strcmp(r->signer, k1fpr));
	for (size_t i = 0; i < r->npackages; i++) {
		const struct bundle_pkg *k = &r->pkgs[i];

		FUZZ_ASSERT(k->name && k->name[0] && k->version && k->version[0] && k->arch);
		FUZZ_ASSERT(!strncmp(k->filename, "pool/", 5) && !dotdot_component(k->filename));
		FUZZ_ASSERT(hash_sha256_hex_ok(k->sha256));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[NPARTS];
	struct files fs;
	struct sbuf sig = SBUF_INIT;
	struct bundle_report r;
	struct pgb_err err;

	fuzz_split(data, size, parts, NPARTS);
	memset(&fs, 0, sizeof(fs));
	for (int i = 0; i < NPARTS; i++)
		sbuf_add(&fs.f[i], parts[i].p, parts[i].n);
	pgpmut_sign_data(&sig, PGPMUT_K1, parts[0].p, parts[0].n, 0x00, PGPMUT_CREATED + 60);
	pgp_armor(sig.buf, sig.len, "SIGNATURE", &fs.f[NPARTS]);
	memset(&r, 0, sizeof(r));
	if (bundle_check_rpmmd(get, &fs, k1, &r, &err) == 0) {
		fuzz_debug("%zu packages", r.npackages);
		check_report(&r);
	} else {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0]);
	}
	bundle_report_free(&r);
	for (int i = 0; i <= NPARTS; i++)
		sbuf_free(&fs.f[i]);
	sbuf_free(&sig);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	return rpmmdmut_mutate(data, size, max, seed, &layout);
}
