/*
 * family_rpm.c - rpm-md repositories upstream: repodata/repomd.xml verified
 * with its detached repomd.xml.asc against the repository's keyring (what
 * dnf's repo_gpgcheck does), parsed with libcreaterepo_c, then primary (and
 * filelists when discovery asks) checked against the SHA-256 and size of the
 * signed repomd.xml.  See upstream.h for what rpm-md cannot give (Valid-Until).
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "rpmmd.h"
#include "upstream.h"

/* One repository of an upstream: its URL and, for per-major ones, the major. */
struct rpm_repo {
	const char *base;
	int pg;
	char *md_url;		/* BASE/repodata/repomd.xml, for messages */
	const struct pgp_keyring *kr;	/* the upstream's, loaded once for all its majors */
};

/* Fetch repomd.xml and refuse it unless its detached signature verifies. */
static int rpm_fetch_repomd(const struct upstream_opts *o, struct upstream *u,
			    const struct rpm_repo *rr, struct sbuf *md, struct pgb_err *err)
{
	struct sbuf sig = SBUF_INIT;
	struct pgp_sig_info info;
	char *asc = xasprintf("%s.asc", rr->md_url);
	int rc = -1, missing;

	if (fetch_to_mem(o->fetch, rr->md_url, md, err) < 0)
		goto out;
	missing = fetch_to_mem_opt(o->fetch, asc, &sig, err);
	if (missing < 0)
		goto out;
	if (missing && !u->recipe->metadata_signed) {
		/* Fedora's EPEL signs packages only: each is checked at build time. */
		upstream_warn(o, "warning: %s is not signed (upstream '%s' does not sign its "
			      "metadata: metadata_signed: false in recipes/repos.yml); taken as "
			      "served, every package of it is checked against its signature by "
			      "the upstream's key", rr->md_url, u->name);
		rc = 0;
		goto out;
	}
	if (missing) {
		pgb_fail(err, "%s is not signed (no %s): refused; the repository must publish a "
			 "detached signature of repomd.xml (dnf's repo_gpgcheck); use a mirror "
			 "that carries it", rr->md_url, asc);
		goto out;
	}
	if (pgp_verify_detached(rr->kr, md->buf, md->len, sig.buf, sig.len, rr->md_url, &info,
				err) < 0) {
		pgb_err_prefix(err, "refused (a damaged or forged mirror, or the wrong "
			       "`keyring:` in recipes/repos.yml)");
		goto out;
	}
	memcpy(u->signer, info.fpr, sizeof(u->signer));
	rc = 0;
out:
	sbuf_free(&sig);
	free(asc);
	return rc;
}

/* Fetch a record's file into the content-addressed cache, checked against
 * the signed checksum and size; *path is the malloc'd cache path. */
static int rpm_fetch_record(const struct upstream_opts *o, const struct upstream *u,
			    const struct rpm_repo *rr, const cr_RepomdRecord *r, char **path,
			    struct pgb_err *err)
{
	struct fetch_item it = { 0 };
	char *url = xasprintf("%s/%s", rr->base, r->location_href);
	char *label = rr->pg ? xasprintf("%s PG %d %s", u->name, rr->pg, r->location_href)
			     : xasprintf("%s %s", u->name, r->location_href);
	int rc;

	it.url = url;
	it.sha256 = r->checksum;
	it.size = (uint64_t)r->size;
	it.label = label;
	rc = fetch_batch(o->fetch, &it, 1, err);
	*path = it.path;
	free(url);
	free(label);
	return rc;
}

/* Decompress a verified record's file into CACHE/index/<sha256>.<suffix>
 * once, checked against its uncompressed sha256 when repomd.xml gives one. */
static int rpm_unpack(const struct upstream_opts *o, const struct rpm_repo *rr,
		      const cr_RepomdRecord *r, const char *suffix, const char *src, char **out,
		      struct pgb_err *err)
{
	char *dst = xasprintf("%s/index/%s.%s", o->cache_dir, r->checksum, suffix);
	int open_ok = r->checksum_open_type && !strcmp(r->checksum_open_type, "sha256") &&
		      r->checksum_open;

