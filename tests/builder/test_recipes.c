/* test_recipes.c - the real recipes/ load; module sets and templates expand;
 * broken recipe files fail with FILE:LINE:COL. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recipes.h"
#include "unit.h"

static char *real_dir(void)
{
	const char *top = getenv("TOP");

	return util_path_join(top && *top ? top : ".", "recipes");
}

static int load_real(struct recipes *rc)
{
	struct pgb_err err = { { 0 } };
	char *dir = real_dir();
	int ret = recipes_load(rc, dir, &err);

	if (ret < 0)
		fprintf(stderr, "# %s\n", err.msg);
	free(dir);
	return ret;
}

/* A small valid recipe set; each failure test replaces one file. */
static const char targets_ok[] =
	"t1:\n"
	"  family: deb\n"
	"  distro: debian\n"
	"  release: \"12\"\n"
	"  codename: bookworm\n"
	"  archs: [amd64]\n"
	"  upstreams: [main]\n"
	"  baseline: minbase\n";
static const char repos_ok[] =
	"main:\n"
	"  family: deb\n"
	"  mirror: debian\n"
	"  suite: \"{codename}\"\n"
	"  components: [main]\n"
	"  keyring: /usr/share/keyrings/debian-archive-keyring.gpg\n"
	"other:\n"
	"  family: rpm\n"
	"  url: https://example.org/{release}/{arch}\n"
	"  key_url: https://example.org/key\n";
static const char modules_ok[] =
	"db:\n"
	"  deb:\n"
	"    - server-{pg}\n"
	"    - tools\n"
	"  targets:\n"
	"    t1:\n"
	"      - server-{pg}\n";

/* Write the three files into a fresh directory and load it. */
static int load_set(const char *targets, const char *repos, const char *modules,
		    struct recipes *rc, struct pgb_err *err, char *dir, size_t dirsz)
{
	const char *names[] = { "targets.yml", "repos.yml", "modules.yml" };
	const char *texts[] = { targets, repos, modules };
	int wrote = 0;

	snprintf(dir, dirsz, "/tmp/recipes-test.XXXXXX");
	if (!mkdtemp(dir))
		return -2;
	for (int i = 0; i < 3; i++) {
		char *p = util_path_join(dir, names[i]);

		if (!texts[i] || util_write_atomic(p, texts[i], strlen(texts[i]), 0644, err) == 0)
			wrote++;
		free(p);
	}
	if (wrote != 3)
		return -2;
	return recipes_load(rc, dir, err);
}

/* Load a set expected to fail; err holds the message, paths relative to dir. */
static int fails_with(const char *targets, const char *repos, const char *modules,
		      const char *file, const char *pos, const char *needle)
{
	struct recipes rc;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64], want[256];
	int ret = load_set(targets, repos, modules, &rc, &err, dir, sizeof(dir));

	snprintf(want, sizeof(want), "%s/%s:%s: ", dir, file, pos);
	util_rm_rf(dir, &ignored);
	CHECK(ret == -1);
	CHECKF(strstr(err.msg, want), "want '%s' in: %s", want, err.msg);
	CHECKF(strstr(err.msg, needle), "want '%s' in: %s", needle, err.msg);
	CHECK(rc.ntargets == 0 && rc.nrepos == 0 && rc.nmodules == 0 && !rc.dir);
	return 0;
}

static int test_real_recipes_load_every_target(void)
{
	static const char *const names[] = { "d11", "d12", "d13", "d14", "u22", "u24",
					     "el8", "el9", "el10" };
	static const char *const codenames[] = { "bullseye", "bookworm", "trixie", "forky",
						 "jammy", "noble" };
	static const int pg[] = { 13, 15, 17, 18, 14, 16, 10, 13, 16 };
	struct recipes rc;

	CHECK(load_real(&rc) == 0);
	CHECK(rc.ntargets == 9);
	for (size_t i = 0; i < 9; i++) {
		const struct recipe_target *t = recipes_target(&rc, names[i]);

		CHECKF(t, "%s", names[i]);
		CHECK(t->pg_default == pg[i]);
		if (i < 6) {
			CHECK(!strcmp(t->family, "deb") && !strcmp(t->codename, codenames[i]));
			CHECK(!strcmp(t->baseline, "minbase") && !strcmp(t->archs.v[0], "amd64"));
		} else {
			CHECK(!strcmp(t->family, "rpm") && !t->codename);
			CHECK(!strcmp(t->baseline, "minimal") && !strcmp(t->archs.v[0], "x86_64"));
		}
		for (size_t j = 0; j < t->upstreams.n; j++)
			CHECK(!strcmp(recipes_repo(&rc, t->upstreams.v[j])->family, t->family));
	}
	CHECK(!recipes_target(&rc, "d99"));
	recipes_free(&rc);
	return 0;
}

