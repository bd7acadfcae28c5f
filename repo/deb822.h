/*
 * deb822.h - paragraphs of deb822 text (apt's Packages, Release, *.sources,
 * dpkg's status) read in place, without copying the input.
 *
 * The iterator hands out views into the caller's buffer, so a 50 MB Packages
 * file is scanned once with no allocation per paragraph; only the fields the
 * caller asks for with deb822_get() are copied.  The buffer must outlive
 * every struct deb822_para taken from it.
 *
 *     struct deb822_iter it;
 *     struct deb822_para para;
 *     int r;
 *
 *     deb822_iter_init(&it, data, len, "Packages");
 *     while ((r = deb822_next(&it, &para, err)) == 1) {
 *         const char *name;
 *         size_t n;
 *
 *         if (deb822_get_span(&para, "Package", &name, &n) == 0)
 *             ...;
 *     }
 *     if (r < 0)
 *         return -1;		// err says "FILE:LINE: ..."
 *
 * Syntax accepted: "Field: value" lines; continuation lines starting with a
 * space or tab; paragraphs separated by one or more empty or whitespace-only
 * lines; lines starting with '#' are comments (deb822 .sources allow them,
 * Packages files never carry them) and are skipped wherever they are; CRLF
 * line ends; a missing final newline.  Field names match case-insensitively.
 */
#ifndef PGB_DEB822_H
#define PGB_DEB822_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "error.h"
#include "util.h"

/*
 * One paragraph: raw points into the iterated buffer, from the start of its
 * first field line to the end of its last field or continuation line, with
 * neither that line's "\n" nor the blank line after it (a CRLF text keeps the
 * '\r').  Comment lines before the first field are not part of it; comment
 * lines between fields are.  line is the 1-based line number of raw[0].
 * A caller may also build one by hand from any stanza text, e.g.
 * { s, strlen(s), 1 }.
 */
struct deb822_para {
	const char *raw;
	size_t len;
	size_t line;
};

struct deb822_iter {
	const char *p, *end;
	size_t line;
	const char *what;
};

/* Start iterating buf[0..len); what (not copied) names the text in errors. */
void deb822_iter_init(struct deb822_iter *it, const char *buf, size_t len, const char *what);

/*
 * The next paragraph.  Returns 1 and fills *para, 0 at the end of the text,
 * or -1 on a syntax error (a line that is neither a field, a continuation,
 * a comment nor blank; or a continuation line with no field before it) with
 * err naming "what:line".  Do not call it again after -1.
 */
int deb822_next(struct deb822_iter *it, struct deb822_para *para, struct pgb_err *err);

/*
 * The value of field (case-insensitive name), malloc'd (caller frees), or
 * NULL when the paragraph has no such field.  The value is the first line
 * with surrounding whitespace trimmed, then each continuation line without
 * its single leading space (or tab) and without a trailing '\r', joined by
 * '\n'.  An empty first line contributes nothing, so "SHA256:\n a\n b"
 * gives "a\nb" and "Description: x\n y" gives "x\ny".  A continuation line
 * " ." is returned as "." (no deb822 unescaping is done).
 */
char *deb822_get(const struct deb822_para *p, const char *field);

/*
 * The trimmed first line of field, without allocating: *val points into
 * p->raw, *len is its length.  Returns 0 when found, -1 when absent (then
 * *val and *len are untouched).  Meant for single-line fields (Package,
 * Version, Architecture) on the hot path of an index scan.
 */
int deb822_get_span(const struct deb822_para *p, const char *field, const char **val,
		    size_t *len);

/*
 * Lines of a (possibly multi-line) field one by one, without allocating,
 * with the line number of each, for callers that report errors per line
 * (the SHA256 list of a Release):
 *
 *     struct deb822_lines ln;
 *     const char *s;
 *     size_t n, line;
 *
 *     if (deb822_lines_init(&ln, &para, "SHA256") == 0)
 *         while (deb822_lines_next(&ln, &s, &n, &line))
 *             ...;	// s[0..n), at what:line
 *
 * Yields the same lines deb822_get() joins: the trimmed first line when it
 * is not empty, then every continuation line.  deb822_lines_init() returns 0,
 * or -1 when the field is absent.  deb822_lines_next() returns 1 with a line
 * or 0 at the end.  The views point into the paragraph's buffer.
 */
struct deb822_lines {
	const char *p, *end;
	const char *first;
	size_t first_len;
	size_t line;
	int in_first;
};
int deb822_lines_init(struct deb822_lines *ln, const struct deb822_para *p, const char *field);
int deb822_lines_next(struct deb822_lines *ln, const char **s, size_t *n, size_t *line);

/*
 * Append paragraph p to out with field set to value: when p has the field,
 * its line and continuation lines are replaced in place by "Name: value"
 * (Name spelled as in p); otherwise "field: value" is added as the last
 * line.  Every other byte of p is copied unchanged, and the result ends with
 * exactly one "\n" (no blank line: the caller separates paragraphs).  A
 * value containing '\n' is written as continuation lines, an empty one as
 * " ." (an empty first line gives "Name:" alone); deb822_get() then gives
 * the value back, with "." for each empty line.  Used to point Filename at
 * the bundle's pool and to add Status.
 */
void deb822_write_with(struct sbuf *out, const struct deb822_para *p, const char *field,
		       const char *value);

#ifdef __cplusplus
}
#endif

#endif
