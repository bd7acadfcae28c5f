/* test_pkgdiff.c - what changed between two package sets: upgrades and
 * downgrades in dpkg's version order (epochs, ~), rebuilds, additions,
 * removals, security suites (from repos.yml, else the upstream's name), the
 * size change; a lock loads as a set. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lock.h"
#include "pkgdiff.h"
#include "unit.h"

static struct pkgset_pkg pkg(const char *name, const char *version, const char *sha,
			     uint64_t size, int security)
{
	struct pkgset_pkg p = { 0 };

	p.name = (char *)name;
	p.version = (char *)version;
	p.arch = "amd64";
	p.sha256 = (char *)sha;
	p.upstream = security ? "debian-security" : "debian";
	p.size = size;
	p.security = security;
	return p;
}

static int test_kinds_versions_security_size(void)
{
	struct pkgset_pkg old[] = { pkg("a", "1.0", "x", 100, 0), pkg("b", "1.0", "x", 100, 0),
				    pkg("c", "2.0", "x", 100, 0), pkg("d", "1.0", "x", 100, 0),
				    pkg("e", "1.0", "x", 100, 0), pkg("gone", "1", "x", 50, 0) };
	struct pkgset_pkg new[] = { pkg("a", "1:0.9", "y", 120, 1), pkg("b", "1.0~rc1", "y", 90, 0),
				    pkg("c", "2.0", "y", 100, 0), pkg("d", "1.0", "x", 100, 0),
				    pkg("e", "1.0+deb12u1", "z", 101, 1), pkg("fresh", "3", "q", 7, 0) };
	struct pkgset a = { 0 }, b = { 0 };
	struct pkgdiff d;
	json_t *j;

	a.pkgs = old;
	a.n = 6;
	a.size = 550;
	b.pkgs = new;
	b.n = 6;
	b.size = 518;
	b.family = "deb";
	pkgdiff_compute(&a, &b, &d);
	CHECKF(d.n == 6, "%zu", d.n);
	CHECK(d.count[PKGDIFF_UPGRADED] == 2 && d.count[PKGDIFF_DOWNGRADED] == 1);
	CHECK(d.count[PKGDIFF_REBUILT] == 1 && d.count[PKGDIFF_ADDED] == 1);
	CHECK(d.count[PKGDIFF_REMOVED] == 1 && d.security == 2 && d.size_change == -32);
	/* by kind, then name: a (epoch wins), e upgraded; b (~ sorts first) down */
	CHECK(d.e[0].kind == PKGDIFF_UPGRADED && !strcmp(d.e[0].new->name, "a"));
	CHECK(d.e[1].kind == PKGDIFF_UPGRADED && !strcmp(d.e[1].new->name, "e"));
	CHECK(d.e[2].kind == PKGDIFF_DOWNGRADED && !strcmp(d.e[2].old->version, "1.0"));
	CHECK(d.e[3].kind == PKGDIFF_REBUILT && !strcmp(d.e[3].new->name, "c"));
	CHECK(d.e[4].kind == PKGDIFF_ADDED && !d.e[4].old);
	CHECK(d.e[5].kind == PKGDIFF_REMOVED && !d.e[5].new);
	a.path = "old";
	a.kind = b.kind = "lock";
	b.path = "new";
	a.name = a.version = a.target = a.arch = a.family = b.name = b.version = b.target =
		b.arch = "x";
	j = pkgdiff_json(&a, &b, &d);
	CHECK(json_integer_value(json_object_get(json_object_get(j, "summary"), "security")) == 2);
	CHECK(json_array_size(json_object_get(j, "upgraded")) == 2);
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j,
			"upgraded"), 0), "new_version")), "1:0.9"));
	json_decref(j);
	pkgdiff_free(&d);
	return 0;
}

