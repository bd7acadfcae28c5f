/*
 * fuzz_pgp_detached.c - detached OpenPGP signatures (repo/pgp_verify.c,
 * pgp_stream.c, pgp_packet.c): rpm-md's repomd.xml.asc, apt's Release.gpg,
 * and the .run's signature, checked against a fixed keyring (Debian's
 * archive keys, the harness's K1/K2 certificate, the gpg-made seed keys).
 * fuzz-options: -max_len=16384
 *
 * Input: DATA FUZZ_SEP SIGNATURE (binary packets or an armored block).  The
 * custom mutator changes the signature's packets and fields and signs them
 * again over the data with K1/K2 (pgpmut.c), or changes the data and signs
 * it again, or mutates bytes.
 *
 * Properties:
 *   - a good signature names a key of the keyring and its primary;
 *   - the streaming verifier (the .run's path) agrees with the in-memory one
 *     when every signature is binary-mode (it skips text-mode ones, which the
 *     in-memory one counts): both accept, with the same signer and time, or
 *     both refuse; the stream's result does not depend on how the data is
 *     cut into pieces.
 */
#include <string.h>

#include "fuzz.h"
#include "pgp.h"
#include "pgp_int.h"
#include "pgpmut.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct pgp_keyring *kr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");

	if (seed) {
		static const char data[] = "Origin: pgbundle fuzz\nLabel: seed\nSuite: ./\n";
		struct fuzz_part part[2] = { { (const uint8_t *)data, sizeof(data) - 1 } };
		struct sbuf sig = SBUF_INIT, out = SBUF_INIT;
		struct pgb_err err;

		/* K2 (the subkey), binary mode, and K1, text mode, in one signature block. */
		pgpmut_sign_data(&sig, PGPMUT_K2, data, sizeof(data) - 1, 0x00, PGPMUT_CREATED + 60);
		pgpmut_sign_data(&sig, PGPMUT_K1, data, sizeof(data) - 1, 0x01, PGPMUT_CREATED + 60);
		part[1] = (struct fuzz_part){ (const uint8_t *)sig.buf, sig.len };
		fuzz_join(&out, part, 2);
		exit(util_write_atomic(seed, out.buf, out.len, 0644, &err) < 0);
	}
	kr = pgpmut_verify_keyring();
	return 0;
}

/* The stream verifier over data cut at the given step; -1/0 as finish(). */
static int stream_verify(const struct fuzz_part *d, const struct fuzz_part *s, size_t step,
			 struct pgp_sig_info *info, struct pgb_err *err)
{
	struct pgp_verify_stream *v;
	int rc;

	if (pgp_verify_stream_new(&v, s->p, s->n, "fuzz.sig", err) < 0)
		return -2;
	for (size_t off = 0; off < d->n; off += step)
		pgp_verify_stream_update(v, d->p + off, d->n - off < step ? d->n - off : step);
	rc = pgp_verify_stream_finish_at(v, kr, FUZZ_NOW, info, err);
	pgp_verify_stream_free(v);
	return rc;
}

/* Are all the signature packets well-formed v4 binary-mode (0x00) ones? */
static int binary_only(const struct fuzz_part *s)
{
	struct sbuf bin = SBUF_INIT;
	struct pgp_reader rd;
	struct pgp_packet pkt;
	struct pgp_sig sig;
	struct pgb_err err;
	int rc, ok = 1;

	if (pgp_is_armored(s->p, s->n)) {
		if (pgp_dearmor((const char *)s->p, s->n, &bin, &err) < 0)
			ok = 0;
	} else {
		sbuf_add(&bin, s->p, s->n);
	}
	pgp_reader_init(&rd, bin.buf, bin.len, "sig");
	while (ok && (rc = pgp_read_packet(&rd, &pkt, &err)) == 1)
		if (pkt.tag == 2 && (pgp_sig_parse(&sig, pkt.body, pkt.len, "sig", &err) != 0 ||
				     sig.type != 0x00))
			ok = 0;
	sbuf_free(&bin);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[2];
	struct pgp_sig_info mi, si, si2;
	struct pgb_err err;
	int mrc, src, src2;

	fuzz_split(data, size, part, 2);
	mrc = pgp_verify_detached_at(kr, part[0].p, part[0].n, part[1].p, part[1].n, "fuzz.sig",
				     FUZZ_NOW, &mi, &err);
	if (mrc == 0) {
		FUZZ_ASSERT(pgp_keyring_has(kr, mi.fpr) && pgp_keyring_has(kr, mi.primary_fpr));
	} else {
		FUZZ_ASSERT(err.msg[0]);
	}
	src = stream_verify(&part[0], &part[1], part[0].n ? part[0].n : 1, &si, &err);
	src2 = stream_verify(&part[0], &part[1], 1 + (size % 7), &si2, &err);
	FUZZ_ASSERT(src == src2);
	if (src == 0)
		FUZZ_ASSERT(!strcmp(si.fpr, si2.fpr) && si.created == si2.created);
	if (src != -2 && binary_only(&part[1])) {
		FUZZ_ASSERT((mrc == 0) == (src == 0));
		if (src == 0)
			FUZZ_ASSERT(!strcmp(si.fpr, mi.fpr) && si.created == mi.created);
	}
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_part part[2];
	struct fuzz_rng r;
	struct sbuf d = SBUF_INIT, s = SBUF_INIT, out = SBUF_INIT;
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	if (fuzz_split(data, size, part, 2) != 2 || fuzz_below(&r, 8) == 0)
		return LLVMFuzzerMutate(data, size, max);
	sbuf_add(&d, part[0].p, part[0].n);
	sbuf_add(&s, part[1].p, part[1].n);
	if (fuzz_below(&r, 4) == 0) {
		/* new data, signed again */
		sbuf_grow(&d, 64);
		d.len = LLVMFuzzerMutate((uint8_t *)d.buf, d.len, d.len + 64);
		if (!pgp_is_armored(s.buf, s.len))
			pgpmut_resign(&s, d.buf, d.len);
	} else {
		/* new signature packets and fields, signed again over the data */
		size_t cap = s.len + 512;

		sbuf_grow(&s, 512);
		n = pgpmut_mutate((uint8_t *)s.buf, s.len, cap, seed, d.buf, d.len);
		if (!n)
			goto fallback;
		s.len = n;
	}
	part[0] = (struct fuzz_part){ (uint8_t *)d.buf, d.len };
	part[1] = (struct fuzz_part){ (uint8_t *)s.buf, s.len };
	fuzz_join(&out, part, 2);
	n = fuzz_emit(data, max, &out);
fallback:
	sbuf_free(&d);
	sbuf_free(&s);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