	return upstream_unpack(src, dst, open_ok ? r->checksum_open : NULL,
			       open_ok && r->size_open > 0 ? (uint64_t)r->size_open : 0,
			       rr->md_url, out, err);
}

/* An optional record (comps, modules.yaml): fetched, checked, decompressed
 * into *out; *out stays NULL when the repository has none. */
static int rpm_extra(const struct upstream_opts *o, const struct upstream *u,
		     const struct rpm_repo *rr, cr_Repomd *md, const char *const *types,
		     const char *suffix, char **out, struct pgb_err *err)
{
	cr_RepomdRecord *r = NULL;
	char *cpath = NULL;
	int rc;

	for (; *types && !r; types++)
		if (rpmmd_record(md, rr->md_url, *types, 0, &r, err) < 0)
			return -1;
	if (!r)
		return 0;
	rc = rpm_fetch_record(o, u, rr, r, &cpath, err);
	if (rc == 0)
		rc = rpm_unpack(o, rr, r, suffix, cpath, out, err);
	free(cpath);
	return rc;
}

static struct upstream_index *rpm_add_index(struct upstream *u, const struct rpm_repo *rr,
					    const cr_RepomdRecord *prim,
					    const cr_RepomdRecord *fl, char *path)
{
	struct upstream_index *ix;

	u->idx = xrealloc(u->idx, (u->nidx + 1) * sizeof(*u->idx));
	ix = &u->idx[u->nidx++];
	memset(ix, 0, sizeof(*ix));
	ix->component = rr->pg ? xasprintf("pg%d", rr->pg) : xstrdup("");
	ix->format = UPSTREAM_RPM_PRIMARY;
	ix->pg = rr->pg;
	ix->base = xstrdup(rr->base);
	ix->path = path;
	ix->key = xstrdup(prim->checksum);
	if (fl) {
		memcpy(ix->filelists.sha256, fl->checksum, 65);
		ix->filelists.size = (uint64_t)fl->size;
		ix->filelists_url = xasprintf("%s/%s", rr->base, fl->location_href);
	}
	if (prim->timestamp > u->date)
		u->date = prim->timestamp;
	return ix;
}

/* One repository: signed repomd.xml, then primary, comps and modules.yaml
 * (and filelists for discovery). */
static int rpm_sync_repo(const struct upstream_opts *o, struct upstream *u,
			 const struct rpm_repo *rr, struct pgb_err *err)
{
	static const char *const group_types[] = { "group_gz", "group", NULL };
	static const char *const module_types[] = { "modules", NULL };
	struct upstream_index *ix;
	struct sbuf md = SBUF_INIT;
	cr_Repomd *repomd = NULL;
	cr_RepomdRecord *prim, *fl = NULL;
	char *cpath = NULL, *ppath = NULL, *flpath = NULL, *group = NULL, *mods = NULL;
	int rc = -1;

	if (rpm_fetch_repomd(o, u, rr, &md, err) < 0 ||
	    rpmmd_parse_repomd(md.buf, md.len, rr->md_url, &repomd, err) < 0)
		goto out;
	if (rpmmd_record(repomd, rr->md_url, "primary", 1, &prim, err) < 0 ||
	    rpmmd_record(repomd, rr->md_url, "filelists", 0, &fl, err) < 0)
		goto out;
	if (rpm_fetch_record(o, u, rr, prim, &cpath, err) < 0 ||
	    rpm_unpack(o, rr, prim, "primary.xml", cpath, &ppath, err) < 0 ||
	    (fl && o->want_contents && rpm_fetch_record(o, u, rr, fl, &flpath, err) < 0) ||
	    rpm_extra(o, u, rr, repomd, group_types, "comps.xml", &group, err) < 0 ||
	    rpm_extra(o, u, rr, repomd, module_types, "modules.yaml", &mods, err) < 0)
		goto out;
	ix = rpm_add_index(u, rr, prim, fl, ppath);
	if (flpath) {
		memcpy(ix->contents[0].sha256, fl->checksum, 65);
		ix->contents[0].size = (uint64_t)fl->size;
		ix->ncontents = 1;
	}
	ix->group_path = group;
	ix->modules_path = mods;
	group = mods = ppath = NULL;
	rc = 0;
out:
	if (repomd)
		cr_repomd_free(repomd);
	sbuf_free(&md);
	free(cpath);
	free(ppath);
	free(flpath);
	free(group);
	free(mods);
	return rc;
}

