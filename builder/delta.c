/*
 * delta.c - what a delta bundle carries and how it names its base (delta.h).
 */
#include "delta.h"

#include <solv/evr.h>
#include <solv/pool.h>
#include <stdlib.h>
#include <string.h>

static char *file_key(const struct lock_pkg *pkg)
{
	char *pool = plan_pool_path(pkg), *key = xasprintf("%s %s", pool, pkg->sha256);

	free(pool);
	return key;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void delta_lock_id(const struct lock *l, char hex[PKGSETID_HEX])
{
	struct pkgsetid id = PKGSETID_INIT;

	for (size_t i = 0; i < l->npkgs; i++)
		pkgsetid_add(&id, l->pkgs[i].name, l->pkgs[i].version, l->pkgs[i].arch,
			     l->pkgs[i].sha256);
	pkgsetid_final(&id, hex);
}

int delta_base_load(struct delta_base *b, const char *lock_path, struct pgb_err *err)
{
	struct lock l;

	memset(b, 0, sizeof(*b));
	if (lock_read(lock_path, &l, err) < 0)
		return pgb_err_prefix(err, "--update-from");
	b->path = xstrdup(lock_path);
	b->name = xstrdup(l.name);
	b->version = xstrdup(l.version);
	b->target = xstrdup(l.target);
	b->arch = xstrdup(l.arch);
	b->date = l.date;
	b->npkgs = l.npkgs;
	for (size_t i = 0; i < l.npkgs; i++) {
		b->size += l.pkgs[i].size;
		strlist_add_owned(&b->files, file_key(&l.pkgs[i]));
	}
	strlist_sort(&b->files);
	delta_lock_id(&l, b->id);
	lock_free(&l);
	return 0;
}

static int version_cmp(const char *a, const char *b)
{
	Pool *pool = pool_create();
	int c;

	pool_setdisttype(pool, DISTTYPE_DEB);
	c = pool_evrcmp_str(pool, a, b, EVRCMP_COMPARE);
	pool_free(pool);
	return c;
}

int delta_base_check(const struct delta_base *b, const struct plan *p, struct pgb_err *err)
{
	const struct manifest *m = &p->m;

	/* The installer completes a delta from an apt index (installer/delta.c). */
	if (strcmp(p->target->family, "deb"))
		return pgb_fail(err, "--update-from: delta bundles are made for the deb targets "
				"only so far; %s is a %s target: build the full bundle", m->target,
				p->target->family);
	if (strcmp(b->name, m->name) || strcmp(b->target, m->target) || strcmp(b->arch, m->arch))
		return pgb_fail(err, "--update-from %s: that lock is %s for %s/%s, the manifest %s "
				"builds %s for %s/%s: a delta applies to an earlier bundle of the "
				"same name, target and architecture", b->path, b->name, b->target,
				b->arch, m->path, m->name, m->target, m->arch);
	if (version_cmp(m->version, b->version) <= 0)
		return pgb_fail(err, "--update-from %s: the manifest's version %s is not higher "
				"than the base's %s; give the update a higher version (%s: "
				"version: \"...\"), so hosts tell the two apart", b->path,
				m->version, b->version, m->path);
	if (p->lock.date < b->date)
		return pgb_fail(err, "--update-from %s: the base was resolved from upstreams "
				"newer than today's (its date %lld, now %lld): the mirror went back "
				"in time; build from a current mirror", b->path,
				(long long)b->date, (long long)p->lock.date);
	return 0;
}

int delta_base_has(const struct delta_base *b, const struct lock_pkg *pkg)
{
	char *key = file_key(pkg);
	int has = bsearch(&key, b->files.v, b->files.n, sizeof(*b->files.v), cmp_str) != NULL;

	free(key);
	return has;
}

void delta_carried(const struct delta_base *b, const struct lock *l, size_t *npkgs,
		   uint64_t *bytes)
{
	*npkgs = 0;
	*bytes = 0;
	for (size_t i = 0; i < l->npkgs; i++)
		if (!delta_base_has(b, &l->pkgs[i])) {
			(*npkgs)++;
			*bytes += l->pkgs[i].size;
		}
}

json_t *delta_meta_json(const struct delta_base *b, const struct lock *l)
{
	json_t *pool = json_array();
	struct strlist carried = STRLIST_INIT;
	uint64_t bytes;
	size_t n;

	for (size_t i = 0; i < l->npkgs; i++)
		if (!delta_base_has(b, &l->pkgs[i]))
			strlist_add_owned(&carried, plan_pool_path(&l->pkgs[i]));
	strlist_sort(&carried);
	for (size_t i = 0; i < carried.n; i++)
		json_array_append_new(pool, json_string(carried.v[i]));
	strlist_free(&carried);
	delta_carried(b, l, &n, &bytes);
	return json_pack("{s:{s:s, s:s, s:I, s:I, s:I, s:s}, s:I, s:I, s:o}",
			 "base", "name", b->name, "version", b->version, "date", (json_int_t)b->date,
			 "packages", (json_int_t)b->npkgs, "size", (json_int_t)b->size,
			 "packages_id", b->id,
			 "packages", (json_int_t)n, "size", (json_int_t)bytes, "pool", pool);
}

void delta_base_free(struct delta_base *b)
{
	free(b->path);
	free(b->name);
	free(b->version);
	free(b->target);
	free(b->arch);
	strlist_free(&b->files);
	memset(b, 0, sizeof(*b));
}
