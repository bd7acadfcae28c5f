/*
 * bundle_meta.c - bundle.json into struct inst_bundle (jansson).
 *
 * The file is signed with the rest of the .run, but its strings still end up
 * in paths and messages, so they are held to a safe alphabet anyway: a
 * builder bug must not become a path outside the prefix.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inst.h"

#define META_FORMAT 1
#define META_FORMAT_DELTA 2	/* a delta (builder/delta.h): format 1 and "delta" */

struct meta {
	json_t *root;
	const char *what;
	struct pgb_err *err;
};

static int bad_key(struct meta *m, const char *key, const char *want)
{
	return pgb_fail(m->err, "%s: \"%s\" is missing or not %s; the bundle was made by an "
			"incompatible pgbundle, or its metadata is damaged", m->what, key, want);
}

/* Letters, digits and ._+~- only, not starting with a dot: safe in a path component. */
static int safe_word(const char *s)
{
	if (*s == '.')
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-", *s))
			return 0;
	return 1;
}

static int get_word(struct meta *m, const char *key, int may_be_empty, char **out)
{
	const char *s = json_string_value(json_object_get(m->root, key));

	if (!s || (!*s && !may_be_empty) || !safe_word(s))
		return bad_key(m, key, may_be_empty ? "a string of letters, digits and ._+~-"
				   : "a non-empty string of letters, digits and ._+~-");
	*out = xstrdup(s);
	return 0;
}

static int get_uint(struct meta *m, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(m->root, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad_key(m, key, "a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_strings(struct meta *m, const char *key, struct strlist *out)
{
	json_t *a = json_object_get(m->root, key), *v;
	size_t i;

	if (!json_is_array(a))
		return bad_key(m, key, "an array of strings");
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !*json_string_value(v))
			return bad_key(m, key, "an array of non-empty strings");
		strlist_add(out, json_string_value(v));
	}
	return 0;
}

static int get_majors(struct meta *m, struct inst_bundle *b)
{
	json_t *a = json_object_get(m->root, "postgres"), *v;
	size_t i;

	if (!json_is_array(a) || !json_array_size(a))
		return bad_key(m, "postgres", "a non-empty array of PostgreSQL majors");
	b->postgres = xcalloc(json_array_size(a), sizeof(*b->postgres));
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 9 ||
		    json_integer_value(v) > 1000)
			return bad_key(m, "postgres", "an array of PostgreSQL majors");
		b->postgres[b->npostgres++] = (int)json_integer_value(v);
	}
	return 0;
}

/* Optional "postgres_packages": {"15": [...], ...}, one key per major of the
 * bundle, kept as "15:postgresql-15" (as module_packages keeps "module:pkg"). */
static int get_major_packages(struct meta *m, struct inst_bundle *b)
{
	json_t *o = json_object_get(m->root, "postgres_packages"), *a, *v;
	const char *key;
	size_t i;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return bad_key(m, "postgres_packages", "an object of package lists by major");
	json_object_foreach(o, key, a) {
		int known = 0;

		for (size_t j = 0; *key && strspn(key, "0123456789") == strlen(key) &&
				   j < b->npostgres; j++)
			known |= atoi(key) == b->postgres[j];
		if (!known || !json_is_array(a))
			return bad_key(m, "postgres_packages", "package lists of the bundle's majors");
		json_array_foreach(a, i, v) {
			if (!json_is_string(v) || !*json_string_value(v))
				return bad_key(m, "postgres_packages", "lists of package names");
			strlist_add_owned(&b->major_packages,
					  xasprintf("%d:%s", atoi(key), json_string_value(v)));
		}
	}
	return 0;
}

static int get_key_fpr(struct meta *m, struct inst_bundle *b)
{
	const char *s = json_string_value(json_object_get(m->root, "key"));

	if (!s || strlen(s) != 40 || strspn(s, "0123456789ABCDEFabcdef") != 40)
		return bad_key(m, "key", "a 40-digit hex key fingerprint");
	b->key_fpr = xstrdup(s);
	for (char *p = b->key_fpr; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return 0;
}

/* The bundled config: absent or null, or a relative path without "..". */
static int get_config(struct meta *m, struct inst_bundle *b)
{
	json_t *v = json_object_get(m->root, "config");
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	s = json_string_value(v);
	if (!s || !*s || *s == '/' || strstr(s, ".."))
		return bad_key(m, "config", "a relative path inside the bundle");
	b->config = xstrdup(s);
	return 0;
}

/* --- extension_info (optional: bundles before it, or of packages only) --- */

/* Extension and library names as the catalog allows them (extcat.c). */
static int ext_word(const char *s)
{
	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", *s))
			return 0;
	return 1;
}

/* "key=value", one line, key a PostgreSQL parameter name. */
static int setting_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || strpbrk(s, "\n\r'"))
		return 0;
	for (const char *p = s; p < eq; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.", *p))
			return 0;
	return 1;
}

