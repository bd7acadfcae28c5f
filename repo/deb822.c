#include "deb822.h"

#include <string.h>

/* End of the line starting at l: its '\n', or end. */
static const char *line_end(const char *l, const char *end)
{
	const char *nl = memchr(l, '\n', (size_t)(end - l));

	return nl ? nl : end;
}

/* Start of the line after the one ending at e. */
static const char *next_line(const char *e, const char *end)
{
	return e < end ? e + 1 : end;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_blank(const char *l, const char *e)
{
	for (; l < e; l++)
		if (!is_ws(*l))
			return 0;
	return 1;
}

static int is_cont(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII-only, so a Turkish or any other locale cannot change what matches. */
static int name_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];

		if (x != y)
			return 0;
	}
	return 1;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ws(**s))
		(*s)++;
	while (*e > *s && is_ws((*e)[-1]))
		(*e)--;
}

void deb822_iter_init(struct deb822_iter *it, const char *buf, size_t len, const char *what)
{
	/* An empty buffer may have no storage (an sbuf never written): NULL + 0
	 * is undefined in C (found by tests/fuzz/fuzz_packages). */
	it->p = buf;
	it->end = buf ? buf + len : buf;
	it->line = 1;
	it->what = what ? what : "(deb822 text)";
}

static int bad_line(const struct deb822_iter *it, size_t line, const char *l, const char *e,
		    const char *why, struct pgb_err *err)
{
	int n = (int)(e - l > 60 ? 60 : e - l);

	return pgb_fail(err, "%s:%zu: syntax error: %s: \"%.*s\"; fix or regenerate the file",
			it->what, line, why, n, l);
}

int deb822_next(struct deb822_iter *it, struct deb822_para *para, struct pgb_err *err)
{
	const char *start = NULL, *last = NULL;
	size_t start_line = 0;

	while (it->p < it->end) {
		const char *l = it->p, *e = line_end(l, it->end), *colon;
		size_t line = it->line++;

		it->p = next_line(e, it->end);
		if (is_blank(l, e)) {
			if (start)
				break;
			continue;
		}
		if (*l == '#')
			continue;
		if (is_cont(*l)) {
			if (!start)
				return bad_line(it, line, l, e, "continuation line with no field before it",
						err);
			last = e;
			continue;
		}
		colon = memchr(l, ':', (size_t)(e - l));
		if (!colon)
			return bad_line(it, line, l, e,
					"neither 'Field: value' nor a continuation line (which starts "
					"with a space)", err);
		if (colon == l)
			return bad_line(it, line, l, e, "empty field name", err);
		if (!start) {
			start = l;
			start_line = line;
		}
		last = e;
	}
	if (!start)
		return 0;
	para->raw = start;
	para->len = (size_t)(last - start);
	para->line = start_line;
	return 1;
}

/* The line of field in p (a field line, not a continuation or comment), or NULL. */
static const char *find_field(const struct deb822_para *p, const char *field)
{
	const char *l = p->raw, *end = p->raw + p->len;
	size_t n = strlen(field);

	while (l < end) {
		const char *e = line_end(l, end);

		if ((size_t)(e - l) > n && l[n] == ':' && name_eq(l, field, n) &&
		    !is_cont(*l) && *l != '#')
			return l;
		l = next_line(e, end);
	}
	return NULL;
}

/* The trimmed value on field line l, whose name is nlen bytes long. */
static void first_value(const char *l, size_t nlen, const char *end, const char **val,
			size_t *len)
{
	const char *s = l + nlen + 1, *e = line_end(l, end);

	trim(&s, &e);
	*val = s;
	*len = (size_t)(e - s);
}

int deb822_get_span(const struct deb822_para *p, const char *field, const char **val,
		    size_t *len)
{
	const char *l = find_field(p, field);

	if (!l)
		return -1;
	first_value(l, strlen(field), p->raw + p->len, val, len);
	return 0;
}

