/* test_extdisc.c - extension discovery: the Contents parser on fixtures
 * (several packages per line, contrib, bad lines, compressed streams), the
 * rpm-md filelists parser (majors, contrib, several extensions per package,
 * nested and non-file entries, newest build, gzip and zstd), the join with
 * Packages, and manifest item resolution (names, aliases, categories, all,
 * unresolved). */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extdisc.h"
#include "rpmmd.h"
#include "unit.h"

static const char contents_fixture[] =
	"FILE                                                    LOCATION\n"
	"usr/bin/psql                                            database/postgresql-client-15\n"
	"usr/share/postgresql/15/extension/pg_trgm.control       database/postgresql-15\n"
	"usr/share/postgresql/15/extension/pg_trgm--1.6.sql      database/postgresql-15\n"
	"usr/share/postgresql/15/extension/pg_proctab--0.0.10-compat.control database/postgresql-15-pgnodemx\n"
	"usr/share/postgresql/15/extension/postgis.control       database/postgresql-15-postgis-3\n"
	"usr/share/postgresql/15/extension/postgis_raster.control database/postgresql-15-postgis-3\n"
	"usr/share/postgresql/15/extension/hll.control   database/postgresql-15-hll,contrib/database/postgresql-15-hll-old\n"
	"usr/share/postgresql/13/extension/vector.control\tdatabase/postgresql-13-pgvector\n"
	"usr/share/postgresql/15/extension/sub/x.control        database/postgresql-15-odd\n"
	"usr/share/postgresql-common/extension/y.control        database/postgresql-common\n"
	"usr/share/postgresql/15/contrib/z.control              database/postgresql-15\n"
	"usr/share/postgresql/15/extension/last.control database/postgresql-15-last";	/* no final newline */

static struct pgb_err err;

static const struct extdisc_ext *find(const struct extdisc *d, const char *name, int pg,
				      const char *pkg)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, name) && d->v[i].pg == pg && !strcmp(d->v[i].package, pkg))
			return &d->v[i];
	return NULL;
}

static int parse_fixture(struct extdisc *d)
{
	memset(d, 0, sizeof(*d));
	if (extdisc_parse_contents(d, contents_fixture, strlen(contents_fixture), "Contents", &err)) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	extdisc_sort(d);
	return 0;
}

static int test_contents_contrib_extension_maps_to_postgresql_major(void)
{
	struct extdisc d;

	CHECK(parse_fixture(&d) == 0);
	CHECK(find(&d, "pg_trgm", 15, "postgresql-15"));
	extdisc_free(&d);
	return 0;
}

static int test_contents_package_shipping_several_extensions_maps_them_all(void)
{
	struct extdisc d;

	CHECK(parse_fixture(&d) == 0);
	CHECK(find(&d, "postgis", 15, "postgresql-15-postgis-3"));
	CHECK(find(&d, "postgis_raster", 15, "postgresql-15-postgis-3"));
	extdisc_free(&d);
	return 0;
}

static int test_contents_several_packages_on_one_line_each_map(void)
{
	struct extdisc d;

	CHECK(parse_fixture(&d) == 0);
	CHECK(find(&d, "hll", 15, "postgresql-15-hll"));
	CHECK(find(&d, "hll", 15, "postgresql-15-hll-old"));
	CHECK(find(&d, "vector", 13, "postgresql-13-pgvector"));	/* tab separator */
	CHECK(find(&d, "last", 15, "postgresql-15-last"));		/* no final newline */
	extdisc_free(&d);
	return 0;
}

static int test_contents_skips_files_that_are_not_control_files_of_the_extension_dir(void)
{
	struct extdisc d;

	CHECK(parse_fixture(&d) == 0);
	/* pg_trgm, postgis, postgis_raster, hll x2, vector, last: nothing else. */
	CHECKF(d.n == 7, "%zu entries", d.n);
	CHECK(!extdisc_lookup(&d, "x", 0) && !extdisc_lookup(&d, "y", 0) &&
	      !extdisc_lookup(&d, "z", 0) && !extdisc_lookup(&d, "pg_trgm--1.6", 0));
	/* A secondary control file is no extension (PostgreSQL skips "--" too). */
	CHECK(!extdisc_lookup(&d, "pg_proctab--0.0.10-compat", 0));
	extdisc_free(&d);
	return 0;
}

