/*
 * test_aptshim.c - apt's verdict through libapt-pkg: a signed repository made
 * with aptidx + pgp, a dpkg status as the installed baseline.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aptidx.h"
#include "aptshim.h"
#include "pgp.h"
#include "unit.h"
#include "util.h"

#define STANZA(name, deps) \
	"Package: " name "\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/" name \
	"_1.0_amd64.deb\nSize: 10\nSHA256: " \
	"0000000000000000000000000000000000000000000000000000000000000000\n" deps \
	"Description: test " name "\n"

/* A signed one-suite repository at dir with the given Packages text. */
static int make_repo(const char *dir, const char *packages)
{
	struct aptidx_write_opts o = { dir, "pgbundle", "pgbundle", "main", "amd64", "t", "t",
				       "test", 1700000000 };
	struct sbuf rel = SBUF_INIT, sig = SBUF_INIT, pub = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	struct pgp_seckey *k = NULL;
	char *p;
	int rc = -1;

	if (pgp_keygen(&k, "test", 1600000000, &err) < 0 ||
	    aptidx_write_repo(&o, packages, strlen(packages), &rel, &err) < 0 ||
	    pgp_sign_cleartext(k, rel.buf, rel.len, 1700000000, &sig, &err) < 0 ||
	    pgp_seckey_export_public(k, 0, &pub, &err) < 0)
		goto out;
	p = util_path_join(dir, "dists/pgbundle/InRelease");
	rc = util_write_atomic(p, sig.buf, sig.len, 0644, &err);
	free(p);
	p = util_path_join(dir, "pgbundle.gpg");
	if (rc == 0)
		rc = util_write_atomic(p, pub.buf, pub.len, 0644, &err);
	free(p);
out:
	if (rc < 0)
		fprintf(stderr, "# make_repo: %s\n", err.msg);
	pgp_seckey_free(k);
	sbuf_free(&rel);
	sbuf_free(&sig);
	sbuf_free(&pub);
	return rc;
}

static int run_check(const char *packages, const char *status, const char *name,
		     int tamper, struct sbuf *report, struct pgb_err *err)
{
	char dir[] = "/tmp/pgbundle-test-shim.XXXXXX";
	char *line, *st;
	const char *names[] = { name };
	struct pgb_err ignored;
	int rc = -1;

	if (!mkdtemp(dir))
		return -1;
	st = util_path_join(dir, "status");
	if (make_repo(dir, packages) == 0 &&
	    util_write_atomic(st, status, strlen(status), 0644, err) == 0) {
		if (tamper) {
			/* Another key's signature: apt must refuse the repository. */
			char sub[64];

			snprintf(sub, sizeof(sub), "%s/other", dir);
			util_mkdir_p(sub, 0755, err);
			make_repo(sub, packages);
			char *a = util_path_join(sub, "pgbundle.gpg"), *b = util_path_join(dir, "pgbundle.gpg");
			char *data;
			size_t len;

			util_read_file(a, &data, &len, err);
			util_write_atomic(b, data, len, 0644, err);
			free(data);
			free(a);
			free(b);
		}
		line = xasprintf("deb [signed-by=%s/pgbundle.gpg] file:%s pgbundle main", dir, dir);
		rc = aptshim_check(line, st, "amd64", names, 1, 0, report, err);
		free(line);
	}
	free(st);
	util_rm_rf(dir, &ignored);
	return rc;
}

static int test_consistent_bundle_installs(void)
{
	struct sbuf report = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	int rc = run_check(STANZA("app", "Depends: lib (>= 1.0)\n") "\n" STANZA("lib", ""), "",
			   "app", 0, &report, &err);

	CHECKF(rc == 0, "%s", err.msg);
	CHECKF(strstr(report.buf, "app 1.0") && strstr(report.buf, "lib 1.0"), "%s", report.buf);
	sbuf_free(&report);
	return 0;
}

static int test_missing_dependency_is_named(void)
{
	struct pgb_err err = { { 0 } };
	int rc = run_check(STANZA("app", "Depends: lib (>= 1.0)\n"), "", "app", 0, NULL, &err);

	CHECK(rc < 0);
	CHECKF(strstr(err.msg, "app") && strstr(err.msg, "lib"), "%s", err.msg);
	return 0;
}

static int test_dependency_in_status_is_enough(void)
{
	struct pgb_err err = { { 0 } };
	const char *status = "Package: lib\nStatus: install ok installed\nVersion: 1.0\n"
			     "Architecture: amd64\nMaintainer: t <t@t>\nDescription: lib\n";
	int rc = run_check(STANZA("app", "Depends: lib (>= 1.0)\n"), status, "app", 0, NULL, &err);

	CHECKF(rc == 0, "%s", err.msg);
	return 0;
}

static int test_signature_by_another_key_is_refused(void)
{
	struct pgb_err err = { { 0 } };
	int rc = run_check(STANZA("lib", ""), "", "lib", 1, NULL, &err);

	CHECK(rc < 0);
	CHECKF(strstr(err.msg, "update"), "%s", err.msg);
	return 0;
}

static int test_unknown_package_is_named(void)
{
	struct pgb_err err = { { 0 } };
	int rc = run_check(STANZA("lib", ""), "", "nothere", 0, NULL, &err);

	CHECK(rc < 0);
	CHECKF(strstr(err.msg, "nothere"), "%s", err.msg);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_consistent_bundle_installs);
	T_RUN(&s, test_missing_dependency_is_named);
	T_RUN(&s, test_dependency_in_status_is_enough);
	T_RUN(&s, test_signature_by_another_key_is_refused);
	T_RUN(&s, test_unknown_package_is_named);
	return t_done(&s);
}
