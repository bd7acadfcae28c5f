/*
 * fuzz_pgp_cleartext.c - an upstream's InRelease as family_deb.c reads it:
 * the cleartext signature checked against a fixed keyring (Debian's archive
 * keys, the harness's K1/K2 certificate, the gpg-made seed keys) by
 * repo/pgp_verify.c, then the signed body parsed by repo/aptidx.c.
 * fuzz-options: -max_len=65536
 *
 * The custom mutator works on the three parts of the message: the armor
 * header (Hash: lines), the signed text (changed, then signed again by the
 * same K1/K2 signatures, so the Release parser sees text that verified), and
 * the signature block (packets and fields changed and signed again over the
 * text, pgpmut.c); or on bytes anywhere, for the framing.
 *
 * Properties: a verified body is whole lines, each ending in '\n', none with
 * trailing spaces, tabs or carriage returns (they are not signed); the
 * signer is a key of the keyring; on failure there is no body.
 *
 * PGB_FUZZ_MKSEED=FILE signs the text of the file FILE names (a Release
 * body) with K1 as a cleartext message and writes it to FILE.signed.
 */
#include <string.h>

#include "aptidx.h"
#include "fuzz.h"
#include "pgp.h"
#include "pgp_int.h"
#include "pgpmut.h"

static const char begin_msg[] = "-----BEGIN PGP SIGNED MESSAGE-----\n";

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct pgp_keyring *kr;

/* A message cut in its parts: [0, text) header, [text, sig) text, [sig, len) signature. */
struct cl_parts {
	size_t text, sig, len;
};

static int cl_split(const char *m, size_t len, struct cl_parts *p)
{
	const char *blank = memmem(m, len, "\n\n", 2), *s;

	if (len < sizeof(begin_msg) - 1 || memcmp(m, begin_msg, sizeof(begin_msg) - 1) || !blank)
		return -1;
	p->text = (size_t)(blank - m) + 2;
	s = memmem(m + p->text, len - p->text, "\n" "-----BEGIN PGP SIGNATURE-----", 30);
	if (!s)
		return -1;
	p->sig = (size_t)(s - m) + 1;
	p->len = len;
	return 0;
}

/* What a cleartext signature covers, as the verifier reads the text: lines
 * without CR/LF and trailing blanks, dash-escapes undone, joined by CRLF. */
static void cl_hashed(const char *t, size_t n, struct sbuf *out)
{
	size_t pos = 0;
	int first = 1;

	while (pos < n) {
		const char *s = t + pos, *nl = memchr(s, '\n', n - pos);
		size_t l = nl ? (size_t)(nl - s) : n - pos;

		pos += l + (nl ? 1 : 0);
		while (l && s[l - 1] == '\r')
			l--;
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
			l--;
		if (l >= 2 && s[0] == '-' && s[1] == ' ') {
			s += 2;
			l -= 2;
		}
		if (!first)
			sbuf_add(out, "\r\n", 2);
		sbuf_add(out, s, l);
		first = 0;
	}
}

/* Text lines dash-escaped where needed, each ending in '\n'. */
static void cl_escape(const char *t, size_t n, struct sbuf *out)
{
	size_t pos = 0;

	while (pos < n) {
		const char *s = t + pos, *nl = memchr(s, '\n', n - pos);
		size_t l = nl ? (size_t)(nl - s) : n - pos;

		if (l && s[0] == '-')
			sbuf_add(out, "- ", 2);
		sbuf_add(out, s, l);
		sbuf_addc(out, '\n');
		pos += l + (nl ? 1 : 0);
	}
}

