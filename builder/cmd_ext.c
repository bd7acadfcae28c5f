/*
 * cmd_ext.c - `pgbundle ext list|info|search|avail`: the PostgreSQL extensions
 * the upstreams publish (extdisc.h), with what the catalog adds (extcat.h).
 *
 * Read-only: nothing is built, so a Release past its Valid-Until is accepted
 * with a warning (forky's, on a mirror that lags), unlike plan and build.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "extcat.h"
#include "extdisc.h"
#include "mirror.h"

struct ext_args {
	const char *sub, *target, *category, *word;
	struct strlist mirrors;
	int json, pg, unverified_ok, pgdg;
};

struct ext_ctx {
	const struct ext_args *a;
	struct recipes rc;
	struct extcat cat;
	struct fetcher *f;
	char *recipes, *cache;
};

static void ext_help(void)
{
	printf("usage: pgbundle ext list [--target T] [--pg N] [--category C] [--pgdg] [--json]\n"
	       "       pgbundle ext info NAME [--pgdg] [--json]\n"
	       "       pgbundle ext search WORD [--target T] [--pgdg] [--json]\n"
	       "       pgbundle ext avail NAME [--pgdg] [--json]\n\n"
	       "The PostgreSQL extensions the upstream repositories publish, found in their\n"
	       "metadata (apt: each suite's Contents index joined with Packages; rpm-md:\n"
	       "each repository's filelists; every NAME.control file maps to the package\n"
	       "that ships it), with the category, aliases and description of\n"
	       "recipes/extensions.yml.  An EL target is read when every one of its\n"
	       "upstreams has a --mirror (or PGBUNDLE_MIRROR_*); {pg} in pgdg-yum's URL\n"
	       "stands for each major (13-18, or --pg).\n\n"
	       "  list     the extensions of a target (default d12)\n"
	       "  info     one extension (name or alias): catalog entry and packages per target\n"
	       "  search   extensions whose name, alias, category or description holds WORD\n"
	       "  avail    a target x PostgreSQL major matrix of the package shipping NAME;\n"
	       "           targets without reachable metadata come from the catalog's package\n"
	       "           templates, marked \"template, not checked\"\n\n"
	       "      --target T        a recipes/targets.yml target (list, search)\n"
	       "      --pg N            only PostgreSQL major N (list)\n"
	       "      --category C      only catalog category C (list)\n"
	       "      --pgdg            also the target's PGDG repositories (recipes/targets.yml\n"
	       "                        `pgdg:`), where the majors and extensions the\n"
	       "                        distribution lacks are; a plan reads them when the\n"
	       "                        manifest needs them, ext only when asked\n"
	       "      --json            machine-readable output\n"
	       "      --mirror KEY=URL  where the upstreams with mirror KEY are (repeatable)\n"
	       "      --allow-expired   accepted for symmetry with plan: ext only reads, so an\n"
	       "                        expired Release is always accepted with a warning\n"
	       "      --allow-unverified-contents\n"
	       "                        when the mirror's Contents does not match its signed\n"
	       "                        Release (a mirror out of sync), use it with a warning\n"
	       "                        instead of failing (also PGBUNDLE_ALLOW_UNVERIFIED_CONTENTS=1\n"
	       "                        for plan and build); it only maps names to packages\n"
	       "  -h, --help            this text\n\n"
	       "Discovery results are cached next to the indexes (keyed by their hashes);\n"
	       "a warm run reads no Contents index again.\n");
}

static int parse_args(int argc, char **argv, struct ext_args *a, int *exit_code)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "pg", required_argument, NULL, 'p' },
		{ "category", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "allow-expired", no_argument, NULL, 'E' },
		{ "allow-unverified-contents", no_argument, NULL, 'U' },
		{ "pgdg", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->target = optarg; break;
		case 'p': a->pg = atoi(optarg); break;
		case 'c': a->category = optarg; break;
		case 'j': a->json = 1; break;
		case 'm':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				*exit_code = cli_usage_error("ext", "--mirror takes KEY=URL, got '%s'", optarg);
				return -1;
			}
			strlist_add(&a->mirrors, optarg);
			break;
		case 'E': break;
		case 'U': a->unverified_ok = 1; break;
		case 'P': a->pgdg = 1; break;
		case 'h': ext_help(); *exit_code = PGB_EXIT_OK; return -1;
		default: *exit_code = cli_usage_error("ext", "unknown option"); return -1;
		}
	}
	if (optind >= argc) {
		*exit_code = cli_usage_error("ext", "expected list, info, search or avail");
		return -1;
	}
	a->sub = argv[optind++];
	if (!strcmp(a->sub, "list") ? optind != argc
				    : (optind + 1 != argc || (strcmp(a->sub, "info") &&
				       strcmp(a->sub, "search") && strcmp(a->sub, "avail")))) {
		*exit_code = cli_usage_error("ext", "expected `list`, or `info|search|avail ARG`");
		return -1;
	}
	a->word = optind < argc ? argv[optind] : NULL;
	if (a->pg && (a->pg < 10 || a->pg > 99)) {
		*exit_code = cli_usage_error("ext", "--pg takes a PostgreSQL major, e.g. 17");
		return -1;
	}
	if (a->category && !extcat_category_valid(a->category)) {
		*exit_code = cli_usage_error("ext", "unknown category '%s'", a->category);
		return -1;
	}
	return 0;
}

static int ctx_open(struct ext_ctx *c, const struct ext_args *a, struct pgb_err *err)
{
	struct fetch_opts fo;
	char *catpath;

	memset(c, 0, sizeof(*c));
	c->a = a;
	c->recipes = cli_recipes_dir();
	c->cache = cli_cache_dir();
	fetch_opts_default(&fo);
	fo.progress = a->json ? 0 : -1;
	if (recipes_load(&c->rc, c->recipes, err) < 0 || fetch_new(&c->f, c->cache, &fo, err) < 0)
		return -1;
	catpath = util_path_join(c->recipes, "extensions.yml");
	if (util_exists(catpath) && extcat_load(&c->cat, c->recipes, err) < 0) {
		free(catpath);
		return -1;
	}
	free(catpath);
	return 0;
}

static void ctx_close(struct ext_ctx *c)
{
	extcat_free(&c->cat);
	fetch_free(c->f);
	recipes_free(&c->rc);
	free(c->recipes);
	free(c->cache);
}

static int discover(struct ext_ctx *c, const struct recipe_target *t, struct extdisc *d,
		    struct pgb_err *err)
{
	struct extdisc_opts o = { 0 };
	struct strlist names = STRLIST_INIT;
	int rc = 0;

	/* --pgdg: PGDG's repositories first, so that where the distribution
	 * ships the same package for a major, its entry is the one kept (the
	 * last upstream wins a tie in extdisc_discover), as a plan prefers the
	 * distribution unless the manifest says `prefer: pgdg`. */
	if (c->a->pgdg)
		for (size_t i = 0; i < t->pgdg.n + t->upstreams.n; i++)
			strlist_add(&names, i < t->pgdg.n ? t->pgdg.v[i]
						  : t->upstreams.v[i - t->pgdg.n]);
	o.upstreams = &names;
	o.fetch = c->f;
	o.cache_dir = c->cache;
	o.rc = &c->rc;
	o.target = t;
	o.arch = t->archs.n ? t->archs.v[0] : "amd64";
	o.mirrors = &c->a->mirrors;
	o.allow_expired = 1;
	o.contents_unverified_ok = c->a->unverified_ok;
	o.warn = cli_warn;
	o.pg = c->a->pg ? &c->a->pg : NULL;
	o.npg = c->a->pg ? 1 : 0;
	if (extdisc_discover(&o, d, err) < 0)
		rc = pgb_err_prefix(err, "target %s", t->name);
	strlist_free(&names);
	return rc;
}