static size_t count_lines(const char *s, const char *e)
{
	size_t n = 0;

	while ((s = memchr(s, '\n', (size_t)(e - s)))) {
		n++;
		s++;
	}
	return n;
}

int deb822_lines_init(struct deb822_lines *ln, const struct deb822_para *p, const char *field)
{
	const char *l = find_field(p, field);

	if (!l)
		return -1;
	ln->end = p->raw + p->len;
	ln->line = p->line + count_lines(p->raw, l);
	first_value(l, strlen(field), ln->end, &ln->first, &ln->first_len);
	ln->p = next_line(line_end(l, ln->end), ln->end);
	ln->in_first = 1;
	return 0;
}

int deb822_lines_next(struct deb822_lines *ln, const char **s, size_t *n, size_t *line)
{
	if (ln->in_first) {
		ln->in_first = 0;
		if (ln->first_len) {
			*s = ln->first;
			*n = ln->first_len;
			*line = ln->line;
			return 1;
		}
	}
	while (ln->p < ln->end) {
		const char *l = ln->p, *e = line_end(l, ln->end);

		ln->p = next_line(e, ln->end);
		ln->line++;
		if (*l == '#')
			continue;
		if (!is_cont(*l))
			break;
		if (e > l + 1 && e[-1] == '\r')
			e--;
		*s = l + 1;
		*n = (size_t)(e - l - 1);
		*line = ln->line;
		return 1;
	}
	ln->p = ln->end;
	return 0;
}

char *deb822_get(const struct deb822_para *p, const char *field)
{
	struct deb822_lines ln;
	struct sbuf b = SBUF_INIT;
	const char *s;
	size_t n, line;

	if (deb822_lines_init(&ln, p, field) < 0)
		return NULL;
	while (deb822_lines_next(&ln, &s, &n, &line)) {
		if (b.len)
			sbuf_addc(&b, '\n');
		sbuf_add(&b, s, n);
	}
	return sbuf_detach(&b, NULL);
}

/* End of field line l's block: past its last continuation line (comment
 * lines inside it go with it; those after its last continuation stay). */
static const char *field_block_end(const char *l, const char *end)
{
	const char *block = next_line(line_end(l, end), end), *q = block;

	while (q < end) {
		const char *e = line_end(q, end);

		if (is_cont(*q))
			block = next_line(e, end);
		else if (*q != '#')
			break;
		q = next_line(e, end);
	}
	return block;
}

static void add_field(struct sbuf *out, const char *name, size_t nlen, const char *value)
{
	const char *v = value;

	sbuf_add(out, name, nlen);
	sbuf_addc(out, ':');
	for (;;) {
		const char *nl = strchr(v, '\n');
		size_t n = nl ? (size_t)(nl - v) : strlen(v);

		/* An empty first line is "Name:" as in a Release's "SHA256:". */
		if (v == value)
			sbuf_adds(out, n ? " " : "");
		else
			sbuf_adds(out, n ? " " : " .");
		sbuf_add(out, v, n);
		sbuf_addc(out, '\n');
		if (!nl)
			break;
		v = nl + 1;
	}
}

void deb822_write_with(struct sbuf *out, const struct deb822_para *p, const char *field,
		       const char *value)
{
	const char *end = p->raw + p->len, *l = find_field(p, field), *rest;

	/* A hand-built paragraph may end in "\n": the one "\n" we add replaces it. */
	while (end > p->raw && end[-1] == '\n')
		end--;
	if (!l) {
		sbuf_add(out, p->raw, (size_t)(end - p->raw));
		if (end > p->raw)
			sbuf_addc(out, '\n');
		add_field(out, field, strlen(field), value);
		return;
	}
	sbuf_add(out, p->raw, (size_t)(l - p->raw));
	add_field(out, l, strlen(field), value);
	rest = field_block_end(l, end);
	if (rest < end) {
		sbuf_add(out, rest, (size_t)(end - rest));
		sbuf_addc(out, '\n');
	}
}
