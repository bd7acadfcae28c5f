/*
 * pgp_packet.c - OpenPGP packet framing, MPIs, v4 key and signature packets,
 * and checking a signature's digest against a key with OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "pgp_int.h"

const uint8_t pgp_oid_ed25519[9] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 };

/* OpenSSL's own ceiling for RSA moduli; larger ones are refused as unsupported. */
#define PGP_RSA_MAX_BYTES (16384 / 8)

uint32_t pgp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void pgp_put_be(struct sbuf *out, uint64_t v, int bytes)
{
	while (bytes-- > 0)
		sbuf_addc(out, (char)(v >> (8 * bytes) & 0xff));
}

void pgp_reader_init(struct pgp_reader *r, const void *buf, size_t len, const char *what)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->what = what;
}

static int bad_header(struct pgp_reader *r, const char *why, struct pgb_err *err)
{
	return pgb_fail(err, "%s: malformed OpenPGP data at byte %zu: %s", r->what, r->off, why);
}

/* Body length of a new-format header at p (avail bytes); sets *hl to the octets used. */
static int new_len(const uint8_t *p, size_t avail, size_t *hl, size_t *blen)
{
	if (avail < 1)
		return -1;
	if (p[0] < 192) {
		*hl = 1;
		*blen = p[0];
	} else if (p[0] < 224) {
		if (avail < 2)
			return -1;
		*hl = 2;
		*blen = ((size_t)(p[0] - 192) << 8) + p[1] + 192;
	} else if (p[0] == 255) {
		if (avail < 5)
			return -1;
		*hl = 5;
		*blen = pgp_get_be32(p + 1);
	} else {
		return 1;	/* partial body length */
	}
	return 0;
}

static int old_len(const uint8_t *p, size_t avail, int ltype, size_t *hl, size_t *blen)
{
	static const size_t sizes[3] = { 1, 2, 4 };

	if (ltype == 3) {	/* indeterminate: the packet runs to the end */
		*hl = 0;
		*blen = avail;
		return 0;
	}
	*hl = sizes[ltype];
	if (avail < *hl)
		return -1;
	*blen = 0;
	for (size_t i = 0; i < *hl; i++)
		*blen = *blen << 8 | p[i];
	return 0;
}

int pgp_read_packet(struct pgp_reader *r, struct pgp_packet *pkt, struct pgb_err *err)
{
	const uint8_t *p = r->buf + r->off;
	size_t avail = r->len - r->off, hl, blen;
	int rc;

	if (avail == 0)
		return 0;
	if (!(p[0] & 0x80))
		return bad_header(r, "not a packet header (is it OpenPGP data at all?)", err);
	if (p[0] & 0x40) {
		pkt->tag = p[0] & 0x3f;
		rc = new_len(p + 1, avail - 1, &hl, &blen);
	} else {
		pkt->tag = (p[0] >> 2) & 0x0f;
		rc = old_len(p + 1, avail - 1, p[0] & 3, &hl, &blen);
	}
	if (rc > 0)
		return bad_header(r, "partial body length, not allowed in keys or signatures", err);
	if (rc < 0)
		return bad_header(r, "truncated packet header", err);
	if (pkt->tag == 0)
		return bad_header(r, "reserved packet tag 0", err);
	if (blen > avail - 1 - hl)
		return bad_header(r, "packet length runs past the end of the data (truncated?)", err);
	pkt->body = p + 1 + hl;
	pkt->len = blen;
	r->off += 1 + hl + blen;
	return 1;
}

void pgp_put_packet(struct sbuf *out, int tag, const void *body, size_t len)
{
	sbuf_addc(out, (char)(0xc0 | tag));
	if (len < 192) {
		sbuf_addc(out, (char)len);
	} else if (len < 8384) {
		sbuf_addc(out, (char)(((len - 192) >> 8) + 192));
		sbuf_addc(out, (char)((len - 192) & 0xff));
	} else {
		sbuf_addc(out, (char)0xff);
		pgp_put_be(out, len, 4);
	}
	sbuf_add(out, body, len);
}

