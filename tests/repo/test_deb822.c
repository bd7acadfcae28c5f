/* test_deb822.c - the deb822 paragraph iterator, field lookup and rewriting. */
#include <stdlib.h>
#include <string.h>

#include "deb822.h"
#include "unit.h"

/* Every awkward case a Packages or .sources file can show, line by line. */
static const char mixed[] =
	"# leading comment\n"				/* 1 */
	"\n"						/* 2 */
	"Package: alpha\n"				/* 3 */
	"Version: 1.0-1\n"				/* 4 */
	"Description: first line  \n"			/* 5 */
	" second line\n"				/* 6 */
	" .\n"						/* 7 */
	"  indented third\n"				/* 8 */
	"Filename: pool/a/alpha_1.0-1_amd64.deb\n"	/* 9 */
	"\n"						/* 10 */
	"\n"						/* 11 */
	"   \t\n"					/* 12: whitespace-only separator */
	"# comment between paragraphs\n"		/* 13 */
	"Package: beta\r\n"				/* 14 */
	"Version: 2.0\r\n"				/* 15 */
	"# comment inside a paragraph\r\n"		/* 16 */
	"Depends: alpha (>= 1.0),\r\n"			/* 17 */
	" libc6\r\n"					/* 18 */
	"\r\n"						/* 19 */
	"Package: gamma\n"				/* 20 */
	"Version: 3";					/* 21: no final newline */

static int collect(const char *text, struct deb822_para *out, int max, int *n,
		   struct pgb_err *err)
{
	struct deb822_iter it;
	int r;

	*n = 0;
	deb822_iter_init(&it, text, strlen(text), "Packages");
	while ((r = deb822_next(&it, &out[*n], err)) == 1)
		if (++*n == max)
			return -2;
	return r;
}

static int span_is(const struct deb822_para *p, const char *field, const char *want)
{
	const char *v;
	size_t n;

	return deb822_get_span(p, field, &v, &n) == 0 && n == strlen(want) && !memcmp(v, want, n);
}

static int get_is(const struct deb822_para *p, const char *field, const char *want)
{
	char *v = deb822_get(p, field);
	int ok = v && !strcmp(v, want);

	if (!ok)
		fprintf(stderr, "# %s: got \"%s\", want \"%s\"\n", field, v ? v : "(null)", want);
	free(v);
	return ok;
}

static int test_iter_finds_each_paragraph_at_its_first_line(void)
{
	struct deb822_para p[8];
	struct pgb_err err = { { 0 } };
	int n;

	CHECKF(collect(mixed, p, 8, &n, &err) == 0, "%s", err.msg);
	CHECK(n == 3);
	CHECK(p[0].line == 3 && p[1].line == 14 && p[2].line == 20);
	CHECK(span_is(&p[0], "Package", "alpha"));
	CHECK(span_is(&p[1], "Package", "beta"));
	CHECK(span_is(&p[2], "Package", "gamma"));
	return 0;
}

/* fuzz_packages: an empty text with no storage (an sbuf never written,
 * buf NULL) made deb822_iter_init compute NULL + 0, undefined behaviour. */
static int test_an_empty_text_without_storage_has_no_paragraph(void)
{
	struct deb822_iter it;
	struct deb822_para p;
	struct pgb_err err = { { 0 } };

	deb822_iter_init(&it, NULL, 0, "Packages");
	CHECK(deb822_next(&it, &p, &err) == 0);
	return 0;
}

static int test_raw_spans_first_to_last_field_line_without_newline(void)
{
	struct deb822_para p[8];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect(mixed, p, 8, &n, &err) == 0 && n == 3);
	CHECK(!strncmp(p[0].raw, "Package: alpha\n", 15));
	CHECK(p[0].raw[p[0].len - 1] == 'b');		/* "...amd64.deb" */
	CHECK(!memcmp(p[1].raw + p[1].len - 6, "libc6\r", 6));
	CHECK(p[2].raw + p[2].len == mixed + strlen(mixed));
	return 0;
}

static int test_get_joins_continuation_lines_without_leading_space(void)
{
	struct deb822_para p[8];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect(mixed, p, 8, &n, &err) == 0 && n == 3);
	CHECK(get_is(&p[0], "Description", "first line\nsecond line\n.\n indented third"));
	CHECK(span_is(&p[0], "Description", "first line"));
	return 0;
}

static int test_get_drops_crlf_and_skips_comment_lines(void)
{
	struct deb822_para p[8];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect(mixed, p, 8, &n, &err) == 0 && n == 3);
	CHECK(get_is(&p[1], "Version", "2.0"));
	CHECK(span_is(&p[1], "Version", "2.0"));
	CHECK(get_is(&p[1], "Depends", "alpha (>= 1.0),\nlibc6"));
	CHECK(deb822_get(&p[1], "# comment inside a paragraph") == NULL);
	return 0;
}

static int test_last_paragraph_without_final_newline_is_kept(void)
{
	struct deb822_para p[8];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect(mixed, p, 8, &n, &err) == 0 && n == 3);
	CHECK(get_is(&p[2], "Version", "3"));
	return 0;
}

