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
 *   sig      a detached binary OpenPGP signature (type 0x00) by that key
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
 * Opening checks, in this order, and names the check that failed: the
 * trailer is there (no junk after it, not truncated), its magic, version
 * and tiling; the sizes are sane; the signature is good from the embedded
 * key, or from the key file given (an operator's own copy of the bundle
 * key; then the embedded key must hold the same key); and the payload's
 * SHA-256 matches the trailer.  The file is read once, in fixed-size chunks,
 * feeding the signature digest and the payload hash in the same pass, so
 * memory does not grow with the file.
 *
 * The checks hold for the bytes read while opening.  The file descriptor
 * stays open for extraction; the installer opens its own running executable,
 * which the kernel refuses to let anyone write while it runs (ETXTBSY).
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

/*
 * Open path and verify all of it (see above).  key_path_or_NULL: a public
 * key file (binary or armored) to verify against instead of the embedded
 * key.  On success *out holds the open file; the caller closes it with
 * runfile_close().  On error *out is NULL and err says which check failed.
 */
int runfile_open(struct runfile **out, const char *path, const char *key_path_or_NULL,
		 struct pgb_err *err);
void runfile_close(struct runfile *r);

/* A read-only descriptor of the verified file: read it with pread() only (shared offset). */
int runfile_fd(const struct runfile *r);
/* The path given to runfile_open(). */
const char *runfile_path(const struct runfile *r);
uint64_t runfile_size(const struct runfile *r);
/* Where the payload (the tar.zst) lies in runfile_fd(); also the stub's length. */
uint64_t runfile_payload_offset(const struct runfile *r);
uint64_t runfile_payload_length(const struct runfile *r);
/* Lowercase hex SHA-256 of the payload, as checked. */
const char *runfile_payload_sha256(const struct runfile *r);
/* The meta bytes (bundle.json), NUL-terminated (not counted in *len); owned by r. */
const char *runfile_meta(const struct runfile *r, size_t *len);
/* The embedded public key bytes; owned by r. */
const void *runfile_key(const struct runfile *r, size_t *len);
/* Uppercase hex fingerprint of the primary key that made the good signature. */
const char *runfile_signer(const struct runfile *r);
/* When the signature says it was made (the build's sigtime). */
int64_t runfile_signed_at(const struct runfile *r);
/* 1 when the signature was checked against the key file given to runfile_open(). */
int runfile_checked_with_key_file(const struct runfile *r);

#ifdef __cplusplus
}
#endif

#endif
