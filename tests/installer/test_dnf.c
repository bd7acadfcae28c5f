/*
 * test_dnf.c - the EL side of the installer (installer/pkgmgr_dnf.c): the
 * .repo it writes, and reading dnf's transaction and problems.  The dnf
 * outputs are dnf 4.14's (Debian's, which the EL fixture tests drive).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *joined(const struct strlist *l)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		sbuf_addf(&b, "%s%s", i ? " " : "", l->v[i]);
	return sbuf_detach(&b, NULL);
}

/* prometheus-rpm's postgres_exporter makes a postgres user of its own (home
 * /var/lib/postgres_exporter, /sbin/nologin) when its %pre runs before the
 * server's: the installer makes PGDG's account first, and only then. */
static int test_postgres_account_is_made_as_the_server_package_makes_it(void)
{
	char dir[] = "/tmp/pgbundle-test-dnf.XXXXXX", passwd[64], group[64], *t;
	struct strlist names = STRLIST_INIT, ga = STRLIST_INIT, ua = STRLIST_INIT;
	struct strlist exporter = STRLIST_INIT;
	struct pgb_err err;

	CHECK(mkdtemp(dir));
	snprintf(passwd, sizeof(passwd), "%s/passwd", dir);
	snprintf(group, sizeof(group), "%s/group", dir);
	put_text(passwd, "root:x:0:0:root:/root:/bin/bash\n");
	put_text(group, "root:x:0:\n");
	strlist_add(&names, "postgres_exporter");
	strlist_add(&names, "postgresql16-server");
	dnf_postgres_account_argv(&names, NULL, passwd, group, &ga, &ua);
	t = joined(&ga);
	CHECKF(!strcmp(t, "groupadd -g 26 -o -r postgres"), "%s", t);
	free(t);
	t = joined(&ua);
	CHECKF(!strcmp(t, "useradd -M -g postgres -o -r -d /var/lib/pgsql -s /bin/bash "
		       "-c PostgreSQL Server -u 26 postgres"), "%s", t);
	free(t);
	strlist_free(&ga);
	strlist_free(&ua);
	/* --root DIR: the commands act on the image; the group exists already. */
	put_text(group, "root:x:0:\npostgres:x:26:\n");
	dnf_postgres_account_argv(&names, "/srv/el9", passwd, group, &ga, &ua);
	CHECK(ga.n == 0 && ua.n > 2 && !strcmp(ua.v[1], "--root") && !strcmp(ua.v[2], "/srv/el9"));
	strlist_free(&ua);
	/* no server package (exporters only), or the account is there: nothing */
	strlist_add(&exporter, "postgres_exporter");
	dnf_postgres_account_argv(&exporter, NULL, passwd, group, &ga, &ua);
	CHECK(ga.n == 0 && ua.n == 0);
	put_text(passwd, "postgres:x:26:26:PostgreSQL Server:/var/lib/pgsql:/bin/bash\n");
	dnf_postgres_account_argv(&names, NULL, passwd, group, &ga, &ua);
	CHECK(ga.n == 0 && ua.n == 0);
	/* EL's own server package makes the same account */
	unlink(passwd);
	strlist_free(&names);
	strlist_add(&names, "postgresql-server");
	dnf_postgres_account_argv(&names, NULL, passwd, group, &ga, &ua);
	CHECK(ga.n == 0 && ua.n > 0);
	strlist_free(&ua);
	strlist_free(&names);
	strlist_free(&exporter);
	util_rm_rf(dir, &err);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_sim_parse_reads_installs_upgrades_and_size);
	T_RUN(&s, test_sim_parse_keeps_every_line_of_a_problem);
	T_RUN(&s, test_unknown_package_is_an_error);
	T_RUN(&s, test_repo_checks_signatures_and_hotfixes_only_when_asked);
	T_RUN(&s, test_postgres_account_is_made_as_the_server_package_makes_it);
	return t_done(&s);
}
