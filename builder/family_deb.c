/*
 * family_deb.c - apt repositories upstream: InRelease (or Release plus
 * Release.gpg) verified against the repository's keyring (by the pinned key
 * when repos.yml pins one), then each component's Packages index checked
 * against the Release's SHA-256.  A component holding {pg} (PGDG's
 * per-major ones) is fetched once per major of the build, when listed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aptidx.h"
#include "bundle.h"
#include "hash.h"
#include "upstream.h"

/* Fetch and verify the suite's Release; *body is the verified text. */
static int fetch_release(const struct upstream_opts *o, struct upstream *u, const char *base,
			 char **body, size_t *blen, struct pgb_err *err)
{
	struct sbuf msg = SBUF_INIT, sig = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgp_sig_info info;
	char *url = xasprintf("%s/InRelease", base);
	int rc = -1, missing;

	if (upstream_load_keyring(o, u->recipe, &kr, err) < 0)
		goto out;
	missing = fetch_to_mem_opt(o->fetch, url, &msg, err);
	if (missing < 0)
		goto out;
	if (!missing) {
		rc = pgp_verify_cleartext(kr, msg.buf, msg.len, url, body, blen, &info, err);
		goto done;
	}
	/* No InRelease: the older pair Release + detached Release.gpg. */
	free(url);
	url = xasprintf("%s/Release", base);
	if (fetch_to_mem(o->fetch, url, &msg, err) < 0)
		goto out;
	free(url);
	url = xasprintf("%s/Release.gpg", base);
	if (fetch_to_mem(o->fetch, url, &sig, err) < 0)
		goto out;
	rc = pgp_verify_detached(kr, msg.buf, msg.len, sig.buf, sig.len, url, &info, err);
	if (rc == 0)
		*body = sbuf_detach(&msg, blen);
done:
	if (rc == 0)
		rc = upstream_check_signer(u->recipe, &info, url, err);
	if (rc == 0)
		memcpy(u->signer, info.fpr, sizeof(u->signer));
	if (rc < 0) {
		free(*body);
		*body = NULL;
	}
out:
	pgp_keyring_free(kr);
	sbuf_free(&msg);
	sbuf_free(&sig);
	free(url);
	return rc;
}

static int check_release(const struct upstream_opts *o, struct upstream *u,
			 const struct aptidx_release *rel, const char *what, struct pgb_err *err)
{
	char when[64];

	/* A mirror serving another suite's (validly signed) Release is a replay. */
	if ((!rel->codename || strcmp(rel->codename, u->suite)) &&
	    (!rel->suite || strcmp(rel->suite, u->suite)))
		return pgb_fail(err, "%s is for suite '%s' (codename '%s'), expected '%s': the "
				"mirror serves the wrong suite", what, rel->suite ? rel->suite : "?",
				rel->codename ? rel->codename : "?", u->suite);
	if (rel->date > o->now + 600) {
		aptidx_format_date(rel->date, when);
		return pgb_fail(err, "%s is dated %s, in the future: check this host's clock", what,
				when);
	}
	u->date = rel->date;
	u->valid_until = rel->valid_until;
	if (rel->valid_until && rel->valid_until < o->now) {
		aptidx_format_date(rel->valid_until, when);
		if (!o->allow_expired)
			return pgb_fail(err, "%s expired on %s (Valid-Until): the mirror is stale or "
					"replayed; pass --allow-expired to accept it anyway", what, when);
		upstream_warn(o, "warning: %s expired on %s; accepted because of "
			      "--allow-expired", what, when);
	}
	return 0;
}

/* The first of `stem` + each of exts (a NULL-terminated list, in order of
 * preference) that the Release lists, or NULL. */
static const struct aptidx_relfile *pick_compressed(const struct aptidx_release *rel,
						    const char *stem, const char *const *exts)
{
	for (; *exts; exts++) {
		char *p = xasprintf("%s%s", stem, *exts);
		const struct aptidx_relfile *f = aptidx_release_find(rel, p);

		free(p);
		if (f)
			return f;
	}
	return NULL;
}

/* The best compressed form the Release lists for a component's index. */
static const struct aptidx_relfile *pick_index(const struct aptidx_release *rel,
					       const char *comp, const char *arch)
{
	static const char *const exts[] = { ".xz", ".gz", ".zst", ".bz2", "", NULL };
	char *stem = xasprintf("%s/binary-%s/Packages", comp, arch);
	const struct aptidx_relfile *f = pick_compressed(rel, stem, exts);

	free(stem);
	return f;
}

