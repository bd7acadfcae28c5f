/*
 * pgp_int.h - internals shared by the pgp_*.c files; not for other modules
 * (they use pgp.h).
 *
 * Everything here reads from caller-owned byte buffers: packets, signatures
 * and keys hold pointers into the buffer they were parsed from, so the buffer
 * must outlive them.  Parsers check every length against what is left and fail
 * with a message naming `what` (the file or URL) rather than reading past the
 * end.
 */
#ifndef PGB_PGP_INT_H
#define PGB_PGP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "error.h"
#include "util.h"

enum pgp_tag {
	PGP_TAG_SIG = 2,
	PGP_TAG_SECKEY = 5,
	PGP_TAG_PUBKEY = 6,
	PGP_TAG_SECSUB = 7,
	PGP_TAG_MARKER = 10,
	PGP_TAG_TRUST = 12,
	PGP_TAG_UID = 13,
	PGP_TAG_PUBSUB = 14,
	PGP_TAG_UATTR = 17,
};

enum pgp_pkalgo {
	PGP_PK_RSA = 1,
	PGP_PK_RSA_E = 2,
	PGP_PK_RSA_S = 3,
	PGP_PK_EDDSA = 22,
};

enum pgp_hashalgo {
	PGP_H_MD5 = 1,
	PGP_H_SHA1 = 2,
	PGP_H_RIPEMD160 = 3,
	PGP_H_SHA256 = 8,
	PGP_H_SHA384 = 9,
	PGP_H_SHA512 = 10,
	PGP_H_SHA224 = 11,
};

enum pgp_sigtype {
	PGP_SIG_BINARY = 0x00,
	PGP_SIG_TEXT = 0x01,
	PGP_SIG_CERT_FIRST = 0x10,	/* 0x10..0x13: User ID certifications */
	PGP_SIG_CERT_LAST = 0x13,
	PGP_SIG_SUBKEY_BIND = 0x18,
	PGP_SIG_PRIMARY_BIND = 0x19,
	PGP_SIG_DIRECT = 0x1f,
	PGP_SIG_KEY_REV = 0x20,
	PGP_SIG_SUBKEY_REV = 0x28,
	PGP_SIG_CERT_REV = 0x30,
};

#define PGP_KF_CERTIFY 0x01
#define PGP_KF_SIGN 0x02

/* OID 1.3.6.1.4.1.11591.15.1, DER body without tag and length. */
extern const uint8_t pgp_oid_ed25519[9];

/* ---- packets (pgp_packet.c) ---- */

struct pgp_packet {
	int tag;
	const uint8_t *body;
	size_t len;
};

struct pgp_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	const char *what;
};

void pgp_reader_init(struct pgp_reader *r, const void *buf, size_t len, const char *what);
/* 1 and *pkt filled, 0 at the end of the buffer, -1 on a malformed header. */
int pgp_read_packet(struct pgp_reader *r, struct pgp_packet *pkt, struct pgb_err *err);
/* Append a packet with a new-format header. */
void pgp_put_packet(struct sbuf *out, int tag, const void *body, size_t len);

/* Append an MPI built from a big-endian unsigned number (leading zeros dropped). */
void pgp_put_mpi(struct sbuf *out, const uint8_t *num, size_t len);
void pgp_put_be(struct sbuf *out, uint64_t v, int bytes);
uint32_t pgp_get_be32(const uint8_t *p);

/*
 * Read an MPI at *off in p[0..len): *num points at its value bytes with
 * leading zero bytes skipped.  -1 when it runs past len.
 */
int pgp_get_mpi(const uint8_t *p, size_t len, size_t *off, const uint8_t **num, size_t *nlen);

/* ---- keys ---- */

struct pgp_key {
	int algo;
	int64_t created;
	uint8_t fpr[20];
	EVP_PKEY *pkey;		/* NULL when the algorithm is not supported */
	int bits;
	struct pgp_key *primary;	/* NULL for a primary key */
	/* Filled from the key's self-signatures (pgp_keyring.c). */
	int usable;		/* a valid self-signature or binding exists */
	int can_sign;
	int revoked;
	int64_t expires;	/* absolute unix time, 0 = never */
	int64_t sig_expires;	/* when the self-signatures that make it valid expire, 0 = never */
	char uid[128];		/* the primary's first User ID, for messages */
};

/*
 * Parse a v4 public key packet body (also the public prefix of a secret key
 * packet): *used is how many bytes the public part took.  Returns 0, 1 when the
 * version is not 4 (k untouched, err says why), -1 when malformed.  An
 * unsupported algorithm is not an error: k->pkey stays NULL.
 */
int pgp_key_parse(struct pgp_key *k, const uint8_t *body, size_t len, size_t *used,
		  const char *what, struct pgb_err *err);
