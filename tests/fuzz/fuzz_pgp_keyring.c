/*
 * fuzz_pgp_keyring.c - loading OpenPGP keyrings (repo/pgp_keyring.c,
 * pgp_packet.c, pgp_armor.c): what the builder does with every upstream's
 * keyring and the installer with --key, binary or armored.
 * fuzz-options: -max_len=16384
 *
 * Structure-aware: pgpmut.c mutates packets and fields and signs the
 * certifications, bindings and revocations again with the harness's own
 * keys, so the self-signature rules (flags, expiry, revocation, back-
 * signatures) run on signatures that verify.
 *
 * Properties:
 *   - a keyring that loads holds at least one key;
 *   - a merge that fails (pgp_keyring_add_mem into the fixed certificate)
 *     leaves the keyring as it was;
 *   - checked against the loaded keyring, fixed signatures by K1 and K2 over
 *     fixed data never succeed for a signer the keyring does not hold.
 *
 * PGB_FUZZ_MKSEED=FILE writes the fixed certificate to FILE and exits (how
 * corpus/pgp_keyring/pgpmut-cert.gpg was made).
 */
#include <string.h>

#include "fuzz.h"
#include "pgp.h"
#include "pgpmut.h"

static const char signed_data[] = "Origin: pgbundle fuzz\n";
/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static struct sbuf sig_k1, sig_k2, cert;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");

	pgpmut_cert(&cert);
	if (seed) {
		struct pgb_err err;

		if (util_write_atomic(seed, cert.buf, cert.len, 0644, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		exit(0);
	}
	pgpmut_sign_data(&sig_k1, PGPMUT_K1, signed_data, strlen(signed_data), 0,
			 PGPMUT_CREATED + 3600);
	pgpmut_sign_data(&sig_k2, PGPMUT_K2, signed_data, strlen(signed_data), 0,
			 PGPMUT_CREATED + 3600);
	return 0;
}

static void check_verify(const struct pgp_keyring *kr, const struct sbuf *sig)
{
	struct pgp_sig_info info;
	struct pgb_err err;

	if (pgp_verify_detached_at(kr, signed_data, strlen(signed_data), sig->buf, sig->len,
				   "fuzz.sig", FUZZ_NOW, &info, &err) < 0)
		return;
	FUZZ_ASSERT(pgp_keyring_has(kr, info.fpr));
	FUZZ_ASSERT(pgp_keyring_has(kr, info.primary_fpr));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_keyring *kr = NULL, *fixed = NULL;
	struct pgb_err err;
	size_t before;

	if (pgp_keyring_load_mem(&kr, data, size, "fuzz.gpg", &err) == 0) {
		FUZZ_ASSERT(pgp_keyring_count(kr) > 0);
		check_verify(kr, &sig_k1);
		check_verify(kr, &sig_k2);
		pgp_keyring_free(kr);
	} else {
		FUZZ_ASSERT(err.msg[0]);
	}
	FUZZ_ASSERT(pgp_keyring_load_mem(&fixed, cert.buf, cert.len, "fixed", &err) == 0);
	before = pgp_keyring_count(fixed);
	if (pgp_keyring_add_mem(fixed, data, size, "fuzz.gpg", &err) < 0) {
		FUZZ_ASSERT(pgp_keyring_count(fixed) == before);
		/* ... and it still verifies what it verified before. */
		FUZZ_ASSERT(pgp_verify_detached_at(fixed, signed_data, strlen(signed_data),
						   sig_k2.buf, sig_k2.len, "fuzz.sig", FUZZ_NOW,
						   NULL, &err) == 0);
	}
	pgp_keyring_free(fixed);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = seed % 8 ? pgpmut_mutate(data, size, max, seed, NULL, 0) : 0;

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
