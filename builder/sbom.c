/*
 * sbom.c - CycloneDX 1.5 JSON for a bundle (sbom.h), written and read with
 * jansson.
 */
#include "sbom.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hash.h"

/*
 * DEP-5 short names (copyright-format/1.0, "License specification") and the
 * rpm License spellings that have an SPDX identifier, with it; and SPDX
 * identifiers that packages already use as such.  Matched without regard to
 * case; anything else stays a license name.
 */
static const struct {
	const char *declared, *spdx;
} spdx_ids[] = {
	{ "AGPL-3", "AGPL-3.0-only" }, { "AGPL-3+", "AGPL-3.0-or-later" },
	{ "Apache-1.1", "Apache-1.1" }, { "Apache-2.0", "Apache-2.0" },
	{ "Apache-2", "Apache-2.0" }, { "ASL 2.0", "Apache-2.0" },
	{ "Artistic", "Artistic-1.0-Perl" }, { "Artistic-2.0", "Artistic-2.0" },
	{ "BSD-2-clause", "BSD-2-Clause" }, { "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" }, { "BSL-1.0", "BSL-1.0" },
	{ "CC-BY-3.0", "CC-BY-3.0" }, { "CC-BY-4.0", "CC-BY-4.0" },
	{ "CC-BY-SA-3.0", "CC-BY-SA-3.0" }, { "CC-BY-SA-4.0", "CC-BY-SA-4.0" },
	{ "CC0-1.0", "CC0-1.0" }, { "CC0", "CC0-1.0" }, { "curl", "curl" },
	{ "EPL-1.0", "EPL-1.0" }, { "EPL-2.0", "EPL-2.0" }, { "Expat", "MIT" },
	{ "FTL", "FTL" }, { "GFDL-1.2", "GFDL-1.2-only" }, { "GFDL-1.2+", "GFDL-1.2-or-later" },
	{ "GFDL-1.3", "GFDL-1.3-only" }, { "GFDL-1.3+", "GFDL-1.3-or-later" },
	{ "GPL-1", "GPL-1.0-only" }, { "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" }, { "GPL-2.0", "GPL-2.0-only" },
	{ "GPL-2+", "GPL-2.0-or-later" }, { "GPL-2.0+", "GPL-2.0-or-later" },
	{ "GPLv2", "GPL-2.0-only" }, { "GPLv2+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" }, { "GPL-3.0", "GPL-3.0-only" },
	{ "GPL-3+", "GPL-3.0-or-later" }, { "GPL-3.0+", "GPL-3.0-or-later" },
	{ "GPLv3", "GPL-3.0-only" }, { "GPLv3+", "GPL-3.0-or-later" },
	{ "IJG", "IJG" }, { "ISC", "ISC" },
	{ "LGPL-2", "LGPL-2.0-only" }, { "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" }, { "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPLv2+", "LGPL-2.0-or-later" }, { "LGPLv2", "LGPL-2.0-only" },
	{ "LGPL-3", "LGPL-3.0-only" }, { "LGPL-3+", "LGPL-3.0-or-later" },
	{ "Libpng", "Libpng" }, { "libpng-2.0", "libpng-2.0" }, { "libtiff", "libtiff" },
	{ "MIT", "MIT" }, { "MPL-1.1", "MPL-1.1" }, { "MPL-2.0", "MPL-2.0" },
	{ "OLDAP-2.8", "OLDAP-2.8" }, { "OpenSSL", "OpenSSL" }, { "PostgreSQL", "PostgreSQL" },
	{ "PSF-2.0", "PSF-2.0" }, { "Python-2.0", "Python-2.0" },
	{ "Unicode-DFS-2016", "Unicode-DFS-2016" }, { "X11", "X11" }, { "Zlib", "Zlib" },
	{ "Zope-2.1", "ZPL-2.1" },
};

static const char *spdx_id(const char *declared)
{
	for (size_t i = 0; i < sizeof(spdx_ids) / sizeof(spdx_ids[0]); i++)
		if (!strcasecmp(spdx_ids[i].declared, declared))
			return spdx_ids[i].spdx;
	return NULL;
}

/* --- the dependency graph --- */

struct name_idx {
	const char *name;
	size_t idx;
	int real;		/* the package's own name (wins over a provider) */
};

static int cmp_name_idx(const void *a, const void *b)
{
	const struct name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->real != y->real)
		return y->real - x->real;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_name_key(const void *key, const void *elt)
{
	return strcmp(key, ((const struct name_idx *)elt)->name);
}

