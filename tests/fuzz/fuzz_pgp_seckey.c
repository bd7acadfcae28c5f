/*
 * fuzz_pgp_seckey.c - the bundle's secret key file (repo/pgp_sign.c's
 * pgp_seckey_load_mem, binary or armored), as `pgbundle build --key` reads it.
 * fuzz-options: -max_len=8192
 *
 * The custom mutator changes the packets and fields of the key (pgpmut.c)
 * and signs the User ID certifications again with the key itself (K1),
 * so the self-signature checks run on signatures that verify.
 *
 * Properties of a key that loads: what it signs verifies against its own
 * exported public key (a detached and a cleartext signature, made at the
 * earliest time the build signs with it, pgp_seckey_signs_from, and checked
 * then), and the streaming signer gives the same bytes as the one-shot signer.
 *
 * PGB_FUZZ_MKSEED=FILE writes K1's secret key (pgpmut.c) to FILE and exits.
 */
#include <string.h>

#include "fuzz.h"
#include "pgp.h"
#include "pgpmut.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");

	if (seed) {
		struct sbuf k = SBUF_INIT;
		struct pgb_err err;
		int rc;

		pgpmut_seckey(&k);
		rc = util_write_atomic(seed, k.buf, k.len, 0600, &err);
		sbuf_free(&k);
		exit(rc < 0);
	}
	return 0;
}

static void check_signs(const struct pgp_seckey *k)
{
	static const char text[] = "Origin: pgbundle fuzz\nLabel: seckey\n";
	struct sbuf pub = SBUF_INIT, sig = SBUF_INIT, ssig = SBUF_INIT, msg = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgp_sign_stream *st = NULL;
	struct pgp_sig_info info;
	struct pgb_err err;
	int64_t t = pgp_seckey_signs_from(k);
	char fpr[41], *body = NULL;
	size_t blen;

	pgp_seckey_fingerprint(k, fpr);
	FUZZ_ASSERT(pgp_seckey_export_public(k, (int)(t & 1), &pub, &err) == 0);
	FUZZ_ASSERT(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "exported", &err) == 0);
	FUZZ_ASSERT(pgp_keyring_has(kr, fpr));
	FUZZ_ASSERT(pgp_sign_detached(k, text, sizeof(text) - 1, t, 0, &sig, &err) == 0);
	if (pgp_verify_detached_at(kr, text, sizeof(text) - 1, sig.buf, sig.len, "sig", t,
				   &info, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		FUZZ_ASSERT(!"a loaded key's signature verifies against its public key");
	}
	FUZZ_ASSERT(!strcmp(info.fpr, fpr));
	FUZZ_ASSERT(pgp_sign_stream_new(&st, k, &err) == 0);
	pgp_sign_stream_update(st, text, 10);
	pgp_sign_stream_update(st, text + 10, sizeof(text) - 1 - 10);
	FUZZ_ASSERT(pgp_sign_stream_finish(st, t, 0, &ssig, &err) == 0);
	FUZZ_ASSERT(ssig.len == sig.len && !memcmp(ssig.buf, sig.buf, sig.len));
	pgp_sign_stream_free(st);
	FUZZ_ASSERT(pgp_sign_cleartext(k, text, sizeof(text) - 1, t, &msg, &err) == 0);
	FUZZ_ASSERT(pgp_verify_cleartext_at(kr, msg.buf, msg.len, "msg", t, &body, &blen, &info,
					    &err) == 0);
	FUZZ_ASSERT(blen == sizeof(text) - 1 && !memcmp(body, text, blen));
	free(body);
	pgp_keyring_free(kr);
	sbuf_free(&pub);
	sbuf_free(&sig);
	sbuf_free(&ssig);
	sbuf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_seckey *k = (struct pgp_seckey *)1;
	struct pgb_err err;

	if (pgp_seckey_load_mem(&k, data, size, "fuzz.key", &err) < 0) {
		FUZZ_ASSERT(!k && err.msg[0]);
		return 0;
	}
	check_signs(k);
	pgp_seckey_free(k);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = seed % 8 ? pgpmut_mutate(data, size, max, seed, NULL, 0) : 0;

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
