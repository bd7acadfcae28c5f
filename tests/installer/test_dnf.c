/*
 * test_dnf.c - the EL side of the installer (installer/pkgmgr_dnf.c): the
 * .repo it writes, and reading dnf's transaction and problems.  The dnf
 * outputs are dnf 4.14's (Debian's, which the EL fixture tests drive).
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "unit.h"

static const char sim_ok[] =
	"Dependencies resolved.\n"
	"================================================================================\n"
	" Package               Arch    Version                  Repository        Size\n"
	"================================================================================\n"
	"Installing:\n"
	" postgresql16-server   x86_64  16.4-1PGDG.rhel9         pgbundle         6.9 k\n"
	"Upgrading:\n"
	" lz4-libs              x86_64  1.9.3-6.el9              pgbundle         6.0 k\n"
	"Installing dependencies:\n"
	" postgresql16          x86_64  16.4-1PGDG.rhel9         pgbundle         6.1 k\n"
	"Enabling module streams:\n"
	" perl                          5.26\n"
	"\n"
	"Transaction Summary\n"
	"================================================================================\n"
	"Install  2 Packages\n"
	"Upgrade  1 Package\n"
	"\n"
	"Total size: 19 k\n"
	"Installed size: 2.5 M\n"
	"Operation aborted.\n";

static const char sim_conflict[] =
	"Error: \n"
	" Problem: problem with installed package site-pooler-1.0-1.noarch\n"
	"  - package site-pooler-1.0-1.noarch conflicts with pgbouncer provided by "
	"pgbouncer-1.23.1-1PGDG.rhel9.x86_64\n"
	"  - conflicting requests\n"
	"(try to add '--allowerasing' to command line to replace conflicting packages)\n";

static int test_sim_parse_reads_installs_upgrades_and_size(void)
{
	struct pkg_plan p = { 0 };

	dnf_sim_parse(sim_ok, &p);
	CHECK(p.inst.n == 3 && p.remove.n == 0 && p.errors.n == 0);
	CHECK(!strcmp(p.inst.v[0], "postgresql16-server") && !strcmp(p.inst_old.v[0], ""));
	CHECK(!strcmp(p.inst_ver.v[0], "16.4-1PGDG.rhel9"));
	CHECK(!strcmp(p.inst.v[1], "lz4-libs") && !strcmp(p.inst_old.v[1], "?"));
	CHECK(!strcmp(p.inst.v[2], "postgresql16"));
	CHECKF(p.kib == 2560, "%llu", (unsigned long long)p.kib);
	pkg_plan_free(&p);
	return 0;
}

static int test_sim_parse_keeps_every_line_of_a_problem(void)
{
	struct pkg_plan p = { 0 };
	int named = 0;

	dnf_sim_parse(sim_conflict, &p);
	CHECK(p.inst.n == 0 && p.errors.n >= 3);
	for (size_t i = 0; i < p.errors.n; i++)
		named |= strstr(p.errors.v[i], "site-pooler-1.0-1.noarch conflicts with pgbouncer") != NULL;
	CHECK(named);
	pkg_plan_free(&p);
	return 0;
}

static int test_unknown_package_is_an_error(void)
{
	struct pkg_plan p = { 0 };

	dnf_sim_parse("All matches were filtered out by modular filtering for argument: x\n"
		      "Error: Unable to find a match: x\n", &p);
	CHECK(p.errors.n == 2);
	pkg_plan_free(&p);
	return 0;
}

static int test_repo_checks_signatures_and_hotfixes_only_when_asked(void)
{
	struct inst_bundle b = { 0 };
	char *text;

	b.name = "pgsql-el9";
	b.version = "1.0";
	b.target = "el9";
	b.rpm.gpgkey = "RPM-GPG-KEY-pgbundle";
	text = dnf_repo_text(&b, "/www/pgbundle/x", 1);
	CHECK(strstr(text, "\n[pgbundle]\n"));
	CHECK(strstr(text, "\nbaseurl = file:///www/pgbundle/x\n"));
	CHECK(strstr(text, "\ngpgcheck = 1\n") && strstr(text, "\nrepo_gpgcheck = 1\n"));
	CHECK(strstr(text, "\ngpgkey = file:///www/pgbundle/x/RPM-GPG-KEY-pgbundle\n"));
	CHECK(!strstr(text, "module_hotfixes"));
	free(text);
	b.rpm.module_hotfixes = 1;
	text = dnf_repo_text(&b, "/www/pgbundle/x", 0);
	CHECK(strstr(text, "\ngpgcheck = 0\n") && strstr(text, "\nmodule_hotfixes = 1\n"));
	free(text);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_sim_parse_reads_installs_upgrades_and_size);
	T_RUN(&s, test_sim_parse_keeps_every_line_of_a_problem);
	T_RUN(&s, test_unknown_package_is_an_error);
	T_RUN(&s, test_repo_checks_signatures_and_hotfixes_only_when_asked);
	return t_done(&s);
}
