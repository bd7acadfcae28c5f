/*
 * pgp_stream.c - detached signatures made and checked over data fed in
 * pieces, so that a file of any size is read once with flat memory.
 *
 * Signing keeps the SHA-512 context that pgp_sign.c would fill in one go and
 * finishes it with the same code.  Verifying keeps one digest per hash
 * algorithm the signatures name, then hands the digests to pgp_verify.c,
 * which applies the rules it applies to data in memory.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "pgp.h"
#include "pgp_int.h"

/* ---- signing ---- */

struct pgp_sign_stream {
	const struct pgp_seckey *k;
	EVP_MD_CTX *md;		/* NULL once finished */
};

static int sign_stream_new(struct pgp_sign_stream **out, const struct pgp_seckey *k, int halgo,
			   struct pgb_err *err)
{
	struct pgp_sign_stream *s;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	s->k = k;
	s->md = pgp_md_begin(halgo);
	if (!s->md) {
		free(s);
		ERR_clear_error();
		return pgb_fail(err, "%s is unavailable in OpenSSL", pgp_hash_name(halgo));
	}
	*out = s;
	return 0;
}

int pgp_sign_stream_new(struct pgp_sign_stream **out, const struct pgp_seckey *k,
			struct pgb_err *err)
{
	return sign_stream_new(out, k, PGP_H_SHA512, err);
}

int pgp_sign_stream_new_sha256(struct pgp_sign_stream **out, const struct pgp_seckey *k,
			       struct pgb_err *err)
{
	return sign_stream_new(out, k, PGP_H_SHA256, err);
}

void pgp_sign_stream_update(struct pgp_sign_stream *s, const void *data, size_t len)
{
	if (s->md && len)
		EVP_DigestUpdate(s->md, data, len);
}

int pgp_sign_stream_dup(struct pgp_sign_stream **out, const struct pgp_sign_stream *s,
			struct pgb_err *err)
{
	struct pgp_sign_stream *c;

	*out = NULL;
	if (!s->md)
		return pgb_fail(err, "signing stream already finished: cannot copy it");
	c = xcalloc(1, sizeof(*c));
	c->k = s->k;
	c->md = EVP_MD_CTX_new();
	if (!c->md || !EVP_MD_CTX_copy_ex(c->md, s->md)) {
		EVP_MD_CTX_free(c->md);
		free(c);
		ERR_clear_error();
		return pgb_fail(err, "cannot copy a SHA-512 state in OpenSSL (out of memory?)");
	}
	*out = c;
	return 0;
}

int pgp_sign_stream_finish(struct pgp_sign_stream *s, int64_t sigtime, int armored,
			   struct sbuf *out, struct pgb_err *err)
{
	struct sbuf body = SBUF_INIT, pkt = SBUF_INIT;
	EVP_MD_CTX *md = s->md;
	int rc;

	if (!md)
		return pgb_fail(err, "signing stream already finished");
	s->md = NULL;
	rc = pgp_sig_finish(s->k, md, PGP_SIG_BINARY, sigtime, NULL, &body, err);
	if (rc == 0) {
		pgp_put_packet(&pkt, PGP_TAG_SIG, body.buf, body.len);
		if (armored)
			pgp_armor(pkt.buf, pkt.len, "SIGNATURE", out);
		else
			sbuf_add(out, pkt.buf, pkt.len);
	}
	sbuf_free(&body);
	sbuf_free(&pkt);
	return rc;
}

void pgp_sign_stream_free(struct pgp_sign_stream *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->md);
	free(s);
}

/* ---- verifying ---- */

struct pgp_verify_stream {
	struct sbuf sig;	/* the signature packets, binary */
	char *what;
	struct pgp_digests dg;
};

EVP_MD_CTX *pgp_digests_copy(const struct pgp_digests *dg, int halgo)
{
	EVP_MD_CTX *md;

	if (halgo < 0 || halgo >= PGP_H_SLOTS || !dg->md[halgo])
		return NULL;
	md = EVP_MD_CTX_new();
	if (md && !EVP_MD_CTX_copy_ex(md, dg->md[halgo])) {
		EVP_MD_CTX_free(md);
		ERR_clear_error();
		md = NULL;
	}
	return md;
}