void pgp_put_mpi(struct sbuf *out, const uint8_t *num, size_t len)
{
	unsigned bits;

	while (len > 0 && num[0] == 0)
		num++, len--;
	bits = (unsigned)(len * 8);
	if (len) {
		for (uint8_t top = num[0]; !(top & 0x80); top <<= 1)
			bits--;
	}
	pgp_put_be(out, bits, 2);
	sbuf_add(out, num, len);
}

int pgp_get_mpi(const uint8_t *p, size_t len, size_t *off, const uint8_t **num, size_t *nlen)
{
	size_t bytes;

	if (len < 2 || *off > len - 2)
		return -1;
	bytes = (((size_t)p[*off] << 8 | p[*off + 1]) + 7) / 8;
	*off += 2;
	if (bytes > len - *off)
		return -1;
	*num = p + *off;
	*nlen = bytes;
	*off += bytes;
	while (*nlen > 0 && **num == 0)
		(*num)++, (*nlen)--;
	return 0;
}

void pgp_fpr_hex(const uint8_t fpr[20], char hex[41])
{
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02X", fpr[i]);
}

void pgp_keyid_hex(const uint8_t id[8], char hex[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02X", id[i]);
}

void pgp_hash_keybody(EVP_MD_CTX *md, const uint8_t *body, size_t len)
{
	uint8_t hdr[3] = { 0x99, (uint8_t)(len >> 8), (uint8_t)len };

	EVP_DigestUpdate(md, hdr, sizeof(hdr));
	EVP_DigestUpdate(md, body, len);
}

void pgp_hash_component(EVP_MD_CTX *md, int prefix, const uint8_t *data, size_t len)
{
	uint8_t hdr[5] = { (uint8_t)prefix, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 8), (uint8_t)len };

	if (prefix == 0x99) {
		pgp_hash_keybody(md, data, len);
		return;
	}
	EVP_DigestUpdate(md, hdr, sizeof(hdr));
	EVP_DigestUpdate(md, data, len);
}

static EVP_PKEY *rsa_pkey(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	if (bld && bn && be && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return pkey;
}

static int parse_rsa(struct pgp_key *k, const uint8_t *b, size_t len, size_t *off)
{
	const uint8_t *n, *e;
	size_t nlen, elen;

	if (pgp_get_mpi(b, len, off, &n, &nlen) < 0 || pgp_get_mpi(b, len, off, &e, &elen) < 0)
		return -1;
	if (k->algo == PGP_PK_RSA_E || nlen == 0 || nlen > PGP_RSA_MAX_BYTES || elen == 0 ||
	    elen > 64)
		return 0;
	k->pkey = rsa_pkey(n, nlen, e, elen);
	k->bits = k->pkey ? EVP_PKEY_get_bits(k->pkey) : 0;
	return 0;
}

/* Curve OID then the point MPI, as EdDSA, ECDSA and ECDH keys start. */
static int parse_ec(struct pgp_key *k, const uint8_t *b, size_t len, size_t *off)
{
	const uint8_t *oid, *pt;
	size_t oidlen, ptlen;

	if (*off >= len)
		return -1;
	oidlen = b[(*off)++];
	if (oidlen == 0 || oidlen == 0xff || oidlen > len - *off)
		return -1;
	oid = b + *off;
	*off += oidlen;
	if (pgp_get_mpi(b, len, off, &pt, &ptlen) < 0)
		return -1;
	if (k->algo == PGP_PK_EDDSA && oidlen == sizeof(pgp_oid_ed25519) &&
	    !memcmp(oid, pgp_oid_ed25519, oidlen) && ptlen == 33 && pt[0] == 0x40) {
		k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt + 1, 32);
		k->bits = 256;
		ERR_clear_error();
	}
	return 0;
}

static int skip_mpis(const uint8_t *b, size_t len, size_t *off, int n)
{
	const uint8_t *num;
	size_t nlen;

	while (n-- > 0)
		if (pgp_get_mpi(b, len, off, &num, &nlen) < 0)
			return -1;
	return 0;
}

