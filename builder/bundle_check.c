#include "bundle_check.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptidx.h"
#include "bundle.h"
#include "deb822.h"
#include "hash.h"
#include "pack.h"
#include "pgp.h"
#include "runfile.h"
#include "sbom.h"

#define META_MAX (256u << 20)	/* no metadata file of a bundle comes near this */

struct meta_file {
	char *path;
	struct sbuf data;
};

/* A file the signed index lists (points into the report's packages). */
struct pool_ref {
	const char *filename;
	const char *sha256;
	uint64_t size;
	int seen;
};

struct checker {
	const char *tar;
	const char *key_path;
	struct bundle_report *r;
	struct meta_file *files;
	size_t nfiles;
	struct pool_ref *pool;
	size_t npool;
	uint64_t index_bytes;	/* the sizes the index gives, summed */
	int index_ready;
};

static struct sbuf *meta_get(struct checker *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i].path, path))
			return &c->files[i].data;
	return NULL;
}

static int read_entry(struct pack_reader *pr, struct sbuf *out, const char *path,
		      struct pgb_err *err)
{
	char buf[65536];
	long n;

	while ((n = pack_reader_read(pr, buf, sizeof(buf), err)) > 0) {
		if (out->len + (size_t)n > META_MAX)
			return pgb_fail(err, "%s is too large for a metadata file", path);
		sbuf_add(out, buf, (size_t)n);
	}
	return n < 0 ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct pool_ref *)a)->filename, ((const struct pool_ref *)b)->filename);
}

void bundle_report_add(struct bundle_report *r, const char *name, const char *version,
		       const char *arch, const char *filename, const char *sha256, uint64_t size)
{
	struct bundle_pkg *k;

	r->pkgs = xrealloc(r->pkgs, (r->npackages + 1) * sizeof(*r->pkgs));
	k = &r->pkgs[r->npackages++];
	k->name = xstrdup(name);
	k->version = xstrdup(version);
	k->arch = xstrdup(arch);
	k->filename = xstrdup(filename);
	snprintf(k->sha256, sizeof(k->sha256), "%s", sha256);
	k->size = size;
}

/* What the pool must hold, from the index's packages. */
static void index_to_pool(struct checker *c)
{
	c->pool = xcalloc(c->r->npackages + 1, sizeof(*c->pool));
	for (size_t i = 0; i < c->r->npackages; i++) {
		const struct bundle_pkg *k = &c->r->pkgs[i];

		c->pool[c->npool++] = (struct pool_ref){ k->filename, k->sha256, k->size, 0 };
		c->index_bytes += k->size;
	}
	if (c->npool > 1)
		qsort(c->pool, c->npool, sizeof(*c->pool), cmp_ref);
}

int bundle_report_parse_packages(struct bundle_report *rep, const struct sbuf *pk,
				  struct pgb_err *err)
{
	static const char *const fields[] = { "Package", "Version", "Architecture", "Filename",
					      "SHA256", "Size" };
	struct deb822_iter it;
	struct deb822_para para;
	int r;

	deb822_iter_init(&it, pk->buf ? pk->buf : "", pk->len, "Packages");
	while ((r = deb822_next(&it, &para, err)) == 1) {
		char *v[6];
		int ok = 1;

		for (int i = 0; i < 6; i++)
			ok &= (v[i] = deb822_get(&para, fields[i])) != NULL;
		ok = ok && hash_sha256_hex_ok(v[4]);
		if (ok)
			bundle_report_add(rep, v[0], v[1], v[2], v[3], v[4],
					  strtoull(v[5], NULL, 10));
		for (int i = 0; i < 6; i++)
			free(v[i]);
		if (!ok)
			return pgb_fail(err, "Packages: the stanza at line %zu lacks Package, "
					"Version, Architecture, Filename, Size or SHA256", para.line);
	}
	return r < 0 ? -1 : 0;
}

