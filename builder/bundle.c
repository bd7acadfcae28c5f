#include "bundle.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptidx.h"
#include "delta.h"
#include "hash.h"
#include "pack.h"
#include "pkgsrc.h"
#include "runfile.h"
#include "sbom.h"
#include "version.h"
#include "upstream.h"

struct stage {
	const struct plan *p;
	const struct bundle_opts *o;
	char *dir;		/* staging directory */
	char *top;		/* dir/BASE */
	char *meta;		/* bundle.json's text, also embedded in the .run */
	json_t *family_meta;	/* the family's bundle.json entries (write_index) */
};

static int fetch_packages(struct stage *s, char **paths, struct pgb_err *err)
{
	struct pkgsrc_opts po = { s->o->fetch, &s->p->rc, s->o->snapshots, s->o->note,
				  s->o->note_ctx };

	return pkgsrc_fetch(&po, &s->p->lock, paths, err);
}

static int write_pool(struct stage *s, struct pgb_err *err)
{
	const struct lock *l = &s->p->lock;
	char **paths = xcalloc(l->npkgs ? l->npkgs : 1, sizeof(*paths));
	char *pool = util_path_join(s->top, "pool");
	int rc = util_mkdir_p(pool, 0755, err);

	if (rc == 0)
		rc = fetch_packages(s, paths, err);
	for (size_t i = 0; rc == 0 && i < l->npkgs; i++) {
		char *rel = plan_pool_path(&l->pkgs[i]);
		char *dst = util_path_join(s->top, rel);

		rc = util_link_or_copy(paths[i], dst, err);
		free(rel);
		free(dst);
	}
	for (size_t i = 0; i < l->npkgs; i++)
		free(paths[i]);
	free(paths);
	free(pool);
	return rc;
}

static int write_top_file(const char *top, const char *rel, const void *data, size_t len,
			  struct pgb_err *err);

static int write_file(struct stage *s, const char *rel, const void *data, size_t len,
		      struct pgb_err *err)
{
	return write_top_file(s->top, rel, data, len, err);
}

static int write_top_file(const char *top, const char *rel, const void *data, size_t len,
			  struct pgb_err *err)
{
	char *path = util_path_join(top, rel);
	int rc = util_write_atomic(path, data, len, 0644, err);

	free(path);
	return rc;
}

int bundle_index_deb(const struct bundle_index_ctx *c, struct pgb_err *err)
{
	struct aptidx_write_opts wo = { 0 };
	struct sbuf pk = SBUF_INIT, rel = SBUF_INIT, in = SBUF_INIT, det = SBUF_INIT;
	int rc;

	wo.top = c->top;
	wo.suite = BUNDLE_SUITE;
	wo.codename = BUNDLE_SUITE;
	wo.component = BUNDLE_COMPONENT;
	wo.arch = c->p->m.arch;
	wo.origin = "pgbundle";
	wo.label = c->p->m.name;
	wo.description = "pgbundle offline repository";
	wo.date = c->p->lock.date;
	plan_packages_text(c->p, &pk);
	rc = aptidx_write_repo(&wo, pk.buf ? pk.buf : "", pk.len, &rel, err);
	if (rc == 0)
		rc = pgp_sign_cleartext(c->key, rel.buf, rel.len, c->sigtime, &in, err);
	if (rc == 0)
		rc = pgp_sign_detached(c->key, rel.buf, rel.len, c->sigtime, 1, &det, err);
	if (rc == 0)
		rc = write_top_file(c->top, "dists/" BUNDLE_SUITE "/InRelease", in.buf, in.len, err);
	if (rc == 0)
		rc = write_top_file(c->top, "dists/" BUNDLE_SUITE "/Release.gpg", det.buf, det.len,
				    err);
	if (rc == 0)
		rc = plan_prove(c->p, c->top, BUNDLE_SUITE, BUNDLE_COMPONENT, err);
	sbuf_free(&pk);
	sbuf_free(&rel);
	sbuf_free(&in);
	sbuf_free(&det);
	return rc;
}

