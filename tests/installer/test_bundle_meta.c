/*
 * test_bundle_meta.c - bundle.json into struct inst_bundle
 * (installer/bundle_meta.c).
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "unit.h"

static const char good[] =
	"{\"arch\": \"amd64\", \"codename\": \"bookworm\", \"config\": \"config/singleton.yml\","
	" \"date\": 1700000000, \"extensions\": [\"postgis\", \"vector\"],"
	" \"extension_info\": {\"pg_stat_kcache\": {\"preload\": \"pg_stat_kcache\","
	" \"preload_after\": [\"pg_stat_statements\"]}, \"pg_cron\": {\"preload\": \"pg_cron\","
	" \"settings\": [\"cron.database_name=postgres\"], \"exception\": \"one database\", \"exception_pg\": [15],"
	" \"background\": \"a launcher\"},"
	" \"postgis-3\": {\"catalog\": \"postgis\"}, \"mimeo\": {\"conflicts\": [\"pg_partman\"],"
	" \"requires\": [\"dblink\"]}},"
	" \"family\": \"deb\","
	" \"format\": 1, \"key\": \"7f19d61e88a36c7fa00af3f53f6df431786b9f3e\","
	" \"modules\": [\"pgsql\", \"pgbouncer\"], \"name\": \"pg\", \"packages\": 120,"
	" \"postgres\": [16, 17], \"requested\": [\"postgresql-16\", \"postgresql-17\"],"
	" \"size\": 123456789, \"target\": \"d12\", \"version\": \"1.0\"}";

/* good with the text `from` replaced by `to`. */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	struct sbuf b = SBUF_INIT;

	if (!at)
		abort();
	sbuf_add(&b, good, (size_t)(at - good));
	sbuf_adds(&b, to);
	sbuf_adds(&b, at + strlen(from));
	return sbuf_detach(&b, NULL);
}

static int refused_with(const char *from, const char *to, const char *frag)
{
	struct inst_bundle b;
	struct pgb_err err = { "" };
	char *text = variant(from, to);
	int rc = inst_bundle_parse(&b, text, strlen(text), "t.json", &err);

	free(text);
	if (rc == 0 || b.name || !strstr(err.msg, "t.json") || !strstr(err.msg, frag)) {
		fprintf(stderr, "# %s -> %s: rc %d: %s\n", from, to, rc, err.msg);
		inst_bundle_free(&b);
		return 0;
	}
	inst_bundle_free(&b);
	return 1;
}

static int test_parses_every_field_of_a_builder_bundle_json(void)
{
	struct inst_bundle b;
	struct pgb_err err;

	CHECKF(inst_bundle_parse(&b, good, strlen(good), "t.json", &err) == 0, "%s", err.msg);
	CHECK(!strcmp(b.name, "pg") && !strcmp(b.version, "1.0") && !strcmp(b.target, "d12"));
	CHECK(!strcmp(b.family, "deb") && !strcmp(b.codename, "bookworm") &&
	      !strcmp(b.arch, "amd64"));
	CHECK(b.npostgres == 2 && b.postgres[0] == 16 && b.postgres[1] == 17);
	CHECK(b.requested.n == 2 && !strcmp(b.requested.v[1], "postgresql-17"));
	CHECK(b.extensions.n == 2 && b.modules.n == 2 && !strcmp(b.modules.v[1], "pgbouncer"));
	CHECK(!strcmp(b.key_fpr, "7F19D61E88A36C7FA00AF3F53F6DF431786B9F3E"));
	CHECK(!strcmp(b.config, "config/singleton.yml"));
	CHECK(b.size == 123456789 && b.npackages == 120 && b.date == 1700000000);
	inst_bundle_free(&b);
	inst_bundle_free(&b);
	return 0;
}

static int test_config_may_be_absent_and_codename_empty(void)
{
	struct inst_bundle b;
	struct pgb_err err;
	char *t1 = variant("\"config\": \"config/singleton.yml\",", "");
	char *t2 = variant("\"bookworm\"", "\"\"");

	CHECKF(inst_bundle_parse(&b, t1, strlen(t1), "t.json", &err) == 0, "%s", err.msg);
	CHECK(b.config == NULL);
	inst_bundle_free(&b);
	CHECKF(inst_bundle_parse(&b, t2, strlen(t2), "t.json", &err) == 0, "%s", err.msg);
	CHECK(!strcmp(b.codename, ""));
	inst_bundle_free(&b);
	free(t1);
	free(t2);
	return 0;
}

static int test_refuses_bad_json_other_formats_and_missing_keys(void)
{
	CHECK(refused_with("{", "[", "not valid JSON"));
	CHECK(refused_with("\"format\": 1", "\"format\": 2", "format 2"));
	CHECK(refused_with("\"format\": 1,", "", "\"format\""));
	CHECK(refused_with("\"name\": \"pg\",", "", "\"name\""));
	CHECK(refused_with("[16, 17]", "[]", "\"postgres\""));
	CHECK(refused_with("[16, 17]", "[\"16\"]", "\"postgres\""));
	CHECK(refused_with("\"packages\": 120", "\"packages\": -1", "\"packages\""));
	CHECK(refused_with("7f19d61e", "zz19d61e", "\"key\""));
	CHECK(refused_with("\"name\": \"pg\",", "\"name\": \"pg\", \"name\": \"x\",", "duplicate"));
	return 0;
}

