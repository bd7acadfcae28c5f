/*
 * pkgdiff.c - package sets of locks and bundles, and their difference
 * (pkgdiff.h).
 */
#include "pkgdiff.h"

#include <ctype.h>
#include <solv/evr.h>
#include <solv/pool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_check.h"
#include "deb822.h"
#include "lock.h"
#include "sbom.h"

static const char *const kind_names[PKGDIFF_NKINDS] = { "upgraded", "downgraded", "rebuilt",
							"added", "removed" };

const char *pkgdiff_kind_name(enum pkgdiff_kind k)
{
	return k < PKGDIFF_NKINDS ? kind_names[k] : "?";
}

/* --- loading --- */

static int is_security(const struct recipes *rc, const char *upstream)
{
	const struct recipe_repo *r = rc && upstream ? recipes_repo(rc, upstream) : NULL;

	if (r && r->suite) {
		size_t n = strlen(r->suite);

		return n >= 9 && !strcmp(r->suite + n - 9, "-security");
	}
	return upstream && strstr(upstream, "security") != NULL;
}

static int cmp_pkg(const void *a, const void *b)
{
	return strcmp(((const struct pkgset_pkg *)a)->name, ((const struct pkgset_pkg *)b)->name);
}

/* Sizes come from the files read (a lock's JSON, an index's Size): sums and
 * differences saturate instead of wrapping or overflowing. */
static uint64_t size_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int64_t size_delta(uint64_t from, uint64_t to)
{
	if (to >= from)
		return to - from > INT64_MAX ? INT64_MAX : (int64_t)(to - from);
	return from - to > INT64_MAX ? -INT64_MAX : -(int64_t)(from - to);
}

/* A size as a JSON integer (INT64_MAX for any larger one). */
static json_t *size_json(uint64_t size)
{
	return json_integer(size > INT64_MAX ? INT64_MAX : (json_int_t)size);
}

static void finish(struct pkgset *s, const struct recipes *rc)
{
	s->size = 0;
	for (size_t i = 0; i < s->n; i++) {
		s->pkgs[i].security = is_security(rc, s->pkgs[i].upstream);
		s->size = size_add(s->size, s->pkgs[i].size);
	}
	if (s->n > 1)
		qsort(s->pkgs, s->n, sizeof(*s->pkgs), cmp_pkg);
}

static int load_lock(struct pkgset *s, const struct recipes *rc, struct pgb_err *err)
{
	const struct recipe_target *t;
	struct lock l;

	if (lock_read(s->path, &l, err) < 0)
		return -1;
	s->kind = "lock";
	s->name = xstrdup(l.name);
	s->version = xstrdup(l.version);
	s->target = xstrdup(l.target);
	s->arch = xstrdup(l.arch);
	s->date = l.date;
	t = rc ? recipes_target(rc, l.target) : NULL;
	s->family = xstrdup(t ? t->family : "deb");
	s->pkgs = xcalloc(l.npkgs ? l.npkgs : 1, sizeof(*s->pkgs));
	for (size_t i = 0; i < l.npkgs; i++) {
		struct pkgset_pkg *p = &s->pkgs[s->n++];

		p->name = xstrdup(l.pkgs[i].name);
		p->version = xstrdup(l.pkgs[i].version);
		p->arch = xstrdup(l.pkgs[i].arch);
		p->sha256 = xstrdup(l.pkgs[i].sha256);
		p->upstream = xstrdup(l.pkgs[i].upstream);
		p->size = l.pkgs[i].size;
		p->requested = l.pkgs[i].requested;
	}
	lock_free(&l);
	return 0;
}

static char *json_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return xstrdup(v ? v : "");
}

static int bundle_identity(struct pkgset *s, const struct bundle_report *r, struct pgb_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(r->meta.buf ? r->meta.buf : "", r->meta.len, 0, &je);

	if (!j)
		return pgb_fail(err, "%s: its bundle.json is not JSON: %s", s->path, je.text);
	s->name = json_str(j, "name");
	s->version = json_str(j, "version");
	s->target = json_str(j, "target");
	s->arch = json_str(j, "arch");
	s->family = json_str(j, "family");
	s->date = (int64_t)json_integer_value(json_object_get(j, "date"));
	json_decref(j);
	return 0;
}