/* Sorted (name, package) pairs: every package's name and what it provides. */
static struct name_idx *name_index(const struct lock *l, const struct pkgmeta *metas, size_t *n)
{
	struct name_idx *v;
	size_t k = l->npkgs;

	for (size_t i = 0; i < l->npkgs; i++)
		k += metas[i].provides.n;
	v = xcalloc(k ? k : 1, sizeof(*v));
	k = 0;
	for (size_t i = 0; i < l->npkgs; i++) {
		v[k++] = (struct name_idx){ l->pkgs[i].name, i, 1 };
		for (size_t j = 0; j < metas[i].provides.n; j++)
			v[k++] = (struct name_idx){ metas[i].provides.v[j], i, 0 };
	}
	qsort(v, k, sizeof(*v), cmp_name_idx);
	*n = k;
	return v;
}

/* The first match of name in the index (a real package before providers). */
static const struct name_idx *lookup(const struct name_idx *v, size_t n, const char *name)
{
	const struct name_idx *hit = bsearch(name, v, n, sizeof(*v), cmp_name_key);

	while (hit && hit > v && !strcmp(hit[-1].name, name))
		hit--;
	return hit;
}

/* The bundle packages package i depends on, as a sorted list of purls. */
static json_t *depends_on(const struct pkgmeta *metas, size_t i,
			  const struct name_idx *idx, size_t nidx, char **purls)
{
	struct strlist refs = STRLIST_INIT;
	json_t *a = json_array();

	for (size_t r = 0; r < metas[i].depends.n; r++) {
		char *alts = xstrdup(metas[i].depends.v[r]), *save, *alt;

		for (alt = strtok_r(alts, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
			const struct name_idx *hit = lookup(idx, nidx, alt);

			if (!hit)
				continue;
			if (hit->idx != i)
				strlist_add(&refs, purls[hit->idx]);
			break;
		}
		free(alts);
	}
	strlist_sort(&refs);
	strlist_uniq(&refs);
	for (size_t k = 0; k < refs.n; k++)
		json_array_append_new(a, json_string(refs.v[k]));
	strlist_free(&refs);
	return a;
}

/* --- the document --- */

static json_t *prop(const char *name, const char *value)
{
	return json_pack("{s:s, s:s}", "name", name, "value", value);
}

/* Each license once: "BSD-3-clause" and "BSD-3-Clause" are one SPDX id. */
static json_t *licenses_json(const struct strlist *ls)
{
	struct strlist ids = STRLIST_INIT;
	json_t *a = json_array();

	for (size_t i = 0; i < ls->n; i++) {
		const char *id = spdx_id(ls->v[i]);

		if (id && strlist_has(&ids, id))
			continue;
		if (id)
			strlist_add(&ids, id);
		if (json_array_append_new(a, json_pack("{s:{s:s}}", "license", id ? "id" : "name",
						       id ? id : ls->v[i])) < 0) {
			json_decref(a);	/* not UTF-8: fail, not leave it out */
			a = NULL;
			break;
		}
	}
	strlist_free(&ids);
	return a;
}

/* Append {name, value}; -1 when value cannot be encoded (not UTF-8). */
static int add_prop(json_t *props, const char *name, const char *value)
{
	return json_array_append_new(props, prop(name, value));
}

/* The component of p; NULL when a field cannot be encoded (not UTF-8). */
static json_t *component_json(const struct lock_pkg *p, const struct pkgmeta *m,
			      const char *purl)
{
	json_t *props = json_array(), *c, *lic = NULL;
	char size[32];
	int bad = 0;

	snprintf(size, sizeof(size), "%llu", (unsigned long long)p->size);
	/* Sorted by name, so the bytes do not depend on the code's order. */
	bad |= add_prop(props, "pgbundle:arch", p->arch);
	if (m->extensions.n) {
		struct sbuf ext = SBUF_INIT;

		for (size_t i = 0; i < m->extensions.n; i++)
			sbuf_addf(&ext, "%s%s", i ? "," : "", m->extensions.v[i]);
		bad |= add_prop(props, "pgbundle:extensions", ext.buf);
		sbuf_free(&ext);
	}
	{
		const char *slash = strrchr(p->filename, '/');
		char *file = xasprintf("pool/%s", slash ? slash + 1 : p->filename);

		bad |= add_prop(props, "pgbundle:file", file);
		free(file);
	}
	if (m->license_from)
		bad |= add_prop(props, "pgbundle:license-from", m->license_from);
	if (p->requested)
		bad |= add_prop(props, "pgbundle:requested", "true");
	bad |= add_prop(props, "pgbundle:size", size);
	bad |= add_prop(props, "pgbundle:upstream", p->upstream);

	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}", "type", "library",
		      "bom-ref", purl, "name", p->name, "version", p->version, "purl", purl,
		      "hashes", "alg", "SHA-256", "content", p->sha256);
	if (m->licenses.n && !(lic = licenses_json(&m->licenses)))
		bad = 1;
	if (!c || bad) {
		json_decref(c);
		json_decref(props);
		json_decref(lic);
		return NULL;
	}
	if (lic)
		json_object_set_new(c, "licenses", lic);
	json_object_set_new(c, "properties", props);
	return c;
}