/* No rpm-md repository is reachable from here: an EL target counts when the
 * user said where each of its upstreams is (--mirror, PGBUNDLE_MIRROR_*). */
static int rpm_target_given(const struct ext_ctx *c, const struct recipe_target *t)
{
	struct mirror_ctx mc = { &c->a->mirrors, &c->rc, "/etc/apt" };

	for (size_t i = 0; i < t->upstreams.n; i++) {
		const struct recipe_repo *r = recipes_repo(&c->rc, t->upstreams.v[i]);

		if (!r || !r->mirror || !mirror_given(&mc, r->mirror))
			return 0;
	}
	return t->upstreams.n > 0;
}

static int real_target(const struct ext_ctx *c, const struct recipe_target *t)
{
	if (!strcmp(t->family, "rpm"))
		return extdisc_target_checked(&c->rc, t) || rpm_target_given(c, t);
	return !strcmp(t->family, "deb") && extdisc_target_checked(&c->rc, t);
}

static const struct recipe_target *want_target(struct ext_ctx *c, struct pgb_err *err)
{
	const char *name = c->a->target ? c->a->target : "d12";
	const struct recipe_target *t = recipes_target(&c->rc, name);
	char *known;

	if (t && real_target(c, t))
		return t;
	known = recipes_target_names(&c->rc);
	if (!t)
		pgb_fail(err, "unknown target '%s'; known: %s", name, known);
	else
		pgb_fail(err, "target %s has no reachable, checked metadata to discover from "
			 "(its upstreams are not `checked` in recipes/repos.yml%s); try "
			 "`pgbundle ext avail NAME` for its package templates", name,
			 strcmp(t->family, "rpm") ? "" : ", and not every one of them has "
			 "a --mirror KEY=URL");
	free(known);
	return NULL;
}

