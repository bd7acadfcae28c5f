/*
 * test_aptconf.c - the bundle as apt's only source, and back
 * (installer/aptconf.c), on a scratch apt directory.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "inst.h"
#include "unit.h"

static char *scratch;
static struct sbuf snap_buf;
static size_t snap_root;

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char hex[HASH_HEX_MAX] = "-";
	struct pgb_err err;

	(void)ftw;
	/* A directory's mtime changes with any rename inside: only its mode counts. */
	if (type == FTW_D) {
		sbuf_addf(&snap_buf, "%s/ %o\n", path + snap_root, st->st_mode);
		return 0;
	}
	if (type == FTW_F && hash_file_hex(HASH_SHA256, path, hex, NULL, &err) < 0)
		return 1;
	sbuf_addf(&snap_buf, "%s %o %lld %lld.%09ld %s\n", path + snap_root, st->st_mode,
		  (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, hex);
	return 0;
}

/* Every entry under dir with mode, size, mtime and content hash (files). */
static char *snapshot(const char *dir)
{
	sbuf_reset(&snap_buf);
	snap_root = strlen(dir);
	if (nftw(dir, snap_one, 16, FTW_PHYS) != 0)
		return xstrdup("nftw failed");
	return xstrdup(snap_buf.buf ? snap_buf.buf : "");
}

static void put(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char *p = util_path_join(dir, rel);
	struct pgb_err err;
	struct timespec ts[2] = { { 1600000000, 123 }, { 1600000000, 123 } };

	if (util_write_atomic(p, text, strlen(text), mode, &err) < 0 ||
	    utimensat(AT_FDCWD, p, ts, 0) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		exit(2);
	}
	free(p);
}

struct fixture {
	char *etc, *repo, *key;
	struct inst_bundle b;
	struct inst_ctx ctx;
};

static void fixture(struct fixture *f, const char *name)
{
	struct pgb_err err;
	char *d;

	memset(f, 0, sizeof(*f));
	f->etc = xasprintf("%s/%s/etc-apt", scratch, name);
	f->repo = xasprintf("%s/%s/www/pgsql-d12-1.0.d12.amd64", scratch, name);
	d = util_path_join(f->etc, "sources.list.d");
	util_mkdir_p(d, 0755, &err);
	free(d);
	util_mkdir_p(f->repo, 0755, &err);
	put(f->etc, "sources.list", "deb http://deb.example/debian bookworm main\n", 0644);
	put(f->etc, "sources.list.d/debian.sources", "Types: deb\nURIs: http://x/\n", 0644);
	put(f->etc, "sources.list.d/private.list", "deb http://corp/ x main\n", 0600);
	put(f->repo, "pgbundle.gpg", "KEYBYTES\001\002", 0644);
	f->key = util_path_join(f->repo, "pgbundle.gpg");
	f->b.name = "pgsql-d12";
	f->b.version = "1.0";
	f->b.target = "d12";
	f->b.family = "deb";
	f->b.codename = "bookworm";
	f->b.arch = "amd64";
	f->ctx.prefix = scratch;
	f->ctx.repo_dir = f->repo;
	f->ctx.bundle = &f->b;
}

static void fixture_free(struct fixture *f)
{
	free(f->etc);
	free(f->repo);
	free(f->key);
}

static char *read_rel(const char *dir, const char *rel)
{
	char *p = util_path_join(dir, rel), *data = NULL;
	size_t n;
	struct pgb_err err;

	util_read_file(p, &data, &n, &err);
	free(p);
	return data;
}

static int exists_rel(const char *dir, const char *rel)
{
	char *p = util_path_join(dir, rel);
	int e = util_exists(p);

	free(p);
	return e;
}

