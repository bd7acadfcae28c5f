#include "hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct hash_ctx {
	EVP_MD_CTX *md;
};

static const EVP_MD *algo_md(enum hash_algo algo)
{
	switch (algo) {
	case HASH_MD5: return EVP_md5();
	case HASH_SHA1: return EVP_sha1();
	case HASH_SHA256: return EVP_sha256();
	case HASH_SHA512: return EVP_sha512();
	}
	return EVP_sha256();
}

struct hash_ctx *hash_new(enum hash_algo algo)
{
	struct hash_ctx *h = xcalloc(1, sizeof(*h));

	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, algo_md(algo), NULL) != 1) {
		fprintf(stderr, "pgbundle: cannot initialise digest\n");
		abort();
	}
	return h;
}

void hash_update(struct hash_ctx *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md, data, len);
}

void hash_final_hex(struct hash_ctx *h, char hex[HASH_HEX_MAX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->md, md, &n);
	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

void hash_free(struct hash_ctx *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

void hash_buf_hex(enum hash_algo algo, const void *data, size_t len, char hex[HASH_HEX_MAX])
{
	struct hash_ctx *h = hash_new(algo);

	hash_update(h, data, len);
	hash_final_hex(h, hex);
	hash_free(h);
}

int hash_file_hex(enum hash_algo algo, const char *path, char hex[HASH_HEX_MAX],
		  uint64_t *size, struct pgb_err *err)
{
	unsigned char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	struct hash_ctx *h;
	uint64_t total = 0;
	size_t n;

	if (!f)
		return pgb_failsys(err, "cannot open %s", path);
	h = hash_new(algo);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		hash_update(h, buf, n);
		total += n;
	}
	if (ferror(f)) {
		fclose(f);
		hash_free(h);
		return pgb_failsys(err, "cannot read %s", path);
	}
	fclose(f);
	hash_final_hex(h, hex);
	hash_free(h);
	if (size)
		*size = total;
	return 0;
}

int hash_sha256_hex_ok(const char *s)
{
	if (!s)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}