static int test_field_names_match_case_insensitively_and_exactly(void)
{
	const char *s = "Package-Type: udeb\nDescription: x\n Package: evil\npackage: good\n";
	struct deb822_para p = { s, strlen(s), 1 };
	const char *v = "untouched";
	size_t len = 99;

	CHECK(get_is(&p, "PACKAGE", "good"));
	CHECK(get_is(&p, "package-type", "udeb"));
	CHECK(deb822_get(&p, "Pack") == NULL);
	CHECK(deb822_get_span(&p, "Size", &v, &len) == -1);
	CHECK(!strcmp(v, "untouched") && len == 99);
	return 0;
}

static int test_empty_first_line_gives_only_continuation_lines(void)
{
	const char *s = "SHA256:\n aa 1 x\n bb 2 y\nEmpty:\n";
	struct deb822_para p = { s, strlen(s), 1 };

	CHECK(get_is(&p, "SHA256", "aa 1 x\nbb 2 y"));
	CHECK(get_is(&p, "Empty", ""));
	return 0;
}

static int test_lines_report_line_numbers_across_comments(void)
{
	const char *s = "Origin: x\nSHA256:\n aa 1 x\n# note\n bb 2 y\nDate: now\n";
	struct deb822_para p = { s, strlen(s), 5 };
	struct deb822_lines ln;
	const char *l;
	size_t n, line;

	CHECK(deb822_lines_init(&ln, &p, "SHA256") == 0);
	CHECK(deb822_lines_next(&ln, &l, &n, &line) == 1);
	CHECK(n == 6 && !memcmp(l, "aa 1 x", 6) && line == 7);
	CHECK(deb822_lines_next(&ln, &l, &n, &line) == 1);
	CHECK(n == 6 && !memcmp(l, "bb 2 y", 6) && line == 9);
	CHECK(deb822_lines_next(&ln, &l, &n, &line) == 0);
	CHECK(deb822_lines_init(&ln, &p, "MD5Sum") == -1);
	CHECK(deb822_lines_init(&ln, &p, "Origin") == 0);
	CHECK(deb822_lines_next(&ln, &l, &n, &line) == 1 && n == 1 && *l == 'x' && line == 5);
	CHECK(deb822_lines_next(&ln, &l, &n, &line) == 0);
	return 0;
}

static int test_empty_or_comment_only_text_has_no_paragraph(void)
{
	struct deb822_para p[2];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect("", p, 2, &n, &err) == 0 && n == 0);
	CHECK(collect("\n\n  \n# only a comment\n\r\n", p, 2, &n, &err) == 0 && n == 0);
	return 0;
}

static int test_line_without_colon_is_an_error_naming_the_line(void)
{
	struct deb822_para p[4];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect("Package: a\nVersion: 1\n\nPackage: b\nVersion 2\n", p, 4, &n, &err) == -1);
	CHECKF(strstr(err.msg, "Packages:5:") != NULL, "%s", err.msg);
	CHECKF(strstr(err.msg, "Version 2") != NULL, "%s", err.msg);
	return 0;
}

static int test_continuation_before_any_field_is_an_error(void)
{
	struct deb822_para p[4];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect("Package: a\n\n# c\n stray\nPackage: b\n", p, 4, &n, &err) == -1);
	CHECK(n == 1);
	CHECKF(strstr(err.msg, "Packages:4:") != NULL, "%s", err.msg);
	return 0;
}

static int test_empty_field_name_is_an_error(void)
{
	struct deb822_para p[4];
	struct pgb_err err = { { 0 } };
	int n;

	CHECK(collect("Package: a\n: value\n", p, 4, &n, &err) == -1);
	CHECKF(strstr(err.msg, "Packages:2:") != NULL, "%s", err.msg);
	return 0;
}

static int test_write_with_replaces_filename_and_keeps_other_bytes(void)
{
	const char *in = "Package: alpha\n"
			 "Version: 1.0-1\n"
			 "Filename: pool/main/a/alpha/alpha_1.0-1_amd64.deb\n"
			 "Size: 1234\n"
			 "Description: first\n"
			 " second  \n"
			 " .\n";
	const char *want = "Package: alpha\n"
			   "Version: 1.0-1\n"
			   "Filename: pool/alpha_1.0-1_amd64.deb\n"
			   "Size: 1234\n"
			   "Description: first\n"
			   " second  \n"
			   " .\n";
	struct deb822_para p = { in, strlen(in) - 1, 1 };	/* as the iterator gives it */
	struct sbuf out = SBUF_INIT;

	sbuf_adds(&out, "prefix\n");
	deb822_write_with(&out, &p, "filename", "pool/alpha_1.0-1_amd64.deb");
	CHECKF(!strcmp(out.buf + 7, want), "got:\n%s", out.buf);
	CHECK(!strncmp(out.buf, "prefix\n", 7));
	sbuf_free(&out);
	return 0;
}

