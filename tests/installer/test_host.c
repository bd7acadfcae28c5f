/*
 * test_host.c - the host checks (installer/host.c): os-release parsing, the
 * bundle-vs-host match, free space.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"
#include "unit.h"

static char *scratch;

static char *write_os_release(const char *name, const char *text)
{
	char *p = util_path_join(scratch, name);
	struct pgb_err err;

	if (util_write_atomic(p, text, strlen(text), 0644, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		exit(2);
	}
	return p;
}

static const char trixie[] =
	"PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\n"
	"VERSION_ID=\"13\"\nVERSION=\"13 (trixie)\"\nVERSION_CODENAME=trixie\nID=debian\n";

static void bundle_d12(struct inst_bundle *b)
{
	memset(b, 0, sizeof(*b));
	b->name = "pgsql-d12";
	b->version = "1.0";
	b->target = "d12";
	b->family = "deb";
	b->codename = "bookworm";
	b->arch = "amd64";
}

static int test_os_release_fields_are_read_and_unquoted(void)
{
	char *p = write_os_release("os1", "# comment\nID=ubuntu\nID_LIKE=debian\n"
				   "PRETTY_NAME='Ubuntu 24.04 LTS'\nVERSION_ID=\"24.04\"\n"
				   "VERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n"
				   "X=\"a \\\"quoted\\\" word\"\n");
	struct host_info h = { 0 };
	struct pgb_err err = { "" };

	CHECKF(host_read_os_release(&h, p, &err) == 0, "%s", err.msg);
	CHECK(strcmp(h.id, "ubuntu") == 0 && strcmp(h.family, "deb") == 0);
	CHECK(strcmp(h.pretty, "Ubuntu 24.04 LTS") == 0);
	CHECK(strcmp(h.version_id, "24.04") == 0 && strcmp(h.codename, "noble") == 0);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_os_release_without_id_is_refused(void)
{
	char *p = write_os_release("os2", "NAME=mystery\n");
	struct host_info h = { 0 };
	struct pgb_err err = { "" };

	CHECK(host_read_os_release(&h, p, &err) == -1);
	CHECKF(strstr(err.msg, p) && strstr(err.msg, "ID="), "%s", err.msg);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_d12_bundle_on_a_d13_host_is_refused_naming_both(void)
{
	char *p = write_os_release("os3", trixie);
	struct host_info h = { 0 };
	struct inst_bundle b;
	struct strlist warn = STRLIST_INIT;
	struct pgb_err err = { "" };

	bundle_d12(&b);
	CHECK(host_read_os_release(&h, p, &err) == 0);
	h.arch = xstrdup("amd64");
	CHECK(host_match(&h, &b, 0, &warn, &err) == -1);
	CHECKF(strstr(err.msg, "bookworm") && strstr(err.msg, "d12") &&
	       strstr(err.msg, "Debian GNU/Linux 13 (trixie)"), "%s", err.msg);
	CHECK(warn.n == 0);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_force_accepts_another_codename_with_a_warning(void)
{
	char *p = write_os_release("os4", trixie);
	struct host_info h = { 0 };
	struct inst_bundle b;
	struct strlist warn = STRLIST_INIT;
	struct pgb_err err = { "" };

	bundle_d12(&b);
	CHECK(host_read_os_release(&h, p, &err) == 0);
	h.arch = xstrdup("amd64");
	CHECKF(host_match(&h, &b, 1, &warn, &err) == 0, "%s", err.msg);
	CHECK(warn.n == 1 && strstr(warn.v[0], "--force") && strstr(warn.v[0], "bookworm"));
	strlist_free(&warn);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_force_does_not_override_another_architecture(void)
{
	char *p = write_os_release("os5", "ID=debian\nVERSION_CODENAME=bookworm\n");
	struct host_info h = { 0 };
	struct inst_bundle b;
	struct strlist warn = STRLIST_INIT;
	struct pgb_err err = { "" };

	bundle_d12(&b);
	CHECK(host_read_os_release(&h, p, &err) == 0);
	h.arch = xstrdup("arm64");
	CHECK(host_match(&h, &b, 1, &warn, &err) == -1);
	CHECKF(strstr(err.msg, "amd64") && strstr(err.msg, "arm64"), "%s", err.msg);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_force_does_not_override_another_os_family(void)
{
	char *p = write_os_release("os6", "ID=rocky\nID_LIKE=\"rhel centos fedora\"\n"
				   "PRETTY_NAME=\"Rocky Linux 9.4\"\n");
	struct host_info h = { 0 };
	struct inst_bundle b;
	struct strlist warn = STRLIST_INIT;
	struct pgb_err err = { "" };

	bundle_d12(&b);
	CHECK(host_read_os_release(&h, p, &err) == 0);
	CHECK(strcmp(h.family, "rpm") == 0);
	CHECK(host_match(&h, &b, 1, &warn, &err) == -1);
	CHECKF(strstr(err.msg, "Rocky Linux 9.4") && strstr(err.msg, "Debian"), "%s", err.msg);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_matching_host_is_accepted(void)
{
	char *p = write_os_release("os7", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
	struct host_info h = { 0 };
	struct inst_bundle b;
	struct strlist warn = STRLIST_INIT;
	struct pgb_err err = { "" };

	bundle_d12(&b);
	CHECK(host_read_os_release(&h, p, &err) == 0);
	h.arch = xstrdup("amd64");
	CHECKF(host_match(&h, &b, 0, &warn, &err) == 0, "%s", err.msg);
	CHECK(warn.n == 0);
	host_info_free(&h);
	free(p);
	return 0;
}

static int test_probe_reads_this_hosts_dpkg_architecture(void)
{
	struct host_info h = { 0 };
	struct pgb_err err = { "" };

	CHECKF(host_probe(&h, NULL, &err) == 0, "%s", err.msg);
	CHECK(strcmp(h.family, "deb") == 0);	/* the build host is Debian */
	CHECK(h.arch && (strcmp(h.arch, "amd64") == 0 || strcmp(h.arch, "arm64") == 0));
	host_info_free(&h);
	return 0;
}

