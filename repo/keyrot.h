/*
 * keyrot.h - key rotation statements: a bundle key vouching for the key
 * that replaces it, so that hosts which pinned the old key accept bundles
 * signed by the new one without anyone touching them.
 *
 * A statement is a cleartext-signed message (pgp.h) made by the old key:
 *
 *     pgbundle key rotation
 *     Old-Key: <40 hex: the old key's fingerprint>
 *     New-Key: <40 hex: the new key's fingerprint>
 *     Date: YYYY-MM-DD HH:MM:SS UTC
 *
 *     -----BEGIN PGP PUBLIC KEY BLOCK-----      (dash-escaped in the message)
 *     ... the new key ...
 *
 * It is self-contained: whoever trusts the old key can check it and learns
 * the new key from it, and a chain of statements (A vouches for B, B for C)
 * leads from a key pinned long ago to today's.  `pgbundle key rotate` writes
 * it next to the new key (KEYDIR/pgbundle.rotation, holding the whole chain);
 * `pgbundle build` puts the chain in bundle.json ("key_rotation"), which the
 * .run's signature covers; the installer follows it from the keys it pinned
 * (installer/trust.c).
 */
#ifndef PGB_KEYROT_H
#define PGB_KEYROT_H

#include <stdint.h>

#include "error.h"
#include "pgp.h"
#include "util.h"

#define KEYROT_FILE "pgbundle.rotation"

/* Append to out the statement by which old vouches for new, signed at `when`. */
int keyrot_make(const struct pgp_seckey *old, const struct pgp_seckey *new, int64_t when,
		struct sbuf *out, struct pgb_err *err);

/* Split text (statements one after the other, as in KEYROT_FILE) into one
 * string per statement, appended to out.  -1 when text holds anything else. */
int keyrot_split(const char *text, size_t len, const char *what, struct strlist *out,
		 struct pgb_err *err);

/*
 * Follow stmts from the keys of trusted: a statement counts when it
 * verifies against trusted and is signed by its Old-Key; its New-Key then
 * joins trusted (which grows) and its Old-Key is appended to olds.  Returns
 * 1 when fpr (a primary fingerprint) was reached that way, 0 when not (err
 * then says why each statement did not count).  Statements are looked at in
 * order, so a chain must be listed oldest first.
 */
int keyrot_follow(struct pgp_keyring *trusted, const struct strlist *stmts, const char *fpr,
		  struct strlist *olds, struct pgb_err *err);

/* The New-Key of the last statement of stmts (40 hex, NUL-terminated), or -1. */
int keyrot_last_new_key(const struct strlist *stmts, char fpr[41], struct pgb_err *err);

#endif
