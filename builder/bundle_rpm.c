/*
 * bundle_rpm.c - the rpm-md repository of a bundle (upstream.h:
 * family_ops.write_index; bundle.h describes the tree around it).
 *
 * In the staged tree TOP, beside bundle.json, config/ and pool/:
 *   repodata/repomd.xml               signed into repodata/repomd.xml.asc with
 *                                     the bundle key (dnf's repo_gpgcheck)
 *   repodata/<sha256>-primary.xml.gz, -filelists.xml.gz, -other.xml.gz, and
 *   repodata/<sha256>-modules.yaml.gz when modular packages are bundled
 *   repodata/<sha256>-comps.xml and -comps.xml.gz (group, group_gz) when a
 *                                     package of the baseline's groups is
 *                                     bundled (comps.h)
 *   RPM-GPG-KEY-pgbundle              the bundle key, armored: the .repo's gpgkey
 *   RPM-GPG-KEY-<upstream>[-N]        the keys of the upstreams whose packages
 *                                     are bundled: rpm --import'ed for gpgcheck,
 *                                     the packages keep their upstream signature
 * so that a .repo with baseurl=file://TOP is the whole client setup.
 *
 * In order: every package's digests and signature are checked with librpm
 * against its upstream's keys (rpmverify.h); createrepo_c reads each header
 * and writes the metadata with location pool/<file>, sha256 checksums and
 * the lock's date as every timestamp and the revision, so a rebuild from the
 * lock is byte-identical; the lock's modules.yaml and comps.xml go in as
 * they are;
 * repomd.xml is signed.  Then the bundle alone is filtered as dnf would on
 * the target, to know whether its repository needs module_hotfixes=1, and
 * the proof (resolve_rpm.h) solves the requests from it on the baseline.
 * bundle.json gets an "rpm" object with what the installer needs.
 */
#include <createrepo_c/createrepo_c.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "resolve_rpm.h"
#include "rpmverify.h"
#include "upstream.h"

#define CHANGELOG_LIMIT 10	/* createrepo_c's default for other.xml */

static const char *gerr_text(const GError *e)
{
	return e && e->message ? e->message : "unknown error";
}

/* The verifier of upstream `name` in vs (made once); the pin of
 * recipes/repos.yml is checked as when its metadata was synced. */
static int verifier(const struct plan *p, struct strlist *names, struct rpmverify ***vs,
		    const char *name, struct rpmverify **out, struct pgb_err *err)
{
	const struct recipe_repo *r = recipes_repo(&p->rc, name);
	struct upstream_opts uo = { 0 };
	struct pgp_keyring *kr = NULL;

	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], name)) {
			*out = (*vs)[i];
			return 0;
		}
	if (!r)
		return pgb_fail(err, "the lock names upstream '%s', which recipes/repos.yml does "
				"not define", name);
	uo.target = p->target;
	uo.arch = p->m.arch;
	if (upstream_load_keyring(&uo, r, &kr, err) < 0)
		return -1;
	pgp_keyring_free(kr);
	if (rpmverify_new(out, r->keyring, name, err) < 0)
		return -1;
	*vs = xrealloc(*vs, (names->n + 1) * sizeof(**vs));
	(*vs)[names->n] = *out;
	strlist_add(names, name);
	return 0;
}

static int verify_packages(const struct bundle_index_ctx *c, struct strlist *upstreams,
			   struct pgb_err *err)
{
	const struct lock *l = &c->p->lock;
	struct rpmverify **vs = NULL;
	int rc = 0;

	for (size_t i = 0; i < l->npkgs && rc == 0; i++) {
		char *rel = plan_pool_path(&l->pkgs[i]), *path = util_path_join(c->top, rel);
		struct rpmverify *v;

		rc = verifier(c->p, upstreams, &vs, l->pkgs[i].upstream, &v, err);
		if (rc == 0)
			rc = rpmverify_file(v, path, rel, err);
		if (rc < 0)
			pgb_err_prefix(err, "%s %s (%s)", l->pkgs[i].name, l->pkgs[i].version,
				       l->pkgs[i].upstream);
		free(rel);
		free(path);
	}
	for (size_t i = 0; i < upstreams->n; i++)
		rpmverify_free(vs[i]);
	free(vs);
	return rc;
}

static int write_text(const char *top, const char *rel, const void *data, size_t len,
		      struct pgb_err *err)
{
	char *path = util_path_join(top, rel);
	int rc = util_write_atomic(path, data, len, 0644, err);

	free(path);
	return rc;
}

/* RPM-GPG-KEY-pgbundle and each upstream's keys (once per keyring file,
 * named after the first upstream in name order that uses it); their names
 * go to keys. */