static int check_listed(const struct aptidx_release *rel, const char *relpath,
			const struct sbuf *data, struct pgb_err *err)
{
	const struct aptidx_relfile *f = aptidx_release_find(rel, relpath);
	char hex[HASH_HEX_MAX];

	if (!f)
		return pgb_fail(err, "Release does not list %s", relpath);
	hash_buf_hex(HASH_SHA256, data->buf ? data->buf : "", data->len, hex);
	if (f->size != data->len || strcmp(hex, f->sha256))
		return pgb_fail(err, "%s does not match its SHA256 in the signed Release: the "
				"bundle was modified", relpath);
	return 0;
}

static int load_keyring(struct checker *c, struct pgp_keyring **kr, struct pgb_err *err)
{
	struct sbuf *own = meta_get(c, "pgbundle.gpg");

	if (c->key_path)
		return pgp_keyring_load(kr, c->key_path, err);
	if (!own)
		return pgb_fail(err, "the bundle has no pgbundle.gpg; pass --key PUB");
	c->r->key_embedded = 1;
	return pgp_keyring_load_mem(kr, own->buf, own->len, "pgbundle.gpg", err);
}

static const struct sbuf *meta_lookup(void *ctx, const char *path)
{
	return meta_get(ctx, path);
}

/* Verify InRelease, Release.gpg, the indexes. */
static int verify_apt_index(struct checker *c, struct pgb_err *err)
{
	const char *d = "dists/" BUNDLE_SUITE "/";
	struct sbuf *inrel, *rel, *det, *pk, *pkxz;
	struct aptidx_release parsed;
	struct pgp_keyring *kr = NULL;
	struct pgp_sig_info info;
	char path[256], ppath[128], xpath[128];
	char *body = NULL, *arch = NULL;
	size_t blen = 0;
	int rc = -1;

	memset(&parsed, 0, sizeof(parsed));
	snprintf(path, sizeof(path), "%sInRelease", d);
	inrel = meta_get(c, path);
	snprintf(path, sizeof(path), "%sRelease", d);
	rel = meta_get(c, path);
	snprintf(path, sizeof(path), "%sRelease.gpg", d);
	det = meta_get(c, path);
	if (!inrel || !rel || !det)
		return pgb_fail(err, "%s: not a pgbundle bundle (no %sInRelease, Release and "
				"Release.gpg)", c->tar, d);
	if (load_keyring(c, &kr, err) < 0)
		return -1;
	if (pgp_verify_cleartext(kr, inrel->buf, inrel->len, "InRelease", &body, &blen, &info,
				 err) < 0 ||
	    pgp_verify_detached(kr, rel->buf, rel->len, det->buf, det->len, "Release.gpg", &info,
				err) < 0)
		goto out;
	memcpy(c->r->signer, info.fpr, sizeof(c->r->signer));
	if (blen != rel->len || memcmp(body, rel->buf, blen)) {
		pgb_fail(err, "InRelease and Release differ: the bundle was modified");
		goto out;
	}
	if (aptidx_release_parse(body, blen, "InRelease", &parsed, err) < 0)
		goto out;
	if (parsed.architectures.n != 1) {
		pgb_fail(err, "InRelease must name exactly one architecture");
		goto out;
	}
	arch = parsed.architectures.v[0];
	snprintf(ppath, sizeof(ppath), BUNDLE_COMPONENT "/binary-%s/Packages", arch);
	snprintf(xpath, sizeof(xpath), BUNDLE_COMPONENT "/binary-%s/Packages.xz", arch);
	snprintf(path, sizeof(path), "%s%s", d, ppath);
	pk = meta_get(c, path);
	snprintf(path, sizeof(path), "%s%s", d, xpath);
	pkxz = meta_get(c, path);
	if (!pk || !pkxz) {
		pgb_fail(err, "the bundle lacks %s%s or its .xz", d, ppath);
		goto out;
	}
	if (check_listed(&parsed, ppath, pk, err) < 0 || check_listed(&parsed, xpath, pkxz, err) < 0)
		goto out;
	rc = bundle_report_parse_packages(c->r, pk, err);
out:
	aptidx_release_free(&parsed);
	pgp_keyring_free(kr);
	free(body);
	return rc;
}

