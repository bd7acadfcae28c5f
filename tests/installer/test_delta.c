/*
 * test_delta.c - delta bundles on the host (installer/delta.c) and their
 * bundle.json (installer/bundle_meta.c): the base recognized by its package
 * set, the delta completed from it into exactly its index, and every way a
 * base or a delta can be wrong.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "inst.h"
#include "pkgsetid.h"
#include "unit.h"

#define META_HEAD "{\"arch\": \"amd64\", \"codename\": \"bookworm\", \"config\": null," \
	" \"date\": 1700000000, \"extensions\": [], \"family\": \"deb\"," \
	" \"key\": \"7f19d61e88a36c7fa00af3f53f6df431786b9f3e\", \"modules\": [\"pgsql\"]," \
	" \"name\": \"pg\", \"packages\": 2, \"postgres\": [15], \"requested\": [\"a\"]," \
	" \"size\": 10, \"target\": \"d12\", \"version\": \"1.1\""

static char tmp[] = "/tmp/pgbundle-test-delta.XXXXXX";

static char *path(const char *rel)
{
	return util_path_join(tmp, rel);
}

static void put(const char *rel, const char *text)
{
	char *p = path(rel), *dir = xstrdup(p);
	struct pgb_err err;

	*strrchr(dir, '/') = '\0';
	if (util_mkdir_p(dir, 0755, &err) < 0 || util_write_atomic(p, text, strlen(text), 0644, &err) < 0)
		abort();
	free(dir);
	free(p);
}

/* One index stanza for a pool file holding text. */
static void stanza(struct sbuf *ix, const char *name, const char *version, const char *text)
{
	char hex[HASH_HEX_MAX];

	hash_buf_hex(HASH_SHA256, text, strlen(text), hex);
	sbuf_addf(ix, "Package: %s\nVersion: %s\nArchitecture: amd64\nFilename: pool/%s_%s.deb\n"
		  "Size: %zu\nSHA256: %s\n\n", name, version, name, version, strlen(text), hex);
}

/* base/: a 1.0 and b 1.0; new/ (the extracted delta): the index of a 1.0
 * and b 2.0 with only b's file.  Returns the base's package-set identity. */
static void layout(char id[PKGSETID_HEX])
{
	struct sbuf ix = SBUF_INIT;
	struct pgb_err err;

	stanza(&ix, "a", "1.0", "AAAA");
	stanza(&ix, "b", "1.0", "BBBB");
	put("base/dists/pgbundle/main/binary-amd64/Packages", ix.buf);
	put("base/pool/a_1.0.deb", "AAAA");
	put("base/pool/b_1.0.deb", "BBBB");
	if (pkgsetid_of_index(ix.buf, ix.len, "base", id, NULL, &err) < 0)
		abort();
	sbuf_reset(&ix);
	stanza(&ix, "a", "1.0", "AAAA");
	stanza(&ix, "b", "2.0", "BBBB2");
	put("new/dists/pgbundle/main/binary-amd64/Packages", ix.buf);
	put("new/pool/b_2.0.deb", "BBBB2");
	sbuf_free(&ix);
}

static int parse_delta(struct inst_bundle *b, const char *base_id, const char *extra,
		       struct pgb_err *err)
{
	char *json = xasprintf(META_HEAD ", \"format\": 2, \"packages_id\": \"%s\", \"delta\": "
			       "{\"base\": {\"name\": \"pg\", \"version\": \"1.0\", \"date\": 1690000000, "
			       "\"packages\": 2, \"size\": 8, \"packages_id\": \"%s\"}, \"packages\": 1, "
			       "\"size\": 5, \"pool\": [\"pool/b_2.0.deb\"]}%s}",
			       base_id, base_id, extra);
	int rc = inst_bundle_parse(b, json, strlen(json), "t.json", err);

	free(json);
	return rc;
}

static void reset(void)
{
	struct pgb_err err;

	util_rm_rf(tmp, &err);
	mkdir(tmp, 0700);
}

static int test_bundle_json_of_a_delta_names_its_base(void)
{
	struct inst_bundle b;
	struct pgb_err err;
	char id[PKGSETID_HEX] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char *top;

	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	CHECK(b.delta && !strcmp(b.delta->base_version, "1.0") && !strcmp(b.delta->base_id, id));
	CHECK(b.delta->npackages == 1 && b.delta->size == 5 && b.delta->pool.n == 1);
	top = inst_delta_base_top(&b);
	CHECK(!strcmp(top, "pg-1.0.d12.amd64"));
	free(top);
	inst_bundle_free(&b);
	return 0;
}

static int test_format_2_without_delta_and_delta_in_format_1_are_refused(void)
{
	static const char f2[] = META_HEAD ", \"format\": 2}";
	static const char f1[] = META_HEAD ", \"format\": 1, \"delta\": {}}";
	struct inst_bundle b;
	struct pgb_err err;

	CHECK(inst_bundle_parse(&b, f2, strlen(f2), "t.json", &err) < 0 && strstr(err.msg, "\"delta\""));
	inst_bundle_free(&b);
	CHECK(inst_bundle_parse(&b, f1, strlen(f1), "t.json", &err) < 0 && strstr(err.msg, "\"format\""));
	inst_bundle_free(&b);
	return 0;
}