/* Name-based UUID, version 5 (RFC 9562): SHA-1 over the URL namespace and name. */
static void uuid5(const char *name, char out[37])
{
	static const unsigned char ns_url[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
						  0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	struct hash_ctx *h = hash_new(HASH_SHA1);
	char hex[HASH_HEX_MAX];
	unsigned char u[16];

	hash_update(h, ns_url, sizeof(ns_url));
	hash_update(h, name, strlen(name));
	hash_final_hex(h, hex);
	hash_free(h);
	for (int i = 0; i < 16; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		u[i] = (unsigned char)v;
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x50);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static char *base_name(const struct sbom_subject *s)
{
	return xasprintf("%s-%s.%s.%s", s->name, s->version, s->target, s->arch);
}

static char *serial_number(const struct sbom_subject *s, const struct lock *l)
{
	struct sbuf name = SBUF_INIT;
	char uuid[37], *base = base_name(s);

	sbuf_addf(&name, "https://pgbundle.invalid/sbom/%s", base);
	for (size_t i = 0; i < l->npkgs; i++)
		sbuf_addf(&name, "/%s", l->pkgs[i].sha256);
	uuid5(name.buf, uuid);
	sbuf_free(&name);
	free(base);
	return xasprintf("urn:uuid:%s", uuid);
}

static json_t *metadata_json(const struct sbom_subject *s)
{
	json_t *props = json_array();
	struct sbuf majors = SBUF_INIT;
	char stamp[32], *base = base_name(s), *desc;
	struct tm tm;
	time_t t = (time_t)s->date;
	json_t *m;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; i < s->npostgres; i++)
		sbuf_addf(&majors, "%s%d", i ? "," : "", s->postgres[i]);
	json_array_append_new(props, prop("pgbundle:arch", s->arch));
	json_array_append_new(props, prop("pgbundle:family", s->family));
	json_array_append_new(props, prop("pgbundle:postgres", majors.buf ? majors.buf : ""));
	json_array_append_new(props, prop("pgbundle:target", s->target));
	desc = xasprintf("pgbundle offline repository for %s (%s %s, %s), PostgreSQL %s",
			 s->target, s->distro, s->release, s->arch, majors.buf ? majors.buf : "-");
	m = json_pack("{s:s, s:[{s:s}], s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:s, s:s, s:s, s:o}}",
		      "timestamp", stamp, "lifecycles", "phase", "build",
		      "tools", "components", "type", "application", "name", "pgbundle",
		      "version", s->tool_version,
		      "component", "type", "application", "bom-ref", base, "name", s->name,
		      "version", s->version, "description", desc, "properties", props);
	free(desc);
	free(base);
	sbuf_free(&majors);
	return m;
}

int sbom_render(const struct sbom_subject *s, const struct lock *l, const struct pkgmeta *metas,
		struct sbuf *out, struct pgb_err *err)
{
	const struct pkgmeta_family *fam = pkgmeta_family(s->family);
	json_t *root, *comps = json_array(), *deps = json_array(), *req = json_array();
	char **purls, *serial, *text, *base;
	const struct lock_pkg *bad = NULL;	/* the first package JSON cannot hold */
	struct name_idx *idx;
	size_t nidx;

	if (!fam) {
		json_decref(comps);
		json_decref(deps);
		json_decref(req);
		return pgb_fail(err, "SBOM: no package format '%s' (deb or rpm)", s->family);
	}
	purls = xcalloc(l->npkgs ? l->npkgs : 1, sizeof(*purls));
	for (size_t i = 0; i < l->npkgs; i++)
		purls[i] = fam->purl(&l->pkgs[i], s->distro, s->release);
	idx = name_index(l, metas, &nidx);
	for (size_t i = 0; i < l->npkgs; i++) {
		json_t *c = component_json(&l->pkgs[i], &metas[i], purls[i]);

		if (!c && !bad)
			bad = &l->pkgs[i];
		json_array_append_new(comps, c);
		if (l->pkgs[i].requested)
			json_array_append_new(req, json_string(purls[i]));
	}
	base = base_name(s);
	json_array_append_new(deps, json_pack("{s:s, s:o}", "ref", base, "dependsOn", req));
	for (size_t i = 0; i < l->npkgs; i++)
		json_array_append_new(deps, json_pack("{s:s, s:o}", "ref", purls[i], "dependsOn",
						      depends_on(metas, i, idx, nidx, purls)));
	serial = serial_number(s, l);
	root = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o}", "bomFormat", "CycloneDX",
			 "specVersion", "1.5", "serialNumber", serial, "version", 1,
			 "metadata", metadata_json(s), "components", comps, "dependencies", deps);
	text = root && !bad ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	for (size_t i = 0; i < l->npkgs; i++)
		free(purls[i]);
	free(purls);
	free(idx);
	free(serial);
	free(base);
	if (bad)
		/* The name cut short: a long one would push the reason out of the
		 * message (fuzz_pkgmeta). */
		return pgb_fail(err, "SBOM: package %.200s%s: its name, version, architecture, "
				"upstream, file name or a license is not valid UTF-8, which the "
				"SBOM (JSON) cannot hold", bad->name,
				strlen(bad->name) > 200 ? "..." : "");
	if (!text)
		return pgb_fail(err, "cannot encode the SBOM");
	sbuf_adds(out, text);
	sbuf_addc(out, '\n');
	free(text);
	return 0;
}

