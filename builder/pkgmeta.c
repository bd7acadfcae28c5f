/*
 * pkgmeta.c - the family table of pkgmeta.h and what every format shares.
 */
#include "pkgmeta.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const struct pkgmeta_family *const families[] = { &pkgmeta_deb, &pkgmeta_rpm };

const struct pkgmeta_family *pkgmeta_family(const char *family)
{
	for (size_t i = 0; family && i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i]->family, family))
			return families[i];
	return NULL;
}

void pkgmeta_free(struct pkgmeta *m)
{
	strlist_free(&m->licenses);
	strlist_free(&m->depends);
	strlist_free(&m->provides);
	strlist_free(&m->extensions);
	free(m->license_from);
	memset(m, 0, sizeof(*m));
}

/*
 * name[0..n) as an extension name: what PostgreSQL accepts (its
 * check_valid_extension_name(): not empty, no "--", no '-' first or last, no
 * directory separator; a NAME--VERSION.control is a secondary control file,
 * not an extension, as extdisc.c counts them too), and no ',', the SBOM's
 * list separator (sbom.h), which no real extension name holds.
 */
static int extension_name_ok(const char *name, size_t n)
{
	return n && name[0] != '-' && name[n - 1] != '-' && !memmem(name, n, "--", 2) &&
	       !memchr(name, '\\', n) && !memchr(name, ',', n);
}

void pkgmeta_note_file(struct pkgmeta *m, const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t n = base ? (size_t)(base - path) : 0;

	if (!base || n < 9 || strncmp(base - 9, "extension", 9) || (n > 9 && base[-10] != '/'))
		return;
	dot = strrchr(++base, '.');
	if (dot && !strcmp(dot, ".control") && extension_name_ok(base, (size_t)(dot - base))) {
		char *name = xstrndup(base, (size_t)(dot - base));

		if (strlist_has(&m->extensions, name))
			free(name);
		else
			strlist_add_owned(&m->extensions, name);
	}
}

void pkgmeta_purl_encode(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr(".-_~:", c))
			sbuf_addc(out, (char)c);
		else
			sbuf_addf(out, "%%%02X", c);
	}
}

char *pkgmeta_purl(const char *type, const char *distro, const char *release, const char *name,
		   const char *version, const char *arch, const char *epoch)
{
	struct sbuf b = SBUF_INIT;

	sbuf_addf(&b, "pkg:%s/", type);
	pkgmeta_purl_encode(&b, distro);
	sbuf_addc(&b, '/');
	pkgmeta_purl_encode(&b, name);
	sbuf_addc(&b, '@');
	pkgmeta_purl_encode(&b, version);
	sbuf_adds(&b, "?arch=");
	pkgmeta_purl_encode(&b, arch);
	sbuf_adds(&b, "&distro=");
	pkgmeta_purl_encode(&b, distro);
	sbuf_addc(&b, '-');
	pkgmeta_purl_encode(&b, release);
	if (epoch) {
		sbuf_adds(&b, "&epoch=");
		pkgmeta_purl_encode(&b, epoch);
	}
	return sbuf_detach(&b, NULL);
}

/* --- the cache --- */

static json_t *strlist_to_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static int strlist_from_json(json_t *a, struct strlist *l)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -1;
		strlist_add(l, json_string_value(v));
	}
	return 0;
}

static char *cache_path(const char *cache_dir, const struct pkgmeta_family *fam,
			const char *sha256)
{
	return xasprintf("%s/pkgmeta/v1/%.2s/%s.%s.json", cache_dir, sha256, sha256, fam->family);
}

static int cache_load(const char *path, struct pkgmeta *m)
{
	json_t *j = json_load_file(path, 0, NULL);
	const char *from;
	int rc = -1;

	if (j && !strlist_from_json(json_object_get(j, "licenses"), &m->licenses) &&
	    !strlist_from_json(json_object_get(j, "depends"), &m->depends) &&
	    !strlist_from_json(json_object_get(j, "provides"), &m->provides) &&
	    !strlist_from_json(json_object_get(j, "extensions"), &m->extensions)) {
		from = json_string_value(json_object_get(j, "license_from"));
		m->license_from = from ? xstrdup(from) : NULL;
		rc = 0;
	}
	json_decref(j);
	if (rc < 0)
		pkgmeta_free(m);
	return rc;
}

static void cache_store(const char *path, const struct pkgmeta *m)
{
	json_t *j = json_pack("{s:o, s:o, s:o, s:o}", "licenses", strlist_to_json(&m->licenses),
			      "depends", strlist_to_json(&m->depends),
			      "provides", strlist_to_json(&m->provides),
			      "extensions", strlist_to_json(&m->extensions));
	char *text, *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct pgb_err ignored;

	if (m->license_from)
		json_object_set_new(j, "license_from", json_string(m->license_from));
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	*slash = '\0';
	if (text && util_mkdir_p(dir, 0755, &ignored) == 0)
		util_write_atomic(path, text, strlen(text), 0644, &ignored);
	free(text);
	free(dir);
	json_decref(j);
}

/* Can JSON (the cache, the SBOM) hold s?  Only valid UTF-8 it can. */
static int encodable(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static void keep_encodable(struct strlist *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (encodable(l->v[i]))
			l->v[k++] = l->v[i];
		else
			free(l->v[i]);
	}
	l->n = k;
}

/* What a package declares, as the cache and the SBOM can hold it: strings
 * that are not UTF-8 (which DEP-5 and Debian policy require) are left out,
 * rather than dropped silently by the JSON writers later. */
static int read_encodable(const struct pkgmeta_family *fam, const char *path,
			  const struct lock_pkg *p, struct pkgmeta *m, struct pgb_err *err)
{
	int rc = fam->read(path, p, m, err);

	keep_encodable(&m->licenses);
	keep_encodable(&m->depends);
	keep_encodable(&m->provides);
	keep_encodable(&m->extensions);
	if (m->license_from && !encodable(m->license_from)) {
		free(m->license_from);
		m->license_from = NULL;
	}
	return rc;
}

int pkgmeta_read_cached(const struct pkgmeta_family *fam, const char *cache_dir,
			const char *path, const struct lock_pkg *p, struct pkgmeta *m,
			struct pgb_err *err)
{
	char *cpath;
	int rc;

	if (!cache_dir)
		return read_encodable(fam, path, p, m, err);
	cpath = cache_path(cache_dir, fam, p->sha256);
	rc = util_exists(cpath) && cache_load(cpath, m) == 0 ? 0 : -1;
	if (rc < 0) {
		rc = read_encodable(fam, path, p, m, err);
		if (rc == 0)
			cache_store(cpath, m);
	}
	free(cpath);
	return rc;
}
