/*
 * test_pkgs.c - reading apt's simulated transaction and naming both sides of
 * a conflict (installer/pkgs.c).  The apt outputs are apt 2.6's, verbatim.
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "unit.h"

static const char sim_ok[] =
	"NOTE: This is only a simulation!\n"
	"Reading package lists...\n"
	"The following NEW packages will be installed:\n"
	"  pgbouncer postgresql-15\n"
	"The following packages will be upgraded:\n"
	"  libc6\n"
	"1 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.\n"
	"Inst libc6 [2.36-9] (2.36-9+deb12u4 pgbundle:pgbundle [amd64])\n"
	"Inst pgbouncer (1.18.0-1+deb12u1 pgbundle:pgbundle [amd64])\n"
	"Inst postgresql-15 (15.8-0+deb12u1 pgbundle:pgbundle [amd64]) []\n"
	"Conf libc6 (2.36-9+deb12u4 pgbundle:pgbundle [amd64])\n"
	"Conf pgbouncer (1.18.0-1+deb12u1 pgbundle:pgbundle [amd64])\n";

static const char sim_remove[] =
	"The following packages will be REMOVED:\n"
	"  pgb-breaker\n"
	"The following NEW packages will be installed:\n"
	"  pgbouncer\n"
	"0 upgraded, 1 newly installed, 1 to remove and 0 not upgraded.\n"
	"Remv pgb-breaker [1.0]\n"
	"Inst pgbouncer (1.18.0-1+deb12u1 pgbundle:pgbundle [amd64])\n"
	"Conf pgbouncer (1.18.0-1+deb12u1 pgbundle:pgbundle [amd64])\n";

static const char sim_unmet[] =
	"Some packages could not be installed. This may mean that you have\n"
	"requested an impossible situation...\n"
	"The following information may help to resolve the situation:\n"
	"\n"
	"The following packages have unmet dependencies:\n"
	" pgbouncer : Depends: libc6 (>= 2.38) but 2.36-9 is to be installed\n"
	"             Depends: libevent-2.1-7 (>= 2.1.8) but it is not going to be installed\n"
	"E: Unable to correct problems, you have held broken packages.\n";

static int test_sim_parse_reads_new_and_upgraded_packages(void)
{
	struct pkg_plan p = { 0 };

	pkg_sim_parse(sim_ok, &p);
	CHECK(p.inst.n == 3 && p.remove.n == 0 && p.unmet.n == 0 && p.errors.n == 0);
	CHECK(strcmp(p.inst.v[0], "libc6") == 0);
	CHECK(strcmp(p.inst_old.v[0], "2.36-9") == 0);
	CHECK(strcmp(p.inst_ver.v[0], "2.36-9+deb12u4") == 0);
	CHECK(strcmp(p.inst.v[1], "pgbouncer") == 0 && strcmp(p.inst_old.v[1], "") == 0);
	CHECK(strcmp(p.inst_ver.v[1], "1.18.0-1+deb12u1") == 0);
	CHECK(strcmp(p.inst.v[2], "postgresql-15") == 0 && strcmp(p.inst_old.v[2], "") == 0);
	pkg_plan_free(&p);
	return 0;
}

static int test_sim_parse_reads_removals(void)
{
	struct pkg_plan p = { 0 };

	pkg_sim_parse(sim_remove, &p);
	CHECK(p.remove.n == 1 && strcmp(p.remove.v[0], "pgb-breaker") == 0);
	CHECK(strcmp(p.remove_ver.v[0], "1.0") == 0);
	CHECK(p.inst.n == 1);
	pkg_plan_free(&p);
	return 0;
}

static int test_sim_parse_reads_unmet_dependencies_and_errors(void)
{
	struct pkg_plan p = { 0 };

	pkg_sim_parse(sim_unmet, &p);
	CHECK(p.inst.n == 0 && p.unmet.n == 2 && p.errors.n == 1);
	CHECK(strcmp(p.unmet.v[0], "pgbouncer : Depends: libc6 (>= 2.38) but 2.36-9 is to be "
		     "installed") == 0);
	CHECK(strncmp(p.unmet.v[1], "Depends: libevent-2.1-7", 23) == 0);
	CHECK(strstr(p.errors.v[0], "held broken packages"));
	pkg_plan_free(&p);
	return 0;
}

static int test_relation_names_ignores_versions_arches_and_alternatives(void)
{
	const char *rel = "libfoo (<< 2), pgbouncer:any (>= 1.0) | other, x [amd64], pgb <!nocheck>";

	CHECK(pkg_relation_names(rel, "pgbouncer"));
	CHECK(pkg_relation_names(rel, "libfoo"));
	CHECK(pkg_relation_names(rel, "other"));
	CHECK(pkg_relation_names(rel, "x"));
	CHECK(pkg_relation_names(rel, "pgb"));
	CHECK(!pkg_relation_names(rel, "pgbounce"));
	CHECK(!pkg_relation_names(rel, "amd64"));
	CHECK(!pkg_relation_names("", "x"));
	return 0;
}

static const char status_text[] =
	"Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n"
	"Package: pgb-breaker\nStatus: install ok installed\nVersion: 1.0\n"
	"Breaks: pgbouncer (<< 9)\nDescription: test\n breaks the bundle\n\n"
	"Package: old-thing\nStatus: deinstall ok config-files\nConflicts: pgbouncer\n";

static int test_explain_names_the_host_package_that_breaks_a_bundle_package(void)
{
	struct pkg_plan p = { 0 };
	struct sbuf msg = SBUF_INIT;

	pkg_sim_parse(sim_remove, &p);
	pkg_explain(&p, status_text, strlen(status_text), NULL, 0, &msg);
	CHECKF(msg.buf && strstr(msg.buf, "pgb-breaker 1.0 (installed on this host) Breaks "
				  "pgbouncer (from the bundle)"), "%s", msg.buf);
	pkg_plan_free(&p);
	sbuf_free(&msg);
	return 0;
}

static int test_explain_names_the_bundle_package_that_conflicts_with_the_host(void)
{
	static const char index[] =
		"Package: pgbouncer\nVersion: 1.0-old\nConflicts: nothing\n\n"
		"Package: pgbouncer\nVersion: 1.18.0-1+deb12u1\nConflicts: pgb-breaker\n";
	static const char status[] = "Package: pgb-breaker\nStatus: install ok installed\n";
	struct pkg_plan p = { 0 };
	struct sbuf msg = SBUF_INIT;

	pkg_sim_parse(sim_remove, &p);
	pkg_explain(&p, status, strlen(status), index, strlen(index), &msg);
	CHECKF(msg.buf && strstr(msg.buf, "pgbouncer 1.18.0-1+deb12u1 (from the bundle) Conflicts "
				  "pgb-breaker (installed on this host)"), "%s", msg.buf);
	pkg_plan_free(&p);
	sbuf_free(&msg);
	return 0;
}

/* Issue 11: a host package newer than what the bundle's packages accept. */
static int test_explain_names_a_host_package_newer_than_the_bundle_accepts(void)
{
	static const char sim[] =
		"The following packages have unmet dependencies:\n"
		" postgresql-common : Depends: postgresql-client-common (= 248+deb12u2) but "
		"248+deb12u2+local1 is to be installed\n"
		"E: Unable to correct problems, you have held broken packages.\n";
	static const char status[] =
		"Package: postgresql-client-common\nStatus: install ok installed\n"
		"Version: 248+deb12u2+local1\n";
	struct pkg_plan p = { 0 };
	struct sbuf msg = SBUF_INIT;

	pkg_sim_parse(sim, &p);
	pkg_explain(&p, status, strlen(status), NULL, 0, &msg);
	CHECKF(msg.buf && strstr(msg.buf, "postgresql-client-common: this host has "
				  "248+deb12u2+local1, which the bundle's postgresql-common does "
				  "not accept (it needs postgresql-client-common = 248+deb12u2)"),
	       "%s", msg.buf);
	pkg_plan_free(&p);
	sbuf_free(&msg);
	return 0;
}