/* The family's index (upstream.h's family_ops.write_index); its bundle.json
 * entries are kept in s->family_meta for write_meta(). */
static int write_index(struct stage *s, int64_t sigtime, struct pgb_err *err)
{
	const struct family_ops *fam = family_lookup(s->p->target->family);
	struct bundle_index_ctx c = { s->p, s->top, s->o->key, sigtime, NULL };

	s->family_meta = json_object();
	c.meta = s->family_meta;
	if (!fam || !fam->write_index)
		return pgb_fail(err, "target %s: no repository writer for the %s family",
				s->p->target->name, s->p->target->family);
	return fam->write_index(&c, err);
}

int bundle_write_public_keys(const struct pgp_seckey *k, const char *dir, struct pgb_err *err)
{
	struct sbuf bin = SBUF_INIT, asc = SBUF_INIT;
	char *pbin = util_path_join(dir, "pgbundle.gpg"), *pasc = util_path_join(dir, "pgbundle.asc");
	int rc = pgp_seckey_export_public(k, 0, &bin, err);

	if (rc == 0)
		rc = pgp_seckey_export_public(k, 1, &asc, err);
	if (rc == 0)
		rc = util_write_atomic(pbin, bin.buf, bin.len, 0644, err);
	if (rc == 0)
		rc = util_write_atomic(pasc, asc.buf, asc.len, 0644, err);
	free(pbin);
	free(pasc);
	sbuf_free(&bin);
	sbuf_free(&asc);
	return rc;
}

json_t *bundle_json_strings(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* The exception, when it holds on one of the bundle's majors, and those
 * majors when it does not hold on all of them. */
static void exception_json(const struct plan *p, const struct extcat_entry *e, json_t *o)
{
	json_t *majors = json_array();

	for (size_t i = 0; i < p->m.npostgres; i++)
		if (extcat_exception_holds(e, p->m.postgres[i]))
			json_array_append_new(majors, json_integer(p->m.postgres[i]));
	if (json_array_size(majors))
		json_object_set_new(o, "exception", json_string(e->exception));
	if (json_array_size(majors) && json_array_size(majors) < p->m.npostgres)
		json_object_set_new(o, "exception_pg", majors);
	else
		json_decref(majors);
}

/*
 * Per extension of the bundle, what creating it needs beyond its package:
 * the library for shared_preload_libraries, postgresql.conf settings, the
 * extensions it cannot share a database with, what its library starts on
 * its own (so the installer preloads it only when asked), and the recorded
 * reason when CREATE EXTENSION cannot work in a plain database.  Only the fields the
 * catalog has; {} for an extension the catalog does not know.
 */
static json_t *ext_info_json(const struct plan *p)
{
	json_t *all = json_object();

	for (size_t i = 0; i < p->ext_names.n; i++) {
		const struct extcat_entry *e = extcat_find(&p->ext_cat, p->ext_names.v[i]);
		json_t *o = json_object();

		if (e && e->preload)
			json_object_set_new(o, "preload", json_string(e->preload));
		if (e && e->preload_after.n)
			json_object_set_new(o, "preload_after", bundle_json_strings(&e->preload_after));
		if (e && e->settings.n)
			json_object_set_new(o, "settings", bundle_json_strings(&e->settings));
		if (e && e->conflicts.n)
			json_object_set_new(o, "conflicts", bundle_json_strings(&e->conflicts));
		if (e && e->background)
			json_object_set_new(o, "background", json_string(e->background));
		if (e && e->requires.n)
			json_object_set_new(o, "requires", bundle_json_strings(&e->requires));
		if (e)
			exception_json(p, e, o);
		if (e && strcmp(e->name, p->ext_names.v[i]) != 0)
			json_object_set_new(o, "catalog", json_string(e->name));
		json_object_set_new(all, p->ext_names.v[i], o);
	}
	return all;
}

/* "module:package" for every package of every manifest module, so the
 * installer installs only the modules its config enables. */
static json_t *module_packages_json(const struct plan *p, struct pgb_err *err)
{
	json_t *a = json_array();

	for (size_t i = 0; i < p->m.modules.n; i++) {
		struct strlist pk = STRLIST_INIT;

		if (recipes_module_packages(&p->rc, p->m.modules.v[i], p->target, p->m.postgres,
					    p->m.npostgres, &pk, err) < 0) {
			json_decref(a);
			strlist_free(&pk);
			return NULL;
		}
		for (size_t j = 0; j < pk.n; j++) {
			char *e = xasprintf("%s:%s", p->m.modules.v[i], pk.v[j]);

			json_array_append_new(a, json_string(e));
			free(e);
		}
		strlist_free(&pk);
	}
	return a;
}

/* Manifest items with {pg} expanded for each major. */
static json_t *expanded_json(const struct plan *p, const struct strlist *items)
{
	struct strlist x = STRLIST_INIT;
	json_t *a;

	plan_expand(p, items, &x);
	a = bundle_json_strings(&x);
	strlist_free(&x);
	return a;
}

static int lock_requested(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->lock.npkgs; i++)
		if (p->lock.pkgs[i].requested && !strcmp(p->lock.pkgs[i].name, name))
			return 1;
	return 0;
}