/* ---- list ---- */

static int listed(const struct ext_ctx *c, const struct extdisc_ext *e)
{
	const struct extcat_entry *ce = extcat_find(&c->cat, e->name);

	if (c->a->pg && e->pg != c->a->pg)
		return 0;
	return !c->a->category || (ce && !strcmp(ce->category, c->a->category));
}

static json_t *ext_json(const struct ext_ctx *c, const struct extdisc_ext *e)
{
	const struct extcat_entry *ce = extcat_find(&c->cat, e->name);

	return json_pack("{s:s, s:i, s:s, s:s?, s:s?, s:s?, s:s?}", "name", e->name, "pg", e->pg,
			 "package", e->package, "version", e->version, "upstream", e->upstream,
			 "category", ce ? ce->category : NULL,
			 "description", ce ? ce->description : NULL);
}

static int do_list(struct ext_ctx *c, struct pgb_err *err)
{
	const struct recipe_target *t = want_target(c, err);
	struct extdisc d = { 0 };
	size_t n = 0;

	if (!t || discover(c, t, &d, err) < 0) {
		extdisc_free(&d);
		return -1;
	}
	if (c->a->json) {
		json_t *arr = json_array(), *root;
		char *text;

		for (size_t i = 0; i < d.n; i++)
			if (listed(c, &d.v[i]) && ++n)
				json_array_append_new(arr, ext_json(c, &d.v[i]));
		root = json_pack("{s:s, s:s, s:I, s:o}", "target", t->name, "arch",
				 t->archs.n ? t->archs.v[0] : "amd64", "count", (json_int_t)n,
				 "extensions", arr);
		text = json_dumps(root, JSON_INDENT(1));
		puts(text ? text : "{}");
		free(text);
		json_decref(root);
	} else {
		for (size_t i = 0; i < d.n; i++) {
			const struct extdisc_ext *e = &d.v[i];
			const struct extcat_entry *ce = extcat_find(&c->cat, e->name);

			if (!listed(c, e) || !++n)
				continue;
			printf("%-28s %2d %-36s %-24s %-5s %s\n", e->name, e->pg, e->package,
			       e->version ? e->version : "-", ce ? ce->category : "-",
			       ce ? ce->description : "");
		}
		printf("%zu extensions on %s\n", n, t->name);
	}
	extdisc_free(&d);
	return 0;
}

/* ---- info, search, avail: every target with real metadata ---- */

struct all_disc {
	const struct recipe_target **t;
	struct extdisc *d;
	size_t n;
};

