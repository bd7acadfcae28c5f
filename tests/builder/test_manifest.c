/* test_manifest.c - manifests load with every field; each mistake is an error
 * naming FILE:LINE:COL and the key.  Fixtures: tests/fixtures/manifest/. */
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "unit.h"

static const char *top(void)
{
	const char *t = getenv("TOP");

	return t && *t ? t : ".";
}

static char *fixture(const char *name)
{
	char *dir = util_path_join(top(), "tests/fixtures/manifest");
	char *p = util_path_join(dir, name);

	free(dir);
	return p;
}

static int load_recipes(struct recipes *rc)
{
	struct pgb_err err = { { 0 } };
	char *dir = util_path_join(top(), "recipes");
	int ret = recipes_load(rc, dir, &err);

	if (ret < 0)
		fprintf(stderr, "# %s\n", err.msg);
	free(dir);
	return ret;
}

/* The fixture must fail with "PATH:pos: " and contain each needle. */
static int fails(const char *name, const char *pos, const char *needle, const char *needle2)
{
	struct recipes rc;
	struct manifest m;
	struct pgb_err err = { { 0 } };
	char *path = fixture(name), want[1024];
	int ret;

	snprintf(want, sizeof(want), "%s:%s: ", path, pos);
	CHECK(load_recipes(&rc) == 0);
	ret = manifest_load(&m, path, &rc, &err);
	recipes_free(&rc);
	free(path);
	if (ret == 0)
		manifest_free(&m);
	CHECKF(ret == -1, "%s loaded", name);
	CHECKF(!strncmp(err.msg, want, strlen(want)), "want '%s' at the start of: %s", want,
	       err.msg);
	CHECKF(strstr(err.msg, needle), "want '%s' in: %s", needle, err.msg);
	CHECKF(!needle2 || strstr(err.msg, needle2), "want '%s' in: %s", needle2, err.msg);
	CHECK(!m.path && !m.name && !m.postgres && m.modules.n == 0);
	manifest_free(&m);	/* harmless on the emptied struct */
	return 0;
}