/* {"15": [...], "16": [...]}: each major's own requested packages that the
 * bundle has (the installer installs those of the major a cluster uses), and
 * {"15": "debian-security", "16": "pgdg-apt"}: where each major comes from. */
static void majors_json(const struct plan *p, json_t **packages, json_t **upstreams)
{
	*packages = json_object();
	*upstreams = json_object();
	for (size_t j = 0; j < p->m.npostgres; j++) {
		const struct plan_major *mj = &p->majors[j];
		json_t *a = json_array();
		char key[16];

		snprintf(key, sizeof(key), "%d", mj->pg);
		for (size_t i = 0; i < mj->requests.n; i++)
			if (lock_requested(p, mj->requests.v[i]))
				json_array_append_new(a, json_string(mj->requests.v[i]));
		json_object_set_new(*packages, key, a);
		json_object_set_new(*upstreams, key, json_string(mj->upstream ? mj->upstream : "-"));
	}
}

/* A delta's "packages_id" and "delta" (delta.h).  A full bundle has neither:
 * the installer reads its identity from its index, and the release images'
 * bundle.json stay as they were. */
static int delta_meta(struct stage *s, json_t *root)
{
	char id[PKGSETID_HEX];

	if (!s->o->delta)
		return 0;
	delta_lock_id(&s->p->lock, id);
	if (json_object_set_new(root, "packages_id", json_string(id)) < 0)
		return -1;
	return json_object_set_new(root, "delta", delta_meta_json(s->o->delta, &s->p->lock));
}

