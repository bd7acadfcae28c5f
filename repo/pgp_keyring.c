/*
 * pgp_keyring.c - load transferable public keys and decide, from their
 * self-signatures, which keys may sign, until when, and whether revoked.
 *
 * A certificate is read packet by packet: the primary key, then its direct
 * signatures, User IDs with their certifications, subkeys with their
 * bindings.  Only signatures made by the primary itself (or, for the
 * back-signature, by the subkey) are verified; the rest is skipped.
 *
 * Revocations count wherever they stand in the certificate: a key
 * revocation (0x20) covers the primary alone, so it is checked as such after
 * a User ID or a subkey too; a subkey revocation (0x28) that does not follow
 * the subkey it revokes is kept until the certificate ends and then tried
 * against each of its subkeys.  Otherwise an attacker (or a careless tool)
 * could hide a revocation by moving it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgp.h"
#include "pgp_int.h"

struct pgp_keyring {
	struct pgp_key **v;
	size_t n, cap;
	size_t nprimary;
};

/* What a valid self-signature says about its key. */
struct selfsig {
	int valid;
	int64_t created;
	int64_t sig_expires;	/* absolute unix time the signature itself expires, 0 = never */
	int has_flags;
	unsigned flags;
	int64_t key_expires;
	int backsig;		/* subkey bindings: the 0x19 back-signature verified */
};

/* A subkey of the certificate being read, for revocations that come late. */
struct cert_sub {
	struct pgp_key *key;
	const uint8_t *body;
	size_t len;
};

/* A signature packet kept until the certificate ends. */
struct pending_sig {
	const uint8_t *body;
	size_t len;
};

enum cert_state { ST_NONE, ST_PRIMARY, ST_UID, ST_ATTR, ST_SUB, ST_SKIP };

struct cert {
	const char *what;
	enum cert_state st;
	struct pgp_key *primary;
	const uint8_t *pbody;
	size_t plen;
	struct selfsig best_uid, best_direct;
	int64_t uid_until;	/* the latest expiry of a valid User ID's self-signature, 0 = never */
	int any_uid;		/* a valid, unrevoked User ID was seen */
	const uint8_t *uid;	/* the current User ID or attribute */
	size_t uidlen;
	struct selfsig cur_uid;
	int uid_revoked;
	struct pgp_key *sub;
	const uint8_t *sbody;
	size_t slen;
	struct selfsig cur_sub;
	struct cert_sub *subs;	/* every subkey read so far (pointers stay valid: kr owns them) */
	size_t nsubs;
	struct pending_sig *late;	/* subkey revocations not right after their subkey */
	size_t nlate;
};

static void kr_push(struct pgp_keyring *kr, struct pgp_key *k)
{
	if (kr->n == kr->cap) {
		kr->cap = kr->cap ? kr->cap * 2 : 16;
		kr->v = xrealloc(kr->v, kr->cap * sizeof(*kr->v));
	}
	kr->v[kr->n++] = k;
	if (!k->primary)
		kr->nprimary++;
}

static void kr_truncate(struct pgp_keyring *kr, size_t n)
{
	while (kr->n > n) {
		struct pgp_key *k = kr->v[--kr->n];

		if (!k->primary)
			kr->nprimary--;
		pgp_key_release(k);
		free(k);
	}
}

static int signing_algo(const struct pgp_key *k)
{
	return k->pkey && (k->algo == PGP_PK_RSA || k->algo == PGP_PK_RSA_S ||
			   k->algo == PGP_PK_EDDSA);
}

/* Hash the primary, then the User ID, attribute or subkey the signature covers. */
static int verify_keysig(const struct cert *c, const struct pgp_sig *s, const struct pgp_key *by,
			 int prefix, const uint8_t *extra, size_t elen)
{
	EVP_MD_CTX *md = pgp_md_begin(s->halgo);

	if (!md)
		return 0;
	pgp_hash_keybody(md, c->pbody, c->plen);
	if (prefix)
		pgp_hash_component(md, prefix, extra, elen);
	return pgp_sig_hash_verify(md, s, by);
}

/* The embedded 0x19 signature by which a signing subkey claims its primary. */
static int backsig_ok(const struct cert *c, const struct pgp_sig *bind)
{
	struct pgb_err ignored;
	struct pgp_sig e;

	if (!bind->embedded ||
	    pgp_sig_parse(&e, bind->embedded, bind->embedded_len, c->what, &ignored) != 0)
		return 0;
	if (e.type != PGP_SIG_PRIMARY_BIND || e.created < 0 || e.unknown_critical)
		return 0;
	if ((e.has_issuer_fpr || e.has_issuer_id) && !pgp_sig_names_key(&e, c->sub))
		return 0;
	return verify_keysig(c, &e, c->sub, 0x99, c->sbody, c->slen);
}

