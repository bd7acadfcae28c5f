/*
 * pgext.c - the bundle's extensions in the config: what bundle.json's
 * extension_info (from recipes/extensions.yml) says creating them needs.
 *
 * The config names extensions per database; the bundle knows, per extension
 * the manifest chose, its preload library, the libraries that must load
 * before it, its settings, what it cannot share a database with and why it
 * cannot be created plainly, and what its library starts on its own.
 * Joining the two here keeps that knowledge in one place, the catalog,
 * instead of a second table in the installer.
 *
 * A library that starts machinery on its own (the catalog's "background":
 * workers, an HA manager, a replication daemon, a sampler) is loaded only
 * when the config names it: in pg_libs, or as an extension a database
 * lists by name.  Neither pg_libs_auto nor a database's "all" brings it in,
 * so holding an extension in the bundle never changes how the server runs:
 * a preloaded pg_auto_failover monitor, for one, hangs every DROP DATABASE.
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"

/* --- a database's "all" --- */

static int db_has(const struct inst_pg_database *db, const char *name)
{
	for (size_t i = 0; i < db->n_extensions; i++)
		if (strcmp(db->extensions[i].name, name) == 0)
			return 1;
	return 0;
}

/* The name of an extension of db that e cannot share a database with, or
 * NULL; the catalog records a conflict on one side only. */
static const char *conflict_in(const struct inst_bundle *b, const struct inst_pg_database *db,
			       const struct inst_ext_info *e)
{
	for (size_t i = 0; i < db->n_extensions; i++) {
		const char *other = db->extensions[i].name;
		const struct inst_ext_info *o = inst_bundle_ext(b, other);

		if (strlist_has(&e->conflicts, other) ||
		    (o && (strlist_has(&o->conflicts, e->name) ||
			   strlist_has(&o->conflicts, inst_ext_sql_name(e)))))
			return other;
	}
	return NULL;
}

static void db_add_ext(struct inst_pg_database *db, const char *name)
{
	db->extensions = xrealloc(db->extensions, (db->n_extensions + 1) * sizeof(*db->extensions));
	db->extensions[db->n_extensions].name = xstrdup(name);
	db->extensions[db->n_extensions++].schema = NULL;
}

/* What in e's requirements (e itself first) starts machinery on its own
 * while pg_libs does not name its library: that extension, or NULL.  depth
 * bounds a cycle a damaged bundle could hold. */
static const struct inst_ext_info *unasked_background(const struct inst_config *c,
						      const struct inst_bundle *b,
						      const struct inst_ext_info *e, int depth)
{
	if (e->background && e->preload && !strlist_has(&c->pg_libs, e->preload))
		return e;
	for (size_t i = 0; depth < 8 && i < e->requires.n; i++) {
		const struct inst_ext_info *r = inst_bundle_ext(b, e->requires.v[i]);
		const struct inst_ext_info *bg = r ? unasked_background(c, b, r, depth + 1) : NULL;

		if (bg)
			return bg;
	}
	return NULL;
}

static void expand_all(const struct inst_config *c, const struct inst_bundle *b,
		       struct inst_pg_database *db)
{
	for (size_t i = 0; i < b->n_ext; i++) {
		const struct inst_ext_info *e = &b->ext[i], *bg;
		const char *sql = inst_ext_sql_name(e), *clash;

		if (db_has(db, sql))
			continue;
		if (inst_ext_exception_holds(e, c->pg_major)) {
			strlist_add_owned(&db->left_out, xasprintf("%s (%s)", sql, e->exception));
		} else if ((bg = unasked_background(c, b, e, 0)) != NULL) {
			strlist_add_owned(&db->left_out, xasprintf("%s (%s%s%slibrary %s starts %s; "
								   "list %s by name, or %s in "
								   "pg_libs, to have it)", sql,
								   bg == e ? "its " : "it requires ",
								   bg == e ? "" : inst_ext_sql_name(bg),
								   bg == e ? "" : ", whose ",
								   bg->preload, bg->background, sql,
								   bg->preload));
		} else if ((clash = conflict_in(b, db, e)) != NULL) {
			strlist_add_owned(&db->left_out, xasprintf("%s (cannot share a database "
								   "with %s)", sql, clash));
		} else {
			db_add_ext(db, sql);
		}
	}
}

/* Two extensions the config itself puts in one database that cannot share it. */
static int check_conflicts(const struct inst_bundle *b, const struct inst_pg_database *db,
			   struct pgb_err *err)
{
	for (size_t i = 0; i < db->n_extensions; i++) {
		const struct inst_ext_info *e = inst_bundle_ext(b, db->extensions[i].name);
		struct inst_pg_database before = *db;
		const char *clash;

		before.n_extensions = i;
		if (e && (clash = conflict_in(b, &before, e)) != NULL)
			return pgb_fail(err, "%s: database '%s' lists %s and %s, which cannot share "
					"a database (recipes/extensions.yml); put one of them in "
					"another database", db->where, db->name, clash,
					db->extensions[i].name);
	}
	return 0;
}