static int ext_list(struct meta *m, const char *name, json_t *o, const char *key,
		    int (*ok)(const char *), struct strlist *out)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return pgb_fail(m->err, "%s: extension_info.%s.%s is not an array", m->what,
				name, key);
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || !ok(json_string_value(v)))
			return pgb_fail(m->err, "%s: extension_info.%s.%s[%zu] is not a valid "
					"value; the bundle's metadata is damaged", m->what, name,
					key, i);
		else
			strlist_add(out, json_string_value(v));
	return 0;
}

static int ext_str(struct meta *m, const char *name, json_t *o, const char *key,
		   int (*ok)(const char *), char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || (ok && !ok(json_string_value(v))))
		return pgb_fail(m->err, "%s: extension_info.%s.%s is not a valid value; the "
				"bundle's metadata is damaged", m->what, name, key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int ext_majors(struct meta *m, const char *name, json_t *o, struct inst_ext_info *e)
{
	json_t *a = json_object_get(o, "exception_pg"), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || !json_array_size(a) || !e->exception)
		return pgb_fail(m->err, "%s: extension_info.%s.exception_pg is not a list of "
				"majors under an exception; the bundle's metadata is damaged",
				m->what, name);
	e->exception_pg = xcalloc(json_array_size(a), sizeof(*e->exception_pg));
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v))
			return pgb_fail(m->err, "%s: extension_info.%s.exception_pg[%zu] is not "
					"a PostgreSQL major", m->what, name, i);
		e->exception_pg[e->n_exception_pg++] = (int)json_integer_value(v);
	}
	return 0;
}

int inst_ext_exception_holds(const struct inst_ext_info *e, int pg)
{
	if (!e->exception)
		return 0;
	for (size_t i = 0; i < e->n_exception_pg; i++)
		if (e->exception_pg[i] == pg)
			return 1;
	return e->n_exception_pg == 0;
}

static int any_line(const char *s)
{
	return *s && !strpbrk(s, "\n\r");
}

static int get_ext_info(struct meta *m, struct inst_bundle *b)
{
	json_t *all = json_object_get(m->root, "extension_info"), *o;
	const char *name;

	if (!all)
		return 0;
	if (!json_is_object(all))
		return bad_key(m, "extension_info", "an object");
	b->ext = xcalloc(json_object_size(all) + 1, sizeof(*b->ext));
	/* jansson iterates in insertion order; the builder writes sorted keys. */
	json_object_foreach(all, name, o) {
		struct inst_ext_info *e = &b->ext[b->n_ext++];

		if (!ext_word(name) || !json_is_object(o))
			return pgb_fail(m->err, "%s: extension_info has an entry '%.100s' that is "
					"not an extension; the bundle's metadata is damaged",
					m->what, name);
		e->name = xstrdup(name);
		if (ext_str(m, name, o, "catalog", ext_word, &e->catalog) < 0 ||
		    ext_str(m, name, o, "preload", ext_word, &e->preload) < 0 ||
		    ext_str(m, name, o, "exception", any_line, &e->exception) < 0 ||
		    ext_str(m, name, o, "background", any_line, &e->background) < 0 ||
		    ext_list(m, name, o, "preload_after", ext_word, &e->preload_after) < 0 ||
		    ext_list(m, name, o, "settings", setting_ok, &e->settings) < 0 ||
		    ext_list(m, name, o, "conflicts", ext_word, &e->conflicts) < 0 ||
		    ext_list(m, name, o, "requires", ext_word, &e->requires) < 0 ||
		    ext_majors(m, name, o, e) < 0)
			return -1;
	}
	return 0;
}