static int test_explain_still_names_a_removal_it_cannot_trace(void)
{
	static const char status[] = "Package: pgb-breaker\nStatus: install ok installed\n";
	struct pkg_plan p = { 0 };
	struct sbuf msg = SBUF_INIT;

	pkg_sim_parse(sim_remove, &p);
	pkg_explain(&p, status, strlen(status), NULL, 0, &msg);
	CHECKF(msg.buf && strstr(msg.buf, "pgb-breaker 1.0 (installed on this host) would be "
				  "removed"), "%s", msg.buf);
	pkg_plan_free(&p);
	sbuf_free(&msg);
	return 0;
}

static int test_explain_lists_unmet_dependencies(void)
{
	struct pkg_plan p = { 0 };
	struct sbuf msg = SBUF_INIT;

	pkg_sim_parse(sim_unmet, &p);
	pkg_explain(&p, NULL, 0, NULL, 0, &msg);
	CHECKF(strstr(msg.buf, "unmet: pgbouncer : Depends: libc6 (>= 2.38)") &&
	       strstr(msg.buf, "apt: Unable to correct problems"), "%s", msg.buf);
	pkg_plan_free(&p);
	sbuf_free(&msg);
	return 0;
}

static int test_select_takes_every_requested_package_once_sorted(void)
{
	struct inst_bundle b = { 0 };
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { "" };

	b.name = "t";
	strlist_add(&b.requested, "postgresql-15");
	strlist_add(&b.requested, "pgbouncer");
	strlist_add(&b.requested, "postgresql-15");
	CHECK(pkg_select(&b, NULL, 0, &out, &err) == 0);
	CHECK(out.n == 2 && strcmp(out.v[0], "pgbouncer") == 0);
	strlist_free(&out);
	strlist_free(&b.requested);
	CHECK(pkg_select(&b, NULL, 0, &out, &err) == -1 && strstr(err.msg, "no packages"));
	return 0;
}

