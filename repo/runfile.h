/*
 * runfile.h - the self-extracting installer file (.run): writing it (the
 * builder) and opening it with every check done (the installer).
 *
 * A .run is the static installer followed by what it installs, and ends in
 * a fixed-size trailer that says where each part is:
 *
 *     [stub][payload][meta][key][sig][trailer]
 *
 *   stub     the static build/pgbundle-installer executable, unchanged
 *   payload  the bundle's tar.zst (repo/pack.h)
 *   meta     the bundle's bundle.json, so `info` needs no decompression
 *   key      the bundle's public key, binary OpenPGP (transferable key)
 *   sig      a detached binary OpenPGP signature (type 0x00) by that key,
 *            hashed with SHA-256 (the fastest hash where it is hardware:
 *            the installer hashes the whole file as it installs it)
 *   trailer  RUNFILE_TRAILER_SIZE bytes, integers little-endian:
 *
 *       off len  field
 *         0   8  magic "\x89PGBRUN\n"
 *         8   4  format version (RUNFILE_VERSION)
 *        12   4  trailer size (RUNFILE_TRAILER_SIZE)
 *        16   8  payload offset   (= the stub's length, > 0)
 *        24   8  payload length
 *        32   8  meta offset      40  8  meta length
 *        48   8  key offset       56  8  key length
 *        64   8  sig offset       72  8  sig length
 *        80  32  SHA-256 of the payload (raw bytes)
 *       112   4  sig_fit: see below
 *       116   4  reserved, 0
 *       120   8  end magic "\nNURBGP\x89"
 *
 * The sections tile the file exactly: payload offset > 0, each section
 * starts where the one before it ends, none is empty, and sig offset + sig
 * length + RUNFILE_TRAILER_SIZE is the file size.  Anything else is refused
 * before the signature is looked at.
 *
 * The signature covers bytes [0, sig offset) followed by the trailer's
 * bytes: the stub, the payload, the meta, the key and every trailer field
 * are signed.  Since the trailer holds the signature's own length and an
 * Ed25519 signature packet is a byte shorter when a number in it starts
 * with a zero byte, the writer raises sig_fit from 0 until the signature
 * made over the trailer has exactly the length the trailer states; sig_fit
 * means nothing else.  A verifier can also check a .run without pgbundle:
 *
 *     head -c SIG_OFF f.run > signed; tail -c 128 f.run >> signed
 *     tail -c $((128 + SIG_LEN)) f.run | head -c SIG_LEN > f.sig
 *     gpgv --keyring ./bundle.gpg f.sig signed
 *
 * Opening (runfile_open) reads the trailer and checks, naming the check that
 * failed: the trailer is there (no junk after it, not truncated), its magic,
 * version and tiling, and the sizes are sane; it then reads the signature,
 * the meta and the key, which are only claims until verified.
 *
 * Verifying (runfile_verify) is one pass over the file from its first byte:
 * each byte is read once, fed to the signature's digest and, for the
 * payload, to SHA-256 and to the caller's consumer (an archive reader or
 * extractor pulling it with runfile_payload_read()), in that order.  After
 * the last byte the signature must be good from the keyring the caller
 * trusts and be made by a key the embedded key holds (apt is given that
 * key), the payload's SHA-256 must match the trailer, and the meta and key
 * bytes of the pass must be those read at opening.  So what the consumer
 * made (an extracted tree) came from exactly the bytes that were verified,
 * whoever writes to the file meanwhile: it is used only once runfile_verify
 * returns 0, and thrown away otherwise.  Memory stays flat: the file is read
 * in fixed-size pieces.
 */
#ifndef PGB_RUNFILE_H
#define PGB_RUNFILE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pgp.h"

#define RUNFILE_VERSION 1
#define RUNFILE_TRAILER_SIZE 128
/* Limits on the small sections, so a damaged trailer cannot make us allocate much. */
#define RUNFILE_META_MAX (16u << 20)
#define RUNFILE_KEY_MAX (1u << 20)
#define RUNFILE_SIG_MAX (64u << 10)

/*
 * Write out_path: stub_path's bytes, payload_path's bytes, meta, the public
 * part of key, a signature by key made at `sigtime` (unix time) and the
 * trailer.  Streams the stub and the payload (memory stays flat); writes
 * out_path.tmp.<pid>, fsyncs and renames it, mode 0755; on error the temp
 * file is removed and out_path is untouched.  The same inputs give the same
 * bytes.  The stub and the payload must be non-empty regular files, meta
 * non-empty.  payload_sha256 (may be NULL) gets the payload's SHA-256 in hex,
 * hashed while it is copied, so callers need not read it again.
 */
