/*
 * fuzz_recipes.c - the recipes a build reads (builder/recipes.c: repos.yml,
 * targets.yml, modules.yml; builder/extcat.c: extensions.yml), which
 * PGBUNDLE_RECIPES may point at any directory, then what plan does with
 * them: every module's packages for every target and major, every
 * template expanded.
 * fuzz-options: -max_len=65536
 *
 * Input: REPOS FUZZ_SEP TARGETS FUZZ_SEP MODULES FUZZ_SEP EXTENSIONS, written
 * into a private recipes directory.  The custom mutator changes one of the
 * four documents node by node (yamlmut.c with the recipes' vocabulary).
 *
 * Properties: a failure leaves the recipes (and catalog) empty and names a
 * file; recipes that load keep their promises: every target's upstreams
 * exist and are of its family, lookups find what was loaded, module package
 * lists hold package names; a catalog entry is found by its name and each
 * of its aliases.
 */
#include <string.h>

#include "extcat.h"
#include "fuzz.h"
#include "recipes.h"
#include "yamlmut.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static char *dir;

static const char *const words[] = {
	"family", "url", "mirror", "suite", "components", "keyring", "key_url", "fingerprint",
	"checked", "distro", "release", "codename", "archs", "upstreams", "pg_default",
	"baseline", "description", "deb", "rpm", "category", "aliases", "preload",
	"preload_after", "settings", "conflicts", "exception", "exception_pg", "templates",
	"debian", "debian-security", "el-baseos", "pgdg-yum", "d12", "el9", "u24", "bookworm",
	"minbase", "minimal", "amd64", "x86_64", "main", "{codename}-security", "{pg}",
	"{release}", "{arch}", "{nope}", "http://deb.debian.org/debian",
	"https://download.postgresql.org/pub/repos/yum/{pg}/redhat/rhel-{release}-{arch}",
	"/usr/share/keyrings/debian-archive-keyring.gpg",
	"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8", "postgresql-{pg}", "postgresql{pg}-server",
	"pgsql", "patroni", "GIS", "TIME", "NOPE", "postgis", "postgis-3", "pg_cron",
	"cron.database_name=postgres", "pgdg-apt:postgresql-{pg}-cron", NULL
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pgb_err err;

	dir = fuzz_path("recipes");
	if (util_mkdir_p(dir, 0700, &err) < 0)
		abort();
	return 0;
}

static void check_recipes(const struct recipes *rc)
{
	static const int pg[] = { 13, 15, 18 };
	struct pgb_err err;

	for (size_t i = 0; i < rc->nrepos; i++)
		FUZZ_ASSERT(recipes_repo(rc, rc->repos[i].name));
	for (size_t i = 0; i < rc->ntargets; i++) {
		const struct recipe_target *t = &rc->targets[i];

		FUZZ_ASSERT(recipes_target(rc, t->name) && t->archs.n && t->upstreams.n);
		for (size_t j = 0; j < t->upstreams.n; j++) {
			const struct recipe_repo *r = recipes_repo(rc, t->upstreams.v[j]);

			FUZZ_ASSERT(r && !strcmp(r->family, t->family));
			free(recipes_expand(r->url ? r->url : "", t, t->archs.v[0], 15));
			free(recipes_expand(r->suite ? r->suite : "", t, NULL, 0));
		}
		for (size_t m = 0; m < rc->nmodules; m++) {
			struct strlist out = STRLIST_INIT;

			if (recipes_module_packages(rc, rc->modules[m].name, t, pg, 3, &out,
						    &err) == 0)
				for (size_t k = 0; k < out.n; k++)
					FUZZ_ASSERT(recipes_package_name_ok(out.v[k]) &&
						    !strstr(out.v[k], "{pg}"));
			else
				FUZZ_ASSERT(err.msg[0] && out.n == 0);
			strlist_free(&out);
		}
	}
	for (size_t m = 0; m < rc->nmodules; m++)
		FUZZ_ASSERT(recipes_has_module(rc, rc->modules[m].name));
	free(recipes_target_names(rc));
	free(recipes_module_names(rc));
	free(recipes_repo_names(rc));
	free(recipes_mirror_keys(rc));
}

static void check_catalog(const struct extcat *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct extcat_entry *e = &c->v[i];

		FUZZ_ASSERT(extcat_find(c, e->name) == e);
		for (size_t j = 0; j < e->aliases.n; j++)
			FUZZ_ASSERT(extcat_find(c, e->aliases.v[j]));
		FUZZ_ASSERT(extcat_category_valid(e->category));
		(void)extcat_exception_holds(e, 15);
		if (i)
			FUZZ_ASSERT(strcmp(c->v[i - 1].name, e->name) < 0);
	}
	FUZZ_ASSERT(extcat_by_category(c, "GIS", NULL, 0) <= c->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = { "repos.yml", "targets.yml", "modules.yml" };
	static const struct recipes zero;
	struct fuzz_part part[4];
	struct recipes rc;
	struct extcat cat;
	struct pgb_err err;

	fuzz_split(data, size, part, 4);
	for (int i = 0; i < 3; i++) {
		char *rel = xasprintf("recipes/%s", files[i]);

		free(fuzz_write(rel, part[i].p, part[i].n));
		free(rel);
	}
	if (recipes_load(&rc, dir, &err) == 0) {
		check_recipes(&rc);
	} else {
		fuzz_debug("recipes: %s", err.msg);
		FUZZ_ASSERT(err.msg[0] && !rc.targets && !rc.repos && !rc.modules);
		FUZZ_ASSERT(strstr(err.msg, ".yml"));
	}
	recipes_free(&rc);
	FUZZ_ASSERT(!memcmp(&rc, &zero, sizeof(rc)));
	if (extcat_load_mem(&cat, "extensions.yml", (const char *)part[3].p, part[3].n,
			    &err) == 0) {
		check_catalog(&cat);
	} else {
		fuzz_debug("catalog: %s", err.msg);
		FUZZ_ASSERT(err.msg[0] && cat.n == 0);
	}
	extcat_free(&cat);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_part part[4];
	struct sbuf doc = SBUF_INIT, out = SBUF_INIT;
	unsigned which = seed % 4;
	size_t n;

	if (fuzz_split(data, size, part, 4) != 4)
		return LLVMFuzzerMutate(data, size, max);
	sbuf_add(&doc, part[which].p, part[which].n);
	sbuf_grow(&doc, 4096);
	n = yamlmut_mutate((uint8_t *)doc.buf, doc.len, doc.len + 4096, seed / 4, words);
	if (!n)
		n = LLVMFuzzerMutate((uint8_t *)doc.buf, doc.len, doc.len + 4096);
	doc.len = n;
	part[which] = (struct fuzz_part){ (const uint8_t *)doc.buf, doc.len };
	fuzz_join(&out, part, 4);
	n = fuzz_emit(data, max, &out);
	sbuf_free(&doc);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
