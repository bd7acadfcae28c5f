#include "extcat.h"

#include <stdlib.h>
#include <string.h>

#include "recipes.h"
#include "yamldoc.h"

const char *const extcat_categories[] = {
	"TIME", "GIS", "RAG", "FTS", "OLAP", "FEAT", "LANG", "TYPE", "UTIL", "FUNC", "ADMIN",
	"STAT", "SEC", "FDW", "SIM", "ETL", NULL
};

/* Only upstreams we cannot reach get templates: for reachable ones the
 * package comes from metadata (extdisc), never from a guessed name. */
static const char *const template_upstreams[] = {
	"pgdg-apt", "pgdg-yum", "pigsty-apt", "pigsty-yum", NULL
};

static const char *const entry_keys[] = {
	"category", "description", "aliases", "preload", "preload_after", "settings",
	"conflicts", "exception", "exception_pg", "background", "requires", "templates", "checked",
	NULL
};

/* Positions of list items, kept only while loading, for later checks. */
struct entry_where {
	struct strlist aliases;
	struct strlist conflicts;
	struct strlist requires;
};

int extcat_category_valid(const char *cat)
{
	for (const char *const *p = extcat_categories; *p; p++)
		if (!strcmp(*p, cat))
			return 1;
	return 0;
}

static int in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(*list, s, n))
			return 1;
	return 0;
}

/* Extension names as PostgreSQL accepts them in a .control file name and as
 * Debian ships them (uuid-ossp, postgis-3): no quoting surprises later. */
static int extname_ok(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

static int check_names(const struct strlist *l, const struct strlist *where, const char *key,
		       struct pgb_err *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (!extname_ok(l->v[i]))
			return pgb_fail(err, "%s: '%s' has an invalid extension name '%.200s' "
					"(lower-case letters, digits, '_', '-', starting with a "
					"letter)", where->v[i], key, l->v[i]);
	return 0;
}

static int check_settings(const struct strlist *l, const struct strlist *where,
			  struct pgb_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');

		if (!eq || eq == l->v[i] || strchr(l->v[i], '\n'))
			return pgb_fail(err, "%s: setting '%.200s' must be one line "
					"'name=value', as in postgresql.conf", where->v[i],
					l->v[i]);
	}
	return 0;
}

static int check_templates(const struct strlist *l, const struct strlist *where,
			   struct pgb_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i], *colon = strchr(s, ':');

		if (!colon || !in_list(template_upstreams, s, (size_t)(colon - s)))
			return pgb_fail(err, "%s: template '%.200s' must be 'UPSTREAM:NAME' with "
					"UPSTREAM one of pgdg-apt, pgdg-yum, pigsty-apt, "
					"pigsty-yum", where->v[i], s);
		if (!recipes_package_name_ok(colon + 1))
			return pgb_fail(err, "%s: template '%.200s' has an invalid package name "
					"(letters, digits, + . _ - and {pg})", where->v[i], s);
	}
	return 0;
}

static int check_line(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		      const char *s, struct pgb_err *err)
{
	if (!s || (*s && !strchr(s, '\n')))
		return 0;
	return yamldoc_fail(d, yamldoc_map_get(d, map, key), err,
			    "'%s' must be one non-empty line", key);
}