static int test_completes_the_delta_from_its_base_by_links(void)
{
	struct inst_bundle b;
	struct pgb_err err;
	char id[PKGSETID_HEX], *a = path("new/pool/a_1.0.deb"), *base_a = path("base/pool/a_1.0.deb");
	char *base = path("base"), *tree = path("new"), *stale = path("new/pool/b_1.0.deb");
	struct stat s1, s2;
	int rc = 1;

	reset();
	layout(id);
	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	if (inst_delta_base_check(&b, base, &err) == 0 &&
	    inst_delta_complete(&b, tree, base, 0, NULL, &err) == 0 &&
	    stat(a, &s1) == 0 && stat(base_a, &s2) == 0 && s1.st_ino == s2.st_ino && !util_exists(stale))
		rc = 0;
	else
		fprintf(stderr, "# %s\n", err.msg);
	inst_bundle_free(&b);
	free(a);
	free(base_a);
	free(base);
	free(tree);
	free(stale);
	return rc;
}

static int test_a_dry_run_checks_the_base_in_place_and_links_nothing(void)
{
	struct inst_bundle b;
	struct pgb_err err;
	char id[PKGSETID_HEX], *a = path("new/pool/a_1.0.deb"), *base = path("base"), *tree = path("new");
	int rc;

	reset();
	layout(id);
	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	rc = inst_delta_complete(&b, tree, base, 1, NULL, &err) == 0 && !util_exists(a) ? 0 : 1;
	inst_bundle_free(&b);
	free(a);
	free(base);
	free(tree);
	return rc;
}

/* With file rel of the layout written as text, completing fails naming frag. */
static int complete_refused(const char *rel, const char *text, const char *frag)
{
	struct inst_bundle b;
	struct pgb_err err = { "" };
	char id[PKGSETID_HEX], *base = path("base"), *tree = path("new");
	int rc;

	reset();
	layout(id);
	put(rel, text);
	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	rc = inst_delta_complete(&b, tree, base, 0, NULL, &err) < 0 && strstr(err.msg, frag) ? 0 : 1;
	if (rc)
		fprintf(stderr, "# %s\n", err.msg);
	inst_bundle_free(&b);
	free(base);
	free(tree);
	return rc;
}

static int test_a_changed_base_file_is_refused_naming_it(void)
{
	return complete_refused("base/pool/a_1.0.deb", "AAAX",
				"base/pool/a_1.0.deb does not match the delta's signed index");
}

static int test_a_pool_file_beyond_the_index_is_refused(void)
{
	return complete_refused("new/pool/evil_1.0.deb", "x",
				"pool/evil_1.0.deb is not in the delta's signed index");
}

static int test_a_base_of_another_set_or_none_is_refused(void)
{
	struct inst_bundle b;
	struct pgb_err err = { "" };
	char id[PKGSETID_HEX], *tree = path("new"), *found = NULL;
	int rc = 1;

	reset();
	layout(id);
	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	/* new/ holds another set; the prefix tmp has no pg-1.0.d12.amd64. */
	if (inst_delta_base_check(&b, tree, &err) < 0 && strstr(err.msg, "holds another package set") &&
	    inst_delta_find_base(&b, tmp, tree, &found, &err) < 0 && !found &&
	    strstr(err.msg, "pg 1.1 is a delta") && strstr(err.msg, "pg-1.0.d12.amd64 does not exist") &&
	    strstr(err.msg, "Install pg-1.0.d12.amd64.run first, or use the full bundle pg-1.1.d12.amd64.run"))
		rc = 0;
	else
		fprintf(stderr, "# %s\n", err.msg);
	inst_bundle_free(&b);
	free(tree);
	return rc;
}

static int test_the_base_is_found_where_apt_points_too(void)
{
	struct inst_bundle b;
	struct pgb_err err = { "" };
	char id[PKGSETID_HEX], *base = path("base"), *found = NULL;
	int rc;

	reset();
	layout(id);
	CHECKF(parse_delta(&b, id, "", &err) == 0, "%s", err.msg);
	rc = inst_delta_find_base(&b, tmp, base, &found, &err) == 0 && found && !strcmp(found, base)
	     ? 0 : 1;
	inst_bundle_free(&b);
	free(found);
	free(base);
	return rc;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;

	if (!mkdtemp(tmp))
		return 1;
	T_RUN(&s, test_bundle_json_of_a_delta_names_its_base);
	T_RUN(&s, test_format_2_without_delta_and_delta_in_format_1_are_refused);
	T_RUN(&s, test_completes_the_delta_from_its_base_by_links);
	T_RUN(&s, test_a_dry_run_checks_the_base_in_place_and_links_nothing);
	T_RUN(&s, test_a_changed_base_file_is_refused_naming_it);
	T_RUN(&s, test_a_pool_file_beyond_the_index_is_refused);
	T_RUN(&s, test_a_base_of_another_set_or_none_is_refused);
	T_RUN(&s, test_the_base_is_found_where_apt_points_too);
	util_rm_rf(tmp, &err);
	return t_done(&s);
}