void pgp_key_release(struct pgp_key *k);
void pgp_fpr_hex(const uint8_t fpr[20], char hex[41]);
/* The low 64 bits of the fingerprint as 16 uppercase hex digits. */
void pgp_keyid_hex(const uint8_t id[8], char hex[17]);
/* Feed 0x99 || len16 || body, as key signatures hash a key. */
void pgp_hash_keybody(EVP_MD_CTX *md, const uint8_t *body, size_t len);
/*
 * Feed what a key signature covers after the primary key: a subkey (prefix
 * 0x99, 16-bit length), a User ID (0xb4) or attribute (0xd1) with a 32-bit length.
 */
void pgp_hash_component(EVP_MD_CTX *md, int prefix, const uint8_t *data, size_t len);

/* Walk every key of a keyring, primaries and subkeys (pgp_keyring.c). */
struct pgp_keyring;
size_t pgp_keyring_size(const struct pgp_keyring *kr);
const struct pgp_key *pgp_keyring_key(const struct pgp_keyring *kr, size_t i);

/* ---- signatures ---- */

struct pgp_sig {
	int version;
	int type;
	int pkalgo;
	int halgo;
	const uint8_t *hashed;	/* version byte .. end of hashed subpackets */
	size_t hashed_len;
	uint8_t left16[2];
	const uint8_t *mpi[2];
	size_t mpi_len[2];
	int nmpi;
	int64_t created;	/* -1 when absent */
	int64_t sig_expires;	/* seconds after created, 0 = never */
	int64_t key_expires;	/* seconds after key creation, 0 = never */
	int has_key_flags;
	unsigned key_flags;
	int has_issuer_fpr;
	uint8_t issuer_fpr[20];
	int has_issuer_id;
	uint8_t issuer_id[8];
	const uint8_t *embedded;	/* subpacket 32, an embedded signature body */
	size_t embedded_len;
	int unknown_critical;	/* a critical subpacket we do not understand */
};

/*
 * Parse a signature packet body.  0 on success; 1 when it is well-formed but
 * not something we handle (version other than 4), with err saying so; -1 when
 * malformed.
 */
int pgp_sig_parse(struct pgp_sig *s, const uint8_t *body, size_t len, const char *what,
		  struct pgb_err *err);
/* OpenSSL digest of an OpenPGP hash algorithm id, NULL if unknown. */
const EVP_MD *pgp_md(int halgo);
const char *pgp_hash_name(int halgo);
const char *pgp_algo_name(int pkalgo);
/* Start a digest of OpenPGP hash algorithm halgo (a signature's, or
 * PGP_H_SHA512 for every signature pgbundle makes); NULL when unknown or
 * unavailable. */
EVP_MD_CTX *pgp_md_begin(int halgo);
/*
 * Add the v4 trailer, finish the digest and check it against the key:
 * 1 good, 0 bad (including a wrong left-16 quick check).  Frees md.
 */
int pgp_sig_hash_verify(EVP_MD_CTX *md, const struct pgp_sig *s, const struct pgp_key *k);
/* Does s name k as its issuer?  A signature naming nobody matches nobody. */
int pgp_sig_names_key(const struct pgp_sig *s, const struct pgp_key *k);

/* ---- signing and verifying over digests (pgp_sign.c, pgp_verify.c, pgp_stream.c) ---- */

struct pgp_seckey;
struct pgp_keyring;
struct pgp_sig_info;

/*
 * Finish a v4 signature of `type` by k whose signed data md (SHA-512, or
 * SHA-256) already holds: adds the hashed subpackets (creation time t,
 * issuer, `extra`) and the v4 trailer, signs, and appends the signature
 * packet body to body.  Frees md.
 */
int pgp_sig_finish(const struct pgp_seckey *k, EVP_MD_CTX *md, int type, int64_t t,
		   const struct sbuf *extra, struct sbuf *body, struct pgb_err *err);

/* Digests of data seen only once, one per OpenPGP hash algorithm id (NULL = not kept). */
#define PGP_H_SLOTS 16
struct pgp_digests {
	EVP_MD_CTX *md[PGP_H_SLOTS];
};
/* A new context holding what dg has for halgo so far; NULL when it keeps none. */
EVP_MD_CTX *pgp_digests_copy(const struct pgp_digests *dg, int halgo);
/*
 * pgp_verify_detached_at() for data given as digests: same policy, same
 * messages, but only binary-mode (0x00) signatures can count.
 */
int pgp_verify_digests(const struct pgp_keyring *kr, const uint8_t *sig, size_t len,
		       const struct pgp_digests *fed, const char *what, int64_t now,
		       struct pgp_sig_info *info, struct pgb_err *err);

/* ---- armor (pgp_armor.c) ---- */

uint32_t pgp_crc24(const uint8_t *p, size_t len);
/*
 * Decode the armor block that starts at or after *pos in text[0..len); the
 * block's kind ("SIGNATURE", "PUBLIC KEY BLOCK", ...) goes to kind.  *pos moves
 * past the END line.  1 when a block was decoded, 0 when there is none left,
 * -1 on a malformed block.
 */
int pgp_dearmor_next(const char *text, size_t len, size_t *pos, char kind[64], struct sbuf *out,
		     const char *what, struct pgb_err *err);
/* Does the buffer (after leading white space) begin with "-----BEGIN PGP "? */
int pgp_is_armored(const void *data, size_t len);

#endif
