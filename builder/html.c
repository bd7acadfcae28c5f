/*
 * html.c - the escaping HTML writer of html.h.
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_escape(struct sbuf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sbuf_adds(out, "&amp;"); break;
		case '<': sbuf_adds(out, "&lt;"); break;
		case '>': sbuf_adds(out, "&gt;"); break;
		case '"': sbuf_adds(out, "&quot;"); break;
		case '\'': sbuf_adds(out, "&#39;"); break;
		default: sbuf_addc(out, *s);
		}
	}
}

static void start_tag(struct html *h, const char *tag, va_list ap)
{
	const char *name, *value;

	sbuf_addc(&h->out, '<');
	sbuf_adds(&h->out, tag);
	while ((name = va_arg(ap, const char *))) {
		value = va_arg(ap, const char *);
		if (!value)
			continue;
		sbuf_addc(&h->out, ' ');
		sbuf_adds(&h->out, name);
		sbuf_adds(&h->out, "=\"");
		html_escape(&h->out, value);
		sbuf_addc(&h->out, '"');
	}
	sbuf_addc(&h->out, '>');
}

void html_open(struct html *h, const char *tag, ...)
{
	va_list ap;

	va_start(ap, tag);
	start_tag(h, tag, ap);
	va_end(ap);
	strlist_add(&h->open, tag);
}

void html_void(struct html *h, const char *tag, ...)
{
	va_list ap;

	va_start(ap, tag);
	start_tag(h, tag, ap);
	va_end(ap);
}

void html_close(struct html *h, const char *tag)
{
	if (!h->bad && (!h->open.n || strcmp(h->open.v[h->open.n - 1], tag)))
		h->bad = xasprintf("</%s> closes <%s>", tag,
				   h->open.n ? h->open.v[h->open.n - 1] : "nothing");
	if (h->open.n)
		free(h->open.v[--h->open.n]);
	sbuf_adds(&h->out, "</");
	sbuf_adds(&h->out, tag);
	sbuf_addc(&h->out, '>');
}

void html_elem(struct html *h, const char *tag, const char *text, ...)
{
	va_list ap;

	va_start(ap, text);
	start_tag(h, tag, ap);
	va_end(ap);
	html_escape(&h->out, text);
	sbuf_adds(&h->out, "</");
	sbuf_adds(&h->out, tag);
	sbuf_addc(&h->out, '>');
}

void html_text(struct html *h, const char *text)
{
	html_escape(&h->out, text);
}

void html_textf(struct html *h, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fprintf(stderr, "pgbundle: out of memory\n");
		abort();
	}
	html_escape(&h->out, s);
	free(s);
}

void html_raw(struct html *h, const char *trusted)
{
	sbuf_adds(&h->out, trusted);
}

int html_finish(struct html *h, struct pgb_err *err)
{
	if (h->bad)
		return pgb_fail(err, "report: bad HTML nesting: %s", h->bad);
	if (h->open.n)
		return pgb_fail(err, "report: <%s> was never closed", h->open.v[h->open.n - 1]);
	return 0;
}

void html_free(struct html *h)
{
	sbuf_free(&h->out);
	strlist_free(&h->open);
	free(h->bad);
	memset(h, 0, sizeof(*h));
}
