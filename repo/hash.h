/*
 * hash.h - SHA-256 (and the other digests repository indexes carry) over
 * buffers, files and streams, on OpenSSL's EVP interface.
 *
 * Digests are returned as lowercase hex in a caller buffer of HASH_HEX_MAX.
 */
#ifndef PGB_HASH_H
#define PGB_HASH_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define HASH_HEX_MAX 129	/* SHA-512 hex + NUL */

enum hash_algo { HASH_MD5, HASH_SHA1, HASH_SHA256, HASH_SHA512 };

/* Incremental hashing; the context is opaque, hash_free() releases it. */
struct hash_ctx;
struct hash_ctx *hash_new(enum hash_algo algo);
void hash_update(struct hash_ctx *h, const void *data, size_t len);
/* Writes the hex digest and resets nothing: call hash_free() afterwards. */
void hash_final_hex(struct hash_ctx *h, char hex[HASH_HEX_MAX]);
void hash_free(struct hash_ctx *h);

void hash_buf_hex(enum hash_algo algo, const void *data, size_t len, char hex[HASH_HEX_MAX]);
/* 1 when s (may be NULL) is a SHA-256 digest as this module writes it: 64
 * lower-case hex digits, nothing after. */
int hash_sha256_hex_ok(const char *s);
/* Hash a file; also returns its size when size is not NULL. */
int hash_file_hex(enum hash_algo algo, const char *path, char hex[HASH_HEX_MAX],
		  uint64_t *size, struct pgb_err *err);

#ifdef __cplusplus
}
#endif

#endif