static int write_meta(struct stage *s, const char *config_name, struct pgb_err *err)
{
	const struct plan *p = s->p;
	json_t *pg = json_array(), *req = json_array(), *root, *mods, *pg_pkgs, *pg_ups;
	char fpr[41];
	char *text;
	int rc;

	pgp_seckey_fingerprint(s->o->key, fpr);
	majors_json(p, &pg_pkgs, &pg_ups);
	for (size_t i = 0; i < p->m.npostgres; i++)
		json_array_append_new(pg, json_integer(p->m.postgres[i]));
	for (size_t i = 0; i < p->lock.npkgs; i++)
		if (p->lock.pkgs[i].requested)
			json_array_append_new(req, json_string(p->lock.pkgs[i].name));
	root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:s?}",
			 "format", s->o->delta ? 2 : 1, "name", p->m.name, "version", p->m.version,
			 "target", p->m.target, "family", p->target->family,
			 "codename", p->target->codename ? p->target->codename : "",
			 "arch", p->m.arch, "postgres", pg,
			 "extensions", expanded_json(p, &p->m.extensions),
			 "modules", bundle_json_strings(&p->m.modules), "requested", req,
			 "packages", (json_int_t)p->lock.npkgs,
			 "size", (json_int_t)plan_total_size(p), "date", (json_int_t)p->lock.date,
			 "key", fpr, "config", config_name);
	if (!plan_records_majors(p)) {
		json_decref(pg_pkgs);
		json_decref(pg_ups);
		pg_pkgs = pg_ups = NULL;
	}
	if (root && ((pg_pkgs && json_object_set_new(root, "postgres_packages", pg_pkgs) < 0) ||
		     (pg_ups && json_object_set_new(root, "postgres_upstreams", pg_ups) < 0) ||
		     (mods = module_packages_json(p, err)) == NULL ||
		     json_object_set_new(root, "module_packages", mods) < 0 ||
		     json_object_set_new(root, "packages_extra", expanded_json(p, &p->m.packages)) < 0 ||
		     json_object_set_new(root, "extension_names", bundle_json_strings(&p->ext_names)) < 0 ||
		     json_object_set_new(root, "extension_info", ext_info_json(p)) < 0 ||
		     json_object_set_new(root, "installed_size",
					 json_integer((json_int_t)plan_installed_size(p))) < 0 ||
		     (s->o->key_rotation && s->o->key_rotation->n &&
		      json_object_set_new(root, "key_rotation",
					  bundle_json_strings(s->o->key_rotation)) < 0) ||
		     (s->family_meta && json_object_update(root, s->family_meta) < 0) ||
		     delta_meta(s, root) < 0)) {
		json_decref(root);
		return pgb_err_prefix(err, "bundle.json");
	}
	text = root ? json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	if (!text)
		return pgb_fail(err, "cannot encode bundle.json");
	rc = write_file(s, "bundle.json", text, strlen(text), err);
	s->meta = text;
	return rc;
}

/* TOP/bom.cdx.json from the lock and the staged package files (sbom.h). */
static int write_sbom(struct stage *s, struct pgb_err *err)
{
	const struct plan *p = s->p;
	const struct lock *l = &p->lock;
	struct sbom_subject subj = { p->m.name, p->m.version, p->m.target, p->m.arch,
				     p->target->family, p->target->distro, p->target->release,
				     p->m.postgres, p->m.npostgres, l->date, PGBUNDLE_VERSION };
	char **paths = xcalloc(l->npkgs ? l->npkgs : 1, sizeof(*paths));
	struct sbuf doc = SBUF_INIT;
	int rc;

	for (size_t i = 0; i < l->npkgs; i++) {
		char *rel = plan_pool_path(&l->pkgs[i]);

		paths[i] = util_path_join(s->top, rel);
		free(rel);
	}
	rc = sbom_build(&subj, l, (const char *const *)paths, s->o->cache_dir, &doc, err);
	if (rc == 0)
		rc = write_file(s, SBOM_FILE, doc.buf, doc.len, err);
	for (size_t i = 0; i < l->npkgs; i++)
		free(paths[i]);
	free(paths);
	sbuf_free(&doc);
	return rc;
}

static int write_config(struct stage *s, char **name, struct pgb_err *err)
{
	const char *src = s->p->m.config, *slash;
	char *data, *rel;
	size_t len;
	int rc;

	*name = NULL;
	if (!src)
		return 0;
	slash = strrchr(src, '/');
	*name = xasprintf("config/%s", slash ? slash + 1 : src);
	rel = util_path_join(s->top, "config");
	rc = util_mkdir_p(rel, 0755, err);
	free(rel);
	if (rc < 0 || util_read_file(src, &data, &len, err) < 0)
		return -1;
	rc = write_file(s, *name, data, len, err);
	free(data);
	return rc;
}

