/*
 * pgp.h - OpenPGP signatures on OpenSSL: verify upstream repository metadata,
 * sign the bundle's own repository, make the bundle key.
 *
 * Verifying (pgp_keyring.c, pgp_verify.c):
 *
 *     struct pgp_keyring *kr;
 *     if (pgp_keyring_load(&kr, "/usr/share/keyrings/debian-archive-keyring.gpg", &err) < 0)
 *         ...;
 *     if (pgp_verify_cleartext(kr, msg, len, url, &body, &blen, &info, &err) < 0)
 *         ...;   // body: the signed Release text, malloc'd
 *     pgp_keyring_free(kr);
 *
 * What is accepted: v4 keys and v4 signatures; RSA (algorithms 1 and 3, at
 * least 2048 bits for data signatures) and Ed25519 as legacy EdDSA (22);
 * data signatures hashed with SHA-224/256/384/512 (never SHA-1 or MD5; key
 * self-signatures may use SHA-1).  A key counts only with a valid
 * self-signature (User ID certification or direct-key signature) by itself;
 * a subkey only with a valid binding signature (0x18) by its primary and, to
 * sign, the signing key flag plus a valid embedded primary-key binding (0x19)
 * made by the subkey.  Key flags and the key expiration time come from the
 * newest valid self-signature (newest binding for a subkey).  A
 * self-signature with a signature expiration time lasts until then: a key
 * whose User ID self-signatures have all expired, or a subkey whose binding
 * has, is not used.  A valid revocation by the key itself (0x20, 0x28) makes
 * the key unusable whatever its reason and wherever it stands in the
 * certificate; revocations issued by designated revokers are not checked.
 * Third-party certifications are ignored: the keyring is the trust anchor.
 * A signature dated more than 10 minutes after "now" is refused (its date
 * is only the signer's claim).  When several keys of a keyring match a
 * signature's issuer (a 64-bit key ID collision), each is tried.
 *
 * Signing (pgp_sign.c): the bundle key is an Ed25519 v4 key (legacy EdDSA),
 * certify+sign, one User ID, no expiry, self-signed with SHA-512.  Signatures
 * are SHA-512 (SHA-256 from pgp_sign_stream_new_sha256) with hashed creation time, Issuer Fingerprint (33) and Issuer
 * Key ID (16), at a time the caller gives, so the same key, data and time give
 * the same bytes (Ed25519 is deterministic).  gpgv and sqv accept them.
 *
 * Streaming (pgp_stream.c): the same signing and detached verification over
 * data fed in pieces, for files too large to hold in memory (the installer's
 * .run), sharing the code and the rules of the in-memory functions.
 *
 * Errors: every fallible function returns 0 or -1 and fills err with a message
 * naming the file or URL (`what`) and the reason.  Input is treated as
 * hostile: lengths are checked, nothing is read past a buffer.  Functions
 * never print.
 */
#ifndef PGB_PGP_H
#define PGB_PGP_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* ---- keyrings ---- */

/* An opaque set of public keys: primaries and their subkeys. */
struct pgp_keyring;

/*
 * Load a keyring file: binary (several concatenated transferable public keys,
 * as in /usr/share/keyrings) or ASCII-armored (one or more PUBLIC KEY
 * BLOCKs, as .asc files).  Keys of other versions (v3, v6) and unsupported
 * algorithms are kept out or left unusable rather than failing the load; a
 * malformed packet, a secret key or a file without any v4 key is an error.
 * *out is the caller's, freed with pgp_keyring_free().
 */
int pgp_keyring_load(struct pgp_keyring **out, const char *path, struct pgb_err *err);
/* Same from memory; `what` names the source in messages. */
int pgp_keyring_load_mem(struct pgp_keyring **out, const void *data, size_t len,
			 const char *what, struct pgb_err *err);
