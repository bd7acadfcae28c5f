/* test_lock.c - the lock file (builder/lock.h): format 2 round-trips with the
 * upstreams' Release dates and the discovered extensions, and stores no
 * download URL (no mirror host); format 1 locks still read, their url
 * ignored; a Filename that would leave its repository is refused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "unit.h"

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *scratch(const char *name)
{
	static char dir[] = "/tmp/pgbundle-test-lock.XXXXXX";
	static int made;

	if (!made && mkdtemp(dir))
		made = 1;
	return util_path_join(dir, name);
}

static void sample(struct lock *l)
{
	memset(l, 0, sizeof(*l));
	l->name = xstrdup("fx");
	l->version = xstrdup("1");
	l->target = xstrdup("d12");
	l->arch = xstrdup("amd64");
	l->date = 1700000000;
	lock_set_upstream(l, "debian-security", 1700000000);
	lock_set_upstream(l, "debian", 1690000000);
	l->has_ext = 1;
	strlist_add(&l->ext_items, "postgresql-15-cron");
	strlist_add(&l->ext_names, "pg_cron");
	l->pkgs = xcalloc(1, sizeof(*l->pkgs));
	l->npkgs = 1;
	l->pkgs[0] = (struct lock_pkg){ xstrdup("fx-app"), xstrdup("2.0"), xstrdup("amd64"), 1234,
					xstrdup(SHA), xstrdup("debian"),
					xstrdup("pool/main/f/fx-app/fx-app_2.0_amd64.deb"), 1,
					xstrdup("Package: fx-app\nVersion: 2.0\n"),
					xstrdup("http://mirror.invalid/debian/pool/main/f/fx-app/"
						"fx-app_2.0_amd64.deb"), NULL };
}

static int test_format2_round_trips_without_a_url(void)
{
	struct pgb_err err = { { 0 } };
	struct lock l, r;
	char *path = scratch("a.lock"), *text;
	size_t len;

	sample(&l);
	CHECKF(lock_write(path, &l, &err) == 0, "%s", err.msg);
	CHECK(util_read_file(path, &text, &len, &err) == 0);
	CHECKF(!strstr(text, "mirror.invalid") && !strstr(text, "\"url\""),
	       "the lock names the mirror: %s", text);
	CHECK(strstr(text, "\"format\": 2"));
	free(text);
	CHECKF(lock_read(path, &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 1 && !strcmp(r.pkgs[0].filename, l.pkgs[0].filename) && !r.pkgs[0].url);
	CHECK(r.date == 1700000000 && r.nups == 2 && !strcmp(r.ups[0].name, "debian"));
	CHECK(lock_upstream_date(&r, "debian") == 1690000000);
	CHECK(lock_upstream_date(&r, "debian-security") == 1700000000);
	CHECK(lock_upstream_date(&r, "other") == 0);
	CHECK(r.has_ext && r.ext_items.n == 1 && !strcmp(r.ext_names.v[0], "pg_cron"));
	lock_free(&r);
	lock_free(&l);
	free(path);
	return 0;
}

/* Where the distribution and PGDG both carry a package, the lock keeps why
 * its side won; with several majors, the packages discovery found for each. */
static int test_why_and_each_majors_extensions_round_trip(void)
{
	struct pgb_err err = { { 0 } };
	struct lock l, r;
	char *path = scratch("w.lock"), *text;
	size_t len;

	sample(&l);
	l.pkgs[0].why = xstrdup("preferred over pgdg-apt's 2.1");
	strlist_add(&l.ext_majors, "15:postgresql-15-cron");
	strlist_add(&l.ext_majors, "16:postgresql-16-cron");
	CHECKF(lock_write(path, &l, &err) == 0, "%s", err.msg);
	CHECK(util_read_file(path, &text, &len, &err) == 0);
	CHECKF(strstr(text, "\"majors\": {\n   \"15\": [\n    \"postgresql-15-cron\""), "%s", text);
	free(text);
	CHECKF(lock_read(path, &r, &err) == 0, "%s", err.msg);
	CHECK(r.pkgs[0].why && !strcmp(r.pkgs[0].why, "preferred over pgdg-apt's 2.1"));
	CHECK(r.ext_majors.n == 2 && !strcmp(r.ext_majors.v[1], "16:postgresql-16-cron"));
	lock_free(&r);
	lock_free(&l);
	/* Without them (one major, one side) the lock has neither key. */
	sample(&l);
	CHECK(lock_write(path, &l, &err) == 0 && util_read_file(path, &text, &len, &err) == 0);
	CHECK(!strstr(text, "\"why\"") && !strstr(text, "\"majors\""));
	free(text);
	lock_free(&l);
	free(path);
	return 0;
}

