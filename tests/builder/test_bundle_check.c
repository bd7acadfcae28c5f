/* test_bundle_check.c - the readers of a bundle's verified package index
 * (bundle_check.h): what an entry must name before `verify`, `ls` and the
 * installer take it.  The rpm-md cases hold the part of their fuzz finding
 * that matters (tests/fuzz/fuzz_bundle_rpmmd: a primary whose package had
 * no <version>, listed with an empty version). */
#include <string.h>

#include "bundle_check.h"
#include "unit.h"

#define SUM "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A primary.xml of one package; version and arch are whole elements. */
static void primary(struct sbuf *b, const char *name, const char *version, const char *arch)
{
	sbuf_reset(b);
	sbuf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<metadata xmlns=\"http://linux.duke.edu/metadata/common\" "
		  "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"1\">\n"
		  "<package type=\"rpm\">\n"
		  "  <name>%s</name>\n  %s\n  %s\n"
		  "  <checksum type=\"sha256\" pkgid=\"YES\">" SUM "</checksum>\n"
		  "  <size package=\"1000\" installed=\"2000\" archive=\"2100\"/>\n"
		  "  <location href=\"pool/%s-1.0-1.x86_64.rpm\"/>\n"
		  "</package>\n</metadata>\n", name, version, arch, name);
}

static int parse(const struct sbuf *b, struct bundle_report *r, struct pgb_err *err)
{
	memset(r, 0, sizeof(*r));
	return bundle_report_parse_primary(r, "repodata/primary.xml", b, err);
}

static int test_a_whole_package_is_read(void)
{
	struct sbuf b = SBUF_INIT;
	struct bundle_report r;
	struct pgb_err err;

	primary(&b, "pgbouncer", "<version epoch=\"0\" ver=\"1.23.1\" rel=\"1PGDG.rhel9\"/>",
		"<arch>x86_64</arch>");
	CHECKF(parse(&b, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npackages == 1 && !strcmp(r.pkgs[0].name, "pgbouncer"));
	CHECKF(!strcmp(r.pkgs[0].version, "1.23.1-1PGDG.rhel9"), "%s", r.pkgs[0].version);
	CHECK(!strcmp(r.pkgs[0].arch, "x86_64"));
	bundle_report_free(&r);
	sbuf_free(&b);
	return 0;
}

static int test_a_package_without_name_version_or_release_is_refused(void)
{
	static const char *const cases[][3] = {
		{ "gdal38-libs", "", "<arch>x86_64</arch>" },	/* the finding */
		{ "gdal38-libs", "<version epoch=\"0\" ver=\"\" rel=\"\"/>", "<arch>x86_64</arch>" },
		{ "", "<version epoch=\"0\" ver=\"3.8.5\" rel=\"1\"/>", "<arch>x86_64</arch>" },
		{ "gdal38-libs", "<version epoch=\"0\" ver=\"3.8.5\" rel=\"\"/>",
		  "<arch>x86_64</arch>" },
	};	/* (no <arch> reads as noarch, in libsolv as in dnf) */
	struct sbuf b = SBUF_INIT;
	struct bundle_report r;
	struct pgb_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		primary(&b, cases[i][0], cases[i][1], cases[i][2]);
		CHECKF(parse(&b, &r, &err) < 0, "case %zu accepted", i);
		CHECKF(strstr(err.msg, "repodata/primary.xml: package 1") &&
		       strstr(err.msg, "no name, version, release or architecture"),
		       "case %zu: %s", i, err.msg);
		bundle_report_free(&r);
	}
	sbuf_free(&b);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_a_whole_package_is_read);
	T_RUN(&s, test_a_package_without_name_version_or_release_is_refused);
	return t_done(&s);
}