static void make_seed(const char *path)
{
	struct sbuf text = SBUF_INIT, hashed = SBUF_INIT, sig = SBUF_INIT, out = SBUF_INIT;
	char *raw, *dst = xasprintf("%s.signed", path);
	size_t n;
	struct pgb_err err;

	raw = fuzz_read_src(path, &n);
	sbuf_adds(&out, begin_msg);
	sbuf_adds(&out, "Hash: SHA512\n\n");
	cl_escape(raw, n, &text);
	sbuf_add(&out, text.buf, text.len);
	/* The last line's end is not signed: hash the text without it. */
	cl_hashed(text.buf, text.len - 1, &hashed);
	pgpmut_sign_data(&sig, PGPMUT_K1, hashed.buf, hashed.len, 0x01, PGPMUT_CREATED + 60);
	pgp_armor(sig.buf, sig.len, "SIGNATURE", &out);
	n = util_write_atomic(dst, out.buf, out.len, 0644, &err) < 0;
	free(raw);
	free(dst);
	sbuf_free(&text);
	sbuf_free(&hashed);
	sbuf_free(&sig);
	sbuf_free(&out);
	exit((int)n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");

	if (seed)
		make_seed(seed);
	kr = pgpmut_verify_keyring();
	return 0;
}

static void check_body(const char *body, size_t len)
{
	size_t pos = 0;

	FUZZ_ASSERT(body[len] == '\0');
	FUZZ_ASSERT(len == 0 || body[len - 1] == '\n');
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t l = (size_t)(nl - body) - pos;

		FUZZ_ASSERT(!l || !memchr(" \t\r", body[pos + l - 1], 3));
		pos += l + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_sig_info info;
	struct aptidx_release rel;
	struct pgb_err err;
	char *body = (char *)1;
	size_t blen = 1;

	if (pgp_verify_cleartext_at(kr, (const char *)data, size, "fuzz/InRelease", FUZZ_NOW,
				    &body, &blen, &info, &err) < 0) {
		FUZZ_ASSERT(!body && !blen && err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(body);
	check_body(body, blen);
	FUZZ_ASSERT(pgp_keyring_has(kr, info.fpr) && pgp_keyring_has(kr, info.primary_fpr));
	if (aptidx_release_parse(body, blen, "fuzz/InRelease", &rel, &err) == 0)
		aptidx_release_free(&rel);
	free(body);
	return 0;
}

/* A new Hash: header line set. */
static void new_header(struct sbuf *out, struct fuzz_rng *r)
{
	static const char *const h[] = {
		"Hash: SHA512\n", "Hash: SHA256\n", "Hash: SHA1\n", "Hash: MD5\n",
		"Hash: SHA256, SHA512\n", "Hash: SHA256,SHA512\n", "Hash:\n", "Hash: sha256\n",
		"Hash: SHA256\nHash: SHA384\n", "Comment: x\n", "Hash: SHA256 \n",
	};

	sbuf_adds(out, begin_msg);
	if (fuzz_below(r, 8))
		sbuf_adds(out, h[fuzz_below(r, sizeof(h) / sizeof(h[0]))]);
	sbuf_addc(out, '\n');
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct cl_parts p;
	struct fuzz_rng r;
	struct sbuf text = SBUF_INIT, hashed = SBUF_INIT, sig = SBUF_INIT, out = SBUF_INIT;
	const char *m = (const char *)data;
	uint32_t what;
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	what = fuzz_below(&r, 8);
	if (what == 0 || cl_split(m, size, &p) < 0)
		return LLVMFuzzerMutate(data, size, max);
	sbuf_add(&text, m + p.text, p.sig - p.text);
	sbuf_add(&sig, m + p.sig, p.len - p.sig);
	if (what <= 3) {
		/* new text: edited as bytes, escaped as a signer would, signed again */
		struct sbuf e = SBUF_INIT;

		sbuf_grow(&text, 256);
		text.len = LLVMFuzzerMutate((uint8_t *)text.buf, text.len, text.len + 256);
		if (fuzz_below(&r, 4)) {
			cl_escape(text.buf, text.len, &e);
			sbuf_reset(&text);
			sbuf_add(&text, e.buf, e.len);
		}
		sbuf_free(&e);
	}
	if (text.len && text.buf[text.len - 1] == '\n')
		cl_hashed(text.buf, text.len - 1, &hashed);
	else
		cl_hashed(text.buf, text.len, &hashed);
	if (what >= 4) {
		/* new signature packets and fields, signed over the text */
		sbuf_grow(&sig, 1024);
		n = pgpmut_mutate((uint8_t *)sig.buf, sig.len, sig.len + 1024, seed, hashed.buf,
				  hashed.len);
		if (n)
			sig.len = n;
	} else {
		struct sbuf bin = SBUF_INIT;
		struct pgb_err err;

		if (pgp_dearmor(sig.buf, sig.len, &bin, &err) == 0 &&
		    pgpmut_resign(&bin, hashed.buf, hashed.len) == 0) {
			sbuf_reset(&sig);
			pgp_armor(bin.buf, bin.len, "SIGNATURE", &sig);
		}
		sbuf_free(&bin);
	}
	if (what == 7)
		new_header(&out, &r);
	else
		sbuf_add(&out, m, p.text);
	sbuf_add(&out, text.buf, text.len);
	if (text.len && text.buf[text.len - 1] != '\n')
		sbuf_addc(&out, '\n');
	sbuf_add(&out, sig.buf, sig.len);
	n = fuzz_emit(data, max, &out);
	sbuf_free(&text);
	sbuf_free(&hashed);
	sbuf_free(&sig);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
