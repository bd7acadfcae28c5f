/*
 * cmd_list.c - `list`: the packages of the bundle's repository, read from
 * its Packages index inside the payload, printed once the whole file
 * verified.  The archive is sorted, so dists/ comes before pool/ and only the
 * start of the payload is decompressed; the rest is read and hashed.
 * An EL bundle's packages are named by their files (pool/NAME-V-R.ARCH.rpm,
 * as createrepo_c and rpm name them; the epoch is not in the name): the
 * installer reads no rpm-md XML.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "deb822.h"
#include "inst.h"
#include "pack.h"
#include "runfile.h"

#define INDEX_GLOB "dists/*/*/binary-*/Packages"
#define INDEX_MAX (256u << 20)

struct pkg_row {
	char *name, *version, *arch;
};

struct rows {
	struct pkg_row *v;
	size_t n, cap;
};

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].version);
		free(r->v[i].arch);
	}
	free(r->v);
}

static int read_entry(struct pack_reader *r, const struct pack_entry_info *e, struct sbuf *out,
		      struct pgb_err *err)
{
	char buf[65536];
	long n;

	if (e->size > INDEX_MAX)
		return pgb_fail(err, "the payload's %s is %llu bytes, more than an index can be",
				e->path, (unsigned long long)e->size);
	while ((n = pack_reader_read(r, buf, sizeof(buf), err)) > 0)
		sbuf_add(out, buf, (size_t)n);
	return n < 0 ? -1 : 0;
}

static void add_row(struct rows *rows, char *name, char *version, char *arch)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? 2 * rows->cap : 64;
		rows->v = xrealloc(rows->v, rows->cap * sizeof(*rows->v));
	}
	rows->v[rows->n++] = (struct pkg_row){ name, version, arch };
}

static int parse_index(const struct sbuf *text, const char *what, struct rows *rows,
		       struct pgb_err *err)
{
	struct deb822_iter it;
	struct deb822_para p;
	int rc;

	deb822_iter_init(&it, text->buf ? text->buf : "", text->len, what);
	while ((rc = deb822_next(&it, &p, err)) == 1) {
		struct pkg_row row = { deb822_get(&p, "Package"), deb822_get(&p, "Version"),
				       deb822_get(&p, "Architecture") };

		if (!row.name || !row.version || !row.arch) {
			free(row.name);
			free(row.version);
			free(row.arch);
			return pgb_fail(err, "%s:%zu: a paragraph without Package, Version or "
					"Architecture", what, p.line);
		}
		add_row(rows, row.name, row.version, row.arch);
	}
	return rc;
}

/* pool/NAME-VERSION-RELEASE.ARCH.rpm; 0 when the file is not one. */
static int rpm_row(const char *path, struct rows *rows)
{
	const char *f = path + 5, *end = f + strlen(f) - 4, *dot, *rel, *ver;

	if (strncmp(path, "pool/", 5) || end <= f || strcmp(end, ".rpm"))
		return 0;
	for (dot = end - 1; dot > f && *dot != '.'; dot--)
		;
	for (rel = dot - 1; rel > f && *rel != '-'; rel--)
		;
	for (ver = rel - 1; ver > f && *ver != '-'; ver--)
		;
	if (ver <= f)
		return 0;
	add_row(rows, xstrndup(f, (size_t)(ver - f)), xstrndup(ver + 1, (size_t)(dot - ver - 1)),
		xstrndup(dot + 1, (size_t)(end - dot - 1)));
	return 1;
}

struct index_walk {
	const char *what;
	struct rows *rows;
	int found;		/* 1: a Packages index, 2: an EL bundle's package file */
};

/* Every Packages index of the payload, until the archive leaves dists/ (the
 * rest is only hashed); or every package file of an EL bundle's pool/. */
static int on_entry(void *ctx, struct pack_reader *r, const struct pack_entry_info *e,
		    struct pgb_err *err)
{
	struct index_walk *w = ctx;
	struct sbuf text = SBUF_INIT;
	char *name;
	int rc;

	if (w->found == 1 && strncmp(e->path, "dists/", 6))
		return 1;
	if (e->type == 'f' && rpm_row(e->path, w->rows)) {
		w->found = 2;
		return 0;
	}
	if (e->type != 'f' || fnmatch(INDEX_GLOB, e->path, FNM_PATHNAME))
		return 0;
	w->found = 1;
	name = xasprintf("%s: %s", w->what, e->path);
	rc = read_entry(r, e, &text, err);
	if (rc == 0)
		rc = parse_index(&text, name, w->rows, err);
	free(name);
	sbuf_free(&text);
	return rc < 0 ? -1 : 0;
}

static int load_rows(const struct inst_opts *o, struct rows *rows, struct pgb_err *err)
{
	char *what = xasprintf("the payload of %s", o->self);
	struct index_walk w = { what, rows, 0 };
	int rc = inst_payload_entries(o, on_entry, &w, err);

	if (rc == 0 && !w.found)
		rc = pgb_fail(err, "%s has no %s index and no pool/*.rpm: not a pgbundle "
			      "repository", what, INDEX_GLOB);
	free(what);
	return rc;
}

static int print_json(const struct rows *rows, const struct inst_bundle *b)
{
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; i < rows->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "name", rows->v[i].name,
						   "version", rows->v[i].version,
						   "arch", rows->v[i].arch, "requested",
						   strlist_has(&b->requested, rows->v[i].name)));
	text = json_dumps(a, JSON_INDENT(2));
	json_decref(a);
	if (!text) {
		fprintf(stderr, "pgbundle-installer: cannot encode the package list as JSON\n");
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}

static void print_table(const struct rows *rows)
{
	int wn = 7, wv = 7;

	for (size_t i = 0; i < rows->n; i++) {
		int n = (int)strlen(rows->v[i].name), v = (int)strlen(rows->v[i].version);

		wn = n > wn ? n : wn;
		wv = v > wv ? v : wv;
	}
	printf("%-*s  %-*s  %s\n", wn, "PACKAGE", wv, "VERSION", "ARCH");
	for (size_t i = 0; i < rows->n; i++)
		printf("%-*s  %-*s  %s\n", wn, rows->v[i].name, wv, rows->v[i].version,
		       rows->v[i].arch);
}

int cmd_list(const struct inst_opts *o)
{
	struct rows rows = { NULL, 0, 0 };
	struct pgb_err err;
	int rc = 0;

	if (load_rows(o, &rows, &err) < 0)
		rc = inst_print_error(&err);
	else if (o->json)
		rc = print_json(&rows, o->bundle);
	else
		print_table(&rows);
	rows_free(&rows);
	return rc;
}
