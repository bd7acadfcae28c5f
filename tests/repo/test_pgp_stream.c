/*
 * test_pgp_stream.c - signing and verifying detached signatures over data fed
 * in pieces (repo/pgp_stream.c) agree with the in-memory functions.
 */
#include <stdlib.h>
#include <string.h>

#include "pgp.h"
#include "unit.h"

#define T0 1700000000

static const char *const data =
	"the installer's bytes, fed in pieces of every size, then checked as a whole\n";

static struct pgp_seckey *mkkey(const char *uid)
{
	struct pgp_seckey *k = NULL;
	struct pgb_err err;

	if (pgp_keygen(&k, uid, T0, &err) < 0)
		fprintf(stderr, "# keygen: %s\n", err.msg);
	return k;
}

static struct pgp_keyring *ring_of(const struct pgp_seckey *k)
{
	struct sbuf pub = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;

	if (pgp_seckey_export_public(k, 0, &pub, &err) < 0 ||
	    pgp_keyring_load_mem(&kr, pub.buf, pub.len, "test key", &err) < 0)
		fprintf(stderr, "# keyring: %s\n", err.msg);
	sbuf_free(&pub);
	return kr;
}

/* Feed data to a verify stream in pieces of `step` bytes and check it. */
static int stream_verify(const struct pgp_keyring *kr, const void *sig, size_t sig_len,
			 const char *d, size_t len, size_t step, struct pgb_err *err)
{
	struct pgp_verify_stream *v;
	int rc;

	if (pgp_verify_stream_new(&v, sig, sig_len, "stream", err) < 0)
		return -1;
	for (size_t i = 0; i < len; i += step)
		pgp_verify_stream_update(v, d + i, len - i < step ? len - i : step);
	rc = pgp_verify_stream_finish_at(v, kr, T0 + 100, NULL, err);
	pgp_verify_stream_free(v);
	return rc;
}

