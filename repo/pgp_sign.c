/*
 * pgp_sign.c - the bundle key (Ed25519, legacy EdDSA) and the signatures it
 * makes: self-signature, cleartext InRelease, detached signatures.
 *
 * Every signature is v4, SHA-512, with the hashed subpackets strict verifiers
 * (sqv) look for: creation time, Issuer Fingerprint, Issuer Key ID.  Nothing
 * random or clock-dependent enters a signature, so equal inputs give equal
 * bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "pgp.h"
#include "pgp_int.h"

struct pgp_seckey {
	EVP_PKEY *priv;
	struct pgp_key pub;
	uint8_t seed[32];
	struct sbuf pubbody;	/* public key packet body */
	struct sbuf uid;
	struct sbuf selfsig;	/* signature packet body */
	int64_t selfsig_time;	/* its creation time */
};

#define S2K_UNPROTECTED 0

static void seckey_wipe(struct pgp_seckey *k)
{
	OPENSSL_cleanse(k->seed, sizeof(k->seed));
	EVP_PKEY_free(k->priv);
	pgp_key_release(&k->pub);
	sbuf_free(&k->pubbody);
	sbuf_free(&k->uid);
	sbuf_free(&k->selfsig);
}

void pgp_seckey_free(struct pgp_seckey *k)
{
	if (!k)
		return;
	seckey_wipe(k);
	free(k);
}

void pgp_seckey_fingerprint(const struct pgp_seckey *k, char fpr[41])
{
	pgp_fpr_hex(k->pub.fpr, fpr);
}

int64_t pgp_seckey_created(const struct pgp_seckey *k)
{
	return k->pub.created;
}

int64_t pgp_seckey_signs_from(const struct pgp_seckey *k)
{
	return k->selfsig_time > k->pub.created ? k->selfsig_time : k->pub.created;
}

static void subpacket(struct sbuf *h, int type, const void *data, size_t len)
{
	sbuf_addc(h, (char)(len + 1));	/* every subpacket here is shorter than 192 */
	sbuf_addc(h, (char)type);
	sbuf_add(h, data, len);
}

/* The OpenPGP id of the hash md computes (pgp_md_begin of SHA-256 or SHA-512). */
static int md_halgo(const EVP_MD_CTX *md)
{
	return EVP_MD_CTX_get_size(md) == 32 ? PGP_H_SHA256 : PGP_H_SHA512;
}

/* Version .. hashed subpackets: creation time, issuer fingerprint, key ID, extras. */
static void hashed_part(struct sbuf *h, const struct pgp_seckey *k, int type, int halgo,
			int64_t t, const struct sbuf *extra)
{
	struct sbuf sp = SBUF_INIT, tb = SBUF_INIT;
	uint8_t fp[21];

	pgp_put_be(&tb, (uint64_t)t, 4);
	subpacket(&sp, 2, tb.buf, 4);
	fp[0] = 4;
	memcpy(fp + 1, k->pub.fpr, 20);
	subpacket(&sp, 33, fp, sizeof(fp));
	subpacket(&sp, 16, k->pub.fpr + 12, 8);
	if (extra)
		sbuf_add(&sp, extra->buf, extra->len);
	sbuf_addc(h, 4);
	sbuf_addc(h, (char)type);
	sbuf_addc(h, PGP_PK_EDDSA);
	sbuf_addc(h, (char)halgo);
	pgp_put_be(h, sp.len, 2);
	sbuf_add(h, sp.buf, sp.len);
	sbuf_free(&sp);
	sbuf_free(&tb);
}

