/*
 * pgp_verify.c - check cleartext (InRelease) and detached signatures against
 * a keyring.
 *
 * Every signature is looked at: one by a key outside the keyring is noted and
 * skipped, one by a key of the keyring either verifies (then the key's
 * validity decides whether it counts) or makes the whole check fail.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgp.h"
#include "pgp_int.h"

/* Below this an RSA key is too weak to trust for data (sqv's default policy agrees). */
#define PGP_RSA_MIN_BITS 2048
/*
 * A signature dated later than now is refused: its date is the signer's
 * claim, and a date in the future is a forged or misconfigured clock, or a
 * signature made to outlive a key's revocation.  A host clock a little behind
 * the signer's is tolerated.
 */
#define PGP_CLOCK_SKEW 600

/* The bytes a signature covers, by signature type. */
struct signed_data {
	int cleartext;		/* only text signatures (0x01) then */
	const uint8_t *bin;	/* the data as given */
	size_t bin_len;
	struct sbuf text;	/* type 0x01, canonical: CRLF line endings */
	int have_text;
	unsigned hash_mask;	/* cleartext "Hash:" header, bit per algorithm; 0 = none */
	const struct pgp_digests *fed;	/* a stream: the data is only there as digests */
};

struct verdict {
	const char *what;
	int64_t now;
	struct sbuf seen;	/* "KEYID (why)" for every signature that did not count */
	int good;
	int bad;
	struct pgb_err bad_err;
	struct pgp_sig_info info;
};

static void note(struct verdict *v, const struct pgp_sig *s, const char *fmt, const char *arg)
{
	char id[17] = "(no issuer)";

	if (s && s->has_issuer_fpr)
		pgp_keyid_hex(s->issuer_fpr + 12, id);
	else if (s && s->has_issuer_id)
		pgp_keyid_hex(s->issuer_id, id);
	if (v->seen.len)
		sbuf_adds(&v->seen, ", ");
	sbuf_adds(&v->seen, id);
	sbuf_adds(&v->seen, " (");
	sbuf_addf(&v->seen, fmt, arg);
	sbuf_adds(&v->seen, ")");
}

static const char *day(int64_t t, char buf[64])
{
	return util_utc(t, "%Y-%m-%d", buf);
}

/* Why k may not be trusted for a signature made at `when`; NULL when it may. */
static const char *key_unfit(const struct pgp_key *k, int64_t when, int64_t now, char buf[64])
{
	char d[64];

	if (!k->usable)
		return k->primary ? "subkey without a valid binding signature"
				  : "key without a valid self-signature";
	if (k->revoked)
		return k->primary ? "subkey revoked" : "key revoked";
	if (k->expires && (k->expires <= now || k->expires <= when)) {
		snprintf(buf, 64, "%s expired on %s", k->primary ? "subkey" : "key",
			 day(k->expires, d));
		return buf;
	}
	if (k->sig_expires && (k->sig_expires <= now || k->sig_expires <= when)) {
		snprintf(buf, 64, "%s self-signature expired on %s",
			 k->primary ? "subkey's binding" : "key's", day(k->sig_expires, d));
		return buf;
	}
	if (k->created > when)
		return "key created after the signature";
	return NULL;
}

static const char *signer_unfit(const struct pgp_key *k, int64_t when, int64_t now, char buf[64])
{
	const char *why;

	if (!k->can_sign)
		return k->primary ? "subkey not valid for signing (no signing flag or no "
				    "primary-key binding)" : "key not valid for signing";
	if ((k->algo == PGP_PK_RSA || k->algo == PGP_PK_RSA_S) && k->bits < PGP_RSA_MIN_BITS)
		return "RSA key shorter than 2048 bits";
	why = key_unfit(k, when, now, buf);
	if (!why && k->primary)
		why = key_unfit(k->primary, when, now, buf);
	return why;
}

