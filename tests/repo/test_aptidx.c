/* test_aptidx.c - reading upstream Release files and indexes, writing the
 * bundle's own apt repository (checked with xz, sha256sum and apt-get). */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptidx.h"
#include "deb822.h"
#include "unit.h"

#define BOOKWORM_DATE 1783764997	/* Sat, 11 Jul 2026 10:16:37 UTC */

static char *fixture(const char *name)
{
	const char *top = getenv("TOP");

	return xasprintf("%s/tests/fixtures/apt/%s", top ? top : ".", name);
}

/* Run a shell command; its stdout (and stderr) into out; returns its status. */
static int run(const char *cmd, struct sbuf *out)
{
	char buf[4096];
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (out)
			sbuf_add(out, buf, n);
	return pclose(f);
}

/* All scratch dirs live under one per-process parent that main() removes,
 * so a failed CHECK (which returns early) leaves nothing behind. */
static char *scratch_parent(void)
{
	return xasprintf("/tmp/pgb-aptidx-test.%ld", (long)getpid());
}

static char *scratch(void)
{
	char *parent = scratch_parent(), *tmpl = xasprintf("%s/XXXXXX", parent);
	int ok = mkdir(parent, 0700) == 0 || errno == EEXIST;

	free(parent);
	if (!ok || !mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

static void drop(char *dir)
{
	struct pgb_err err;

	if (dir)
		util_rm_rf(dir, &err);
	free(dir);
}

/* ---- Release ---- */

static int test_fixture_release_fields_and_dates_are_parsed(void)
{
	char *path = fixture("bookworm-Release"), *body;
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };
	size_t len;

	CHECKF(util_read_file(path, &body, &len, &err) == 0, "%s", err.msg);
	CHECKF(aptidx_release_parse(body, len, path, &rel, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(rel.origin, "Debian") && !strcmp(rel.label, "Debian"));
	CHECK(!strcmp(rel.suite, "oldstable") && !strcmp(rel.codename, "bookworm"));
	CHECK(!strcmp(rel.version, "12.15"));
	CHECK(!strcmp(rel.date_str, "Sat, 11 Jul 2026 10:16:37 UTC"));
	CHECK(rel.date == BOOKWORM_DATE);
	CHECK(rel.valid_until == 0 && rel.valid_until_str == NULL);
	CHECK(rel.architectures.n == 10 && strlist_has(&rel.architectures, "amd64"));
	CHECK(rel.components.n == 4 && !strcmp(rel.components.v[0], "main"));
	CHECK(rel.acquire_by_hash == 1 && rel.no_arch_all_packages == 1);
	CHECK(rel.nfiles == 10);	/* the SHA256 list only, not MD5Sum */
	free(body);
	free(path);
	aptidx_release_free(&rel);
	return 0;
}

static int test_fixture_release_finds_main_amd64_packages_xz(void)
{
	char *path = fixture("bookworm-Release"), *body;
	struct aptidx_release rel;
	const struct aptidx_relfile *f;
	struct pgb_err err = { { 0 } };
	size_t len;

	CHECKF(util_read_file(path, &body, &len, &err) == 0, "%s", err.msg);
	CHECKF(aptidx_release_parse(body, len, path, &rel, &err) == 0, "%s", err.msg);
	f = aptidx_release_find(&rel, "main/binary-amd64/Packages.xz");
	CHECK(f != NULL);
	CHECK(f->size == 8790396);
	CHECK(!strcmp(f->sha256,
		      "9e0b5aabb2465b3d2e7a7fe27f9913846277833f7a2826e7767acccff5b588c5"));
	CHECK(aptidx_release_find(&rel, "main/binary-arm64/Packages.xz") == NULL);
	CHECK(aptidx_release_find(&rel, "main/binary-amd64") == NULL);
	free(body);
	free(path);
	aptidx_release_free(&rel);
	return 0;
}

static size_t to_sbuf(char *p, size_t size, size_t n, void *b)
{
	sbuf_add(b, p, size * n);
	return size * n;
}

static int http_get(const char *url, struct sbuf *out)
{
	CURL *c = curl_easy_init();
	long code = 0;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_sbuf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || code != 200) {
		fprintf(stderr, "# GET %s: %s, HTTP %ld\n", url, curl_easy_strerror(rc), code);
		return -1;
	}
	return 0;
}

static int test_mirror_bookworm_release_lists_main_amd64_packages_xz(void)
{
	char *mirror = t_debian_mirror(), *url;
	struct sbuf body = SBUF_INIT;
	struct aptidx_release rel;
	const struct aptidx_relfile *f;
	struct pgb_err err = { { 0 } };
	size_t hex = 0;

	CHECKF(mirror != NULL, "no Debian mirror in this host's apt sources");
	url = xasprintf("%s/dists/bookworm/Release", mirror);
	CHECKF(http_get(url, &body) == 0, "cannot fetch %s (this case needs the network)", url);
	CHECKF(aptidx_release_parse(body.buf, body.len, url, &rel, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(rel.codename, "bookworm") && !strcmp(rel.origin, "Debian"));
	CHECK(rel.date > 1686000000);	/* after bookworm's release (June 2023) */
	CHECK(strlist_has(&rel.components, "main") && strlist_has(&rel.architectures, "amd64"));
	CHECK(rel.nfiles > 100);
	f = aptidx_release_find(&rel, "main/binary-amd64/Packages.xz");
	CHECK(f != NULL && f->size > 1000000);
	while (hex < 64 && strchr("0123456789abcdef", f->sha256[hex]))
		hex++;
	CHECK(hex == 64 && f->sha256[64] == '\0');
	aptidx_release_free(&rel);
	sbuf_free(&body);
	free(url);
	free(mirror);
	return 0;
}

static int parse_str(const char *text, struct aptidx_release *rel, struct pgb_err *err)
{
	return aptidx_release_parse(text, strlen(text), "test/InRelease", rel, err);
}

#define SUM_A "0b0cd0be7afe97b48e1f593e40d471cc673c576408d5513b3eee0bae4b28e52f"

static int test_release_with_only_md5sum_is_refused(void)
{
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };

	CHECK(parse_str("Suite: old\nMD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4 1 main/x\n", &rel,
			&err) == -1);
	CHECKF(strstr(err.msg, "test/InRelease") && strstr(err.msg, "no SHA256"), "%s", err.msg);
	CHECK(rel.suite == NULL && rel.files == NULL);	/* left zeroed */
	aptidx_release_free(&rel);
	return 0;
}

static int test_malformed_sha256_line_is_refused_naming_its_line(void)
{
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };

	CHECK(parse_str("Suite: s\nSHA256:\n " SUM_A " 5 main/a\n " SUM_A " 5x main/b\n", &rel,
			&err) == -1);
	CHECKF(strstr(err.msg, "test/InRelease:4:"), "%s", err.msg);
	CHECK(parse_str("SHA256:\n abc 5 main/a\n", &rel, &err) == -1);
	CHECKF(strstr(err.msg, "test/InRelease:2:"), "%s", err.msg);
	CHECK(parse_str("SHA256:\n " SUM_A " 5\n", &rel, &err) == -1);
	CHECK(parse_str("SHA256:\n " SUM_A " 5 main/a extra\n", &rel, &err) == -1);
	CHECK(parse_str("SHA256:\n " SUM_A " 99999999999999999999999 main/a\n", &rel, &err) == -1);
	return 0;
}