static int write_keys(const struct bundle_index_ctx *c, const struct strlist *upstreams,
		      json_t *keys, struct pgb_err *err)
{
	struct strlist names = STRLIST_INIT, done = STRLIST_INIT;
	struct sbuf asc = SBUF_INIT;
	int rc = pgp_seckey_export_public(c->key, 1, &asc, err);

	if (rc == 0)
		rc = write_text(c->top, "RPM-GPG-KEY-pgbundle", asc.buf, asc.len, err);
	json_array_append_new(keys, json_string("RPM-GPG-KEY-pgbundle"));
	for (size_t u = 0; u < upstreams->n; u++)
		strlist_add(&names, upstreams->v[u]);
	strlist_sort(&names);
	for (size_t u = 0; rc == 0 && u < names.n; u++) {
		const struct recipe_repo *r = recipes_repo(&c->p->rc, names.v[u]);
		unsigned char **certs;
		size_t *lens, n;

		if (strlist_has(&done, r->keyring))
			continue;
		strlist_add(&done, r->keyring);
		if (rpmverify_split_certs(r->keyring, &certs, &lens, &n, err) < 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; rc == 0 && i < n; i++) {
			char *name = n == 1 ? xasprintf("RPM-GPG-KEY-%s", r->name)
					    : xasprintf("RPM-GPG-KEY-%s-%zu", r->name, i + 1);

			sbuf_reset(&asc);
			pgp_armor(certs[i], lens[i], "PUBLIC KEY BLOCK", &asc);
			rc = write_text(c->top, name, asc.buf, asc.len, err);
			json_array_append_new(keys, json_string(name));
			free(name);
		}
		rpmverify_certs_free(certs, lens, n);
	}
	strlist_free(&names);
	strlist_free(&done);
	sbuf_free(&asc);
	return rc;
}

/* --- repodata --- */

struct md_files {
	cr_XmlFile *pri, *fil, *oth;
	char *dir;
};

static int md_open(struct md_files *f, const char *dir, size_t npkgs, struct pgb_err *err)
{
	char *pp = util_path_join(dir, "primary.xml.gz"), *fp = util_path_join(dir,
		"filelists.xml.gz"), *op = util_path_join(dir, "other.xml.gz");
	GError *gerr = NULL;
	int rc = -1;

	f->dir = xstrdup(dir);
	if ((f->pri = cr_xmlfile_sopen_primary(pp, CR_CW_GZ_COMPRESSION, NULL, &gerr)) &&
	    (f->fil = cr_xmlfile_sopen_filelists(fp, CR_CW_GZ_COMPRESSION, NULL, &gerr)) &&
	    (f->oth = cr_xmlfile_sopen_other(op, CR_CW_GZ_COMPRESSION, NULL, &gerr)) &&
	    cr_xmlfile_set_num_of_pkgs(f->pri, (long)npkgs, &gerr) == CRE_OK &&
	    cr_xmlfile_set_num_of_pkgs(f->fil, (long)npkgs, &gerr) == CRE_OK &&
	    cr_xmlfile_set_num_of_pkgs(f->oth, (long)npkgs, &gerr) == CRE_OK)
		rc = 0;
	else
		pgb_fail(err, "%s: cannot write the metadata: %s", dir, gerr_text(gerr));
	g_clear_error(&gerr);
	free(pp);
	free(fp);
	free(op);
	return rc;
}

static int md_close(struct md_files *f, struct pgb_err *err)
{
	cr_XmlFile *all[3] = { f->pri, f->fil, f->oth };
	GError *gerr = NULL;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		if (all[i] && cr_xmlfile_close(all[i], &gerr) != CRE_OK && rc == 0) {
			rc = pgb_fail(err, "%s: cannot write the metadata: %s", f->dir,
				      gerr_text(gerr));
			g_clear_error(&gerr);
		}
	free(f->dir);
	memset(f, 0, sizeof(*f));
	return rc;
}

/* One package into the three files, read from its header. */
static int md_add(struct md_files *f, const char *top, const struct lock_pkg *k, int64_t date,
		  struct pgb_err *err)
{
	char *rel = plan_pool_path(k), *path = util_path_join(top, rel);
	GError *gerr = NULL;
	cr_Package *pkg = NULL;
	struct stat st;
	int rc = -1;

