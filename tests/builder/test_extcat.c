/* The extension catalog loader: recipes/extensions.yml read strictly, every
 * error with FILE:LINE:COL, and lookups by name, alias and category. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extcat.h"
#include "unit.h"
#include "util.h"

static const char good[] =
	"vector:\n"
	"  category: RAG\n"
	"  description: vector similarity search\n"
	"  aliases: [pgvector]\n"
	"pg_cron:\n"
	"  category: ADMIN\n"
	"  description: cron jobs inside the server\n"
	"  preload: pg_cron\n"
	"  preload_after: [pg_stat_statements]\n"
	"  settings: [\"cron.database_name=postgres\"]\n"
	"  aliases: [cron]\n"
	"  background: \"the pg_cron launcher\"\n"
	"  templates:\n"
	"    - pgdg-apt:postgresql-{pg}-cron\n"
	"    - pgdg-yum:pg_cron_{pg}\n"
	"  checked: false\n"
	"pg_trgm:\n"
	"  category: FTS\n"
	"  description: trigram matching\n"
	"tsearch_like:\n"
	"  category: FTS\n"
	"  description: an invented second FTS entry\n"
	"  conflicts: [pg_trgm]\n"
	"  exception: \"needs a special database\"\n";

static int load(struct extcat *c, const char *text, struct pgb_err *err)
{
	return extcat_load_mem(c, "ext.yml", text, strlen(text), err);
}

/* Load a one-off text that must fail, and check the message. */
static int fails_with(const char *text, const char *where, const char *what)
{
	struct extcat c;
	struct pgb_err err = {0};

	if (load(&c, text, &err) == 0) {
		fprintf(stderr, "# loaded, expected '%s'\n", what);
		extcat_free(&c);
		return 0;
	}
	if (c.v || c.n) {
		fprintf(stderr, "# catalog not emptied after an error\n");
		return 0;
	}
	if (strncmp(err.msg, where, strlen(where)) || !strstr(err.msg, what)) {
		fprintf(stderr, "# got: %s\n# want: %s...%s\n", err.msg, where, what);
		return 0;
	}
	return 1;
}

static int test_valid_catalog_loads_every_field(void)
{
	struct extcat c;
	struct pgb_err err = {0};
	const struct extcat_entry *e;

	CHECKF(load(&c, good, &err) == 0, "%s", err.msg);
	CHECK(c.n == 4);
	CHECK(!strcmp(c.v[0].name, "pg_cron") && !strcmp(c.v[3].name, "vector"));	/* sorted */
	e = extcat_find(&c, "pg_cron");
	CHECK(e && !strcmp(e->category, "ADMIN"));
	CHECK(e->preload && !strcmp(e->preload, "pg_cron"));
	CHECK(e->preload_after.n == 1 && !strcmp(e->preload_after.v[0], "pg_stat_statements"));
	CHECK(e->settings.n == 1 && !strcmp(e->settings.v[0], "cron.database_name=postgres"));
	CHECK(e->templates.n == 2 && !strcmp(e->templates.v[1], "pgdg-yum:pg_cron_{pg}"));
	CHECK(e->checked == 0);
	CHECK(e->background && !strcmp(e->background, "the pg_cron launcher"));
	CHECK(!strcmp(e->where, "ext.yml:5:1"));
	e = extcat_find(&c, "vector");
	CHECK(e && e->checked == 1 && !e->preload && !e->exception && e->settings.n == 0);
	CHECK(!e->background);
	e = extcat_find(&c, "tsearch_like");
	CHECK(e && e->conflicts.n == 1 && !strcmp(e->conflicts.v[0], "pg_trgm"));
	CHECK(e->exception && !strcmp(e->exception, "needs a special database"));
	extcat_free(&c);
	CHECK(c.v == NULL && c.n == 0);
	return 0;
}

static int test_find_resolves_aliases_and_rejects_unknown_names(void)
{
	struct extcat c;
	struct pgb_err err = {0};

	CHECKF(load(&c, good, &err) == 0, "%s", err.msg);
	CHECK(extcat_find(&c, "pgvector") == extcat_find(&c, "vector"));
	CHECK(extcat_find(&c, "cron") && !strcmp(extcat_find(&c, "cron")->name, "pg_cron"));
	CHECK(extcat_find(&c, "nosuch") == NULL);
	CHECK(extcat_find(&c, "Vector") == NULL);	/* exact, as PostgreSQL names */
	extcat_free(&c);
	return 0;
}

