/*
 * rpmmdmut.c - repomd.xml records rewritten to match their files
 * (rpmmdmut.h), by text: the mutated repomd.xml need not parse.
 */
#include <string.h>

#include "hash.h"
#include "rpmmdmut.h"

/* Replace the text between open and close inside [from, *to) of s; s grows. */
static void set_between(struct sbuf *s, size_t from, size_t *to, const char *open,
			const char *close, const char *value)
{
	char *a = memmem(s->buf + from, *to - from, open, strlen(open)), *b;
	struct sbuf n = SBUF_INIT;
	size_t at, len;

	if (!a)
		return;
	a += strlen(open);
	b = memmem(a, (size_t)(s->buf + *to - a), close, strlen(close));
	if (!b)
		return;
	at = (size_t)(a - s->buf);
	len = (size_t)(b - a);
	sbuf_add(&n, s->buf, at);
	sbuf_adds(&n, value);
	sbuf_add(&n, s->buf + at + len, s->len - at - len);
	*to = *to - len + strlen(value);
	sbuf_free(s);
	*s = n;
}

/* The <data type="TYPE"> record of md describes file at href. */
static void fix_record(struct sbuf *md, const char *type, const char *href,
		       const struct fuzz_part *file)
{
	char *tag = xasprintf("<data type=\"%s\">", type), hex[HASH_HEX_MAX], size[32];
	char *start = md->len ? memmem(md->buf, md->len, tag, strlen(tag)) : NULL, *end;
	size_t from, to;

	free(tag);
	if (!start || !(end = memmem(start, (size_t)(md->buf + md->len - start), "</data>", 7)))
		return;
	from = (size_t)(start - md->buf);
	to = (size_t)(end - md->buf);
	hash_buf_hex(HASH_SHA256, file->p, file->n, hex);
	snprintf(size, sizeof(size), "%zu", file->n);
	set_between(md, from, &to, "<checksum type=\"sha256\">", "<", hex);
	set_between(md, from, &to, "<open-checksum type=\"sha256\">", "<", hex);
	set_between(md, from, &to, "<location href=\"", "\"", href);
	set_between(md, from, &to, "<size>", "<", size);
	set_between(md, from, &to, "<open-size>", "<", size);
}

void rpmmdmut_fix_repomd(struct sbuf *md, const struct fuzz_part *parts,
			 const struct rpmmdmut_layout *l)
{
	for (size_t i = 1; i < l->n; i++)
		fix_record(md, l->types[i], l->hrefs[i], &parts[i]);
}

void rpmmdmut_make_seed(const char *path, const struct rpmmdmut_layout *l)
{
	struct fuzz_part *parts = xcalloc(l->n, sizeof(*parts));
	struct sbuf md = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err;
	size_t len;
	char *raw = fuzz_read_src(path, &len), *dst = xasprintf("%s.seed", path);
	int rc;

	fuzz_split((const uint8_t *)raw, len, parts, l->n);
	sbuf_add(&md, parts[0].p, parts[0].n);
	rpmmdmut_fix_repomd(&md, parts, l);
	parts[0] = (struct fuzz_part){ (const uint8_t *)md.buf, md.len };
	fuzz_join(&out, parts, l->n);
	rc = util_write_atomic(dst, out.buf, out.len, 0644, &err);
	free(parts);
	free(raw);
	free(dst);
	sbuf_free(&md);
	sbuf_free(&out);
	exit(rc < 0);
}

size_t rpmmdmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		       const struct rpmmdmut_layout *l)
{
	struct fuzz_part *parts = xcalloc(l->n, sizeof(*parts));
	struct sbuf *p = xcalloc(l->n, sizeof(*p)), out = SBUF_INIT;
	struct fuzz_rng r;
	uint32_t which;
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	if (fuzz_split(data, size, parts, l->n) != l->n || fuzz_below(&r, 16) == 0)
		goto out;
	for (size_t i = 0; i < l->n; i++)
		sbuf_add(&p[i], parts[i].p, parts[i].n);
	which = fuzz_below(&r, (uint32_t)l->n);
	sbuf_grow(&p[which], 256);
	p[which].len = LLVMFuzzerMutate((uint8_t *)p[which].buf, p[which].len, p[which].len + 256);
	for (size_t i = 0; i < l->n; i++)
		parts[i] = (struct fuzz_part){ (const uint8_t *)p[i].buf, p[i].len };
	/* Mostly signed checksums that match, so the parsers behind them run. */
	if (which != 0 || fuzz_below(&r, 2)) {
		rpmmdmut_fix_repomd(&p[0], parts, l);
		parts[0] = (struct fuzz_part){ (const uint8_t *)p[0].buf, p[0].len };
	}
	fuzz_join(&out, parts, l->n);
	n = fuzz_emit(data, max, &out);
	for (size_t i = 0; i < l->n; i++)
		sbuf_free(&p[i]);
	sbuf_free(&out);
out:
	free(parts);
	free(p);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
