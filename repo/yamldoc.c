#include "yamldoc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct yamldoc {
	char *path;
	yaml_document_t doc;
};

/* struct yamldoc_node is never defined: its pointers are libyaml's nodes. */
static const yaml_node_t *N(const struct yamldoc_node *n)
{
	return (const yaml_node_t *)(const void *)n;
}

static const struct yamldoc_node *H(const yaml_node_t *n)
{
	return (const struct yamldoc_node *)(const void *)n;
}

static const yaml_node_t *node_at(const struct yamldoc *d, int id)
{
	const yaml_node_t *start = d->doc.nodes.start;

	if (id < 1 || start + id > d->doc.nodes.top)
		return NULL;
	return start + id - 1;
}

/* --- loading --- */

/* libyaml reports reader errors (bad UTF-8, control bytes) as a byte offset. */
static void offset_to_mark(const char *text, size_t len, size_t off, unsigned long *line,
			   unsigned long *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Writing [postgresql-{pg}] is the likely mistake: braces open a flow mapping
 * inside a flow sequence.  Is there a '{' on the lines of the broken flow? */
static int brace_in_flow(const yaml_parser_t *p, const char *text, size_t len)
{
	size_t from = p->context_mark.index, to = p->problem_mark.index;

	if (!p->context || !strstr(p->context, "flow") || from >= to || to >= len)
		return 0;
	while (to < len && text[to] != '\n')
		to++;
	return memchr(text + from + 1, '{', to - from - 1) != NULL;
}

static int parser_fail(const yaml_parser_t *p, const char *name, const char *text, size_t len,
		       struct pgb_err *err)
{
	unsigned long line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return pgb_fail(err, "%s: out of memory while parsing YAML", name);
	if (p->error == YAML_READER_ERROR) {
		offset_to_mark(text, len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return pgb_fail(err, "%s:%lu:%lu: cannot read YAML: %s (byte 0x%02x); "
					"save the file as UTF-8 text", name, line, col,
					p->problem ? p->problem : "unreadable input",
					(unsigned)p->problem_value);
		return pgb_fail(err, "%s:%lu:%lu: cannot read YAML: %s; save the file as UTF-8 "
				"text", name, line, col, p->problem ? p->problem : "unreadable input");
	}
	line = (unsigned long)p->problem_mark.line + 1;
	col = (unsigned long)p->problem_mark.column + 1;
	if (p->context)
		return pgb_fail(err, "%s:%lu:%lu: YAML syntax error: %s (%s that starts at line "
				"%lu column %lu)%s", name, line, col,
				p->problem ? p->problem : "invalid YAML", p->context,
				(unsigned long)p->context_mark.line + 1,
				(unsigned long)p->context_mark.column + 1,
				brace_in_flow(p, text, len) ? "; a name with { } inside [ ] must be "
				"quoted, e.g. [\"postgresql-{pg}\"], or written one '- name' per line"
				: "");
	return pgb_fail(err, "%s:%lu:%lu: YAML syntax error: %s", name, line, col,
			p->problem ? p->problem : "invalid YAML");
}

/* A key of a mapping and where it stands in it, for sorting. */
struct map_key {
	const yaml_node_t *node;
	size_t pos;
};

static int key_content_cmp(const yaml_node_t *a, const yaml_node_t *b)
{
	size_t la = a->data.scalar.length, lb = b->data.scalar.length;
	int c = memcmp(a->data.scalar.value, b->data.scalar.value, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/* By content, then by position: equal keys end up side by side, the first one first. */
static int map_key_cmp(const void *pa, const void *pb)
{
	const struct map_key *a = pa, *b = pb;
	int c = key_content_cmp(a->node, b->node);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/*
 * An empty key (&a : x, '': x) or a null one (~: x, null: x) names nothing:
 * a reader would at best call it an unknown key '' (the installer's key
 * lookup once looped forever on it).  0 when k is a name.
 */
static int null_key_fail(const struct yamldoc *d, const yaml_node_t *k, struct pgb_err *err)
{
	const char *v = (const char *)k->data.scalar.value;

	if (!k->data.scalar.length)
		return yamldoc_fail(d, H(k), err, "a key is empty; write the key's name before "
				    "the ':'");
	if (yamldoc_is_null(H(k)))
		return yamldoc_fail(d, H(k), err, "key '%s' is YAML's null, not a name; write the "
				    "key's name, quoted if it is '%s'", v, v);
	return 0;
}

/*
 * libyaml keeps the last of duplicate keys silently; a config must not.  The
 * keys are sorted (n log n: a generated file may have many) and the repeat
 * that comes first in the file is reported, with the key's first occurrence.
 */
static int check_map_keys(const struct yamldoc *d, const yaml_node_t *map, struct pgb_err *err)
{
	const yaml_node_pair_t *start = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - start), repeat = 0;
	struct map_key *keys = n ? xmalloc(n * sizeof(*keys)) : NULL;
	const yaml_node_t *first = NULL, *again = NULL;
	char got[64];

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *k = node_at(d, start[i].key);

		if (!k || k->type != YAML_SCALAR_NODE) {
			free(keys);
			return yamldoc_fail(d, H(k ? k : map), err, "a key must be a plain name, "
					    "got %s", yamldoc_got(H(k), got, sizeof(got)));
		}
		if (null_key_fail(d, k, err) < 0) {
			free(keys);
			return -1;
		}
		keys[i].node = k;
		keys[i].pos = i;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), map_key_cmp);
	/* In each run of equal keys, the first is the original, the second the first repeat. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !key_content_cmp(keys[i].node, keys[j].node); j++)
			;
		if (j - i > 1 && (!again || keys[i + 1].pos < repeat)) {
			first = keys[i].node;
			again = keys[i + 1].node;
			repeat = keys[i + 1].pos;
		}
	}
	free(keys);
	if (again)
		return yamldoc_fail(d, H(again), err, "duplicate key '%.200s' (first at line %lu "
				    "column %lu); keep one of them",
				    (const char *)again->data.scalar.value, yamldoc_line(H(first)),
				    yamldoc_col(H(first)));
	return 0;
}

static int check_all_maps(const struct yamldoc *d, struct pgb_err *err)
{
	for (const yaml_node_t *n = d->doc.nodes.start; n && n < d->doc.nodes.top; n++)
		if (n->type == YAML_MAPPING_NODE && check_map_keys(d, n, err) < 0)
			return -1;
	return 0;
}

/* A stray "---" would silently drop everything after it. */
static int check_single_document(yaml_parser_t *p, const char *name, const char *text,
				 size_t len, struct pgb_err *err)
{
	yaml_document_t extra;
	int rc = 0;

	if (!yaml_parser_load(p, &extra))
		return parser_fail(p, name, text, len, err);
	if (yaml_document_get_root_node(&extra))
		rc = pgb_fail(err, "%s:%lu:%lu: a second YAML document ('---') is not allowed; "
			      "keep one document per file", name,
			      (unsigned long)extra.start_mark.line + 1,
			      (unsigned long)extra.start_mark.column + 1);
	yaml_document_delete(&extra);
	return rc;
}

int yamldoc_load_mem(struct yamldoc **out, const char *name, const char *text, size_t len,
		     struct pgb_err *err)
{
	struct yamldoc *d = xcalloc(1, sizeof(*d));
	yaml_parser_t p;
	int rc = -1;

	*out = NULL;
	d->path = xstrdup(name);
	if (!yaml_parser_initialize(&p)) {
		free(d->path);
		free(d);
		return pgb_fail(err, "%s: out of memory while parsing YAML", name);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &d->doc)) {
		parser_fail(&p, name, text, len, err);
		yaml_parser_delete(&p);
		free(d->path);
		free(d);
		return -1;
	}
	if (check_single_document(&p, name, text, len, err) == 0 && check_all_maps(d, err) == 0)
		rc = 0;
	yaml_parser_delete(&p);
	if (rc < 0) {
		yamldoc_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

int yamldoc_load(struct yamldoc **out, const char *path, struct pgb_err *err)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (util_read_file(path, &text, &len, err) < 0)
		return -1;
	rc = yamldoc_load_mem(out, path, text, len, err);
	free(text);
	return rc;
}

void yamldoc_free(struct yamldoc *d)
{
	if (!d)
		return;
	yaml_document_delete(&d->doc);
	free(d->path);
	free(d);
}

const char *yamldoc_path(const struct yamldoc *d)
{
	return d->path;
}

int yamldoc_root(const struct yamldoc *d, const char *what, const struct yamldoc_node **root,
		 struct pgb_err *err)
{
	const yaml_node_t *r = node_at(d, 1);
	char got[64];

	*root = NULL;
	if (!r || yamldoc_is_null(H(r)))
		return pgb_fail(err, "%s:1:1: %s is empty; it must be a mapping of keys",
				d->path, what);
	if (r->type != YAML_MAPPING_NODE)
		return yamldoc_fail(d, H(r), err, "%s must be a mapping of keys, got %s", what,
				    yamldoc_got(H(r), got, sizeof(got)));
	*root = H(r);
	return 0;
}

/* --- nodes --- */

int yamldoc_is_map(const struct yamldoc_node *n)
{
	return n && N(n)->type == YAML_MAPPING_NODE;
}

int yamldoc_is_seq(const struct yamldoc_node *n)
{
	return n && N(n)->type == YAML_SEQUENCE_NODE;
}

int yamldoc_is_scalar(const struct yamldoc_node *n)
{
	return n && N(n)->type == YAML_SCALAR_NODE;
}

int yamldoc_is_null(const struct yamldoc_node *n)
{
	const char *v;

	if (!yamldoc_is_scalar(n) || N(n)->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)N(n)->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

const char *yamldoc_scalar(const struct yamldoc_node *n)
{
	return yamldoc_is_scalar(n) ? (const char *)N(n)->data.scalar.value : NULL;
}

size_t yamldoc_len(const struct yamldoc_node *n)
{
	if (yamldoc_is_seq(n))
		return (size_t)(N(n)->data.sequence.items.top - N(n)->data.sequence.items.start);
	if (yamldoc_is_map(n))
		return (size_t)(N(n)->data.mapping.pairs.top - N(n)->data.mapping.pairs.start);
	return 0;
}

const struct yamldoc_node *yamldoc_item(const struct yamldoc *d, const struct yamldoc_node *seq,
					size_t i)
{
	if (!yamldoc_is_seq(seq) || i >= yamldoc_len(seq))
		return NULL;
	return H(node_at(d, N(seq)->data.sequence.items.start[i]));
}

const struct yamldoc_node *yamldoc_key(const struct yamldoc *d, const struct yamldoc_node *map,
				       size_t i)
{
	if (!yamldoc_is_map(map) || i >= yamldoc_len(map))
		return NULL;
	return H(node_at(d, N(map)->data.mapping.pairs.start[i].key));
}

const struct yamldoc_node *yamldoc_value(const struct yamldoc *d, const struct yamldoc_node *map,
					 size_t i)
{
	if (!yamldoc_is_map(map) || i >= yamldoc_len(map))
		return NULL;
	return H(node_at(d, N(map)->data.mapping.pairs.start[i].value));
}

const struct yamldoc_node *yamldoc_map_get(const struct yamldoc *d, const struct yamldoc_node *map,
					   const char *key)
{
	size_t n = yamldoc_len(map);

	if (!yamldoc_is_map(map))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *k = yamldoc_scalar(yamldoc_key(d, map, i));

		if (k && !strcmp(k, key))
			return yamldoc_value(d, map, i);
	}
	return NULL;
}

/* --- positions and messages --- */

unsigned long yamldoc_line(const struct yamldoc_node *n)
{
	return n ? (unsigned long)N(n)->start_mark.line + 1 : 1;
}

unsigned long yamldoc_col(const struct yamldoc_node *n)
{
	return n ? (unsigned long)N(n)->start_mark.column + 1 : 1;
}

char *yamldoc_node_where(const struct yamldoc *d, const struct yamldoc_node *n)
{
	return xasprintf("%s:%lu:%lu", d->path, yamldoc_line(n), yamldoc_col(n));
}

const char *yamldoc_got(const struct yamldoc_node *n, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (!n || yamldoc_is_null(n))
		snprintf(buf, size, "nothing");
	else if (yamldoc_is_seq(n))
		snprintf(buf, size, "a list");
	else if (yamldoc_is_map(n))
		snprintf(buf, size, "a mapping");
	else if (size > 2 && strlen(yamldoc_scalar(n)) > size - 3)
		/* "'" + value shortened with "..." + "'" */
		snprintf(buf, size, "'%.*s...'", size > 6 ? (int)(size - 6) : 0, yamldoc_scalar(n));
	else
		snprintf(buf, size, "'%s'", yamldoc_scalar(n));
	return buf;
}

int yamldoc_fail(const struct yamldoc *d, const struct yamldoc_node *n, struct pgb_err *err,
		 const char *fmt, ...)
{
	char msg[PGB_ERRMAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pgb_fail(err, "%.1000s:%lu:%lu: %.1000s", d->path, yamldoc_line(n), yamldoc_col(n),
			msg);
}

static int is_known(const char *const *known, const char *k)
{
	for (; *known; known++)
		if (!strcmp(*known, k))
			return 1;
	return 0;
}

int yamldoc_check_keys(const struct yamldoc *d, const struct yamldoc_node *map,
		       const char *const *known, const char *what, struct pgb_err *err)
{
	size_t n = yamldoc_len(map);

	for (size_t i = 0; i < n; i++) {
		const struct yamldoc_node *kn = yamldoc_key(d, map, i);
		const char *k = yamldoc_scalar(kn);
		struct sbuf list = SBUF_INIT;

		if (k && is_known(known, k))
			continue;
		for (const char *const *p = known; *p; p++)
			sbuf_addf(&list, "%s%s", p == known ? "" : ", ", *p);
		yamldoc_fail(d, kn, err, "unknown key '%.200s' in %s (known keys: %s)",
			     k ? k : "?", what, list.buf ? list.buf : "none");
		sbuf_free(&list);
		return -1;
	}
	return 0;
}

/* --- converters --- */

static int want_scalar(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		       const char *kind, struct pgb_err *err)
{
	char got[64];

	if (yamldoc_is_scalar(n) && !yamldoc_is_null(n))
		return 0;
	return yamldoc_fail(d, n, err, "'%s' must be %s, got %s", key, kind,
			    yamldoc_got(n, got, sizeof(got)));
}

int yamldoc_str(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		char **out, struct pgb_err *err)
{
	if (want_scalar(d, n, key, "a string", err) < 0)
		return -1;
	free(*out);
	*out = xstrdup(yamldoc_scalar(n));
	return 0;
}

static int parse_decimal(const char *s, int *out)
{
	const char *p = s + (*s == '-');
	long v;
	char *end;

	if (!*p || (p[0] == '0' && p[1]))
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX || !strcmp(s, "-0"))
		return -1;
	*out = (int)v;
	return 0;
}

int yamldoc_int(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		int *out, struct pgb_err *err)
{
	char got[64];

	if (want_scalar(d, n, key, "a whole number", err) < 0)
		return -1;
	if (parse_decimal(yamldoc_scalar(n), out) < 0)
		return yamldoc_fail(d, n, err, "'%s' must be a whole number (decimal digits), "
				    "got %s", key, yamldoc_got(n, got, sizeof(got)));
	return 0;
}

int yamldoc_bool(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		 int *out, struct pgb_err *err)
{
	const char *v;
	char got[64];

	if (want_scalar(d, n, key, "true or false", err) < 0)
		return -1;
	v = yamldoc_scalar(n);
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no")) {
		*out = 0;
		return 0;
	}
	return yamldoc_fail(d, n, err, "'%s' must be true or false (or yes/no), got %s", key,
			    yamldoc_got(n, got, sizeof(got)));
}

int yamldoc_strlist(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		    struct strlist *out, struct strlist *where, struct pgb_err *err)
{
	size_t len = yamldoc_len(n);
	char got[64];

	if (!yamldoc_is_seq(n))
		return yamldoc_fail(d, n, err, "'%s' must be a list (e.g. [a, b] or one '- a' "
				    "per line), got %s", key, yamldoc_got(n, got, sizeof(got)));
	/* Check every item before adding any, so an error leaves out untouched. */
	for (size_t i = 0; i < len; i++) {
		const struct yamldoc_node *it = yamldoc_item(d, n, i);

		if (!yamldoc_is_scalar(it) || yamldoc_is_null(it) || !*yamldoc_scalar(it))
			return yamldoc_fail(d, it, err, "each item of '%s' must be a non-empty "
					    "name, got %s", key, yamldoc_got(it, got, sizeof(got)));
	}
	for (size_t i = 0; i < len; i++) {
		const struct yamldoc_node *it = yamldoc_item(d, n, i);

		strlist_add(out, yamldoc_scalar(it));
		if (where)
			strlist_add_owned(where, yamldoc_node_where(d, it));
	}
	return 0;
}

/* --- map getters --- */

/* 1 with *v set when usable, 0 when absent/null and optional, -1 on error. */
static int lookup(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		  int flags, const struct yamldoc_node **v, struct pgb_err *err)
{
	*v = yamldoc_map_get(d, map, key);
	if (*v && !yamldoc_is_null(*v))
		return 1;
	if (!(flags & YAMLDOC_REQUIRED))
		return 0;
	if (*v)
		return yamldoc_fail(d, *v, err, "'%s' has no value; it is required", key);
	return yamldoc_fail(d, map, err, "missing required key '%s'", key);
}

int yamldoc_get_str(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, char **out, struct pgb_err *err)
{
	const struct yamldoc_node *v;
	int rc = lookup(d, map, key, flags, &v, err);

	if (rc <= 0)
		return rc;
	return yamldoc_str(d, v, key, out, err) < 0 ? -1 : 1;
}

int yamldoc_get_int(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, int *out, struct pgb_err *err)
{
	const struct yamldoc_node *v;
	int rc = lookup(d, map, key, flags, &v, err);

	if (rc <= 0)
		return rc;
	return yamldoc_int(d, v, key, out, err) < 0 ? -1 : 1;
}

int yamldoc_get_bool(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		     int flags, int *out, struct pgb_err *err)
{
	const struct yamldoc_node *v;
	int rc = lookup(d, map, key, flags, &v, err);

	if (rc <= 0)
		return rc;
	return yamldoc_bool(d, v, key, out, err) < 0 ? -1 : 1;
}

int yamldoc_get_strlist(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
			int flags, struct strlist *out, struct strlist *where, struct pgb_err *err)
{
	const struct yamldoc_node *v;
	int rc = lookup(d, map, key, flags, &v, err);

	if (rc <= 0)
		return rc;
	return yamldoc_strlist(d, v, key, out, where, err) < 0 ? -1 : 1;
}

static int get_kind(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, int want_map, const struct yamldoc_node **out, struct pgb_err *err)
{
	const struct yamldoc_node *v;
	int rc = lookup(d, map, key, flags, &v, err);
	char got[64];

	if (rc <= 0)
		return rc;
	if (want_map ? !yamldoc_is_map(v) : !yamldoc_is_seq(v))
		return yamldoc_fail(d, v, err, "'%s' must be %s, got %s", key,
				    want_map ? "a mapping (key: value lines)" : "a list",
				    yamldoc_got(v, got, sizeof(got)));
	*out = v;
	return 1;
}

int yamldoc_get_map(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, const struct yamldoc_node **out, struct pgb_err *err)
{
	return get_kind(d, map, key, flags, 1, out, err);
}

int yamldoc_get_seq(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, const struct yamldoc_node **out, struct pgb_err *err)
{
	return get_kind(d, map, key, flags, 0, out, err);
}