static int test_contents_rejects_control_line_without_package_column(void)
{
	static const char bad[] = "usr/bin/x  admin/x\n"
				  "usr/share/postgresql/15/extension/broken.control\n";
	struct extdisc d = { 0 };

	CHECK(extdisc_parse_contents(&d, bad, strlen(bad), "fix/Contents", &err) < 0);
	CHECKF(strstr(err.msg, "fix/Contents:2") && strstr(err.msg, "no package column"), "%s",
	       err.msg);
	extdisc_free(&d);
	return 0;
}

/* Found by tests/fuzz/fuzz_contents.c: a NUL byte made an entry with an empty
 * package name (or a name cut short) that the empty-name check let through. */
static int test_contents_rejects_nul_byte_in_an_extension_line(void)
{
	static const char bad[] = "usr/share/postgresql/17/extension/x.control  database/\0pkg\n"
				  "usr/share/postgresql/17/extension/y\0z.control  database/p\n";
	struct extdisc d = { 0 };
	const char *second;

	CHECK(extdisc_parse_contents(&d, bad, sizeof(bad) - 1, "C", &err) < 0);
	CHECKF(strstr(err.msg, "C:1") && strstr(err.msg, "NUL byte"), "%s", err.msg);
	CHECK(d.n == 0);
	extdisc_free(&d);
	second = (const char *)memchr(bad, '\n', sizeof(bad) - 1) + 1;
	CHECK(extdisc_parse_contents(&d, second, sizeof(bad) - 1 - (size_t)(second - bad), "C",
				     &err) < 0);
	CHECK(d.n == 0);
	extdisc_free(&d);
	return 0;
}

static int test_contents_rejects_empty_package_in_location_list(void)
{
	static const char bad[] = "usr/share/postgresql/15/extension/a.control  database/p,database/\n";
	struct extdisc d = { 0 };

	CHECK(extdisc_parse_contents(&d, bad, strlen(bad), "C", &err) < 0);
	CHECKF(strstr(err.msg, "C:1") && strstr(err.msg, "empty package"), "%s", err.msg);
	extdisc_free(&d);
	return 0;
}

/* Write text compressed with filter (libarchive raw format) to path. */
static int write_filtered(const char *path, const char *text, size_t len, int filter)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_write_add_filter(a, filter);
	archive_write_set_format_raw(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		rc = -1;
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "data");
	if (rc == 0 && archive_write_header(a, e) != ARCHIVE_OK)
		rc = -1;
	if (rc == 0 && archive_write_data(a, text, len) != (ssize_t)len)
		rc = -1;
	archive_entry_free(e);
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	archive_write_free(a);
	return rc;
}

static int write_gz(const char *path, const char *text, size_t len)
{
	return write_filtered(path, text, len, ARCHIVE_FILTER_GZIP);
}

static int test_contents_gzip_file_streams_across_blocks_like_text(void)
{
	char dir[] = "/tmp/test_extdisc.XXXXXX", *path;
	struct sbuf big = SBUF_INIT;
	struct extdisc d = { 0 }, t = { 0 };
	int ok;

	CHECK(mkdtemp(dir));
	path = util_path_join(dir, "Contents-amd64.gz");
	/* Filler lines so that control lines straddle the 64 KiB read blocks. */
	for (int i = 0; i < 4000; i++) {
		sbuf_addf(&big, "usr/share/doc/filler-%d/changelog.gz   doc/filler-%d\n", i, i);
		if (i % 97 == 0)
			sbuf_addf(&big, "usr/share/postgresql/17/extension/e%d.control   "
				  "database/postgresql-17-e%d\n", i, i % 5);
	}
	ok = write_gz(path, big.buf, big.len) == 0 &&
	     extdisc_parse_contents_file(&d, path, &err) == 0 &&
	     extdisc_parse_contents(&t, big.buf, big.len, "text", &err) == 0;
	unlink(path);
	rmdir(dir);
	free(path);
	sbuf_free(&big);
	CHECKF(ok, "%s", err.msg);
	extdisc_sort(&d);
	extdisc_sort(&t);
	CHECKF(d.n == t.n && d.n == 42, "%zu vs %zu", d.n, t.n);
	for (size_t i = 0; i < d.n; i++)
		CHECK(!strcmp(d.v[i].name, t.v[i].name) && !strcmp(d.v[i].package, t.v[i].package));
	CHECK(find(&d, "e3977", 17, "postgresql-17-e2"));
	extdisc_free(&d);
	extdisc_free(&t);
	return 0;
}

