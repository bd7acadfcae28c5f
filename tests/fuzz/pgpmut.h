/*
 * pgpmut.h - structure-aware mutation of OpenPGP data for the pgp harnesses
 * (pgpmut.c), written apart from repo/pgp_*.c so that it does not share
 * their mistakes.
 *
 * Two Ed25519 keys with fixed, public secrets are the harnesses' own: K1, a
 * primary key (certify + sign), and K2, its signing subkey.  The fixed
 * certificate (pgpmut_cert) holds K1, a User ID, K1's self-signature, K2 and
 * its binding with K2's embedded back-signature, all valid.
 *
 * pgpmut_mutate() takes OpenPGP data (binary packets, or one armored block),
 * splits it into packets, changes the structure (drop, duplicate, swap,
 * retag packets), the fields of key packets (version, time, algorithm, curve
 * OID, MPI lengths) or of signature packets (type, algorithms, hashed and
 * unhashed subpackets: times, expirations, flags, issuers, criticality,
 * embedded signatures), or bytes of one packet, and writes the packets back
 * with consistent lengths (in varied but legal encodings).  Then, mostly, it
 * signs every signature again that K1 or K2 can make - certifications,
 * bindings, back-signatures, revocations, and data signatures over the data
 * given - so the result verifies and reaches the rules behind the
 * cryptography instead of stopping at "bad signature".
 */
#ifndef PGB_PGPMUT_H
#define PGB_PGPMUT_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "pgp.h"
#include "util.h"

#define PGPMUT_K1 0
#define PGPMUT_K2 1
#define PGPMUT_CREATED 1700000000	/* when K1 and K2 were made */

/* The fixed keys' v4 fingerprints (20 bytes). */
const uint8_t *pgpmut_fpr(int key);
/* Append the fixed certificate (binary) to out. */
void pgpmut_cert(struct sbuf *out);
/* Append K1's transferable secret key (secret key packet, User ID, self-signature),
 * unprotected, as pgp_seckey_save() writes one. */
void pgpmut_seckey(struct sbuf *out);
/* Append a v4 SHA-512 signature packet by key over data (type 0x00 or 0x01) made at t. */
void pgpmut_sign_data(struct sbuf *out, int key, const void *data, size_t len, int type,
		      int64_t t);

/*
 * Mutate buf[0..size) (at most max bytes) as described above; returns the
 * new size (0 when nothing fitting came out: the caller falls back to
 * LLVMFuzzerMutate).  data/len is what data signatures (0x00, 0x01) are
 * re-signed over; NULL leaves them as they are.
 */
size_t pgpmut_mutate(uint8_t *buf, size_t size, size_t max, unsigned seed, const void *data,
		     size_t len);

/* The same on an sbuf holding binary packets; returns 0 when done, -1 when the
 * input is no packet sequence (then b is unchanged). */
int pgpmut_mutate_packets(struct sbuf *b, struct fuzz_rng *r, const void *data, size_t len);

/*
 * The keyring the verify harnesses check against, loaded from files: the
 * fixed certificate, Debian's archive keyring (debian-archive-keyring) and
 * the gpg-made seed keys of corpus/pgp_keyring/.  The caller frees it.
 */
struct pgp_keyring *pgpmut_verify_keyring(void);

/* Only sign again what K1 and K2 can sign (data signatures over data), in the
 * plainest encoding; -1 when b holds no packet sequence. */
int pgpmut_resign(struct sbuf *b, const void *data, size_t len);

#endif