int upstream_rpm_filelists(const struct upstream_opts *o, const struct upstream_index *ix,
			   char **path, struct pgb_err *err)
{
	struct fetch_item it = { 0 };
	char *label, *dst;
	int rc;

	*path = NULL;
	if (!ix->filelists_url)
		return 0;
	label = xasprintf("%s filelists", ix->base);
	it.url = ix->filelists_url;
	it.sha256 = ix->filelists.sha256;
	it.size = ix->filelists.size;
	it.label = label;
	rc = fetch_batch(o->fetch, &it, 1, err);
	free(label);
	if (rc < 0)
		return pgb_err_prefix(err, "%s (its file lists are needed for a file dependency)",
				      ix->filelists_url);
	dst = xasprintf("%s/index/%s.filelists.xml", o->cache_dir, ix->filelists.sha256);
	rc = upstream_unpack(it.path, dst, NULL, 0, ix->filelists_url, path, err);
	free(it.path);
	return rc;
}

static int rpm_sync_base(const struct upstream_opts *o, struct upstream *u,
			 const struct pgp_keyring *kr, char *base, int pg, struct pgb_err *err)
{
	struct rpm_repo rr = { base, pg, NULL, kr };
	int rc;

	rr.md_url = xasprintf("%s/repodata/repomd.xml", base);
	rc = rpm_sync_repo(o, u, &rr, err);
	free(rr.md_url);
	free(base);
	return rc;
}

/* The repositories of u: one, or one per major when its URL has {pg}. */
static int rpm_sync_all(const struct upstream_opts *o, struct upstream *u,
			const struct pgp_keyring *kr, struct pgb_err *err)
{
	const char *tmpl = u->recipe->url;

	if (!strstr(u->url, "{pg}")) {
		if (tmpl && strstr(tmpl, "{pg}"))
			return pgb_fail(err, "its repositories are one per PostgreSQL major ({pg} in "
					"recipes/repos.yml's url) but the mirror URL %s has no {pg}: "
					"write it with {pg} where the major goes", u->url);
		return rpm_sync_base(o, u, kr, recipes_expand(u->url, o->target, o->arch, 0), 0,
				     err);
	}
	if (!o->npg)
		return pgb_fail(err, "its URL %s has one repository per PostgreSQL major and no "
				"major was asked for (the manifest's postgres:, or --pg)", u->url);
	for (size_t i = 0; i < o->npg; i++)
		if (rpm_sync_base(o, u, kr, recipes_expand(u->url, o->target, o->arch, o->pg[i]),
				  o->pg[i], err) < 0)
			return pgb_err_prefix(err, "PostgreSQL %d", o->pg[i]);
	return 0;
}

static int rpm_sync(const struct upstream_opts *o, struct upstream *u, struct pgb_err *err)
{
	struct pgp_keyring *kr = NULL;
	int rc = upstream_load_keyring(o, u->recipe, &kr, err);

	if (rc == 0)
		rc = rpm_sync_all(o, u, kr, err);
	pgp_keyring_free(kr);
	return rc;
}

const struct family_ops family_rpm = { "rpm", rpm_sync, plan_resolve_rpm, bundle_index_rpm };