static int test_parses_extension_info_and_finds_by_name_or_catalog_name(void)
{
	struct inst_bundle b;
	struct pgb_err err = { "" };
	const struct inst_ext_info *e;

	CHECKF(inst_bundle_parse(&b, good, strlen(good), "t.json", &err) == 0, "%s", err.msg);
	CHECK(b.n_ext == 4);
	e = inst_bundle_ext(&b, "pg_stat_kcache");
	CHECK(e && !strcmp(e->preload, "pg_stat_kcache") && e->preload_after.n == 1 &&
	      !strcmp(e->preload_after.v[0], "pg_stat_statements"));
	e = inst_bundle_ext(&b, "pg_cron");
	CHECK(e && e->settings.n == 1 && !strcmp(e->exception, "one database"));
	CHECK(e->background && !strcmp(e->background, "a launcher"));
	CHECK(inst_ext_exception_holds(e, 15) && !inst_ext_exception_holds(e, 17));
	e = inst_bundle_ext(&b, "postgis");
	CHECK(e && !strcmp(e->name, "postgis-3") && !strcmp(inst_ext_sql_name(e), "postgis"));
	e = inst_bundle_ext(&b, "mimeo");
	CHECK(e && e->conflicts.n == 1 && !e->preload && !e->catalog && !e->background);
	CHECK(e->requires.n == 1 && !strcmp(e->requires.v[0], "dblink"));
	CHECK(!inst_bundle_ext(&b, "vector"));
	inst_bundle_free(&b);
	return 0;
}

static int test_refuses_damaged_extension_info(void)
{
	CHECK(refused_with("\"preload\": \"pg_cron\"", "\"preload\": \"pg_cron,x\"",
			   "extension_info.pg_cron.preload"));
	CHECK(refused_with("cron.database_name=postgres", "cron.database_name",
			   "extension_info.pg_cron.settings[0]"));
	CHECK(refused_with("cron.database_name=postgres", "x=1\\nshared_preload_libraries=evil",
			   "extension_info.pg_cron.settings[0]"));
	CHECK(refused_with("\"mimeo\": {", "\"../mimeo\": {", "extension_info has an entry"));
	CHECK(refused_with("\"a launcher\"", "\"a\\nlauncher\"", "extension_info.pg_cron.background"));
	CHECK(refused_with("[\"pg_partman\"]", "\"pg_partman\"", "not an array"));
	CHECK(refused_with("\"exception_pg\": [15]", "\"exception_pg\": [\"15\"]",
			   "exception_pg[0]"));
	return 0;
}

static int test_parses_each_majors_packages_and_refuses_an_unknown_major(void)
{
	static const char pp[] = "\"postgres\": [16, 17], \"postgres_packages\": {\"16\": "
				 "[\"postgresql-16\"], \"17\": [\"postgresql-17\", "
				 "\"postgresql-17-pgvector\"]}, ";
	char *text = variant("\"postgres\": [16, 17], ", pp);
	struct inst_bundle b;
	struct pgb_err err = { "" };
	int rc = inst_bundle_parse(&b, text, strlen(text), "t.json", &err);

	free(text);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(b.major_packages.n == 3 && !strcmp(b.major_packages.v[0], "16:postgresql-16") &&
	      !strcmp(b.major_packages.v[2], "17:postgresql-17-pgvector"));
	inst_bundle_free(&b);
	/* Optional: a bundle without it has none. */
	CHECK(inst_bundle_parse(&b, good, strlen(good), "t.json", &err) == 0);
	CHECK(b.major_packages.n == 0);
	inst_bundle_free(&b);
	CHECK(refused_with("\"postgres\": [16, 17], ",
			   "\"postgres\": [16, 17], \"postgres_packages\": {\"15\": [\"x\"]}, ",
			   "postgres_packages"));
	CHECK(refused_with("\"postgres\": [16, 17], ",
			   "\"postgres\": [16, 17], \"postgres_packages\": {\"16\": [1]}, ",
			   "postgres_packages"));
	CHECK(refused_with("\"postgres\": [16, 17], ",
			   "\"postgres\": [16, 17], \"postgres_packages\": {\"16x\": []}, ",
			   "postgres_packages"));
	return 0;
}

static int test_refuses_strings_that_could_leave_a_directory(void)
{
	CHECK(refused_with("\"name\": \"pg\"", "\"name\": \"../pg\"", "\"name\""));
	CHECK(refused_with("\"version\": \"1.0\"", "\"version\": \"1/0\"", "\"version\""));
	CHECK(refused_with("\"target\": \"d12\"", "\"target\": \".hidden\"", "\"target\""));
	CHECK(refused_with("config/singleton.yml", "/etc/passwd", "\"config\""));
	CHECK(refused_with("config/singleton.yml", "config/../../x", "\"config\""));
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_parses_every_field_of_a_builder_bundle_json);
	T_RUN(&s, test_config_may_be_absent_and_codename_empty);
	T_RUN(&s, test_refuses_bad_json_other_formats_and_missing_keys);
	T_RUN(&s, test_refuses_strings_that_could_leave_a_directory);
	T_RUN(&s, test_parses_extension_info_and_finds_by_name_or_catalog_name);
	T_RUN(&s, test_refuses_damaged_extension_info);
	T_RUN(&s, test_parses_each_majors_packages_and_refuses_an_unknown_major);
	return t_done(&s);
}