int pgp_sig_finish(const struct pgp_seckey *k, EVP_MD_CTX *md, int type, int64_t t,
		   const struct sbuf *extra, struct sbuf *body, struct pgb_err *err)
{
	struct sbuf h = SBUF_INIT;
	uint8_t dig[EVP_MAX_MD_SIZE], sig[64], trailer[6] = { 4, 0xff };
	size_t siglen = sizeof(sig);
	unsigned diglen = 0;
	EVP_MD_CTX *sctx = EVP_MD_CTX_new();
	int ok;

	if (t < k->pub.created || t > UINT32_MAX) {
		EVP_MD_CTX_free(sctx);
		EVP_MD_CTX_free(md);
		return pgb_fail(err, t < k->pub.created ?
				"signature time %lld is before the key was made (%lld): verifiers "
				"would reject it" : "signature time %lld is outside what OpenPGP can "
				"store (key made %lld)", (long long)t, (long long)k->pub.created);
	}
	hashed_part(&h, k, type, md_halgo(md), t, extra);
	for (int i = 0; i < 4; i++)
		trailer[2 + i] = (uint8_t)(h.len >> (24 - 8 * i));
	EVP_DigestUpdate(md, h.buf, h.len);
	EVP_DigestUpdate(md, trailer, sizeof(trailer));
	ok = EVP_DigestFinal_ex(md, dig, &diglen) && sctx &&
	     EVP_DigestSignInit(sctx, NULL, NULL, NULL, k->priv) > 0 &&
	     EVP_DigestSign(sctx, sig, &siglen, dig, diglen) > 0 && siglen == 64;
	EVP_MD_CTX_free(sctx);
	EVP_MD_CTX_free(md);
	if (!ok) {
		ERR_clear_error();
		sbuf_free(&h);
		return pgb_fail(err, "Ed25519 signing failed in OpenSSL");
	}
	sbuf_add(body, h.buf, h.len);
	pgp_put_be(body, 0, 2);	/* nothing unhashed */
	sbuf_add(body, dig, 2);
	pgp_put_mpi(body, sig, 32);
	pgp_put_mpi(body, sig + 32, 32);
	sbuf_free(&h);
	return 0;
}

/* ---- keys ---- */

static void build_pubbody(struct sbuf *b, int64_t created, const uint8_t pub[32])
{
	uint8_t pt[33];

	pt[0] = 0x40;	/* native point encoding */
	memcpy(pt + 1, pub, 32);
	sbuf_addc(b, 4);
	pgp_put_be(b, (uint64_t)created, 4);
	sbuf_addc(b, PGP_PK_EDDSA);
	sbuf_addc(b, sizeof(pgp_oid_ed25519));
	sbuf_add(b, pgp_oid_ed25519, sizeof(pgp_oid_ed25519));
	pgp_put_mpi(b, pt, sizeof(pt));
}

/* The preferences and flags a self-signature states. */
static void selfsig_extras(struct sbuf *x)
{
	static const uint8_t flags = PGP_KF_CERTIFY | PGP_KF_SIGN, sym[] = { 9, 8, 7 },
			     hashes[] = { PGP_H_SHA512, PGP_H_SHA384, PGP_H_SHA256 },
			     zip[] = { 0 }, features = 0x01, ks = 0x80, primary = 1;

	subpacket(x, 27, &flags, 1);
	subpacket(x, 11, sym, sizeof(sym));
	subpacket(x, 21, hashes, sizeof(hashes));
	subpacket(x, 22, zip, sizeof(zip));
	subpacket(x, 30, &features, 1);
	subpacket(x, 23, &ks, 1);
	subpacket(x, 25, &primary, 1);
}

static int self_sign(struct pgp_seckey *k, struct pgb_err *err)
{
	struct sbuf x = SBUF_INIT;
	EVP_MD_CTX *md = pgp_md_begin(PGP_H_SHA512);
	int rc;

	if (!md)
		return pgb_fail(err, "SHA-512 is unavailable in OpenSSL");
	pgp_hash_keybody(md, (uint8_t *)k->pubbody.buf, k->pubbody.len);
	pgp_hash_component(md, 0xb4, (uint8_t *)k->uid.buf, k->uid.len);
	selfsig_extras(&x);
	k->selfsig_time = k->pub.created;
	rc = pgp_sig_finish(k, md, PGP_SIG_CERT_LAST, k->pub.created, &x, &k->selfsig, err);
	sbuf_free(&x);
	return rc;
}

