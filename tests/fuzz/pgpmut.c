/*
 * pgpmut.c - structure-aware OpenPGP mutation with re-signing; see pgpmut.h.
 *
 * Packets are parsed and written here, on their own (RFC 4880), not with
 * repo/pgp_packet.c, and signatures are made with OpenSSL directly.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "pgp.h"
#include "pgp_int.h"
#include "pgpmut.h"

static const uint8_t oid_ed25519[9] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 };

/* ---- the fixed keys (made once, read-only afterwards) ---- */

struct mkey {
	EVP_PKEY *priv;
	uint8_t seed[32], pub[32], fpr[20];
	struct sbuf body;	/* public key packet body */
};

static struct mkey keys[2];

static void put_be(struct sbuf *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		sbuf_addc(b, (char)(v >> (8 * i)));
}

static void put_mpi(struct sbuf *b, const uint8_t *num, size_t len)
{
	unsigned bits;

	while (len && !num[0])
		num++, len--;
	bits = len ? (unsigned)(len - 1) * 8 : 0;
	if (len)
		for (uint8_t top = num[0]; top; top >>= 1)
			bits++;
	put_be(b, bits, 2);
	sbuf_add(b, num, len);
}

static void key_body(struct sbuf *b, const uint8_t pub[32])
{
	uint8_t pt[33];

	pt[0] = 0x40;
	memcpy(pt + 1, pub, 32);
	sbuf_addc(b, 4);
	put_be(b, PGPMUT_CREATED, 4);
	sbuf_addc(b, 22);
	sbuf_addc(b, sizeof(oid_ed25519));
	sbuf_add(b, oid_ed25519, sizeof(oid_ed25519));
	put_mpi(b, pt, sizeof(pt));
}

static void hash_key(EVP_MD_CTX *md, const uint8_t *body, size_t len)
{
	uint8_t h[3] = { 0x99, (uint8_t)(len >> 8), (uint8_t)len };

	EVP_DigestUpdate(md, h, 3);
	EVP_DigestUpdate(md, body, len);
}

static void keys_init(void)
{
	size_t n = 32;

	if (keys[0].priv)
		return;
	for (int k = 0; k < 2; k++) {
		struct mkey *m = &keys[k];
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		const char *label = k ? "pgbundle fuzz K2" : "pgbundle fuzz K1";

		/* The seed is SHA-256 of a label: public, fixed, reproducible. */
		EVP_Digest(label, strlen(label), m->seed, NULL, EVP_sha256(), NULL);
		m->priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, m->seed, 32);
		n = 32;
		if (!m->priv || EVP_PKEY_get_raw_public_key(m->priv, m->pub, &n) <= 0)
			abort();
		key_body(&m->body, m->pub);
		EVP_DigestInit_ex(md, EVP_sha1(), NULL);
		hash_key(md, (uint8_t *)m->body.buf, m->body.len);
		EVP_DigestFinal_ex(md, m->fpr, NULL);
		EVP_MD_CTX_free(md);
	}
}

const uint8_t *pgpmut_fpr(int key)
{
	keys_init();
	return keys[key].fpr;
}

/* ---- packets ---- */

struct mpkt {
	int tag;
	struct sbuf body;
};

struct mpkts {
	struct mpkt *v;
	size_t n;
};