static int test_contents_missing_file_fails_naming_it(void)
{
	struct extdisc d = { 0 };

	CHECK(extdisc_parse_contents_file(&d, "/nonexistent/Contents-amd64.gz", &err) < 0);
	CHECKF(strstr(err.msg, "/nonexistent/Contents-amd64.gz"), "%s", err.msg);
	return 0;
}

/* ---- rpm-md filelists ---- */

static const char filelists_fixture[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"8\">\n"
	"<package pkgid=\"a1\" name=\"postgresql16-contrib\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"16.4\" rel=\"1PGDG.rhel9\"/>\n"
	" <file type=\"dir\">/usr/pgsql-16/share/extension</file>\n"
	" <file>/usr/pgsql-16/lib/hstore.so</file>\n"
	" <file>/usr/pgsql-16/share/extension/hstore--1.8.sql</file>\n"
	" <file>/usr/pgsql-16/share/extension/hstore.control</file>\n"
	" <file>/usr/pgsql-16/share/extension/pg_stat_statements.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a2\" name=\"postgresql17-contrib\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"17.2\" rel=\"1PGDG.rhel9\"/>\n"
	" <file>/usr/pgsql-17/share/extension/hstore.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a3\" name=\"postgis34_16\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"3.4.2\" rel=\"1PGDG.rhel9\"/>\n"
	" <file>/usr/pgsql-16/share/extension/postgis.control</file>\n"
	" <file>/usr/pgsql-16/share/extension/postgis_raster.control</file>\n"
	" <file>/usr/pgsql-16/share/extension/postgis_topology.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a4\" name=\"pgvector_17\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"0.8.0\" rel=\"1PGDG.rhel9\"/>\n"
	" <file>/usr/pgsql-17/share/extension/vector.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a5\" name=\"pgvector_17\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"0.7.4\" rel=\"1PGDG.rhel9\"/>\n"
	" <file>/usr/pgsql-17/share/extension/vector.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a6\" name=\"pg_partman_16\" arch=\"x86_64\">\n"
	" <version epoch=\"1\" ver=\"5.1.0\" rel=\"1PGDG.rhel9\"/>\n"
	" <file>/usr/pgsql-16/share/extension/pg_partman.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a7\" name=\"odd_16\" arch=\"noarch\">\n"
	" <version epoch=\"0\" ver=\"1\" rel=\"1\"/>\n"
	" <file>/usr/pgsql-16/share/extension/sub/nested.control</file>\n"
	" <file type=\"ghost\">/usr/pgsql-16/share/extension/ghost.control</file>\n"
	" <file type=\"dir\">/usr/pgsql-16/share/extension/d.control</file>\n"
	" <file>/usr/pgsql-16/share/contrib/z.control</file>\n"
	" <file>/usr/pgsql-x/share/extension/y.control</file>\n"
	" <file>/usr/pgsql-16/share/extension/.control</file>\n"
	"</package>\n"
	"<package pkgid=\"a8\" name=\"postgresql-contrib\" arch=\"x86_64\">\n"
	" <version epoch=\"0\" ver=\"13.20\" rel=\"1.el9\"/>\n"
	" <file>/usr/share/pgsql/extension/hstore.control</file>\n"
	"</package>\n"
	"</filelists>\n";

/* Parse text written to a temporary file compressed with filter (or plain). */
static int parse_filelists_text(struct extdisc *d, const char *text, int filter)
{
	char dir[] = "/tmp/test_extdisc.XXXXXX", *path;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (!mkdtemp(dir))
		return -1;
	path = util_path_join(dir, "filelists");
	if (filter == ARCHIVE_FILTER_NONE)
		rc = util_write_atomic(path, text, strlen(text), 0644, &err);
	else
		rc = write_filtered(path, text, strlen(text), filter);
	if (rc == 0)
		rc = extdisc_parse_filelists_file(d, path, &err);
	if (rc < 0)
		fprintf(stderr, "# %s\n", err.msg);
	extdisc_sort(d);
	unlink(path);
	rmdir(dir);
	free(path);
	return rc;
}

static int test_filelists_contrib_extensions_map_per_major(void)
{
	struct extdisc d;
	const struct extdisc_ext *e;

	CHECK(parse_filelists_text(&d, filelists_fixture, ARCHIVE_FILTER_GZIP) == 0);
	e = find(&d, "hstore", 16, "postgresql16-contrib");
	CHECK(e && !strcmp(e->version, "16.4-1PGDG.rhel9"));
	CHECK(find(&d, "pg_stat_statements", 16, "postgresql16-contrib"));
	e = find(&d, "hstore", 17, "postgresql17-contrib");
	CHECK(e && !strcmp(e->version, "17.2-1PGDG.rhel9"));
	extdisc_free(&d);
	return 0;
}

static int test_filelists_package_shipping_several_extensions_maps_them_all(void)
{
	struct extdisc d;

	CHECK(parse_filelists_text(&d, filelists_fixture, ARCHIVE_FILTER_GZIP) == 0);
	CHECK(find(&d, "postgis", 16, "postgis34_16"));
	CHECK(find(&d, "postgis_raster", 16, "postgis34_16"));
	CHECK(find(&d, "postgis_topology", 16, "postgis34_16"));
	extdisc_free(&d);
	return 0;
}

static int test_filelists_skip_nested_dirs_ghosts_and_other_paths(void)
{
	struct extdisc d;

	CHECK(parse_filelists_text(&d, filelists_fixture, ARCHIVE_FILTER_GZIP) == 0);
	/* hstore x2, pg_stat_statements, postgis x3, vector, pg_partman. */
	CHECKF(d.n == 8, "%zu entries", d.n);
	for (size_t i = 0; i < d.n; i++)
		CHECKF(strcmp(d.v[i].package, "odd_16") && strcmp(d.v[i].package,
		       "postgresql-contrib"), "%s from %s", d.v[i].name, d.v[i].package);
	extdisc_free(&d);
	return 0;
}

static int test_filelists_newest_build_wins_and_epoch_is_shown(void)
{
	struct extdisc d;
	const struct extdisc_ext *e;

	CHECK(parse_filelists_text(&d, filelists_fixture, ARCHIVE_FILTER_GZIP) == 0);
	e = find(&d, "vector", 17, "pgvector_17");
	CHECKF(e && !strcmp(e->version, "0.8.0-1PGDG.rhel9"), "%s", e ? e->version : "none");
	e = find(&d, "pg_partman", 16, "pg_partman_16");
	CHECKF(e && !strcmp(e->version, "1:5.1.0-1PGDG.rhel9"), "%s", e ? e->version : "none");
	extdisc_free(&d);
	return 0;
}

static int test_filelists_plain_gzip_xz_and_zstd_give_the_same(void)
{
	static const int filters[] = { ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_XZ,
				       ARCHIVE_FILTER_ZSTD };
	struct extdisc ref, d;

	CHECK(parse_filelists_text(&ref, filelists_fixture, ARCHIVE_FILTER_GZIP) == 0);
	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		CHECKF(parse_filelists_text(&d, filelists_fixture, filters[f]) == 0, "filter %d",
		       filters[f]);
		CHECK(d.n == ref.n);
		for (size_t i = 0; i < d.n; i++)
			CHECK(!strcmp(d.v[i].name, ref.v[i].name) && d.v[i].pg == ref.v[i].pg &&
			      !strcmp(d.v[i].package, ref.v[i].package) &&
			      !strcmp(d.v[i].version, ref.v[i].version));
		extdisc_free(&d);
	}
	extdisc_free(&ref);
	return 0;
}