static int test_configure_leaves_only_the_signed_bundle_source(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *src, *key, *want;

	fixture(&f, "only");
	CHECKF(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0, "%s", err.msg);
	CHECK(!exists_rel(f.etc, "sources.list"));
	CHECK(!exists_rel(f.etc, "sources.list.d/debian.sources"));
	CHECK(!exists_rel(f.etc, "sources.list.d/private.list"));
	src = read_rel(f.etc, "sources.list.d/pgbundle.sources");
	CHECK(src);
	want = xasprintf("URIs: file:%s\n", f.repo);
	CHECKF(strstr(src, want), "%s", src);
	free(want);
	want = xasprintf("Signed-By: %s/keyrings/pgbundle-pgsql-d12.gpg\n", f.etc);
	CHECKF(strstr(src, want), "%s", src);
	CHECK(strstr(src, "Suites: pgbundle\n") && strstr(src, "Components: main\n"));
	CHECK(!strstr(src, "trusted"));
	key = read_rel(f.etc, "keyrings/pgbundle-pgsql-d12.gpg");
	CHECK(key && strcmp(key, "KEYBYTES\001\002") == 0);
	/* three moved, the key and the source written */
	CHECKF(f.ctx.changes == 5, "changes %d", f.ctx.changes);
	free(want);
	free(src);
	free(key);
	fixture_free(&f);
	return 0;
}

static int test_configure_twice_changes_nothing_the_second_time(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *before, *after;

	fixture(&f, "twice");
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0);
	before = snapshot(f.etc);
	f.ctx.changes = 0;
	CHECKF(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0, "%s", err.msg);
	CHECK(f.ctx.changes == 0);
	after = snapshot(f.etc);
	CHECK(strcmp(before, after) == 0);
	free(before);
	free(after);
	fixture_free(&f);
	return 0;
}

static int test_restore_gives_back_the_exact_tree(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *before, *after;

	fixture(&f, "exact");
	before = snapshot(f.etc);
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0);
	/* A source the operator adds while the bundle is installed is moved too. */
	put(f.etc, "sources.list.d/later.list", "deb http://later/ x main\n", 0640);
	f.ctx.changes = 0;
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0);
	CHECK(f.ctx.changes == 1 && !exists_rel(f.etc, "sources.list.d/later.list"));
	f.ctx.changes = 0;
	CHECKF(aptconf_restore(&f.ctx, f.etc, &err) == 0, "%s", err.msg);
	CHECK(exists_rel(f.etc, "sources.list.d/later.list"));
	CHECK(f.ctx.changes == 6);	/* four restored, source and key removed */
	/* keyrings/ was created by configure and stays (empty), like apt's own. */
	char *kr = util_path_join(f.etc, "keyrings");
	char *later = util_path_join(f.etc, "sources.list.d/later.list");
	rmdir(kr);
	unlink(later);
	free(kr);
	free(later);
	after = snapshot(f.etc);
	CHECKF(strcmp(before, after) == 0, "before:\n%s\nafter:\n%s", before, after);
	free(before);
	free(after);
	fixture_free(&f);
	return 0;
}

static int test_restore_without_configure_changes_nothing(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *before, *after;

	fixture(&f, "noop");
	before = snapshot(f.etc);
	CHECKF(aptconf_restore(&f.ctx, f.etc, &err) == 0, "%s", err.msg);
	CHECK(f.ctx.changes == 0);
	after = snapshot(f.etc);
	CHECK(strcmp(before, after) == 0);
	free(before);
	free(after);
	fixture_free(&f);
	return 0;
}

static int test_dry_run_counts_changes_but_writes_nothing(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *before, *after;

	fixture(&f, "dry");
	before = snapshot(f.etc);
	f.ctx.dry_run = 1;
	CHECKF(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0, "%s", err.msg);
	CHECK(f.ctx.changes == 5);
	after = snapshot(f.etc);
	CHECK(strcmp(before, after) == 0);
	free(before);
	free(after);
	fixture_free(&f);
	return 0;
}