static int test_free_space_of_a_missing_path_is_its_parents(void)
{
	char *p = util_path_join(scratch, "not/yet/there");
	uint64_t a = 0, b = 0;
	struct pgb_err err = { "" };

	CHECKF(host_free_space(p, &a, &err) == 0, "%s", err.msg);
	CHECK(host_free_space(scratch, &b, &err) == 0);
	CHECK(a > 0 && (a > b ? a - b : b - a) < (64u << 20));
	free(p);
	return 0;
}

static int test_too_little_space_is_refused_with_sizes(void)
{
	struct pgb_err err = { "" };

	CHECK(host_check_space(scratch, UINT64_MAX / 2, "the test", &err) == -1);
	CHECKF(strstr(err.msg, "not enough free space on the file system holding") &&
	       strstr(err.msg, "the test") &&
	       strstr(err.msg, "GiB needed"), "%s", err.msg);
	CHECK(host_check_space(scratch, 1, "the test", &err) == 0);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;
	char tmpl[] = "/tmp/pgbundle-test-host.XXXXXX";
	int rc;

	scratch = mkdtemp(tmpl);
	if (!scratch)
		return 2;
	T_RUN(&s, test_os_release_fields_are_read_and_unquoted);
	T_RUN(&s, test_os_release_without_id_is_refused);
	T_RUN(&s, test_d12_bundle_on_a_d13_host_is_refused_naming_both);
	T_RUN(&s, test_force_accepts_another_codename_with_a_warning);
	T_RUN(&s, test_force_does_not_override_another_architecture);
	T_RUN(&s, test_force_does_not_override_another_os_family);
	T_RUN(&s, test_matching_host_is_accepted);
	T_RUN(&s, test_probe_reads_this_hosts_dpkg_architecture);
	T_RUN(&s, test_free_space_of_a_missing_path_is_its_parents);
	T_RUN(&s, test_too_little_space_is_refused_with_sizes);
	rc = t_done(&s);
	util_rm_rf(scratch, &err);
	return rc;
}