/* Write text (taken) as scratch file name and lock_read() it into *r;
 * returns lock_read()'s status, or -2 when the file cannot be written. */
static int read_text(const char *name, char *text, struct lock *r, struct pgb_err *err)
{
	char *path = scratch(name);
	int rc = util_write_atomic(path, text, strlen(text), 0644, err) < 0 ? -2
									       : lock_read(path, r, err);

	free(text);
	free(path);
	return rc;
}

#define V1_HEAD "{\"format\": %d, \"name\": \"fx\", \"version\": \"1\", \"target\": \"d12\", " \
	"\"arch\": \"amd64\", \"date\": 1700000000, \"packages\": [{\"name\": \"fx-app\", " \
	"\"version\": \"2.0\", \"arch\": \"amd64\", \"size\": 10, \"sha256\": \"" SHA "\", " \
	"\"upstream\": \"debian\", "

static int test_format1_still_reads_and_its_url_is_ignored(void)
{
	struct pgb_err err = { { 0 } };
	struct lock r;

	CHECKF(read_text("v1.lock", xasprintf(V1_HEAD "\"url\": \"http://mirror.invalid/debian/"
					      "pool/x.deb\", \"filename\": \"pool/x.deb\", "
					      "\"requested\": true, \"stanza\": \"S\"}]}", 1),
			 &r, &err) == 0, "%s", err.msg);
	CHECK(r.npkgs == 1 && !r.pkgs[0].url && !strcmp(r.pkgs[0].filename, "pool/x.deb"));
	CHECK(!r.has_ext && r.nups == 0);
	lock_free(&r);
	return 0;
}

static int test_newer_format_is_refused_naming_it(void)
{
	struct pgb_err err = { { 0 } };
	struct lock r;

	CHECK(read_text("v3.lock", xasprintf(V1_HEAD "\"filename\": \"pool/x.deb\", "
					     "\"requested\": true, \"stanza\": \"S\"}]}", 3),
			&r, &err) == -1);
	CHECKF(strstr(err.msg, "v3.lock") && strstr(err.msg, "format 3"), "%s", err.msg);
	return 0;
}

static int test_filename_leaving_the_repository_is_refused(void)
{
	const char *bad[] = { "../../etc/passwd", "pool/../../x.deb", "/pool/x.deb",
			      "http://elsewhere.invalid/x.deb", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pgb_err err = { { 0 } };
		struct lock r;

		CHECKF(read_text("bad.lock", xasprintf(V1_HEAD "\"filename\": \"%s\", \"requested\": "
						       "true, \"stanza\": \"S\"}]}", 2, bad[i]),
				 &r, &err) == -1, "'%s' accepted", bad[i]);
		CHECKF(strstr(err.msg, "fx-app") && strstr(err.msg, "Filename"), "%s", err.msg);
	}
	return 0;
}

/* Found by tests/fuzz/fuzz_pkgmeta.c (a stanza with bytes that are not
 * UTF-8, which the JSON writers drop): lock_write() left such a package out
 * of the lock and succeeded, so a rebuild from the lock lacked it.  A
 * package, or an extension entry, that JSON cannot hold now fails the
 * write, naming the package, and writes nothing. */
static int test_text_json_cannot_hold_fails_the_write(void)
{
	struct pgb_err err = { { 0 } };
	struct lock l;
	char *path = scratch("latin1.lock");

	sample(&l);
	free(l.pkgs[0].stanza);
	l.pkgs[0].stanza = xstrdup("Package: fx-app\nDescription: caf\xe9\n");
	CHECK(lock_write(path, &l, &err) == -1);
	CHECKF(strstr(err.msg, "fx-app") && strstr(err.msg, "UTF-8"), "%s", err.msg);
	CHECK(!util_exists(path));
	lock_free(&l);
	sample(&l);
	strlist_add(&l.ext_majors, "15:postgresql-15-\xff");
	CHECK(lock_write(path, &l, &err) == -1 && !util_exists(path));
	lock_free(&l);
	free(path);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;
	char *dir = scratch("");

	T_RUN(&s, test_format2_round_trips_without_a_url);
	T_RUN(&s, test_why_and_each_majors_extensions_round_trip);
	T_RUN(&s, test_format1_still_reads_and_its_url_is_ignored);
	T_RUN(&s, test_newer_format_is_refused_naming_it);
	T_RUN(&s, test_filename_leaving_the_repository_is_refused);
	T_RUN(&s, test_text_json_cannot_hold_fails_the_write);
	util_rm_rf(dir, &err);
	free(dir);
	return t_done(&s);
}
