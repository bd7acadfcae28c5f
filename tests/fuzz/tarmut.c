/*
 * tarmut.c - tar archives mutated header by header; see tarmut.h.
 */
#include <stdio.h>
#include <string.h>

#include "tarmut.h"

#define BLOCK 512

static uint64_t octal(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static void set_octal(uint8_t *p, size_t n, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*llo", (int)n - 1, (unsigned long long)v);
	memcpy(p, buf + strlen(buf) - (n - 1), n - 1);
	p[n - 1] = '\0';
}

static void set_checksum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

static size_t padded(uint64_t size)
{
	return (size_t)((size + BLOCK - 1) / BLOCK * BLOCK);
}

size_t tarmut_headers(const uint8_t *tar, size_t n, size_t *at, size_t max)
{
	size_t off = 0, k = 0;

	while (off + BLOCK <= n && k < max && tar[off]) {
		uint64_t size = octal(tar + off + 124, 12);

		if (size > n)
			break;
		at[k++] = off;
		off += BLOCK + padded(size);
	}
	return k;
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* A word of v into field[0..n), "top" replaced by the archive's top directory. */
static void pick(struct fuzz_rng *r, uint8_t *field, size_t n, const char *const *v,
		 const char *top)
{
	size_t nv = count(v);
	const char *s = nv ? v[fuzz_below(r, (uint32_t)nv)] : "";
	char buf[256];

	if (!strncmp(s, "top", 3) && top[0])
		snprintf(buf, sizeof(buf), "%s%s", top, s + 3);
	else
		snprintf(buf, sizeof(buf), "%s", s);
	memset(field, 0, n);
	memcpy(field, buf, strlen(buf) < n ? strlen(buf) : n);
}

/* A pax extended header for the entry at h: "path=..." or "linkpath=...". */
static void pax_before(struct sbuf *out, const uint8_t *h, struct fuzz_rng *r,
		       const char *const *names, const char *const *links, const char *top)
{
	uint8_t x[BLOCK], rec[BLOCK];
	char val[256], line[300];
	int len;

	pick(r, rec, 100, fuzz_below(r, 2) ? names : links, top);
	snprintf(val, sizeof(val), "%s=%.100s\n", fuzz_below(r, 2) ? "path" : "linkpath",
		 (const char *)rec);
	len = (int)strlen(val) + 3;	/* the length field's own digits and space */
	if (len + 1 >= 100)
		len++;
	snprintf(line, sizeof(line), "%d %s", len, val);
	memcpy(x, h, BLOCK);
	memset(x, 0, 100);
	memcpy(x, "PaxHeader", 9);
	x[156] = 'x';
	set_octal(x + 124, 12, strlen(line));
	set_checksum(x);
	sbuf_add(out, x, BLOCK);
	memset(rec, 0, BLOCK);
	memcpy(rec, line, strlen(line));
	sbuf_add(out, rec, BLOCK);
}

void tarmut_set_content(struct sbuf *tar, size_t off, const void *data, size_t len)
{
	uint8_t *h = (uint8_t *)tar->buf + off;
	size_t old = padded(octal(h + 124, 12)), end = off + BLOCK + old;
	struct sbuf out = SBUF_INIT;
	static const char zeros[BLOCK];

	if (end > tar->len)
		end = tar->len;
	set_octal(h + 124, 12, len);
	set_checksum(h);
	sbuf_add(&out, tar->buf, off + BLOCK);
	sbuf_add(&out, data, len);
	sbuf_add(&out, zeros, padded(len) - len);
	sbuf_add(&out, tar->buf + end, tar->len - end);
	sbuf_free(tar);
	*tar = out;
}

/* A regular file's bytes, mutated. */
static void mutate_content(struct sbuf *tar, size_t off, size_t limit)
{
	const uint8_t *h = (const uint8_t *)tar->buf + off;
	size_t len = (size_t)octal(h + 124, 12), cap = len + 1024;
	uint8_t *buf;

	if (off + BLOCK + len > tar->len)
		return;
	if (cap > limit)
		cap = limit > len ? limit : len;
	buf = xmalloc(cap ? cap : 1);
	memcpy(buf, tar->buf + off + BLOCK, len);
	len = LLVMFuzzerMutate(buf, len, cap);
	tarmut_set_content(tar, off, buf, len);
	free(buf);
}

void tarmut_mutate(struct sbuf *tar, struct fuzz_rng *r, const char *const *names,
		   const char *const *links, const char *top_dir)
{
	static const char types[] = "0123456789xgLKS\0";
	size_t at[256], n = tarmut_headers((uint8_t *)tar->buf, tar->len, at, 256), i;
	char top[101];
	uint8_t *h;

	if (!n)
		return;
	if (top_dir) {
		snprintf(top, sizeof(top), "%s", top_dir);
	} else {
		memcpy(top, tar->buf, 100);
		top[100] = '\0';
		top[strcspn(top, "/")] = '\0';
	}
	i = fuzz_below(r, (uint32_t)n);
	h = (uint8_t *)tar->buf + at[i];
	switch (fuzz_below(r, 12)) {
	case 0:
		pick(r, h, 100, names, top);
		break;
	case 1:
		pick(r, h + 157, 100, links, top);
		break;
	case 2:
		h[156] = (uint8_t)types[fuzz_below(r, sizeof(types))];
		break;
	case 3:
	{
		static const unsigned modes[] = { 04755, 02755, 01777, 0777, 0, 0100644, 07777 };

		set_octal(h + 100, 8, modes[fuzz_below(r, sizeof(modes) / sizeof(modes[0]))]);
		break;
	}
	case 4:			/* size: a little off, or huge */
		set_octal(h + 124, 12, fuzz_below(r, 2) ? octal(h + 124, 12) + fuzz_below(r, 1025)
							: 077777777777ull);
		break;
	case 5:
		set_octal(h + 108, 8, fuzz_interesting32(r) & 07777777);
		break;
	case 6:
		set_octal(h + 136, 12, fuzz_interesting32(r));
		break;
	case 7:
	{
		struct sbuf out = SBUF_INIT;

		sbuf_add(&out, tar->buf, at[i]);
		pax_before(&out, h, r, names, links, top);
		sbuf_add(&out, tar->buf + at[i], tar->len - at[i]);
		sbuf_free(tar);
		*tar = out;
		return;
	}
	case 8:			/* this entry again, after the next one */
	{
		size_t end = i + 1 < n ? at[i + 1] : tar->len, len = end - at[i];
		size_t where = i + 2 < n ? at[i + 2] : at[n - 1];
		struct sbuf out = SBUF_INIT;

		if (where < end)
			where = end;
		sbuf_add(&out, tar->buf, where);
		sbuf_add(&out, tar->buf + at[i], len);
		sbuf_add(&out, tar->buf + where, tar->len - where);
		sbuf_free(tar);
		*tar = out;
		return;
	}
	case 9:
	case 10:		/* a regular file's content (type '0' or old '\0') */
		if (h[156] == '0' || h[156] == '\0') {
			mutate_content(tar, at[i], 65536);
			return;
		}
		/* fall through */
	default:
	{
		uint8_t field[100];
		size_t len = strnlen((char *)h, 100);

		memcpy(field, h, 100);
		len = LLVMFuzzerMutate(field, len, 99);
		memset(h, 0, 100);
		memcpy(h, field, len);
	}
	}
	set_checksum(h);
}