static void add_index_pkg(struct pkgset *s, const struct bundle_pkg *k, const struct sbom *sb)
{
	struct pkgset_pkg *p = &s->pkgs[s->n++];
	const struct sbom_component *c;

	p->name = xstrdup(k->name);
	p->version = xstrdup(k->version);
	p->arch = xstrdup(k->arch);
	p->sha256 = xstrdup(k->sha256);
	p->size = k->size;
	c = sb ? sbom_find(sb, p->name) : NULL;
	if (c && c->upstream)
		p->upstream = xstrdup(c->upstream);
	p->requested = c ? c->requested : 0;
}

int pkgset_from_bundle(struct pkgset *s, const char *path, const struct bundle_report *r,
		       const struct recipes *rc, struct pgb_err *err)
{
	struct sbom sb = { 0 };
	int ret;

	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	ret = bundle_identity(s, r, err);
	/* A bundle older than SBOMs still diffs, without upstreams. */
	if (ret == 0 && r->sbom.len)
		ret = bundle_report_sbom(r, path, &sb, err);
	if (ret == 0) {
		s->kind = r->is_run ? "run" : "tar.zst";
		s->signer = xstrdup(r->signer);
		s->pkgs = xcalloc(r->npackages ? r->npackages : 1, sizeof(*s->pkgs));
		/* The index readers (bundle_check.c) refuse a package without
		 * name, version, arch or sha256: every field is there. */
		for (size_t i = 0; i < r->npackages; i++)
			add_index_pkg(s, &r->pkgs[i], r->sbom.len ? &sb : NULL);
	}
	sbom_free(&sb);
	if (ret < 0) {
		pkgset_free(s);
		return -1;
	}
	finish(s, rc);
	return 0;
}

static int load_bundle(struct pkgset *s, const char *key_path, const struct recipes *rc,
		       struct pgb_err *err)
{
	struct bundle_report r;
	char *path = xstrdup(s->path);
	int ret = bundle_check(path, key_path, 0, &r, err);

	pkgset_free(s);
	if (ret == 0)
		ret = pkgset_from_bundle(s, path, &r, rc, err);
	bundle_report_free(&r);
	free(path);
	return ret;
}

/* A lock is JSON: its first byte that is not white space is '{'. */
static int is_lock(const char *path, struct pgb_err *err)
{
	FILE *f = fopen(path, "rb");
	int c;

	if (!f)
		return pgb_failsys(err, "cannot open %s", path);
	while ((c = fgetc(f)) != EOF && isspace(c))
		;
	fclose(f);
	return c == '{';
}

int pkgset_load(struct pkgset *s, const char *path, const char *key_path,
		const struct recipes *rc, struct pgb_err *err)
{
	int lock;

	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	lock = is_lock(path, err);
	if (lock == 0)
		return load_bundle(s, key_path, rc, err);
	if (lock < 0 || load_lock(s, rc, err) < 0) {
		pkgset_free(s);
		return -1;
	}
	finish(s, rc);
	return 0;
}

void pkgset_free(struct pkgset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->pkgs[i].name);
		free(s->pkgs[i].version);
		free(s->pkgs[i].arch);
		free(s->pkgs[i].sha256);
		free(s->pkgs[i].upstream);
	}
	free(s->pkgs);
	free(s->path);
	free(s->name);
	free(s->version);
	free(s->target);
	free(s->arch);
	free(s->family);
	free(s->signer);
	memset(s, 0, sizeof(*s));
}

/* --- the difference --- */

static void add_entry(struct pkgdiff *d, enum pkgdiff_kind k, const struct pkgset_pkg *o,
		      const struct pkgset_pkg *n)
{
	d->e = xrealloc(d->e, (d->n + 1) * sizeof(*d->e));
	d->e[d->n++] = (struct pkgdiff_entry){ k, o, n };
	d->count[k]++;
	if (n && n->security)
		d->security++;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pkgdiff_entry *x = a, *y = b;
	const struct pkgset_pkg *px = x->new ? x->new : x->old, *py = y->new ? y->new : y->old;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(px->name, py->name);
}

