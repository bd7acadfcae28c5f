/*
 * pgp_armor.c - ASCII armor: base64 through OpenSSL, the CRC-24 the format
 * defines, BEGIN/END lines and armor headers.
 */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pgp.h"
#include "pgp_int.h"

#define CRC24_INIT 0xb704ceu
#define CRC24_POLY 0x1864cfbu

uint32_t pgp_crc24(const uint8_t *p, size_t len)
{
	uint32_t crc = CRC24_INIT;

	while (len--) {
		crc ^= (uint32_t)*p++ << 16;
		for (int i = 0; i < 8; i++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= CRC24_POLY;
		}
	}
	return crc & 0xffffff;
}

int pgp_armor(const void *data, size_t len, const char *kind, struct sbuf *out)
{
	const uint8_t *p = data;
	unsigned char line[65];
	uint32_t crc;
	uint8_t c[3];

	if (!kind || !*kind)
		return -1;
	sbuf_addf(out, "-----BEGIN PGP %s-----\n\n", kind);
	for (size_t off = 0; off < len; off += 48) {
		size_t n = len - off < 48 ? len - off : 48;

		EVP_EncodeBlock(line, p + off, (int)n);
		sbuf_adds(out, (char *)line);
		sbuf_addc(out, '\n');
	}
	crc = pgp_crc24(p, len);
	c[0] = (uint8_t)(crc >> 16);
	c[1] = (uint8_t)(crc >> 8);
	c[2] = (uint8_t)crc;
	EVP_EncodeBlock(line, c, 3);
	sbuf_addf(out, "=%s\n-----END PGP %s-----\n", (char *)line, kind);
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line of text without its "\n" and trailing white space. */
struct line {
	const char *s;
	size_t n;
};

static int next_line(const char *text, size_t len, size_t *pos, struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	l->s = text + *pos;
	nl = memchr(l->s, '\n', len - *pos);
	l->n = nl ? (size_t)(nl - l->s) : len - *pos;
	*pos += l->n + (nl ? 1 : 0);
	while (l->n > 0 && is_ws(l->s[l->n - 1]))
		l->n--;
	return 1;
}

static int line_starts(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->n >= n && !memcmp(l->s, prefix, n);
}

static int is_begin(const struct line *l, char kind[64])
{
	static const char pre[] = "-----BEGIN PGP ";
	size_t kl;

	if (!line_starts(l, pre) || l->n < sizeof(pre) - 1 + 5 ||
	    memcmp(l->s + l->n - 5, "-----", 5))
		return 0;
	kl = l->n - (sizeof(pre) - 1) - 5;
	if (kl == 0 || kl >= 64)
		return 0;
	memcpy(kind, l->s + sizeof(pre) - 1, kl);
	kind[kl] = '\0';
	return 1;
}

static int decode_b64(const struct sbuf *b64, struct sbuf *out)
{
	EVP_ENCODE_CTX *ctx;
	int n = 0, m = 0, rc;
	size_t start = out->len;

	if (b64->len > INT_MAX / 2)
		return -1;
	ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return -1;
	sbuf_grow(out, b64->len / 4 * 3 + 3);
	EVP_DecodeInit(ctx);
	rc = EVP_DecodeUpdate(ctx, (unsigned char *)out->buf + start, &n,
			      (const unsigned char *)b64->buf, (int)b64->len);
	if (rc >= 0)
		rc = EVP_DecodeFinal(ctx, (unsigned char *)out->buf + start + n, &m) == 1 ? 0 : -1;
	EVP_ENCODE_CTX_free(ctx);
	if (rc < 0) {
		out->buf[start] = '\0';
		return -1;
	}
	out->len = start + (size_t)n + (size_t)m;
	out->buf[out->len] = '\0';
	return 0;
}

/* The CRC line "=XXXX" decodes to three bytes that must match the data. */
static int check_crc(const struct line *l, const uint8_t *data, size_t len)
{
	unsigned char c[8];
	uint32_t want;

	if (l->n != 5 || EVP_DecodeBlock(c, (const unsigned char *)l->s + 1, 4) != 3)
		return -1;
	want = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
	return want == pgp_crc24(data, len) ? 0 : 1;
}

/* Header lines ("Key: value") up to the blank line; a body line may come directly. */
static void skip_headers(const char *text, size_t len, size_t *pos)
{
	struct line l;
	size_t at = *pos;

	while (next_line(text, len, &at, &l)) {
		if (l.n == 0) {
			*pos = at;
			return;
		}
		if (!memchr(l.s, ':', l.n))
			return;
		*pos = at;
	}
}

static int armor_body(const char *text, size_t len, size_t *pos, const char *kind,
		      struct sbuf *out, const char *what, struct pgb_err *err)
{
	struct sbuf b64 = SBUF_INIT;
	struct line l, crc = { NULL, 0 };
	size_t start = out->len;
	int ended = 0, rc = -1;
	char endline[96];

	snprintf(endline, sizeof(endline), "-----END PGP %s-----", kind);
	skip_headers(text, len, pos);
	while (next_line(text, len, pos, &l)) {
		if (line_starts(&l, "-----")) {
			ended = l.n == strlen(endline) && !memcmp(l.s, endline, l.n);
			if (!ended) {
				pgb_fail(err, "%s: armor block BEGIN PGP %s ends with \"%.*s\"",
					 what, kind, (int)(l.n > 80 ? 80 : l.n), l.s);
				goto out;
			}
			break;
		}
		if (l.n == 0)
			continue;
		if (crc.s) {
			pgb_fail(err, "%s: armor data after the checksum line", what);
			goto out;
		}
		if (l.n && l.s[0] == '=')
			crc = l;
		else
			sbuf_add(&b64, l.s, l.n);
	}
	if (!ended) {
		pgb_fail(err, "%s: armor block BEGIN PGP %s has no END line (truncated?)", what, kind);
		goto out;
	}
	if (decode_b64(&b64, out) < 0) {
		pgb_fail(err, "%s: armor block BEGIN PGP %s holds invalid base64", what, kind);
		goto out;
	}
	if (crc.s && (rc = check_crc(&crc, (uint8_t *)out->buf + start, out->len - start)) != 0) {
		pgb_fail(err, rc < 0 ? "%s: malformed armor checksum line" :
			 "%s: armor checksum (CRC-24) mismatch: the data was damaged", what);
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	/* What was decoded may be a secret key: wipe it, and its base64, before letting go. */
	if (rc < 0) {
		if (out->buf)
			OPENSSL_cleanse(out->buf + start, out->cap - start);
		out->len = start;
	}
	if (b64.buf)
		OPENSSL_cleanse(b64.buf, b64.cap);
	sbuf_free(&b64);
	return rc;
}

int pgp_dearmor_next(const char *text, size_t len, size_t *pos, char kind[64], struct sbuf *out,
		     const char *what, struct pgb_err *err)
{
	struct line l;

	while (next_line(text, len, pos, &l)) {
		if (is_begin(&l, kind))
			return armor_body(text, len, pos, kind, out, what, err) < 0 ? -1 : 1;
	}
	return 0;
}

int pgp_is_armored(const void *data, size_t len)
{
	const char *p = data;
	size_t i = 0;

	while (i < len && (is_ws(p[i]) || p[i] == '\n'))
		i++;
	return len - i >= 15 && !memcmp(p + i, "-----BEGIN PGP ", 15);
}

int pgp_dearmor(const char *text, size_t len, struct sbuf *out, struct pgb_err *err)
{
	char kind[64];
	size_t pos = 0;
	int rc = pgp_dearmor_next(text, len, &pos, kind, out, "armored data", err);

	if (rc == 0)
		return pgb_fail(err, "armored data: no \"-----BEGIN PGP ...-----\" line found");
	return rc < 0 ? -1 : 0;
}
