#include "lock.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define LOCK_FORMAT 2
#define LOCK_FORMAT_OLDEST 1

static json_t *pkg_to_json(const struct lock_pkg *p)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:s}",
			      "name", p->name, "version", p->version, "arch", p->arch,
			      "size", (json_int_t)p->size, "sha256", p->sha256,
			      "upstream", p->upstream, "filename", p->filename,
			      "requested", p->requested, "stanza", p->stanza);

	if (o && p->why)
		json_object_set_new(o, "why", json_string(p->why));
	return o;
}

/* NULL when an entry is not UTF-8 (lock_write() then fails, as it must
 * not leave it out). */
static json_t *strlist_to_json(const struct strlist *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++) {
		if (json_array_append_new(a, json_string(s->v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* {"16": [...]} from "16:pkg" entries. */
static json_t *majors_to_json(const struct strlist *l)
{
	json_t *o = json_object();

	for (size_t i = 0; i < l->n; i++) {
		const char *colon = strchr(l->v[i], ':');
		char *key = xstrndup(l->v[i], (size_t)(colon - l->v[i]));
		json_t *a = json_object_get(o, key);

		if (!a) {
			a = json_array();
			json_object_set_new(o, key, a);
		}
		free(key);
		if (json_array_append_new(a, json_string(colon + 1)) < 0) {
			json_decref(o);	/* not UTF-8 */
			return NULL;
		}
	}
	return o;
}

/* NULL when a field cannot be encoded (JSON holds only UTF-8); *bad then
 * names the first package that has one, or stays NULL for the lock's own. */
static json_t *lock_to_json(const struct lock *l, const struct lock_pkg **bad)
{
	json_t *pkgs = json_array(), *ups = json_object(), *root;

	*bad = NULL;
	for (size_t i = 0; i < l->npkgs; i++) {
		if (json_array_append_new(pkgs, pkg_to_json(&l->pkgs[i])) < 0) {
			/* never leave a package out of the lock */
			*bad = &l->pkgs[i];
			json_decref(pkgs);
			json_decref(ups);
			return NULL;
		}
	}
	for (size_t i = 0; i < l->nups; i++)
		json_object_set_new(ups, l->ups[i].name,
				    json_pack("{s:I}", "date", (json_int_t)l->ups[i].date));
	root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "format", LOCK_FORMAT,
			 "name", l->name, "version", l->version, "target", l->target,
			 "arch", l->arch, "date", (json_int_t)l->date, "upstreams", ups,
			 "packages", pkgs);
	if (root && l->has_ext) {
		json_t *ext = json_pack("{s:o, s:o}", "items", strlist_to_json(&l->ext_items),
					"names", strlist_to_json(&l->ext_names));

		/* set_new takes the value also when it fails; a NULL one fails */
		if (ext && l->ext_majors.n &&
		    json_object_set_new(ext, "majors", majors_to_json(&l->ext_majors)) < 0) {
			json_decref(ext);
			ext = NULL;
		}
		if (!ext || json_object_set_new(root, "extensions", ext) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	if (root && l->index_names.n) {
		json_t *files = json_object();

		for (size_t i = 0; i < l->index_names.n; i++)
			json_object_set_new(files, l->index_names.v[i],
					    json_string(l->index_texts.v[i]));
		json_object_set_new(root, "index_files", files);
	}
	return root;
}

int lock_write(const char *path, const struct lock *l, struct pgb_err *err)
{
	const struct lock_pkg *bad;
	json_t *root = lock_to_json(l, &bad);
	struct sbuf b = SBUF_INIT;
	char *text;
	int rc;

	if (!root && bad)
		return pgb_fail(err, "cannot write lock %s: package %s: its index stanza (or name, "
				"version, ...) is not valid UTF-8, which a lock (JSON) cannot hold; "
				"Debian policy requires UTF-8: report it to the repository's "
				"maintainers", path, bad->name);
	if (!root)
		return pgb_fail(err, "cannot encode lock %s", path);
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return pgb_fail(err, "cannot encode lock %s", path);
	sbuf_adds(&b, text);
	sbuf_addc(&b, '\n');
	rc = util_write_atomic(path, b.buf, b.len, 0644, err);
	sbuf_free(&b);
	free(text);
	return rc;
}

/* A Filename is joined to a base URL: a relative path with no ".." segment. */
static int filename_ok(const char *fn)
{
	const char *seg = fn;

	if (!*fn || fn[0] == '/' || strstr(fn, "://"))
		return 0;
	for (;;) {
		size_t n = strcspn(seg, "/");

		if (n == 2 && !strncmp(seg, "..", 2))
			return 0;
		if (!seg[n])
			return 1;
		seg += n + 1;
	}
}

static int pkg_from_json(json_t *j, struct lock_pkg *p, const char *path, size_t i,
			 struct pgb_err *err)
{
	const char *name, *version, *arch, *sha, *up, *url = NULL, *fn, *stanza, *why = NULL;
	json_int_t size;
	int req;
	json_error_t je;

	/* url: format 1 only, where the package was downloaded from then; the
	 * mirror configuration says where it is now.  why: optional. */
	if (json_unpack_ex(j, &je, JSON_STRICT,
			   "{s:s, s:s, s:s, s:I, s:s, s:s, s?s, s:s, s:b, s:s, s?s}",
			   "name", &name, "version", &version, "arch", &arch, "size", &size,
			   "sha256", &sha, "upstream", &up, "url", &url, "filename", &fn,
			   "requested", &req, "stanza", &stanza, "why", &why) < 0)
		return pgb_fail(err, "%s: package #%zu: %s", path, i + 1, je.text);
	if (!hash_sha256_hex_ok(sha) || size <= 0)
		return pgb_fail(err, "%s: package %s: bad sha256 or size", path, name);
	/* The Filename goes after the base URL, and into no other place. */
	if (!filename_ok(fn))
		return pgb_fail(err, "%s: package %s: Filename \"%s\" is not a path inside its "
				"repository", path, name, fn);
	p->name = xstrdup(name);
	p->version = xstrdup(version);
	p->arch = xstrdup(arch);
	p->size = (uint64_t)size;
	p->sha256 = xstrdup(sha);
	p->upstream = xstrdup(up);
	p->filename = xstrdup(fn);
	p->requested = req;
	p->stanza = xstrdup(stanza);
	p->why = why ? xstrdup(why) : NULL;
	return 0;
}

static int strlist_from_json(json_t *a, struct strlist *out)
{
	if (!json_is_array(a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s)
			return -1;
		strlist_add(out, s);
	}
	return 0;
}

static int ext_from_json(json_t *ext, struct lock *l, const char *path, struct pgb_err *err)
{
	json_t *items, *names, *majors = NULL, *a;
	json_error_t je;
	const char *key;

	if (!ext)
		return 0;
	if (json_unpack_ex(ext, &je, JSON_STRICT, "{s:o, s:o, s?o}", "items", &items, "names",
			   &names, "majors", &majors) < 0)
		return pgb_fail(err, "%s: extensions: %s", path, je.text);
	if (strlist_from_json(items, &l->ext_items) < 0 ||
	    strlist_from_json(names, &l->ext_names) < 0)
		return pgb_fail(err, "%s: extensions: items and names must be lists of strings",
				path);
	if (majors && !json_is_object(majors))
		return pgb_fail(err, "%s: extensions: majors must map majors to package lists",
				path);
	json_object_foreach(majors, key, a) {
		struct strlist pk = STRLIST_INIT;
		int pg = atoi(key);

		if (pg < 1 || strspn(key, "0123456789") != strlen(key) ||
		    strlist_from_json(a, &pk) < 0) {
			strlist_free(&pk);
			return pgb_fail(err, "%s: extensions: majors must map majors to package "
					"lists", path);
		}
		for (size_t i = 0; i < pk.n; i++)
			strlist_add_owned(&l->ext_majors, xasprintf("%d:%s", pg, pk.v[i]));
		strlist_free(&pk);
	}
	l->has_ext = 1;
	return 0;
}

static int ups_from_json(json_t *ups, struct lock *l, const char *path, struct pgb_err *err)
{
	const char *name;
	json_t *v;

	if (!ups)
		return 0;
	if (!json_is_object(ups))
		return pgb_fail(err, "%s: upstreams: expected an object", path);
	json_object_foreach(ups, name, v) {
		json_int_t date;
		json_error_t je;

		if (json_unpack_ex(v, &je, JSON_STRICT, "{s:I}", "date", &date) < 0)
			return pgb_fail(err, "%s: upstream %s: %s", path, name, je.text);
		lock_set_upstream(l, name, date);
	}
	return 0;
}

int lock_read(const char *path, struct lock *l, struct pgb_err *err)
{
	const char *name, *version, *target, *arch, *fname;
	json_t *root, *pkgs, *ups = NULL, *ext = NULL, *files = NULL, *text;
	json_int_t date;
	json_error_t je;
	int format;

	memset(l, 0, sizeof(*l));
	root = json_load_file(path, 0, &je);
	if (!root && je.line < 1)	/* not read at all: no position to give */
		return pgb_fail(err, "%s: %s", path, je.text);
	if (!root)
		return pgb_fail(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	if (json_unpack_ex(root, &je, JSON_STRICT,
			   "{s:i, s:s, s:s, s:s, s:s, s:I, s?o, s?o, s:o, s?o}",
			   "format", &format, "name", &name, "version", &version,
			   "target", &target, "arch", &arch, "date", &date, "upstreams", &ups,
			   "extensions", &ext, "packages", &pkgs, "index_files", &files) < 0) {
		pgb_fail(err, "%s: not a pgbundle lock: %s", path, je.text);
		goto fail;
	}
	if (format < LOCK_FORMAT_OLDEST || format > LOCK_FORMAT || !json_is_array(pkgs)) {
		pgb_fail(err, "%s: lock format %d is not supported (this pgbundle reads %d to %d)",
			 path, format, LOCK_FORMAT_OLDEST, LOCK_FORMAT);
		goto fail;
	}
	l->name = xstrdup(name);
	l->version = xstrdup(version);
	l->target = xstrdup(target);
	l->arch = xstrdup(arch);
	l->date = date;
	if (ups_from_json(ups, l, path, err) < 0 || ext_from_json(ext, l, path, err) < 0)
		goto fail;
	l->pkgs = xcalloc(json_array_size(pkgs) ? json_array_size(pkgs) : 1, sizeof(*l->pkgs));
	for (size_t i = 0; i < json_array_size(pkgs); i++) {
		if (pkg_from_json(json_array_get(pkgs, i), &l->pkgs[i], path, i, err) < 0)
			goto fail;
		l->npkgs++;
	}
	if (files && !json_is_object(files)) {
		pgb_fail(err, "%s: index_files must be an object of file name to text", path);
		goto fail;
	}
	json_object_foreach(files, fname, text) {
		if (!json_is_string(text) || !*fname || strchr(fname, '/')) {
			pgb_fail(err, "%s: index_files: '%s' is not a file name with a text", path,
				 fname);
			goto fail;
		}
		strlist_add(&l->index_names, fname);
		strlist_add(&l->index_texts, json_string_value(text));
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	lock_free(l);
	return -1;
}

void lock_set_upstream(struct lock *l, const char *name, int64_t date)
{
	size_t i = 0;

	while (i < l->nups && strcmp(l->ups[i].name, name) < 0)
		i++;
	if (i < l->nups && !strcmp(l->ups[i].name, name)) {
		l->ups[i].date = date;
		return;
	}
	l->ups = xrealloc(l->ups, (l->nups + 1) * sizeof(*l->ups));
	memmove(&l->ups[i + 1], &l->ups[i], (l->nups - i) * sizeof(*l->ups));
	l->ups[i] = (struct lock_upstream){ xstrdup(name), date };
	l->nups++;
}

int64_t lock_upstream_date(const struct lock *l, const char *name)
{
	for (size_t i = 0; i < l->nups; i++)
		if (!strcmp(l->ups[i].name, name))
			return l->ups[i].date;
	return 0;
}

void lock_free(struct lock *l)
{
	for (size_t i = 0; i < l->npkgs; i++) {
		struct lock_pkg *p = &l->pkgs[i];

		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->sha256);
		free(p->upstream);
		free(p->url);
		free(p->filename);
		free(p->stanza);
		free(p->why);
	}
	for (size_t i = 0; i < l->nups; i++)
		free(l->ups[i].name);
	free(l->ups);
	strlist_free(&l->ext_items);
	strlist_free(&l->ext_names);
	strlist_free(&l->ext_majors);
	free(l->pkgs);
	strlist_free(&l->index_names);
	strlist_free(&l->index_texts);
	free(l->name);
	free(l->version);
	free(l->target);
	free(l->arch);
	memset(l, 0, sizeof(*l));
}
