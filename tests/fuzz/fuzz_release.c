/*
 * fuzz_release.c - repo/aptidx.c's Release reader (the signed body of an
 * InRelease, as family_deb.c hands it over) and its RFC 2822 dates.
 *
 * Properties:
 *   - on failure *rel is all zero (the header's promise) and err says why;
 *   - on success every SHA256 path is relative without "." or ".." parts,
 *     its digest is 64 lowercase hex digits, and aptidx_release_find()
 *     finds the first entry of each path;
 *   - a parsed Date or Valid-Until formats and parses back to the same time.
 */
#include <string.h>

#include "aptidx.h"
#include "fuzz.h"

static int safe_path(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (*c == '/' && !*++c)
			return 0;
	}
	return 1;
}

static void check_date(const char *s, int64_t t)
{
	char buf[64];
	int64_t back;

	if (!s)
		return;
	/* Years 0000-9999 only are written with the 4 digits the parser wants. */
	if (t < -62135596800LL || t > 253402300799LL)
		return;
	aptidx_format_date(t, buf);
	FUZZ_ASSERT(aptidx_parse_date(buf, &back) == 0 && back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aptidx_release rel, zero;
	struct pgb_err err;

	memset(&zero, 0, sizeof(zero));
	err.msg[0] = '\0';
	if (aptidx_release_parse((const char *)data, size, "fuzz/InRelease", &rel, &err) < 0) {
		FUZZ_ASSERT(!memcmp(&rel, &zero, sizeof(rel)));
		FUZZ_ASSERT(err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(rel.nfiles > 0);
	for (size_t i = 0; i < rel.nfiles; i++) {
		const struct aptidx_relfile *f = &rel.files[i], *hit;

		FUZZ_ASSERT(safe_path(f->path));
		FUZZ_ASSERT(strlen(f->sha256) == 64 &&
			    strspn(f->sha256, "0123456789abcdef") == 64);
		hit = aptidx_release_find(&rel, f->path);
		FUZZ_ASSERT(hit && hit <= f && !strcmp(hit->path, f->path));
	}
	check_date(rel.date_str, rel.date);
	check_date(rel.valid_until_str, rel.valid_until);
	aptidx_release_free(&rel);
	FUZZ_ASSERT(!memcmp(&rel, &zero, sizeof(rel)));
	return 0;
}