int runfile_write(const char *out_path, const char *stub_path, const char *payload_path,
		  const char *meta, size_t meta_len, const struct pgp_seckey *key,
		  int64_t sigtime, char payload_sha256[65], struct pgb_err *err);
/*
 * The same, embedding the binary OpenPGP public key(s) `pub` instead of
 * key's own public key: for a key rotation (a keyring holding the old and
 * the new key), and for tests that need a file signed by a key other than
 * the one it carries.  Nothing checks that pub holds key.
 */
int runfile_write_embed(const char *out_path, const char *stub_path, const char *payload_path,
			const char *meta, size_t meta_len, const void *pub, size_t pub_len,
			const struct pgp_seckey *key, int64_t sigtime, struct pgb_err *err);

struct runfile;
struct stat;

/*
 * Open path and check its layout (see above); nothing is verified yet.  On
 * success *out holds the open file; the caller closes it with
 * runfile_close().  On error *out is NULL and err says which check failed.
 */
int runfile_open(struct runfile **out, const char *path, struct pgb_err *err);
void runfile_close(struct runfile *r);

/*
 * The verification pass (see above): a good signature by a key of kr (named
 * `trusted` in messages; NULL: "the key embedded in the .run").  consume
 * (NULL: none) is called once, with ctx, and reads as much of the payload as
 * it wants with runfile_payload_read(); it returns 0 or -1 with its err set.
 * Returns 0 when the file verifies and consume succeeded; otherwise -1, with
 * the verification's message when the file does not verify, else consume's.
 * May be called again (a new pass).
 */
typedef int (*runfile_consume_fn)(void *ctx, struct runfile *r, struct pgb_err *err);
int runfile_verify(struct runfile *r, const struct pgp_keyring *kr, const char *trusted,
		   runfile_consume_fn consume, void *ctx, struct pgb_err *err);
/*
 * Inside consume: the next bytes of the payload, already hashed, at *buf
 * (valid until the next call); 0 at the payload's end, -1 on a read error.
 */
long runfile_payload_read(struct runfile *r, const void **buf, struct pgb_err *err);
/* runfile_verify() against the key embedded in the file, consuming nothing:
 * proves the file intact, not who made it (tools and tests). */
int runfile_verify_embedded(struct runfile *r, struct pgb_err *err);

/* 1 once runfile_verify() succeeded. */
int runfile_verified(const struct runfile *r);
/* fstat() of the open file (to compare it with the running program). */
int runfile_fstat(const struct runfile *r, struct stat *st);
/* The path given to runfile_open(). */
const char *runfile_path(const struct runfile *r);
uint64_t runfile_size(const struct runfile *r);
/* Where the payload (the tar.zst) lies in the file; also the stub's length. */
uint64_t runfile_payload_offset(const struct runfile *r);
uint64_t runfile_payload_length(const struct runfile *r);
/* The meta bytes (bundle.json), NUL-terminated (not counted in *len); owned by r.
 * A claim until runfile_verify() succeeded, then verified. */
const char *runfile_meta(const struct runfile *r, size_t *len);
/* The embedded public key bytes; owned by r.  Same as the meta: a claim until verified. */
const void *runfile_key(const struct runfile *r, size_t *len);
/* Uppercase hex fingerprint of the primary key of the embedded key that the
 * signature names as its issuer: a claim, for choosing and showing the key
 * to trust before the pass; "" when it names none of them. */
const char *runfile_claimed_signer(const struct runfile *r);
/* The payload's SHA-256 (lowercase hex) the trailer states: a claim until verified. */
const char *runfile_trailer_sha256(const struct runfile *r);
/* After a successful runfile_verify() (NULL before): the lowercase hex
 * SHA-256 of the payload, and the uppercase hex fingerprint of the primary
 * key that made the good signature. */
const char *runfile_payload_sha256(const struct runfile *r);
const char *runfile_signer(const struct runfile *r);
/*
 * After a successful runfile_verify(): the stub's bytes (the installer
 * program), read again and checked against the SHA-256 the pass took of
 * them, so a file rewritten since is refused rather than its new stub
 * handed out.  *buf is the caller's to free.
 */
int runfile_stub_read(const struct runfile *r, uint8_t **buf, size_t *len,
		      struct pgb_err *err);
/* The date the signature states (the signer's claim, not a fact). */
int64_t runfile_signed_at(const struct runfile *r);

#ifdef __cplusplus
}
#endif

#endif