static int test_write_with_replaces_multiline_field_and_keeps_crlf(void)
{
	const char *in = "Package: b\r\nDescription: old\r\n two\r\n# kept\r\nSize: 5\r\n";
	const char *want = "Package: b\r\nDescription: new\n line\n .\n end\n# kept\r\nSize: 5\r\n";
	struct deb822_para p = { in, strlen(in), 1 };	/* hand-built: ends in "\n" */
	struct sbuf out = SBUF_INIT;

	deb822_write_with(&out, &p, "Description", "new\nline\n\nend");
	CHECKF(!strcmp(out.buf, want), "got:\n%s", out.buf);
	sbuf_free(&out);
	return 0;
}

static int test_write_with_appends_absent_field_as_last_line(void)
{
	const char *in = "Package: c\nVersion: 1";
	struct deb822_para p = { in, strlen(in), 1 };
	struct sbuf out = SBUF_INIT;

	deb822_write_with(&out, &p, "Status", "install ok installed");
	CHECK(!strcmp(out.buf, "Package: c\nVersion: 1\nStatus: install ok installed\n"));
	sbuf_free(&out);
	return 0;
}

static int test_write_with_output_parses_back_to_the_new_value(void)
{
	const char *in = "Package: d\nFilename: a/b.deb\nSHA256: ff";
	struct deb822_para p = { in, strlen(in), 1 }, q;
	struct deb822_iter it;
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { { 0 } };

	deb822_write_with(&out, &p, "Filename", "pool/b.deb");
	deb822_iter_init(&it, out.buf, out.len, "out");
	CHECK(deb822_next(&it, &q, &err) == 1);
	CHECK(get_is(&q, "Filename", "pool/b.deb"));
	CHECK(get_is(&q, "SHA256", "ff"));
	CHECK(deb822_next(&it, &q, &err) == 0);
	sbuf_free(&out);
	return 0;
}

static int test_write_with_multiline_value_round_trips_through_get(void)
{
	const char *in = "Package: e\nSHA256: x";
	struct deb822_para p = { in, strlen(in), 1 }, q = { NULL, 0, 1 };
	struct sbuf out = SBUF_INIT;

	deb822_write_with(&out, &p, "SHA256", "\naa 1 x\nbb 2 y");
	CHECKF(!strcmp(out.buf, "Package: e\nSHA256:\n aa 1 x\n bb 2 y\n"), "got:\n%s", out.buf);
	q.raw = out.buf;
	q.len = out.len;
	CHECK(get_is(&q, "SHA256", "aa 1 x\nbb 2 y"));
	sbuf_reset(&out);
	deb822_write_with(&out, &p, "Description", "short\nlong\n\nmore");
	q.raw = out.buf;
	q.len = out.len;
	CHECK(get_is(&q, "Description", "short\nlong\n.\nmore"));
	sbuf_free(&out);
	return 0;
}

static int test_large_index_scans_every_paragraph(void)
{
	struct sbuf b = SBUF_INIT;
	struct deb822_iter it;
	struct deb822_para p, last = { NULL, 0, 0 };
	struct pgb_err err = { { 0 } };
	size_t n = 0;
	int r;

	for (int i = 0; i < 60000; i++)
		sbuf_addf(&b, "Package: pkg%d\nVersion: %d\nDescription: d\n long text\n\n", i, i);
	deb822_iter_init(&it, b.buf, b.len, "big");
	while ((r = deb822_next(&it, &p, &err)) == 1) {
		n++;
		last = p;
	}
	CHECK(r == 0 && n == 60000);
	CHECK(last.line == 59999 * 5 + 1);
	CHECK(span_is(&last, "Package", "pkg59999"));
	sbuf_free(&b);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_iter_finds_each_paragraph_at_its_first_line);
	T_RUN(&s, test_an_empty_text_without_storage_has_no_paragraph);
	T_RUN(&s, test_raw_spans_first_to_last_field_line_without_newline);
	T_RUN(&s, test_get_joins_continuation_lines_without_leading_space);
	T_RUN(&s, test_get_drops_crlf_and_skips_comment_lines);
	T_RUN(&s, test_last_paragraph_without_final_newline_is_kept);
	T_RUN(&s, test_field_names_match_case_insensitively_and_exactly);
	T_RUN(&s, test_empty_first_line_gives_only_continuation_lines);
	T_RUN(&s, test_lines_report_line_numbers_across_comments);
	T_RUN(&s, test_empty_or_comment_only_text_has_no_paragraph);
	T_RUN(&s, test_line_without_colon_is_an_error_naming_the_line);
	T_RUN(&s, test_continuation_before_any_field_is_an_error);
	T_RUN(&s, test_empty_field_name_is_an_error);
	T_RUN(&s, test_write_with_replaces_filename_and_keeps_other_bytes);
	T_RUN(&s, test_write_with_replaces_multiline_field_and_keeps_crlf);
	T_RUN(&s, test_write_with_appends_absent_field_as_last_line);
	T_RUN(&s, test_write_with_output_parses_back_to_the_new_value);
	T_RUN(&s, test_write_with_multiline_value_round_trips_through_get);
	T_RUN(&s, test_large_index_scans_every_paragraph);
	return t_done(&s);
}