static int test_valid_manifest_loads_every_field(void)
{
	struct recipes rc;
	struct manifest m;
	struct pgb_err err = { { 0 } };
	char *path = fixture("valid.yml"), *cfg = fixture("config/installer.yml");

	CHECK(load_recipes(&rc) == 0);
	CHECKF(manifest_load(&m, path, &rc, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(m.path, path));
	CHECK(!strcmp(m.name, "pgsql-test") && !strcmp(m.version, "1.0+t1"));
	CHECK(!strcmp(m.target, "d12") && !strcmp(m.arch, "arm64"));
	CHECK(m.npostgres == 2 && m.postgres[0] == 15 && m.postgres[1] == 17);
	CHECK(m.extensions.n == 2 && !strcmp(m.extensions.v[0], "postgresql-{pg}-cron"));
	CHECK(m.modules.n == 2 && !strcmp(m.modules.v[1], "etcd"));
	CHECK(m.packages.n == 2 && !strcmp(m.packages.v[0], "jq"));
	CHECK(m.upstreams.n == 2 && !strcmp(m.upstreams.v[1], "debian-security"));
	CHECK(m.recommends == 1 && m.prefer_pgdg == 1);
	CHECKF(!strcmp(m.config, cfg), "%s", m.config);
	CHECK(m.mirrors.n == 2 && !strcmp(m.mirrors.v[0], "debian=http://mirror.example/debian"));
	CHECK(!strcmp(m.mirrors.v[1], "debian-security=http://mirror.example/debian-security"));
	CHECK(m.where_extensions.n == 2 && m.where_modules.n == 2 && m.where_packages.n == 2);
	free(cfg);
	cfg = xasprintf("%s:8:5", path);
	CHECKF(!strcmp(m.where_extensions.v[0], cfg), "%s", m.where_extensions.v[0]);
	free(cfg);
	cfg = xasprintf("%s:10:18", path);
	CHECKF(!strcmp(m.where_modules.v[1], cfg), "%s", m.where_modules.v[1]);
	manifest_free(&m);
	recipes_free(&rc);
	free(cfg);
	free(path);
	return 0;
}

static int test_defaults_arch_from_target_and_no_recommends(void)
{
	struct recipes rc;
	struct manifest m;
	struct pgb_err err = { { 0 } };
	char *path = fixture("minimal.yml");

	CHECK(load_recipes(&rc) == 0);
	CHECKF(manifest_load(&m, path, &rc, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(m.arch, "amd64") && m.recommends == 0 && !m.config && !m.prefer_pgdg);
	CHECK(m.upstreams.n == 0 && m.mirrors.n == 0 && m.extensions.n == 0);
	manifest_free(&m);
	recipes_free(&rc);
	free(path);
	return 0;
}

static int test_real_manifests_load(void)
{
	static const char *const names[] = { "d11", "d12", "d13", "d14" };
	struct recipes rc;
	struct manifest m;
	struct pgb_err err = { { 0 } };

	CHECK(load_recipes(&rc) == 0);
	for (size_t i = 0; i < 4; i++) {
		char *rel = xasprintf("manifests/%s.yml", names[i]);
		char *path = util_path_join(top(), rel);
		int ret = util_exists(path) ? manifest_load(&m, path, &rc, &err) : 0;

		/* The lead owns manifests/: only check the ones that exist. */
		CHECKF(ret == 0, "%s", err.msg);
		if (util_exists(path)) {
			CHECK(!strcmp(m.target, names[i]));
			manifest_free(&m);
		}
		free(rel);
		free(path);
	}
	recipes_free(&rc);
	return 0;
}

static int test_unknown_key_is_an_error(void)
{
	return fails("unknown-key.yml", "6:1", "unknown key 'extensoins' in the manifest",
		     "known keys: name, version");
}

static int test_postgres_word_is_an_error(void)
{
	return fails("pg-word.yml", "4:16", "'postgres' must be a list of PostgreSQL majors "
		     "(13-18), got 'fifteen'", NULL);
}

static int test_postgres_12_is_an_error(void)
{
	return fails("pg-12.yml", "5:5", "'postgres'", "PostgreSQL 12 is not supported");
}

static int test_postgres_scalar_is_an_error(void)
{
	return fails("pg-scalar.yml", "4:11", "'postgres' must be a list", "got '15'");
}

static int test_postgres_duplicate_is_an_error(void)
{
	return fails("pg-twice.yml", "4:20", "PostgreSQL 15 is listed twice in 'postgres'", NULL);
}

static int test_missing_target_is_an_error(void)
{
	return fails("no-target.yml", "1:1", "missing required key 'target'", NULL);
}

static int test_unknown_target_is_an_error(void)
{
	return fails("target-d99.yml", "3:9", "unknown target 'd99' in 'target'",
		     "known targets: d11, d12");
}

static int test_arch_outside_the_target_is_an_error(void)
{
	return fails("arch-i386.yml", "4:7", "'arch' 'i386' is not an architecture of target 'd12'",
		     "amd64, arm64");
}

static int test_unknown_module_is_an_error(void)
{
	return fails("unknown-module.yml", "5:18", "in 'modules'", "unknown module 'pgpool'");
}

/* prometheus-rpm has no EL 10 repository: recipes/modules.yml lists none. */
static int test_module_unavailable_for_the_target_is_an_error(void)
{
	return fails("module-unavailable.yml", "7:5", "module 'monitor' is not available for "
		     "target 'el10'", "modules.yml:");
}

static int test_module_streams_are_for_el_targets(void)
{
	return fails("modules-enable-deb.yml", "6:18", "'modules_enable' is for EL targets",
		     "target 'd12' is deb");
}

static int test_module_stream_to_enable_needs_a_stream(void)
{
	return fails("modules-enable-no-stream.yml", "6:18", "'postgresql' in 'modules_enable'",
		     "NAME:STREAM");
}

static int test_unknown_upstream_is_an_error(void)
{
	return fails("unknown-upstream.yml", "6:21", "unknown upstream 'debain-security' in "
		     "'upstreams'", "debian-security");
}

static int test_upstream_of_other_family_is_an_error(void)
{
	return fails("upstream-family.yml", "6:21", "upstream 'epel' in 'upstreams' is for rpm",
		     "target 'd12' is deb");
}

static int test_prefer_other_than_distribution_or_pgdg_is_an_error(void)
{
	return fails("prefer-word.yml", "6:9", "'prefer' must be 'distribution'",
		     "got 'debian'");
}

static int test_prefer_pgdg_on_a_target_without_pgdg_upstreams_is_an_error(void)
{
	return fails("prefer-el.yml", "6:9", "'prefer: pgdg' but target 'el9' has no PGDG "
		     "upstreams", "targets.yml");
}

static int test_extensions_not_a_list_is_an_error(void)
{
	return fails("extensions-scalar.yml", "5:13", "'extensions' must be a list",
		     "got 'postgresql-15-cron'");
}

static int test_recommends_maybe_is_an_error(void)
{
	return fails("recommends-maybe.yml", "6:13", "'recommends' must be true or false",
		     "got 'maybe'");
}

static int test_name_with_slash_is_an_error(void)
{
	return fails("name-slash.yml", "1:7", "'name' must be a safe file name part",
		     "got 'pgsql/test'");
}

static int test_version_dotdot_is_an_error(void)
{
	return fails("name-dotdot.yml", "2:10", "'version' must be a safe file name part",
		     "got '..'");
}

static int test_unclosed_bracket_names_line_and_column(void)
{
	return fails("syntax.yml", "5:8", "YAML syntax error: did not find expected ',' or ']'",
		     "line 4 column 11");
}

static int test_braces_in_flow_list_hint_at_quoting(void)
{
	return fails("braces.yml", "5:25", "YAML syntax error", "must be quoted");
}

static int test_duplicate_key_is_an_error(void)
{
	return fails("duplicate.yml", "6:1", "duplicate key 'target'", "line 3 column 1");
}

static int test_missing_config_file_is_an_error(void)
{
	return fails("config-missing.yml", "6:9", "'config' file 'config/nowhere.yml' does not "
		     "exist", "tests/fixtures/manifest/config/nowhere.yml");
}

static int test_unknown_mirror_key_is_an_error(void)
{
	return fails("mirror-unknown.yml", "7:3", "unknown mirror key 'debain' in 'mirrors'",
		     "debian-security");
}

static int test_invalid_package_name_is_an_error(void)
{
	return fails("package-bad.yml", "7:5", "'packages' has an invalid package name 'rm -rf'",
		     NULL);
}

static int test_manifest_asking_for_nothing_is_an_error(void)
{
	return fails("nothing.yml", "1:1", "the manifest asks for no packages", NULL);
}

static int test_safe_name_rules(void)
{
	CHECK(manifest_safe_name("pgsql-d12") && manifest_safe_name("1.0+b1_x"));
	CHECK(!manifest_safe_name("") && !manifest_safe_name(".hidden"));
	CHECK(!manifest_safe_name("-opt") && !manifest_safe_name("a/b"));
	CHECK(!manifest_safe_name("a..b") && !manifest_safe_name("a b"));
	return 0;
}

/* The installer refuses a config naming a module the bundle lacks: the
 * builder refuses to bundle one, at the config's line. */
static int test_config_modules_must_be_the_manifests(void)
{
	struct recipes rc;
	struct manifest m;
	struct pgb_err err = { { 0 } };
	char *path = fixture("config-modules.yml"), *cfg = fixture("config/ha-modules.yml");
	char want[1024];
	int ret;

	snprintf(want, sizeof(want), "%s:3:", cfg);
	CHECK(load_recipes(&rc) == 0);
	ret = manifest_load(&m, path, &rc, &err);
	recipes_free(&rc);
	if (ret == 0)
		manifest_free(&m);
	free(path);
	free(cfg);
	CHECKF(ret == -1, "%s", "config-modules.yml loaded");
	CHECKF(!strncmp(err.msg, want, strlen(want)), "want '%s' at the start of: %s", want,
	       err.msg);
	CHECKF(strstr(err.msg, "module 'patroni', which is not among the manifest's modules"),
	       "%s", err.msg);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_valid_manifest_loads_every_field);
	T_RUN(&s, test_defaults_arch_from_target_and_no_recommends);
	T_RUN(&s, test_real_manifests_load);
	T_RUN(&s, test_unknown_key_is_an_error);
	T_RUN(&s, test_postgres_word_is_an_error);
	T_RUN(&s, test_postgres_12_is_an_error);
	T_RUN(&s, test_postgres_scalar_is_an_error);
	T_RUN(&s, test_postgres_duplicate_is_an_error);
	T_RUN(&s, test_missing_target_is_an_error);
	T_RUN(&s, test_unknown_target_is_an_error);
	T_RUN(&s, test_arch_outside_the_target_is_an_error);
	T_RUN(&s, test_unknown_module_is_an_error);
	T_RUN(&s, test_module_unavailable_for_the_target_is_an_error);
	T_RUN(&s, test_unknown_upstream_is_an_error);
	T_RUN(&s, test_upstream_of_other_family_is_an_error);
	T_RUN(&s, test_prefer_other_than_distribution_or_pgdg_is_an_error);
	T_RUN(&s, test_prefer_pgdg_on_a_target_without_pgdg_upstreams_is_an_error);
	T_RUN(&s, test_extensions_not_a_list_is_an_error);
	T_RUN(&s, test_recommends_maybe_is_an_error);
	T_RUN(&s, test_name_with_slash_is_an_error);
	T_RUN(&s, test_version_dotdot_is_an_error);
	T_RUN(&s, test_unclosed_bracket_names_line_and_column);
	T_RUN(&s, test_braces_in_flow_list_hint_at_quoting);
	T_RUN(&s, test_duplicate_key_is_an_error);
	T_RUN(&s, test_missing_config_file_is_an_error);
	T_RUN(&s, test_config_modules_must_be_the_manifests);
	T_RUN(&s, test_unknown_mirror_key_is_an_error);
	T_RUN(&s, test_invalid_package_name_is_an_error);
	T_RUN(&s, test_manifest_asking_for_nothing_is_an_error);
	T_RUN(&s, test_safe_name_rules);
	T_RUN(&s, test_module_streams_are_for_el_targets);
	T_RUN(&s, test_module_stream_to_enable_needs_a_stream);
	return t_done(&s);
}