/* The algorithm-specific public material; *off ends past it. */
static int parse_material(struct pgp_key *k, const uint8_t *b, size_t len, size_t *off)
{
	switch (k->algo) {
	case PGP_PK_RSA:
	case PGP_PK_RSA_E:
	case PGP_PK_RSA_S:
		return parse_rsa(k, b, len, off);
	case PGP_PK_EDDSA:
	case 19:		/* ECDSA */
		return parse_ec(k, b, len, off);
	case 18:		/* ECDH: KDF parameters follow the point */
		if (parse_ec(k, b, len, off) < 0 || *off >= len || b[*off] > len - *off - 1)
			return -1;
		*off += 1 + b[*off];
		return 0;
	case 16:		/* Elgamal */
		return skip_mpis(b, len, off, 3);
	case 17:		/* DSA */
		return skip_mpis(b, len, off, 4);
	default:		/* unknown: only a public key packet can carry it, whole */
		*off = len;
		return 0;
	}
}

int pgp_key_parse(struct pgp_key *k, const uint8_t *body, size_t len, size_t *used,
		  const char *what, struct pgb_err *err)
{
	size_t off = 6;
	EVP_MD_CTX *md;

	if (len < 1)
		return pgb_fail(err, "%s: empty key packet", what);
	if (body[0] != 4) {
		pgb_fail(err, "%s: version %d key (only v4 keys are supported)", what, body[0]);
		return 1;
	}
	if (len < 6)
		return pgb_fail(err, "%s: truncated key packet", what);
	memset(k, 0, sizeof(*k));
	k->created = pgp_get_be32(body + 1);
	k->algo = body[5];
	if (parse_material(k, body, len, &off) < 0) {
		pgp_key_release(k);
		return pgb_fail(err, "%s: malformed %s key material", what,
				pgp_algo_name(k->algo));
	}
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha1(), NULL)) {
		EVP_MD_CTX_free(md);
		pgp_key_release(k);
		return pgb_fail(err, "%s: SHA-1 for fingerprints is unavailable in OpenSSL", what);
	}
	pgp_hash_keybody(md, body, off);
	EVP_DigestFinal_ex(md, k->fpr, NULL);
	EVP_MD_CTX_free(md);
	*used = off;
	return 0;
}

