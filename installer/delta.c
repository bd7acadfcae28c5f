/*
 * delta.c - a delta bundle on the host: finding the repository of its base
 * and completing the delta from it (builder/delta.h says what a delta holds).
 *
 * The base is identified by its package set (repo/pkgsetid.h), computed from
 * the Packages index of the repository that claims to be it, never from a
 * name alone: a repository of another build under the same name is refused.
 * Completing copies nothing: every file the delta's index lists and the
 * delta lacks is hard-linked from the base's pool/ (copied across file
 * systems), and every pool file of the result, carried or linked, is checked
 * against the delta's signed index (size and SHA-256), so the tree is
 * exactly the new repository or the call fails naming the file.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deb822.h"
#include "hash.h"
#include "inst.h"
#include "pkgsetid.h"

char *inst_delta_base_top(const struct inst_bundle *b)
{
	return xasprintf("%s-%s.%s.%s", b->name, b->delta->base_version, b->target, b->arch);
}

static char *index_of(const struct inst_bundle *b, const char *repo)
{
	return xasprintf("%s/dists/pgbundle/main/binary-%s/Packages", repo, b->arch);
}

/* The identity of the package set of the repository at repo; 0 when repo
 * has no index (*id left empty). */
static int repo_id(const struct inst_bundle *b, const char *repo, char id[PKGSETID_HEX],
		   struct pgb_err *err)
{
	char *path = index_of(b, repo), *text = NULL;
	size_t len;
	int rc = 0;

	id[0] = '\0';
	if (util_exists(path)) {
		rc = util_read_file(path, &text, &len, err);
		if (rc == 0)
			rc = pkgsetid_of_index(text, len, path, id, NULL, err);
	}
	free(text);
	free(path);
	return rc;
}

/* "the repository of fx-d12 1.0 (packages 934bc90da56a...)" */
static char *base_words(const struct inst_bundle *b)
{
	return xasprintf("the repository of %s %s (package set %.12s...)", b->name,
			 b->delta->base_version, b->delta->base_id);
}

int inst_delta_base_check(const struct inst_bundle *b, const char *dir, struct pgb_err *err)
{
	char id[PKGSETID_HEX], *what;
	int rc;

	if (repo_id(b, dir, id, err) < 0)
		return -1;
	if (!strcmp(id, b->delta->base_id))
		return 0;
	what = base_words(b);
	rc = pgb_fail(err, "%s is not %s: %s; this delta only applies to that bundle's "
		      "repository", dir, what, id[0] ? "it holds another package set" :
		      "it has no repository index");
	free(what);
	return rc;
}

int inst_delta_find_base(const struct inst_bundle *b, const char *prefix, const char *also,
			 char **dir, struct pgb_err *err)
{
	char *top = inst_delta_base_top(b), *cand = util_path_join(prefix, top), *what;
	char id[PKGSETID_HEX];
	int rc = 0;

	*dir = NULL;
	if (repo_id(b, cand, id, err) == 0 && !strcmp(id, b->delta->base_id))
		*dir = xstrdup(cand);
	else if (also && repo_id(b, also, id, err) == 0 && !strcmp(id, b->delta->base_id))
		*dir = xstrdup(also);
	if (!*dir) {
		what = base_words(b);
		rc = pgb_fail(err, "%s %s is a delta: it updates %s, which this host does not "
			      "have (%s %s); nothing was changed. Install %s.run first, or use "
			      "the full bundle %s-%s.%s.%s.run", b->name, b->version, what, cand,
			      util_exists(cand) ? "holds another package set" : "does not exist",
			      top, b->name, b->version, b->target, b->arch);
		free(what);
	}
	free(cand);
	free(top);
	return rc;
}

/* "pool/NAME", NAME a plain file name: what the builder writes. */
static int pool_name_ok(const char *fn)
{
	const char *name = fn + 5;

	return strncmp(fn, "pool/", 5) == 0 && *name && *name != '.' && !strchr(name, '/');
}

struct completion {
	const struct inst_bundle *b;
	const char *tree, *base;
	int check_only;			/* hash the base's files where they are, link nothing */
	struct strlist indexed;		/* "pool/NAME" of the index, sorted at the end */
	size_t linked;
	uint64_t linked_bytes;
};