/* Merge the keys of another file into kr.  On error kr keeps what it had. */
int pgp_keyring_add_file(struct pgp_keyring *kr, const char *path, struct pgb_err *err);
/* Same from memory. */
int pgp_keyring_add_mem(struct pgp_keyring *kr, const void *data, size_t len, const char *what,
			struct pgb_err *err);
/* Number of primary keys (certificates) in kr; subkeys are not counted. */
size_t pgp_keyring_count(const struct pgp_keyring *kr);
/* Is the key with this fingerprint (40 hex digits, any case) a primary or a subkey in kr? */
int pgp_keyring_has(const struct pgp_keyring *kr, const char *fpr);
/* The uppercase hex fingerprints of kr's primary keys, in order, appended to out. */
void pgp_keyring_fprs(const struct pgp_keyring *kr, struct strlist *out);
/* The first User ID of the primary key fpr (any case), "" when it has none, NULL when kr
 * does not hold it as a primary. */
const char *pgp_keyring_uid(const struct pgp_keyring *kr, const char *fpr);
/*
 * Which key of kr the first signature of sig (binary packets or armored)
 * names as its issuer: the fingerprint of that key's primary into
 * primary_fpr.  Nothing is verified: this says whom a signature claims.
 * -1 when the signature is unreadable or names no key of kr.
 */
int pgp_keyring_issuer_of(const struct pgp_keyring *kr, const void *sig, size_t len,
			  char primary_fpr[41]);
/*
 * Append to out the packets of the certificate (transferable public key)
 * whose primary is fpr, taken from keyring data (binary or armored) as they
 * are: for keeping one key of a keyring.  -1 when data holds no such key.
 */
int pgp_keyring_extract(const void *data, size_t len, const char *fpr, struct sbuf *out,
			struct pgb_err *err);
void pgp_keyring_free(struct pgp_keyring *kr);

/* ---- verifying ---- */

struct pgp_sig_info {
	char fpr[41];		/* uppercase hex fingerprint of the key that made the good signature */
	int64_t created;	/* its signature creation time */
	char primary_fpr[41];	/* the primary key of fpr (fpr itself when it is a primary) */
};

/*
 * Verify a cleartext-signed message (InRelease).  On success *body is the
 * signed text, malloc'd and NUL-terminated (not counted in *body_len): the
 * lines between the armor header and the signature with dash-escaping undone,
 * trailing spaces, tabs and carriage returns removed (they are not covered by
 * the signature, as apt also drops them), each ending in "\n" - the bytes
 * `gpgv --output -` writes for Debian's InRelease files.
 *
 * Succeeds when at least one signature is good from a key (or signing-capable
 * subkey) of kr that was valid when it signed and is neither expired nor
 * revoked now.  Signatures by keys outside kr are skipped.  A signature by a
 * key of kr that does not verify fails the whole call ("bad signature"), even
 * when another one is good.  No good signature fails with a message naming
 * every key ID seen and why it did not count.  The framing follows what apt
 * accepts: the message starts with "-----BEGIN PGP SIGNED MESSAGE-----", only
 * "Hash:" armor headers, no other line in the text starting with '-' unless
 * dash-escaped, nothing but signature blocks after it.  On error *body is NULL.
 * info may be NULL.
 */
int pgp_verify_cleartext(const struct pgp_keyring *kr, const char *msg, size_t len,
			 const char *what, char **body, size_t *body_len,
			 struct pgp_sig_info *info, struct pgb_err *err);
/*
 * A detached signature (binary packets or an armored SIGNATURE block; several
 * signatures allowed) over data.  Signature types 0x00 (binary) and 0x01
 * (text: line endings hashed as CRLF) are accepted.  Same rules as above.
 */
int pgp_verify_detached(const struct pgp_keyring *kr, const void *data, size_t len,
			const void *sig, size_t sig_len, const char *what,
			struct pgp_sig_info *info, struct pgb_err *err);
/*
 * The two above with the "now" for expiry and revocation checks given by the
 * caller (unix time) instead of the clock: for checking an archived file as of
 * a given day, and for tests.
 */