static int test_filelists_malformed_or_missing_fails_naming_the_file(void)
{
	static const char bad[] = "<filelists><package pkgid=\"1\" name=\"x\" arch=\"noarch\">"
				  "<version epoch=\"0\" ver=\"1\" rel=\"1\"/><file>/usr/pgsql-16/sh";
	struct extdisc d = { 0 };

	CHECK(parse_filelists_text(&d, bad, ARCHIVE_FILTER_GZIP) < 0);
	CHECKF(strstr(err.msg, "/tmp/test_extdisc.") && strstr(err.msg, "filelists"), "%s",
	       err.msg);
	extdisc_free(&d);
	CHECK(extdisc_parse_filelists_file(&d, "/nonexistent/filelists.xml.gz", &err) < 0);
	CHECKF(strstr(err.msg, "/nonexistent/filelists.xml.gz"), "%s", err.msg);
	extdisc_free(&d);
	return 0;
}

/* fuzz_rpmmd's finding: libcreaterepo_c's parser segfaulted on a filelists
 * declared in UTF-7 whose bytes libxml2 could not convert ("encoder error");
 * rpm-md metadata is UTF-8, and anything else is refused before it is read. */
static int test_filelists_not_in_utf8_is_refused_before_createrepo_c_reads_it(void)
{
	static const char utf7[] =
		"<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n"
		"<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"1\">\n"
		"<package pkgid=\"a\" name=\"p\" arch=\"noarch\">\n"
		"  <version epoch=\"0\" ver=\"1\" rel=\"1\"/>\n"
		"  <file>/u\x8b\x8d/pgsql-16/share/extension/hstore.control</file>\n"
		"</package>\n</filelists>\n";
	struct extdisc d = { 0 };

	CHECK(parse_filelists_text(&d, utf7, ARCHIVE_FILTER_GZIP) < 0);
	CHECKF(strstr(err.msg, "XML declared in UTF-7, not UTF-8"), "%s", err.msg);
	extdisc_free(&d);
	/* what libxml2 would convert: UTF-16 (by its byte order mark or by
	 * "<\0?\0"), any declared encoding but UTF-8 */
	CHECK(rpmmd_check_utf8_xml("<\0?\0x\0", 6, "f", &err) < 0);
	CHECK(rpmmd_check_utf8_xml("\xfe\xff\0<", 4, "f", &err) < 0);
	CHECK(rpmmd_check_utf8_xml("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 47, "f",
				   &err) < 0);
	CHECK(rpmmd_check_utf8_xml("\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><a/>", 45,
				   "f", &err) == 0);
	CHECK(rpmmd_check_utf8_xml("<?xml version=\"1.0\"?><a/>", 24, "f", &err) == 0);
	CHECK(rpmmd_check_utf8_xml("\n<repomd/>", 10, "f", &err) == 0);
	CHECK(rpmmd_check_utf8_xml(NULL, 0, "f", &err) < 0 && strstr(err.msg, "empty"));
	/* an encoding pushed past the bytes looked at by padding */
	{
		char pad[600];

		memset(pad, ' ', sizeof(pad));
		memcpy(pad, "<?xml version=\"1.0\"", 19);
		CHECK(rpmmd_check_utf8_xml(pad, 512, "f", &err) < 0 &&
		      strstr(err.msg, "does not end"));
	}
	return 0;
}