static int entry_strings(const struct yamldoc *d, const struct yamldoc_node *m,
			 struct extcat_entry *e, struct pgb_err *err)
{
	if (yamldoc_get_str(d, m, "category", YAMLDOC_REQUIRED, &e->category, err) < 0 ||
	    yamldoc_get_str(d, m, "description", YAMLDOC_REQUIRED, &e->description, err) < 0 ||
	    yamldoc_get_str(d, m, "preload", YAMLDOC_OPTIONAL, &e->preload, err) < 0 ||
	    yamldoc_get_str(d, m, "exception", YAMLDOC_OPTIONAL, &e->exception, err) < 0 ||
	    yamldoc_get_str(d, m, "background", YAMLDOC_OPTIONAL, &e->background, err) < 0 ||
	    yamldoc_get_bool(d, m, "checked", YAMLDOC_OPTIONAL, &e->checked, err) < 0)
		return -1;
	if (!extcat_category_valid(e->category))
		return yamldoc_fail(d, yamldoc_map_get(d, m, "category"), err,
				    "unknown category '%.200s' (known: TIME GIS RAG FTS OLAP FEAT "
				    "LANG TYPE UTIL FUNC ADMIN STAT SEC FDW SIM ETL)", e->category);
	if (check_line(d, m, "description", e->description, err) < 0 ||
	    check_line(d, m, "exception", e->exception, err) < 0 ||
	    check_line(d, m, "background", e->background, err) < 0)
		return -1;
	if (e->background && !e->preload)
		return yamldoc_fail(d, yamldoc_map_get(d, m, "background"), err,
				    "'background' without 'preload': it says what the preload "
				    "library starts on its own");
	if (e->preload && !extname_ok(e->preload))
		return yamldoc_fail(d, yamldoc_map_get(d, m, "preload"), err,
				    "'preload' must be a library name as in "
				    "shared_preload_libraries, got '%.200s'", e->preload);
	return 0;
}

/* exception_pg: the PostgreSQL majors the exception holds for. */
static int exception_majors(struct extcat_entry *e, const struct strlist *l,
			    const struct strlist *where, struct pgb_err *err)
{
	if (l->n && !e->exception)
		return pgb_fail(err, "%s: 'exception_pg' without 'exception': it says on which "
				"PostgreSQL majors the exception holds", where->v[0]);
	e->exception_pg = xcalloc(l->n + 1, sizeof(*e->exception_pg));
	for (size_t i = 0; i < l->n; i++) {
		char *end;
		long v = strtol(l->v[i], &end, 10);

		if (*end || v < 9 || v > 99)
			return pgb_fail(err, "%s: 'exception_pg' takes PostgreSQL majors, got "
					"'%.50s'", where->v[i], l->v[i]);
		e->exception_pg[e->n_exception_pg++] = (int)v;
	}
	return 0;
}

int extcat_exception_holds(const struct extcat_entry *e, int pg)
{
	if (!e->exception)
		return 0;
	for (size_t i = 0; i < e->n_exception_pg; i++)
		if (e->exception_pg[i] == pg)
			return 1;
	return e->n_exception_pg == 0;
}

static int entry_lists(const struct yamldoc *d, const struct yamldoc_node *m,
		       struct extcat_entry *e, struct entry_where *w, struct pgb_err *err)
{
	struct strlist ws = STRLIST_INIT, wt = STRLIST_INIT, wa = STRLIST_INIT;
	struct strlist xp = STRLIST_INIT, wx = STRLIST_INIT;
	int rc = -1;

	if (yamldoc_get_strlist(d, m, "aliases", YAMLDOC_OPTIONAL, &e->aliases, &w->aliases,
				err) < 0 ||
	    yamldoc_get_strlist(d, m, "conflicts", YAMLDOC_OPTIONAL, &e->conflicts,
				&w->conflicts, err) < 0 ||
	    yamldoc_get_strlist(d, m, "requires", YAMLDOC_OPTIONAL, &e->requires,
				&w->requires, err) < 0 ||
	    yamldoc_get_strlist(d, m, "settings", YAMLDOC_OPTIONAL, &e->settings, &ws,
				err) < 0 ||
	    yamldoc_get_strlist(d, m, "templates", YAMLDOC_OPTIONAL, &e->templates, &wt,
				err) < 0 ||
	    yamldoc_get_strlist(d, m, "preload_after", YAMLDOC_OPTIONAL, &e->preload_after,
				&wa, err) < 0 ||
	    yamldoc_get_strlist(d, m, "exception_pg", YAMLDOC_OPTIONAL, &xp, &wx, err) < 0 ||
	    exception_majors(e, &xp, &wx, err) < 0)
		goto out;
	if (e->preload_after.n && !e->preload) {
		pgb_fail(err, "%s: 'preload_after' without 'preload': it orders this "
			 "extension's own library after others", wa.v[0]);
		goto out;
	}
	if (check_names(&e->aliases, &w->aliases, "aliases", err) < 0 ||
	    check_names(&e->conflicts, &w->conflicts, "conflicts", err) < 0 ||
	    check_names(&e->requires, &w->requires, "requires", err) < 0 ||
	    check_names(&e->preload_after, &wa, "preload_after", err) < 0 ||
	    check_settings(&e->settings, &ws, err) < 0 ||
	    check_templates(&e->templates, &wt, err) < 0)
		goto out;
	rc = 0;
out:
	strlist_free(&ws);
	strlist_free(&wt);
	strlist_free(&wa);
	strlist_free(&xp);
	strlist_free(&wx);
	return rc;
}