static void pkts_free(struct mpkts *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		sbuf_free(&ps->v[i].body);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static struct mpkt *pkts_insert(struct mpkts *ps, size_t at, int tag, const void *b, size_t n)
{
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	memmove(ps->v + at + 1, ps->v + at, (ps->n - at) * sizeof(*ps->v));
	ps->n++;
	ps->v[at].tag = tag;
	memset(&ps->v[at].body, 0, sizeof(ps->v[at].body));
	sbuf_add(&ps->v[at].body, b, n);
	return &ps->v[at];
}

static void pkts_remove(struct mpkts *ps, size_t at)
{
	sbuf_free(&ps->v[at].body);
	memmove(ps->v + at, ps->v + at + 1, (ps->n - at - 1) * sizeof(*ps->v));
	ps->n--;
}

/* A new-format length at p; 1 for a partial length (*n the chunk), -1 on truncation. */
static int new_len(const uint8_t *p, size_t avail, size_t *hl, size_t *n)
{
	if (!avail)
		return -1;
	if (p[0] < 192) {
		*hl = 1;
		*n = p[0];
		return 0;
	}
	if (p[0] < 224) {
		if (avail < 2)
			return -1;
		*hl = 2;
		*n = ((size_t)(p[0] - 192) << 8) + p[1] + 192;
		return 0;
	}
	if (p[0] == 255) {
		if (avail < 5)
			return -1;
		*hl = 5;
		*n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
		return 0;
	}
	*hl = 1;
	*n = (size_t)1 << (p[0] & 0x1f);
	return 1;
}

/* Parse the packets of p[0..len); -1 when it is not a clean packet sequence. */
static int pkts_parse(const uint8_t *p, size_t len, struct mpkts *ps)
{
	size_t off = 0;

	memset(ps, 0, sizeof(*ps));
	while (off < len) {
		struct mpkt *m;
		size_t hl, n;
		int tag, rc;

		if (!(p[off] & 0x80))
			goto bad;
		if (p[off] & 0x40) {
			tag = p[off] & 0x3f;
			m = pkts_insert(ps, ps->n, tag, NULL, 0);
			off++;
			do {
				rc = new_len(p + off, len - off, &hl, &n);
				if (rc < 0 || n > len - off - hl)
					goto bad;
				sbuf_add(&m->body, p + off + hl, n);
				off += hl + n;
			} while (rc == 1);
		} else {
			int lt = p[off] & 3;

			tag = (p[off] >> 2) & 0xf;
			off++;
			if (lt == 3) {
				hl = 0;
				n = len - off;
			} else {
				hl = (size_t)1 << lt;
				if (len - off < hl)
					goto bad;
				n = 0;
				for (size_t i = 0; i < hl; i++)
					n = n << 8 | p[off + i];
				if (n > len - off - hl)
					goto bad;
			}
			pkts_insert(ps, ps->n, tag, p + off + hl, n);
			off += hl + n;
		}
	}
	return 0;
bad:
	pkts_free(ps);
	return -1;
}

/* Write one packet in a legal encoding r chooses: mostly the shortest new
 * format, sometimes old format, a longer length, or partial lengths; always
 * the shortest new format when r is NULL. */
static void pkt_write(struct sbuf *out, const struct mpkt *m, struct fuzz_rng *r)
{
	size_t n = m->body.len;
	uint32_t how = r ? fuzz_below(r, 32) : 31;

	if (how == 0 && m->tag < 16) {	/* old format, the smallest length type */
		int lt = n < 256 ? 0 : n < 65536 ? 1 : 2;

		sbuf_addc(out, (char)(0x80 | m->tag << 2 | lt));
		put_be(out, n, 1 << lt);
	} else if (how == 1) {		/* five-octet length for any size */
		sbuf_addc(out, (char)(0xc0 | m->tag));
		sbuf_addc(out, (char)0xff);
		put_be(out, n, 4);
	} else if (how == 2 && n >= 2) { /* partial lengths: a chunk of 1, then the rest */
		sbuf_addc(out, (char)(0xc0 | m->tag));
		sbuf_addc(out, (char)224);
		sbuf_add(out, m->body.buf, 1);
		n--;
		if (n < 192) {
			sbuf_addc(out, (char)n);
		} else {
			sbuf_addc(out, (char)0xff);
			put_be(out, n, 4);
		}
		sbuf_add(out, m->body.buf + 1, n);
		return;
	} else {
		sbuf_addc(out, (char)(0xc0 | m->tag));
		if (n < 192) {
			sbuf_addc(out, (char)n);
		} else if (n < 8384) {
			sbuf_addc(out, (char)(((n - 192) >> 8) + 192));
			sbuf_addc(out, (char)((n - 192) & 0xff));
		} else {
			sbuf_addc(out, (char)0xff);
			put_be(out, n, 4);
		}
	}
	sbuf_add(out, m->body.buf, n);
}

/* ---- signatures ---- */

struct msub {
	int type;		/* with the critical bit (0x80) */
	struct sbuf d;
};

struct msig {
	int type, pk, h;
	struct msub *sub;	/* hashed ones first, then unhashed */
	size_t nsub, nhashed;
	struct sbuf rest;	/* left16 and MPIs */
};

static void msig_free(struct msig *s)
{
	for (size_t i = 0; i < s->nsub; i++)
		sbuf_free(&s->sub[i].d);
	free(s->sub);
	sbuf_free(&s->rest);
	memset(s, 0, sizeof(*s));
}

static void msub_add(struct msig *s, size_t at, int type, const void *d, size_t n)
{
	s->sub = xrealloc(s->sub, (s->nsub + 1) * sizeof(*s->sub));
	memmove(s->sub + at + 1, s->sub + at, (s->nsub - at) * sizeof(*s->sub));
	s->nsub++;
	s->sub[at].type = type;
	memset(&s->sub[at].d, 0, sizeof(s->sub[at].d));
	sbuf_add(&s->sub[at].d, d, n);
}

static int parse_subs(struct msig *s, const uint8_t *p, size_t len)
{
	size_t off = 0, hl, n;

	while (off < len) {
		if (p[off] >= 192 && p[off] < 255) {
			if (len - off < 2)
				return -1;
			hl = 2;
			n = ((size_t)(p[off] - 192) << 8) + p[off + 1] + 192;
		} else if (new_len(p + off, len - off, &hl, &n) != 0) {
			return -1;
		}
		if (n == 0 || n > len - off - hl)
			return -1;
		msub_add(s, s->nsub, p[off + hl], p + off + hl + 1, n - 1);
		off += hl + n;
	}
	return 0;
}

/* A v4 signature body into s; -1 for anything else. */
static int msig_parse(struct msig *s, const uint8_t *b, size_t len)
{
	size_t hl, ul, off;

	memset(s, 0, sizeof(*s));
	if (len < 10 || b[0] != 4)
		return -1;
	s->type = b[1];
	s->pk = b[2];
	s->h = b[3];
	hl = (size_t)b[4] << 8 | b[5];
	if (hl > len - 8)
		return -1;
	off = 6 + hl;
	ul = (size_t)b[off] << 8 | b[off + 1];
	off += 2;
	if (ul > len - off || parse_subs(s, b + 6, hl) < 0)
		goto bad;
	s->nhashed = s->nsub;
	if (parse_subs(s, b + off, ul) < 0)
		goto bad;
	sbuf_add(&s->rest, b + off + ul, len - off - ul);
	return 0;
bad:
	msig_free(s);
	return -1;
}

static void write_subs(struct sbuf *out, const struct msig *s, size_t from, size_t to,
		       struct fuzz_rng *r)
{
	struct sbuf a = SBUF_INIT;

	for (size_t i = from; i < to; i++) {
		size_t n = s->sub[i].d.len + 1;

		if (n < 192 && (!r || fuzz_below(r, 16))) {
			sbuf_addc(&a, (char)n);
		} else if (n < 16320 && (!r || fuzz_below(r, 2))) {
			sbuf_addc(&a, (char)(((n - 192) >> 8) + 192));
			sbuf_addc(&a, (char)((n - 192) & 0xff));
		} else {
			sbuf_addc(&a, (char)0xff);
			put_be(&a, n, 4);
		}
		sbuf_addc(&a, (char)s->sub[i].type);
		sbuf_add(&a, s->sub[i].d.buf, s->sub[i].d.len);
	}
	put_be(out, a.len, 2);
	sbuf_add(out, a.buf, a.len);
	sbuf_free(&a);
}

/* Version .. hashed subpackets: what the signature's digest covers. */
static void msig_hashed(struct sbuf *out, const struct msig *s, struct fuzz_rng *r)
{
	sbuf_addc(out, 4);
	sbuf_addc(out, (char)s->type);
	sbuf_addc(out, (char)s->pk);
	sbuf_addc(out, (char)s->h);
	write_subs(out, s, 0, s->nhashed, r);
}

static void msig_write(struct sbuf *out, const struct msig *s, const struct sbuf *hashed,
		       struct fuzz_rng *r)
{
	sbuf_add(out, hashed->buf, hashed->len);
	write_subs(out, s, s->nhashed, s->nsub, r);
	sbuf_add(out, s->rest.buf, s->rest.len);
}

static const EVP_MD *md_of(int h)
{
	switch (h) {
	case 2: return EVP_sha1();
	case 8: return EVP_sha256();
	case 9: return EVP_sha384();
	case 10: return EVP_sha512();
	case 11: return EVP_sha224();
	default: return NULL;
	}
}

/* What a signature covers besides itself: keys, a User ID, data. */
struct covered {
	const struct sbuf *primary;	/* public key body */
	const struct sbuf *sub;
	const struct sbuf *uid;
	int uid_prefix;			/* 0xb4 User ID, 0xd1 attribute */
	const uint8_t *data;
	size_t len;
	int have_data;
};

/* Feed what a signature of type t covers; 0 when it cannot be made here. */
static int feed_covered(EVP_MD_CTX *md, int t, const struct covered *c)
{
	if (t == 0x00 || t == 0x01) {
		if (!c->have_data)
			return 0;
		if (t == 0x00) {
			EVP_DigestUpdate(md, c->data, c->len);
			return 1;
		}
		for (size_t i = 0; i < c->len; i++) {
			if (c->data[i] == '\n' && (i == 0 || c->data[i - 1] != '\r'))
				EVP_DigestUpdate(md, "\r", 1);
			EVP_DigestUpdate(md, c->data + i, 1);
		}
		return 1;
	}
	if (!c->primary)
		return 0;
	hash_key(md, (uint8_t *)c->primary->buf, c->primary->len);
	if ((t >= 0x10 && t <= 0x13) || t == 0x30) {
		uint8_t h[5];

		if (!c->uid)
			return 0;
		h[0] = (uint8_t)c->uid_prefix;
		for (int i = 0; i < 4; i++)
			h[1 + i] = (uint8_t)(c->uid->len >> (24 - 8 * i));
		EVP_DigestUpdate(md, h, 5);
		EVP_DigestUpdate(md, c->uid->buf, c->uid->len);
		return 1;
	}
	if (t == 0x18 || t == 0x19 || t == 0x28) {
		if (!c->sub)
			return 0;
		hash_key(md, (uint8_t *)c->sub->buf, c->sub->len);
		return 1;
	}
	return t == 0x1f || t == 0x20;
}

/* Which fixed key a key packet body holds (by its Ed25519 point), or -1. */
static int key_of(const struct sbuf *body)
{
	keys_init();
	if (!body || body->len < 32)
		return -1;
	for (int k = 0; k < 2; k++)
		if (!memcmp(body->buf + body->len - 32, keys[k].pub, 32))
			return k;
	return -1;
}

/* Which fixed key the signature names as its issuer, or -1. */
static int issuer_of(const struct msig *s)
{
	keys_init();
	for (size_t i = 0; i < s->nsub; i++) {
		const struct msub *m = &s->sub[i];

		for (int k = 0; k < 2; k++) {
			if ((m->type & 0x7f) == 33 && m->d.len == 21 &&
			    !memcmp(m->d.buf + 1, keys[k].fpr, 20))
				return k;
			if ((m->type & 0x7f) == 16 && m->d.len == 8 &&
			    !memcmp(m->d.buf, keys[k].fpr + 12, 8))
				return k;
		}
	}
	return -1;
}

/* The fixed key that makes s over c, or -1 when none of ours can. */
static int signer_of(const struct msig *s, const struct covered *c)
{
	int t = s->type;

	if (t == 0x00 || t == 0x01) {
		int k = issuer_of(s);

		return k >= 0 ? k : PGPMUT_K2;
	}
	if (t == 0x19)
		return key_of(c->sub);
	return key_of(c->primary);
}

static void sign_digest(struct sbuf *rest, int key, const uint8_t *dig, size_t dlen)
{
	EVP_MD_CTX *sctx = EVP_MD_CTX_new();
	uint8_t sig[64];
	size_t siglen = sizeof(sig);

	if (!sctx || EVP_DigestSignInit(sctx, NULL, NULL, NULL, keys[key].priv) <= 0 ||
	    EVP_DigestSign(sctx, sig, &siglen, dig, dlen) <= 0)
		abort();
	EVP_MD_CTX_free(sctx);
	sbuf_reset(rest);
	sbuf_add(rest, dig, 2);
	put_mpi(rest, sig, 32);
	put_mpi(rest, sig + 32, 32);
}

static void resign_body(struct sbuf *body, const struct covered *c, struct fuzz_rng *r);

/* Sign an embedded back-signature (subpacket 32) again first: it covers the
 * same keys, made by the subkey. */
static void resign_embedded(struct msig *s, const struct covered *c, struct fuzz_rng *r)
{
	for (size_t i = 0; i < s->nsub; i++)
		if ((s->sub[i].type & 0x7f) == 32)
			resign_body(&s->sub[i].d, c, r);
}

/* Make the signature body again with a valid signature, when one of our
 * keys can make it; otherwise leave it (re-encoded). */
static void resign_body(struct sbuf *body, const struct covered *c, struct fuzz_rng *r)
{
	struct msig s;
	struct sbuf hashed = SBUF_INIT, out = SBUF_INIT;
	uint8_t dig[64], trailer[6] = { 4, 0xff };
	unsigned dlen = 0;
	const EVP_MD *type;
	EVP_MD_CTX *md;
	int key;

	if (msig_parse(&s, (uint8_t *)body->buf, body->len) < 0)
		return;
	if (s.type == 0x18)
		resign_embedded(&s, c, r);
	msig_hashed(&hashed, &s, r);
	key = signer_of(&s, c);
	type = md_of(s.h);
	md = EVP_MD_CTX_new();
	if (key >= 0 && type && s.pk == 22 && md && EVP_DigestInit_ex(md, type, NULL) &&
	    feed_covered(md, s.type, c)) {
		for (int i = 0; i < 4; i++)
			trailer[2 + i] = (uint8_t)(hashed.len >> (24 - 8 * i));
		EVP_DigestUpdate(md, hashed.buf, hashed.len);
		EVP_DigestUpdate(md, trailer, sizeof(trailer));
		EVP_DigestFinal_ex(md, dig, &dlen);
		sign_digest(&s.rest, key, dig, dlen);
	}
	EVP_MD_CTX_free(md);
	msig_write(&out, &s, &hashed, r);
	sbuf_reset(body);
	sbuf_add(body, out.buf, out.len);
	sbuf_free(&out);
	sbuf_free(&hashed);
	msig_free(&s);
}

/* The public part of a secret key packet body (v4 Ed25519 only), for hashing. */
static void public_part(const struct sbuf *body, struct sbuf *pub)
{
	const uint8_t *b = (const uint8_t *)body->buf;
	size_t off = 6, bits;

	sbuf_reset(pub);
	if (body->len < 8 || b[0] != 4 || b[5] != 22)
		goto all;
	off += 1 + b[6];
	if (off + 2 > body->len)
		goto all;
	bits = (size_t)b[off] << 8 | b[off + 1];
	off += 2 + (bits + 7) / 8;
	if (off > body->len)
		goto all;
	sbuf_add(pub, body->buf, off);
	return;
all:
	sbuf_add(pub, body->buf, body->len);
}

/* Walk the packets as a certificate reader would and sign each signature again. */
static void resign_all(struct mpkts *ps, const void *data, size_t len, struct fuzz_rng *r)
{
	struct sbuf primary = SBUF_INIT, sub = SBUF_INIT;
	struct covered c = { 0 };

	c.data = data;
	c.len = len;
	c.have_data = data != NULL;
	for (size_t i = 0; i < ps->n; i++) {
		struct mpkt *m = &ps->v[i];

		switch (m->tag) {
		case 5:
		case 6:
			public_part(&m->body, &primary);
			c.primary = &primary;
			c.sub = NULL;
			c.uid = NULL;
			break;
		case 7:
		case 14:
			public_part(&m->body, &sub);
			c.sub = &sub;
			c.uid = NULL;
			break;
		case 13:
		case 17:
			c.uid = &m->body;
			c.uid_prefix = m->tag == 13 ? 0xb4 : 0xd1;
			c.sub = NULL;
			break;
		case 2:
			resign_body(&m->body, &c, r);
			break;
		}
	}
	sbuf_free(&primary);
	sbuf_free(&sub);
}

/* ---- field mutations ---- */

static const uint8_t sig_types[] = { 0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19,
				     0x1f, 0x20, 0x28, 0x30, 0x40, 0x50 };
static const uint8_t hash_algos[] = { 1, 2, 3, 8, 9, 10, 11, 12, 14, 0, 255 };
static const uint8_t pk_algos[] = { 1, 2, 3, 16, 17, 18, 19, 22, 27, 0, 255 };
static const uint8_t sub_types[] = { 2, 3, 4, 5, 9, 11, 16, 20, 21, 23, 25, 26, 27, 28, 29,
				     30, 31, 32, 33, 34, 35, 37, 39, 40, 99, 110, 127 };

#define PICK(r, a) ((a)[fuzz_below((r), sizeof(a) / sizeof((a)[0]))])

static void set_be32(struct sbuf *d, uint32_t v)
{
	sbuf_reset(d);
	put_be(d, v, 4);
}

/* A new value for a subpacket, fitting its type most of the time. */
static void sub_value(struct msub *m, struct fuzz_rng *r)
{
	int t = m->type & 0x7f;
	uint8_t b;

	keys_init();
	switch (fuzz_below(r, 8) ? t : -1) {
	case 2: case 3: case 9:		/* times and expirations */
		set_be32(&m->d, fuzz_interesting32(r));
		break;
	case 27:			/* key flags */
		b = (uint8_t)fuzz_rand(r);
		sbuf_reset(&m->d);
		sbuf_addc(&m->d, (char)(fuzz_below(r, 2) ? (b & 0x03) : b));
		break;
	case 33:			/* issuer fingerprint */
		sbuf_reset(&m->d);
		sbuf_addc(&m->d, (char)(fuzz_below(r, 8) ? 4 : fuzz_below(r, 7)));
		sbuf_add(&m->d, keys[fuzz_below(r, 2)].fpr, 20);
		if (fuzz_below(r, 4) == 0)
			m->d.buf[1 + fuzz_below(r, 20)] ^= (char)(1 + fuzz_below(r, 255));
		break;
	case 16:			/* issuer key ID */
		sbuf_reset(&m->d);
		sbuf_add(&m->d, keys[fuzz_below(r, 2)].fpr + 12, 8);
		if (fuzz_below(r, 4) == 0)
			m->d.buf[fuzz_below(r, 8)] ^= 1;
		break;
	default: {
		size_t n = m->d.len, max = n + 16;

		sbuf_grow(&m->d, 16);
		m->d.len = LLVMFuzzerMutate((uint8_t *)m->d.buf, n, max);
		break;
	}
	}
}

static void mutate_subs(struct msig *s, struct fuzz_rng *r)
{
	size_t i = s->nsub ? fuzz_below(r, (uint32_t)s->nsub) : 0;

	switch (fuzz_below(r, 7)) {
	case 0:		/* a new subpacket, hashed or not */
	{
		struct msub *m;
		int hashed = fuzz_below(r, 3) != 0;
		size_t at = hashed ? fuzz_below(r, (uint32_t)s->nhashed + 1)
				   : s->nhashed + fuzz_below(r, (uint32_t)(s->nsub - s->nhashed) + 1);

		msub_add(s, at, PICK(r, sub_types), "\0\0\0\0", 4);
		if (hashed)
			s->nhashed++;
		m = &s->sub[at];
		sub_value(m, r);
		break;
	}
	case 1:		/* drop one */
		if (!s->nsub)
			break;
		sbuf_free(&s->sub[i].d);
		memmove(s->sub + i, s->sub + i + 1, (s->nsub - i - 1) * sizeof(*s->sub));
		s->nsub--;
		if (i < s->nhashed)
			s->nhashed--;
		break;
	case 2:		/* duplicate one (a second creation time, issuer, ...) */
		if (!s->nsub)
			break;
		msub_add(s, i + 1, s->sub[i].type, s->sub[i].d.buf, s->sub[i].d.len);
		if (i < s->nhashed)
			s->nhashed++;
		break;
	case 3:		/* move the border between hashed and unhashed */
		s->nhashed = fuzz_below(r, (uint32_t)s->nsub + 1);
		break;
	case 4:		/* the critical bit */
		if (s->nsub)
			s->sub[i].type ^= 0x80;
		break;
	case 5:		/* retype */
		if (s->nsub)
			s->sub[i].type = (s->sub[i].type & 0x80) | PICK(r, sub_types);
		break;
	default:	/* a value */
		if (s->nsub) {
			struct msub *m = &s->sub[i];

			if ((m->type & 0x7f) == 32 && fuzz_below(r, 2)) {
				struct msig e;

				/* The embedded signature's own fields. */
				if (msig_parse(&e, (uint8_t *)m->d.buf, m->d.len) == 0) {
					struct sbuf h = SBUF_INIT;

					e.type = fuzz_below(r, 2) ? 0x19 : PICK(r, sig_types);
					if (fuzz_below(r, 2))
						mutate_subs(&e, r);
					msig_hashed(&h, &e, r);
					sbuf_reset(&m->d);
					msig_write(&m->d, &e, &h, r);
					sbuf_free(&h);
					msig_free(&e);
				}
			} else {
				sub_value(m, r);
			}
		}
	}
}

static void mutate_sig(struct sbuf *body, struct fuzz_rng *r)
{
	struct msig s;
	struct sbuf h = SBUF_INIT;

	if (msig_parse(&s, (uint8_t *)body->buf, body->len) < 0)
		return;
	switch (fuzz_below(r, 8)) {
	case 0:
		s.type = PICK(r, sig_types);
		break;
	case 1:
		s.h = PICK(r, hash_algos);
		break;
	case 2:
		s.pk = PICK(r, pk_algos);
		break;
	case 3:			/* the MPIs */
	{
		size_t n = s.rest.len;

		sbuf_grow(&s.rest, 8);
		s.rest.len = LLVMFuzzerMutate((uint8_t *)s.rest.buf, n, n + 8);
		break;
	}
	default:
		for (uint32_t k = 1 + fuzz_below(r, 3); k > 0; k--)
			mutate_subs(&s, r);
	}
	msig_hashed(&h, &s, r);
	sbuf_reset(body);
	msig_write(body, &s, &h, r);
	sbuf_free(&h);
	msig_free(&s);
}

/* Key packets: version, creation time, algorithm, curve OID, MPI bit counts. */
static void mutate_key(struct sbuf *body, struct fuzz_rng *r)
{
	uint8_t *b = (uint8_t *)body->buf;
	uint32_t t;

	if (body->len < 6)
		return;
	switch (fuzz_below(r, 6)) {
	case 0:
		b[0] = (uint8_t)(fuzz_below(r, 2) ? 3 + fuzz_below(r, 4) : fuzz_rand(r));
		break;
	case 1:
		t = fuzz_interesting32(r);
		for (int i = 0; i < 4; i++)
			b[1 + i] = (uint8_t)(t >> (24 - 8 * i));
		break;
	case 2:
		b[5] = PICK(r, pk_algos);
		break;
	case 3:			/* the OID length (EdDSA, ECDH, ECDSA) */
		if (body->len > 6)
			b[6] = (uint8_t)(fuzz_below(r, 2) ? b[6] + fuzz_below(r, 3) - 1 : fuzz_rand(r));
		break;
	case 4:			/* an MPI's bit count, where the first one starts */
	{
		size_t off = b[5] == 22 || b[5] == 18 || b[5] == 19 ? 7 + (size_t)b[6] : 6;

		if (off + 2 <= body->len) {
			uint32_t bits = fuzz_below(r, 2) ? (uint32_t)(b[off] << 8 | b[off + 1]) +
				fuzz_below(r, 17) - 8 : fuzz_rand(r);

			b[off] = (uint8_t)(bits >> 8);
			b[off + 1] = (uint8_t)bits;
		}
		break;
	}
	default:
	{
		size_t n = body->len;

		sbuf_grow(body, 32);
		body->len = LLVMFuzzerMutate((uint8_t *)body->buf, n, n + 32);
	}
	}
}

static void mutate_structure(struct mpkts *ps, struct fuzz_rng *r)
{
	size_t i = fuzz_below(r, (uint32_t)ps->n), j = fuzz_below(r, (uint32_t)ps->n);
	static const uint8_t tags[] = { 2, 5, 6, 7, 10, 12, 13, 14, 17, 1, 3, 8, 11, 60 };

	keys_init();
	switch (fuzz_below(r, 7)) {
	case 0:
		if (ps->n > 1)
			pkts_remove(ps, i);
		break;
	case 1:
		pkts_insert(ps, j, ps->v[i].tag, ps->v[i].body.buf, ps->v[i].body.len);
		break;
	case 2:
	{
		struct mpkt t = ps->v[i];

		ps->v[i] = ps->v[j];
		ps->v[j] = t;
		break;
	}
	case 3:
		ps->v[i].tag = PICK(r, tags);
		break;
	case 4:			/* one of our keys, as primary or subkey */
	{
		int k = (int)fuzz_below(r, 2);

		pkts_insert(ps, j, fuzz_below(r, 2) ? 6 : 14, keys[k].body.buf, keys[k].body.len);
		break;
	}
	case 5:			/* a User ID */
		pkts_insert(ps, j, 13, "Fuzz <fuzz@example.org>", 23);
		break;
	default:		/* a copy of a signature of ours, retyped */
	{
		struct sbuf s = SBUF_INIT;
		struct msig m;

		pgpmut_sign_data(&s, (int)fuzz_below(r, 2), "", 0, 0, PGPMUT_CREATED);
		/* the body starts after a two-octet header */
		if (msig_parse(&m, (uint8_t *)s.buf + 2, s.len - 2) == 0) {
			struct sbuf h = SBUF_INIT, body = SBUF_INIT;

			m.type = PICK(r, sig_types);
			msig_hashed(&h, &m, NULL);
			msig_write(&body, &m, &h, NULL);
			pkts_insert(ps, j, 2, body.buf, body.len);
			sbuf_free(&h);
			sbuf_free(&body);
			msig_free(&m);
		}
		sbuf_free(&s);
	}
	}
}

int pgpmut_mutate_packets(struct sbuf *b, struct fuzz_rng *r, const void *data, size_t len)
{
	struct mpkts ps;
	uint32_t rounds = 1 + fuzz_below(r, 3);

	if (pkts_parse((uint8_t *)b->buf, b->len, &ps) < 0 || !ps.n)
		return -1;
	while (rounds-- > 0) {
		struct mpkt *m = &ps.v[fuzz_below(r, (uint32_t)ps.n)];
		uint32_t what = fuzz_below(r, 8);

		if (what == 0) {
			mutate_structure(&ps, r);
		} else if (what == 1) {
			size_t n = m->body.len;

			sbuf_grow(&m->body, 64);
			m->body.len = LLVMFuzzerMutate((uint8_t *)m->body.buf, n, n + 64);
		} else if (m->tag == 2) {
			mutate_sig(&m->body, r);
		} else if (m->tag == 5 || m->tag == 6 || m->tag == 7 || m->tag == 14) {
			mutate_key(&m->body, r);
		} else if (m->tag == 13) {
			size_t n = m->body.len;

			sbuf_grow(&m->body, 64);
			m->body.len = LLVMFuzzerMutate((uint8_t *)m->body.buf, n, n + 64);
		} else {
			mutate_structure(&ps, r);
		}
		if (!ps.n)
			break;
	}
	/* Mostly valid signatures, sometimes the mutation's broken ones. */
	if (fuzz_below(r, 8))
		resign_all(&ps, data, len, r);
	sbuf_reset(b);
	for (size_t i = 0; i < ps.n; i++)
		pkt_write(b, &ps.v[i], r);
	pkts_free(&ps);
	return 0;
}

int pgpmut_resign(struct sbuf *b, const void *data, size_t len)
{
	struct mpkts ps;

	if (pkts_parse((uint8_t *)b->buf, b->len, &ps) < 0)
		return -1;
	resign_all(&ps, data, len, NULL);
	sbuf_reset(b);
	for (size_t i = 0; i < ps.n; i++)
		pkt_write(b, &ps.v[i], NULL);
	pkts_free(&ps);
	return 0;
}

size_t pgpmut_mutate(uint8_t *buf, size_t size, size_t max, unsigned seed, const void *data,
		     size_t len)
{
	struct fuzz_rng r;
	struct sbuf b = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err;
	char kind[64] = "";
	int armored = pgp_is_armored(buf, size);
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	if (armored) {
		size_t pos = 0;

		if (pgp_dearmor_next((const char *)buf, size, &pos, kind, &b, "m", &err) != 1)
			goto out;
	} else {
		sbuf_add(&b, buf, size);
	}
	if (pgpmut_mutate_packets(&b, &r, data, len) < 0)
		goto out;
	/* Armored input stays armored most of the time; binary may become armored. */
	if (!kind[0]) {	/* what the first packet makes it */
		int c = b.len ? (uint8_t)b.buf[0] : 0, tag = c & 0x40 ? c & 0x3f : (c >> 2) & 0xf;

		strcpy(kind, tag == 5 ? "PRIVATE KEY BLOCK" : tag == 2 ? "SIGNATURE" :
		       "PUBLIC KEY BLOCK");
	}
	if (armored ? fuzz_below(&r, 8) != 0 : fuzz_below(&r, 16) == 0)
		pgp_armor(b.buf, b.len, kind, &out);
	else
		sbuf_add(&out, b.buf, b.len);
	n = fuzz_emit(buf, max, &out);
out:
	sbuf_free(&b);
	sbuf_free(&out);
	return n;
}

/* ---- the fixed certificate and signatures ---- */

static void sub(struct sbuf *h, int type, const void *d, size_t n)
{
	if (n + 1 >= 192)
		abort();	/* every subpacket made here is short */
	sbuf_addc(h, (char)(n + 1));
	sbuf_addc(h, (char)type);
	sbuf_add(h, d, n);
}

/* A signature body of type t by key with subpackets extra, over c. */
static void make_sig(struct sbuf *body, int key, int t, int64_t when, const struct sbuf *extra,
		     const struct covered *c)
{
	struct sbuf h = SBUF_INIT, sp = SBUF_INIT;
	uint8_t tb[4], fp[21], dig[64], trailer[6] = { 4, 0xff };
	unsigned dlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	for (int i = 0; i < 4; i++)
		tb[i] = (uint8_t)((uint64_t)when >> (24 - 8 * i));
	sub(&sp, 2, tb, 4);
	fp[0] = 4;
	memcpy(fp + 1, keys[key].fpr, 20);
	sub(&sp, 33, fp, 21);
	if (extra)
		sbuf_add(&sp, extra->buf, extra->len);
	sbuf_addc(&h, 4);
	sbuf_addc(&h, (char)t);
	sbuf_addc(&h, 22);
	sbuf_addc(&h, 10);
	put_be(&h, sp.len, 2);
	sbuf_add(&h, sp.buf, sp.len);
	for (int i = 0; i < 4; i++)
		trailer[2 + i] = (uint8_t)(h.len >> (24 - 8 * i));
	if (!md || !EVP_DigestInit_ex(md, EVP_sha512(), NULL) || !feed_covered(md, t, c))
		abort();
	EVP_DigestUpdate(md, h.buf, h.len);
	EVP_DigestUpdate(md, trailer, sizeof(trailer));
	EVP_DigestFinal_ex(md, dig, &dlen);
	EVP_MD_CTX_free(md);
	sbuf_add(body, h.buf, h.len);
	put_be(body, 10, 2);		/* unhashed: the issuer key ID subpacket */
	sbuf_addc(body, 9);
	sbuf_addc(body, 16);
	sbuf_add(body, keys[key].fpr + 12, 8);
	{
		struct sbuf rest = SBUF_INIT;

		sign_digest(&rest, key, dig, dlen);
		sbuf_add(body, rest.buf, rest.len);
		sbuf_free(&rest);
	}
	sbuf_free(&h);
	sbuf_free(&sp);
}

static void put_packet(struct sbuf *out, int tag, const struct sbuf *body)
{
	struct mpkt m = { tag, *body };

	pkt_write(out, &m, NULL);
}

void pgpmut_sign_data(struct sbuf *out, int key, const void *data, size_t len, int type,
		      int64_t t)
{
	struct covered c = { 0 };
	struct sbuf body = SBUF_INIT;

	keys_init();
	c.data = data;
	c.len = len;
	c.have_data = 1;
	make_sig(&body, key, type, t, NULL, &c);
	put_packet(out, 2, &body);
	sbuf_free(&body);
}

static const char fuzz_uid[] = "pgbundle fuzz <fuzz@example.org>";

static void cert_parts(struct sbuf *out, int secret)
{
	struct sbuf uid = SBUF_INIT, sig = SBUF_INIT, x = SBUF_INIT, sk = SBUF_INIT;
	struct covered c = { 0 };
	const uint8_t flags = 0x03;

	keys_init();
	sbuf_adds(&uid, fuzz_uid);
	if (secret) {
		uint16_t sum = 0;
		struct sbuf mpi = SBUF_INIT;

		sbuf_add(&sk, keys[0].body.buf, keys[0].body.len);
		sbuf_addc(&sk, 0);	/* S2K usage 0: unprotected */
		put_mpi(&mpi, keys[0].seed, 32);
		for (size_t i = 0; i < mpi.len; i++)
			sum = (uint16_t)(sum + (uint8_t)mpi.buf[i]);
		sbuf_add(&sk, mpi.buf, mpi.len);
		put_be(&sk, sum, 2);
		put_packet(out, 5, &sk);
		sbuf_free(&mpi);
	} else {
		put_packet(out, 6, &keys[0].body);
	}
	put_packet(out, 13, &uid);
	c.primary = &keys[0].body;
	c.uid = &uid;
	c.uid_prefix = 0xb4;
	sub(&x, 27, &flags, 1);
	make_sig(&sig, PGPMUT_K1, 0x13, PGPMUT_CREATED, &x, &c);
	put_packet(out, 2, &sig);
	if (!secret) {
		struct sbuf back = SBUF_INIT;
		const uint8_t sflags = 0x02;

		put_packet(out, 14, &keys[1].body);
		c.uid = NULL;
		c.sub = &keys[1].body;
		make_sig(&back, PGPMUT_K2, 0x19, PGPMUT_CREATED, NULL, &c);
		sbuf_reset(&x);
		sub(&x, 27, &sflags, 1);
		/* the embedded back-signature, hashed as gpg writes it */
		sub(&x, 32, back.buf, back.len);
		sbuf_reset(&sig);
		make_sig(&sig, PGPMUT_K1, 0x18, PGPMUT_CREATED, &x, &c);
		put_packet(out, 2, &sig);
		sbuf_free(&back);
	}
	sbuf_free(&uid);
	sbuf_free(&sig);
	sbuf_free(&x);
	sbuf_free(&sk);
}

void pgpmut_cert(struct sbuf *out)
{
	cert_parts(out, 0);
}

void pgpmut_seckey(struct sbuf *out)
{
	cert_parts(out, 1);
}

/* ---- the verify harnesses' keyring ---- */

static void add_keys(struct pgp_keyring *kr, const char *path)
{
	struct pgb_err err;

	if (pgp_keyring_add_file(kr, path, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
}

struct pgp_keyring *pgpmut_verify_keyring(void)
{
	static const char *const seeds[] = {
		"gpg-ed25519-subkeys.asc", "gpg-rsa2048.gpg", "gpg-revoked.gpg", "gpg-expired.gpg",
		NULL
	};
	struct pgp_keyring *kr;
	struct sbuf cert = SBUF_INIT;
	struct pgb_err err;

	pgpmut_cert(&cert);
	if (pgp_keyring_load_mem(&kr, cert.buf, cert.len, "pgpmut", &err) < 0)
		abort();
	sbuf_free(&cert);
	add_keys(kr, "/usr/share/keyrings/debian-archive-keyring.gpg");
	for (size_t i = 0; seeds[i]; i++) {
		char *p = xasprintf("%s/corpus/pgp_keyring/%s", fuzz_srcdir(), seeds[i]);

		add_keys(kr, p);
		free(p);
	}
	return kr;
}