static int test_join_packages_fills_versions_and_leaves_absent_null(void)
{
	static const char pk[] = "Package: postgresql-15\nVersion: 15.13-0+deb12u1\n"
				 "Architecture: amd64\n\n"
				 "Package: postgresql-15-postgis-3\nVersion: 3.3.2+dfsg-1\n"
				 "Architecture: amd64\n";
	char path[] = "/tmp/test_extdisc_pk.XXXXXX";
	struct extdisc d;
	int fd, rc;

	CHECK(parse_fixture(&d) == 0);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, pk, strlen(pk)) == (ssize_t)strlen(pk));
	close(fd);
	rc = extdisc_join_packages(&d, path, &err);
	unlink(path);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(!strcmp(find(&d, "pg_trgm", 15, "postgresql-15")->version, "15.13-0+deb12u1"));
	CHECK(!strcmp(find(&d, "postgis_raster", 15, "postgresql-15-postgis-3")->version,
		      "3.3.2+dfsg-1"));
	CHECK(find(&d, "hll", 15, "postgresql-15-hll")->version == NULL);
	extdisc_free(&d);
	return 0;
}

static int test_sort_drops_duplicates_keeping_the_last_appended(void)
{
	static const char a[] = "usr/share/postgresql/15/extension/x.control database/pkg\n";
	struct extdisc d = { 0 };

	CHECK(extdisc_parse_contents(&d, a, strlen(a), "a", &err) == 0);
	CHECK(extdisc_parse_contents(&d, a, strlen(a), "b", &err) == 0);
	d.v[0].upstream = xstrdup("debian");
	d.v[1].upstream = xstrdup("debian-security");
	extdisc_sort(&d);
	CHECK(d.n == 1 && !strcmp(d.v[0].upstream, "debian-security"));
	extdisc_free(&d);
	return 0;
}