/* The bundle's index, whichever family wrote it; then what the pool must hold. */
static int verify_index(struct checker *c, struct pgb_err *err)
{
	struct pgp_keyring *kr = NULL;
	int rc;

	c->index_ready = 1;
	if (!meta_get(c, "repodata/repomd.xml")) {
		rc = verify_apt_index(c, err);
	} else {
		rc = load_keyring(c, &kr, err);
		if (rc == 0)
			rc = bundle_check_rpmmd(meta_lookup, c, kr, c->r, err);
		pgp_keyring_free(kr);
	}
	if (rc == 0)
		index_to_pool(c);
	return rc;
}

static int check_pool_file(struct checker *c, struct pack_reader *pr, const char *path,
			   struct pgb_err *err)
{
	struct pool_ref key = { path, NULL, 0, 0 }, *ref;
	struct hash_ctx *h;
	char buf[1 << 16], hex[HASH_HEX_MAX];
	uint64_t total = 0;
	long n;

	ref = bsearch(&key, c->pool, c->npool, sizeof(*c->pool), cmp_ref);
	if (!ref)
		return pgb_fail(err, "%s is in the bundle but not in its signed index", path);
	h = hash_new(HASH_SHA256);
	while ((n = pack_reader_read(pr, buf, sizeof(buf), err)) > 0) {
		hash_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	hash_final_hex(h, hex);
	hash_free(h);
	if (n < 0)
		return -1;
	if (total != ref->size || strcmp(hex, ref->sha256))
		return pgb_fail(err, "%s does not match its SHA256 in the signed index: the bundle "
				"was modified or is corrupt", path);
	ref->seen = 1;
	c->r->pool_bytes += total;
	return 0;
}

static int walk(struct checker *c, struct pack_reader *pr, int full, struct pgb_err *err)
{
	struct pack_entry_info e;
	int r;

	while ((r = pack_reader_next(pr, &e, err)) == 1) {
		int is_pool = !strncmp(e.path, "pool/", 5);

		if (!c->r->top)
			c->r->top = xstrdup(e.top);
		if (e.type != 'f')
			continue;
		c->r->nfiles++;
		if (is_pool && !c->index_ready && verify_index(c, err) < 0)
			return -1;
		if (is_pool && !full)
			return 0;
		if (is_pool) {
			if (check_pool_file(c, pr, e.path, err) < 0)
				return -1;
			continue;
		}
		c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
		c->files[c->nfiles].path = xstrdup(e.path);
		memset(&c->files[c->nfiles].data, 0, sizeof(struct sbuf));
		if (read_entry(pr, &c->files[c->nfiles++].data, e.path, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	return c->index_ready ? 0 : verify_index(c, err);
}

/* A .run starts with its installer stub, an ELF executable; a tar.zst never does. */
static int is_runfile(const char *path, struct pgb_err *err)
{
	unsigned char head[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return pgb_failsys(err, "cannot open %s", path);
	n = read(fd, head, sizeof(head));
	close(fd);
	return n == 4 && !memcmp(head, "\x7f" "ELF", 4);
}

static long run_read(void *ctx, const void **buf, struct pgb_err *err)
{
	return runfile_payload_read(ctx, buf, err);
}

struct run_walk {
	struct checker *c;
	int full;
};

/* A .run's payload, walked as the verification pass reads and hashes it. */
static int walk_run_payload(void *ctx, struct runfile *run, struct pgb_err *err)
{
	struct run_walk *w = ctx;
	struct pack_source src = { run_read, run };
	struct pack_reader *pr;
	int rc = pack_reader_open_source(&pr, &src, runfile_path(run), err);

	if (rc == 0)
		rc = walk(w->c, pr, w->full, err);
	pack_reader_free(pr);
	return rc;
}

/*
 * A .run: its signature (by key_path, else the key embedded in it) and its
 * payload in one pass (repo/runfile.h), so what is walked is what is verified.
 */
static int walk_run(struct checker *c, const char *path, int full, struct pgb_err *err)
{
	struct run_walk w = { c, full };
	struct pgp_keyring *kr = NULL;
	struct runfile *run;
	const void *key;
	size_t len;
	int rc = runfile_open(&run, path, err);

	if (rc < 0)
		return -1;
	key = runfile_key(run, &len);
	if (c->key_path && (rc = pgp_keyring_load(&kr, c->key_path, err)) < 0)
		pgb_err_prefix(err, "the key given to check %s", path);
	else if (!c->key_path)
		rc = pgp_keyring_load_mem(&kr, key, len, "the key embedded in the .run", err);
	if (rc == 0)
		rc = runfile_verify(run, kr, c->key_path, walk_run_payload, &w, err);
	pgp_keyring_free(kr);
	runfile_close(run);
	return rc;
}

/* Walk the bundle: the file itself, or a .run's verified payload. */
static int walk_bundle(struct checker *c, const char *path, int full, struct bundle_report *r,
		       struct pgb_err *err)
{
	struct pack_reader *pr;
	struct stat st;
	int is_run = is_runfile(path, err), rc;

	if (is_run < 0)
		return -1;
	if (stat(path, &st) == 0)
		r->file_bytes = (uint64_t)st.st_size;
	r->is_run = is_run;
	if (is_run)
		return walk_run(c, path, full, err);
	if (pack_reader_open(&pr, path, err) < 0)
		return -1;
	rc = walk(c, pr, full, err);
	pack_reader_free(pr);
	return rc;
}

/* A delta's bundle.json: its base and the pool files it carries (sorted).
 * 0 for a full bundle, 1 for a delta, -1 on a malformed "delta". */
static int delta_meta(struct checker *c, struct strlist *carried, struct pgb_err *err)
{
	struct sbuf *meta = meta_get(c, "bundle.json");
	json_t *root, *d, *base, *v;
	size_t i;
	int rc = 0;

	root = meta ? json_loadb(meta->buf ? meta->buf : "", meta->len, 0, NULL) : NULL;
	d = json_object_get(root, "delta");
	base = json_object_get(d, "base");
	if (d) {
		rc = json_is_string(json_object_get(base, "name")) &&
		     json_is_string(json_object_get(base, "version")) &&
		     json_is_array(json_object_get(d, "pool")) ? 1 : -1;
		json_array_foreach(json_object_get(d, "pool"), i, v)
			if (json_is_string(v))
				strlist_add(carried, json_string_value(v));
			else
				rc = -1;
	}
	if (rc > 0)
		c->r->delta_base = xasprintf("%s %s", json_string_value(json_object_get(base, "name")),
					     json_string_value(json_object_get(base, "version")));
	json_decref(root);
	strlist_sort(carried);
	return rc < 0 ? pgb_fail(err, "bundle.json: \"delta\" lacks base.name, base.version or "
				 "a pool list of strings") : rc;
}

/* Every indexed file was seen, or (a delta) is one its base supplies; and a
 * delta holds exactly the files it says it carries. */
static int check_pool_complete(struct checker *c, struct pgb_err *err)
{
	struct strlist carried = STRLIST_INIT;
	int delta = delta_meta(c, &carried, err), rc = delta < 0 ? -1 : 0;

	for (size_t i = 0; rc == 0 && i < c->npool; i++) {
		const struct pool_ref *p = &c->pool[i];
		int listed = delta && bsearch(&p->filename, carried.v, carried.n, sizeof(char *),
					      cmp_str) != NULL;

		if (!p->seen && delta && !listed)
			c->r->from_base++;
		else if (!p->seen)
			rc = pgb_fail(err, "%s is in the signed index but missing from the bundle",
				      p->filename);
		else if (delta && !listed)
			rc = pgb_fail(err, "%s is in the delta, but its bundle.json does not list it "
				      "among the files it carries", p->filename);
	}
	strlist_free(&carried);
	return rc;
}

static void keep_meta(struct checker *c, const char *path, struct sbuf *out)
{
	struct sbuf *f = meta_get(c, path);

	if (f)
		sbuf_add(out, f->buf ? f->buf : "", f->len);
}

int bundle_check(const char *tar_path, const char *key_path, int full, struct bundle_report *r,
		 struct pgb_err *err)
{
	struct checker c = { tar_path, key_path, r, NULL, 0, NULL, 0, 0, 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	rc = walk_bundle(&c, tar_path, full, r, err);
	if (rc == 0 && full)
		rc = check_pool_complete(&c, err);
	if (rc == 0) {
		keep_meta(&c, "bundle.json", &r->meta);
		keep_meta(&c, SBOM_FILE, &r->sbom);
		if (!full)
			r->pool_bytes = c.index_bytes;
	}
	if (rc < 0 && !strstr(err->msg, tar_path))
		pgb_err_prefix(err, "%s", tar_path);
	for (size_t i = 0; i < c.nfiles; i++) {
		free(c.files[i].path);
		sbuf_free(&c.files[i].data);
	}
	free(c.files);
	free(c.pool);
	return rc;
}

/* One package of the signed index against the SBOM's component of the same name. */
static int check_component(const struct sbom *s, const struct bundle_pkg *k, const char *what,
			   struct pgb_err *err)
{
	const struct sbom_component *c = sbom_find(s, k->name);

	if (!c)
		return pgb_fail(err, "%s: its SBOM (%s) lacks package %s of the signed index: the "
				"SBOM was modified", what, SBOM_FILE, k->name);
	if (strcmp(c->version, k->version) || strcmp(c->sha256, k->sha256))
		return pgb_fail(err, "%s: its SBOM (%s) says %s %s (SHA-256 %.12s...), the signed "
				"index %s %s (%.12s...): the SBOM was modified", what, SBOM_FILE,
				c->name, c->version, c->sha256, k->name, k->version, k->sha256);
	return 0;
}

int bundle_report_sbom(const struct bundle_report *r, const char *bundle, struct sbom *s,
		       struct pgb_err *err)
{
	char *what;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!r->sbom.len)
		return pgb_fail(err, "%s carries no SBOM (%s): it was built before pgbundle wrote "
				"one; rebuild it from its lock (`pgbundle build MANIFEST --lock "
				"LOCK`)", bundle, SBOM_FILE);
	what = xasprintf("%s:%s", bundle, SBOM_FILE);
	rc = sbom_parse(r->sbom.buf, r->sbom.len, what, s, err);
	free(what);
	if (rc < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < r->npackages; i++)
		rc = check_component(s, &r->pkgs[i], bundle, err);
	if (rc == 0 && s->n != r->npackages)
		rc = pgb_fail(err, "%s: its SBOM (%s) lists %zu packages, the signed index %zu: "
			      "the SBOM was modified", bundle, SBOM_FILE, s->n, r->npackages);
	if (rc < 0)
		sbom_free(s);
	return rc;
}

void bundle_report_free(struct bundle_report *r)
{
	free(r->top);
	free(r->delta_base);
	for (size_t i = 0; i < r->npackages; i++) {
		free(r->pkgs[i].name);
		free(r->pkgs[i].version);
		free(r->pkgs[i].arch);
		free(r->pkgs[i].filename);
	}
	free(r->pkgs);
	sbuf_free(&r->meta);
	sbuf_free(&r->sbom);
	memset(r, 0, sizeof(*r));
}