static void canonical_text(struct sbuf *out, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			sbuf_addc(out, '\r');
		sbuf_addc(out, (char)p[i]);
	}
}

/* Can s be checked over this data at all?  NULL when it can. */
static const char *data_unfit(const struct signed_data *d, const struct pgp_sig *s)
{
	if (d->fed)
		return s->type == PGP_SIG_BINARY ? NULL : "not a binary-mode signature (type "
			"0x00), the only kind checked over a stream";
	if (s->type == PGP_SIG_TEXT || (s->type == PGP_SIG_BINARY && !d->cleartext))
		return NULL;
	return d->cleartext ? "not a text signature, which a cleartext message needs"
			    : "not a signature over a document (type 0x00 or 0x01)";
}

/* A digest holding the bytes s covers, for its hash algorithm; NULL if unavailable. */
static EVP_MD_CTX *data_digest(struct signed_data *d, const struct pgp_sig *s)
{
	EVP_MD_CTX *md;

	if (d->fed)
		return pgp_digests_copy(d->fed, s->halgo);
	md = pgp_md_begin(s->halgo);
	if (!md)
		return NULL;
	if (s->type == PGP_SIG_TEXT) {
		if (!d->have_text) {
			canonical_text(&d->text, d->bin, d->bin_len);
			d->have_text = 1;
		}
		EVP_DigestUpdate(md, d->text.buf, d->text.len);
	} else {
		EVP_DigestUpdate(md, d->bin, d->bin_len);
	}
	return md;
}

/* Policy on the signature itself, before any crypto; NULL when acceptable. */
static const char *sig_unfit(const struct pgp_sig *s, const struct signed_data *d, int64_t now,
			     char buf[96])
{
	char d1[64], d2[64];

	if (s->created < 0)
		return "signature without creation time";
	if (s->created > now + PGP_CLOCK_SKEW) {
		snprintf(buf, 96, "signature dated %s, in the future: this host says %s; check its "
			 "clock", day(s->created, d1), day(now, d2));
		return buf;
	}
	if (s->unknown_critical)
		return "signature with an unknown critical subpacket";
	if (!pgp_md(s->halgo) || s->halgo == PGP_H_SHA1)
		return "weak or unknown hash algorithm";
	if (d->hash_mask && (s->halgo >= 32 || !(d->hash_mask & (1u << s->halgo))))
		return "hash algorithm not announced in the Hash: header";
	if (s->sig_expires && s->created + s->sig_expires <= now)
		return "signature expired";
	return NULL;
}

static void good(struct verdict *v, const struct pgp_key *k, const struct pgp_sig *s)
{
	if (v->good++)
		return;
	pgp_fpr_hex(k->fpr, v->info.fpr);
	pgp_fpr_hex(k->primary ? k->primary->fpr : k->fpr, v->info.primary_fpr);
	v->info.created = s->created;
}

static void bad(struct verdict *v, const struct pgp_key *k)
{
	const struct pgp_key *p = k->primary ? k->primary : k;
	char fpr[41];

	if (v->bad++)
		return;
	pgp_fpr_hex(k->fpr, fpr);
	pgb_fail(&v->bad_err, "%s: BAD signature from key %s (%s): the file was altered or "
		 "damaged in transit, or the signature is forged; do not use it", v->what, fpr,
		 p->uid[0] ? p->uid : "no user ID");
}

/*
 * Check s against one key of the keyring: 1 counted good; 2 made by k, but k
 * may not be trusted for it (noted); 0 not checked (noted); -1 not made by k.
 */