const struct inst_ext_info *inst_bundle_ext(const struct inst_bundle *b, const char *name)
{
	for (size_t i = 0; i < b->n_ext; i++)
		if (strcmp(b->ext[i].name, name) == 0)
			return &b->ext[i];
	for (size_t i = 0; i < b->n_ext; i++)
		if (b->ext[i].catalog && strcmp(b->ext[i].catalog, name) == 0)
			return &b->ext[i];
	return NULL;
}

const char *inst_ext_sql_name(const struct inst_ext_info *e)
{
	return e->catalog ? e->catalog : e->name;
}

/* A delta's "delta" object into b->delta (its pool list sorted). */
static int get_delta(struct meta *m, struct inst_bundle *b)
{
	json_t *d = json_object_get(m->root, "delta"), *base = json_object_get(d, "base");
	char *what = xasprintf("%s, its \"delta\"", m->what), *name = NULL;
	struct meta sub = { base, what, m->err };
	struct inst_delta *x;
	uint64_t date, nb, n;
	int rc;

	if (!json_is_object(d) || !json_is_object(base)) {
		free(what);
		return bad_key(m, "delta", "an object with a base (format 2 is a delta)");
	}
	x = b->delta = xcalloc(1, sizeof(*b->delta));
	rc = get_word(&sub, "name", 0, &name) < 0 || get_word(&sub, "version", 0, &x->base_version) < 0 ||
	     get_word(&sub, "packages_id", 0, &x->base_id) < 0 || get_uint(&sub, "date", &date) < 0 ||
	     get_uint(&sub, "packages", &nb) < 0 ? -1 : 0;
	sub.root = d;
	if (rc == 0 && (get_uint(&sub, "packages", &n) < 0 || get_uint(&sub, "size", &x->size) < 0 ||
			get_strings(&sub, "pool", &x->pool) < 0))
		rc = -1;
	if (rc == 0 && strcmp(name, b->name))
		rc = pgb_fail(m->err, "%s: a delta of %s on a base named %s: a delta applies to an "
			      "earlier bundle of the same name", m->what, b->name, name);
	free(name);
	free(what);
	if (rc < 0)
		return -1;
	x->base_date = (int64_t)date;
	x->base_npackages = (size_t)nb;
	x->npackages = (size_t)n;
	strlist_sort(&x->pool);
	return 0;
}