	if (stat(path, &st) < 0) {
		pgb_failsys(err, "%s", path);
		goto out;
	}
	st.st_mtime = (time_t)date;	/* primary's <time file>: reproducible */
	pkg = cr_package_from_rpm(path, CR_CHECKSUM_SHA256, rel, NULL, CHANGELOG_LIMIT, &st,
				  CR_HDRR_NONE, &gerr);
	if (!pkg) {
		pgb_fail(err, "%s: createrepo_c cannot read the package: %s", rel, gerr_text(gerr));
		goto out;
	}
	if (!pkg->pkgId || strcmp(pkg->pkgId, k->sha256)) {
		pgb_fail(err, "%s does not match its SHA-256 in the lock", rel);
		goto out;
	}
	if (cr_xmlfile_add_pkg(f->pri, pkg, &gerr) != CRE_OK ||
	    cr_xmlfile_add_pkg(f->fil, pkg, &gerr) != CRE_OK ||
	    cr_xmlfile_add_pkg(f->oth, pkg, &gerr) != CRE_OK) {
		pgb_fail(err, "%s: cannot write its metadata: %s", rel, gerr_text(gerr));
		goto out;
	}
	rc = 0;
out:
	if (pkg)
		cr_package_free(pkg);
	g_clear_error(&gerr);
	free(rel);
	free(path);
	return rc;
}

/* A record for the file at dir/name: sha256, the lock's date, renamed to
 * <sha256>-name; its new path (relative to the repository) goes to *href. */
static int md_record(cr_Repomd *md, const char *dir, const char *type, const char *name,
		     int64_t date, char **href, struct pgb_err *err)
{
	char *path = util_path_join(dir, name);
	cr_RepomdRecord *rec = cr_repomd_record_new(type, path);
	GError *gerr = NULL;
	int rc = -1;

	if (cr_repomd_record_fill(rec, CR_CHECKSUM_SHA256, &gerr) == CRE_OK &&
	    cr_repomd_record_rename_file(rec, &gerr) == CRE_OK) {
		cr_repomd_record_set_timestamp(rec, date);
		if (href)
			*href = xstrdup(rec->location_href);
		cr_repomd_set_record(md, rec);
		rec = NULL;
		rc = 0;
	} else {
		pgb_fail(err, "%s: %s", path, gerr_text(gerr));
	}
	if (rec)
		cr_repomd_record_free(rec);
	g_clear_error(&gerr);
	free(path);
	return rc;
}

/* The lock's text `name` (modules.yaml, comps.xml) into dir as name.gz, and
 * as name too when keep_plain; *text is NULL (and nothing written) when the
 * lock has none. */
static int md_lock_text(const struct lock *l, const char *dir, const char *name, int keep_plain,
			const char **text, struct pgb_err *err)
{
	char *plain = util_path_join(dir, name);
	GError *gerr = NULL;
	int rc = 0;

	*text = NULL;
	for (size_t i = 0; i < l->index_names.n; i++)
		if (!strcmp(l->index_names.v[i], name))
			*text = l->index_texts.v[i];
	if (*text) {
		rc = util_write_atomic(plain, *text, strlen(*text), 0644, err);
		if (rc == 0 && cr_compress_file(plain, NULL, CR_CW_GZ_COMPRESSION, NULL, FALSE,
						&gerr) != CRE_OK)
			rc = pgb_fail(err, "%s: cannot compress: %s", plain, gerr_text(gerr));
		if (!keep_plain)
			unlink(plain);
	}
	g_clear_error(&gerr);
	free(plain);
	return rc;
}

/* The paths libsolv reads the written repository from. */
struct written {
	char *primary, *filelists;
};