/* Decompress a verified index into the cache once; check it against the
 * uncompressed hash when the Release lists one. */
static int unpack_index(const struct upstream_opts *o, const struct aptidx_release *rel,
			const char *comp, const char *arch, const char *src, const char *key,
			char **out, struct pgb_err *err)
{
	char *dst = xasprintf("%s/index/%s.Packages", o->cache_dir, key);
	char *plain = xasprintf("%s/binary-%s/Packages", comp, arch);
	const struct aptidx_relfile *pf = aptidx_release_find(rel, plain);
	char *what = xasprintf("the Release (%s)", plain);
	int rc = upstream_unpack(src, dst, pf ? pf->sha256 : NULL, pf ? pf->size : 0, what, out,
				 err);

	free(what);
	free(plain);
	return rc;
}

/* The best compressed form of a component's Contents-ARCH, or NULL: suites
 * such as -updates may publish none, which is not an error. */
static const struct aptidx_relfile *pick_contents(const struct aptidx_release *rel,
						  const char *comp, const char *arch)
{
	static const char *const exts[] = { ".gz", ".xz", ".zst", ".bz2", "", NULL };
	char *stem = xasprintf("%s/Contents-%s", comp, arch);
	const struct aptidx_relfile *f = pick_compressed(rel, stem, exts);

	free(stem);
	return f;
}

/* Fetch a verified index file (its SHA-256 and size from the signed Release)
 * into the content-addressed cache; *path is the malloc'd cache path. */
static int fetch_verified(const struct upstream_opts *o, const struct upstream *u,
			  const struct aptidx_release *rel, const char *base,
			  const struct aptidx_relfile *f, char **path, struct pgb_err *err)
{
	struct fetch_item it = { 0 };
	char *dir = xstrndup(f->path, (size_t)(strrchr(f->path, '/') - f->path));
	char *url = rel->acquire_by_hash
			    ? xasprintf("%s/%s/by-hash/SHA256/%s", base, dir, f->sha256)
			    : xasprintf("%s/%s", base, f->path);
	char *label = xasprintf("%s %s %s", u->name, u->suite, f->path);
	int rc;

	it.url = url;
	it.sha256 = f->sha256;
	it.size = f->size;
	it.label = label;
	rc = fetch_batch(o->fetch, &it, 1, err);
	if (rc < 0 && rel->acquire_by_hash) {
		/* Mirrors do not keep every file under by-hash (trixie's Contents);
		 * the plain path is checked against the same signed hash. */
		free(it.path);
		free(url);
		url = xasprintf("%s/%s", base, f->path);
		it.url = url;
		it.path = NULL;
		rc = fetch_batch(o->fetch, &it, 1, err);
	}
	*path = it.path;
	free(url);
	free(label);
	free(dir);
	return rc;
}

/* The mirror's file list as it is, put in the cache under the hash of what
 * was received (so the cache's name-is-content rule holds), with a warning. */
static int contents_unverified(const struct upstream_opts *o, const char *base,
			       const struct aptidx_relfile *f, struct upstream_index *ix,
			       struct pgb_err *err)
{
	char *url = xasprintf("%s/%s", base, f->path), *tmp = NULL;
	struct sbuf body = SBUF_INIT;
	char hex[HASH_HEX_MAX];
	int rc = -1;

	if (fetch_to_mem(o->fetch, url, &body, err) < 0)
		goto out;
	hash_buf_hex(HASH_SHA256, body.buf, body.len, hex);
	tmp = xasprintf("%s/tmp/%s.unverified", o->cache_dir, hex);
	if (util_write_atomic(tmp, body.buf, body.len, 0644, err) < 0 ||
	    fetch_cache_put(o->fetch, tmp, hex, NULL, err) < 0)
		goto out;
	memcpy(ix->contents[ix->ncontents].sha256, hex, 65);
	ix->contents[ix->ncontents].size = body.len;
	ix->contents[ix->ncontents++].unverified = 1;
	upstream_warn(o, "warning: %s does not match the signed Release (the mirror is out of "
		      "sync); used UNVERIFIED for extension names only, packages are still "
		      "checked against the verified Packages index", url);
	rc = 0;
out:
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(url);
	sbuf_free(&body);
	return rc;
}

