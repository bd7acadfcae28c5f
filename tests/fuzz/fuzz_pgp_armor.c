/*
 * fuzz_pgp_armor.c - ASCII armor (repo/pgp_armor.c): the first step of every
 * armored key, signature and InRelease signature block pgbundle reads.
 * fuzz-options: -max_len=16384
 *
 * Properties:
 *   - pgp_dearmor() decodes what the first pgp_dearmor_next() block decodes;
 *   - every decoded block armors again (pgp_armor) and decodes back to the
 *     same bytes, and the walk over blocks always moves forward;
 *   - a failed decode leaves the output as it was.
 * The custom mutator changes the decoded bytes and armors them again (a
 * valid CRC-24 over new content), or mutates the text.
 */
#include <string.h>

#include "fuzz.h"
#include "pgp.h"
#include "pgp_int.h"

static void round_trip(const char *kind, const struct sbuf *bin)
{
	struct sbuf a = SBUF_INIT, back = SBUF_INIT;
	struct pgb_err err;

	FUZZ_ASSERT(pgp_armor(bin->buf, bin->len, kind, &a) == 0);
	FUZZ_ASSERT(pgp_dearmor(a.buf, a.len, &back, &err) == 0);
	FUZZ_ASSERT(back.len == bin->len && !memcmp(back.buf ? back.buf : "", bin->buf ? bin->buf : "",
						  bin->len));
	sbuf_free(&a);
	sbuf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct sbuf first = SBUF_INIT, blk = SBUF_INIT;
	struct pgb_err err;
	char kind[64];
	size_t pos = 0, prev;
	int rc, whole, blocks = 0;

	sbuf_adds(&first, "keep");
	whole = pgp_dearmor(text, size, &first, &err);
	if (whole < 0)
		FUZZ_ASSERT(first.len == 4 && !memcmp(first.buf, "keep", 4));
	for (;;) {
		prev = pos;
		sbuf_reset(&blk);
		rc = pgp_dearmor_next(text, size, &pos, kind, &blk, "fuzz.asc", &err);
		if (rc <= 0)
			break;
		FUZZ_ASSERT(pos > prev && pos <= size);
		FUZZ_ASSERT(kind[0] && strlen(kind) < 64);
		if (blocks++ == 0)
			FUZZ_ASSERT(whole == 0 && first.len - 4 == blk.len &&
				    !memcmp(first.buf + 4, blk.buf ? blk.buf : "", blk.len));
		if (!memchr(kind, '-', strlen(kind)))
			round_trip(kind, &blk);
	}
	if (!blocks)
		FUZZ_ASSERT(whole < 0);
	sbuf_free(&first);
	sbuf_free(&blk);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct sbuf bin = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err;
	char kind[64];
	size_t pos = 0, n = 0;

	if (seed % 2 == 0 &&
	    pgp_dearmor_next((const char *)data, size, &pos, kind, &bin, "m", &err) == 1) {
		size_t len = bin.len;

		sbuf_grow(&bin, 64);
		len = LLVMFuzzerMutate((uint8_t *)bin.buf, len, len + 64);
		pgp_armor(bin.buf, len, kind, &out);
		n = fuzz_emit(data, max, &out);
	}
	sbuf_free(&bin);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