/* One index entry: link it from the base when the delta lacks it, then
 * check it against the index. */
static int complete_one(struct completion *c, const struct deb822_para *para,
			struct pgb_err *err)
{
	char *fn = deb822_get(para, "Filename"), *sha = deb822_get(para, "SHA256");
	char *size = deb822_get(para, "Size"), *dst = NULL, *src = NULL, hex[HASH_HEX_MAX];
	uint64_t got = 0;
	int rc = 0, from_base = 0;

	if (!fn || !sha || !size || !pool_name_ok(fn)) {
		rc = pgb_fail(err, "the delta's Packages index, line %zu: no Filename, Size or "
			      "SHA256, or a Filename not in pool/", para->line);
		goto out;
	}
	strlist_add(&c->indexed, fn);
	dst = util_path_join(c->tree, fn);
	if (!util_exists(dst)) {
		src = util_path_join(c->base, fn);
		from_base = 1;
		if (!util_exists(src)) {
			rc = pgb_fail(err, "%s is missing: the base's repository is incomplete; "
				      "reinstall its bundle, or use the full bundle", src);
			goto out;
		}
		if (!c->check_only && util_link_or_copy(src, dst, err) < 0) {
			rc = -1;
			goto out;
		}
	}
	if (hash_file_hex(HASH_SHA256, from_base && c->check_only ? src : dst, hex, &got, err) < 0) {
		rc = -1;
		goto out;
	}
	if (strcmp(hex, sha) || got != strtoull(size, NULL, 10)) {
		rc = pgb_fail(err, "%s does not match the delta's signed index (SHA-256 %.16s..., "
			      "the index says %.16s...): %s", from_base ? src : dst, hex, sha,
			      from_base ? "the base's repository was changed; reinstall its bundle, "
			      "or use the full bundle" : "the delta is corrupt");
		goto out;
	}
	if (from_base) {
		c->linked++;
		c->linked_bytes += got;
	}
out:
	free(fn);
	free(sha);
	free(size);
	free(dst);
	free(src);
	return rc;
}

/* Nothing in tree/pool that the index does not list. */
static int no_extra(struct completion *c, struct pgb_err *err)
{
	char *pool = util_path_join(c->tree, "pool");
	DIR *d = opendir(pool);
	struct dirent *de;
	int rc = 0;

	strlist_sort(&c->indexed);
	while (d && rc == 0 && (de = readdir(d))) {
		char *rel;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rel = xasprintf("pool/%s", de->d_name);
		if (!strlist_has(&c->indexed, rel))
			rc = pgb_fail(err, "%s/%s is not in the delta's signed index", c->tree, rel);
		free(rel);
	}
	if (d)
		closedir(d);
	free(pool);
	return rc;
}

int inst_delta_complete(const struct inst_bundle *b, const char *tree, const char *base,
			int check_only, struct inst_log *log, struct pgb_err *err)
{
	struct completion c = { b, tree, base, check_only, STRLIST_INIT, 0, 0 };
	char *path = index_of(b, tree), *text = NULL, *pool = util_path_join(tree, "pool");
	struct deb822_iter it;
	struct deb822_para para;
	size_t len;
	int rc, k = 0;

	rc = util_mkdir_p(pool, 0755, err);
	if (rc == 0)
		rc = util_read_file(path, &text, &len, err);
	if (rc == 0)
		deb822_iter_init(&it, text, len, path);
	while (rc == 0 && (k = deb822_next(&it, &para, err)) == 1)
		rc = complete_one(&c, &para, err);
	if (rc == 0 && k < 0)
		rc = -1;
	if (rc == 0)
		rc = no_extra(&c, err);
	if (rc == 0)
		inst_log_info(log, "completed from %s: %zu package files (%.1f MiB) %s from it, "
			      "%zu carried by the delta; every one matches the signed index", base,
			      c.linked, (double)c.linked_bytes / (1 << 20),
			      check_only ? "to be linked" : "linked", c.indexed.n - c.linked);
	strlist_free(&c.indexed);
	free(text);
	free(path);
	free(pool);
	return rc;
}