static int test_by_category_lists_in_name_order_and_counts_beyond_max(void)
{
	struct extcat c;
	struct pgb_err err = {0};
	const struct extcat_entry *out[4];

	CHECKF(load(&c, good, &err) == 0, "%s", err.msg);
	CHECK(extcat_by_category(&c, "FTS", out, 4) == 2);
	CHECK(!strcmp(out[0]->name, "pg_trgm") && !strcmp(out[1]->name, "tsearch_like"));
	CHECK(extcat_by_category(&c, "FTS", out, 1) == 2);
	CHECK(extcat_by_category(&c, "FTS", NULL, 0) == 2);
	CHECK(extcat_by_category(&c, "GIS", out, 4) == 0);
	CHECK(extcat_by_category(&c, "fts", out, 4) == 0);
	extcat_free(&c);
	return 0;
}

static int test_unknown_key_fails_at_the_key(void)
{
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  preloads: vector\n",
			 "ext.yml:4:3:", "unknown key 'preloads'"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  exception_pg: [15]\n",
			 "ext.yml:4:18:", "'exception_pg' without 'exception'"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  exception: y\n"
			 "  exception_pg: [fifteen]\n", "ext.yml:5:18:", "takes PostgreSQL majors"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  preload_after: [a]\n",
			 "ext.yml:4:19:", "'preload_after' without 'preload'"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  background: workers\n",
			 "ext.yml:4:15:", "'background' without 'preload'"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  preload: vector\n"
			 "  background: \"\"\n", "ext.yml:5:15:", "'background' must be one non-empty line"));
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  requires: [nosuch]\n",
			 "ext.yml:4:14:", "requirement 'nosuch' of 'a' must be another extension"));
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  requires: [b]\n"
			 "b:\n  category: RAG\n  description: y\n", "ext.yml:4:14:",
			 "requirement 'b' of 'a' has no preload library"));
	CHECK(fails_with("vector:\n  category: RAG\n  description: x\n  preload: vector\n"
			 "  preload_after: [A b]\n", "ext.yml:5:19:", "invalid extension name"));
	return 0;
}

static int test_unknown_category_fails_at_the_value(void)
{
	CHECK(fails_with("vector:\n  category: AI\n  description: x\n",
			 "ext.yml:2:13:", "unknown category 'AI'"));
	return 0;
}

static int test_missing_description_fails_at_the_entry(void)
{
	CHECK(fails_with("vector:\n  category: RAG\n", "ext.yml:2:3:",
			 "missing required key 'description'"));
	return 0;
}

static int test_duplicate_name_fails_at_the_second(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n"
			 "a:\n  category: GIS\n  description: y\n", "ext.yml:4:1:", "'a'"));
	return 0;
}

static int test_alias_equal_to_a_name_fails_at_the_alias(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n"
			 "b:\n  category: GIS\n  description: y\n  aliases: [c, a]\n",
			 "ext.yml:7:16:", "alias 'a' is already an extension at ext.yml:1:1"));
	return 0;
}

static int test_alias_claimed_twice_fails_at_the_second(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  aliases: [z]\n"
			 "b:\n  category: GIS\n  description: y\n  aliases: [z]\n",
			 "ext.yml:", "alias 'z' is already an alias at ext.yml:"));
	return 0;
}

static int test_conflict_with_unknown_extension_fails_at_the_item(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  conflicts: [nosuch]\n",
			 "ext.yml:4:15:", "conflict 'nosuch' of 'a'"));
	return 0;
}

static int test_templates_need_known_upstream_and_checked_false(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n"
			 "  templates: [\"debian:a\"]\n  checked: false\n",
			 "ext.yml:4:15:", "UPSTREAM one of pgdg-apt"));
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n"
			 "  templates: [\"pgdg-yum:a_{major}\"]\n  checked: false\n",
			 "ext.yml:4:15:", "invalid package name"));
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n"
			 "  templates: [\"pgdg-yum:a_{pg}\"]\n",
			 "ext.yml:1:1:", "must say 'checked: false'"));
	return 0;
}

static int test_bad_values_fail_with_their_position(void)
{
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  settings: [nokey]\n",
			 "ext.yml:4:14:", "must be one line 'name=value'"));
	CHECK(fails_with("A:\n  category: RAG\n  description: x\n", "ext.yml:1:1:",
			 "invalid extension name 'A'"));
	CHECK(fails_with("a: [1]\n", "ext.yml:1:4:", "must be a mapping"));
	CHECK(fails_with("a:\n  category: RAG\n  description: x\n  checked: maybe\n",
			 "ext.yml:4:12:", "checked"));
	CHECK(fails_with("a:\n  category: RAG\n  description: \"two\\nlines\"\n",
			 "ext.yml:3:16:", "one non-empty line"));
	return 0;
}