static int test_debian_repos_use_mirror_keys_and_no_host(void)
{
	static const char *const names[] = { "debian", "debian-updates", "debian-security" };
	static const char *const suites[] = { "{codename}", "{codename}-updates",
					      "{codename}-security" };
	struct recipes rc;

	CHECK(load_real(&rc) == 0);
	for (size_t i = 0; i < 3; i++) {
		const struct recipe_repo *r = recipes_repo(&rc, names[i]);

		CHECK(r && !r->url && r->mirror && r->checked);
		CHECK(!strcmp(r->suite, suites[i]));
		CHECK(!strcmp(r->keyring, "/usr/share/keyrings/debian-archive-keyring.gpg"));
	}
	CHECK(!strcmp(recipes_repo(&rc, "debian-security")->mirror, "debian-security"));
	CHECK(!strcmp(recipes_repo(&rc, "pgdg-apt")->fingerprint,
		      "B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8"));
	CHECK(recipes_has_mirror_key(&rc, "debian") && !recipes_has_mirror_key(&rc, "debain"));
	for (size_t i = 0; i < rc.nrepos; i++)
		CHECKF(!rc.repos[i].checked || !strncmp(rc.repos[i].name, "debian", 6), "%s",
		       rc.repos[i].name);
	recipes_free(&rc);
	return 0;
}

static int test_pgsql_for_d12_and_pg15_gives_postgresql_15(void)
{
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int pg = 15;

	CHECK(load_real(&rc) == 0);
	CHECKF(recipes_module_packages(&rc, "pgsql", recipes_target(&rc, "d12"), &pg, 1, &out,
				       &err) == 0, "%s", err.msg);
	CHECK(out.n == 2);
	CHECK(!strcmp(out.v[0], "postgresql-15") && !strcmp(out.v[1], "postgresql-client-15"));
	strlist_free(&out);
	CHECK(recipes_module_packages(&rc, "pgsql", recipes_target(&rc, "el9"), &pg, 1, &out,
				      &err) == 0);
	CHECK(out.n == 3 && !strcmp(out.v[0], "postgresql15-server"));
	strlist_free(&out);
	recipes_free(&rc);
	return 0;
}

static int test_two_majors_give_both_and_plain_names_once(void)
{
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	const struct recipe_target *t;
	int pg[] = { 15, 17 };

	CHECK(load_real(&rc) == 0);
	t = recipes_target(&rc, "d13");
	CHECK(recipes_module_packages(&rc, "pgsql", t, pg, 2, &out, &err) == 0);
	CHECK(out.n == 4);
	CHECK(strlist_has(&out, "postgresql-15") && strlist_has(&out, "postgresql-17"));
	CHECK(strlist_has(&out, "postgresql-client-15") && strlist_has(&out, "postgresql-client-17"));
	strlist_free(&out);
	CHECK(recipes_module_packages(&rc, "etcd", t, pg, 2, &out, &err) == 0);
	CHECK(out.n == 2 && !strcmp(out.v[0], "etcd-server") && !strcmp(out.v[1], "etcd-client"));
	strlist_free(&out);
	recipes_free(&rc);
	return 0;
}