static void take_newer(struct selfsig *best, const struct pgp_sig *s, int backsig)
{
	if (best->valid && best->created > s->created)
		return;
	best->valid = 1;
	best->created = s->created;
	best->sig_expires = s->sig_expires ? s->created + s->sig_expires : 0;
	best->has_flags = s->has_key_flags;
	best->flags = s->key_flags;
	best->key_expires = s->key_expires;
	best->backsig = backsig;
}

static void keep_late(struct cert *c, const uint8_t *body, size_t len)
{
	c->late = xrealloc(c->late, (c->nlate + 1) * sizeof(*c->late));
	c->late[c->nlate].body = body;
	c->late[c->nlate++].len = len;
}

/* A subkey revocation by the primary: does it verify over the subkey sub? */
static int revokes_sub(struct cert *c, const struct pgp_sig *s, const struct cert_sub *sub)
{
	return verify_keysig(c, s, c->primary, 0x99, sub->body, sub->len);
}

static void on_signature(struct cert *c, const uint8_t *body, size_t len)
{
	struct pgb_err ignored;
	struct pgp_sig s;
	int t;

	if (pgp_sig_parse(&s, body, len, c->what, &ignored) != 0 || s.created < 0 ||
	    s.unknown_critical)
		return;
	/* Self-signatures name the primary; a signature naming no one is tried as one. */
	if ((s.has_issuer_fpr || s.has_issuer_id) && !pgp_sig_names_key(&s, c->primary))
		return;
	t = s.type;
	if (t == PGP_SIG_KEY_REV) {
		/* Over the primary alone, wherever it stands. */
		if (verify_keysig(c, &s, c->primary, 0, NULL, 0))
			c->primary->revoked = 1;
	} else if (t == PGP_SIG_SUBKEY_REV) {
		if (c->st == ST_SUB && revokes_sub(c, &s, &c->subs[c->nsubs - 1]))
			c->sub->revoked = 1;
		else
			keep_late(c, body, len);
	} else if (c->st == ST_PRIMARY && t == PGP_SIG_DIRECT) {
		if (verify_keysig(c, &s, c->primary, 0, NULL, 0))
			take_newer(&c->best_direct, &s, 0);
	} else if (c->st == ST_UID && ((t >= PGP_SIG_CERT_FIRST && t <= PGP_SIG_CERT_LAST) ||
				       t == PGP_SIG_CERT_REV)) {
		if (!verify_keysig(c, &s, c->primary, 0xb4, c->uid, c->uidlen))
			return;
		if (t == PGP_SIG_CERT_REV)
			c->uid_revoked = 1;
		else
			take_newer(&c->cur_uid, &s, 0);
	} else if (c->st == ST_SUB && t == PGP_SIG_SUBKEY_BIND) {
		if (verify_keysig(c, &s, c->primary, 0x99, c->sbody, c->slen))
			take_newer(&c->cur_sub, &s, backsig_ok(c, &s));
	}
}

/* The subkey revocations that did not follow their subkey: try each subkey. */
static void apply_late(struct cert *c)
{
	struct pgb_err ignored;
	struct pgp_sig s;

	for (size_t i = 0; i < c->nlate; i++) {
		if (pgp_sig_parse(&s, c->late[i].body, c->late[i].len, c->what, &ignored) != 0)
			continue;
		for (size_t j = 0; j < c->nsubs; j++)
			if (!c->subs[j].key->revoked && revokes_sub(c, &s, &c->subs[j]))
				c->subs[j].key->revoked = 1;
	}
}

static void uid_text(char *dst, size_t cap, const uint8_t *uid, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < cap; i++)
		dst[i] = uid[i] < 0x20 || uid[i] == 0x7f ? '?' : (char)uid[i];
	dst[i] = '\0';
}

static void uid_finish(struct cert *c)
{
	if (c->st == ST_UID && c->cur_uid.valid && !c->uid_revoked) {
		if (!c->primary->uid[0])
			uid_text(c->primary->uid, sizeof(c->primary->uid), c->uid, c->uidlen);
		if (!c->best_uid.valid || c->cur_uid.created >= c->best_uid.created)
			c->best_uid = c->cur_uid;
		/* The key stays certified as long as one User ID's self-signature lasts. */
		if (!c->any_uid || (c->uid_until && (!c->cur_uid.sig_expires ||
						     c->cur_uid.sig_expires > c->uid_until)))
			c->uid_until = c->cur_uid.sig_expires;
		c->any_uid = 1;
	}
	memset(&c->cur_uid, 0, sizeof(c->cur_uid));
	c->uid_revoked = 0;
}