static int test_majors_lists_each_major_once_ascending(void)
{
	struct extdisc d;
	int pg[4];

	CHECK(parse_fixture(&d) == 0);
	CHECK(extdisc_majors(&d, pg, 4) == 2 && pg[0] == 13 && pg[1] == 15);
	extdisc_free(&d);
	return 0;
}

static const char catalog[] =
	"postgis:\n  category: GIS\n  description: spatial types\n"
	"postgis_raster:\n  category: GIS\n  description: raster types\n"
	"vector:\n  category: RAG\n  description: vector similarity\n  aliases: [pgvector]\n"
	"pg_trgm:\n  category: FTS\n  description: trigram matching\n";

struct resolved {
	struct strlist items, pk, names, unres, other;
};

static int resolve(struct resolved *r, const char *const *items, int pg, int with_cat)
{
	struct extdisc d;
	struct extcat cat = { 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; items[i]; i++)
		strlist_add(&r->items, items[i]);
	if (parse_fixture(&d) < 0)
		return -1;
	if (with_cat && extcat_load_mem(&cat, "extensions.yml", catalog, strlen(catalog), &err)) {
		fprintf(stderr, "# %s\n", err.msg);
		extdisc_free(&d);
		return -1;
	}
	rc = extdisc_resolve_items(&d, with_cat ? &cat : NULL, &r->items, &pg, 1, &r->pk,
				   &r->names, &r->unres, &r->other, &err);
	extdisc_free(&d);
	extcat_free(&cat);
	return rc;
}

static void resolved_free(struct resolved *r)
{
	strlist_free(&r->items);
	strlist_free(&r->pk);
	strlist_free(&r->names);
	strlist_free(&r->unres);
	strlist_free(&r->other);
}

static int test_resolve_extension_name_gives_its_package_for_the_major(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "postgis_raster", "pg_trgm", NULL }, 15, 0) == 0);
	CHECK(r.pk.n == 2 && !strcmp(r.pk.v[0], "postgresql-15") &&
	      !strcmp(r.pk.v[1], "postgresql-15-postgis-3"));
	CHECK(r.names.n == 2 && !strcmp(r.names.v[0], "pg_trgm"));
	CHECK(!r.unres.n && !r.other.n);
	resolved_free(&r);
	return 0;
}

static int test_resolve_alias_from_catalog_names_the_extension(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "pgvector", NULL }, 13, 1) == 0);
	CHECK(r.pk.n == 1 && !strcmp(r.pk.v[0], "postgresql-13-pgvector"));
	CHECK(r.names.n == 1 && !strcmp(r.names.v[0], "vector"));
	resolved_free(&r);
	return 0;
}

static int test_resolve_category_takes_catalogued_extensions_the_target_has(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "category:GIS", NULL }, 15, 1) == 0);
	CHECK(r.names.n == 2 && !strcmp(r.names.v[0], "postgis") &&
	      !strcmp(r.names.v[1], "postgis_raster"));
	CHECK(r.pk.n == 1 && !strcmp(r.pk.v[0], "postgresql-15-postgis-3"));
	resolved_free(&r);
	return 0;
}