static void compare(struct pkgdiff *d, Pool *pool, const struct pkgset_pkg *o,
		    const struct pkgset_pkg *n)
{
	int c = pool_evrcmp_str(pool, n->version, o->version, EVRCMP_COMPARE);

	if (c > 0)
		add_entry(d, PKGDIFF_UPGRADED, o, n);
	else if (c < 0)
		add_entry(d, PKGDIFF_DOWNGRADED, o, n);
	else if (strcmp(o->sha256, n->sha256))
		add_entry(d, PKGDIFF_REBUILT, o, n);
}

void pkgdiff_compute(const struct pkgset *a, const struct pkgset *b, struct pkgdiff *d)
{
	Pool *pool = pool_create();
	size_t i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	pool_setdisttype(pool, b->family && !strcmp(b->family, "rpm") ? DISTTYPE_RPM
								       : DISTTYPE_DEB);
	/* Both sorted by name: one merge pass. */
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->pkgs[i].name, b->pkgs[j].name);

		if (c < 0)
			add_entry(d, PKGDIFF_REMOVED, &a->pkgs[i++], NULL);
		else if (c > 0)
			add_entry(d, PKGDIFF_ADDED, NULL, &b->pkgs[j++]);
		else
			compare(d, pool, &a->pkgs[i++], &b->pkgs[j++]);
	}
	if (d->n > 1)
		qsort(d->e, d->n, sizeof(*d->e), cmp_entry);
	d->size_change = size_delta(a->size, b->size);
	pool_free(pool);
}

int64_t pkgdiff_entry_delta(const struct pkgdiff_entry *e)
{
	return size_delta(e->old ? e->old->size : 0, e->new ? e->new->size : 0);
}

void pkgdiff_free(struct pkgdiff *d)
{
	free(d->e);
	memset(d, 0, sizeof(*d));
}

/* --- JSON --- */

static json_t *side_json(const struct pkgset *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
			      "file", s->path, "kind", s->kind, "name", s->name,
			      "version", s->version, "target", s->target, "arch", s->arch,
			      "family", s->family, "date", (json_int_t)s->date,
			      "packages", (json_int_t)s->n, "size", size_json(s->size));

	if (s->signer)
		json_object_set_new(o, "signer", json_string(s->signer));
	return o;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *entry_json(const struct pkgdiff_entry *e)
{
	const struct pkgset_pkg *p = e->new ? e->new : e->old;
	json_t *o = json_pack("{s:s, s:s}", "name", p->name, "arch", p->arch);

	if (e->old && e->new) {
		json_object_set_new(o, "old_version", json_string(e->old->version));
		json_object_set_new(o, "new_version", json_string(e->new->version));
		json_object_set_new(o, "old_size", size_json(e->old->size));
		json_object_set_new(o, "new_size", size_json(e->new->size));
	} else {
		json_object_set_new(o, "version", json_string(p->version));
		json_object_set_new(o, "size", size_json(p->size));
	}
	json_object_set_new(o, "size_change", json_integer(pkgdiff_entry_delta(e)));
	json_object_set_new(o, "upstream", str_or_null(p->upstream));
	json_object_set_new(o, "security", json_boolean(p->security));
	return o;
}

json_t *pkgdiff_json(const struct pkgset *a, const struct pkgset *b, const struct pkgdiff *d)
{
	json_t *root = json_pack("{s:o, s:o}", "old", side_json(a), "new", side_json(b));
	json_t *sum = json_object();

	for (int k = 0; k < PKGDIFF_NKINDS; k++) {
		json_t *list = json_array();

		for (size_t i = 0; i < d->n; i++)
			if (d->e[i].kind == (enum pkgdiff_kind)k)
				json_array_append_new(list, entry_json(&d->e[i]));
		json_object_set_new(root, kind_names[k], list);
		json_object_set_new(sum, kind_names[k], json_integer((json_int_t)d->count[k]));
	}
	json_object_set_new(sum, "security", json_integer((json_int_t)d->security));
	json_object_set_new(sum, "size_change", json_integer((json_int_t)d->size_change));
	json_object_set_new(root, "summary", sum);
	return root;
}