static void apply(struct pgp_key *k, const struct selfsig *sel, int need_backsig)
{
	k->usable = sel->valid;
	k->can_sign = sel->valid && signing_algo(k) && (!need_backsig || sel->backsig) &&
		      (!sel->has_flags || (sel->flags & PGP_KF_SIGN));
	k->expires = sel->valid && sel->key_expires ? k->created + sel->key_expires : 0;
	k->sig_expires = sel->valid ? sel->sig_expires : 0;
}

static void sub_finish(struct pgp_keyring *kr, struct cert *c)
{
	if (c->st == ST_SUB) {
		apply(c->sub, &c->cur_sub, 1);
		kr_push(kr, c->sub);
	}
	c->sub = NULL;
	memset(&c->cur_sub, 0, sizeof(c->cur_sub));
}

/* Close the current User ID or subkey before a new component starts. */
static void component_finish(struct pgp_keyring *kr, struct cert *c)
{
	uid_finish(c);
	sub_finish(kr, c);
}

static void cert_finish(struct pgp_keyring *kr, struct cert *c)
{
	if (c->primary) {
		component_finish(kr, c);
		apply_late(c);
		if (c->best_uid.valid) {
			apply(c->primary, &c->best_uid, 0);
			c->primary->sig_expires = c->uid_until;
		} else {
			apply(c->primary, &c->best_direct, 0);
		}
	}
	free(c->subs);
	free(c->late);
	memset(c, 0, sizeof(*c));
}

static struct pgp_key *new_key(const struct pgp_packet *p, const char *what, int *skip,
			       struct pgb_err *err)
{
	struct pgp_key *k = xcalloc(1, sizeof(*k));
	size_t used;
	int rc = pgp_key_parse(k, p->body, p->len, &used, what, err);

	*skip = rc == 1;
	if (rc == 0 && used == p->len)
		return k;
	if (rc == 0) {
		pgp_key_release(k);
		pgb_fail(err, "%s: key packet has %zu bytes of trailing data", what, p->len - used);
	}
	free(k);
	return NULL;
}

static int on_key(struct pgp_keyring *kr, struct cert *c, const struct pgp_packet *p,
		  struct pgb_err *err)
{
	int skip;
	struct pgp_key *k = new_key(p, c->what, &skip, err);

	if (!k && !skip)
		return -1;
	if (p->tag == PGP_TAG_PUBKEY) {
		const char *what = c->what;

		cert_finish(kr, c);
		c->what = what;
		c->st = k ? ST_PRIMARY : ST_NONE;
		c->primary = k;
		c->pbody = p->body;
		c->plen = p->len;
		if (k)
			kr_push(kr, k);
		return 0;
	}
	component_finish(kr, c);
	if (!k) {
		c->st = ST_SKIP;
		return 0;
	}
	k->primary = c->primary;
	c->sub = k;
	c->sbody = p->body;
	c->slen = p->len;
	c->st = ST_SUB;
	c->subs = xrealloc(c->subs, (c->nsubs + 1) * sizeof(*c->subs));
	c->subs[c->nsubs].key = k;
	c->subs[c->nsubs].body = p->body;
	c->subs[c->nsubs++].len = p->len;
	return 0;
}

static int on_packet(struct pgp_keyring *kr, struct cert *c, const struct pgp_packet *p,
		     struct pgb_err *err)
{
	if (p->tag == PGP_TAG_SECKEY || p->tag == PGP_TAG_SECSUB)
		return pgb_fail(err, "%s: holds a secret key; a keyring must hold only public "
				"keys (export them with `gpg --export`)", c->what);
	if (p->tag == PGP_TAG_PUBKEY)
		return on_key(kr, c, p, err);
	if (c->st == ST_NONE)
		return 0;	/* the rest of a certificate we do not handle */
	if (p->tag == PGP_TAG_PUBSUB)
		return on_key(kr, c, p, err);
	if (p->tag == PGP_TAG_UID || p->tag == PGP_TAG_UATTR) {
		component_finish(kr, c);
		c->st = p->tag == PGP_TAG_UID ? ST_UID : ST_ATTR;
		c->uid = p->body;
		c->uidlen = p->len;
	} else if (p->tag == PGP_TAG_SIG) {
		on_signature(c, p->body, p->len);
	}
	return 0;
}

