/*
 * test_resolve.c - libsolv resolution of Debian packages (builder/resolve.c).
 *
 * The fixture universe is described in tests/fixtures/resolve/README.  The
 * last case resolves PostgreSQL and PostGIS against the real bookworm
 * indexes of the mirror the host's apt uses.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "resolve.h"
#include "unit.h"
#include "util.h"

static char *fixture(const char *name)
{
	const char *top = getenv("TOP");

	return xasprintf("%s/tests/fixtures/resolve/%s", top && *top ? top : ".", name);
}

struct fx {
	char *main_path, *updates_path, *status;
	struct resolve_repo repos[2];
};

static void fx_init(struct fx *f)
{
	f->main_path = fixture("main.Packages");
	f->updates_path = fixture("updates.Packages");
	f->status = fixture("status");
	f->repos[0] = (struct resolve_repo){ "debian", f->main_path, NULL, 0 };
	f->repos[1] = (struct resolve_repo){ "debian-updates", f->updates_path, NULL, 0 };
}

static void fx_free(struct fx *f)
{
	free(f->main_path);
	free(f->updates_path);
	free(f->status);
}

static const struct resolve_pkg *find(const struct resolve_pkg *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	return NULL;
}

static int sorted(const struct resolve_pkg *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(p[i - 1].name, p[i].name) > 0)
			return 0;
	return 1;
}

/* Resolve requests on the fixture; returns the resolver's status. */
static int run(const char *const *req, size_t n, int recommends, struct resolve_result *res,
	       struct pgb_err *err)
{
	struct fx f;
	struct resolve_opts o = { "amd64", recommends };
	int rc;

	fx_init(&f);
	rc = resolve_run(f.repos, 2, f.status, req, n, &o, res, err);
	fx_free(&f);
	return rc;
}

static void dump(const struct resolve_result *r)
{
	for (size_t i = 0; i < r->npkgs; i++)
		fprintf(stderr, "#   pkg %s %s %s repo=%d req=%d\n", r->pkgs[i].name,
			r->pkgs[i].version, r->pkgs[i].arch, r->pkgs[i].repo, r->pkgs[i].requested);
	for (size_t i = 0; i < r->nmissing; i++)
		fprintf(stderr, "#   missing %s: %s\n", r->missing[i].request, r->missing[i].reason);
}

static int test_baseline_is_essential_required_apt_and_their_closure(void)
{
	static const char *const want[] = { "apt", "base-files", "dpkg", "gcc-12-base",
					    "libapt-pkg6.0", "libc6", "libgcc-s1", "libzstd1",
					    "tar" };
	struct fx f;
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_pkg *p = NULL;
	size_t n = 0;
	struct pgb_err err = { "" };
	int rc;

	fx_init(&f);
	rc = resolve_baseline(f.repos, 2, &o, &p, &n, &err);
	fx_free(&f);
	CHECKF(rc == 0, "%s", err.msg);
	CHECKF(n == sizeof(want) / sizeof(*want), "%zu packages", n);
	for (size_t i = 0; i < n; i++)
		CHECKF(!strcmp(p[i].name, want[i]), "%zu: %s", i, p[i].name);
	/* apt's Recommends are not part of a minbase install. */
	CHECK(!find(p, n, "ca-certificates"));
	resolve_pkgs_free(p, n);
	return 0;
}

static int test_baseline_takes_the_highest_version_across_repos(void)
{
	struct fx f;
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_pkg *p = NULL;
	size_t n = 0;
	struct pgb_err err = { "" };
	const struct resolve_pkg *libc;
	int rc;

	fx_init(&f);
	rc = resolve_baseline(f.repos, 2, &o, &p, &n, &err);
	fx_free(&f);
	CHECKF(rc == 0, "%s", err.msg);
	libc = find(p, n, "libc6");
	CHECK(libc && !strcmp(libc->version, "2.36-9+deb12u4") && libc->repo == 1);
	CHECK(!strcmp(find(p, n, "dpkg")->version, "1.21.22") && find(p, n, "dpkg")->repo == 0);
	resolve_pkgs_free(p, n);
	return 0;
}