static int fetch_contents(const struct upstream_opts *o, const struct upstream *u,
			  const struct aptidx_release *rel, const char *base, const char *comp,
			  struct upstream_index *ix, struct pgb_err *err)
{
	const char *const archs[2] = { o->arch, "all" };

	for (size_t i = 0; i < 2; i++) {
		const struct aptidx_relfile *f = pick_contents(rel, comp, archs[i]);
		char *path = NULL;
		int rc;

		if (!f || !strchr(f->path, '/'))
			continue;
		rc = fetch_verified(o, u, rel, base, f, &path, err);
		free(path);
		if (rc == 0) {
			memcpy(ix->contents[ix->ncontents].sha256, f->sha256, 65);
			ix->contents[ix->ncontents++].size = f->size;
		} else if (!o->contents_unverified_ok) {
			/* The file list only maps extension names to packages, which
			 * are still resolved against the verified Packages. */
			return pgb_err_prefix(err, "%s (the file list extension discovery "
					      "reads; --allow-unverified-contents takes the "
					      "mirror's copy for names only)", f->path);
		} else if (contents_unverified(o, base, f, ix, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* One component's index; pg is the major of a per-major component ({pg}),
 * which the Release need not list (then it is skipped), else 0. */
static int fetch_component(const struct upstream_opts *o, struct upstream *u,
			   const struct aptidx_release *rel, const char *base, const char *comp,
			   int pg, struct pgb_err *err)
{
	const struct aptidx_relfile *f = pick_index(rel, comp, o->arch);
	struct upstream_index *ix;
	char *path = NULL;
	int rc;

	if (!f && pg)
		return 0;
	if (!f)
		return pgb_fail(err, "%s/Release lists no %s/binary-%s/Packages index", base, comp,
				o->arch);
	rc = fetch_verified(o, u, rel, base, f, &path, err);
	if (rc == 0) {
		u->idx = xrealloc(u->idx, (u->nidx + 1) * sizeof(*u->idx));
		ix = &u->idx[u->nidx];
		memset(ix, 0, sizeof(*ix));
		rc = unpack_index(o, rel, comp, o->arch, path, f->sha256, &ix->path, err);
		if (rc == 0 && o->want_contents)
			rc = fetch_contents(o, u, rel, base, comp, ix, err);
		if (rc == 0) {
			ix->component = xstrdup(comp);
			ix->key = xstrdup(f->sha256);
			ix->pg = pg;
			u->nidx++;
		} else {
			free(ix->path);
		}
	}
	free(path);
	return rc;
}

/* A component of the recipe: as it is, or with {pg} once per major of the
 * build (PGDG's "16": that major's older libpq and betas). */
static int fetch_components(const struct upstream_opts *o, struct upstream *u,
			    const struct aptidx_release *rel, const char *base, const char *tmpl,
			    struct pgb_err *err)
{
	int rc = 0;

	if (!strstr(tmpl, "{pg}"))
		return fetch_component(o, u, rel, base, tmpl, 0, err);
	for (size_t j = 0; rc == 0 && j < o->npg; j++) {
		char *comp = recipes_expand(tmpl, o->target, o->arch, o->pg[j]);

		rc = fetch_component(o, u, rel, base, comp, o->pg[j], err);
		free(comp);
	}
	return rc;
}

static int deb_sync(const struct upstream_opts *o, struct upstream *u, struct pgb_err *err)
{
	struct aptidx_release rel;
	char *base = xasprintf("%s/dists/%s", u->url, u->suite);
	char *what = xasprintf("%s/InRelease", base);
	char *body = NULL;
	size_t blen = 0;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	if (fetch_release(o, u, base, &body, &blen, err) < 0)
		goto out;
	if (aptidx_release_parse(body, blen, what, &rel, err) < 0 ||
	    check_release(o, u, &rel, what, err) < 0)
		goto out_rel;
	for (size_t i = 0; i < u->recipe->components.n; i++)
		if (fetch_components(o, u, &rel, base, u->recipe->components.v[i], err) < 0)
			goto out_rel;
	rc = 0;
out_rel:
	aptidx_release_free(&rel);
out:
	free(body);
	free(base);
	free(what);
	return rc;
}

const struct family_ops family_deb = { "deb", deb_sync, plan_resolve_deb, bundle_index_deb };