/* Found by tests/fuzz/fuzz_bundle_meta.c: modules NULL, which inst.h says
 * means every module, dereferenced NULL once the bundle says which package
 * is whose module's (bundle.json module_packages). */
static int test_select_null_modules_means_all(void)
{
	struct inst_bundle b = { 0 };
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { "" };

	b.name = "t";
	strlist_add(&b.requested, "postgresql-15");
	strlist_add(&b.requested, "pgbouncer");
	strlist_add(&b.module_packages, "pgsql:postgresql-15");
	strlist_add(&b.module_packages, "pgbouncer:pgbouncer");
	CHECK(pkg_select(&b, NULL, 0, &out, &err) == 0 && out.n == 2);
	strlist_free(&out);
	strlist_free(&b.requested);
	strlist_free(&b.module_packages);
	return 0;
}

/* A bundle of 15 and 16 (bundle.json postgres_packages): a cluster on 16
 * installs 16's own packages and the shared ones, not 15's. */
static int test_select_leaves_out_the_other_majors_own_packages(void)
{
	static const char *const req[] = { "pgbouncer", "postgresql-15", "postgresql-15-pgvector",
					   "postgresql-16", "postgresql-16-pgvector" };
	struct inst_bundle b = { 0 };
	struct strlist out = STRLIST_INIT;
	struct pgb_err err = { "" };

	b.name = "t";
	for (size_t i = 0; i < sizeof(req) / sizeof(*req); i++)
		strlist_add(&b.requested, req[i]);
	strlist_add(&b.major_packages, "15:postgresql-15");
	strlist_add(&b.major_packages, "15:postgresql-15-pgvector");
	strlist_add(&b.major_packages, "16:postgresql-16");
	strlist_add(&b.major_packages, "16:postgresql-16-pgvector");
	CHECK(pkg_select(&b, NULL, 16, &out, &err) == 0);
	CHECK(out.n == 3 && !strcmp(out.v[0], "pgbouncer") && !strcmp(out.v[1], "postgresql-16") &&
	      !strcmp(out.v[2], "postgresql-16-pgvector"));
	strlist_free(&out);
	CHECK(pkg_select(&b, NULL, 15, &out, &err) == 0);
	CHECK(out.n == 3 && !strcmp(out.v[1], "postgresql-15"));
	strlist_free(&out);
	/* Major 0 (no config): everything. */
	CHECK(pkg_select(&b, NULL, 0, &out, &err) == 0 && out.n == 5);
	strlist_free(&out);
	strlist_free(&b.requested);
	strlist_free(&b.major_packages);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_sim_parse_reads_new_and_upgraded_packages);
	T_RUN(&s, test_sim_parse_reads_removals);
	T_RUN(&s, test_sim_parse_reads_unmet_dependencies_and_errors);
	T_RUN(&s, test_relation_names_ignores_versions_arches_and_alternatives);
	T_RUN(&s, test_explain_names_the_host_package_that_breaks_a_bundle_package);
	T_RUN(&s, test_explain_names_the_bundle_package_that_conflicts_with_the_host);
	T_RUN(&s, test_explain_names_a_host_package_newer_than_the_bundle_accepts);
	T_RUN(&s, test_explain_still_names_a_removal_it_cannot_trace);
	T_RUN(&s, test_explain_lists_unmet_dependencies);
	T_RUN(&s, test_select_takes_every_requested_package_once_sorted);
	T_RUN(&s, test_select_null_modules_means_all);
	T_RUN(&s, test_select_leaves_out_the_other_majors_own_packages);
	return t_done(&s);
}