static int test_run_bundles_a_depends_chain_marking_only_the_request(void)
{
	const char *req[] = { "top-a" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 3 && r.nmissing == 0);
	CHECK(!strcmp(r.pkgs[0].name, "leaf-a") && !r.pkgs[0].requested);
	CHECK(!strcmp(r.pkgs[1].name, "mid-a") && !r.pkgs[1].requested);
	CHECK(!strcmp(r.pkgs[1].arch, "all"));
	CHECK(!strcmp(r.pkgs[2].name, "top-a") && r.pkgs[2].requested);
	resolve_result_free(&r);
	return 0;
}

static int test_run_follows_pre_depends(void)
{
	const char *req[] = { "pre-x" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "pre-y") && r.nmissing == 0);
	resolve_result_free(&r);
	return 0;
}

static int test_run_takes_the_first_installable_alternative(void)
{
	const char *req[] = { "alt-user", "alt2-user" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	/* "alt-second | alt-first": apt takes the first, not the first by name. */
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "alt-second"));
	resolve_result_free(&r);
	CHECKF(run(req + 1, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	/* "alt-gone | alt-first": the first does not exist, so the second. */
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "alt-first"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_resolves_a_virtual_package_with_one_provider(void)
{
	const char *req[] = { "virt-one" }, *req2[] = { "need-virt" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].name, "prov-one") && r.pkgs[0].requested);
	CHECK(r.nmissing == 0);
	resolve_result_free(&r);
	CHECKF(run(req2, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "prov-one"));
	CHECK(!find(r.pkgs, r.npkgs, "prov-one")->requested);
	resolve_result_free(&r);
	return 0;
}