int pgp_verify_cleartext_at(const struct pgp_keyring *kr, const char *msg, size_t len,
			    const char *what, int64_t now, char **body, size_t *body_len,
			    struct pgp_sig_info *info, struct pgb_err *err);
int pgp_verify_detached_at(const struct pgp_keyring *kr, const void *data, size_t len,
			   const void *sig, size_t sig_len, const char *what, int64_t now,
			   struct pgp_sig_info *info, struct pgb_err *err);

/* ---- the bundle key and signing ---- */

/* An opaque secret key (Ed25519) with its User ID and self-signature. */
struct pgp_seckey;

/*
 * Make a new Ed25519 v4 key: legacy EdDSA (22) on curve OID
 * 1.3.6.1.4.1.11591.15.1, primary key certify+sign, one User ID `uid`,
 * self-signed with SHA-512, created at `created` (unix time).  *out is the
 * caller's, freed with pgp_seckey_free().
 */
int pgp_keygen(struct pgp_seckey **out, const char *uid, int64_t created, struct pgb_err *err);
/*
 * Write k as an unprotected transferable secret key (binary: secret key packet,
 * User ID, self-signature) to path, atomically, mode 0600.
 */
int pgp_seckey_save(const struct pgp_seckey *k, const char *path, struct pgb_err *err);
/*
 * Read a transferable secret key, binary or armored (PRIVATE KEY BLOCK), as
 * written by pgp_seckey_save() or `gpg --export-secret-keys` of an Ed25519 key
 * without passphrase.  The primary key signs; secret subkeys are ignored.
 * Clear errors for a public key, a passphrase-protected key, an algorithm
 * other than Ed25519, a secret that does not match the public key, a key
 * dated after this host's clock, a missing or invalid self-signature
 * (including one gpg and sqv would not use: naming no issuer, dated before
 * the key or after the clock), a key without the sign flag, an expired key
 * or self-signature, a key that carries its own revocation: what loads
 * signs what verifies against its exported public key.  Decoded secret
 * bytes are wiped before they are freed, on error too.
 */
int pgp_seckey_load(struct pgp_seckey **out, const char *path, struct pgb_err *err);
/* Same from memory; `what` names the source in messages. */
int pgp_seckey_load_mem(struct pgp_seckey **out, const void *data, size_t len, const char *what,
			struct pgb_err *err);
/*
 * Append the transferable public key (key, User ID, self-signature) to out:
 * binary, or armored as a PUBLIC KEY BLOCK when `armored`.
 */
int pgp_seckey_export_public(const struct pgp_seckey *k, int armored, struct sbuf *out,
			     struct pgb_err *err);
/* Uppercase hex v4 fingerprint, NUL-terminated. */
void pgp_seckey_fingerprint(const struct pgp_seckey *k, char fpr[41]);
int64_t pgp_seckey_created(const struct pgp_seckey *k);
/*
 * The earliest time k's signatures verify everywhere: its self-signature's
 * date (gpg re-makes it to change the expiry), which sqv wants made by the
 * time of a signature; never before the key's own date.
 */
int64_t pgp_seckey_signs_from(const struct pgp_seckey *k);
void pgp_seckey_free(struct pgp_seckey *k);

/*
 * Append a cleartext-signed message (InRelease) of text to out: header
 * "Hash: SHA512", the dash-escaped text, an armored type 0x01 signature made
 * at `sigtime`.  The text must not have trailing white space (spaces, tabs,
 * carriage returns) on any line, because a cleartext signature does not cover
 * it: that is an error naming the line.  A text not ending in "\n" is signed as
 * if it did (the verifier returns it with the "\n").
 */
int pgp_sign_cleartext(const struct pgp_seckey *k, const void *text, size_t len, int64_t sigtime,
		       struct sbuf *out, struct pgb_err *err);
/*
 * Append a detached binary-mode (0x00) signature over data made at `sigtime`:
 * a signature packet, or an armored SIGNATURE block when `armored`.
 */