static int test_sha256_path_escaping_the_suite_is_refused(void)
{
	static const char *const bad[] = { "../../etc/passwd", "/etc/passwd", "main/../../x",
					   "main//x", "main/./x", "main/" };
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = xasprintf("SHA256:\n " SUM_A " 5 %s\n", bad[i]);
		int rc = parse_str(t, &rel, &err);

		free(t);
		CHECKF(rc == -1 && strstr(err.msg, "unsafe path"), "%s: %s", bad[i], err.msg);
	}
	return 0;
}

static int test_uppercase_sha256_is_normalised_and_sizes_are_64_bit(void)
{
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };

	CHECKF(parse_str("SHA256:\n 0B0CD0BE7AFE97B48E1F593E40D471CC673C576408D5513B3EEE0BAE4B28E52F"
			 " 18446744073709551000 main/a\n", &rel, &err) == 0, "%s", err.msg);
	CHECK(rel.nfiles == 1 && !strcmp(rel.files[0].sha256, SUM_A));
	CHECK(rel.files[0].size == 18446744073709551000ULL);
	aptidx_release_free(&rel);
	return 0;
}

static int test_dates_with_numeric_zones_and_valid_until_are_parsed(void)
{
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };
	int64_t t;

	CHECKF(parse_str("Date: 11 Jul 2026 10:16:37 -0130\n"
			 "Valid-Until: Tue, 01 Dec 2026 00:34:33 +0000\n"
			 "SHA256:\n " SUM_A " 5 main/a\n", &rel, &err) == 0, "%s", err.msg);
	CHECK(rel.date == BOOKWORM_DATE + 5400);
	CHECK(rel.valid_until == 1796085273);
	CHECK(!strcmp(rel.valid_until_str, "Tue, 01 Dec 2026 00:34:33 +0000"));
	aptidx_release_free(&rel);
	CHECK(aptidx_parse_date("Wed, 1 Jul 2026 00:00:00 GMT", &t) == 0 && t == 1782864000);
	CHECK(aptidx_parse_date("wed, 01 JUL 2026 00:00:00 z", &t) == 0 && t == 1782864000);
	return 0;
}