static int test_run_virtual_package_with_two_providers_is_missing_naming_both(void)
{
	const char *req[] = { "virt-two" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	CHECK(!strcmp(r.missing[0].request, "virt-two"));
	CHECK(strstr(r.missing[0].reason, "virtual"));
	CHECK(strstr(r.missing[0].reason, "prov-a") && strstr(r.missing[0].reason, "prov-b"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_versioned_depends_takes_the_newer_repo(void)
{
	const char *req[] = { "ver-user" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	const struct resolve_pkg *v;

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	v = find(r.pkgs, r.npkgs, "libver");
	CHECK(r.npkgs == 2 && v && !strcmp(v->version, "2.1") && v->repo == 1);
	resolve_result_free(&r);
	return 0;
}

static int test_run_unsatisfiable_version_is_missing_with_what_is_available(void)
{
	const char *req[] = { "bad-ver" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	const char *why;

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	why = r.missing[0].reason;
	CHECKF(strstr(why, "bad-ver 1.0 depends on libbar (>= 2) but only 1.0 is available"), "%s",
	       why);
	CHECKF(strstr(why, "libsolv: "), "%s", why);
	resolve_result_free(&r);
	return 0;
}

static int test_run_breaks_on_an_installed_package_is_missing_naming_both(void)
{
	const char *req[] = { "breaker" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	CHECK(strstr(r.missing[0].reason, "breaker") && strstr(r.missing[0].reason, "libgcc-s1"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_conflict_inside_the_closure_is_missing_naming_both(void)
{
	const char *req[] = { "pair-user" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	CHECK(strstr(r.missing[0].reason, "pair-x") && strstr(r.missing[0].reason, "pair-y"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_unknown_name_is_missing_naming_the_repos(void)
{
	const char *req[] = { "postgresql-99" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	CHECKF(!strcmp(r.missing[0].reason, "no package or provider named 'postgresql-99' in "
		       "debian, debian-updates"), "%s", r.missing[0].reason);
	resolve_result_free(&r);
	return 0;
}

static int test_run_foreign_architecture_package_is_missing(void)
{
	const char *req[] = { "foreign-only" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 0 && r.nmissing == 1);
	resolve_result_free(&r);
	return 0;
}

static int test_run_failing_requests_do_not_stop_the_others(void)
{
	const char *req[] = { "nosuch", "breaker", "top-a", "bad-ver", "pre-x" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 5, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.nmissing == 3);
	CHECK(!strcmp(r.missing[0].request, "nosuch"));
	CHECK(find(r.pkgs, r.npkgs, "top-a") && find(r.pkgs, r.npkgs, "pre-x"));
	CHECK(r.npkgs == 5 && sorted(r.pkgs, r.npkgs));
	resolve_result_free(&r);
	return 0;
}

static int test_run_follows_recommends_only_when_asked_and_never_suggests(void)
{
	const char *req[] = { "rec-pkg" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].name, "rec-pkg"));
	resolve_result_free(&r);
	CHECKF(run(req, 1, 1, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "rec-extra"));
	CHECK(!find(r.pkgs, r.npkgs, "sug-extra"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_does_not_bundle_what_is_installed(void)
{
	const char *req[] = { "tar", "oldlibc-user" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 2, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	/* A newer libc6 exists, but the installed one is good enough. */
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].name, "oldlibc-user") && r.nmissing == 0);
	resolve_result_free(&r);
	return 0;
}

static int test_run_bundles_a_newer_baseline_package_when_needed(void)
{
	const char *req[] = { "newlibc-user" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	const struct resolve_pkg *libc;

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	libc = find(r.pkgs, r.npkgs, "libc6");
	CHECK(r.npkgs == 2 && libc && !strcmp(libc->version, "2.36-9+deb12u4"));
	CHECK(libc->repo == 1 && !libc->requested);
	resolve_result_free(&r);
	return 0;
}

static int test_run_package_with_only_config_files_left_counts_as_absent(void)
{
	const char *req[] = { "needs-removed" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 2 && find(r.pkgs, r.npkgs, "removed-pkg"));
	resolve_result_free(&r);
	return 0;
}

static int test_run_exact_version_request_takes_that_version_or_lists_the_others(void)
{
	const char *req[] = { "libver=1.0", "libver=9" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 2, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].version, "1.0") && r.pkgs[0].repo == 0);
	CHECK(r.pkgs[0].requested);
	CHECK(r.nmissing == 1 && !strcmp(r.missing[0].request, "libver=9"));
	CHECKF(strstr(r.missing[0].reason, "no version 9 of 'libver'") &&
	       strstr(r.missing[0].reason, "available: 1.0, 2.1"), "%s", r.missing[0].reason);
	resolve_result_free(&r);
	return 0;
}

/* fuzz_packages: a paragraph whose Package and Version are empty gives
 * libsolv a package of the empty name; the request "=" (from a "Package: ="
 * line) then took it.  Requests without a name or a version are refused. */
static int test_run_request_without_name_or_version_is_missing(void)
{
	static const char idx[] =
		"Package:\nVersion:\nArchitecture: all\nFilename: pool/e.deb\nSize: 1\n"
		"SHA256: b2e38d460458b3062d19c265f8b6d831933edf1d463816c692f90f3054dca249\n\n"
		"Package: leaf\nVersion: 1\nArchitecture: all\nFilename: pool/l.deb\nSize: 1\n"
		"SHA256: 849c02927389c47fb97006fa1523faef8c60b23656d4a99ffcdcad3636973ba4\n";
	const char *req[] = { "=", "leaf=", "=1", "leaf" };
	char path[] = "/tmp/test-resolve-empty.XXXXXX";
	int fd = mkstemp(path);
	struct resolve_repo repo = { "debian", path, NULL, 0 };
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	char *status = fixture("status");
	int rc;

	CHECK(fd >= 0 && write(fd, idx, sizeof(idx) - 1) == (ssize_t)(sizeof(idx) - 1));
	close(fd);
	rc = resolve_run(&repo, 1, status, req, 4, &o, &r, &err);
	unlink(path);
	free(status);
	CHECKF(rc == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].name, "leaf"));
	CHECK(r.nmissing == 3);
	for (size_t i = 0; i < r.nmissing; i++)
		CHECKF(strstr(r.missing[i].reason, "is not a package request"), "%s",
		       r.missing[i].reason);
	resolve_result_free(&r);
	return 0;
}

static int test_run_reports_filename_sha256_and_size_of_the_index(void)
{
	const char *req[] = { "leaf-a" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run(req, 1, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 1);
	CHECK(!strcmp(r.pkgs[0].filename, "pool/main/l/leaf-a/leaf-a_0.9_amd64.deb"));
	CHECK(!strcmp(r.pkgs[0].sha256,
		      "8ed0ce6347857b7ad68bedc6b7f3f1d6c21a1ef280f0a685f16afcb39315ab4e"));
	CHECK(r.pkgs[0].size == 6003 && !strcmp(r.pkgs[0].arch, "amd64"));
	resolve_result_free(&r);
	return 0;
}

static int cache_run(const char *cache, const char *packages, struct resolve_result *r,
		     struct pgb_err *err)
{
	struct fx f;
	struct resolve_opts o = { "amd64", 0 };
	const char *req[] = { "top-a" };
	int rc;

	fx_init(&f);
	f.repos[0].solv_cache = cache;
	if (packages)
		f.repos[0].packages_path = packages;
	rc = resolve_run(f.repos, 2, f.status, req, 1, &o, r, err);
	fx_free(&f);
	return rc;
}

/* --- two sides: a distribution and a PGDG-like repository (priorities) --- */

/* main + dist-pg (the distribution, priority dist) and pgdg (priority pgdg). */
static int run_sides(const char *const *req, size_t n, int dist, int pgdg,
		     struct resolve_result *res, struct pgb_err *err)
{
	struct fx f;
	struct resolve_opts o = { "amd64", 0 };
	char *dpath = fixture("dist-pg.Packages"), *ppath = fixture("pgdg.Packages");
	struct resolve_repo repos[3];
	int rc;

	fx_init(&f);
	repos[0] = (struct resolve_repo){ "debian", f.main_path, NULL, dist };
	repos[1] = (struct resolve_repo){ "debian-pg", dpath, NULL, dist };
	repos[2] = (struct resolve_repo){ "pgdg-apt", ppath, NULL, pgdg };
	rc = resolve_run(repos, 3, f.status, req, n, &o, res, err);
	fx_free(&f);
	free(dpath);
	free(ppath);
	return rc;
}

static int from(const struct resolve_result *r, const char *name, const char *version, int repo)
{
	const struct resolve_pkg *p = find(r->pkgs, r->npkgs, name);

	return p && !strcmp(p->version, version) && p->repo == repo;
}

static int test_priority_prefers_the_higher_repo_over_a_newer_version(void)
{
	const char *req[] = { "pg-server-15", "pg-pooler" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	const struct resolve_pkg *p;

	CHECKF(run_sides(req, 2, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.nmissing == 0);
	CHECK(from(&r, "pg-server-15", "15.5-0+deb12u1", 1));
	CHECK(from(&r, "pg-pooler", "1.18.0-1", 1));
	CHECK(from(&r, "pg-common", "248", 1));
	p = find(r.pkgs, r.npkgs, "pg-pooler");
	CHECKF(p->why && !strcmp(p->why, "preferred over pgdg-apt's 1.23.1-1.pgdg120+1"), "%s",
	       p->why ? p->why : "(null)");
	resolve_result_free(&r);
	return 0;
}

static int test_priority_yields_where_a_dependency_needs_the_other_repo(void)
{
	const char *req[] = { "pg-server-15", "pg-server-16", "pg-pooler" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	const struct resolve_pkg *p;

	CHECKF(run_sides(req, 3, 1, 0, &r, &err) == 0, "%s", err.msg);
	dump(&r);
	CHECK(r.nmissing == 0);
	/* 15 stays the distribution's, 16 exists only in PGDG and pulls its
	 * newer common package; the pooler stays the distribution's. */
	CHECK(from(&r, "pg-server-15", "15.5-0+deb12u1", 1));
	CHECK(from(&r, "pg-server-16", "16.4-1.pgdg120+1", 2));
	CHECK(from(&r, "pg-pooler", "1.18.0-1", 1));
	CHECK(from(&r, "pg-common", "262.pgdg120+1", 2));
	p = find(r.pkgs, r.npkgs, "pg-common");
	CHECKF(p->why && !strcmp(p->why, "not debian-pg's 248: pg-server-16 16.4-1.pgdg120+1 "
				 "depends on pg-common (>= 252~)"), "%s", p->why ? p->why : "(null)");
	/* Only one side has it: nothing to explain. */
	CHECK(!find(r.pkgs, r.npkgs, "pg-server-16")->why);
	resolve_result_free(&r);
	return 0;
}

static int test_priority_flipped_takes_pgdg_where_it_has_the_package(void)
{
	const char *req[] = { "pg-server-15", "pg-pooler" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run_sides(req, 2, 0, 1, &r, &err) == 0, "%s", err.msg);
	CHECK(from(&r, "pg-server-15", "15.8-1.pgdg120+1", 2));
	CHECK(from(&r, "pg-pooler", "1.23.1-1.pgdg120+1", 2));
	CHECK(from(&r, "pg-common", "262.pgdg120+1", 2));
	CHECK(!strcmp(find(r.pkgs, r.npkgs, "pg-server-15")->why,
		      "preferred over debian-pg's 15.5-0+deb12u1"));
	/* libc6 is the distribution's alone (installed): not in the result. */
	CHECK(!find(r.pkgs, r.npkgs, "libc6"));
	resolve_result_free(&r);
	return 0;
}

static int test_equal_priorities_take_the_highest_version_without_a_why(void)
{
	const char *req[] = { "pg-pooler" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECKF(run_sides(req, 1, 0, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(from(&r, "pg-pooler", "1.23.1-1.pgdg120+1", 2));
	CHECK(!find(r.pkgs, r.npkgs, "pg-pooler")->why);
	resolve_result_free(&r);
	return 0;
}

static int test_have_tells_which_names_a_set_of_repos_carries(void)
{
	const char *names[] = { "pg-server-15", "pg-server-16", "mail-transport-agent", "nope" };
	struct resolve_opts o = { "amd64", 0 };
	char *dpath = fixture("dist-pg.Packages");
	struct resolve_repo repos[1] = { { "debian-pg", dpath, NULL, 0 } };
	struct pgb_err err = { "" };
	int have[4] = { -1, -1, -1, -1 };

	CHECKF(resolve_have(repos, 1, &o, names, 4, have, &err) == 0, "%s", err.msg);
	free(dpath);
	CHECK(have[0] == 1 && have[1] == 0 && have[2] == 0 && have[3] == 0);
	return 0;
}

static int test_solv_cache_is_written_then_used_instead_of_the_index(void)
{
	char dir[] = "/tmp/test_resolve.XXXXXX";
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	char *cache;

	CHECK(mkdtemp(dir));
	cache = util_path_join(dir, "debian.solv");
	CHECKF(cache_run(cache, NULL, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 3);
	resolve_result_free(&r);
	CHECK(util_exists(cache));
	/* The index is gone: only the cache can answer, with sizes and all. */
	CHECKF(cache_run(cache, "/nonexistent/Packages", &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 3 && r.pkgs[0].size == 6003 && r.pkgs[2].requested);
	resolve_result_free(&r);
	free(cache);
	CHECK(util_rm_rf(dir, &err) == 0);
	return 0;
}

static int test_unreadable_solv_cache_is_rebuilt_from_the_index(void)
{
	char dir[] = "/tmp/test_resolve.XXXXXX";
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	char *cache, *data;
	size_t len;

	CHECK(mkdtemp(dir));
	cache = util_path_join(dir, "debian.solv");
	CHECK(util_write_atomic(cache, "not a solv file", 15, 0644, &err) == 0);
	CHECKF(cache_run(cache, NULL, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 3);
	resolve_result_free(&r);
	CHECK(util_read_file(cache, &data, &len, &err) == 0);
	CHECK(len > 15 && !memcmp(data, "SOLV", 4));
	free(data);
	free(cache);
	CHECK(util_rm_rf(dir, &err) == 0);
	return 0;
}

static int test_unreadable_index_fails_naming_the_path(void)
{
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };

	CHECK(cache_run(NULL, "/nonexistent/Packages", &r, &err) == -1);
	CHECKF(strstr(err.msg, "/nonexistent/Packages") && strstr(err.msg, "debian"), "%s",
	       err.msg);
	CHECK(r.npkgs == 0 && r.nmissing == 0 && !r.pkgs && !r.missing);
	return 0;
}

static int test_missing_status_file_fails_naming_the_path(void)
{
	struct fx f;
	struct resolve_opts o = { "amd64", 0 };
	const char *req[] = { "top-a" };
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	int rc;

	fx_init(&f);
	rc = resolve_run(f.repos, 2, "/nonexistent/status", req, 1, &o, &r, &err);
	fx_free(&f);
	CHECK(rc == -1);
	CHECKF(strstr(err.msg, "/nonexistent/status"), "%s", err.msg);
	return 0;
}

static int test_index_that_is_not_a_packages_file_fails(void)
{
	char dir[] = "/tmp/test_resolve.XXXXXX";
	struct resolve_repo repo = { "junk", NULL, NULL, 0 };
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_pkg *p = NULL;
	size_t n = 0;
	struct pgb_err err = { "" };
	char *path;
	int rc;

	CHECK(mkdtemp(dir));
	path = util_path_join(dir, "Packages");
	/* Binary junk: libsolv sees no stanzas, so there is no apt to install. */
	CHECK(util_write_atomic(path, "\x1f\x8b\x08\x00junk", 8, 0644, &err) == 0);
	repo.packages_path = path;
	rc = resolve_baseline(&repo, 1, &o, &p, &n, &err);
	CHECK(rc == -1 && n == 0 && !p);
	CHECKF(strstr(err.msg, "junk") && strstr(err.msg, "apt"), "%s", err.msg);
	free(path);
	CHECK(util_rm_rf(dir, &err) == 0);
	return 0;
}

/* ---- real data ---- */

static int fetch_index(const char *mirror, const char *suite, const char *dir, char **out)
{
	char *xz = xasprintf("%s/%s-Packages.xz", dir, suite);
	char *cmd = xasprintf("curl -fsSL --retry 2 -z '%s' -o '%s' "
			      "'%s/dists/%s/main/binary-amd64/Packages.xz' && "
			      "xz -dkc '%s' > '%s/%s-Packages'",
			      xz, xz, mirror, suite, xz, dir, suite);
	int rc = system(cmd);

	*out = xasprintf("%s/%s-Packages", dir, suite);
	if (rc != 0)
		fprintf(stderr, "# cannot download %s/dists/%s/main/binary-amd64/Packages.xz "
			"(the mirror of /etc/apt/sources.list*): this case needs the network\n",
			mirror, suite);
	free(cmd);
	free(xz);
	return rc == 0 ? 0 : -1;
}

/* The value of "Field: value" in the stanza [p, end), as a span. */
static const char *stanza_field(const char *p, const char *end, const char *field, size_t *len)
{
	size_t fl = strlen(field);

	for (; p && p < end; p = memchr(p, '\n', (size_t)(end - p)), p = p ? p + 1 : NULL) {
		if ((size_t)(end - p) > fl + 2 && !strncmp(p, field, fl) && p[fl] == ':') {
			const char *v = p + fl + 2, *nl = memchr(v, '\n', (size_t)(end - v));

			*len = (size_t)((nl ? nl : end) - v);
			return v;
		}
	}
	return NULL;
}

static int is_base(const struct resolve_pkg *base, size_t nbase, int repo, const char *p,
		   const char *end)
{
	size_t nl, vl;
	const char *name = stanza_field(p, end, "Package", &nl);
	const char *ver = stanza_field(p, end, "Version", &vl);

	for (size_t i = 0; name && ver && i < nbase; i++)
		if (base[i].repo == repo && strlen(base[i].name) == nl &&
		    !strncmp(base[i].name, name, nl) && strlen(base[i].version) == vl &&
		    !strncmp(base[i].version, ver, vl))
			return 1;
	return 0;
}

/* Write the baseline's stanzas with "Status: install ok installed", as the
 * builder does for resolve_run(). */
static int write_status(const struct resolve_repo *repos, const struct resolve_pkg *base,
			size_t nbase, const char *path)
{
	struct sbuf out = SBUF_INIT;
	struct pgb_err err;
	int rc;

	for (int r = 0; r < 2; r++) {
		char *data;
		const char *p, *end;
		size_t len;

		if (util_read_file(repos[r].packages_path, &data, &len, &err) < 0)
			return -1;
		for (p = data, end = data + len; p < end;) {
			const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2);
			const char *stop = sep ? sep + 1 : end;

			if (is_base(base, nbase, r, p, stop)) {
				sbuf_adds(&out, "Status: install ok installed\n");
				sbuf_add(&out, p, (size_t)(stop - p));
				sbuf_addc(&out, '\n');
			}
			p = sep ? sep + 2 : end;
		}
		free(data);
	}
	rc = util_write_atomic(path, out.buf, out.len, 0644, &err);
	sbuf_free(&out);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A solv cache path keyed by the index's content, as the builder keys it. */
static char *cache_for(const char *dir, const char *index)
{
	char hex[HASH_HEX_MAX];
	struct pgb_err err;

	if (hash_file_hex(HASH_SHA256, index, hex, NULL, &err) < 0)
		return NULL;
	return xasprintf("%s/%.16s.solv", dir, hex);
}

static int test_real_bookworm_resolves_postgresql_15_and_postgis(void)
{
	const char *dir = "/tmp/pgbundle-test-resolve";
	const char *req[] = { "postgresql-15", "postgis" };
	char *mirror = t_debian_mirror(), *idx[2] = { NULL, NULL }, *cache[2] = { NULL, NULL };
	char *status = xasprintf("%s/status", dir);
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_pkg *base = NULL;
	struct resolve_result r = { 0 };
	struct pgb_err err = { "" };
	size_t nbase = 0;
	double t0, t1, t2, t3;
	int ok, cached;

	CHECKF(mirror, "no Debian mirror found in /etc/apt/sources.list*");
	CHECK(util_mkdir_p(dir, 0755, &err) == 0);
	ok = fetch_index(mirror, "bookworm", dir, &idx[0]) == 0 &&
	     fetch_index(mirror, "bookworm-updates", dir, &idx[1]) == 0;
	free(mirror);
	CHECKF(ok, "the mirror of /etc/apt/sources.list* cannot be reached");
	cache[0] = cache_for(dir, idx[0]);
	cache[1] = cache_for(dir, idx[1]);
	CHECK(cache[0] && cache[1]);
	cached = util_exists(cache[0]) && util_exists(cache[1]);
	struct resolve_repo repos[2] = { { "debian", idx[0], cache[0], 0 },
					 { "debian-updates", idx[1], cache[1], 0 } };
	t0 = now();
	CHECKF(resolve_baseline(repos, 2, &o, &base, &nbase, &err) == 0, "%s", err.msg);
	t1 = now();
	CHECK(find(base, nbase, "dpkg") && find(base, nbase, "apt") && find(base, nbase, "bash"));
	CHECK(find(base, nbase, "libc6") && !find(base, nbase, "postgresql-15"));
	CHECK(!find(base, nbase, "postgresql"));
	CHECK(write_status(repos, base, nbase, status) == 0);
	t2 = now();
	CHECKF(resolve_run(repos, 2, status, req, 2, &o, &r, &err) == 0, "%s", err.msg);
	t3 = now();
	if (r.nmissing)
		dump(&r);
	CHECK(r.nmissing == 0);
	CHECK(find(r.pkgs, r.npkgs, "postgresql-15")->requested);
	CHECK(find(r.pkgs, r.npkgs, "postgis")->requested);
	CHECK(!find(r.pkgs, r.npkgs, "dpkg") && sorted(r.pkgs, r.npkgs));
	fprintf(stderr, "# real data: baseline of %zu packages in %.3fs (%s); %zu packages to "
		"bundle in %.3fs (from the solv caches)\n", nbase, t1 - t0,
		cached ? "from the solv caches" : "parsing the indexes, writing solv caches",
		r.npkgs, t3 - t2);
	resolve_result_free(&r);
	resolve_pkgs_free(base, nbase);
	for (int i = 0; i < 2; i++) {
		free(idx[i]);
		free(cache[i]);
	}
	free(status);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_baseline_is_essential_required_apt_and_their_closure);
	T_RUN(&s, test_baseline_takes_the_highest_version_across_repos);
	T_RUN(&s, test_run_bundles_a_depends_chain_marking_only_the_request);
	T_RUN(&s, test_run_follows_pre_depends);
	T_RUN(&s, test_run_takes_the_first_installable_alternative);
	T_RUN(&s, test_run_resolves_a_virtual_package_with_one_provider);
	T_RUN(&s, test_run_virtual_package_with_two_providers_is_missing_naming_both);
	T_RUN(&s, test_run_versioned_depends_takes_the_newer_repo);
	T_RUN(&s, test_run_unsatisfiable_version_is_missing_with_what_is_available);
	T_RUN(&s, test_run_breaks_on_an_installed_package_is_missing_naming_both);
	T_RUN(&s, test_run_conflict_inside_the_closure_is_missing_naming_both);
	T_RUN(&s, test_run_unknown_name_is_missing_naming_the_repos);
	T_RUN(&s, test_run_foreign_architecture_package_is_missing);
	T_RUN(&s, test_run_failing_requests_do_not_stop_the_others);
	T_RUN(&s, test_run_follows_recommends_only_when_asked_and_never_suggests);
	T_RUN(&s, test_run_does_not_bundle_what_is_installed);
	T_RUN(&s, test_run_bundles_a_newer_baseline_package_when_needed);
	T_RUN(&s, test_run_package_with_only_config_files_left_counts_as_absent);
	T_RUN(&s, test_run_exact_version_request_takes_that_version_or_lists_the_others);
	T_RUN(&s, test_run_request_without_name_or_version_is_missing);
	T_RUN(&s, test_run_reports_filename_sha256_and_size_of_the_index);
	T_RUN(&s, test_priority_prefers_the_higher_repo_over_a_newer_version);
	T_RUN(&s, test_priority_yields_where_a_dependency_needs_the_other_repo);
	T_RUN(&s, test_priority_flipped_takes_pgdg_where_it_has_the_package);
	T_RUN(&s, test_equal_priorities_take_the_highest_version_without_a_why);
	T_RUN(&s, test_have_tells_which_names_a_set_of_repos_carries);
	T_RUN(&s, test_solv_cache_is_written_then_used_instead_of_the_index);
	T_RUN(&s, test_unreadable_solv_cache_is_rebuilt_from_the_index);
	T_RUN(&s, test_unreadable_index_fails_naming_the_path);
	T_RUN(&s, test_missing_status_file_fails_naming_the_path);
	T_RUN(&s, test_index_that_is_not_a_packages_file_fails);
	T_RUN(&s, test_real_bookworm_resolves_postgresql_15_and_postgis);
	return t_done(&s);
}
