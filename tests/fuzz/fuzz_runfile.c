/*
 * fuzz_runfile.c - the .run file as the installer opens it (repo/runfile.c):
 * trailer, tiling, signature by the embedded key and by a key file, payload
 * hash; then what `verify`, `info` and `list` read from a file that opened:
 * bundle.json (installer/bundle_meta.c) and the payload's entries
 * (repo/pack.c's reader on the descriptor).
 * fuzz-options: -max_len=65536
 *
 * The input is the .run, written to a private file and opened.  The custom
 * mutator cuts it into its sections (stub, payload, meta, key, signature,
 * trailer), changes one (bytes of the stub, payload or meta; the key's
 * packets with pgpmut.c) and, seven times in eight, writes a new .run from
 * them with runfile_write_embed() signed by the harness's key K1, so the
 * signature holds and the checks after it run; otherwise it mutates the
 * trailer's fields or the bytes without signing again.
 *
 * Properties of a file that verifies (by its embedded key, then by K1's key
 * file with the payload consumed in the same pass): the payload lies inside
 * the file, after a non-empty stub; its SHA-256, read again from the
 * descriptor, is the one checked and the trailer's; the meta is
 * NUL-terminated; the consumer got the whole payload; verified with the key
 * file, the signer is K1.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "hash.h"
#include "inst.h"
#include "pack.h"
#include "pgp.h"
#include "pgpmut.h"
#include "runfile.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static char *run_path, *key_path;
static struct pgp_keyring *trusted;	/* K1's public key */
static struct pgp_seckey *k1;
static char k1_fpr[41];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sbuf sec = SBUF_INIT, pub = SBUF_INIT;
	struct pgb_err err;

	pgpmut_seckey(&sec);
	if (pgp_seckey_load_mem(&k1, sec.buf, sec.len, "K1", &err) < 0 ||
	    pgp_seckey_export_public(k1, 0, &pub, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	pgp_seckey_fingerprint(k1, k1_fpr);
	key_path = fuzz_write("k1.gpg", pub.buf, pub.len);
	if (pgp_keyring_load(&trusted, key_path, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	run_path = fuzz_path("fuzz.run");
	sbuf_free(&sec);
	sbuf_free(&pub);
	return 0;
}

/* SHA-256 of [off, off + len) of fd, read again. */
static void hash_range(int fd, uint64_t off, uint64_t len, char hex[HASH_HEX_MAX])
{
	struct hash_ctx *h = hash_new(HASH_SHA256);
	char buf[8192];

	FUZZ_ASSERT(h);
	while (len) {
		ssize_t n = pread(fd, buf, len < sizeof(buf) ? len : sizeof(buf), (off_t)off);

		FUZZ_ASSERT(n > 0);
		hash_update(h, buf, (size_t)n);
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	hash_final_hex(h, hex);
	hash_free(h);
}

/* What the read-only commands do with a verified file. */
static void read_verified(struct runfile *r, uint64_t size)
{
	struct inst_bundle b;
	struct pack_reader *pr;
	struct pack_entry_info e;
	struct pgb_err err;
	char hex[HASH_HEX_MAX];
	const char *meta;
	size_t mlen;
	uint64_t off = runfile_payload_offset(r), len = runfile_payload_length(r);
	int rc, fd = open(runfile_path(r), O_RDONLY | O_CLOEXEC);

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(runfile_verified(r));
	FUZZ_ASSERT(off > 0 && len > 0 && off + len <= size && runfile_size(r) == size);
	hash_range(fd, off, len, hex);
	FUZZ_ASSERT(!strcmp(hex, runfile_payload_sha256(r)));
	FUZZ_ASSERT(!strcmp(hex, runfile_trailer_sha256(r)));
	meta = runfile_meta(r, &mlen);
	FUZZ_ASSERT(meta && meta[mlen] == '\0' && mlen <= RUNFILE_META_MAX);
	memset(&b, 0, sizeof(b));
	if (inst_bundle_parse(&b, meta, mlen, "bundle.json", &err) == 0)
		FUZZ_ASSERT(b.key_fpr && strlen(b.key_fpr) == 40);
	inst_bundle_free(&b);
	if (pack_reader_open_fd(&pr, fd, off, len, "payload", &err) == 0) {
		char buf[4096];

		while ((rc = pack_reader_next(pr, &e, &err)) == 1)
			while (pack_reader_read(pr, buf, sizeof(buf), &err) > 0)
				;
		pack_reader_free(pr);
	}
	close(fd);
}

/* The verification pass's consumer: reads the whole payload, counting it. */
static int consume_all(void *ctx, struct runfile *r, struct pgb_err *err)
{
	const void *buf;
	long n;

	while ((n = runfile_payload_read(r, &buf, err)) > 0)
		*(uint64_t *)ctx += (uint64_t)n;
	return n < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runfile *r;
	struct pgb_err err;
	char *path = fuzz_write("fuzz.run", data, size);

	if (runfile_open(&r, path, &err) < 0) {
		FUZZ_ASSERT(!r && err.msg[0]);
		free(path);
		return 0;
	}
	FUZZ_ASSERT(strlen(runfile_claimed_signer(r)) == 0 ||
		    strlen(runfile_claimed_signer(r)) == 40);
	if (runfile_verify_embedded(r, &err) == 0)
		read_verified(r, size);
	else
		FUZZ_ASSERT(!runfile_verified(r) && err.msg[0]);
	/* Again, against the key file, the payload consumed during the pass. */
	{
		uint64_t got = 0;

		if (runfile_verify(r, trusted, "k1.gpg", consume_all, &got, &err) == 0) {
			FUZZ_ASSERT(!strcmp(runfile_signer(r), k1_fpr));
			FUZZ_ASSERT(got == runfile_payload_length(r));
			read_verified(r, size);
		} else {
			FUZZ_ASSERT(err.msg[0]);
		}
	}
	runfile_close(r);
	free(path);
	return 0;
}

/* ---- the mutator ---- */

enum { S_STUB, S_PAYLOAD, S_META, S_KEY, S_SIG, S_TRAILER, S_N };

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The sections of a well-tiled .run; -1 when it is not one. */
static int sections(const uint8_t *d, size_t size, struct fuzz_part s[S_N])
{
	const uint8_t *t;
	uint64_t off[5], len[5];

	if (size < RUNFILE_TRAILER_SIZE)
		return -1;
	t = d + size - RUNFILE_TRAILER_SIZE;
	for (int i = 0; i < 4; i++) {
		off[i + 1] = le64(t + 16 + 16 * i);
		len[i + 1] = le64(t + 24 + 16 * i);
	}
	off[0] = 0;
	len[0] = off[1];
	for (int i = 0; i < 5; i++) {
		if (off[i] > size || len[i] > size - off[i] || len[i] == 0 ||
		    (i && off[i] != off[i - 1] + len[i - 1]))
			return -1;
		s[i] = (struct fuzz_part){ d + off[i], len[i] };
	}
	if (off[4] + len[4] + RUNFILE_TRAILER_SIZE != size)
		return -1;
	s[S_TRAILER] = (struct fuzz_part){ t, RUNFILE_TRAILER_SIZE };
	return 0;
}

/* The trailer's fields, as they would be changed by a damaged or crafted file. */
static size_t mutate_trailer(uint8_t *data, size_t size, size_t max, struct fuzz_rng *r)
{
	uint8_t *t = data + size - RUNFILE_TRAILER_SIZE;
	static const int fields[] = { 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 112, 116, 0, 120 };
	int f = fields[fuzz_below(r, sizeof(fields) / sizeof(fields[0]))];
	uint64_t v = le64(t + (f == 8 || f == 12 || f == 112 || f == 116 ? f & ~7 : f));

	switch (fuzz_below(r, 4)) {
	case 0:
		v += fuzz_below(r, 3) - 1;
		break;
	case 1:
		v = fuzz_interesting32(r);
		break;
	case 2:
		v = ~(uint64_t)0 - fuzz_below(r, 2);
		break;
	default:
		v ^= (uint64_t)1 << fuzz_below(r, 64);
	}
	if (f == 8 || f == 12 || f == 112 || f == 116) {
		for (int i = 0; i < 4; i++)
			t[f + i] = (uint8_t)(v >> (8 * i));
	} else {
		put_le64(t + f, v);
	}
	(void)max;
	return size;
}

/* A new .run from the parts, signed by K1 and embedding key (K1's or a mutated one). */
static size_t rebuild(uint8_t *data, size_t max, const struct fuzz_part s[S_N])
{
	struct pgb_err err;
	char *stub, *payload, *out = fuzz_path("mutated.run"), *text;
	size_t n = 0, len;

	if (!s[S_STUB].n || !s[S_PAYLOAD].n || !s[S_META].n || !s[S_KEY].n)
		goto done;
	stub = fuzz_write("stub", s[S_STUB].p, s[S_STUB].n);
	payload = fuzz_write("payload.tar.zst", s[S_PAYLOAD].p, s[S_PAYLOAD].n);
	if (runfile_write_embed(out, stub, payload, (const char *)s[S_META].p, s[S_META].n,
				s[S_KEY].p, s[S_KEY].n, k1, PGPMUT_CREATED + 86400, &err) == 0 &&
	    util_read_file(out, &text, &len, &err) == 0) {
		if (len <= max) {
			memcpy(data, text, len);
			n = len;
		}
		free(text);
	}
	unlink(out);
	free(stub);
	free(payload);
done:
	free(out);
	return n;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_part s[S_N];
	struct fuzz_rng r;
	struct sbuf part = SBUF_INIT;
	uint32_t which;
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	if (sections(data, size, s) < 0 || fuzz_below(&r, 16) == 0)
		return LLVMFuzzerMutate(data, size, max);
	if (fuzz_below(&r, 8) == 0)
		return mutate_trailer(data, size, max, &r);
	/* One section changed, the others kept; then signed again. */
	which = fuzz_below(&r, 8);
	which = which < 2 ? S_STUB : which < 3 ? S_PAYLOAD : which < 6 ? S_META : S_KEY;
	sbuf_add(&part, s[which].p, s[which].n);
	sbuf_grow(&part, 256);
	if (which == S_KEY && fuzz_below(&r, 2))
		n = pgpmut_mutate((uint8_t *)part.buf, part.len, part.len + 256, seed, NULL, 0);
	if (!n)
		n = LLVMFuzzerMutate((uint8_t *)part.buf, part.len, part.len + 256);
	part.len = n;
	s[which] = (struct fuzz_part){ (const uint8_t *)part.buf, part.len };
	{
		/* rebuild writes into data: the sections must not point into it */
		struct sbuf copy = SBUF_INIT;
		struct fuzz_part c[S_N];

		for (int i = 0; i < S_N; i++) {
			c[i].n = s[i].n;
			sbuf_add(&copy, s[i].p, s[i].n);
		}
		for (int i = 0, off = 0; i < S_N; off += (int)c[i].n, i++)
			c[i].p = (const uint8_t *)copy.buf + off;
		n = rebuild(data, max, c);
		sbuf_free(&copy);
	}
	sbuf_free(&part);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