static int test_resolve_unknown_category_fails_listing_the_valid_ones(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "category:NOPE", NULL }, 15, 1) < 0);
	CHECKF(strstr(err.msg, "NOPE") && strstr(err.msg, "GIS"), "%s", err.msg);
	resolved_free(&r);
	return 0;
}

static int test_resolve_all_takes_every_extension_of_the_major(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "all", NULL }, 15, 0) == 0);
	/* hll, last, pg_trgm, postgis, postgis_raster; vector is PG 13 only. */
	CHECKF(r.names.n == 5, "%zu", r.names.n);
	CHECK(!strlist_has(&r.names, "vector"));
	CHECK(strlist_has(&r.pk, "postgresql-15-hll") && strlist_has(&r.pk, "postgresql-15-last"));
	resolved_free(&r);
	return 0;
}

static int test_resolve_extension_of_another_major_is_unresolved(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "vector", NULL }, 15, 0) == 0);
	CHECK(r.unres.n == 1 && !strcmp(r.unres.v[0], "vector") && !r.pk.n);
	resolved_free(&r);
	return 0;
}

static int test_resolve_non_extension_and_templates_are_left_to_the_caller(void)
{
	struct resolved r;

	CHECK(resolve(&r, (const char *[]){ "jq", "postgresql-{pg}-cron", NULL }, 15, 1) == 0);
	CHECK(r.other.n == 1 && !strcmp(r.other.v[0], "jq"));
	CHECK(!r.pk.n && !r.names.n && !r.unres.n);
	resolved_free(&r);
	return 0;
}

static int test_resolve_scripts_package_brings_its_library_package(void)
{
	static const char text[] =
		"usr/share/postgresql/15/extension/pgrouting.control database/postgresql-15-pgrouting-scripts\n";
	struct strlist items = STRLIST_INIT, pk = STRLIST_INIT, names = STRLIST_INIT;
	struct strlist unres = STRLIST_INIT, other = STRLIST_INIT;
	struct extdisc d = { 0 };
	int pg = 15;

	strlist_add(&items, "pgrouting");
	CHECK(extdisc_parse_contents(&d, text, strlen(text), "Contents", &err) == 0);
	extdisc_sort(&d);
	CHECKF(extdisc_resolve_items(&d, NULL, &items, &pg, 1, &pk, &names, &unres, &other,
				     &err) == 0, "%s", err.msg);
	strlist_sort(&pk);
	CHECK(pk.n == 2 && !strcmp(pk.v[0], "postgresql-15-pgrouting") &&
	      !strcmp(pk.v[1], "postgresql-15-pgrouting-scripts"));
	CHECK(names.n == 1 && !strcmp(names.v[0], "pgrouting"));
	extdisc_free(&d);
	strlist_free(&items);
	strlist_free(&pk);
	strlist_free(&names);
	strlist_free(&unres);
	strlist_free(&other);
	return 0;
}

/* forky: address_standardizer ships in postgis' scripts package and in a
 * package of its own that conflicts with it; with postgis asked too, the
 * package postgis needs anyway serves both.  Asked alone, the first by name. */