static int load_entry(const struct yamldoc *d, const struct yamldoc_node *root, size_t i,
		      struct extcat_entry *e, struct entry_where *w, struct pgb_err *err)
{
	const struct yamldoc_node *key = yamldoc_key(d, root, i);
	const struct yamldoc_node *val = yamldoc_value(d, root, i);
	char got[64];

	e->name = xstrdup(yamldoc_scalar(key));
	e->where = yamldoc_node_where(d, key);
	e->checked = 1;
	if (!extname_ok(e->name))
		return yamldoc_fail(d, key, err, "invalid extension name '%.200s' (lower-case "
				    "letters, digits, '_', '-', starting with a letter, as "
				    "its .control file)", e->name);
	if (!yamldoc_is_map(val))
		return yamldoc_fail(d, val, err, "extension '%s' must be a mapping with at "
				    "least category and description, got %s", e->name,
				    yamldoc_got(val, got, sizeof(got)));
	if (yamldoc_check_keys(d, val, entry_keys, "an extension entry", err) < 0 ||
	    entry_strings(d, val, e, err) < 0 || entry_lists(d, val, e, w, err) < 0)
		return -1;
	if (e->templates.n && e->checked)
		return yamldoc_fail(d, key, err, "extension '%s' has templates for upstreams not "
				    "reachable here, so it must say 'checked: false'", e->name);
	return 0;
}

/* --- whole-catalog checks --- */

/* One name or alias and where it was written, for the collision check. */
struct label {
	const char *s;
	const char *where;
	int is_alias;
};

static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : x->is_alias - y->is_alias;
}

/* No alias may equal a name or another alias: lookups must be unambiguous.
 * (Duplicate names are duplicate keys, which yamldoc already rejects.) */
static int check_labels(const struct extcat *c, const struct entry_where *w,
			struct pgb_err *err)
{
	struct label *l;
	size_t n = c->n, k = 0;
	int rc = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->v[i].aliases.n;
	l = xcalloc(n ? n : 1, sizeof(*l));
	for (size_t i = 0; i < c->n; i++) {
		l[k++] = (struct label){ c->v[i].name, c->v[i].where, 0 };
		for (size_t j = 0; j < c->v[i].aliases.n; j++)
			l[k++] = (struct label){ c->v[i].aliases.v[j], w[i].aliases.v[j], 1 };
	}
	qsort(l, n, sizeof(*l), label_cmp);
	for (size_t i = 1; i < n && !rc; i++)
		if (!strcmp(l[i - 1].s, l[i].s))
			rc = pgb_fail(err, "%s: alias '%.200s' is already %s at %s; a name or "
				      "alias may mean only one extension", l[i].where, l[i].s,
				      l[i - 1].is_alias ? "an alias" : "an extension",
				      l[i - 1].where);
	free(l);
	return rc;
}

static int name_index(const struct extcat *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return (int)i;
	return -1;
}

/* Each name of list (conflicts or requires) is another entry of the catalog. */
static int check_refs(const struct extcat *c, const struct entry_where *w, const char *key,
		      struct pgb_err *err)
{
	int req = !strcmp(key, "requires");

	for (size_t i = 0; i < c->n; i++) {
		const struct strlist *l = req ? &c->v[i].requires : &c->v[i].conflicts;
		const struct strlist *at = req ? &w[i].requires : &w[i].conflicts;

		for (size_t j = 0; j < l->n; j++) {
			const char *o = l->v[j];

			if (!strcmp(o, c->v[i].name) || name_index(c, o) < 0)
				return pgb_fail(err, "%s: %s '%.200s' of '%s' must be another "
						"extension of this catalog (by name, not alias)",
						at->v[j], req ? "requirement" : "conflict", o,
						c->v[i].name);
			if (req && !c->v[name_index(c, o)].preload)
				return pgb_fail(err, "%s: requirement '%s' of '%s' has no preload "
						"library: 'requires' lists only those that do",
						at->v[j], o, c->v[i].name);
		}
	}
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct extcat_entry *)a)->name,
		      ((const struct extcat_entry *)b)->name);
}