/* Fill pub and priv from the seed and the public body; checks that they agree. */
static int seckey_keys(struct pgp_seckey *k, const char *what, struct pgb_err *err)
{
	uint8_t raw[32];
	size_t rawlen = sizeof(raw), used;

	if (pgp_key_parse(&k->pub, (uint8_t *)k->pubbody.buf, k->pubbody.len, &used, what, err))
		return -1;
	k->priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
	if (!k->priv || !k->pub.pkey || EVP_PKEY_get_raw_public_key(k->priv, raw, &rawlen) <= 0 ||
	    memcmp(raw, k->pubbody.buf + k->pubbody.len - 32, 32)) {
		ERR_clear_error();
		return pgb_fail(err, "%s: the secret key does not match its public key (damaged "
				"key file?)", what);
	}
	return 0;
}

int pgp_keygen(struct pgp_seckey **out, const char *uid, int64_t created, struct pgb_err *err)
{
	struct pgp_seckey *k;
	EVP_PKEY *gen;
	uint8_t pub[32];
	size_t plen = 32, slen = 32;

	*out = NULL;
	if (!uid || !*uid || strlen(uid) > 1024 || strchr(uid, '\n'))
		return pgb_fail(err, "keygen: the User ID must be one line of 1 to 1024 bytes, "
				"like \"Example Bundle Signing Key <ops@example.org>\"");
	if (created < 0 || created > UINT32_MAX)
		return pgb_fail(err, "keygen: creation time %lld is outside what OpenPGP can "
				"store", (long long)created);
	k = xcalloc(1, sizeof(*k));
	gen = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!gen || EVP_PKEY_get_raw_public_key(gen, pub, &plen) <= 0 ||
	    EVP_PKEY_get_raw_private_key(gen, k->seed, &slen) <= 0) {
		EVP_PKEY_free(gen);
		ERR_clear_error();
		pgp_seckey_free(k);
		return pgb_fail(err, "keygen: OpenSSL could not make an Ed25519 key");
	}
	EVP_PKEY_free(gen);
	build_pubbody(&k->pubbody, created, pub);
	sbuf_adds(&k->uid, uid);
	if (seckey_keys(k, "keygen", err) < 0 || self_sign(k, err) < 0) {
		pgp_seckey_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

static void secret_body(const struct pgp_seckey *k, struct sbuf *b)
{
	size_t start;
	unsigned sum = 0;

	sbuf_add(b, k->pubbody.buf, k->pubbody.len);
	sbuf_addc(b, S2K_UNPROTECTED);
	start = b->len;
	pgp_put_mpi(b, k->seed, sizeof(k->seed));
	for (size_t i = start; i < b->len; i++)
		sum += (uint8_t)b->buf[i];
	pgp_put_be(b, sum & 0xffff, 2);
}

int pgp_seckey_save(const struct pgp_seckey *k, const char *path, struct pgb_err *err)
{
	struct sbuf body = SBUF_INIT, file = SBUF_INIT;
	int rc;

	secret_body(k, &body);
	pgp_put_packet(&file, PGP_TAG_SECKEY, body.buf, body.len);
	pgp_put_packet(&file, PGP_TAG_UID, k->uid.buf, k->uid.len);
	pgp_put_packet(&file, PGP_TAG_SIG, k->selfsig.buf, k->selfsig.len);
	rc = util_write_atomic(path, file.buf, file.len, 0600, err);
	OPENSSL_cleanse(body.buf, body.len);
	OPENSSL_cleanse(file.buf, file.len);
	sbuf_free(&body);
	sbuf_free(&file);
	return rc;
}

int pgp_seckey_export_public(const struct pgp_seckey *k, int armored, struct sbuf *out,
			     struct pgb_err *err)
{
	struct sbuf bin = SBUF_INIT;

	(void)err;
	pgp_put_packet(&bin, PGP_TAG_PUBKEY, k->pubbody.buf, k->pubbody.len);
	pgp_put_packet(&bin, PGP_TAG_UID, k->uid.buf, k->uid.len);
	pgp_put_packet(&bin, PGP_TAG_SIG, k->selfsig.buf, k->selfsig.len);
	if (armored)
		pgp_armor(bin.buf, bin.len, "PUBLIC KEY BLOCK", out);
	else
		sbuf_add(out, bin.buf, bin.len);
	sbuf_free(&bin);
	return 0;
}

/* ---- loading ---- */

/* The secret part after the public fields: unprotected, one MPI, checksum. */
static int parse_secret(struct pgp_seckey *k, const uint8_t *b, size_t len, size_t off,
			const char *what, struct pgb_err *err)
{
	const uint8_t *num;
	size_t nlen, start;
	unsigned sum = 0;

	if (off >= len)
		return pgb_fail(err, "%s: truncated secret key packet", what);
	if (b[off] != S2K_UNPROTECTED)
		return pgb_fail(err, "%s: the secret key is protected by a passphrase; pgbundle "
				"needs it unprotected (gpg --export-secret-keys after removing the "
				"passphrase, or make one with `pgbundle keygen`)", what);
	start = ++off;
	if (pgp_get_mpi(b, len, &off, &num, &nlen) < 0 || nlen > 32 || len - off != 2)
		return pgb_fail(err, "%s: malformed Ed25519 secret key", what);
	for (size_t i = start; i < off; i++)
		sum += b[i];
	if ((sum & 0xffff) != ((unsigned)b[off] << 8 | b[off + 1]))
		return pgb_fail(err, "%s: secret key checksum mismatch (damaged key file)", what);
	memcpy(k->seed + 32 - nlen, num, nlen);
	return 0;
}

static int on_seckey_packet(struct pgp_seckey *k, const struct pgp_packet *p, const char *what,
			    struct pgb_err *err)
{
	struct pgp_key probe;
	size_t used;
	int rc;

	if (p->tag == PGP_TAG_PUBKEY)
		return pgb_fail(err, "%s: is a public key, not a secret key (give the secret key "
				"file that `pgbundle keygen` wrote)", what);
	if (p->tag != PGP_TAG_SECKEY)
		return pgb_fail(err, "%s: does not start with a secret key packet (packet type %d)",
				what, p->tag);
	rc = pgp_key_parse(&probe, p->body, p->len, &used, what, err);
	if (rc != 0)
		return -1;
	pgp_key_release(&probe);
	if (probe.algo != PGP_PK_EDDSA || probe.bits != 256)
		return pgb_fail(err, "%s: unsupported key algorithm %s: pgbundle signs with "
				"Ed25519 keys (make one with `pgbundle keygen`)", what,
				pgp_algo_name(probe.algo));
	sbuf_add(&k->pubbody, p->body, used);
	return parse_secret(k, p->body, p->len, used, what, err);
}

/* What loading a key found: the clock it judges by, the newest self-signature
 * kept so far, and why a good self-signature was passed over. */
struct seckey_load {
	int64_t now;
	int64_t best;
	char why[160];
};

static const char *day(int64_t t, char buf[64])
{
	return util_utc(t, "%Y-%m-%d", buf);
}

/*
 * Why a certification that verifies is still no self-signature gpg or sqv
 * would take (so the public key a bundle ships would not verify its
 * signatures there), NULL when it is one.
 */
static const char *selfsig_unfit(const struct pgp_seckey *k, const struct pgp_sig *s,
				 int64_t now, char why[160])
{
	char d1[64], d2[64];

	if (!s->has_issuer_id || memcmp(s->issuer_id, k->pub.fpr + 12, 8))
		return "its self-signature does not name its key by Issuer Key ID (subpacket "
		       "16), and gpg 2.2 (gpgv, apt's verifier on Debian 12) only checks one that "
		       "does";
	if (s->created < k->pub.created)
		snprintf(why, 160, "its self-signature is dated %s, before the key was made on %s",
			 day(s->created, d1), day(k->pub.created, d2));
	else if (s->created > now)
		snprintf(why, 160, "its self-signature is dated %s, after this host's clock (%s)",
			 day(s->created, d1), day(now, d2));
	else
		return NULL;
	return why;
}

/* Keep the newest valid self-certification of the first User ID that has one. */
static void on_uid_sig(struct pgp_seckey *k, const struct pgp_packet *uid,
		       const struct pgp_packet *p, struct seckey_load *l)
{
	struct pgb_err ignored;
	struct pgp_sig s;
	EVP_MD_CTX *md;
	const char *why;
	char buf[160];

	if (pgp_sig_parse(&s, p->body, p->len, "", &ignored) != 0 || s.type < PGP_SIG_CERT_FIRST ||
	    s.type > PGP_SIG_CERT_LAST || s.created < 0 || s.unknown_critical ||
	    s.created < l->best || !(md = pgp_md_begin(s.halgo)))
		return;
	if ((s.has_issuer_fpr || s.has_issuer_id) && !pgp_sig_names_key(&s, &k->pub)) {
		EVP_MD_CTX_free(md);
		return;
	}
	pgp_hash_keybody(md, (uint8_t *)k->pubbody.buf, k->pubbody.len);
	pgp_hash_component(md, 0xb4, uid->body, uid->len);
	if (!pgp_sig_hash_verify(md, &s, &k->pub))
		return;
	if (k->uid.len && (k->uid.len != uid->len || memcmp(k->uid.buf, uid->body, uid->len)))
		return;
	why = selfsig_unfit(k, &s, l->now, buf);
	if (why) {
		snprintf(l->why, sizeof(l->why), "%s", why);
		return;
	}
	l->best = s.created;
	k->selfsig_time = s.created;
	sbuf_reset(&k->uid);
	sbuf_add(&k->uid, uid->body, uid->len);
	sbuf_reset(&k->selfsig);
	sbuf_add(&k->selfsig, p->body, p->len);
}

/* Is p a revocation of the key by itself (0x20)?  It counts wherever it stands. */
static int revokes_self(const struct pgp_seckey *k, const struct pgp_packet *p)
{
	struct pgb_err ignored;
	struct pgp_sig s;
	EVP_MD_CTX *md;

	if (pgp_sig_parse(&s, p->body, p->len, "", &ignored) != 0 || s.type != PGP_SIG_KEY_REV ||
	    s.created < 0 || s.unknown_critical ||
	    ((s.has_issuer_fpr || s.has_issuer_id) && !pgp_sig_names_key(&s, &k->pub)) ||
	    !(md = pgp_md_begin(s.halgo)))
		return 0;
	pgp_hash_keybody(md, (uint8_t *)k->pubbody.buf, k->pubbody.len);
	return pgp_sig_hash_verify(md, &s, &k->pub);
}

static int read_components(struct pgp_seckey *k, struct pgp_reader *r, struct seckey_load *l,
			   struct pgb_err *err)
{
	struct pgp_packet p, uid = { 0, NULL, 0 };
	int rc;

	while ((rc = pgp_read_packet(r, &p, err)) > 0) {
		if (p.tag == PGP_TAG_SECKEY || p.tag == PGP_TAG_PUBKEY)
			break;	/* the next key: only the first one is ours */
		if (p.tag == PGP_TAG_SECSUB || p.tag == PGP_TAG_PUBSUB)
			uid.body = NULL;	/* subkeys and their bindings do not concern us */
		else if (p.tag == PGP_TAG_UID)
			uid = p;
		else if (p.tag == PGP_TAG_SIG && revokes_self(k, &p))
			k->pub.revoked = 1;
		else if (p.tag == PGP_TAG_SIG && uid.body)
			on_uid_sig(k, &uid, &p, l);
	}
	return rc < 0 ? -1 : 0;
}

/* The key's own date, then flags and expiry of the chosen self-signature. */
static int check_selfsig(const struct pgp_seckey *k, const struct seckey_load *l,
			 const char *what, struct pgb_err *err)
{
	struct pgb_err ignored;
	struct pgp_sig s;
	int64_t now = l->now;
	char fpr[41], d1[64], d2[64];

	pgp_fpr_hex(k->pub.fpr, fpr);
	/* Its signatures cannot predate it (pgp_sig_finish), so each would be
	 * dated in this host's future, and gpg and sqv refuse the key until then. */
	if (k->pub.created > now)
		return pgb_fail(err, "%s: key %s was made on %s, after this host's clock (%s): "
				"verifiers refuse it until then; check the clock of this host and "
				"of the host that made the key", what, fpr,
				day(k->pub.created, d1), day(now, d2));
	if (!k->selfsig.len ||
	    pgp_sig_parse(&s, (uint8_t *)k->selfsig.buf, k->selfsig.len, what, &ignored) != 0)
		return pgb_fail(err, "%s: key %s has no User ID with a valid self-signature%s%s%s",
				what, fpr, l->why[0] ? ": " : "", l->why,
				l->why[0] ? "; make a new key with `pgbundle keygen`" : "");
	if (k->pub.revoked)
		return pgb_fail(err, "%s: key %s is revoked (it carries its own revocation "
				"signature) and must not sign again; make a new one with `pgbundle "
				"key rotate`", what, fpr);
	if (s.has_key_flags && !(s.key_flags & PGP_KF_SIGN))
		return pgb_fail(err, "%s: key %s is not allowed to sign (key flags lack \"sign\")",
				what, fpr);
	if (s.key_expires && k->pub.created + s.key_expires <= now)
		return pgb_fail(err, "%s: key %s has expired; make a new one with `pgbundle "
				"key rotate`", what, fpr);
	if (s.sig_expires && s.created + s.sig_expires <= now)
		return pgb_fail(err, "%s: the self-signature of key %s has expired; make a new "
				"key with `pgbundle key rotate`", what, fpr);
	return 0;
}

/* Free a buffer that held secret key material, wiping all of it first. */
static void wipe_free(struct sbuf *b)
{
	if (b->buf)
		OPENSSL_cleanse(b->buf, b->cap);
	sbuf_free(b);
}

/* data as binary packets into bin: dearmored when it is a PRIVATE KEY BLOCK. */
static int seckey_binary(const void *data, size_t len, const char *what, struct sbuf *bin,
			 struct pgb_err *err)
{
	char kind[64];
	size_t pos = 0;
	int rc;

	if (!pgp_is_armored(data, len)) {
		sbuf_add(bin, data, len);
		return 0;
	}
	rc = pgp_dearmor_next(data, len, &pos, kind, bin, what, err);
	if (rc == 0)
		return pgb_fail(err, "%s: no \"-----BEGIN PGP PRIVATE KEY BLOCK-----\" line "
				"(a damaged key file?)", what);
	if (rc < 0)
		return -1;
	if (strcmp(kind, "PRIVATE KEY BLOCK"))
		return pgb_fail(err, "%s: armor holds a %s, not a PRIVATE KEY BLOCK%s", what, kind,
				strcmp(kind, "PUBLIC KEY BLOCK") ? "" :
				" (this is a public key, not a secret key)");
	return 0;
}

int pgp_seckey_load_mem(struct pgp_seckey **out, const void *data, size_t len, const char *what,
			struct pgb_err *err)
{
	struct pgp_seckey *k;
	struct sbuf bin = SBUF_INIT;
	struct pgp_reader r;
	struct pgp_packet p;
	struct seckey_load l = { (int64_t)time(NULL), -1, "" };
	int rc;

	*out = NULL;
	if (len == 0)
		return pgb_fail(err, "%s: empty key file", what);
	if (seckey_binary(data, len, what, &bin, err) < 0) {
		wipe_free(&bin);
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	pgp_reader_init(&r, bin.buf, bin.len, what);
	rc = pgp_read_packet(&r, &p, err);
	if (rc == 0)
		pgb_fail(err, "%s: no OpenPGP packet in it", what);
	if (rc <= 0 || on_seckey_packet(k, &p, what, err) < 0 || seckey_keys(k, what, err) < 0 ||
	    read_components(k, &r, &l, err) < 0 || check_selfsig(k, &l, what, err) < 0)
		rc = -1;
	else
		rc = 0;
	wipe_free(&bin);
	if (rc < 0) {
		pgp_seckey_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

int pgp_seckey_load(struct pgp_seckey **out, const char *path, struct pgb_err *err)
{
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	if (util_read_file(path, &data, &len, err) < 0)
		return -1;
	rc = pgp_seckey_load_mem(out, data, len, path, err);
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

/* ---- signing ---- */

/* Lines of text: a final "\n" ends the last line rather than starting an empty one. */
static int next_text_line(const char *t, size_t len, size_t *pos, const char **s, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*s = t + *pos;
	nl = memchr(*s, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *s) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return 1;
}

static int check_text(const char *t, size_t len, struct pgb_err *err)
{
	size_t pos = 0, n, lineno = 0;
	const char *s;

	while (next_text_line(t, len, &pos, &s, &n)) {
		lineno++;
		if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			return pgb_fail(err, "cannot clearsign: line %zu ends with white space, "
					"which a cleartext signature does not cover", lineno);
	}
	return 0;
}

int pgp_sign_cleartext(const struct pgp_seckey *k, const void *text, size_t len, int64_t sigtime,
		       struct sbuf *out, struct pgb_err *err)
{
	struct sbuf body = SBUF_INIT, pkt = SBUF_INIT, msg = SBUF_INIT;
	EVP_MD_CTX *md;
	size_t pos = 0, n;
	const char *s;
	int rc;

	if (check_text(text, len, err) < 0)
		return -1;
	md = pgp_md_begin(PGP_H_SHA512);
	if (!md)
		return pgb_fail(err, "SHA-512 is unavailable in OpenSSL");
	sbuf_adds(&msg, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n");
	for (int first = 1; next_text_line(text, len, &pos, &s, &n); first = 0) {
		if (!first)
			EVP_DigestUpdate(md, "\r\n", 2);
		EVP_DigestUpdate(md, s, n);
		if (n && s[0] == '-')
			sbuf_adds(&msg, "- ");
		sbuf_add(&msg, s, n);
		sbuf_addc(&msg, '\n');
	}
	rc = pgp_sig_finish(k, md, PGP_SIG_TEXT, sigtime, NULL, &body, err);
	if (rc == 0) {
		pgp_put_packet(&pkt, PGP_TAG_SIG, body.buf, body.len);
		pgp_armor(pkt.buf, pkt.len, "SIGNATURE", &msg);
		sbuf_add(out, msg.buf, msg.len);
	}
	sbuf_free(&body);
	sbuf_free(&pkt);
	sbuf_free(&msg);
	return rc;
}

int pgp_sign_detached(const struct pgp_seckey *k, const void *data, size_t len, int64_t sigtime,
		      int armored, struct sbuf *out, struct pgb_err *err)
{
	struct pgp_sign_stream *s;
	int rc;

	if (pgp_sign_stream_new(&s, k, err) < 0)
		return -1;
	pgp_sign_stream_update(s, data, len);
	rc = pgp_sign_stream_finish(s, sigtime, armored, out, err);
	pgp_sign_stream_free(s);
	return rc;
}