static int test_lock_loads_and_security_from_recipes(void)
{
	char path[] = "/tmp/pgb-test-pkgdiff.XXXXXX";
	struct lock_pkg p[2] = {
		{ .name = "z", .version = "1", .arch = "amd64", .size = 10,
		  .sha256 = "1111111111111111111111111111111111111111111111111111111111111111",
		  .upstream = "debian-security", .url = "u", .filename = "f", .requested = 1,
		  .stanza = "s" },
		{ .name = "a", .version = "2", .arch = "all", .size = 5,
		  .sha256 = "2222222222222222222222222222222222222222222222222222222222222222",
		  .upstream = "my-security-mirror", .url = "u", .filename = "f", .stanza = "s" } };
	struct lock l = { .name = "n", .version = "1", .target = "d12", .arch = "amd64",
			  .date = 1700000000, .pkgs = p, .npkgs = 2 };
	struct pgb_err err = { { 0 } };
	struct recipes rc;
	struct pkgset s;
	char *dir = util_path_join(getenv("TOP") ? getenv("TOP") : ".", "recipes");
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	CHECK(lock_write(path, &l, &err) == 0);
	CHECKF(recipes_load(&rc, dir, &err) == 0, "%s", err.msg);
	CHECKF(pkgset_load(&s, path, NULL, &rc, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(s.kind, "lock") && !strcmp(s.family, "deb") && s.n == 2 && s.size == 15);
	CHECK(!strcmp(s.pkgs[0].name, "a") && s.pkgs[0].security);	/* by its name */
	CHECK(!strcmp(s.pkgs[1].name, "z") && s.pkgs[1].security && s.pkgs[1].requested);
	pkgset_free(&s);
	recipes_free(&rc);
	/* Not a lock, not a bundle: the error names the file. */
	CHECK(truncate(path, 0) == 0);
	CHECK(pkgset_load(&s, path, NULL, NULL, &err) < 0 && strstr(err.msg, path));
	unlink(path);
	free(dir);
	return 0;
}

/* Found by tests/fuzz/fuzz_lock.c: a lock whose package sizes add up past
 * INT64_MAX (one package of 9223372036854775807 bytes beside real ones) made
 * the size change a signed overflow (undefined; UBSan stopped `diff`).  Sums
 * and changes saturate now, and the JSON and the printed size stay sane. */
static int test_huge_sizes_saturate(void)
{
	struct pkgset_pkg old[] = { pkg("a", "1", "x", 160948, 0), pkg("b", "1", "x", 17739072, 0) };
	struct pkgset_pkg new[] = { pkg("a", "1", "x", 160948, 0), pkg("b", "2", "x", 205248, 0),
				    pkg("c", "1", "x", INT64_MAX, 0), pkg("d", "1", "x", UINT64_MAX, 0) };
	struct pkgset a = { 0 }, b = { 0 };
	struct pkgdiff d;
	char buf[32];
	json_t *j;

	a.pkgs = old;
	a.n = 2;
	a.size = 160948 + 17739072;
	b.pkgs = new;
	b.n = 4;
	b.size = UINT64_MAX;	/* what the saturating sum gives */
	pkgdiff_compute(&a, &b, &d);
	CHECKF(d.size_change == INT64_MAX, "%lld", (long long)d.size_change);
	CHECK(d.n == 3 && pkgdiff_entry_delta(&d.e[0]) == 205248 - 17739072);
	CHECK(pkgdiff_entry_delta(&d.e[1]) == INT64_MAX && pkgdiff_entry_delta(&d.e[2]) == INT64_MAX);
	pkgdiff_free(&d);
	pkgdiff_compute(&b, &a, &d);
	CHECKF(d.size_change == -INT64_MAX, "%lld", (long long)d.size_change);
	a.path = b.path = "p";
	a.kind = b.kind = "lock";
	a.name = a.version = a.target = a.arch = a.family = b.name = b.version = b.target =
		b.arch = b.family = "x";
	j = pkgdiff_json(&b, &a, &d);
	CHECK(json_integer_value(json_object_get(json_object_get(j, "old"), "size")) == INT64_MAX);
	json_decref(j);
	pkgdiff_free(&d);
	CHECKF(!strcmp(cli_size(buf, sizeof(buf), INT64_MIN, 1), "-8388608.0 TiB"), "%s", buf);
	return 0;
}

int main(void)
{
	struct t_sum sum = { 0, 0 };

	T_RUN(&sum, test_kinds_versions_security_size);
	T_RUN(&sum, test_lock_loads_and_security_from_recipes);
	T_RUN(&sum, test_huge_sizes_saturate);
	return t_done(&sum);
}
