#include "lock.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

#define LOCK_FORMAT 1

static json_t *pkg_to_json(const struct lock_pkg *p)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:s}",
			 "name", p->name, "version", p->version, "arch", p->arch,
			 "size", (json_int_t)p->size, "sha256", p->sha256,
			 "upstream", p->upstream, "url", p->url, "filename", p->filename,
			 "requested", p->requested, "stanza", p->stanza);
}

int lock_write(const char *path, const struct lock *l, struct pgb_err *err)
{
	json_t *pkgs = json_array(), *root;
	char *text;
	int rc;

	for (size_t i = 0; i < l->npkgs; i++)
		json_array_append_new(pkgs, pkg_to_json(&l->pkgs[i]));
	root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:o}", "format", LOCK_FORMAT,
			 "name", l->name, "version", l->version, "target", l->target,
			 "arch", l->arch, "date", (json_int_t)l->date, "packages", pkgs);
	if (!root)
		return pgb_fail(err, "cannot encode lock %s", path);
	if (l->index_names.n) {
		json_t *files = json_object();

		for (size_t i = 0; i < l->index_names.n; i++)
			json_object_set_new(files, l->index_names.v[i],
					    json_string(l->index_texts.v[i]));
		json_object_set_new(root, "index_files", files);
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return pgb_fail(err, "cannot encode lock %s", path);
	{
		struct sbuf b = SBUF_INIT;

		sbuf_adds(&b, text);
		sbuf_addc(&b, '\n');
		rc = util_write_atomic(path, b.buf, b.len, 0644, err);
		sbuf_free(&b);
	}
	free(text);
	return rc;
}

static int pkg_from_json(json_t *j, struct lock_pkg *p, const char *path, size_t i,
			 struct pgb_err *err)
{
	const char *name, *version, *arch, *sha, *up, *url, *fn, *stanza;
	json_int_t size;
	int req;
	json_error_t je;

	if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:s}",
			   "name", &name, "version", &version, "arch", &arch, "size", &size,
			   "sha256", &sha, "upstream", &up, "url", &url, "filename", &fn,
			   "requested", &req, "stanza", &stanza) < 0)
		return pgb_fail(err, "%s: package #%zu: %s", path, i + 1, je.text);
	if (!hash_sha256_hex_ok(sha) || size <= 0)
		return pgb_fail(err, "%s: package %s: bad sha256 or size", path, name);
	p->name = xstrdup(name);
	p->version = xstrdup(version);
	p->arch = xstrdup(arch);
	p->size = (uint64_t)size;
	p->sha256 = xstrdup(sha);
	p->upstream = xstrdup(up);
	p->url = xstrdup(url);
	p->filename = xstrdup(fn);
	p->requested = req;
	p->stanza = xstrdup(stanza);
	return 0;
}

int lock_read(const char *path, struct lock *l, struct pgb_err *err)
{
	const char *name, *version, *target, *arch, *fname;
	json_t *root, *pkgs, *files = NULL, *text;
	json_int_t date;
	json_error_t je;
	int format;

	memset(l, 0, sizeof(*l));
	root = json_load_file(path, 0, &je);
	if (!root && je.line < 1)	/* not read at all: no position to give */
		return pgb_fail(err, "%s: %s", path, je.text);
	if (!root)
		return pgb_fail(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	if (json_unpack_ex(root, &je, JSON_STRICT, "{s:i, s:s, s:s, s:s, s:s, s:I, s:o, s?o}",
			   "format", &format, "name", &name, "version", &version,
			   "target", &target, "arch", &arch, "date", &date, "packages", &pkgs,
			   "index_files", &files) < 0) {
		pgb_fail(err, "%s: not a pgbundle lock: %s", path, je.text);
		goto fail;
	}
	if (format != LOCK_FORMAT || !json_is_array(pkgs)) {
		pgb_fail(err, "%s: lock format %d is not supported (expected %d)", path, format,
			 LOCK_FORMAT);
		goto fail;
	}
	l->name = xstrdup(name);
	l->version = xstrdup(version);
	l->target = xstrdup(target);
	l->arch = xstrdup(arch);
	l->date = date;
	l->pkgs = xcalloc(json_array_size(pkgs), sizeof(*l->pkgs));
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
	}
	free(l->pkgs);
	strlist_free(&l->index_names);
	strlist_free(&l->index_texts);
	free(l->name);
	free(l->version);
	free(l->target);
	free(l->arch);
	memset(l, 0, sizeof(*l));
}