static int try_key(struct verdict *v, struct signed_data *d, const struct pgp_sig *s,
		   const struct pgp_key *k)
{
	const char *why;
	EVP_MD_CTX *md;
	char buf[96];

	if (!k->pkey) {
		note(v, s, "%s key not supported", pgp_algo_name(k->algo));
		return 0;
	}
	if ((why = data_unfit(d, s)) != NULL || (why = sig_unfit(s, d, v->now, buf)) != NULL) {
		note(v, s, "%s", why);
		return 0;
	}
	md = data_digest(d, s);
	if (!md) {
		note(v, s, "%s", "hash algorithm unavailable");
		return 0;
	}
	if (!pgp_sig_hash_verify(md, s, k))
		return -1;
	why = signer_unfit(k, s->created, v->now, buf);
	if (why) {
		note(v, s, "good signature, but %s", why);
		return 2;
	}
	good(v, k, s);
	return 1;
}

static void check_sig(struct verdict *v, const struct pgp_keyring *kr, struct signed_data *d,
		      const struct pgp_sig *s)
{
	size_t n = pgp_keyring_size(kr);
	const struct pgp_key *failed = NULL;
	int matched = 0, made = 0, rc;

	/*
	 * A key ID (or, with SHA-1, a fingerprint) can be shared by several
	 * keys: try each; the signature is bad only when none of them makes it.
	 */
	for (size_t i = 0; i < n; i++) {
		const struct pgp_key *k = pgp_keyring_key(kr, i);

		if (!pgp_sig_names_key(s, k))
			continue;
		matched = 1;
		rc = try_key(v, d, s, k);
		if (rc == 1)
			return;
		made |= rc == 2;
		if (rc < 0 && !failed)
			failed = k;
	}
	if (failed && !made) {
		bad(v, failed);
		note(v, s, "%s", "BAD signature");
	} else if (!matched) {
		note(v, s, "%s", "not in the keyring");
	}
}