static int discover_all(struct ext_ctx *c, struct all_disc *ad, struct pgb_err *err)
{
	ad->t = xcalloc(c->rc.ntargets + 1, sizeof(*ad->t));
	ad->d = xcalloc(c->rc.ntargets + 1, sizeof(*ad->d));
	ad->n = 0;
	for (size_t i = 0; i < c->rc.ntargets; i++) {
		const struct recipe_target *t = &c->rc.targets[i];

		if (!real_target(c, t) || (c->a->target && strcmp(c->a->target, t->name)))
			continue;
		ad->t[ad->n] = t;
		if (discover(c, t, &ad->d[ad->n], err) == 0) {
			ad->n++;
			continue;
		}
		/* One target's broken mirror should not hide the others' answer. */
		fprintf(stderr, "pgbundle: warning: %s; %s left out\n", err->msg, t->name);
		extdisc_free(&ad->d[ad->n]);
	}
	return 0;
}

static void all_free(struct all_disc *ad)
{
	for (size_t i = 0; i < ad->n; i++)
		extdisc_free(&ad->d[i]);
	free(ad->d);
	free(ad->t);
}

/* The canonical name for name_or_alias. */
static const char *canonical(const struct ext_ctx *c, const char *name)
{
	const struct extcat_entry *ce = extcat_find(&c->cat, name);

	return ce ? ce->name : name;
}

static json_t *catalog_json(const struct extcat_entry *ce)
{
	json_t *al = json_array(), *cf = json_array(), *st = json_array(), *pa = json_array();
	json_t *xp = json_array(), *o;

	for (size_t i = 0; i < ce->preload_after.n; i++)
		json_array_append_new(pa, json_string(ce->preload_after.v[i]));
	for (size_t i = 0; i < ce->n_exception_pg; i++)
		json_array_append_new(xp, json_integer(ce->exception_pg[i]));
	for (size_t i = 0; i < ce->aliases.n; i++)
		json_array_append_new(al, json_string(ce->aliases.v[i]));
	for (size_t i = 0; i < ce->conflicts.n; i++)
		json_array_append_new(cf, json_string(ce->conflicts.v[i]));
	for (size_t i = 0; i < ce->settings.n; i++)
		json_array_append_new(st, json_string(ce->settings.v[i]));
	o = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:s?, s:s?, s:b}", "category",
		      ce->category, "description", ce->description, "preload", ce->preload,
		      "aliases", al, "conflicts", cf, "settings", st, "exception", ce->exception,
		      "background", ce->background, "checked", ce->checked);
	json_object_set_new(o, "preload_after", pa);
	json_object_set_new(o, "exception_pg", xp);
	return o;
}

static void print_catalog(const struct extcat_entry *ce)
{
	printf("category:    %s\ndescription: %s\n", ce->category, ce->description);
	if (ce->preload)
		printf("preload:     %s\n", ce->preload);
	for (size_t i = 0; i < ce->preload_after.n; i++)
		printf("load after:  %s\n", ce->preload_after.v[i]);
	if (ce->background)
		printf("background:  %s (preloaded only when the config names it)\n",
		       ce->background);
	for (size_t i = 0; i < ce->aliases.n; i++)
		printf("alias:       %s\n", ce->aliases.v[i]);
	for (size_t i = 0; i < ce->settings.n; i++)
		printf("setting:     %s\n", ce->settings.v[i]);
	for (size_t i = 0; i < ce->conflicts.n; i++)
		printf("conflicts:   %s\n", ce->conflicts.v[i]);
	if (ce->exception)
		printf("exception:   %s\n", ce->exception);
	for (size_t i = 0; i < ce->n_exception_pg; i++)
		printf("%s%d%s", i ? ", " : "             on PostgreSQL ", ce->exception_pg[i],
		       i + 1 == ce->n_exception_pg ? " only\n" : "");
}