static int test_resolve_prefers_a_package_another_extension_needs_anyway(void)
{
	static const char text[] =
		"usr/share/postgresql/18/extension/address_standardizer.control "
		"database/postgresql-18-address-standardizer,database/postgresql-18-postgis-3-scripts\n"
		"usr/share/postgresql/18/extension/postgis.control database/postgresql-18-postgis-3-scripts\n";
	const char *sets[][3] = { { "address_standardizer", "postgis", NULL },
				  { "address_standardizer", NULL, NULL } };
	const char *want[] = { "postgresql-18-postgis-3,postgresql-18-postgis-3-scripts,",
			       "postgresql-18-address-standardizer," };

	for (size_t t = 0; t < 2; t++) {
		struct strlist items = STRLIST_INIT, pk = STRLIST_INIT, names = STRLIST_INIT;
		struct strlist unres = STRLIST_INIT, other = STRLIST_INIT;
		struct extdisc d = { 0 };
		struct sbuf got = SBUF_INIT;
		int pg = 18;

		for (size_t i = 0; sets[t][i]; i++)
			strlist_add(&items, sets[t][i]);
		CHECK(extdisc_parse_contents(&d, text, strlen(text), "Contents", &err) == 0);
		extdisc_sort(&d);
		CHECKF(extdisc_resolve_items(&d, NULL, &items, &pg, 1, &pk, &names, &unres,
					     &other, &err) == 0, "%s", err.msg);
		for (size_t i = 0; i < pk.n; i++)
			sbuf_addf(&got, "%s,", pk.v[i]);
		CHECKF(got.buf && !strcmp(got.buf, want[t]), "set %zu: got %s", t, got.buf);
		CHECK(names.n == (t ? 1u : 2u));
		sbuf_free(&got);
		extdisc_free(&d);
		strlist_free(&items);
		strlist_free(&pk);
		strlist_free(&names);
		strlist_free(&unres);
		strlist_free(&other);
	}
	return 0;
}

static int test_items_need_discovery_only_without_templates(void)
{
	struct strlist l = STRLIST_INIT;

	strlist_add(&l, "postgresql-{pg}-cron");
	CHECK(!extdisc_items_need_discovery(&l));
	strlist_add(&l, "vector");
	CHECK(extdisc_items_need_discovery(&l));
	strlist_free(&l);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_contents_contrib_extension_maps_to_postgresql_major);
	T_RUN(&s, test_contents_package_shipping_several_extensions_maps_them_all);
	T_RUN(&s, test_contents_several_packages_on_one_line_each_map);
	T_RUN(&s, test_contents_rejects_nul_byte_in_an_extension_line);
	T_RUN(&s, test_contents_skips_files_that_are_not_control_files_of_the_extension_dir);
	T_RUN(&s, test_contents_rejects_control_line_without_package_column);
	T_RUN(&s, test_contents_rejects_empty_package_in_location_list);
	T_RUN(&s, test_contents_gzip_file_streams_across_blocks_like_text);
	T_RUN(&s, test_contents_missing_file_fails_naming_it);
	T_RUN(&s, test_filelists_contrib_extensions_map_per_major);
	T_RUN(&s, test_filelists_package_shipping_several_extensions_maps_them_all);
	T_RUN(&s, test_filelists_skip_nested_dirs_ghosts_and_other_paths);
	T_RUN(&s, test_filelists_newest_build_wins_and_epoch_is_shown);
	T_RUN(&s, test_filelists_plain_gzip_xz_and_zstd_give_the_same);
	T_RUN(&s, test_filelists_malformed_or_missing_fails_naming_the_file);
	T_RUN(&s, test_join_packages_fills_versions_and_leaves_absent_null);
	T_RUN(&s, test_sort_drops_duplicates_keeping_the_last_appended);
	T_RUN(&s, test_majors_lists_each_major_once_ascending);
	T_RUN(&s, test_resolve_extension_name_gives_its_package_for_the_major);
	T_RUN(&s, test_resolve_alias_from_catalog_names_the_extension);
	T_RUN(&s, test_resolve_category_takes_catalogued_extensions_the_target_has);
	T_RUN(&s, test_resolve_unknown_category_fails_listing_the_valid_ones);
	T_RUN(&s, test_resolve_all_takes_every_extension_of_the_major);
	T_RUN(&s, test_resolve_extension_of_another_major_is_unresolved);
	T_RUN(&s, test_resolve_non_extension_and_templates_are_left_to_the_caller);
	T_RUN(&s, test_resolve_scripts_package_brings_its_library_package);
	T_RUN(&s, test_resolve_prefers_a_package_another_extension_needs_anyway);
	T_RUN(&s, test_items_need_discovery_only_without_templates);
	T_RUN(&s, test_filelists_not_in_utf8_is_refused_before_createrepo_c_reads_it);
	return t_done(&s);
}