static int test_unparsable_dates_are_refused(void)
{
	static const char *const bad[] = { "2026-07-11 10:16:37", "Sat, 31 Feb 2026 10:16:37 UTC",
					   "Sat, 11 Jux 2026 10:16:37 UTC", "11 Jul 2026 10:16 UTC",
					   "11 Jul 2026 25:16:37 UTC", "11 Jul 2026 10:16:37",
					   "11 Jul 2026 10:16:37 CEST", "11 Jul 26 10:16:37 UTC",
					   "11 Jul 2026 10:16:37 UTC junk" };
	struct aptidx_release rel;
	struct pgb_err err = { { 0 } };
	int64_t t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf("Date: %s\nSHA256:\n " SUM_A " 5 main/a\n", bad[i]);
		int rc = parse_str(text, &rel, &err);

		free(text);
		CHECKF(rc == -1 && strstr(err.msg, "Date"), "%s: %s", bad[i], err.msg);
		CHECKF(aptidx_parse_date(bad[i], &t) == -1, "%s", bad[i]);
	}
	return 0;
}

static int test_format_date_is_rfc2822_utc_and_parses_back(void)
{
	static const int64_t when[] = { 0, BOOKWORM_DATE, 951782400 /* 29 Feb 2000 */,
					4102444799 /* 31 Dec 2099 */ };
	char buf[64];
	int64_t t;

	aptidx_format_date(BOOKWORM_DATE, buf);
	CHECK(!strcmp(buf, "Sat, 11 Jul 2026 10:16:37 UTC"));
	aptidx_format_date(0, buf);
	CHECK(!strcmp(buf, "Thu, 01 Jan 1970 00:00:00 UTC"));
	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		aptidx_format_date(when[i], buf);
		CHECKF(aptidx_parse_date(buf, &t) == 0 && t == when[i], "%s", buf);
	}
	return 0;
}

/* ---- decompression ---- */

static const char sample[] = "Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n";

/* bzip2 is not a test dependency of the project: make the .bz2 with libarchive. */
static int write_bz2(const char *path, const char *data, size_t len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int ok;

	archive_write_set_format_raw(a);
	archive_write_add_filter_bzip2(a);
	ok = archive_write_open_filename(a, path) == ARCHIVE_OK;
	archive_entry_set_pathname(e, "x");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	ok = ok && archive_write_header(a, e) == ARCHIVE_OK &&
	     archive_write_data(a, data, len) == (la_ssize_t)len &&
	     archive_write_close(a) == ARCHIVE_OK;
	archive_entry_free(e);
	archive_write_free(a);
	return ok ? 0 : -1;
}