static int test_stream_signature_is_byte_identical_to_in_memory_one(void)
{
	struct pgp_seckey *k = mkkey("Stream <s@example.org>");
	struct sbuf mem = SBUF_INIT, st = SBUF_INIT, arm = SBUF_INIT, arm2 = SBUF_INIT;
	struct pgp_sign_stream *s = NULL;
	struct pgb_err err;
	size_t len = strlen(data);
	int rc;

	CHECK(k);
	CHECK(pgp_sign_detached(k, data, len, T0 + 5, 0, &mem, &err) == 0);
	CHECK(pgp_sign_detached(k, data, len, T0 + 5, 1, &arm, &err) == 0);
	CHECK(pgp_sign_stream_new(&s, k, &err) == 0);
	for (size_t i = 0; i < len; i += 7)
		pgp_sign_stream_update(s, data + i, len - i < 7 ? len - i : 7);
	rc = pgp_sign_stream_finish(s, T0 + 5, 0, &st, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(st.len == mem.len && !memcmp(st.buf, mem.buf, mem.len));
	CHECK(pgp_sign_stream_finish(s, T0 + 5, 0, &st, &err) < 0);
	pgp_sign_stream_free(s);
	CHECK(pgp_sign_stream_new(&s, k, &err) == 0);
	pgp_sign_stream_update(s, data, len);
	CHECK(pgp_sign_stream_finish(s, T0 + 5, 1, &arm2, &err) == 0);
	CHECK(arm2.len == arm.len && !memcmp(arm2.buf, arm.buf, arm.len));
	pgp_sign_stream_free(s);
	pgp_seckey_free(k);
	sbuf_free(&mem);
	sbuf_free(&st);
	sbuf_free(&arm);
	sbuf_free(&arm2);
	return 0;
}

static int test_dup_signs_two_continuations_of_one_prefix(void)
{
	struct pgp_seckey *k = mkkey("Dup <d@example.org>");
	struct pgp_sign_stream *s = NULL, *c = NULL;
	struct sbuf a = SBUF_INIT, b = SBUF_INIT, want = SBUF_INIT;
	struct pgb_err err;

	CHECK(k && pgp_sign_stream_new(&s, k, &err) == 0);
	pgp_sign_stream_update(s, "prefix,", 7);
	CHECK(pgp_sign_stream_dup(&c, s, &err) == 0);
	pgp_sign_stream_update(s, "one", 3);
	pgp_sign_stream_update(c, "two", 3);
	CHECK(pgp_sign_stream_finish(s, T0, 0, &a, &err) == 0);
	CHECK(pgp_sign_stream_finish(c, T0, 0, &b, &err) == 0);
	CHECK(pgp_sign_detached(k, "prefix,two", 10, T0, 0, &want, &err) == 0);
	CHECK(b.len == want.len && !memcmp(b.buf, want.buf, want.len));
	CHECK(a.len != b.len || memcmp(a.buf, b.buf, a.len));
	pgp_sign_stream_free(s);
	pgp_sign_stream_free(c);
	pgp_seckey_free(k);
	sbuf_free(&a);
	sbuf_free(&b);
	sbuf_free(&want);
	return 0;
}

static int test_stream_verify_accepts_any_split_and_rejects_flipped_byte(void)
{
	struct pgp_seckey *k = mkkey("Verify <v@example.org>");
	struct pgp_keyring *kr = k ? ring_of(k) : NULL;
	struct sbuf sig = SBUF_INIT, arm = SBUF_INIT;
	struct pgb_err err;
	size_t len = strlen(data);
	char *bad = xstrdup(data);

	CHECK(kr);
	CHECK(pgp_sign_detached(k, data, len, T0 + 1, 0, &sig, &err) == 0);
	CHECK(pgp_sign_detached(k, data, len, T0 + 1, 1, &arm, &err) == 0);
	for (size_t step = 1; step <= len; step += 13)
		CHECKF(stream_verify(kr, sig.buf, sig.len, data, len, step, &err) == 0, "%s",
		       err.msg);
	CHECKF(stream_verify(kr, arm.buf, arm.len, data, len, len, &err) == 0, "%s", err.msg);
	bad[10] ^= 1;
	CHECK(stream_verify(kr, sig.buf, sig.len, bad, len, 5, &err) < 0);
	CHECKF(strstr(err.msg, "BAD signature"), "%s", err.msg);
	CHECK(stream_verify(kr, sig.buf, sig.len, data, len - 1, 5, &err) < 0);
	free(bad);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	sbuf_free(&sig);
	sbuf_free(&arm);
	return 0;
}

static int test_stream_verify_names_key_outside_keyring(void)
{
	struct pgp_seckey *k = mkkey("Signer <a@example.org>"), *o = mkkey("Other <b@example.org>");
	struct pgp_keyring *kr = o ? ring_of(o) : NULL;
	struct sbuf sig = SBUF_INIT;
	struct pgb_err err;
	size_t len = strlen(data);

	CHECK(k && kr);
	CHECK(pgp_sign_detached(k, data, len, T0, 0, &sig, &err) == 0);
	CHECK(stream_verify(kr, sig.buf, sig.len, data, len, 64, &err) < 0);
	CHECKF(strstr(err.msg, "not in the keyring"), "%s", err.msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	pgp_seckey_free(o);
	sbuf_free(&sig);
	return 0;
}

static int test_stream_verify_refuses_text_mode_and_garbage_signatures(void)
{
	struct pgp_seckey *k = mkkey("Text <t@example.org>");
	struct pgp_keyring *kr = k ? ring_of(k) : NULL;
	struct pgp_verify_stream *v = NULL;
	struct sbuf clear = SBUF_INIT;
	struct pgb_err err;
	const char *sig;

	CHECK(kr);
	CHECK(pgp_verify_stream_new(&v, "", 0, "empty", &err) < 0 && !v);
	CHECK(pgp_verify_stream_new(&v, "\x01junk", 5, "junk", &err) < 0 && !v);
	CHECKF(strstr(err.msg, "junk"), "%s", err.msg);
	/* A cleartext signature's block is a text-mode (0x01) signature. */
	CHECK(pgp_sign_cleartext(k, "line\n", 5, T0, &clear, &err) == 0);
	sig = strstr(clear.buf, "-----BEGIN PGP SIGNATURE-----");
	CHECK(sig);
	CHECK(stream_verify(kr, sig, strlen(sig), "line", 4, 4, &err) < 0);
	CHECKF(strstr(err.msg, "binary-mode"), "%s", err.msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	sbuf_free(&clear);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_stream_signature_is_byte_identical_to_in_memory_one);
	T_RUN(&s, test_dup_signs_two_continuations_of_one_prefix);
	T_RUN(&s, test_stream_verify_accepts_any_split_and_rejects_flipped_byte);
	T_RUN(&s, test_stream_verify_names_key_outside_keyring);
	T_RUN(&s, test_stream_verify_refuses_text_mode_and_garbage_signatures);
	return t_done(&s);
}