static int test_pgdg_apt_is_every_deb_targets_pgdg_side_pinned_with_per_major_components(void)
{
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	const struct recipe_repo *r;

	CHECK(load_real(&rc) == 0);
	for (size_t i = 0; i < rc.ntargets; i++) {
		const struct recipe_target *t = &rc.targets[i];

		if (!strcmp(t->family, "deb"))
			CHECKF(t->pgdg.n == 1 && !strcmp(t->pgdg.v[0], "pgdg-apt"), "%s", t->name);
		else
			CHECKF(t->pgdg.n == 0, "%s", t->name);
	}
	r = recipes_repo(&rc, "pgdg-apt");
	CHECK(r && !strcmp(r->suite, "{codename}-pgdg") && !strcmp(r->mirror, "pgdg"));
	CHECK(r->components.n == 2 && !strcmp(r->components.v[0], "main") &&
	      !strcmp(r->components.v[1], "{pg}"));
	CHECK(!strcmp(r->fingerprint, "B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8"));
	CHECK(!strcmp(r->keyring, "/usr/share/postgresql-common/pgdg/apt.postgresql.org.gpg"));
	/* A major's own packages: the {pg} names only. */
	recipes_module_major_packages(&rc, "pgsql", recipes_target(&rc, "d12"), 16, &out);
	CHECK(out.n == 2 && !strcmp(out.v[0], "postgresql-16") &&
	      !strcmp(out.v[1], "postgresql-client-16"));
	recipes_module_major_packages(&rc, "pgbouncer", recipes_target(&rc, "d12"), 16, &out);
	recipes_module_major_packages(&rc, "nosuch", recipes_target(&rc, "d12"), 16, &out);
	CHECK(out.n == 2);
	strlist_free(&out);
	recipes_free(&rc);
	return 0;
}

static int test_target_list_overrides_the_family_list(void)
{
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int pg = 16;

	CHECK(load_real(&rc) == 0);
	CHECK(recipes_module_packages(&rc, "redis", recipes_target(&rc, "el10"), &pg, 1, &out,
				      &err) == 0);
	CHECK(out.n == 1 && !strcmp(out.v[0], "valkey"));
	strlist_free(&out);
	CHECK(recipes_module_packages(&rc, "redis", recipes_target(&rc, "el9"), &pg, 1, &out,
				      &err) == 0);
	CHECK(out.n == 1 && !strcmp(out.v[0], "redis"));
	strlist_free(&out);
	recipes_free(&rc);
	return 0;
}

static int test_module_errors_name_module_and_target(void)
{
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int pg = 16;

	CHECK(load_real(&rc) == 0);
	CHECK(recipes_module_packages(&rc, "pgpool", recipes_target(&rc, "d12"), &pg, 1, &out,
				      &err) == -1);
	CHECKF(strstr(err.msg, "unknown module 'pgpool'") && strstr(err.msg, "pgsql"), "%s",
	       err.msg);
	CHECK(recipes_module_packages(&rc, "monitor", recipes_target(&rc, "el10"), &pg, 1, &out,
				      &err) == -1);
	CHECKF(strstr(err.msg, "module 'monitor' is not available for target 'el10'") &&
	       strstr(err.msg, "modules.yml:"), "%s", err.msg);
	CHECK(recipes_module_packages(&rc, "pgsql", recipes_target(&rc, "d12"), NULL, 0, &out,
				      &err) == -1);
	CHECKF(strstr(err.msg, "at least one PostgreSQL major"), "%s", err.msg);
	CHECK(out.n == 0);
	recipes_free(&rc);
	return 0;
}

static int test_empty_target_list_means_unavailable_and_points_at_it(void)
{
	static const char modules[] =
		"db:\n"
		"  deb: [tools]\n"
		"  targets:\n"
		"    t1: []   # not packaged for t1\n";
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64], want[128];
	int pg = 15;

	CHECKF(load_set(targets_ok, repos_ok, modules, &rc, &err, dir, sizeof(dir)) == 0, "%s",
	       err.msg);
	CHECK(recipes_module_packages(&rc, "db", recipes_target(&rc, "t1"), &pg, 1, &out,
				      &err) == -1);
	snprintf(want, sizeof(want), "its package list at %s/modules.yml:4:9 is empty", dir);
	CHECKF(strstr(err.msg, "module 'db' is not available for target 't1'") &&
	       strstr(err.msg, want), "%s", err.msg);
	CHECK(out.n == 0);
	recipes_free(&rc);
	util_rm_rf(dir, &ignored);
	return 0;
}

/* A module with no list for the target's family (every real module has one
 * for both families now). */
static int test_module_without_list_for_the_family_is_an_error(void)
{
	static const char targets[] =
		"t1:\n"
		"  family: rpm\n"
		"  distro: el\n"
		"  release: \"9\"\n"
		"  archs: [x86_64]\n"
		"  upstreams: [yum]\n"
		"  baseline: minimal\n";
	static const char repos[] =
		"yum:\n"
		"  family: rpm\n"
		"  mirror: yum\n"
		"  keyring: /nonexistent/key.gpg\n";
	static const char modules[] =
		"db:\n"
		"  deb: [tools]\n";
	struct recipes rc;
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64];
	int pg = 15;

	CHECKF(load_set(targets, repos, modules, &rc, &err, dir, sizeof(dir)) == 0, "%s",
	       err.msg);
	CHECK(recipes_module_packages(&rc, "db", recipes_target(&rc, "t1"), &pg, 1, &out,
				      &err) == -1);
	CHECKF(strstr(err.msg, "module 'db' has no package list for rpm targets such as 't1'") &&
	       strstr(err.msg, "modules.yml:"), "%s", err.msg);
	CHECK(out.n == 0);
	recipes_free(&rc);
	util_rm_rf(dir, &ignored);
	return 0;
}