int pgp_sign_detached(const struct pgp_seckey *k, const void *data, size_t len, int64_t sigtime,
		      int armored, struct sbuf *out, struct pgb_err *err);

/* ---- streaming: data too large to hold in memory (pgp_stream.c) ---- */

/*
 * Sign data fed in pieces; the result is byte for byte what
 * pgp_sign_detached() gives for the concatenated pieces:
 *
 *     struct pgp_sign_stream *s;
 *     if (pgp_sign_stream_new(&s, key, &err) < 0) ...;
 *     while (...) pgp_sign_stream_update(s, buf, n);
 *     rc = pgp_sign_stream_finish(s, sigtime, 0, &sig, &err);
 *     pgp_sign_stream_free(s);
 *
 * The key must outlive the stream.  finish may be called once; after it,
 * only pgp_sign_stream_free().  pgp_sign_stream_dup() copies the state, to
 * sign several continuations of one long prefix without reading it again.
 */
struct pgp_sign_stream;
int pgp_sign_stream_new(struct pgp_sign_stream **out, const struct pgp_seckey *k,
			struct pgb_err *err);
/* The same hashed with SHA-256, which CPUs with SHA extensions compute about
 * twice as fast as SHA-512: for large files verified as they are installed. */
int pgp_sign_stream_new_sha256(struct pgp_sign_stream **out, const struct pgp_seckey *k,
			       struct pgb_err *err);
void pgp_sign_stream_update(struct pgp_sign_stream *s, const void *data, size_t len);
int pgp_sign_stream_dup(struct pgp_sign_stream **out, const struct pgp_sign_stream *s,
			struct pgb_err *err);
/* Append the signature packet (armored SIGNATURE block when `armored`) to out. */
int pgp_sign_stream_finish(struct pgp_sign_stream *s, int64_t sigtime, int armored,
			   struct sbuf *out, struct pgb_err *err);
void pgp_sign_stream_free(struct pgp_sign_stream *s);

/*
 * Check a detached signature over data fed in pieces, hashing the data once
 * whatever the number of signatures: new() parses the signature (binary or
 * armored; a copy is kept) and starts one digest per hash algorithm its
 * signatures use; update() feeds data; finish() applies the rules and gives
 * the messages of pgp_verify_detached(), except that only binary-mode (0x00)
 * signatures can count (a text-mode one is noted and skipped).  new() fails
 * on a malformed signature; finish() may be called more than once.
 */
struct pgp_verify_stream;
int pgp_verify_stream_new(struct pgp_verify_stream **out, const void *sig, size_t sig_len,
			  const char *what, struct pgb_err *err);
void pgp_verify_stream_update(struct pgp_verify_stream *v, const void *data, size_t len);
int pgp_verify_stream_finish(const struct pgp_verify_stream *v, const struct pgp_keyring *kr,
			     struct pgp_sig_info *info, struct pgb_err *err);
/* The same with "now" given (see pgp_verify_detached_at()). */
int pgp_verify_stream_finish_at(const struct pgp_verify_stream *v,
				const struct pgp_keyring *kr, int64_t now,
				struct pgp_sig_info *info, struct pgb_err *err);
void pgp_verify_stream_free(struct pgp_verify_stream *v);

/* ---- ASCII armor ---- */

/*
 * Append data as an armor block of `kind` ("PUBLIC KEY BLOCK", "SIGNATURE",
 * "PRIVATE KEY BLOCK"): no headers, 64-column base64, CRC-24 line.  -1 only
 * for a NULL or empty kind.
 */
int pgp_armor(const void *data, size_t len, const char *kind, struct sbuf *out);
/*
 * Decode the first armor block in text to binary, appended to out.  The
 * CRC-24 is checked when present; bad base64, a missing END line or an END of
 * another kind are errors.
 */
int pgp_dearmor(const char *text, size_t len, struct sbuf *out, struct pgb_err *err);

#ifdef __cplusplus
}
#endif

#endif
