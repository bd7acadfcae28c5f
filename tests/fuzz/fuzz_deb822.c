/*
 * fuzz_deb822.c - repo/deb822.c on Packages / status / .sources text, as the
 * builder reads upstream indexes (resolve, extdisc's join) and the installer
 * reads dpkg's status.
 *
 * Properties checked beyond "no crash, no leak":
 *   - deb822_lines yields exactly the lines deb822_get() joins with '\n';
 *   - deb822_get_span is the first line of deb822_get's value;
 *   - deb822_write_with then deb822_get gives the value back (a one-line and
 *     a multi-line one), and leaves every other field as it was;
 *   - the iterator advances: every paragraph lies inside the buffer, after
 *     the previous one, with increasing line numbers.
 */
#include <string.h>
#include <strings.h>

#include "deb822.h"
#include "fuzz.h"

static const char *const fields[] = {
	"Package", "Version", "Architecture", "Depends", "Description", "SHA256",
	"Filename", "Status", "Size", "Provides", "Types", "URIs", "Signed-By", NULL
};

/* The paragraph's first field name (up to ':'), as a NUL-terminated copy. */
static char *first_field(const struct deb822_para *p)
{
	const char *colon = memchr(p->raw, ':', p->len), *nl = memchr(p->raw, '\n', p->len);

	if (!colon || (nl && nl < colon) || colon == p->raw)
		return NULL;
	return xstrndup(p->raw, (size_t)(colon - p->raw));
}

static void check_lines(const struct deb822_para *p, const char *field)
{
	char *v = deb822_get(p, field);
	struct deb822_lines ln;
	struct sbuf joined = SBUF_INIT;
	const char *s, *span;
	size_t n, line, spanlen;
	int first = 1;

	if (deb822_lines_init(&ln, p, field) < 0) {
		FUZZ_ASSERT(!v);
		FUZZ_ASSERT(deb822_get_span(p, field, &span, &spanlen) < 0);
		return;
	}
	FUZZ_ASSERT(v);
	while (deb822_lines_next(&ln, &s, &n, &line)) {
		FUZZ_ASSERT(s >= p->raw && s + n <= p->raw + p->len);
		FUZZ_ASSERT(line >= p->line);
		if (!first)
			sbuf_addc(&joined, '\n');
		sbuf_add(&joined, s, n);
		first = 0;
	}
	/* A NUL byte in the text ends the C string deb822_get() returns there. */
	if (!joined.len || !memchr(joined.buf, '\0', joined.len))
		FUZZ_ASSERT(joined.len == strlen(v));
	FUZZ_ASSERT(!memcmp(joined.buf ? joined.buf : "", v, strlen(v)));
	FUZZ_ASSERT(deb822_get_span(p, field, &span, &spanlen) == 0);
	if (spanlen && !memchr(span, '\0', spanlen))
		FUZZ_ASSERT(!strncmp(v, span, spanlen) && (v[spanlen] == '\0' || v[spanlen] == '\n'));
	sbuf_free(&joined);
	free(v);
}

/* Parse text (one paragraph expected) and return the value of field. */
static char *reparse_get(const struct sbuf *text, const char *field, char **other,
			 const char *other_field)
{
	struct deb822_iter it;
	struct deb822_para p;
	struct pgb_err err;
	char *v;

	deb822_iter_init(&it, text->buf, text->len, "rewritten");
	FUZZ_ASSERT(deb822_next(&it, &p, &err) == 1);
	v = deb822_get(&p, field);
	*other = other_field ? deb822_get(&p, other_field) : NULL;
	FUZZ_ASSERT(deb822_next(&it, &p, &err) == 0);
	return v;
}

/* A field name deb822 accepts where write_with puts it: printable, no ':'. */
static int plain_name(const char *s)
{
	if (!*s || *s == '#' || *s == '-')
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ':')
			return 0;
	return 1;
}

static void check_rewrite(const struct deb822_para *p, const char *field, const char *value)
{
	struct sbuf out = SBUF_INIT;
	char *first = first_field(p), *before = NULL, *after, *other;

	/* Compare another field (the paragraph's first, unless it is the one rewritten). */
	if (first && (!plain_name(first) || !strcasecmp(first, field))) {
		free(first);
		first = NULL;
	}
	if (first)
		before = deb822_get(p, first);
	deb822_write_with(&out, p, field, value);
	after = reparse_get(&out, field, &other, first);
	FUZZ_ASSERT(after && !strcmp(after, value));
	if (first)
		FUZZ_ASSERT((!before && !other) || (before && other && !strcmp(before, other)));
	free(after);
	free(other);
	free(before);
	free(first);
	sbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deb822_iter it;
	struct deb822_para p;
	struct pgb_err err;
	const char *prev_end = (const char *)data;
	size_t prev_line = 0, count = 0;
	int r;

	deb822_iter_init(&it, (const char *)data, size, "Packages");
	while ((r = deb822_next(&it, &p, &err)) == 1) {
		char *first = first_field(&p);

		FUZZ_ASSERT(p.raw >= prev_end && p.raw + p.len <= (const char *)data + size);
		FUZZ_ASSERT(p.line > prev_line);
		FUZZ_ASSERT(p.len > 0);
		prev_end = p.raw + p.len;
		prev_line = p.line;
		for (size_t i = 0; fields[i]; i++)
			check_lines(&p, fields[i]);
		if (first)
			check_lines(&p, first);
		free(first);
		/* The paragraph must parse on its own for a rewrite to mean anything. */
		if (count++ < 4 && !memchr(p.raw, '\0', p.len)) {
			check_rewrite(&p, "Filename", "pool/main/p/pgbundle/x_1.0_amd64.deb");
			check_rewrite(&p, "Description", "short\nlong line\n.\nmore");
		}
	}
	if (r < 0)
		FUZZ_ASSERT(err.msg[0]);
	return 0;
}
