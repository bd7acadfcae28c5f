/*
 * fuzz_manifest.c - bundle manifests (builder/manifest.c over repo/yamldoc.c),
 * checked against the real recipes/ loaded once, as `pgbundle plan|build`
 * reads them.
 * fuzz-options: -max_len=8192
 *
 * Structure-aware: yamlmut.c changes one node of the document (values from
 * the manifest vocabulary and odd ones, pairs and items added, dropped,
 * duplicated, aliases), so most inputs are YAML that reaches the checks.
 *
 * Properties: a failure leaves the manifest empty and names the file (its
 * message starts with "PATH:"); a manifest that loads holds only what
 * manifest.h promises: safe name and version, a known target and one of
 * its architectures, majors 13-18 without repeats, a position for every
 * list item, known modules with a package list for the target, upstreams
 * of the target's family, mirrors as KEY=URL with a known key, an existing
 * config file, `prefer: pgdg` only for a target with PGDG upstreams.
 */
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "manifest.h"
#include "recipes.h"
#include "yamlmut.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct recipes rc;
static char *path;

static const char *const words[] = {
	"name", "version", "target", "arch", "postgres", "extensions", "modules", "packages",
	"upstreams", "recommends", "config", "mirrors", "prefer", "pgdg", "distribution",
	"pgsql-d12", "1.0", "d11", "d12", "d13", "d14", "el8", "el9", "el10", "u22", "u24",
	"amd64", "arm64", "x86_64", "aarch64", "i386", "15", "16", "17", "18", "13",
	"postgis", "pg_cron", "vector", "all", "category:GIS", "category:NOPE",
	"postgresql-{pg}-cron", "jq", "pgsql", "pgbouncer", "patroni", "etcd", "haproxy",
	"pgbackrest", "monitor", "redis", "debian", "debian-security", "debian-updates",
	"pgdg-apt", "pgdg-yum", "el-baseos", "config/singleton.yml", "config/missing.yml",
	"http://mirror.example/debian", NULL
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *recipes = xasprintf("%s/../../recipes", fuzz_srcdir()), *cfg, *dir;
	struct pgb_err err;
	size_t len;
	char *text = fuzz_read_src("../../manifests/config/singleton.yml", &len);

	if (recipes_load(&rc, recipes, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	/* A config the manifests' "config: config/singleton.yml" finds. */
	dir = fuzz_path("manifests/config");
	if (util_mkdir_p(dir, 0700, &err) < 0)
		abort();
	cfg = fuzz_write("manifests/config/singleton.yml", text, len);
	path = fuzz_path("manifests/fuzz.yml");
	free(recipes);
	free(dir);
	free(cfg);
	free(text);
	return 0;
}

static int empty(const struct manifest *m)
{
	static const struct manifest zero;

	return !memcmp(m, &zero, sizeof(zero));
}

static void check_loaded(const struct manifest *m)
{
	const struct recipe_target *t = recipes_target(&rc, m->target);
	struct pgb_err err;
	struct stat st;

	FUZZ_ASSERT(manifest_safe_name(m->name) && manifest_safe_name(m->version));
	FUZZ_ASSERT(t && strlist_has(&t->archs, m->arch));
	FUZZ_ASSERT(m->npostgres > 0);
	for (size_t i = 0; i < m->npostgres; i++) {
		FUZZ_ASSERT(m->postgres[i] >= RECIPES_PG_MIN && m->postgres[i] <= RECIPES_PG_MAX);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(m->postgres[i] != m->postgres[j]);
	}
	FUZZ_ASSERT(m->extensions.n == m->where_extensions.n);
	FUZZ_ASSERT(m->modules.n == m->where_modules.n);
	FUZZ_ASSERT(m->packages.n == m->where_packages.n);
	FUZZ_ASSERT(m->modules.n || m->extensions.n || m->packages.n);
	for (size_t i = 0; i < m->modules.n; i++) {
		struct strlist pk = STRLIST_INIT;

		FUZZ_ASSERT(recipes_has_module(&rc, m->modules.v[i]));
		FUZZ_ASSERT(recipes_module_packages(&rc, m->modules.v[i], t, m->postgres,
						    m->npostgres, &pk, &err) == 0 && pk.n);
		strlist_free(&pk);
	}
	for (size_t i = 0; i < m->upstreams.n; i++) {
		const struct recipe_repo *r = recipes_repo(&rc, m->upstreams.v[i]);

		FUZZ_ASSERT(r && !strcmp(r->family, t->family));
	}
	for (size_t i = 0; i < m->mirrors.n; i++) {
		const char *eq = strchr(m->mirrors.v[i], '=');
		char *key;

		FUZZ_ASSERT(eq);
		key = xstrndup(m->mirrors.v[i], (size_t)(eq - m->mirrors.v[i]));
		FUZZ_ASSERT(recipes_has_mirror_key(&rc, key));
		FUZZ_ASSERT(!strncmp(eq + 1, "http://", 7) || !strncmp(eq + 1, "https://", 8) ||
			    !strncmp(eq + 1, "file:///", 8));
		free(key);
	}
	if (m->config)
		FUZZ_ASSERT(stat(m->config, &st) == 0 && S_ISREG(st.st_mode));
	FUZZ_ASSERT(!m->prefer_pgdg || t->pgdg.n);
	for (size_t i = 0; i < m->packages.n; i++)
		FUZZ_ASSERT(recipes_package_name_ok(m->packages.v[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	struct pgb_err err;

	if (manifest_load_mem(&m, path, (const char *)data, size, &rc, &err) < 0) {
		FUZZ_ASSERT(empty(&m));
		FUZZ_ASSERT(!strncmp(err.msg, path, strlen(path)) && err.msg[strlen(path)] == ':');
		return 0;
	}
	check_loaded(&m);
	manifest_free(&m);
	FUZZ_ASSERT(empty(&m));
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = yamlmut_mutate(data, size, max, seed, words);

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