/* A package whose copyright links to another bundle package's takes its licenses. */
static void follow_license_links(const struct lock *l, struct pkgmeta *metas)
{
	for (size_t i = 0; i < l->npkgs; i++) {
		const char *from = metas[i].license_from;

		for (size_t j = 0; from && !metas[i].licenses.n && j < l->npkgs; j++)
			if (!strcmp(l->pkgs[j].name, from) && !metas[j].license_from)
				for (size_t k = 0; k < metas[j].licenses.n; k++)
					strlist_add(&metas[i].licenses, metas[j].licenses.v[k]);
	}
}

int sbom_build(const struct sbom_subject *s, const struct lock *l, const char *const *paths,
	       const char *cache_dir, struct sbuf *out, struct pgb_err *err)
{
	const struct pkgmeta_family *fam = pkgmeta_family(s->family);
	struct pkgmeta *metas = xcalloc(l->npkgs ? l->npkgs : 1, sizeof(*metas));
	int rc = 0;

	if (!fam)
		rc = pgb_fail(err, "SBOM: no package format '%s' (deb or rpm)", s->family);
	for (size_t i = 0; rc == 0 && i < l->npkgs; i++)
		if (pkgmeta_read_cached(fam, cache_dir, paths[i], &l->pkgs[i], &metas[i], err) < 0)
			rc = pgb_err_prefix(err, "SBOM: %s %s", l->pkgs[i].name, l->pkgs[i].version);
	if (rc == 0) {
		follow_license_links(l, metas);
		rc = sbom_render(s, l, metas, out, err);
	}
	for (size_t i = 0; i < l->npkgs; i++)
		pkgmeta_free(&metas[i]);
	free(metas);
	return rc;
}

/* --- reading --- */

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static const char *prop_get(json_t *props, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(props, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n && !strcmp(n, name))
			return json_string_value(json_object_get(p, "value"));
	}
	return NULL;
}

static int parse_component(json_t *j, struct sbom_component *c, const char *what, size_t i,
			   struct pgb_err *err)
{
	json_t *props = json_object_get(j, "properties"), *hashes, *lic, *h;
	const char *ref = json_string_value(json_object_get(j, "bom-ref"));
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *version = json_string_value(json_object_get(j, "version"));
	const char *v;
	size_t k;