static int add_packets(struct pgp_keyring *kr, const uint8_t *buf, size_t len, const char *what,
		       struct pgb_err *err)
{
	struct pgp_reader r;
	struct pgp_packet p;
	struct cert c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.what = what;
	pgp_reader_init(&r, buf, len, what);
	while ((rc = pgp_read_packet(&r, &p, err)) > 0) {
		if (on_packet(kr, &c, &p, err) < 0) {
			rc = -1;
			break;
		}
	}
	/* A half-read certificate still has its keys in kr: close it either way. */
	cert_finish(kr, &c);
	return rc;
}

static int add_armored(struct pgp_keyring *kr, const char *text, size_t len, const char *what,
		       struct pgb_err *err)
{
	struct sbuf bin = SBUF_INIT;
	char kind[64];
	size_t pos = 0;
	int rc, blocks = 0;

	while ((rc = pgp_dearmor_next(text, len, &pos, kind, &bin, what, err)) > 0) {
		blocks++;
		if (!strcmp(kind, "PRIVATE KEY BLOCK"))
			rc = pgb_fail(err, "%s: holds a PRIVATE KEY BLOCK; a keyring must hold "
				      "only public keys", what);
		else if (strcmp(kind, "PUBLIC KEY BLOCK"))
			rc = pgb_fail(err, "%s: armor block is a %s, not a PUBLIC KEY BLOCK",
				      what, kind);
		else
			rc = add_packets(kr, (uint8_t *)bin.buf, bin.len, what, err);
		sbuf_reset(&bin);
		if (rc < 0)
			break;
	}
	sbuf_free(&bin);
	if (rc == 0 && !blocks)
		return pgb_fail(err, "%s: no PUBLIC KEY BLOCK found", what);
	return rc < 0 ? -1 : 0;
}

int pgp_keyring_add_mem(struct pgp_keyring *kr, const void *data, size_t len, const char *what,
			struct pgb_err *err)
{
	size_t before = kr->n, prim = kr->nprimary;
	int rc;

	if (len == 0)
		return pgb_fail(err, "%s: empty keyring", what);
	if (pgp_is_armored(data, len))
		rc = add_armored(kr, data, len, what, err);
	else if (((const uint8_t *)data)[0] & 0x80)
		rc = add_packets(kr, data, len, what, err);
	else
		rc = pgb_fail(err, "%s: neither a binary OpenPGP keyring nor an armored public "
			      "key", what);
	if (rc == 0 && kr->nprimary == prim)
		rc = pgb_fail(err, "%s: no OpenPGP v4 public key in it", what);
	if (rc < 0)
		kr_truncate(kr, before);
	return rc;
}

int pgp_keyring_add_file(struct pgp_keyring *kr, const char *path, struct pgb_err *err)
{
	char *data;
	size_t len;
	int rc;

	if (util_read_file(path, &data, &len, err) < 0)
		return -1;
	rc = pgp_keyring_add_mem(kr, data, len, path, err);
	free(data);
	return rc;
}

int pgp_keyring_load_mem(struct pgp_keyring **out, const void *data, size_t len,
			 const char *what, struct pgb_err *err)
{
	struct pgp_keyring *kr = xcalloc(1, sizeof(*kr));

	*out = NULL;
	if (pgp_keyring_add_mem(kr, data, len, what, err) < 0) {
		pgp_keyring_free(kr);
		return -1;
	}
	*out = kr;
	return 0;
}

int pgp_keyring_load(struct pgp_keyring **out, const char *path, struct pgb_err *err)
{
	struct pgp_keyring *kr = xcalloc(1, sizeof(*kr));

	*out = NULL;
	if (pgp_keyring_add_file(kr, path, err) < 0) {
		pgp_keyring_free(kr);
		return -1;
	}
	*out = kr;
	return 0;
}

size_t pgp_keyring_count(const struct pgp_keyring *kr)
{
	return kr ? kr->nprimary : 0;
}

static const struct pgp_key *find_key(const struct pgp_keyring *kr, const char *fpr)
{
	char hex[41];

	if (!kr || !fpr || strlen(fpr) != 40)
		return NULL;
	for (size_t i = 0; i < kr->n; i++) {
		pgp_fpr_hex(kr->v[i]->fpr, hex);
		if (!strcasecmp(hex, fpr))
			return kr->v[i];
	}
	return NULL;
}

int pgp_keyring_has(const struct pgp_keyring *kr, const char *fpr)
{
	return find_key(kr, fpr) != NULL;
}