/* Every armored SIGNATURE block of text, decoded into out. */
static int dearmor_all(const char *text, size_t len, struct sbuf *out, const char *what,
		       struct pgb_err *err)
{
	char kind[64];
	size_t pos = 0;
	int rc, blocks = 0;

	while ((rc = pgp_dearmor_next(text, len, &pos, kind, out, what, err)) > 0) {
		if (strcmp(kind, "SIGNATURE"))
			return pgb_fail(err, "%s: armor holds a %s, not a SIGNATURE", what, kind);
		blocks++;
	}
	if (rc < 0)
		return -1;
	return blocks ? 0 : pgb_fail(err, "%s: no signature found", what);
}

/*
 * One digest per hash algorithm: a signature file with many signatures must
 * not make us hash a large file many times over.  Signatures that cannot be
 * used are left for pgp_verify_digests() to name.
 */
static int start_digests(struct pgp_verify_stream *v, struct pgb_err *err)
{
	struct pgp_reader r;
	struct pgp_packet p;
	struct pgp_sig s;
	int rc;

	pgp_reader_init(&r, v->sig.buf, v->sig.len, v->what);
	while ((rc = pgp_read_packet(&r, &p, err)) > 0) {
		const EVP_MD *type;

		if (p.tag != PGP_TAG_SIG)
			continue;
		rc = pgp_sig_parse(&s, p.body, p.len, v->what, err);
		if (rc < 0)
			return -1;
		type = rc == 0 ? pgp_md(s.halgo) : NULL;
		if (!type || s.halgo >= PGP_H_SLOTS || v->dg.md[s.halgo])
			continue;
		v->dg.md[s.halgo] = pgp_md_begin(s.halgo);
		if (!v->dg.md[s.halgo]) {
			ERR_clear_error();
			return pgb_fail(err, "%s: cannot start a %s digest in OpenSSL", v->what,
					pgp_hash_name(s.halgo));
		}
	}
	return rc < 0 ? -1 : 0;
}

int pgp_verify_stream_new(struct pgp_verify_stream **out, const void *sig, size_t sig_len,
			  const char *what, struct pgb_err *err)
{
	struct pgp_verify_stream *v;
	int rc = 0;

	*out = NULL;
	if (sig_len == 0)
		return pgb_fail(err, "%s: empty signature", what);
	v = xcalloc(1, sizeof(*v));
	v->what = xstrdup(what);
	if (pgp_is_armored(sig, sig_len))
		rc = dearmor_all(sig, sig_len, &v->sig, what, err);
	else
		sbuf_add(&v->sig, sig, sig_len);
	if (rc == 0)
		rc = start_digests(v, err);
	if (rc < 0) {
		pgp_verify_stream_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

void pgp_verify_stream_update(struct pgp_verify_stream *v, const void *data, size_t len)
{
	if (!len)
		return;
	for (int i = 0; i < PGP_H_SLOTS; i++)
		if (v->dg.md[i])
			EVP_DigestUpdate(v->dg.md[i], data, len);
}

int pgp_verify_stream_finish_at(const struct pgp_verify_stream *v,
				const struct pgp_keyring *kr, int64_t now,
				struct pgp_sig_info *info, struct pgb_err *err)
{
	return pgp_verify_digests(kr, (const uint8_t *)v->sig.buf, v->sig.len, &v->dg, v->what,
				  now, info, err);
}

int pgp_verify_stream_finish(const struct pgp_verify_stream *v, const struct pgp_keyring *kr,
			     struct pgp_sig_info *info, struct pgb_err *err)
{
	return pgp_verify_stream_finish_at(v, kr, (int64_t)time(NULL), info, err);
}

void pgp_verify_stream_free(struct pgp_verify_stream *v)
{
	if (!v)
		return;
	for (int i = 0; i < PGP_H_SLOTS; i++)
		EVP_MD_CTX_free(v->dg.md[i]);
	sbuf_free(&v->sig);
	free(v->what);
	free(v);
}