static int decompressed_is(const char *path, const char *want)
{
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	int ok;

	sbuf_adds(&out, ">");	/* appended to, not replaced */
	if (aptidx_decompress(path, &out, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		sbuf_free(&out);
		return 0;
	}
	ok = out.len == strlen(want) + 1 && out.buf[0] == '>' && !strcmp(out.buf + 1, want);
	sbuf_free(&out);
	return ok;
}

static int test_decompress_recognises_xz_gz_bz2_zst_and_plain_by_content(void)
{
	char *d = scratch(), *plain, *cmd;
	static const char *const names[] = { "idx-xz", "idx-gz", "idx-zst", "idx-bz2", "plain" };

	CHECK(d != NULL);
	plain = util_path_join(d, "plain");
	CHECK(util_write_atomic(plain, sample, strlen(sample), 0644, NULL) == 0);
	/* Names without the usual suffix: the content decides, not the name. */
	cmd = xasprintf("cd %s && xz -c plain >idx-xz && gzip -nc plain >idx-gz && "
			"zstd -qc plain >idx-zst", d);
	CHECK(run(cmd, NULL) == 0);
	free(cmd);
	cmd = util_path_join(d, "idx-bz2");
	CHECK(write_bz2(cmd, sample, strlen(sample)) == 0);
	free(cmd);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = util_path_join(d, names[i]);
		int ok = decompressed_is(p, sample);

		free(p);
		CHECKF(ok, "%s", names[i]);
	}
	free(plain);
	drop(d);
	return 0;
}

static int test_decompress_of_empty_file_is_empty(void)
{
	char *d = scratch(), *p;

	CHECK(d != NULL);
	p = util_path_join(d, "empty");
	CHECK(util_write_atomic(p, "", 0, 0644, NULL) == 0);
	CHECK(decompressed_is(p, ""));
	free(p);
	drop(d);
	return 0;
}

static int test_decompress_of_truncated_xz_fails_naming_the_file(void)
{
	char *d = scratch(), *cmd, *p;
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	struct sbuf big = SBUF_INIT;

	CHECK(d != NULL);
	for (int i = 0; i < 5000; i++)
		sbuf_addf(&big, "Package: p%d\nVersion: %d\n\n", i, i * 7919);
	p = util_path_join(d, "Packages");
	CHECK(util_write_atomic(p, big.buf, big.len, 0644, NULL) == 0);
	free(p);
	cmd = xasprintf("cd %s && xz -c Packages | head -c 2000 >Packages.xz", d);
	CHECK(run(cmd, NULL) == 0);
	free(cmd);
	p = util_path_join(d, "Packages.xz");
	sbuf_adds(&out, "keep");
	CHECK(aptidx_decompress(p, &out, &err) == -1);
	CHECKF(strstr(err.msg, p) != NULL, "%s", err.msg);
	CHECK(out.len == 4 && !strcmp(out.buf, "keep"));
	free(p);
	p = util_path_join(d, "missing.xz");
	CHECK(aptidx_decompress(p, &out, &err) == -1);
	CHECKF(strstr(err.msg, p) != NULL, "%s", err.msg);
	free(p);
	sbuf_free(&out);
	sbuf_free(&big);
	drop(d);
	return 0;
}

/* ---- writing ---- */

#define HEX64 "c2b1d1b2e6d2a0f6a5a1c9d6e0f4b3a2918273645546372819aabbccddeeff00"

static const char three[] =
	"Package: pgb-test-a\n"
	"Version: 1.0-1\n"
	"Architecture: amd64\n"
	"Maintainer: pgbundle tests <tests@example.invalid>\n"
	"Depends: pgb-test-c\n"
	"Filename: pool/pgb-test-a_1.0-1_amd64.deb\n"
	"Size: 1200\n"
	"SHA256: " HEX64 "\n"
	"Description: first test package\n"
	" It has a long description.\n"
	" .\n"
	" With two paragraphs.\n"
	"\n"
	"Package: pgb-test-b\n"
	"Version: 2:3.4~rc1-2\n"
	"Architecture: amd64\n"
	"Filename: pool/pgb-test-b_3.4~rc1-2_amd64.deb\n"
	"Size: 3400\n"
	"SHA256: " HEX64 "\n"
	"Description: second test package\n"
	"\n"
	"Package: pgb-test-c\n"
	"Version: 0.1\n"
	"Architecture: all\n"
	"Filename: pool/pgb-test-c_0.1_all.deb\n"
	"Size: 10\n"
	"SHA256: " HEX64 "\n"
	"Description: third test package\n";

static void opts_for(struct aptidx_write_opts *o, const char *top)
{
	memset(o, 0, sizeof(*o));
	o->top = top;
	o->suite = "pgbundle";
	o->codename = "pgbundle";
	o->component = "main";
	o->arch = "amd64";
	o->origin = "pgbundle";
	o->label = "pgbundle test";
	o->description = "pgbundle offline repository";
	o->date = BOOKWORM_DATE;
}

