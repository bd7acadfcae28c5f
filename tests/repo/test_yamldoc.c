/* test_yamldoc.c - YAML loading: typed access, strictness, FILE:LINE:COL errors. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"
#include "yamldoc.h"

/* Load text as "t.yml"; returns the doc or NULL with err filled. */
static struct yamldoc *load(const char *text, struct pgb_err *err)
{
	struct yamldoc *d = NULL;

	memset(err, 0, sizeof(*err));
	if (yamldoc_load_mem(&d, "t.yml", text, strlen(text), err) < 0)
		return NULL;
	return d;
}

static const struct yamldoc_node *root_of(struct yamldoc *d)
{
	const struct yamldoc_node *r = NULL;
	struct pgb_err err;

	if (yamldoc_root(d, "the test file", &r, &err) < 0)
		return NULL;
	return r;
}

static int test_typed_getters_read_every_kind(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r, *m;
	struct strlist l = STRLIST_INIT;
	struct pgb_err err;
	char *s = NULL;
	int i = 0, b = 0;

	d = load("name: pg\ncount: 42\nneg: -7\non: Yes\nlist: [a, b]\nmap: {k: v}\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(r);
	CHECK(yamldoc_get_str(d, r, "name", YAMLDOC_REQUIRED, &s, &err) == 1);
	CHECK(!strcmp(s, "pg"));
	CHECK(yamldoc_get_int(d, r, "count", 0, &i, &err) == 1 && i == 42);
	CHECK(yamldoc_get_int(d, r, "neg", 0, &i, &err) == 1 && i == -7);
	CHECK(yamldoc_get_bool(d, r, "on", 0, &b, &err) == 1 && b == 1);
	CHECK(yamldoc_get_strlist(d, r, "list", 0, &l, NULL, &err) == 1);
	CHECK(l.n == 2 && !strcmp(l.v[0], "a") && !strcmp(l.v[1], "b"));
	CHECK(yamldoc_get_map(d, r, "map", 0, &m, &err) == 1);
	CHECK(!strcmp(yamldoc_scalar(yamldoc_map_get(d, m, "k")), "v"));
	CHECK(yamldoc_len(r) == 6);
	CHECK(!strcmp(yamldoc_scalar(yamldoc_key(d, r, 0)), "name"));
	free(s);
	strlist_free(&l);
	yamldoc_free(d);
	return 0;
}

static int test_absent_and_null_keys_keep_the_default(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r;
	struct pgb_err err;
	char *s = xstrdup("default");
	int i = 5;

	d = load("a: 1\nempty:\ntilde: ~\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(yamldoc_get_str(d, r, "nope", 0, &s, &err) == 0);
	CHECK(yamldoc_get_str(d, r, "empty", 0, &s, &err) == 0);
	CHECK(yamldoc_get_int(d, r, "tilde", 0, &i, &err) == 0);
	CHECK(!strcmp(s, "default") && i == 5);
	free(s);
	yamldoc_free(d);
	return 0;
}

static int test_missing_required_key_points_at_the_mapping(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r;
	struct pgb_err err;
	char *s = NULL;

	d = load("# comment\nname: x\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(yamldoc_get_str(d, r, "target", YAMLDOC_REQUIRED, &s, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:2:1: missing required key 'target'"), "%s", err.msg);
	CHECK(!s);
	yamldoc_free(d);
	d = load("target:\n", &err);
	r = root_of(d);
	CHECK(yamldoc_get_str(d, r, "target", YAMLDOC_REQUIRED, &s, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:1:8: 'target' has no value"), "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_unclosed_bracket_is_a_syntax_error_with_line_and_column(void)
{
	struct pgb_err err;
	struct yamldoc *d = load("a: 1\nb: [x, y\nc: 2\n", &err);

	CHECK(!d);
	CHECKF(strstr(err.msg, "t.yml:3:2: YAML syntax error: did not find expected ',' or ']'"),
	       "%s", err.msg);
	CHECKF(strstr(err.msg, "line 2 column 4"), "%s", err.msg);
	return 0;
}

static int test_braces_in_a_flow_list_hint_at_quoting(void)
{
	struct pgb_err err;
	struct yamldoc *d = load("ext: [postgresql-{pg}-cron]\n", &err);

	CHECK(!d);
	CHECKF(strstr(err.msg, "t.yml:1:") && strstr(err.msg, "must be quoted"), "%s", err.msg);
	d = load("ext: [\"postgresql-{pg}-cron\"]\n", &err);
	CHECKF(d, "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_duplicate_key_is_rejected_naming_both_lines(void)
{
	struct pgb_err err;
	struct yamldoc *d = load("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n", &err);

	CHECK(!d);
	CHECKF(strstr(err.msg, "t.yml:5:3: duplicate key 'x' (first at line 3 column 3)"), "%s",
	       err.msg);
	return 0;
}

static int test_non_scalar_key_is_rejected(void)
{
	struct pgb_err err;
	struct yamldoc *d = load("? [a, b]\n: 1\n", &err);

	CHECK(!d);
	CHECKF(strstr(err.msg, "t.yml:1:3: a key must be a plain name, got a list"), "%s",
	       err.msg);
	return 0;
}

static int test_empty_and_null_keys_are_rejected(void)
{
	static const char *const cases[][2] = {
		{ "a: 1\n? \n: 2\n", "t.yml:2:2: a key is empty; write the key's name before the ':'" },
		{ "&id : x\n", "t.yml:1:1: a key is empty" },
		{ "m: {'': 1}\n", "t.yml:1:5: a key is empty" },
		{ "~: 1\n", "t.yml:1:1: key '~' is YAML's null, not a name; write the key's name, "
			    "quoted if it is '~'" },
		{ "a:\n  null: 1\n", "t.yml:2:3: key 'null' is YAML's null" },
	};
	struct pgb_err err;
	struct yamldoc *d;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = load(cases[i][0], &err);
		CHECKF(!d, "loaded: %s", cases[i][0]);
		CHECKF(strstr(err.msg, cases[i][1]), "'%s' lacks '%s'", err.msg, cases[i][1]);
	}
	/* a quoted null word is a name */
	d = load("'~': 1\n\"null\": 2\n", &err);
	CHECKF(d, "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_second_document_is_rejected(void)
{
	struct pgb_err err;
	struct yamldoc *d = load("a: 1\n---\nb: 2\n", &err);

	CHECK(!d);
	CHECKF(strstr(err.msg, "t.yml:2:1: a second YAML document"), "%s", err.msg);
	return 0;
}

static int test_aliases_resolve_to_the_anchored_value(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r;
	struct strlist l = STRLIST_INIT;
	struct pgb_err err;

	d = load("base: &pkgs [a, b]\ncopy: *pkgs\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(yamldoc_get_strlist(d, r, "copy", 0, &l, NULL, &err) == 1);
	CHECK(l.n == 2 && !strcmp(l.v[1], "b"));
	strlist_free(&l);
	yamldoc_free(d);
	CHECK(!load("a: *nowhere\n", &err));
	CHECKF(strstr(err.msg, "t.yml:1:4:") && strstr(err.msg, "undefined alias"), "%s", err.msg);
	return 0;
}

static int test_unknown_key_message_lists_the_known_keys(void)
{
	static const char *const known[] = { "name", "version", NULL };
	struct yamldoc *d;
	struct pgb_err err;

	d = load("name: a\n  # indented comment\nversoin: 1\n", &err);
	CHECKF(d, "%s", err.msg);
	CHECK(yamldoc_check_keys(d, root_of(d), known, "the manifest", &err) == -1);
	CHECKF(!strcmp(err.msg, "t.yml:3:1: unknown key 'versoin' in the manifest (known keys: "
		       "name, version)"), "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_integers_are_strict_decimal(void)
{
	static const char *const bad[] = { "015", "+1", "1e3", "0x10", "1.5", "", "-",
					   "99999999999", "-0", " 1", "fifteen" };
	struct yamldoc *d;
	struct pgb_err err;
	char text[64];
	int v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "n: \"%s\"\n", bad[i]);
		d = load(text, &err);
		CHECKF(d, "%s", err.msg);
		v = 99;
		CHECKF(yamldoc_get_int(d, root_of(d), "n", 0, &v, &err) == -1, "accepted '%s'",
		       bad[i]);
		CHECK(v == 99);
		CHECKF(strstr(err.msg, "t.yml:1:4: 'n' must be a whole number"), "%s", err.msg);
		yamldoc_free(d);
	}
	d = load("a: 0\nb: 2147483647\nc: -2147483648\n", &err);
	CHECK(yamldoc_get_int(d, root_of(d), "a", 0, &v, &err) == 1 && v == 0);
	CHECK(yamldoc_get_int(d, root_of(d), "b", 0, &v, &err) == 1 && v == 2147483647);
	CHECK(yamldoc_get_int(d, root_of(d), "c", 0, &v, &err) == 1 && v == -2147483647 - 1);
	yamldoc_free(d);
	return 0;
}

static int test_booleans_are_true_false_yes_no_in_any_case(void)
{
	static const char *const yes[] = { "true", "TRUE", "yes", "Yes" };
	static const char *const no[] = { "false", "False", "no", "NO" };
	static const char *const bad[] = { "maybe", "on", "1", "y" };
	struct yamldoc *d;
	struct pgb_err err;
	char text[64];
	int v;

	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "y: %s\nn: %s\nbad: %s\n", yes[i], no[i], bad[i]);
		d = load(text, &err);
		CHECKF(d, "%s", err.msg);
		CHECK(yamldoc_get_bool(d, root_of(d), "y", 0, &v, &err) == 1 && v == 1);
		CHECK(yamldoc_get_bool(d, root_of(d), "n", 0, &v, &err) == 1 && v == 0);
		CHECKF(yamldoc_get_bool(d, root_of(d), "bad", 0, &v, &err) == -1, "%s", bad[i]);
		CHECKF(strstr(err.msg, "t.yml:3:6: 'bad' must be true or false"), "%s", err.msg);
		yamldoc_free(d);
	}
	return 0;
}

static int test_string_list_rejects_a_scalar_and_nested_items(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r;
	struct strlist l = STRLIST_INIT, where = STRLIST_INIT;
	struct pgb_err err;

	d = load("one: postgis\nnested:\n  - a\n  - [b]\nok:\n  - a\n  - b\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(yamldoc_get_strlist(d, r, "one", 0, &l, NULL, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:1:6: 'one' must be a list"), "%s", err.msg);
	CHECKF(strstr(err.msg, "got 'postgis'"), "%s", err.msg);
	CHECK(yamldoc_get_strlist(d, r, "nested", 0, &l, &where, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:4:5: each item of 'nested'"), "%s", err.msg);
	CHECK(l.n == 0 && where.n == 0);
	CHECK(yamldoc_get_strlist(d, r, "ok", 0, &l, &where, &err) == 1);
	CHECK(where.n == 2 && !strcmp(where.v[0], "t.yml:6:5") && !strcmp(where.v[1], "t.yml:7:5"));
	strlist_free(&l);
	strlist_free(&where);
	yamldoc_free(d);
	return 0;
}

static int test_kind_mismatch_names_what_was_found(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r, *n;
	struct pgb_err err;
	char *s = NULL;

	d = load("s: [a]\nm: [a]\nq: x\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	CHECK(yamldoc_get_str(d, r, "s", 0, &s, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:1:4: 's' must be a string, got a list"), "%s", err.msg);
	CHECK(yamldoc_get_map(d, r, "m", 0, &n, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:2:4: 'm' must be a mapping"), "%s", err.msg);
	CHECK(yamldoc_get_seq(d, r, "q", 0, &n, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:3:4: 'q' must be a list, got 'x'"), "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_root_must_be_a_non_empty_mapping(void)
{
	const struct yamldoc_node *r;
	struct yamldoc *d;
	struct pgb_err err;

	d = load("", &err);
	CHECKF(d, "%s", err.msg);
	CHECK(yamldoc_root(d, "the manifest", &r, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:1:1: the manifest is empty"), "%s", err.msg);
	yamldoc_free(d);
	d = load("\n- a\n", &err);
	CHECK(yamldoc_root(d, "the manifest", &r, &err) == -1);
	CHECKF(strstr(err.msg, "t.yml:2:1: the manifest must be a mapping of keys, got a list"),
	       "%s", err.msg);
	yamldoc_free(d);
	return 0;
}

static int test_invalid_utf8_is_reported_at_its_line(void)
{
	struct pgb_err err;

	CHECK(!load("a: 1\nb: \xff\xfe\n", &err));
	CHECKF(strstr(err.msg, "t.yml:2:4: cannot read YAML"), "%s", err.msg);
	return 0;
}

static int test_load_from_file_names_the_path(void)
{
	char dir[] = "/tmp/yamldoc-test.XXXXXX", *path;
	struct yamldoc *d;
	struct pgb_err err = { { 0 } };

	CHECK(mkdtemp(dir));
	path = util_path_join(dir, "f.yml");
	CHECK(yamldoc_load(&d, path, &err) == -1 && !d);
	CHECKF(strstr(err.msg, path), "%s", err.msg);
	CHECK(util_write_atomic(path, "a: [1\n", 6, 0644, &err) == 0);
	CHECK(yamldoc_load(&d, path, &err) == -1);
	CHECKF(!strncmp(err.msg, path, strlen(path)) && strstr(err.msg, ":2:1: YAML syntax"),
	       "%s", err.msg);
	CHECK(util_write_atomic(path, "a: 1\n", 5, 0644, &err) == 0);
	CHECK(yamldoc_load(&d, path, &err) == 0);
	CHECK(!strcmp(yamldoc_path(d), path));
	yamldoc_free(d);
	CHECK(util_rm_rf(dir, &err) == 0);
	free(path);
	return 0;
}

static int test_node_where_and_got_describe_values(void)
{
	struct yamldoc *d;
	const struct yamldoc_node *r;
	struct pgb_err err;
	char buf[16], *w;

	d = load("key:\n  value-that-is-long\n", &err);
	CHECKF(d, "%s", err.msg);
	r = root_of(d);
	w = yamldoc_node_where(d, yamldoc_map_get(d, r, "key"));
	CHECK(!strcmp(w, "t.yml:2:3"));
	free(w);
	yamldoc_got(yamldoc_map_get(d, r, "key"), buf, sizeof(buf));
	CHECKF(!strcmp(buf, "'value-that...'"), "%s", buf);
	CHECK(!strcmp(yamldoc_got(r, buf, sizeof(buf)), "a mapping"));
	CHECK(!strcmp(yamldoc_got(NULL, buf, sizeof(buf)), "nothing"));
	CHECK(yamldoc_fail(d, r, &err, "x %d", 1) == -1 && !strcmp(err.msg, "t.yml:1:1: x 1"));
	yamldoc_free(d);
	return 0;
}

/* n distinct keys "kI: I", then, when dup_of >= 0, the key of line dup_of + 1 again. */
static char *many_keys(int n, int dup_of)
{
	struct sbuf b = SBUF_INIT;

	for (int i = 0; i < n; i++)
		sbuf_addf(&b, "k%d: %d\n", (i * 7919) % n, i);
	if (dup_of >= 0)
		sbuf_addf(&b, "k%d: again\n", (dup_of * 7919) % n);
	return sbuf_detach(&b, NULL);
}

static int test_duplicates_among_many_keys_name_the_first_repeat(void)
{
	struct pgb_err err;
	char *text = many_keys(5000, 1234);

	CHECK(!load(text, &err));
	CHECKF(strstr(err.msg, "t.yml:5001:1: duplicate key 'k") &&
	       strstr(err.msg, "(first at line 1235 column 1)"), "%s", err.msg);
	free(text);
	text = xstrdup("a: 1\nb: 2\nb: 3\na: 4\n");
	CHECK(!load(text, &err));
	CHECKF(strstr(err.msg, "t.yml:3:1: duplicate key 'b' (first at line 2 column 1)"), "%s",
	       err.msg);
	free(text);
	return 0;
}

/*
 * The duplicate-key check is not quadratic: 100 000 keys take far less than
 * the 4.6 s that 40 000 took when every key was compared with every earlier
 * one (that check needs about 30 s here).  The limit is loose on purpose:
 * this guards the complexity, it is not a benchmark.
 */
static int test_duplicate_check_of_100k_keys_is_not_quadratic(void)
{
	struct yamldoc *d;
	struct pgb_err err;
	char *text = many_keys(100000, -1);
	clock_t t0 = clock();
	double secs;

	d = load(text, &err);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECKF(d, "%s", err.msg);
	CHECKF(secs < 10, "%.1f s of CPU to load 100 000 keys", secs);
	yamldoc_free(d);
	free(text);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_typed_getters_read_every_kind);
	T_RUN(&s, test_absent_and_null_keys_keep_the_default);
	T_RUN(&s, test_missing_required_key_points_at_the_mapping);
	T_RUN(&s, test_unclosed_bracket_is_a_syntax_error_with_line_and_column);
	T_RUN(&s, test_braces_in_a_flow_list_hint_at_quoting);
	T_RUN(&s, test_duplicate_key_is_rejected_naming_both_lines);
	T_RUN(&s, test_duplicates_among_many_keys_name_the_first_repeat);
	T_RUN(&s, test_duplicate_check_of_100k_keys_is_not_quadratic);
	T_RUN(&s, test_non_scalar_key_is_rejected);
	T_RUN(&s, test_empty_and_null_keys_are_rejected);
	T_RUN(&s, test_second_document_is_rejected);
	T_RUN(&s, test_aliases_resolve_to_the_anchored_value);
	T_RUN(&s, test_unknown_key_message_lists_the_known_keys);
	T_RUN(&s, test_integers_are_strict_decimal);
	T_RUN(&s, test_booleans_are_true_false_yes_no_in_any_case);
	T_RUN(&s, test_string_list_rejects_a_scalar_and_nested_items);
	T_RUN(&s, test_kind_mismatch_names_what_was_found);
	T_RUN(&s, test_root_must_be_a_non_empty_mapping);
	T_RUN(&s, test_invalid_utf8_is_reported_at_its_line);
	T_RUN(&s, test_load_from_file_names_the_path);
	T_RUN(&s, test_node_where_and_got_describe_values);
	return t_done(&s);
}