static int check_packets(struct verdict *v, const struct pgp_keyring *kr, struct signed_data *d,
			 const uint8_t *sig, size_t len, struct pgb_err *err)
{
	struct pgp_reader r;
	struct pgp_packet p;
	struct pgp_sig s;
	int rc, nsig = 0;

	pgp_reader_init(&r, sig, len, v->what);
	while ((rc = pgp_read_packet(&r, &p, err)) > 0) {
		if (p.tag == PGP_TAG_MARKER)
			continue;
		if (p.tag != PGP_TAG_SIG)
			return pgb_fail(err, "%s: not a detached signature (packet of type %d)",
					v->what, p.tag);
		nsig++;
		rc = pgp_sig_parse(&s, p.body, p.len, v->what, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			note(v, NULL, "%s", "signature version not supported");
		else
			check_sig(v, kr, d, &s);
	}
	if (rc < 0)
		return -1;
	if (!nsig)
		return pgb_fail(err, "%s: no signature in it", v->what);
	return 0;
}

static int conclude(struct verdict *v, struct pgp_sig_info *info, struct pgb_err *err)
{
	if (v->bad) {
		memcpy(err->msg, v->bad_err.msg, sizeof(err->msg));
		return -1;
	}
	if (!v->good)
		return pgb_fail(err, "%s: no good signature from a key of the keyring; signatures "
				"seen: %s.  Check that the keyring holds the repository's current "
				"signing key", v->what, v->seen.len ? v->seen.buf : "none");
	if (info)
		*info = v->info;
	return 0;
}

static int run(const struct pgp_keyring *kr, struct signed_data *d, const uint8_t *sig,
	       size_t len, const char *what, int64_t now, struct pgp_sig_info *info,
	       struct pgb_err *err)
{
	struct verdict v;
	int rc;

	memset(&v, 0, sizeof(v));
	v.what = what;
	v.now = now;
	if (!kr)
		return pgb_fail(err, "%s: no keyring to check the signature against", what);
	rc = check_packets(&v, kr, d, sig, len, err);
	if (rc == 0)
		rc = conclude(&v, info, err);
	sbuf_free(&v.seen);
	return rc;
}

/* ---- framing ---- */

/* Is the first line exactly the BEGIN line, give or take trailing white space? */
static int begins_signature(const char *p, size_t len)
{
	static const char begin[] = "-----BEGIN PGP SIGNATURE-----";
	size_t n = sizeof(begin) - 1;

	if (len < n || memcmp(p, begin, n))
		return 0;
	for (; n < len && p[n] != '\n'; n++)
		if (p[n] != ' ' && p[n] != '\t' && p[n] != '\r')
			return 0;
	return 1;
}

/* Armored SIGNATURE blocks from *pos to the end, with nothing else between them. */
static int signature_blocks(const char *text, size_t len, size_t pos, struct sbuf *out,
			    const char *what, struct pgb_err *err)
{
	char kind[64];
	int blocks = 0;

	for (;;) {
		while (pos < len && strchr(" \t\r\n", text[pos]) && text[pos] != '\0')
			pos++;
		if (pos == len)
			break;
		if (!begins_signature(text + pos, len - pos))
			return pgb_fail(err, blocks ? "%s: text after the signature, not covered by it"
					: "%s: no \"-----BEGIN PGP SIGNATURE-----\" block", what);
		if (pgp_dearmor_next(text, len, &pos, kind, out, what, err) <= 0)
			return -1;
		blocks++;
	}
	if (!blocks)
		return pgb_fail(err, "%s: no signature found", what);
	return 0;
}

/* A line without its LF and any run of trailing spaces, tabs and CRs (in any
 * mix, as gpg strips them: none of it is signed). */
static int cl_line(const char *msg, size_t len, size_t *pos, const char **s, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*s = msg + *pos;
	nl = memchr(*s, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *s) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	while (*n > 0 && ((*s)[*n - 1] == '\r' || (*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
	return 1;
}

static int line_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

static unsigned hash_bit(const char *name, size_t n)
{
	static const int algos[] = { PGP_H_MD5, PGP_H_SHA1, PGP_H_RIPEMD160, PGP_H_SHA224,
				     PGP_H_SHA256, PGP_H_SHA384, PGP_H_SHA512 };

	for (size_t i = 0; i < sizeof(algos) / sizeof(*algos); i++)
		if (line_is(name, n, pgp_hash_name(algos[i])))
			return 1u << algos[i];
	return 0;
}

static unsigned hash_header(const char *s, size_t n)
{
	unsigned mask = 0;
	size_t i = 0, j, e;

	while (i < n) {
		for (j = i; j < n && s[j] != ','; j++)
			;
		for (e = j; e > i && s[e - 1] == ' '; e--)
			;
		while (i < e && s[i] == ' ')
			i++;
		mask |= hash_bit(s + i, e - i);
		i = j + 1;
	}
	return mask;
}

static int cl_headers(const char *msg, size_t len, size_t *pos, unsigned *mask,
		      const char *what, struct pgb_err *err)
{
	const char *s;
	size_t n;

	if (!cl_line(msg, len, pos, &s, &n) || !line_is(s, n, "-----BEGIN PGP SIGNED MESSAGE-----"))
		return pgb_fail(err, "%s: does not start with \"-----BEGIN PGP SIGNED MESSAGE-----\" "
				"(not a cleartext-signed file: an unsigned Release, or an error "
				"page instead of the file?)", what);
	for (;;) {
		if (!cl_line(msg, len, pos, &s, &n))
			return pgb_fail(err, "%s: truncated in the armor header", what);
		if (n == 0)
			return 0;
		if (n < 6 || memcmp(s, "Hash: ", 6))
			return pgb_fail(err, "%s: unexpected armor header \"%.*s\" (only Hash: is "
					"allowed)", what, (int)(n > 60 ? 60 : n), s);
		*mask |= hash_header(s + 6, n - 6);
	}
}

/* The text between the header and the signature: hashed form and body form. */
static int cl_text(const char *msg, size_t len, size_t *pos, struct sbuf *hashed,
		   struct sbuf *body, const char *what, struct pgb_err *err)
{
	size_t at = *pos, lineno = 0, n;
	const char *s;

	for (;;) {
		*pos = at;
		if (!cl_line(msg, len, &at, &s, &n))
			return pgb_fail(err, "%s: no signature after the signed text (truncated?)",
					what);
		lineno++;
		if (line_is(s, n, "-----BEGIN PGP SIGNATURE-----"))
			return 0;
		if (n && s[0] == '-') {
			if (n < 2 || s[1] != ' ')
				return pgb_fail(err, "%s: line %zu of the signed text starts with "
						"'-' without dash-escaping", what, lineno);
			s += 2;
			n -= 2;
		}
		if (lineno > 1)
			sbuf_add(hashed, "\r\n", 2);
		sbuf_add(hashed, s, n);
		sbuf_add(body, s, n);
		sbuf_addc(body, '\n');
	}
}

int pgp_verify_cleartext_at(const struct pgp_keyring *kr, const char *msg, size_t len,
			    const char *what, int64_t now, char **body, size_t *body_len,
			    struct pgp_sig_info *info, struct pgb_err *err)
{
	struct signed_data d = { 1, NULL, 0, SBUF_INIT, 1, 0, NULL };
	struct sbuf text = SBUF_INIT, sig = SBUF_INIT;
	size_t pos = 0;
	int rc;

	*body = NULL;
	if (body_len)
		*body_len = 0;
	rc = cl_headers(msg, len, &pos, &d.hash_mask, what, err);
	if (rc == 0)
		rc = cl_text(msg, len, &pos, &d.text, &text, what, err);
	if (rc == 0)
		rc = signature_blocks(msg, len, pos, &sig, what, err);
	if (rc == 0)
		rc = run(kr, &d, (uint8_t *)sig.buf, sig.len, what, now, info, err);
	if (rc == 0)
		*body = sbuf_detach(&text, body_len);
	sbuf_free(&text);
	sbuf_free(&sig);
	sbuf_free(&d.text);
	return rc;
}

int pgp_verify_cleartext(const struct pgp_keyring *kr, const char *msg, size_t len,
			 const char *what, char **body, size_t *body_len,
			 struct pgp_sig_info *info, struct pgb_err *err)
{
	return pgp_verify_cleartext_at(kr, msg, len, what, (int64_t)time(NULL), body, body_len,
				       info, err);
}

int pgp_verify_detached_at(const struct pgp_keyring *kr, const void *data, size_t len,
			   const void *sig, size_t sig_len, const char *what, int64_t now,
			   struct pgp_sig_info *info, struct pgb_err *err)
{
	struct signed_data d = { 0, data, len, SBUF_INIT, 0, 0, NULL };
	struct sbuf bin = SBUF_INIT;
	int rc = 0;

	if (sig_len == 0)
		return pgb_fail(err, "%s: empty signature", what);
	if (pgp_is_armored(sig, sig_len))
		rc = signature_blocks(sig, sig_len, 0, &bin, what, err);
	else
		sbuf_add(&bin, sig, sig_len);
	if (rc == 0)
		rc = run(kr, &d, (uint8_t *)bin.buf, bin.len, what, now, info, err);
	sbuf_free(&bin);
	sbuf_free(&d.text);
	return rc;
}

int pgp_verify_detached(const struct pgp_keyring *kr, const void *data, size_t len,
			const void *sig, size_t sig_len, const char *what,
			struct pgp_sig_info *info, struct pgb_err *err)
{
	return pgp_verify_detached_at(kr, data, len, sig, sig_len, what, (int64_t)time(NULL),
				      info, err);
}

int pgp_verify_digests(const struct pgp_keyring *kr, const uint8_t *sig, size_t len,
		       const struct pgp_digests *fed, const char *what, int64_t now,
		       struct pgp_sig_info *info, struct pgb_err *err)
{
	struct signed_data d = { 0, NULL, 0, SBUF_INIT, 0, 0, fed };

	return run(kr, &d, sig, len, what, now, info, err);
}