static int test_a_source_recreated_meanwhile_is_kept_aside_on_restore(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *orig, *now;

	fixture(&f, "again");
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0);
	put(f.etc, "sources.list", "deb http://new/ x main\n", 0644);
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == 0);
	CHECK(exists_rel(f.etc, "pgbundle-disabled/sources.list.1"));
	put(f.etc, "sources.list", "deb http://newer/ x main\n", 0644);
	CHECK(aptconf_restore(&f.ctx, f.etc, &err) == -1);
	CHECKF(strstr(err.msg, "pgbundle-disabled") && strstr(err.msg, "moved.list"), "%s",
	       err.msg);
	/* Nothing lost: the newest stays, both older ones are still kept. */
	now = read_rel(f.etc, "sources.list");
	orig = read_rel(f.etc, "pgbundle-disabled/sources.list");
	CHECK(now && strstr(now, "newer"));
	CHECK(orig && strstr(orig, "deb.example"));
	CHECK(exists_rel(f.etc, "pgbundle-disabled/sources.list.1"));
	CHECK(exists_rel(f.etc, "sources.list.d/debian.sources"));
	CHECK(!exists_rel(f.etc, "sources.list.d/pgbundle.sources"));
	free(now);
	free(orig);
	fixture_free(&f);
	return 0;
}

static int test_a_bad_record_line_is_refused_not_followed(void)
{
	struct fixture f;
	struct pgb_err err = { "" };
	char *d;

	fixture(&f, "badrec");
	d = util_path_join(f.etc, "pgbundle-disabled");
	util_mkdir_p(d, 0755, &err);
	free(d);
	put(f.etc, "pgbundle-disabled/moved.list", "pgbundle-disabled/x\t../../etc/passwd\n", 0644);
	CHECK(aptconf_restore(&f.ctx, f.etc, &err) == -1);
	CHECKF(strstr(err.msg, "bad line") && strstr(err.msg, "moved.list"), "%s", err.msg);
	fixture_free(&f);
	return 0;
}

static int test_bundle_name_with_a_slash_is_refused(void)
{
	struct fixture f;
	struct pgb_err err = { "" };

	fixture(&f, "slash");
	f.b.name = "../evil";
	CHECK(aptconf_configure(&f.ctx, f.etc, f.key, &err) == -1);
	CHECKF(strstr(err.msg, "../evil"), "%s", err.msg);
	CHECK(exists_rel(f.etc, "sources.list"));
	fixture_free(&f);
	return 0;
}

static int test_source_text_escapes_spaces_in_the_path(void)
{
	struct inst_bundle b = { 0 };
	char *t;

	b.name = "n";
	b.version = "1";
	b.target = "d12";
	t = aptconf_source_text(&b, "/srv/my bundles/x", "/k.gpg");
	CHECKF(strstr(t, "URIs: file:/srv/my%20bundles/x\n"), "%s", t);
	free(t);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;
	char tmpl[] = "/tmp/pgbundle-test-aptconf.XXXXXX";
	int rc;

	scratch = mkdtemp(tmpl);
	if (!scratch)
		return 2;
	T_RUN(&s, test_configure_leaves_only_the_signed_bundle_source);
	T_RUN(&s, test_configure_twice_changes_nothing_the_second_time);
	T_RUN(&s, test_restore_gives_back_the_exact_tree);
	T_RUN(&s, test_restore_without_configure_changes_nothing);
	T_RUN(&s, test_dry_run_counts_changes_but_writes_nothing);
	T_RUN(&s, test_a_source_recreated_meanwhile_is_kept_aside_on_restore);
	T_RUN(&s, test_a_bad_record_line_is_refused_not_followed);
	T_RUN(&s, test_bundle_name_with_a_slash_is_refused);
	T_RUN(&s, test_source_text_escapes_spaces_in_the_path);
	rc = t_done(&s);
	sbuf_free(&snap_buf);
	util_rm_rf(scratch, &err);
	return rc;
}