static int load_doc(struct extcat *c, const struct yamldoc *d, struct pgb_err *err)
{
	const struct yamldoc_node *root;
	struct entry_where *w;
	size_t n;
	int rc = -1;

	if (yamldoc_root(d, "the extension catalog", &root, err) < 0)
		return -1;
	n = yamldoc_len(root);
	c->v = xcalloc(n ? n : 1, sizeof(*c->v));
	w = xcalloc(n ? n : 1, sizeof(*w));
	for (c->n = 0; c->n < n; c->n++)
		if (load_entry(d, root, c->n, &c->v[c->n], &w[c->n], err) < 0) {
			c->n++;	/* so extcat_free() sees the partial entry */
			goto out;
		}
	if (check_labels(c, w, err) < 0 || check_refs(c, w, "conflicts", err) < 0 ||
	    check_refs(c, w, "requires", err) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		strlist_free(&w[i].aliases);
		strlist_free(&w[i].conflicts);
		strlist_free(&w[i].requires);
	}
	free(w);
	if (rc == 0)
		qsort(c->v, c->n, sizeof(*c->v), entry_cmp);
	return rc;
}

static int load_finish(struct extcat *c, struct yamldoc *d, int rc, struct pgb_err *err)
{
	if (rc == 0)
		rc = load_doc(c, d, err);
	yamldoc_free(d);
	if (rc < 0)
		extcat_free(c);
	return rc;
}

int extcat_load(struct extcat *c, const char *recipes_dir, struct pgb_err *err)
{
	char *path = util_path_join(recipes_dir, "extensions.yml");
	struct yamldoc *d = NULL;
	int rc;

	c->v = NULL;
	c->n = 0;
	rc = yamldoc_load(&d, path, err);
	if (rc < 0 && !util_exists(path))
		pgb_err_prefix(err, "recipes directory '%s' lacks extensions.yml (set "
			       "PGBUNDLE_RECIPES to the source tree's recipes/)", recipes_dir);
	free(path);
	return load_finish(c, d, rc, err);
}

int extcat_load_mem(struct extcat *c, const char *name, const char *text, size_t len,
		    struct pgb_err *err)
{
	struct yamldoc *d = NULL;
	int rc;

	c->v = NULL;
	c->n = 0;
	rc = yamldoc_load_mem(&d, name, text, len, err);
	return load_finish(c, d, rc, err);
}

/* --- lookups --- */

static int entry_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct extcat_entry *)elem)->name);
}

const struct extcat_entry *extcat_find(const struct extcat *c, const char *name_or_alias)
{
	const struct extcat_entry *e;

	if (!c->n)
		return NULL;
	e = bsearch(name_or_alias, c->v, c->n, sizeof(*c->v), entry_key_cmp);
	if (e)
		return e;
	for (size_t i = 0; i < c->n; i++)
		if (strlist_has(&c->v[i].aliases, name_or_alias))
			return &c->v[i];
	return NULL;
}

size_t extcat_by_category(const struct extcat *c, const char *cat,
			  const struct extcat_entry **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].category, cat))
			continue;
		if (n < max)
			out[n] = &c->v[i];
		n++;
	}
	return n;
}

static void entry_free(struct extcat_entry *e)
{
	free(e->name);
	free(e->category);
	strlist_free(&e->aliases);
	free(e->preload);
	strlist_free(&e->preload_after);
	strlist_free(&e->settings);
	free(e->description);
	strlist_free(&e->conflicts);
	free(e->exception);
	free(e->exception_pg);
	free(e->background);
	strlist_free(&e->requires);
	strlist_free(&e->templates);
	free(e->where);
}

void extcat_free(struct extcat *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