static int test_templates_expand_known_placeholders_only(void)
{
	struct recipes rc;
	const struct recipe_target *d12, *el9;
	char *s;

	CHECK(load_real(&rc) == 0);
	d12 = recipes_target(&rc, "d12");
	el9 = recipes_target(&rc, "el9");
	s = recipes_expand("{codename}-security", d12, "amd64", 0);
	CHECK(!strcmp(s, "bookworm-security"));
	free(s);
	s = recipes_expand(recipes_repo(&rc, "pgdg-yum")->url, el9, "x86_64", 16);
	CHECKF(!strcmp(s, "https://download.postgresql.org/pub/repos/yum/16/redhat/rhel-9-x86_64"),
	       "%s", s);
	free(s);
	s = recipes_expand("{codename}/{pg}/{arch}/{nope}/{", el9, "", 0);
	CHECKF(!strcmp(s, "{codename}/{pg}/{arch}/{nope}/{"), "%s", s);
	free(s);
	s = recipes_expand("", NULL, NULL, 0);
	CHECK(!strcmp(s, ""));
	free(s);
	recipes_free(&rc);
	return 0;
}

static int test_package_name_check_allows_pg_placeholder_only(void)
{
	CHECK(recipes_package_name_ok("postgresql-{pg}-postgis-3"));
	CHECK(recipes_package_name_ok("libstdc++6"));
	CHECK(recipes_package_name_ok("{pg}x"));
	CHECK(!recipes_package_name_ok(""));
	CHECK(!recipes_package_name_ok("-x"));
	CHECK(!recipes_package_name_ok("a b"));
	CHECK(!recipes_package_name_ok("a/b"));
	CHECK(!recipes_package_name_ok("x-{arch}"));
	CHECK(!recipes_package_name_ok("x-{pg"));
	return 0;
}

static int test_small_valid_set_loads(void)
{
	struct recipes rc;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64];

	CHECKF(load_set(targets_ok, repos_ok, modules_ok, &rc, &err, dir, sizeof(dir)) == 0, "%s",
	       err.msg);
	CHECK(rc.ntargets == 1 && rc.nrepos == 2 && rc.nmodules == 1);
	CHECK(rc.modules[0].nsets == 2);
	recipes_free(&rc);
	util_rm_rf(dir, &ignored);
	return 0;
}

static int test_unknown_key_in_a_target_is_rejected(void)
{
	static const char t[] = "t1:\n  family: deb\n  codname: bookworm\n";

	return fails_with(t, repos_ok, modules_ok, "targets.yml", "3:3",
			  "unknown key 'codname' in target 't1'");
}