static int write_three(const char *top, struct sbuf *release)
{
	struct aptidx_write_opts o;
	struct pgb_err err = { { 0 } };

	opts_for(&o, top);
	if (aptidx_write_repo(&o, three, strlen(three), release, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int file_is(const char *path, const char *data, size_t len)
{
	char *got;
	size_t n;
	struct pgb_err err;
	int ok;

	if (util_read_file(path, &got, &n, &err) < 0)
		return 0;
	ok = n == len && !memcmp(got, data, len);
	free(got);
	return ok;
}

static int test_written_packages_xz_decompresses_to_packages(void)
{
	char *d = scratch(), *dir, *cmd;
	struct sbuf rel = SBUF_INIT, out = SBUF_INIT;

	CHECK(d != NULL && write_three(d, &rel) == 0);
	dir = xasprintf("%s/dists/pgbundle/main/binary-amd64", d);
	cmd = xasprintf("%s/Packages", dir);
	CHECK(file_is(cmd, three, strlen(three)));
	free(cmd);
	cmd = xasprintf("xz -dc %s/Packages.xz", dir);
	CHECK(run(cmd, &out) == 0);
	CHECK(out.len == strlen(three) && !memcmp(out.buf, three, out.len));
	free(cmd);
	free(dir);
	sbuf_free(&rel);
	sbuf_free(&out);
	drop(d);
	return 0;
}

static int test_written_release_sha256_lines_match_sha256sum(void)
{
	char *d = scratch(), *path, *cmd;
	struct sbuf rel = SBUF_INIT, out = SBUF_INIT;
	struct aptidx_release r;
	struct pgb_err err = { { 0 } };

	CHECK(d != NULL && write_three(d, &rel) == 0);
	path = xasprintf("%s/dists/pgbundle/Release", d);
	CHECK(file_is(path, rel.buf, rel.len));		/* what the caller signs is on disk */
	CHECKF(aptidx_release_parse(rel.buf, rel.len, path, &r, &err) == 0, "%s", err.msg);
	CHECK(r.nfiles == 2);
	for (size_t i = 0; i < r.nfiles; i++) {
		char *f = xasprintf("%s/dists/pgbundle/%s", d, r.files[i].path);
		struct stat st;

		cmd = xasprintf("sha256sum %s", f);
		sbuf_reset(&out);
		CHECK(run(cmd, &out) == 0 && out.len > 64);
		CHECKF(!strncmp(out.buf, r.files[i].sha256, 64), "%s", r.files[i].path);
		CHECK(stat(f, &st) == 0 && (uint64_t)st.st_size == r.files[i].size);
		free(cmd);
		free(f);
	}
	CHECK(aptidx_release_find(&r, "main/binary-amd64/Packages") != NULL);
	CHECK(aptidx_release_find(&r, "main/binary-amd64/Packages.xz") != NULL);
	CHECK(!strcmp(r.suite, "pgbundle") && !strcmp(r.codename, "pgbundle"));
	CHECK(!strcmp(r.origin, "pgbundle") && !strcmp(r.label, "pgbundle test"));
	CHECK(r.date == BOOKWORM_DATE && !strcmp(r.date_str, "Sat, 11 Jul 2026 10:16:37 UTC"));
	CHECK(r.valid_until_str == NULL);	/* an offline bundle must not expire */
	CHECK(r.acquire_by_hash == 0 && strstr(rel.buf, "\nAcquire-By-Hash: no\n"));
	CHECK(r.architectures.n == 1 && r.components.n == 1);
	aptidx_release_free(&r);
	free(path);
	sbuf_free(&rel);
	sbuf_free(&out);
	drop(d);
	return 0;
}

static int same_file(const char *a_top, const char *b_top, const char *rel)
{
	char *a = util_path_join(a_top, rel), *b = util_path_join(b_top, rel), *da, *db;
	size_t la, lb;
	struct pgb_err err;
	int ok = 0;

	if (util_read_file(a, &da, &la, &err) == 0) {
		if (util_read_file(b, &db, &lb, &err) == 0) {
			ok = la == lb && !memcmp(da, db, la);
			free(db);
		}
		free(da);
	}
	free(a);
	free(b);
	return ok;
}

static int test_two_writes_of_the_same_input_are_byte_identical(void)
{
	static const char *const files[] = { "dists/pgbundle/Release",
					     "dists/pgbundle/main/binary-amd64/Packages",
					     "dists/pgbundle/main/binary-amd64/Packages.xz" };
	char *a = scratch(), *b = scratch();
	struct sbuf ra = SBUF_INIT, rb = SBUF_INIT;

	CHECK(a && b && write_three(a, &ra) == 0 && write_three(b, &rb) == 0);
	CHECK(ra.len == rb.len && !memcmp(ra.buf, rb.buf, ra.len));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECKF(same_file(a, b, files[i]), "%s differs", files[i]);
	/* Writing again over an existing tree gives the same bytes too. */
	sbuf_reset(&rb);
	CHECK(write_three(b, &rb) == 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECKF(same_file(a, b, files[i]), "%s differs after rewrite", files[i]);
	sbuf_free(&ra);
	sbuf_free(&rb);
	drop(a);
	drop(b);
	return 0;
}

static int setup_apt_root(const char *root, const char *top)
{
	static const char *const dirs[] = { "etc/apt/preferences.d", "etc/apt/apt.conf.d",
					    "var/lib/apt/lists/partial",
					    "var/cache/apt/archives/partial", "var/log/apt" };
	char *p, *line;
	int rc = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc == 0; i++) {
		p = util_path_join(root, dirs[i]);
		rc = util_mkdir_p(p, 0755, NULL);
		free(p);
	}
	/* trusted=yes only here: signing is pgp.h's job, tested there. */
	line = xasprintf("deb [trusted=yes] file:%s pgbundle main\n", top);
	p = util_path_join(root, "sources.list");
	rc = rc ? rc : util_write_atomic(p, line, strlen(line), 0644, NULL);
	free(p);
	free(line);
	p = util_path_join(root, "status");
	rc = rc ? rc : util_write_atomic(p, "", 0, 0644, NULL);
	free(p);
	return rc;
}

static char *apt_cmd(const char *root, const char *tool, const char *args)
{
	return xasprintf("%s -q -o Dir=%s -o Dir::State::status=%s/status "
			 "-o Dir::Etc::sourcelist=%s/sources.list -o Dir::Etc::sourceparts=- "
			 "-o APT::Architecture=amd64 -o APT::Architectures=amd64 "
			 "-o APT::Sandbox::User=root -o Acquire::Languages=none %s 2>&1",
			 tool, root, root, root, args);
}

static int test_written_repo_is_accepted_by_apt_get(void)
{
	char *d = scratch(), *top, *root, *cmd;
	struct sbuf rel = SBUF_INIT, out = SBUF_INIT;
	int rc;

	CHECK(d != NULL);
	top = util_path_join(d, "top");
	root = util_path_join(d, "apt");
	CHECK(write_three(top, &rel) == 0 && setup_apt_root(root, top) == 0);
	cmd = apt_cmd(root, "apt-get", "update");
	rc = run(cmd, &out);
	CHECKF(rc == 0, "apt-get update failed:\n%s", out.buf);
	CHECKF(!strstr(out.buf, "W:") && !strstr(out.buf, "E:"), "apt-get update:\n%s", out.buf);
	free(cmd);
	for (char c = 'a'; c <= 'c'; c++) {
		char *args = xasprintf("show pgb-test-%c", c), *want = xasprintf("Package: pgb-test-%c\n", c);

		cmd = apt_cmd(root, "apt-cache", args);
		sbuf_reset(&out);
		rc = run(cmd, &out);
		CHECKF(rc == 0 && strstr(out.buf, want), "apt-cache %s:\n%s", args, out.buf);
		free(args);
		free(want);
		free(cmd);
	}
	CHECK(strstr(out.buf, "Version: 0.1\n") != NULL);
	cmd = apt_cmd(root, "apt-cache", "policy pgb-test-b");
	sbuf_reset(&out);
	CHECK(run(cmd, &out) == 0);
	CHECKF(strstr(out.buf, "Candidate: 2:3.4~rc1-2"), "%s", out.buf);
	free(cmd);
	free(top);
	free(root);
	sbuf_free(&rel);
	sbuf_free(&out);
	drop(d);
	return 0;
}

static int test_empty_package_list_gives_a_valid_repository(void)
{
	char *d = scratch(), *cmd;
	struct aptidx_write_opts o;
	struct sbuf rel = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err = { { 0 } };

	CHECK(d != NULL);
	opts_for(&o, d);
	CHECKF(aptidx_write_repo(&o, "", 0, &rel, &err) == 0, "%s", err.msg);
	cmd = xasprintf("xz -dc %s/dists/pgbundle/main/binary-amd64/Packages.xz | wc -c", d);
	CHECK(run(cmd, &out) == 0 && atoi(out.buf) == 0);
	CHECK(strstr(rel.buf, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	free(cmd);
	sbuf_free(&rel);
	sbuf_free(&out);
	drop(d);
	return 0;
}

static int refused_without_writing(struct aptidx_write_opts *o, const char *pk, const char *want)
{
	struct sbuf rel = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	char *dists = util_path_join(o->top, "dists");
	int rc = aptidx_write_repo(o, pk, strlen(pk), &rel, &err);
	int ok = rc == -1 && strstr(err.msg, want) && !util_exists(dists) && rel.len == 0;

	if (!ok)
		fprintf(stderr, "# rc %d, msg \"%s\", want \"%s\"\n", rc, err.msg, want);
	free(dists);
	sbuf_free(&rel);
	return ok;
}

static int test_newline_in_an_option_is_refused_before_writing(void)
{
	char *d = scratch();
	struct aptidx_write_opts o;

	CHECK(d != NULL);
	opts_for(&o, d);
	o.label = "evil\nValid-Until: Sat, 01 Jan 2000 00:00:00 UTC";
	CHECK(refused_without_writing(&o, three, "newline"));
	opts_for(&o, d);
	o.component = "main/../..";
	CHECK(refused_without_writing(&o, three, "component"));
	opts_for(&o, d);
	o.arch = NULL;
	CHECK(refused_without_writing(&o, three, "arch"));
	drop(d);
	return 0;
}

static int test_bad_packages_text_is_refused_before_writing(void)
{
	char *d = scratch();
	struct aptidx_write_opts o;

	CHECK(d != NULL);
	opts_for(&o, d);
	CHECK(refused_without_writing(&o, "Package: a\n\nVersion: 1\n", ":3: stanza without a Package"));
	CHECK(refused_without_writing(&o, "Package: a\nbroken line\n", ":2: syntax error"));
	drop(d);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	curl_global_init(CURL_GLOBAL_DEFAULT);
	T_RUN(&s, test_fixture_release_fields_and_dates_are_parsed);
	T_RUN(&s, test_fixture_release_finds_main_amd64_packages_xz);
	T_RUN(&s, test_mirror_bookworm_release_lists_main_amd64_packages_xz);
	T_RUN(&s, test_release_with_only_md5sum_is_refused);
	T_RUN(&s, test_malformed_sha256_line_is_refused_naming_its_line);
	T_RUN(&s, test_sha256_path_escaping_the_suite_is_refused);
	T_RUN(&s, test_uppercase_sha256_is_normalised_and_sizes_are_64_bit);
	T_RUN(&s, test_dates_with_numeric_zones_and_valid_until_are_parsed);
	T_RUN(&s, test_unparsable_dates_are_refused);
	T_RUN(&s, test_format_date_is_rfc2822_utc_and_parses_back);
	T_RUN(&s, test_decompress_recognises_xz_gz_bz2_zst_and_plain_by_content);
	T_RUN(&s, test_decompress_of_empty_file_is_empty);
	T_RUN(&s, test_decompress_of_truncated_xz_fails_naming_the_file);
	T_RUN(&s, test_written_packages_xz_decompresses_to_packages);
	T_RUN(&s, test_written_release_sha256_lines_match_sha256sum);
	T_RUN(&s, test_two_writes_of_the_same_input_are_byte_identical);
	T_RUN(&s, test_written_repo_is_accepted_by_apt_get);
	T_RUN(&s, test_empty_package_list_gives_a_valid_repository);
	T_RUN(&s, test_newline_in_an_option_is_refused_before_writing);
	T_RUN(&s, test_bad_packages_text_is_refused_before_writing);
	curl_global_cleanup();
	drop(scratch_parent());
	return t_done(&s);
}