static int write_repodata(const struct bundle_index_ctx *c, struct written *w,
			  const char **modules, struct pgb_err *err)
{
	const struct lock *l = &c->p->lock;
	char *dir = util_path_join(c->top, "repodata"), *hp = NULL, *hf = NULL, *xml = NULL;
	const char *comps = NULL;
	char rev[32];
	struct md_files f = { 0 };
	struct sbuf sig = SBUF_INIT;
	cr_Repomd *md = cr_repomd_new();
	GError *gerr = NULL;
	int rc = util_mkdir_p(dir, 0755, err);

	if (rc == 0)
		rc = md_open(&f, dir, l->npkgs, err);
	for (size_t i = 0; rc == 0 && i < l->npkgs; i++)
		rc = md_add(&f, c->top, &l->pkgs[i], l->date, err);
	if (md_close(&f, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = md_lock_text(l, dir, "modules.yaml", 0, modules, err);
	/* comps as createrepo_c -g writes it: plain (group) and gzip'd (group_gz). */
	if (rc == 0)
		rc = md_lock_text(l, dir, "comps.xml", 1, &comps, err);
	if (rc == 0 && (md_record(md, dir, "primary", "primary.xml.gz", l->date, &hp, err) < 0 ||
			md_record(md, dir, "filelists", "filelists.xml.gz", l->date, &hf, err) < 0 ||
			md_record(md, dir, "other", "other.xml.gz", l->date, NULL, err) < 0 ||
			(*modules && md_record(md, dir, "modules", "modules.yaml.gz", l->date, NULL,
					       err) < 0) ||
			(comps && (md_record(md, dir, "group", "comps.xml", l->date, NULL, err) < 0 ||
				   md_record(md, dir, "group_gz", "comps.xml.gz", l->date, NULL,
					     err) < 0))))
		rc = -1;
	snprintf(rev, sizeof(rev), "%lld", (long long)l->date);
	cr_repomd_set_revision(md, rev);
	cr_repomd_sort_records(md);
	if (rc == 0 && !(xml = cr_xml_dump_repomd(md, &gerr)))
		rc = pgb_fail(err, "cannot write repomd.xml: %s", gerr_text(gerr));
	if (rc == 0)
		rc = write_text(c->top, "repodata/repomd.xml", xml, strlen(xml), err);
	if (rc == 0)
		rc = pgp_sign_detached(c->key, xml, strlen(xml), c->sigtime, 1, &sig, err);
	if (rc == 0)
		rc = write_text(c->top, "repodata/repomd.xml.asc", sig.buf, sig.len, err);
	if (rc == 0) {
		w->primary = util_path_join(c->top, hp);
		w->filelists = util_path_join(c->top, hf);
	}
	g_clear_error(&gerr);
	free(xml);
	free(hp);
	free(hf);
	free(dir);
	sbuf_free(&sig);
	cr_repomd_free(md);
	return rc;
}

/* --- dnf's view of the written repository --- */

/*
 * Whether the repository needs module_hotfixes=1 (the bundle's own
 * modules.yaml would hide some of its packages), then the proof.  The
 * options match the installer's dnf: the same module states, weak
 * dependencies as the manifest says.
 */
static int dnf_view(const struct bundle_index_ctx *c, const struct written *w,
		    const char *modules, json_t *rpm, struct pgb_err *err)
{
	const struct plan *p = c->p;
	struct rpm_resolve_opts ro;
	struct rpm_repo_in in = { "the bundle", w->primary, NULL, NULL, NULL, w->filelists, 0 };
	struct strlist disable = STRLIST_INIT, hidden = STRLIST_INIT, req = STRLIST_INIT;
	char *platform = NULL, *mpath = NULL;
	int n, rc = 0;

	plan_rpm_opts(p, &ro, &disable, &platform);
	if (modules) {
		mpath = util_path_join(p->workdir, "bundle-modules.yaml");
		rc = util_write_atomic(mpath, modules, strlen(modules), 0644, err);
		in.modules = mpath;
	}
	n = rc < 0 ? -1 : rpm_hidden_by_modules(&in, &ro, &hidden, err);
	if (n < 0)
		rc = -1;
	in.hotfix = n > 0;
	json_object_set_new(rpm, "module_hotfixes", json_boolean(n > 0));
	if (n > 0)
		json_object_set_new(rpm, "module_hotfixes_why", bundle_json_strings(&hidden));
	json_object_set_new(rpm, "modules_disable", bundle_json_strings(&disable));
	json_object_set_new(rpm, "modules_enable", bundle_json_strings(&p->m.modules_enable));
	json_object_set_new(rpm, "weak_deps", json_boolean(p->m.recommends));
	json_object_set_new(rpm, "release", json_string(p->target->release));
	for (size_t i = 0; i < p->lock.npkgs; i++)
		if (p->lock.pkgs[i].requested)
			strlist_add(&req, p->lock.pkgs[i].name);
	/* A locked build has no baseline of its own to prove against. */
	if (rc == 0 && p->status_path &&
	    rpm_prove(p->status_path, &in, (const char *const *)req.v, req.n, &ro, err) < 0)
		rc = pgb_err_prefix(err, "dnf would not install this bundle (nothing was written)");
	strlist_free(&disable);
	strlist_free(&hidden);
	strlist_free(&req);
	free(platform);
	free(mpath);
	return rc;
}

int bundle_index_rpm(const struct bundle_index_ctx *c, struct pgb_err *err)
{
	struct strlist upstreams = STRLIST_INIT;
	struct written w = { NULL, NULL };
	json_t *rpm = json_object(), *keys = json_array();
	const char *modules = NULL;
	int rc;

	cr_xml_dump_init();
	cr_package_parser_init();
	rc = verify_packages(c, &upstreams, err);
	if (rc == 0)
		rc = write_keys(c, &upstreams, keys, err);
	if (rc == 0)
		rc = write_repodata(c, &w, &modules, err);
	json_object_set_new(rpm, "gpgkey", json_string("RPM-GPG-KEY-pgbundle"));
	json_object_set_new(rpm, "keys", keys);
	if (rc == 0)
		rc = dnf_view(c, &w, modules, rpm, err);
	json_object_set_new(c->meta, "rpm", rpm);
	strlist_free(&upstreams);
	free(w.primary);
	free(w.filelists);
	return rc;
}