static int do_info(struct ext_ctx *c, struct pgb_err *err)
{
	const char *name = canonical(c, c->a->word);
	const struct extcat_entry *ce = extcat_find(&c->cat, name);
	struct all_disc ad = { 0 };
	json_t *where = json_array();
	size_t found = 0;
	int rc = discover_all(c, &ad, err);

	for (size_t t = 0; rc == 0 && t < ad.n; t++)
		for (size_t i = 0; i < ad.d[t].n; i++) {
			const struct extdisc_ext *e = &ad.d[t].v[i];

			if (strcmp(e->name, name) && !(ce && strlist_has(&ce->aliases, e->name)))
				continue;
			found++;
			json_array_append_new(where, json_pack("{s:s, s:i, s:s, s:s?, s:s?}",
				"target", ad.t[t]->name, "pg", e->pg, "package", e->package,
				"version", e->version, "upstream", e->upstream));
		}
	if (rc == 0 && !found && !ce)
		rc = pgb_fail(err, "no extension or alias '%s' in the catalog or on any target "
			      "with metadata; try `pgbundle ext search %s`", c->a->word, c->a->word);
	if (rc == 0 && c->a->json) {
		json_t *root = json_pack("{s:s, s:o, s:O}", "name", name, "catalog",
					 ce ? catalog_json(ce) : json_null(), "packages", where);
		char *text = json_dumps(root, JSON_INDENT(1));

		puts(text ? text : "{}");
		free(text);
		json_decref(root);
	} else if (rc == 0) {
		printf("name:        %s\n", name);
		if (ce)
			print_catalog(ce);
		else
			printf("(no catalog entry)\n");
		for (size_t i = 0; i < json_array_size(where); i++) {
			json_t *w = json_array_get(where, i);

			printf("package:     %-4s PG %-3d %s %s\n",
			       json_string_value(json_object_get(w, "target")),
			       (int)json_integer_value(json_object_get(w, "pg")),
			       json_string_value(json_object_get(w, "package")),
			       json_string_value(json_object_get(w, "version")) ?
				       json_string_value(json_object_get(w, "version")) : "");
		}
	}
	json_decref(where);
	all_free(&ad);
	return rc;
}

static int matches(const struct extcat_entry *ce, const char *name, const char *w)
{
	if (strcasestr(name, w))
		return 1;
	if (!ce)
		return 0;
	for (size_t i = 0; i < ce->aliases.n; i++)
		if (strcasestr(ce->aliases.v[i], w))
			return 1;
	return strcasestr(ce->description, w) || !strcasecmp(ce->category, w);
}

static int do_search(struct ext_ctx *c, struct pgb_err *err)
{
	struct all_disc ad = { 0 };
	struct strlist names = STRLIST_INIT;
	json_t *arr = json_array();
	int rc = discover_all(c, &ad, err);

	for (size_t t = 0; rc == 0 && t < ad.n; t++)
		for (size_t i = 0; i < ad.d[t].n; i++)
			strlist_add(&names, ad.d[t].v[i].name);
	for (size_t i = 0; rc == 0 && i < c->cat.n; i++)
		strlist_add(&names, c->cat.v[i].name);
	strlist_sort(&names);
	strlist_uniq(&names);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		const struct extcat_entry *ce = extcat_find(&c->cat, names.v[i]);
		struct sbuf on = SBUF_INIT;

		if (!matches(ce, names.v[i], c->a->word))
			continue;
		for (size_t t = 0; t < ad.n; t++)
			if (extdisc_lookup(&ad.d[t], names.v[i], 0))
				sbuf_addf(&on, "%s%s", on.len ? " " : "", ad.t[t]->name);
		if (c->a->json)
			json_array_append_new(arr, json_pack("{s:s, s:s?, s:s?, s:s}", "name",
				names.v[i], "category", ce ? ce->category : NULL, "description",
				ce ? ce->description : NULL, "targets", on.len ? on.buf : ""));
		else
			printf("%-28s %-5s %-16s %s\n", names.v[i], ce ? ce->category : "-",
			       on.len ? on.buf : "-", ce ? ce->description : "");
		sbuf_free(&on);
	}
	if (rc == 0 && c->a->json) {
		char *text = json_dumps(arr, JSON_INDENT(1));

		puts(text ? text : "[]");
		free(text);
	}
	json_decref(arr);
	strlist_free(&names);
	all_free(&ad);
	return rc;
}

/* The catalog's template for target t (a template whose upstream is of t's
 * family and one of t's upstreams, else any of t's family), expanded. */