static int test_target_with_unknown_upstream_is_rejected(void)
{
	static const char t[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: [amd64]\n  upstreams: [main, mian]\n  baseline: minbase\n";

	return fails_with(t, repos_ok, modules_ok, "targets.yml", "7:21",
			  "unknown upstream 'mian' in 'upstreams'");
}

static int test_target_with_upstream_of_other_family_is_rejected(void)
{
	static const char t[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: [amd64]\n  upstreams:\n    - other\n  baseline: minbase\n";

	return fails_with(t, repos_ok, modules_ok, "targets.yml", "8:7",
			  "upstream 'other' is for rpm targets");
}

static int test_target_pgdg_list_of_unknown_or_other_family_repo_is_rejected(void)
{
	static const char unknown[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: [amd64]\n  upstreams: [main]\n  pgdg: [pgdg]\n  baseline: minbase\n";
	static const char family[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: [amd64]\n  upstreams: [main]\n  pgdg: [other]\n  baseline: minbase\n";
	static const char comp[] =
		"main:\n  family: deb\n  mirror: debian\n  suite: s\n  components: [main, \"{pgx}\"]\n"
		"  keyring: /k.gpg\n";

	if (fails_with(unknown, repos_ok, modules_ok, "targets.yml", "8:10",
		       "unknown upstream 'pgdg' in 'pgdg'"))
		return 1;
	if (fails_with(family, repos_ok, modules_ok, "targets.yml", "8:10",
		       "upstream 'other' is for rpm targets"))
		return 1;
	return fails_with(targets_ok, comp, modules_ok, "repos.yml", "5:15",
			  "'components' has an unknown placeholder in '{pgx}'");
}

static int test_wrong_types_and_values_in_targets_are_rejected(void)
{
	static const char fam[] = "t1:\n  family: apk\n";
	static const char pg[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: amd64\n  upstreams: [main]\n  baseline: minbase\n";
	static const char base[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n  codename: x\n"
		"  archs: [amd64]\n  upstreams: [main]\n  baseline: minimal\n";

	if (fails_with(fam, repos_ok, modules_ok, "targets.yml", "2:11",
		       "'family' must be deb or rpm, got 'apk'"))
		return 1;
	if (fails_with(pg, repos_ok, modules_ok, "targets.yml", "6:10", "'archs' must be a list"))
		return 1;
	return fails_with(base, repos_ok, modules_ok, "targets.yml", "8:13",
			  "'baseline' of a deb target must be 'minbase'");
}

static int test_deb_target_needs_a_codename(void)
{
	static const char t[] =
		"t1:\n  family: deb\n  distro: debian\n  release: \"12\"\n"
		"  archs: [amd64]\n  upstreams: [main]\n  baseline: minbase\n";

	return fails_with(t, repos_ok, modules_ok, "targets.yml", "2:3",
			  "missing required key 'codename'");
}

static int test_repo_errors_name_file_line_and_key(void)
{
	static const char ph[] =
		"main:\n  family: deb\n  mirror: debian\n  suite: \"{codname}\"\n"
		"  components: [main]\n  keyring: /k.gpg\n";
	static const char nokey[] =
		"main:\n  family: deb\n  mirror: debian\n  suite: s\n  components: [main]\n";
	static const char fpr[] =
		"main:\n  family: deb\n  url: http://x\n  suite: s\n  components: [main]\n"
		"  key_url: https://x/k\n  fingerprint: ABCD 1234\n";
	static const char url[] =
		"main:\n  family: deb\n  url: ftp://x\n  suite: s\n  components: [main]\n"
		"  keyring: /k.gpg\n";
	static const char dup[] =
		"main:\n  family: deb\n  url: http://x\n  suite: s\n  components: [main]\n"
		"  keyring: /k.gpg\nmain:\n  family: deb\n";

	if (fails_with(targets_ok, ph, modules_ok, "repos.yml", "4:10",
		       "'suite' has an unknown placeholder in '{codname}'"))
		return 1;
	if (fails_with(targets_ok, nokey, modules_ok, "repos.yml", "1:1",
		       "repo 'main' needs 'keyring' or 'key_url'"))
		return 1;
	if (fails_with(targets_ok, fpr, modules_ok, "repos.yml", "7:16",
		       "'fingerprint' must be the 40 hex digits"))
		return 1;
	if (fails_with(targets_ok, url, modules_ok, "repos.yml", "3:8",
		       "'url' must be an http://, https:// or file:/// URL"))
		return 1;
	return fails_with(targets_ok, dup, modules_ok, "repos.yml", "7:1",
			  "duplicate key 'main' (first at line 1 column 1)");
}

static int test_module_errors_in_modules_yml_are_rejected(void)
{
	static const char tgt[] = "db:\n  deb: [x]\n  targets:\n    t9: [y]\n";
	static const char name[] = "db:\n  deb:\n    - ok\n    - \"bad name\"\n";
	static const char none[] = "db:\n  description: nothing\n";
	static const char key[] = "db:\n  debs: [x]\n";

	if (fails_with(targets_ok, repos_ok, tgt, "modules.yml", "4:5",
		       "unknown target 't9' in 'targets' of module 'db'"))
		return 1;
	if (fails_with(targets_ok, repos_ok, name, "modules.yml", "4:7",
		       "invalid package name 'bad name'"))
		return 1;
	if (fails_with(targets_ok, repos_ok, none, "modules.yml", "1:1",
		       "module 'db' has no package list"))
		return 1;
	return fails_with(targets_ok, repos_ok, key, "modules.yml", "2:3",
			  "unknown key 'debs' in module 'db' (known keys: description, deb, "
			  "rpm, targets)");
}

static int test_missing_recipes_file_says_which_and_how_to_point_elsewhere(void)
{
	struct recipes rc;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64];

	CHECK(load_set(targets_ok, NULL, modules_ok, &rc, &err, dir, sizeof(dir)) == -1);
	util_rm_rf(dir, &ignored);
	CHECKF(strstr(err.msg, "lacks repos.yml") && strstr(err.msg, "PGBUNDLE_RECIPES"), "%s",
	       err.msg);
	return 0;
}

static int test_real_el_pins_differ_per_release_and_arch(void)
{
	struct recipes rc;
	const struct recipe_repo *epel, *pgdg;

	CHECK(load_real(&rc) == 0);
	epel = recipes_repo(&rc, "epel");
	pgdg = recipes_repo(&rc, "pgdg-yum");
	CHECK(epel && pgdg);
	CHECK(!strcmp(recipes_repo_fingerprint(epel, recipes_target(&rc, "el9"), "x86_64"),
		      "FF8AD1344597106ECE813B918A3872BF3228467C"));
	CHECK(!strcmp(recipes_repo_fingerprint(epel, recipes_target(&rc, "el8"), "aarch64"),
		      "94E279EB8D8F25B21810ADF121EA45AB2F86D6A1"));
	CHECK(!strcmp(recipes_repo_fingerprint(pgdg, recipes_target(&rc, "el9"), "aarch64"),
		      "B031F89FC983E98262906B6E177B343BB9738825"));
	CHECK(!epel->metadata_signed && pgdg->metadata_signed);
	CHECK(recipes_target(&rc, "el8")->modules_disable.n == 1 &&
	      !strcmp(recipes_target(&rc, "el8")->baseline_groups.v[0], "core"));
	recipes_free(&rc);
	return 0;
}

static int test_fingerprint_mapping_values_are_checked(void)
{
	/* The small valid set's rpm repo, last in repos_ok, gets a bad pin. */
	char *repos = xasprintf("%s  fingerprint:\n    \"9\": 1234\n", repos_ok);
	struct recipes rc;
	struct pgb_err err = { { 0 } }, ignored;
	char dir[64];

	CHECK(load_set(targets_ok, repos, modules_ok, &rc, &err, dir, sizeof(dir)) == -1);
	util_rm_rf(dir, &ignored);
	free(repos);
	CHECKF(strstr(err.msg, "repos.yml:12:") && strstr(err.msg, "40 hex digits"), "%s",
	       err.msg);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_real_recipes_load_every_target);
	T_RUN(&s, test_debian_repos_use_mirror_keys_and_no_host);
	T_RUN(&s, test_pgsql_for_d12_and_pg15_gives_postgresql_15);
	T_RUN(&s, test_two_majors_give_both_and_plain_names_once);
	T_RUN(&s, test_pgdg_apt_is_every_deb_targets_pgdg_side_pinned_with_per_major_components);
	T_RUN(&s, test_target_list_overrides_the_family_list);
	T_RUN(&s, test_module_errors_name_module_and_target);
	T_RUN(&s, test_module_without_list_for_the_family_is_an_error);
	T_RUN(&s, test_empty_target_list_means_unavailable_and_points_at_it);
	T_RUN(&s, test_templates_expand_known_placeholders_only);
	T_RUN(&s, test_package_name_check_allows_pg_placeholder_only);
	T_RUN(&s, test_small_valid_set_loads);
	T_RUN(&s, test_unknown_key_in_a_target_is_rejected);
	T_RUN(&s, test_target_with_unknown_upstream_is_rejected);
	T_RUN(&s, test_target_with_upstream_of_other_family_is_rejected);
	T_RUN(&s, test_target_pgdg_list_of_unknown_or_other_family_repo_is_rejected);
	T_RUN(&s, test_wrong_types_and_values_in_targets_are_rejected);
	T_RUN(&s, test_deb_target_needs_a_codename);
	T_RUN(&s, test_repo_errors_name_file_line_and_key);
	T_RUN(&s, test_module_errors_in_modules_yml_are_rejected);
	T_RUN(&s, test_missing_recipes_file_says_which_and_how_to_point_elsewhere);
	T_RUN(&s, test_real_el_pins_differ_per_release_and_arch);
	T_RUN(&s, test_fingerprint_mapping_values_are_checked);
	return t_done(&s);
}