	if (!ref || !name || !version)
		return pgb_fail(err, "%s: component #%zu lacks bom-ref, name or version", what,
				i + 1);
	c->ref = xstrdup(ref);
	c->name = xstrdup(name);
	c->version = xstrdup(version);
	c->purl = dup_or_empty(json_string_value(json_object_get(j, "purl")));
	c->arch = dup_or_empty(prop_get(props, "pgbundle:arch"));
	v = prop_get(props, "pgbundle:upstream");
	c->upstream = v ? xstrdup(v) : NULL;
	v = prop_get(props, "pgbundle:size");
	c->size = v ? strtoull(v, NULL, 10) : 0;
	v = prop_get(props, "pgbundle:extensions");
	if (v && *v) {
		char *copy = xstrdup(v), *save, *tok;

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			strlist_add(&c->extensions, tok);
		free(copy);
	}
	v = prop_get(props, "pgbundle:requested");
	c->requested = v && !strcmp(v, "true");
	hashes = json_object_get(j, "hashes");
	json_array_foreach(hashes, k, h) {
		const char *alg = json_string_value(json_object_get(h, "alg"));

		if (alg && !strcmp(alg, "SHA-256") && !c->sha256)
			c->sha256 = dup_or_empty(json_string_value(json_object_get(h, "content")));
	}
	if (!c->sha256)
		c->sha256 = xstrdup("");
	json_array_foreach(json_object_get(j, "licenses"), k, lic) {
		json_t *l = json_object_get(lic, "license");
		const char *s = json_string_value(json_object_get(l, "id"));

		if (!s)
			s = json_string_value(json_object_get(l, "name"));
		if (!s)
			s = json_string_value(json_object_get(lic, "expression"));
		if (s)
			strlist_add(&c->licenses, s);
	}
	return 0;
}

static long find_ref(const struct sbom *s, const char *ref)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].ref, ref))
			return (long)i;
	return -1;
}

static int parse_dependencies(json_t *deps, struct sbom *s, const char *what,
			      struct pgb_err *err)
{
	size_t i, k;
	json_t *d, *on;

	json_array_foreach(deps, i, d) {
		const char *ref = json_string_value(json_object_get(d, "ref"));
		long from = ref ? find_ref(s, ref) : -1;
		struct sbom_component *c;

		if (from < 0)	/* the bundle's own entry, or a tool's */
			continue;
		c = &s->c[from];
		json_array_foreach(json_object_get(d, "dependsOn"), k, on) {
			const char *to = json_string_value(on);
			long t = to ? find_ref(s, to) : -1;

			if (t < 0)
				return pgb_fail(err, "%s: %s depends on '%s', which is no component",
						what, ref, to ? to : "?");
			c->deps = xrealloc(c->deps, (c->ndeps + 1) * sizeof(*c->deps));
			c->deps[c->ndeps++] = (size_t)t;
		}
	}
	return 0;
}

int sbom_parse(const char *text, size_t len, const char *what, struct sbom *s,
	       struct pgb_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *comps, *meta, *mc, *props, *c;
	const char *fmt, *v;
	size_t i;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!root)
		return pgb_fail(err, "%s:%d:%d: %s", what, je.line, je.column, je.text);
	fmt = json_string_value(json_object_get(root, "bomFormat"));
	comps = json_object_get(root, "components");
	if (!fmt || strcmp(fmt, "CycloneDX") || (comps && !json_is_array(comps))) {
		pgb_fail(err, "%s: not a CycloneDX BOM", what);
		goto out;
	}
	meta = json_object_get(root, "metadata");
	mc = json_object_get(meta, "component");
	props = json_object_get(mc, "properties");
	s->name = dup_or_empty(json_string_value(json_object_get(mc, "name")));
	s->version = dup_or_empty(json_string_value(json_object_get(mc, "version")));
	s->target = dup_or_empty(prop_get(props, "pgbundle:target"));
	s->arch = dup_or_empty(prop_get(props, "pgbundle:arch"));
	s->family = dup_or_empty(prop_get(props, "pgbundle:family"));
	v = json_string_value(json_object_get(meta, "timestamp"));
	if (v) {
		struct tm tm = { 0 };

		if (strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm))
			s->date = (int64_t)timegm(&tm);
	}
	s->c = xcalloc(json_array_size(comps) ? json_array_size(comps) : 1, sizeof(*s->c));
	json_array_foreach(comps, i, c) {
		if (parse_component(c, &s->c[i], what, i, err) < 0) {
			s->n = i + 1;
			goto out;
		}
		s->n = i + 1;
	}
	rc = parse_dependencies(json_object_get(root, "dependencies"), s, what, err);
out:
	json_decref(root);
	if (rc < 0)
		sbom_free(s);
	return rc;
}

void sbom_free(struct sbom *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct sbom_component *c = &s->c[i];

		free(c->ref);
		free(c->name);
		free(c->version);
		free(c->arch);
		free(c->purl);
		free(c->sha256);
		free(c->upstream);
		strlist_free(&c->licenses);
		strlist_free(&c->extensions);
		free(c->deps);
	}
	free(s->c);
	free(s->name);
	free(s->version);
	free(s->target);
	free(s->arch);
	free(s->family);
	memset(s, 0, sizeof(*s));
}

const struct sbom_component *sbom_find(const struct sbom *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}
