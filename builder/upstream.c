#include "upstream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aptidx.h"
#include "hash.h"
#include "mirror.h"

static const struct family_ops *const families[] = { &family_deb, &family_rpm };

const struct family_ops *family_lookup(const char *family)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i]->family, family))
			return families[i];
	return NULL;
}

int upstream_load_keyring(const struct upstream_opts *o, const struct recipe_repo *r,
			  struct pgp_keyring **kr, struct pgb_err *err)
{
	const char *fpr;
	char *path;
	int rc;

	if (!r->keyring)
		return pgb_fail(err, "no keyring for upstream '%s' in recipes/repos.yml: without "
				"one its signature cannot be checked", r->name);
	path = r->keyring[0] == '/' || !o->keyring_dir ? xstrdup(r->keyring)
						       : util_path_join(o->keyring_dir, r->keyring);
	rc = pgp_keyring_load(kr, path, err);
	if (rc < 0)
		pgb_err_prefix(err, "keyring of upstream '%s' (install the distribution's "
			       "archive keyring package, or fix `keyring:` in recipes/repos.yml)",
			       r->name);
	/* A pinned key must be in the file: a keyring fetched from key_url
	 * could be anybody's. */
	else if ((fpr = recipes_repo_fingerprint(r, o->target, o->arch)) &&
		 !pgp_keyring_has(*kr, fpr))
		rc = pgb_fail(err, "keyring %s of upstream '%s' does not hold the key %s that "
			      "recipes/repos.yml pins: get the repository's real key", path,
			      r->name, fpr);
	free(path);
	return rc;
}

int upstream_check_signer(const struct recipe_repo *r, const struct pgp_sig_info *info,
			  const char *what, struct pgb_err *err)
{
	if (!r->fingerprint || !strcasecmp(info->primary_fpr, r->fingerprint) ||
	    !strcasecmp(info->fpr, r->fingerprint))
		return 0;
	return pgb_fail(err, "%s is signed by key %s, not by %s that recipes/repos.yml pins for "
			"upstream '%s': another key of the keyring signed it, refused", what,
			info->fpr, r->fingerprint, r->name);
}

void upstream_warn(const struct upstream_opts *o, const char *fmt, ...)
{
	char m[PGB_ERRMAX];
	va_list ap;

	if (!o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	o->warn(o->warn_ctx, m);
}

static int resolve_url(const struct upstream_opts *o, const struct recipe_repo *r, char **url,
		       struct pgb_err *err)
{
	struct mirror_ctx mc = { o->mirrors, o->rc, o->apt_etc ? o->apt_etc : "/etc/apt" };
	int pg = 0;

	/* A mirror key wins; a recipe's fixed url is the fallback when no mirror is known. */
	if (r->mirror && (mirror_resolve(&mc, r->mirror, url, err) == 0 || !r->url))
		return *url ? 0 : -1;
	if (!r->url)
		return pgb_fail(err, "upstream '%s' has neither url nor mirror in recipes/repos.yml",
				r->name);
	*url = recipes_expand(r->url, o->target, o->arch, pg);
	return 0;
}

int upstream_base_url(const struct upstream_opts *o, const char *name, char **url,
		      struct pgb_err *err)
{
	const struct recipe_repo *r = recipes_repo(o->rc, name);

	*url = NULL;
	if (!r)
		return pgb_fail(err, "unknown upstream '%s': define it in recipes/repos.yml", name);
	if (resolve_url(o, r, url, err) < 0)
		return pgb_err_prefix(err, "upstream %s", name);
	return 0;
}

int upstream_sync(const struct upstream_opts *o, const char *name, struct upstream *u,
		  struct pgb_err *err)
{
	const struct recipe_repo *r = recipes_repo(o->rc, name);
	const struct family_ops *ops;

	memset(u, 0, sizeof(*u));
	if (!r)
		return pgb_fail(err, "unknown upstream '%s': define it in recipes/repos.yml", name);
	if (strcmp(r->family, o->target->family))
		return pgb_fail(err, "upstream '%s' is a %s repository but target %s is %s",
				name, r->family, o->target->name, o->target->family);
	ops = family_lookup(r->family);
	if (!ops)
		return pgb_fail(err, "upstream '%s': the %s family is not supported yet", name,
				r->family);
	u->recipe = r;
	u->name = xstrdup(name);
	u->suite = r->suite ? recipes_expand(r->suite, o->target, o->arch, 0) : xstrdup("");
	if (resolve_url(o, r, &u->url, err) < 0 || ops->sync(o, u, err) < 0) {
		upstream_free(u);
		return pgb_err_prefix(err, "upstream %s", name);
	}
	return 0;
}

void upstream_free(struct upstream *u)
{
	for (size_t i = 0; i < u->nidx; i++) {
		free(u->idx[i].component);
		free(u->idx[i].path);
		free(u->idx[i].key);
		free(u->idx[i].base);
		free(u->idx[i].group_path);
		free(u->idx[i].modules_path);
		free(u->idx[i].filelists_url);
	}
	free(u->idx);
	free(u->name);
	free(u->url);
	free(u->suite);
	memset(u, 0, sizeof(*u));
}

int upstream_unpack(const char *src, char *dst, const char *sha256, uint64_t size,
		    const char *what, char **out, struct pgb_err *err)
{
	char *dir = xstrdup(dst), *slash = strrchr(dir, '/');
	struct sbuf data = SBUF_INIT;
	char hex[HASH_HEX_MAX];
	int rc = -1;

	if (slash)
		*slash = 0;
	if (util_exists(dst)) {
		rc = 0;
		goto out;
	}
	if (util_mkdir_p(dir, 0755, err) < 0 || aptidx_decompress(src, &data, err) < 0)
		goto out;
	if (sha256) {
		hash_buf_hex(HASH_SHA256, data.buf, data.len, hex);
		if ((size && size != data.len) || strcmp(hex, sha256)) {
			pgb_fail(err, "%s decompressed does not match its SHA-256 in %s", src, what);
			goto out;
		}
	}
	rc = util_write_atomic(dst, data.buf, data.len, 0644, err);
out:
	if (rc == 0)
		*out = dst;
	else
		free(dst);
	sbuf_free(&data);
	free(dir);
	return rc;
}