static int test_load_reads_extensions_yml_of_a_directory(void)
{
	char dir[] = "/tmp/test_extcat.XXXXXX";
	struct extcat c;
	struct pgb_err err = {0};
	char *path;
	int rc;

	CHECK(mkdtemp(dir));
	CHECK(extcat_load(&c, dir, &err) < 0 && c.n == 0);
	CHECKF(strstr(err.msg, "lacks extensions.yml"), "%s", err.msg);
	path = util_path_join(dir, "extensions.yml");
	CHECK(util_write_atomic(path, good, strlen(good), 0644, &err) == 0);
	rc = extcat_load(&c, dir, &err);
	unlink(path);
	free(path);
	rmdir(dir);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(c.n == 4 && strstr(c.v[0].where, "/extensions.yml:5:1"));
	extcat_free(&c);
	return 0;
}

/* The source tree's recipes/ (run.sh runs from the top and exports TOP). */
static char *recipes_dir(void)
{
	const char *top = getenv("TOP");

	return util_path_join(top && *top ? top : ".", "recipes");
}

static int test_real_catalog_loads_with_core_facts(void)
{
	struct extcat c;
	struct pgb_err err = {0};
	char *dir = recipes_dir();
	const struct extcat_entry *e;
	int rc = extcat_load(&c, dir, &err);

	free(dir);
	CHECKF(rc == 0, "%s", err.msg);
	CHECKF(c.n > 150, "only %zu entries", c.n);
	e = extcat_find(&c, "pgvector");
	CHECK(e && !strcmp(e->name, "vector") && !strcmp(e->category, "RAG"));
	e = extcat_find(&c, "postgis-3");
	CHECK(e && !strcmp(e->name, "postgis") && !strcmp(e->category, "GIS"));
	e = extcat_find(&c, "pg_stat_statements");
	CHECK(e && e->preload && !strcmp(e->preload, "pg_stat_statements"));
	e = extcat_find(&c, "pg_sphere");
	CHECK(e && e->exception && extcat_exception_holds(e, 15) && !extcat_exception_holds(e, 17));
	e = extcat_find(&c, "decoderbufs");
	CHECK(e && extcat_exception_holds(e, 13) && extcat_exception_holds(e, 18));
	e = extcat_find(&c, "pg_stat_kcache");
	CHECK(e && e->preload_after.n == 1 && !e->background);
	/* Issue 11: a preloaded pg_auto_failover monitor hangs DROP DATABASE. */
	e = extcat_find(&c, "pgautofailover");
	CHECK(e && e->preload && e->background);
	e = extcat_find(&c, "pglogical_ticker");
	CHECK(e && e->requires.n == 1 && !strcmp(e->requires.v[0], "pglogical"));
	extcat_free(&c);
	return 0;
}

/* `test_extcat --names DIR`: one line per entry of DIR/extensions.yml,
 * "NAME CHECKED ALIAS...", for tests/e2e/41-ext-catalog.sh to compare with
 * the Debian archive. */
static int print_names(const char *dir)
{
	struct extcat c;
	struct pgb_err err = {0};

	if (extcat_load(&c, dir, &err) < 0) {
		fprintf(stderr, "test_extcat: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < c.n; i++) {
		printf("%s %d", c.v[i].name, c.v[i].checked);
		for (size_t j = 0; j < c.v[i].aliases.n; j++)
			printf(" %s", c.v[i].aliases.v[j]);
		putchar('\n');
	}
	extcat_free(&c);
	return 0;
}

int main(int argc, char **argv)
{
	struct t_sum s = {0};

	if (argc == 3 && !strcmp(argv[1], "--names"))
		return print_names(argv[2]);

	T_RUN(&s, test_valid_catalog_loads_every_field);
	T_RUN(&s, test_find_resolves_aliases_and_rejects_unknown_names);
	T_RUN(&s, test_by_category_lists_in_name_order_and_counts_beyond_max);
	T_RUN(&s, test_unknown_key_fails_at_the_key);
	T_RUN(&s, test_unknown_category_fails_at_the_value);
	T_RUN(&s, test_missing_description_fails_at_the_entry);
	T_RUN(&s, test_duplicate_name_fails_at_the_second);
	T_RUN(&s, test_alias_equal_to_a_name_fails_at_the_alias);
	T_RUN(&s, test_alias_claimed_twice_fails_at_the_second);
	T_RUN(&s, test_conflict_with_unknown_extension_fails_at_the_item);
	T_RUN(&s, test_templates_need_known_upstream_and_checked_false);
	T_RUN(&s, test_bad_values_fail_with_their_position);
	T_RUN(&s, test_load_reads_extensions_yml_of_a_directory);
	T_RUN(&s, test_real_catalog_loads_with_core_facts);
	return t_done(&s);
}