void pgp_key_release(struct pgp_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

const EVP_MD *pgp_md(int halgo)
{
	switch (halgo) {
	case PGP_H_SHA1:
		return EVP_sha1();
	case PGP_H_SHA224:
		return EVP_sha224();
	case PGP_H_SHA256:
		return EVP_sha256();
	case PGP_H_SHA384:
		return EVP_sha384();
	case PGP_H_SHA512:
		return EVP_sha512();
	default:
		return NULL;	/* MD5 and RIPEMD-160 are never acceptable */
	}
}

const char *pgp_hash_name(int halgo)
{
	switch (halgo) {
	case PGP_H_MD5:
		return "MD5";
	case PGP_H_SHA1:
		return "SHA1";
	case PGP_H_RIPEMD160:
		return "RIPEMD160";
	case PGP_H_SHA224:
		return "SHA224";
	case PGP_H_SHA256:
		return "SHA256";
	case PGP_H_SHA384:
		return "SHA384";
	case PGP_H_SHA512:
		return "SHA512";
	default:
		return "unknown hash";
	}
}

const char *pgp_algo_name(int pkalgo)
{
	switch (pkalgo) {
	case PGP_PK_RSA:
	case PGP_PK_RSA_E:
	case PGP_PK_RSA_S:
		return "RSA";
	case 16:
		return "Elgamal";
	case 17:
		return "DSA";
	case 18:
		return "ECDH";
	case 19:
		return "ECDSA";
	case PGP_PK_EDDSA:
		return "EdDSA";
	default:
		return "unknown-algorithm";
	}
}

/* ---- signatures ---- */

/* Subpacket types whose critical bit we honour (we understand or safely ignore them). */
static int known_subpacket(int type)
{
	static const uint8_t known[] = { 2, 3, 4, 7, 9, 11, 12, 16, 21, 22, 23, 25, 26, 27,
					 28, 29, 30, 32, 33, 34, 39 };

	for (size_t i = 0; i < sizeof(known); i++)
		if (known[i] == type)
			return 1;
	return 0;
}

static int subpacket(struct pgp_sig *s, int type, const uint8_t *d, size_t n, int hashed)
{
	if (type == 16 && n == 8) {	/* issuer key ID: a hint, fine unhashed */
		memcpy(s->issuer_id, d, 8);
		s->has_issuer_id = 1;
	} else if (type == 33 && n >= 1) {	/* issuer fingerprint: a hint too */
		if (d[0] == 4 && n == 21) {
			memcpy(s->issuer_fpr, d + 1, 20);
			s->has_issuer_fpr = 1;
		}
	} else if (type == 32) {
		if (!s->embedded) {
			s->embedded = d;
			s->embedded_len = n;
		}
	} else if (!hashed) {
		return 0;	/* anything else only counts when signed */
	} else if (type == 2 || type == 3 || type == 9) {
		if (n != 4)
			return -1;
		if (type == 2)
			s->created = pgp_get_be32(d);
		else if (type == 3)
			s->sig_expires = pgp_get_be32(d);
		else
			s->key_expires = pgp_get_be32(d);
	} else if (type == 27) {
		if (n >= 1) {
			s->key_flags = d[0];
			s->has_key_flags = 1;
		}
	}
	return 0;
}

/* Subpacket lengths: like packet lengths, but 192..254 are all two-octet forms. */
static int sub_len(const uint8_t *p, size_t avail, size_t *hl, size_t *n)
{
	if (avail >= 1 && p[0] >= 192 && p[0] < 255) {
		if (avail < 2)
			return -1;
		*hl = 2;
		*n = ((size_t)(p[0] - 192) << 8) + p[1] + 192;
		return 0;
	}
	return new_len(p, avail, hl, n);
}

static int subpackets(struct pgp_sig *s, const uint8_t *p, size_t len, int hashed)
{
	size_t off = 0, hl, n;

	while (off < len) {
		int rc = sub_len(p + off, len - off, &hl, &n);

		if (rc != 0 || n == 0 || n > len - off - hl)
			return -1;
		off += hl;
		if (hashed && (p[off] & 0x80) && !known_subpacket(p[off] & 0x7f))
			s->unknown_critical = 1;
		if (subpacket(s, p[off] & 0x7f, p + off + 1, n - 1, hashed) < 0)
			return -1;
		off += n;
	}
	return 0;
}

static int sig_mpis(struct pgp_sig *s, const uint8_t *b, size_t len, size_t off)
{
	int want = s->pkalgo == PGP_PK_EDDSA ? 2 :
		   (s->pkalgo == PGP_PK_RSA || s->pkalgo == PGP_PK_RSA_S) ? 1 : 0;

	if (want == 0)
		return 0;	/* an algorithm we do not verify: its MPIs do not matter */
	for (s->nmpi = 0; s->nmpi < want; s->nmpi++)
		if (pgp_get_mpi(b, len, &off, &s->mpi[s->nmpi], &s->mpi_len[s->nmpi]) < 0)
			return -1;
	return off == len ? 0 : -1;
}

int pgp_sig_parse(struct pgp_sig *s, const uint8_t *body, size_t len, const char *what,
		  struct pgb_err *err)
{
	size_t hlen, ulen, off;

	memset(s, 0, sizeof(*s));
	s->created = -1;
	if (len < 1)
		return pgb_fail(err, "%s: empty signature packet", what);
	s->version = body[0];
	if (s->version != 4) {
		pgb_fail(err, "%s: version %d signature (only v4 signatures are supported)", what,
			 s->version);
		return 1;
	}
	if (len < 6)
		goto bad;
	s->type = body[1];
	s->pkalgo = body[2];
	s->halgo = body[3];
	hlen = (size_t)body[4] << 8 | body[5];
	if (hlen > len - 6 || len - 6 - hlen < 2)
		goto bad;
	s->hashed = body;
	s->hashed_len = 6 + hlen;
	off = 6 + hlen;
	ulen = (size_t)body[off] << 8 | body[off + 1];
	off += 2;
	if (ulen > len - off || len - off - ulen < 2)
		goto bad;
	if (subpackets(s, body + 6, hlen, 1) < 0 || subpackets(s, body + off, ulen, 0) < 0)
		goto bad;
	off += ulen;
	memcpy(s->left16, body + off, 2);
	if (sig_mpis(s, body, len, off + 2) < 0)
		goto bad;
	return 0;
bad:
	return pgb_fail(err, "%s: malformed signature packet", what);
}

EVP_MD_CTX *pgp_md_begin(int halgo)
{
	const EVP_MD *type = pgp_md(halgo);
	EVP_MD_CTX *md;

	if (!type)
		return NULL;
	md = EVP_MD_CTX_new();
	if (md && !EVP_DigestInit_ex(md, type, NULL)) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

static int verify_rsa(const struct pgp_sig *s, const struct pgp_key *k, const uint8_t *dig,
		      size_t dlen)
{
	size_t size = (size_t)EVP_PKEY_get_size(k->pkey);
	uint8_t *sig;
	EVP_PKEY_CTX *ctx;
	int ok = 0;

	if (s->nmpi != 1 || s->mpi_len[0] > size)
		return 0;
	/* The MPI dropped leading zeros; PKCS#1 wants exactly the modulus length. */
	sig = xcalloc(1, size);
	memcpy(sig + size - s->mpi_len[0], s->mpi[0], s->mpi_len[0]);
	ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	if (ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, pgp_md(s->halgo)) > 0)
		ok = EVP_PKEY_verify(ctx, sig, size, dig, dlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	free(sig);
	return ok;
}

static int verify_ed25519(const struct pgp_sig *s, const struct pgp_key *k, const uint8_t *dig,
			  size_t dlen)
{
	uint8_t sig[64] = { 0 };
	EVP_MD_CTX *ctx;
	int ok = 0;

	if (s->nmpi != 2 || s->mpi_len[0] > 32 || s->mpi_len[1] > 32)
		return 0;
	/* Legacy EdDSA stores R and S as MPIs: restore the fixed 32-byte halves. */
	memcpy(sig + 32 - s->mpi_len[0], s->mpi[0], s->mpi_len[0]);
	memcpy(sig + 64 - s->mpi_len[1], s->mpi[1], s->mpi_len[1]);
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) > 0)
		ok = EVP_DigestVerify(ctx, sig, sizeof(sig), dig, dlen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int pgp_sig_hash_verify(EVP_MD_CTX *md, const struct pgp_sig *s, const struct pgp_key *k)
{
	uint8_t dig[EVP_MAX_MD_SIZE], trailer[6] = { 4, 0xff };
	unsigned dlen = 0;
	int ok = 0, rsa_key = k->algo == PGP_PK_RSA || k->algo == PGP_PK_RSA_S;

	trailer[2] = (uint8_t)(s->hashed_len >> 24);
	trailer[3] = (uint8_t)(s->hashed_len >> 16);
	trailer[4] = (uint8_t)(s->hashed_len >> 8);
	trailer[5] = (uint8_t)s->hashed_len;
	EVP_DigestUpdate(md, s->hashed, s->hashed_len);
	EVP_DigestUpdate(md, trailer, sizeof(trailer));
	EVP_DigestFinal_ex(md, dig, &dlen);
	EVP_MD_CTX_free(md);
	if (!k->pkey || dlen < 2 || memcmp(dig, s->left16, 2))
		return 0;
	if (rsa_key && (s->pkalgo == PGP_PK_RSA || s->pkalgo == PGP_PK_RSA_S))
		ok = verify_rsa(s, k, dig, dlen);
	else if (k->algo == PGP_PK_EDDSA && s->pkalgo == PGP_PK_EDDSA)
		ok = verify_ed25519(s, k, dig, dlen);
	ERR_clear_error();
	return ok;
}

int pgp_sig_names_key(const struct pgp_sig *s, const struct pgp_key *k)
{
	if (s->has_issuer_fpr)
		return !memcmp(s->issuer_fpr, k->fpr, 20);
	if (s->has_issuer_id)
		return !memcmp(s->issuer_id, k->fpr + 12, 8);
	return 0;
}
