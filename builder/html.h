/*
 * html.h - a small HTML (and inline SVG) writer that escapes everything it
 * is given: the only way `pgbundle report` produces markup.
 *
 * Text and attribute values are always escaped (& < > " '), so data from a
 * bundle (package names, versions, licenses, a hostile bundle.json) cannot
 * open a tag or leave an attribute.  Tag and attribute names are the
 * caller's string constants.  Only html_raw() writes bytes as given: for the
 * page's own constant stylesheet, never for data.
 *
 *     struct html h = HTML_INIT;
 *     html_open(&h, "td", "class", "num", NULL);   // attribute pairs, NULL-ended
 *     html_textf(&h, "%zu", n);
 *     html_close(&h, "td");
 *     html_elem(&h, "h1", name, NULL);             // <h1>name</h1>
 *     if (html_finish(&h, &err) < 0) ...           // every tag closed?
 *     ... h.out.buf ...
 *     html_free(&h);
 *
 * Open tags are kept on a stack: closing another tag than the innermost
 * open one, or finishing with tags open, is reported by html_finish(), so a
 * page is always well nested.
 */
#ifndef PGB_HTML_H
#define PGB_HTML_H

#include "error.h"
#include "util.h"

struct html {
	struct sbuf out;
	struct strlist open;	/* the stack of open tags */
	char *bad;		/* the first nesting mistake, for html_finish() */
};
#define HTML_INIT { SBUF_INIT, STRLIST_INIT, NULL }

/* <tag name="value" ...>: the variadic arguments are name, value pairs (a
 * NULL value skips its pair), ended by one NULL name. */
void html_open(struct html *h, const char *tag, ...) __attribute__((sentinel));
/* </tag>, which must be the innermost open tag. */
void html_close(struct html *h, const char *tag);
/* <tag ...> with no content and no closing tag (meta, br, rect, ...). */
void html_void(struct html *h, const char *tag, ...) __attribute__((sentinel));
/* <tag ...>text</tag> */
void html_elem(struct html *h, const char *tag, const char *text, ...)
	__attribute__((sentinel));
void html_text(struct html *h, const char *text);
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes as given: constant markup or CSS of the page itself, never data. */
void html_raw(struct html *h, const char *trusted);

/* Escape s for text or an attribute value, appended to out. */
void html_escape(struct sbuf *out, const char *s);

/* 0 when every tag was closed in order; else -1 naming the first mistake. */
int html_finish(struct html *h, struct pgb_err *err);
void html_free(struct html *h);

#endif