void pgp_keyring_free(struct pgp_keyring *kr)
{
	if (!kr)
		return;
	kr_truncate(kr, 0);
	free(kr->v);
	free(kr);
}

size_t pgp_keyring_size(const struct pgp_keyring *kr)
{
	return kr->n;
}

const struct pgp_key *pgp_keyring_key(const struct pgp_keyring *kr, size_t i)
{
	return kr->v[i];
}

void pgp_keyring_fprs(const struct pgp_keyring *kr, struct strlist *out)
{
	char hex[41];

	for (size_t i = 0; kr && i < kr->n; i++)
		if (!kr->v[i]->primary) {
			pgp_fpr_hex(kr->v[i]->fpr, hex);
			strlist_add(out, hex);
		}
}

const char *pgp_keyring_uid(const struct pgp_keyring *kr, const char *fpr)
{
	const struct pgp_key *k = find_key(kr, fpr);

	return k && !k->primary ? k->uid : NULL;
}

/* Armored data as binary packets into bin; binary data is used in place. */
static int as_binary(const void *data, size_t len, const char *kind, struct sbuf *bin,
		     const uint8_t **p, size_t *n, const char *what, struct pgb_err *err)
{
	char got[64];
	size_t pos = 0;
	int rc, blocks = 0;

	if (!pgp_is_armored(data, len)) {
		*p = data;
		*n = len;
		return 0;
	}
	while ((rc = pgp_dearmor_next(data, len, &pos, got, bin, what, err)) > 0) {
		if (strcmp(got, kind))
			return pgb_fail(err, "%s: armor holds a %s, not a %s", what, got, kind);
		blocks++;
	}
	if (rc < 0)
		return -1;
	if (!blocks)
		return pgb_fail(err, "%s: no %s in it", what, kind);
	*p = (const uint8_t *)bin->buf;
	*n = bin->len;
	return 0;
}

int pgp_keyring_issuer_of(const struct pgp_keyring *kr, const void *sig, size_t len,
			  char primary_fpr[41])
{
	struct sbuf bin = SBUF_INIT;
	struct pgb_err ignored;
	struct pgp_reader r;
	struct pgp_packet p;
	struct pgp_sig s;
	const uint8_t *b;
	size_t n;
	int rc = -1;

	if (as_binary(sig, len, "SIGNATURE", &bin, &b, &n, "signature", &ignored) == 0) {
		pgp_reader_init(&r, b, n, "signature");
		while (rc < 0 && pgp_read_packet(&r, &p, &ignored) > 0) {
			if (p.tag != PGP_TAG_SIG || pgp_sig_parse(&s, p.body, p.len, "signature",
								  &ignored) != 0)
				continue;
			for (size_t i = 0; i < kr->n && rc < 0; i++)
				if (pgp_sig_names_key(&s, kr->v[i])) {
					const struct pgp_key *k = kr->v[i];

					pgp_fpr_hex(k->primary ? k->primary->fpr : k->fpr,
						    primary_fpr);
					rc = 0;
				}
			break;
		}
	}
	sbuf_free(&bin);
	return rc;
}

int pgp_keyring_extract(const void *data, size_t len, const char *fpr, struct sbuf *out,
			struct pgb_err *err)
{
	struct sbuf bin = SBUF_INIT;
	struct pgp_reader r;
	struct pgp_packet p;
	const uint8_t *b;
	size_t n, at, from = 0;
	int rc, in = 0, found = 0;

	if (as_binary(data, len, "PUBLIC KEY BLOCK", &bin, &b, &n, "keyring", err) < 0) {
		sbuf_free(&bin);
		return -1;
	}
	pgp_reader_init(&r, b, n, "keyring");
	for (at = r.off; (rc = pgp_read_packet(&r, &p, err)) > 0; at = r.off) {
		if (p.tag == PGP_TAG_PUBKEY) {
			struct pgp_key k;
			struct pgb_err ignored;
			char hex[41];
			size_t used;

			if (in)
				sbuf_add(out, b + from, at - from);
			memset(&k, 0, sizeof(k));
			in = pgp_key_parse(&k, p.body, p.len, &used, "keyring", &ignored) == 0;
			if (in) {
				pgp_fpr_hex(k.fpr, hex);
				pgp_key_release(&k);
				in = !strcasecmp(hex, fpr);
			}
			found |= in;
			from = at;
		}
	}
	if (rc == 0 && in)
		sbuf_add(out, b + from, r.off - from);
	sbuf_free(&bin);
	if (rc < 0)
		return -1;
	return found ? 0 : pgb_fail(err, "no key %s in the keyring", fpr);
}