int inst_pgext_expand(struct inst_config *c, const struct inst_bundle *b, struct pgb_err *err)
{
	for (size_t i = 0; b && i < c->n_pg_databases; i++) {
		struct inst_pg_database *db = &c->pg_databases[i];

		if (check_conflicts(b, db, err) < 0)
			return -1;
		if (db->all && !b->n_ext)
			return pgb_fail(err, "%s: database '%s' lists \"all\", but bundle %s names no "
					"extensions (its manifest lists packages only, or it was "
					"built before extension_info): list the extensions by name, "
					"or rebuild with `extensions:` naming them", db->where,
					db->name, b->name ? b->name : "?");
		if (db->all)
			expand_all(c, b, db);
	}
	return 0;
}

/* --- shared_preload_libraries and settings --- */

/* Append lib to out after the libraries the catalog says load before it.
 * visiting breaks a cycle a damaged catalog could hold. */
static void add_lib(const struct inst_bundle *b, struct strlist *out, struct strlist *visiting,
		    const char *lib)
{
	if (strlist_has(out, lib) || strlist_has(visiting, lib))
		return;
	strlist_add(visiting, lib);
	for (size_t i = 0; b && i < b->n_ext; i++)
		if (b->ext[i].preload && strcmp(b->ext[i].preload, lib) == 0)
			for (size_t j = 0; j < b->ext[i].preload_after.n; j++)
				add_lib(b, out, visiting, b->ext[i].preload_after.v[j]);
	strlist_add(out, lib);
}

static int param_set(const struct inst_config *c, const char *key, size_t len)
{
	for (size_t i = 0; i < c->n_pg_parameters; i++)
		if (strlen(c->pg_parameters[i].key) == len &&
		    strncmp(c->pg_parameters[i].key, key, len) == 0)
			return 1;
	return 0;
}

/* e's preload and settings, after those of the extensions it requires; a
 * setting the config (or an extension before) already has stays as it is.
 * visiting breaks a cycle a damaged catalog could hold. */
static void want_ext(struct inst_config *c, const struct inst_bundle *b,
		     const struct inst_ext_info *e, struct strlist *visiting)
{
	for (size_t i = 0; i < e->requires.n; i++) {
		const struct inst_ext_info *r = inst_bundle_ext(b, e->requires.v[i]);
		char *mark = xasprintf("requires:%s", e->requires.v[i]);

		if (r && !strlist_has(visiting, mark)) {
			strlist_add(visiting, mark);
			want_ext(c, b, r, visiting);
		}
		free(mark);
	}
	if (e->preload)
		add_lib(b, &c->pg_preload, visiting, e->preload);
	for (size_t i = 0; i < e->settings.n; i++) {
		const char *s = e->settings.v[i], *eq = strchr(s, '=');

		if (param_set(c, s, (size_t)(eq - s)))
			continue;
		c->pg_parameters = xrealloc(c->pg_parameters,
					    (c->n_pg_parameters + 1) * sizeof(*c->pg_parameters));
		c->pg_parameters[c->n_pg_parameters].key = xstrndup(s, (size_t)(eq - s));
		c->pg_parameters[c->n_pg_parameters++].value = xstrdup(eq + 1);
	}
}

void inst_pgext_preload(struct inst_config *c, const struct inst_bundle *b)
{
	struct strlist visiting = STRLIST_INIT;

	for (size_t i = 0; i < c->pg_libs.n; i++)
		add_lib(b, &c->pg_preload, &visiting, c->pg_libs.v[i]);
	for (size_t i = 0; b && i < c->n_pg_databases; i++)
		for (size_t j = 0; j < c->pg_databases[i].n_extensions; j++) {
			const struct inst_ext_info *e =
				inst_bundle_ext(b, c->pg_databases[i].extensions[j].name);

			if (e)
				want_ext(c, b, e, &visiting);
		}
	for (size_t i = 0; b && c->pg_libs_auto && i < b->n_ext; i++) {
		const struct inst_ext_info *e = &b->ext[i];
		const struct inst_ext_info *bg = unasked_background(c, b, e, 0);

		if (!bg)
			want_ext(c, b, e, &visiting);
		else if (bg == e && !strlist_has(&c->pg_preload, e->preload))
			strlist_add_owned(&c->pg_preload_skipped,
					  xasprintf("%s (%s)", e->preload, e->background));
	}
	strlist_free(&visiting);
}