static int get_bool(struct meta *m, const char *key, int *out)
{
	json_t *v = json_object_get(m->root, key);

	if (!json_is_boolean(v))
		return bad_key(m, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* EL bundles: "rpm" says how dnf takes the bundle (bundle_rpm.c writes it). */
static int get_rpm(struct meta *m, struct inst_bundle *b)
{
	json_t *o = json_object_get(m->root, "rpm");
	struct meta sub = { o, NULL, m->err };
	struct inst_rpm *r = &b->rpm;
	int rc;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return bad_key(m, "rpm", "an object");
	sub.what = xasprintf("%s (rpm)", m->what);
	rc = get_word(&sub, "release", 0, &r->release) < 0 ||
	     get_word(&sub, "gpgkey", 0, &r->gpgkey) < 0 ||
	     get_strings(&sub, "keys", &r->keys) < 0 ||
	     get_strings(&sub, "modules_disable", &r->modules_disable) < 0 ||
	     get_bool(&sub, "module_hotfixes", &r->module_hotfixes) < 0 ||
	     get_bool(&sub, "weak_deps", &r->weak_deps) < 0 ? -1 : 0;
	/* File and module names end up in paths and dnf's arguments. */
	for (size_t i = 0; rc == 0 && i < r->keys.n + r->modules_disable.n; i++) {
		const char *w = i < r->keys.n ? r->keys.v[i] : r->modules_disable.v[i - r->keys.n];

		if (!safe_word(w))
			rc = bad_key(&sub, i < r->keys.n ? "keys" : "modules_disable",
				     "a list of plain names");
	}
	free((char *)sub.what);
	r->present = rc == 0;
	return rc;
}

static int fill(struct meta *m, struct inst_bundle *b)
{
	json_t *fmt = json_object_get(m->root, "format");
	uint64_t n, date;

	if (!json_is_integer(fmt))
		return bad_key(m, "format", "an integer");
	if (json_integer_value(fmt) != META_FORMAT && json_integer_value(fmt) != META_FORMAT_DELTA)
		return pgb_fail(m->err, "%s: metadata format %lld, but this installer reads "
				"formats %d and %d: use the installer that came with the bundle",
				m->what, (long long)json_integer_value(fmt), META_FORMAT,
				META_FORMAT_DELTA);
	if (get_word(m, "name", 0, &b->name) < 0 || get_word(m, "version", 0, &b->version) < 0 ||
	    get_word(m, "target", 0, &b->target) < 0 || get_word(m, "family", 0, &b->family) < 0 ||
	    get_word(m, "codename", 1, &b->codename) < 0 || get_word(m, "arch", 0, &b->arch) < 0)
		return -1;
	if (get_majors(m, b) < 0 || get_strings(m, "requested", &b->requested) < 0 ||
	    get_strings(m, "extensions", &b->extensions) < 0 ||
	    get_strings(m, "modules", &b->modules) < 0 || get_key_fpr(m, b) < 0 ||
	    get_config(m, b) < 0)
		return -1;
	/* Optional: bundles before these fields install every requested package. */
	if ((json_object_get(m->root, "module_packages") &&
	     get_strings(m, "module_packages", &b->module_packages) < 0) ||
	    (json_object_get(m->root, "packages_extra") &&
	     get_strings(m, "packages_extra", &b->extra_packages) < 0) ||
	    (json_object_get(m->root, "key_rotation") &&
	     get_strings(m, "key_rotation", &b->key_rotation) < 0))
		return -1;
	if (get_ext_info(m, b) < 0 || get_major_packages(m, b) < 0 || get_rpm(m, b) < 0)
		return -1;
	if (get_uint(m, "size", &b->size) < 0 || get_uint(m, "packages", &n) < 0 ||
	    get_uint(m, "date", &date) < 0)
		return -1;
	/* Optional: older bundles do not say it; the /usr check then comes at the pre-flight. */
	if (json_object_get(m->root, "installed_size") &&
	    get_uint(m, "installed_size", &b->installed_size) < 0)
		return -1;
	b->npackages = (size_t)n;
	b->date = (int64_t)date;
	if (json_object_get(m->root, "packages_id") &&
	    get_word(m, "packages_id", 0, &b->packages_id) < 0)
		return -1;
	if (json_integer_value(fmt) == META_FORMAT_DELTA)
		return get_delta(m, b);
	return json_object_get(m->root, "delta") ? bad_key(m, "format", "2 in a delta") : 0;
}

int inst_bundle_parse(struct inst_bundle *b, const char *json, size_t len, const char *what,
		      struct pgb_err *err)
{
	struct meta m = { NULL, what, err };
	json_error_t je;
	int rc;

	memset(b, 0, sizeof(*b));
	m.root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!m.root)
		return pgb_fail(err, "%s:%d:%d: not valid JSON: %s", what, je.line, je.column,
				je.text);
	if (!json_is_object(m.root))
		rc = pgb_fail(err, "%s: not a JSON object", what);
	else
		rc = fill(&m, b);
	json_decref(m.root);
	if (rc < 0)
		inst_bundle_free(b);
	return rc;
}

void inst_bundle_free(struct inst_bundle *b)
{
	if (!b)
		return;
	free(b->name);
	free(b->version);
	free(b->target);
	free(b->family);
	free(b->rpm.release);
	free(b->rpm.gpgkey);
	strlist_free(&b->rpm.keys);
	strlist_free(&b->rpm.modules_disable);
	free(b->codename);
	free(b->arch);
	free(b->postgres);
	strlist_free(&b->requested);
	strlist_free(&b->module_packages);
	strlist_free(&b->extra_packages);
	strlist_free(&b->key_rotation);
	strlist_free(&b->major_packages);
	strlist_free(&b->extensions);
	strlist_free(&b->modules);
	for (size_t i = 0; i < b->n_ext; i++) {
		struct inst_ext_info *e = &b->ext[i];

		free(e->name);
		free(e->catalog);
		free(e->preload);
		free(e->exception);
		free(e->background);
		strlist_free(&e->requires);
		free(e->exception_pg);
		strlist_free(&e->preload_after);
		strlist_free(&e->settings);
		strlist_free(&e->conflicts);
	}
	free(b->ext);
	free(b->key_fpr);
	free(b->config);
	free(b->packages_id);
	if (b->delta) {
		free(b->delta->base_version);
		free(b->delta->base_id);
		strlist_free(&b->delta->pool);
		free(b->delta);
	}
	memset(b, 0, sizeof(*b));
}