/* A delta: the pool files its base has leave the staged tree once the
 * index, the SBOM and the proof have used them (delta.h). */
static int drop_base_pool(struct stage *s, struct pgb_err *err)
{
	const struct lock *l = &s->p->lock;

	for (size_t i = 0; s->o->delta && i < l->npkgs; i++) {
		char *rel, *path;
		int rc = 0;

		if (!delta_base_has(s->o->delta, &l->pkgs[i]))
			continue;
		rel = plan_pool_path(&l->pkgs[i]);
		path = util_path_join(s->top, rel);
		if (unlink(path) < 0)
			rc = pgb_failsys(err, "cannot remove %s from the delta's staging", path);
		free(path);
		free(rel);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --- contents manifest: "sha256  path" for every file, sorted --- */

struct known_hash {
	char *path;
	const char *sha256;
};

static int cmp_known(const void *a, const void *b)
{
	return strcmp(((const struct known_hash *)a)->path, ((const struct known_hash *)b)->path);
}

/* The pool files' SHA-256 is already known: checked on download against the
 * lock.  Only the files written here need hashing. */
static int contents_text(const struct stage *s, struct sbuf *out, struct pgb_err *err)
{
	const struct lock *l = &s->p->lock;
	struct known_hash *known = xcalloc(l->npkgs ? l->npkgs : 1, sizeof(*known));
	struct strlist files = STRLIST_INIT;
	const char *top = s->top;
	int rc = 0;

	for (size_t i = 0; i < l->npkgs; i++)
		known[i] = (struct known_hash){ plan_pool_path(&l->pkgs[i]), l->pkgs[i].sha256 };
	qsort(known, l->npkgs, sizeof(*known), cmp_known);

	/* A worklist rather than nftw(), which takes no context pointer. */
	strlist_add(&files, "");
	for (size_t i = 0; rc == 0 && i < files.n; i++) {
		char *path = files.v[i][0] ? util_path_join(top, files.v[i]) : xstrdup(top);
		DIR *d = opendir(path);
		struct dirent *de;

		if (d) {
			while ((de = readdir(d))) {
				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				strlist_add_owned(&files, files.v[i][0]
					? xasprintf("%s/%s", files.v[i], de->d_name)
					: xstrdup(de->d_name));
			}
			closedir(d);
			files.v[i][0] = '\0';	/* directories are not listed */
		}
		free(path);
	}
	strlist_sort(&files);
	for (size_t i = 0; rc == 0 && i < files.n; i++) {
		struct known_hash key = { files.v[i], NULL }, *hit;
		char hex[HASH_HEX_MAX];
		char *path;

		if (!files.v[i][0])
			continue;
		hit = bsearch(&key, known, l->npkgs, sizeof(*known), cmp_known);
		if (hit) {
			sbuf_addf(out, "%s  %s\n", hit->sha256, files.v[i]);
			continue;
		}
		path = util_path_join(top, files.v[i]);
		rc = hash_file_hex(HASH_SHA256, path, hex, NULL, err);
		if (rc == 0)
			sbuf_addf(out, "%s  %s\n", hex, files.v[i]);
		free(path);
	}
	for (size_t i = 0; i < l->npkgs; i++)
		free(known[i].path);
	free(known);
	strlist_free(&files);
	return rc;
}

/* The installer stub: $PGBUNDLE_INSTALLER_STUB, else pgbundle-installer next to
 * this executable (both come out of `make`). */
static char *stub_path(void)
{
	const char *env = getenv("PGBUNDLE_INSTALLER_STUB");
	char *dir, *stub;

	if (env && *env)
		return xstrdup(env);
	dir = util_exe_dir();
	stub = dir ? util_path_join(dir, "pgbundle-installer") : xstrdup("pgbundle-installer");
	free(dir);
	return stub;
}

static int file_size(const char *path, uint64_t *size, struct pgb_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return pgb_failsys(err, "%s", path);
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Also fills out->tar_sha256: the .run hashes the payload as it copies it. */
static int write_run(struct stage *s, struct bundle_out *out, int64_t sigtime,
		     struct pgb_err *err)
{
	char *stub = stub_path();
	int rc = -1;

	if (!util_exists(stub))
		pgb_fail(err, "installer stub %s not found: run `make`, or set "
			 "PGBUNDLE_INSTALLER_STUB", stub);
	else
		rc = runfile_write(out->run_path, stub, out->tar_path, s->meta, strlen(s->meta),
				   s->o->key, sigtime, out->tar_sha256, err);
	free(stub);
	return rc;
}

/*
 * Room for the whole build: the downloads not in the cache yet (in the
 * cache), the staging tree when the pool cannot be hard-linked from the
 * cache (another file system), the tar.zst and the .run, each at most the
 * packages' size plus a margin for the index, the stub and compression that
 * gains nothing.  needs[1..3] are the output directory's.
 */
#define SPACE_NEEDS 4
static void space_needs(const struct plan *p, const struct bundle_opts *o,
			struct util_space_need needs[SPACE_NEEDS])
{
	const char *cache = fetch_cache_dir(o->fetch);
	uint64_t total = plan_total_size(p), missing = 0, margin = (1ull << 20) + total / 50;
	uint64_t stub = 0, ignored;
	char *stub_file = stub_path();
	dev_t dc = 0, dout = 0;
	struct pgb_err e;
	struct stat st;

	if (stat(stub_file, &st) == 0)
		stub = (uint64_t)st.st_size;
	free(stub_file);
	for (size_t i = 0; i < p->lock.npkgs; i++) {
		char *hit = fetch_cache_lookup(o->fetch, p->lock.pkgs[i].sha256, p->lock.pkgs[i].size);

		if (!hit)
			missing += p->lock.pkgs[i].size;
		free(hit);
	}
	util_free_space(cache, &ignored, &dc, &e);
	util_free_space(o->outdir, &ignored, &dout, &e);
	needs[0] = (struct util_space_need){ cache, missing, "the downloads" };
	needs[1] = (struct util_space_need){ o->outdir, dc == dout ? 0 : total,
					     "the staging copy of the packages" };
	needs[2] = (struct util_space_need){ o->outdir, total + margin, "the tar.zst" };
	needs[3] = (struct util_space_need){ o->outdir, total + margin + stub, "the .run" };
}

/* Before anything is written. */
static int check_space(const struct plan *p, const struct bundle_opts *o, struct pgb_err *err)
{
	struct util_space_need needs[SPACE_NEEDS];

	space_needs(p, o, needs);
	return util_space_check(needs, SPACE_NEEDS, "free some space there, or build into "
				"another directory (-o) or with another cache (PGBUNDLE_CACHE); "
				"nothing was written", err);
}

/* After a step failed, before its files are removed: when the output
 * directory's file system has filled up (another writer took the room the
 * check found), say so with what the build needs there. */
static void explain_full(const struct plan *p, const struct bundle_opts *o, struct pgb_err *err)
{
	struct util_space_need needs[SPACE_NEEDS];

	space_needs(p, o, needs);
	util_space_explain(o->outdir, needs[1].bytes + needs[2].bytes + needs[3].bytes,
			   "the bundle (its staging tree, tar.zst and .run)", "free some space "
			   "there or build into another directory (-o); nothing half-written "
			   "is left", err);
}

static void remove_outputs(struct bundle_out *out)
{
	if (out->run_path)
		unlink(out->run_path);
	if (out->tar_path)
		unlink(out->tar_path);
	if (out->contents_path)
		unlink(out->contents_path);
}

static int write_outputs(struct stage *s, struct bundle_out *out, int64_t sigtime,
			 struct pgb_err *err)
{
	struct pack_opts po = { out->base, s->p->lock.date, s->o->zstd_level, s->o->threads };
	struct sbuf contents = SBUF_INIT;
	int rc;

	rc = contents_text(s, &contents, err);
	if (rc == 0)
		rc = pack_write_dir(out->tar_path, s->top, &po, err);
	if (rc == 0)
		rc = write_run(s, out, sigtime, err);
	if (rc == 0)
		rc = file_size(out->tar_path, &out->tar_size, err);
	if (rc == 0)
		rc = util_write_atomic(out->contents_path, contents.buf, contents.len, 0644, err);
	if (rc == 0)
		rc = lock_write(out->lock_path, &s->p->lock, err);
	if (rc < 0) {
		explain_full(s->p, s->o, err);
		remove_outputs(out);
	}
	sbuf_free(&contents);
	return rc;
}

int bundle_build(const struct plan *p, const struct bundle_opts *o, struct bundle_out *out,
		 struct pgb_err *err)
{
	struct stage s = { p, o, NULL, NULL, NULL, NULL };
	struct pgb_err ignored;
	char *config_name = NULL, *tmp, *stem;
	int64_t sigtime;
	int rc;

	memset(out, 0, sizeof(*out));
	out->base = xasprintf("%s-%s.%s.%s", p->m.name, p->m.version, p->m.target, p->m.arch);
	stem = o->delta ? xasprintf("%s.delta-from-%s", out->base, o->delta->version)
			: xstrdup(out->base);
	out->tar_path = xasprintf("%s/%s.tar.zst", o->outdir, stem);
	out->contents_path = xasprintf("%s/%s.contents", o->outdir, stem);
	out->run_path = xasprintf("%s/%s.run", o->outdir, stem);
	free(stem);
	out->lock_path = xasprintf("%s/%s.lock", o->outdir, p->m.name);
	if (check_space(p, o, err) < 0 || util_mkdir_p(o->outdir, 0755, err) < 0)
		return -1;
	/* The staging directory is a hidden temporary of BASE: what a build killed
	 * earlier left there goes now (util_sweep_stale), and so does this one
	 * on any failure. */
	util_sweep_stale(o->outdir, out->base);
	tmp = util_tmp_name(out->base);
	s.dir = util_path_join(o->outdir, tmp);
	free(tmp);
	s.top = util_path_join(s.dir, out->base);
	util_rm_rf(s.dir, &ignored);
	/* A signature may not predate its key, nor (for sqv) the key's
	 * self-signature: sign at the later of that and the lock's date. */
	sigtime = p->lock.date > pgp_seckey_signs_from(o->key) ? p->lock.date
								: pgp_seckey_signs_from(o->key);
	rc = util_mkdir_p(s.top, 0755, err);
	if (rc == 0)
		rc = write_pool(&s, err);
	/* Keys before the index: proving the index runs apt with signed-by on them. */
	if (rc == 0)
		rc = bundle_write_public_keys(s.o->key, s.top, err);
	if (rc == 0)
		rc = write_index(&s, sigtime, err);
	if (rc == 0)
		rc = write_config(&s, &config_name, err);
	if (rc == 0)
		rc = write_meta(&s, config_name, err);
	if (rc == 0)
		rc = write_sbom(&s, err);
	if (rc == 0)
		rc = drop_base_pool(&s, err);
	if (rc == 0)
		rc = write_outputs(&s, out, sigtime, err);
	else
		explain_full(p, o, err);
	util_rm_rf(s.dir, &ignored);
	free(s.dir);
	free(s.top);
	free(s.meta);
	json_decref(s.family_meta);
	free(config_name);
	return rc;
}

void bundle_out_free(struct bundle_out *out)
{
	free(out->base);
	free(out->tar_path);
	free(out->lock_path);
	free(out->contents_path);
	free(out->run_path);
	memset(out, 0, sizeof(*out));
}