static char *template_for(const struct ext_ctx *c, const struct extcat_entry *ce,
			  const struct recipe_target *t, int pg)
{
	const char *best = NULL;

	for (size_t i = 0; ce && i < ce->templates.n; i++) {
		const char *tp = ce->templates.v[i], *colon = strchr(tp, ':');
		char *up = colon ? xstrndup(tp, (size_t)(colon - tp)) : NULL;
		const struct recipe_repo *r = up ? recipes_repo(&c->rc, up) : NULL;

		if (r && !strcmp(r->family, t->family) && (!best || strlist_has(&t->upstreams, up)))
			best = colon + 1;
		free(up);
	}
	return best ? recipes_expand(best, t, t->archs.n ? t->archs.v[0] : NULL, pg) : NULL;
}

static int do_avail(struct ext_ctx *c, struct pgb_err *err)
{
	const char *name = canonical(c, c->a->word);
	const struct extcat_entry *ce = extcat_find(&c->cat, name);
	struct all_disc ad = { 0 };
	json_t *rows = json_array();
	size_t found = 0;
	int rc = discover_all(c, &ad, err);

	if (rc == 0 && !c->a->json) {
		printf("%-6s", name);
		for (size_t j = 0; j < RECIPES_NPG; j++)
			printf(" %-26d", recipes_pg_majors[j]);
		printf(" source\n");
	}
	for (size_t i = 0; rc == 0 && i < c->rc.ntargets; i++) {
		const struct recipe_target *t = &c->rc.targets[i];
		const struct extdisc *d = NULL;
		json_t *cells = json_object();
		const char *source;

		for (size_t k = 0; k < ad.n; k++)
			if (ad.t[k] == t)
				d = &ad.d[k];
		if (!d && c->a->target && strcmp(c->a->target, t->name)) {
			json_decref(cells);
			continue;
		}
		source = d ? "metadata" : real_target(c, t) ? "metadata unavailable (see warning)"
							  : "template, not checked";
		if (!c->a->json)
			printf("%-6s", t->name);
		for (size_t j = 0; j < RECIPES_NPG; j++) {
			const struct extdisc_ext *e =
				d ? extdisc_lookup_entry(d, ce, name, recipes_pg_majors[j]) : NULL;
			char *tp = d || real_target(c, t) ? NULL : template_for(c, ce, t, recipes_pg_majors[j]);
			const char *cell = e ? e->package : tp ? tp : d || !real_target(c, t) ? "-" : "?";
			char key[8];

			found += e != NULL;
			snprintf(key, sizeof(key), "%d", recipes_pg_majors[j]);
			if (e || tp)
				json_object_set_new(cells, key, json_string(cell));
			if (!c->a->json)
				printf(" %-26s", cell);
			free(tp);
		}
		if (!c->a->json)
			printf(" %s\n", source);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "target", t->name,
						      "source", source, "pg", cells));
	}
	if (rc == 0 && c->a->json) {
		json_t *root = json_pack("{s:s, s:O}", "extension", name, "targets", rows);
		char *text = json_dumps(root, JSON_INDENT(1));

		puts(text ? text : "{}");
		free(text);
		json_decref(root);
	} else if (rc == 0 && !found && !ce) {
		fprintf(stderr, "pgbundle: note: no target with metadata ships '%s' and the catalog "
			"has no entry for it\n", name);
	}
	json_decref(rows);
	all_free(&ad);
	return rc;
}

int cmd_ext(int argc, char **argv)
{
	struct pgb_err err = { { 0 } };
	struct ext_args a;
	struct ext_ctx c;
	int rc;

	if (parse_args(argc, argv, &a, &rc) < 0) {
		strlist_free(&a.mirrors);
		return rc;
	}
	rc = ctx_open(&c, &a, &err);
	if (rc == 0) {
		if (!strcmp(a.sub, "list"))
			rc = do_list(&c, &err);
		else if (!strcmp(a.sub, "info"))
			rc = do_info(&c, &err);
		else if (!strcmp(a.sub, "search"))
			rc = do_search(&c, &err);
		else
			rc = do_avail(&c, &err);
	}
	if (rc < 0)
		cli_error(&err);
	ctx_close(&c);
	strlist_free(&a.mirrors);
	return rc < 0 ? PGB_EXIT_FAIL : PGB_EXIT_OK;
}
