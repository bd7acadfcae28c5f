/*
 * test_pack.c - the deterministic tar.zst writer, the hostile-input reader
 * and the safe extractor of repo/pack.c.
 *
 * Trees and archives live in fresh directories under /tmp; the checks that
 * run GNU tar, zstd and diff compare with what other tools see.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hash.h"
#include "pack.h"
#include "unit.h"
#include "util.h"

#define MTIME 1700000000	/* 2023-11-14 22:13:20 UTC */
#define MTIME_TEXT "2023-11-14 22:13"
#define TOP "mybundle-1.0.d12.amd64"
#define BIG_SIZE ((size_t)1536 * 1024)

#define TEN "abcdefghij"
#define SIXTY TEN TEN TEN TEN TEN TEN
#define DEEP_DIR "deep/" SIXTY "/" SIXTY
#define LONG_NAME "long-" TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN ".txt"

struct tfile {
	const char *path;
	const char *data;	/* NULL: the big random file */
	int exec;
};

static const char *const tree_dirs[] = {
	"bin", "data", "deep", "deep/" SIXTY, DEEP_DIR, "emptydir", "lib", "share", "share/doc",
};

static const struct tfile tree_files[] = {
	{ "bin/tool", "#!/bin/sh\necho tool\n", 1 },
	{ "data/big.bin", NULL, 0 },
	{ DEEP_DIR "/file.txt", "more than a hundred characters of path\n", 0 },
	{ "lib/libx.so.1", "\177ELF not really\n", 0 },
	{ LONG_NAME, "a name longer than ustar's 100 bytes\n", 0 },
	{ "share/doc/empty", "", 0 },
	{ "share/doc/readme.txt", "read me\n", 0 },
};

static const char *const tree_links[][2] = {
	{ "lib/libx.so", "libx.so.1" },
	{ "share/tool-link", "../bin/tool" },
};

#define N_DIRS (sizeof(tree_dirs) / sizeof(tree_dirs[0]))
#define N_FILES (sizeof(tree_files) / sizeof(tree_files[0]))
#define N_LINKS (sizeof(tree_links) / sizeof(tree_links[0]))
#define N_ENTRIES (N_DIRS + N_FILES + N_LINKS)

/* ---- helpers ---- */

static char *tmpdir_new(void)
{
	char *d = xstrdup("/tmp/pgb-test-pack-XXXXXX");

	if (!mkdtemp(d)) {
		perror("mkdtemp");
		abort();
	}
	return d;
}

static void tmpdir_drop(char *d)
{
	struct pgb_err err;

	util_rm_rf(d, &err);
	free(d);
}

static char *random_bytes(size_t n)
{
	char *b = xmalloc(n);
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(b, 1, n, f) != n) {
		perror("/dev/urandom");
		abort();
	}
	fclose(f);
	return b;
}

static int put_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int make_file(const char *root, const struct tfile *f, const char *big)
{
	char *p = util_path_join(root, f->path);
	int rc = f->data ? put_file(p, f->data, strlen(f->data), f->exec ? 0777 : 0666)
			 : put_file(p, big, BIG_SIZE, 0666);

	free(p);
	return rc;
}

/* Give everything under root the owner and times of the "other machine". */
static int disturb(const char *root, const char *rel, int i)
{
	char *p = util_path_join(root, rel);
	struct timespec ts[2] = { { 1000000000 + i, 123 }, { 1100000000 + 7 * i, 456 } };
	int rc = utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);

	if (rc == 0 && geteuid() == 0)
		rc = lchown(p, 1234, 4321);
	free(p);
	return rc;
}

/*
 * The fixture tree.  variant 1 is the same content made differently: umask
 * 077, files created in reverse order, other mtimes and owners.
 */
static int make_tree(const char *root, const char *big, int variant)
{
	mode_t old = umask(variant ? 077 : 022);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < N_DIRS; i++) {
		char *p = util_path_join(root, tree_dirs[i]);

		rc = mkdir(p, 0777);
		free(p);
	}
	for (size_t i = 0; rc == 0 && i < N_FILES; i++)
		rc = make_file(root, &tree_files[variant ? N_FILES - 1 - i : i], big);
	for (size_t i = 0; rc == 0 && i < N_LINKS; i++) {
		char *p = util_path_join(root, tree_links[i][0]);

		rc = symlink(tree_links[i][1], p);
		free(p);
	}
	for (size_t i = 0; variant && rc == 0 && i < N_FILES; i++)
		rc = disturb(root, tree_files[i].path, (int)i);
	for (size_t i = 0; variant && rc == 0 && i < N_LINKS; i++)
		rc = disturb(root, tree_links[i][0], (int)i);
	for (size_t i = 0; variant && rc == 0 && i < N_DIRS; i++)
		rc = disturb(root, tree_dirs[N_DIRS - 1 - i], (int)i);
	umask(old);
	return rc;
}

/* A fixture tree at DIR/src packed into DIR/out.tar.zst; returns DIR or NULL. */
static char *packed_fixture(int threads)
{
	struct pack_opts o = { TOP, MTIME, 9, threads };
	struct pgb_err err = { "" };
	char *dir = tmpdir_new(), *src = util_path_join(dir, "src");
	char *out = util_path_join(dir, "out.tar.zst"), *big = random_bytes(BIG_SIZE);
	int rc = mkdir(src, 0755);

	if (rc == 0)
		rc = make_tree(src, big, 0);
	if (rc == 0 && pack_write_dir(out, src, &o, &err) < 0) {
		fprintf(stderr, "# pack_write_dir: %s\n", err.msg);
		rc = -1;
	}
	free(big);
	free(src);
	free(out);
	if (rc < 0) {
		tmpdir_drop(dir);
		return NULL;
	}
	return dir;
}

static int files_equal(const char *a, const char *b)
{
	struct pgb_err err;
	char *da, *db;
	size_t la, lb;
	int eq;

	if (util_read_file(a, &da, &la, &err) < 0)
		return 0;
	if (util_read_file(b, &db, &lb, &err) < 0) {
		free(da);
		return 0;
	}
	eq = la == lb && !memcmp(da, db, la);
	free(da);
	free(db);
	return eq;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

static size_t dir_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return (size_t)-1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static int names_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- writer ---- */

static int test_pack_same_bytes_whatever_mtimes_owners_umask_and_creation_order(void)
{
	struct pack_opts o = { TOP, MTIME, 9, 2 };
	struct pgb_err err = { "" };
	char *dir = tmpdir_new(), *big = random_bytes(BIG_SIZE);
	char *a = util_path_join(dir, "a"), *b = util_path_join(dir, "b");
	char *oa = util_path_join(dir, "a.tar.zst"), *ob = util_path_join(dir, "b.tar.zst");

	CHECK(mkdir(a, 0755) == 0 && mkdir(b, 0700) == 0);
	CHECK(make_tree(a, big, 0) == 0);
	CHECK(make_tree(b, big, 1) == 0);
	CHECKF(pack_write_dir(oa, a, &o, &err) == 0, "%s", err.msg);
	CHECKF(pack_write_dir(ob, b, &o, &err) == 0, "%s", err.msg);
	CHECK(files_equal(oa, ob));
	free(big);
	free(a);
	free(b);
	free(oa);
	free(ob);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_same_bytes_with_0_1_and_2_threads(void)
{
	struct pgb_err err = { "" };
	char *dir = packed_fixture(0), *src, *one, *zero;
	struct pack_opts o = { TOP, MTIME, 9, 1 };

	CHECK(dir);
	src = util_path_join(dir, "src");
	zero = util_path_join(dir, "out.tar.zst");
	one = util_path_join(dir, "t.tar.zst");
	CHECKF(pack_write_dir(one, src, &o, &err) == 0, "%s", err.msg);
	CHECK(files_equal(zero, one));
	o.threads = 2;
	CHECKF(pack_write_dir(one, src, &o, &err) == 0, "%s", err.msg);
	CHECK(files_equal(zero, one));
	o.level = 3;
	CHECKF(pack_write_dir(one, src, &o, &err) == 0, "%s", err.msg);
	CHECK(!files_equal(zero, one));
	free(src);
	free(zero);
	free(one);
	tmpdir_drop(dir);
	return 0;
}

/* Pull the member name out of a `tar -tv` line: after the time, before " -> ". */
static char *listed_name(const char *line)
{
	const char *p = strstr(line, MTIME_TEXT " ");
	size_t n;

	if (!p)
		return NULL;
	p += strlen(MTIME_TEXT " ");
	n = strcspn(p, "\n");
	if (strstr(p, " -> ") && (size_t)(strstr(p, " -> ") - p) < n)
		n = (size_t)(strstr(p, " -> ") - p);
	if (n && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

static int test_pack_gnu_tar_lists_sorted_root_entries_with_given_mtime(void)
{
	char *dir = packed_fixture(2), *cmd, *prev = NULL;
	char line[4096];
	size_t n = 0, numeric = 0;
	FILE *p;

	CHECK(dir);
	cmd = xasprintf("TZ=UTC tar --zstd -tvf %s/out.tar.zst 2>&1", dir);
	p = popen(cmd, "r");
	CHECK(p);
	while (fgets(line, sizeof(line), p)) {
		char *name = listed_name(line);

		CHECKF(strstr(line, " root/root ") && name, "line: %s", line);
		CHECKF(!strncmp(name, TOP, strlen(TOP)), "line: %s", line);
		CHECKF(!prev || strcmp(prev, name) < 0, "%s listed after %s", name, prev);
		CHECKF(line[0] != 'l' || !strncmp(line, "lrwxrwxrwx", 10), "line: %s", line);
		CHECKF(line[0] != 'd' || !strncmp(line, "drwxr-xr-x", 10), "line: %s", line);
		CHECKF(line[0] != '-' || !strncmp(line, "-rw-r--r--", 10) ||
		       (!strncmp(line, "-rwxr-xr-x", 10) && strstr(line, "bin/tool")), "line: %s",
		       line);
		free(prev);
		prev = name;
		n++;
	}
	CHECK(pclose(p) == 0);
	CHECK(n == N_ENTRIES + 1);
	free(prev);
	free(cmd);
	cmd = xasprintf("tar --zstd --numeric-owner -tvf %s/out.tar.zst", dir);
	p = popen(cmd, "r");
	CHECK(p);
	while (fgets(line, sizeof(line), p))
		numeric += strstr(line, " 0/0 ") != NULL;
	CHECK(pclose(p) == 0);
	CHECK(numeric == N_ENTRIES + 1);
	free(cmd);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_has_no_pax_time_or_host_records(void)
{
	char *dir = packed_fixture(2), *cmd;
	char line[64] = "";
	FILE *p;

	CHECK(dir);
	/* The long name needs a pax header; it must carry the path and nothing else. */
	cmd = xasprintf("zstd -dc %s/out.tar.zst | grep -a -c -E "
			"'atime=|ctime=|mtime=|SCHILY|LIBARCHIVE|GNU\\.|PaxHeaders\\.[0-9]'", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(line, sizeof(line), p));
	pclose(p);
	CHECKF(!strcmp(line, "0\n"), "found %s", line);
	free(cmd);
	cmd = xasprintf("zstd -dc %s/out.tar.zst | grep -a -c 'path=" TOP "/" LONG_NAME "'", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(line, sizeof(line), p));
	pclose(p);
	CHECKF(!strcmp(line, "1\n"), "found %s", line);
	free(cmd);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_round_trips_through_gnu_tar(void)
{
	char *dir = packed_fixture(1), *cmd, *tool;
	struct stat st;

	CHECK(dir);
	cmd = xasprintf("mkdir %s/x && tar --zstd -xf %s/out.tar.zst -C %s/x && "
			"diff -r --no-dereference %s/src %s/x/" TOP, dir, dir, dir, dir, dir);
	CHECK(run(cmd) == 0);
	tool = xasprintf("%s/x/" TOP "/bin/tool", dir);
	CHECK(stat(tool, &st) == 0 && (st.st_mode & 0111));
	free(tool);
	free(cmd);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_fails_on_fifo_and_leaves_no_output(void)
{
	struct pack_opts o = { TOP, MTIME, 9, 0 };
	struct pgb_err err = { "" };
	char *dir = tmpdir_new(), *src = util_path_join(dir, "src");
	char *fifo = util_path_join(src, "pipe"), *out = util_path_join(dir, "out.tar.zst"), *old;
	size_t n;

	CHECK(mkdir(src, 0755) == 0 && put_file(out, "old", 3, 0644) == 0);
	CHECK(mkfifo(fifo, 0644) == 0);
	CHECK(pack_write_dir(out, src, &o, &err) == -1);
	CHECKF(strstr(err.msg, fifo) && strstr(err.msg, "fifo"), "%s", err.msg);
	/* Only src and the untouched old output: no temp file left behind. */
	CHECK(dir_count(dir) == 2);
	CHECK(util_read_file(out, &old, &n, &err) == 0 && n == 3 && !memcmp(old, "old", 3));
	free(old);
	unlink(out);
	CHECK(pack_write_dir(out, src, &o, &err) == -1);
	CHECK(dir_count(dir) == 1);
	free(src);
	free(fifo);
	free(out);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_fails_on_symlink_leaving_the_tree(void)
{
	struct pack_opts o = { TOP, MTIME, 9, 0 };
	struct pgb_err err = { "" };
	char *dir = tmpdir_new(), *src = util_path_join(dir, "src");
	char *link = util_path_join(src, "etc"), *out = util_path_join(dir, "out.tar.zst");

	CHECK(mkdir(src, 0755) == 0 && symlink("/etc", link) == 0);
	CHECK(pack_write_dir(out, src, &o, &err) == -1);
	CHECKF(strstr(err.msg, link) && strstr(err.msg, "absolute"), "%s", err.msg);
	CHECK(unlink(link) == 0 && symlink("../../x", link) == 0);
	CHECK(pack_write_dir(out, src, &o, &err) == -1);
	CHECKF(strstr(err.msg, link) && strstr(err.msg, "above"), "%s", err.msg);
	CHECK(dir_count(dir) == 1);
	free(src);
	free(link);
	free(out);
	tmpdir_drop(dir);
	return 0;
}

static int test_pack_rejects_non_ascii_names_and_bad_options(void)
{
	struct pack_opts o = { TOP, MTIME, 9, 0 };
	struct pgb_err err = { "" };
	char *dir = tmpdir_new(), *src = util_path_join(dir, "src");
	char *odd = util_path_join(src, "caf\xc3\xa9"), *out = util_path_join(dir, "out.tar.zst");

	CHECK(mkdir(src, 0755) == 0 && put_file(odd, "x", 1, 0644) == 0);
	CHECK(pack_write_dir(out, src, &o, &err) == -1);
	CHECKF(strstr(err.msg, "ASCII"), "%s", err.msg);
	CHECK(unlink(odd) == 0);
	o.top = "a/b";
	CHECK(pack_write_dir(out, src, &o, &err) == -1 && strstr(err.msg, "a/b"));
	o.top = TOP;
	o.level = 23;
	CHECK(pack_write_dir(out, src, &o, &err) == -1 && strstr(err.msg, "23"));
	CHECK(dir_count(dir) == 1);
	o.level = 0;
	CHECKF(pack_write_dir(out, src, &o, &err) == 0, "%s", err.msg);
	free(src);
	free(odd);
	free(out);
	tmpdir_drop(dir);
	return 0;
}

/* ---- reader ---- */

static const struct tfile *fixture_file(const char *path)
{
	for (size_t i = 0; i < N_FILES; i++)
		if (!strcmp(tree_files[i].path, path))
			return &tree_files[i];
	return NULL;
}

/* Check one reported entry against the tree at src, reading file data. */
static int entry_matches(struct pack_reader *r, const struct pack_entry_info *e, const char *src)
{
	struct pgb_err err = { "" };
	struct sbuf got = SBUF_INIT;
	char *path = util_path_join(src, e->path), *want, buf[7000];
	size_t wlen;
	long n;

	CHECK(!strcmp(e->top, TOP));
	if (e->type == 'd') {
		CHECK(names_dir(path) && e->mode == 0755);
	} else if (e->type == 'l') {
		char target[256] = "";

		CHECK(readlink(path, target, sizeof(target) - 1) > 0);
		CHECK(!strcmp(target, e->link_target) && e->size == 0);
	} else {
		CHECK(e->type == 'f' && fixture_file(e->path));
		CHECK(e->mode == (fixture_file(e->path)->exec ? 0755u : 0644u));
		while ((n = pack_reader_read(r, buf, sizeof(buf), &err)) > 0)
			sbuf_add(&got, buf, (size_t)n);
		CHECKF(n == 0, "%s", err.msg);
		CHECK(util_read_file(path, &want, &wlen, &err) == 0);
		CHECK(got.len == wlen && e->size == wlen && !memcmp(got.buf ? got.buf : "", want,
								  wlen));
		free(want);
	}
	sbuf_free(&got);
	free(path);
	return 0;
}

static int read_all_matches(struct pack_reader *r, const char *src)
{
	struct pgb_err err = { "" };
	struct pack_entry_info e;
	char *prev = xstrdup("");
	size_t n = 0;
	int rc;

	while ((rc = pack_reader_next(r, &e, &err)) == 1) {
		CHECKF(strcmp(prev, e.path) < 0, "%s after %s", e.path, prev);
		CHECKF(entry_matches(r, &e, src) == 0, "entry %s", e.path);
		free(prev);
		prev = xstrdup(e.path);
		n++;
	}
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(n == N_ENTRIES);
	free(prev);
	return 0;
}

static int test_reader_streams_every_entry_with_its_data(void)
{
	struct pgb_err err = { "" };
	struct pack_reader *r;
	char *dir = packed_fixture(2), *arc, *src;

	CHECK(dir);
	arc = util_path_join(dir, "out.tar.zst");
	src = util_path_join(dir, "src");
	CHECKF(pack_reader_open(&r, arc, &err) == 0, "%s", err.msg);
	CHECK(read_all_matches(r, src) == 0);
	pack_reader_free(r);
	free(arc);
	free(src);
	tmpdir_drop(dir);
	return 0;
}

static int test_reader_reads_gnu_tar_archive_of_the_tree(void)
{
	struct pgb_err err = { "" };
	struct pack_reader *r;
	char *dir = packed_fixture(0), *cmd, *arc, *src;

	CHECK(dir);
	arc = util_path_join(dir, "gnu.tar.gz");
	src = util_path_join(dir, "src");
	cmd = xasprintf("tar --format=gnu --sort=name -czf %s -C %s --transform 's,^src," TOP
			",' src", arc, dir);
	CHECK(run(cmd) == 0);
	CHECKF(pack_reader_open(&r, arc, &err) == 0, "%s", err.msg);
	CHECK(read_all_matches(r, src) == 0);
	pack_reader_free(r);
	free(cmd);
	free(arc);
	free(src);
	tmpdir_drop(dir);
	return 0;
}

/* DIR/run.bin: 1000 junk bytes, the archive, 777 junk bytes. */
static int embed_archive(const char *dir, int *fd, uint64_t *len)
{
	struct pgb_err err;
	char *arc = util_path_join(dir, "out.tar.zst"), *run_path = util_path_join(dir, "run.bin");
	char *junk = random_bytes(1000), *data;
	struct sbuf all = SBUF_INIT;
	size_t n;

	CHECK(util_read_file(arc, &data, &n, &err) == 0);
	sbuf_add(&all, junk, 1000);
	sbuf_add(&all, data, n);
	sbuf_add(&all, junk, 777);
	CHECK(put_file(run_path, all.buf, all.len, 0644) == 0);
	*fd = open(run_path, O_RDONLY);
	CHECK(*fd >= 0);
	*len = n;
	sbuf_free(&all);
	free(data);
	free(junk);
	free(arc);
	free(run_path);
	return 0;
}

static int test_reader_reads_archive_from_byte_range_of_fd(void)
{
	struct pgb_err err = { "" };
	struct pack_reader *r;
	char *dir = packed_fixture(2), *src;
	uint64_t len;
	int fd;

	CHECK(dir);
	src = util_path_join(dir, "src");
	CHECK(embed_archive(dir, &fd, &len) == 0);
	CHECK(lseek(fd, 5, SEEK_SET) == 5);
	CHECKF(pack_reader_open_fd(&r, fd, 1000, len, "run.bin", &err) == 0, "%s", err.msg);
	CHECK(read_all_matches(r, src) == 0);
	pack_reader_free(r);
	CHECK(lseek(fd, 0, SEEK_CUR) == 5);
	/* Starting at the wrong offset is a clean error naming the input. */
	CHECK(pack_reader_open_fd(&r, fd, 999, len, "run.bin", &err) == -1 && !r);
	CHECKF(strstr(err.msg, "run.bin"), "%s", err.msg);
	close(fd);
	free(src);
	tmpdir_drop(dir);
	return 0;
}

static int test_reader_fails_cleanly_on_truncated_archive(void)
{
	struct pgb_err err = { "" };
	struct pack_entry_info e;
	struct pack_reader *r;
	char *dir = packed_fixture(2), *arc, *cut, *data, *dest, buf[4096];
	size_t n;
	int rc;
	long got;

	CHECK(dir);
	arc = util_path_join(dir, "out.tar.zst");
	cut = util_path_join(dir, "cut.tar.zst");
	dest = util_path_join(dir, "dest");
	CHECK(util_read_file(arc, &data, &n, &err) == 0);
	CHECK(put_file(cut, data, n / 2, 0644) == 0);
	CHECKF(pack_reader_open(&r, cut, &err) == 0, "%s", err.msg);
	got = 0;
	while (got == 0 && (rc = pack_reader_next(r, &e, &err)) == 1)
		while ((got = pack_reader_read(r, buf, sizeof(buf), &err)) > 0)
			;
	CHECK(rc == -1 || got == -1);
	CHECKF(strstr(err.msg, cut) && strstr(err.msg, "damaged"), "%s", err.msg);
	CHECK(pack_reader_next(r, &e, &err) == -1);
	pack_reader_free(r);
	CHECK(mkdir(dest, 0755) == 0);
	CHECK(pack_extract(cut, -1, 0, 0, dest, 0, NULL, NULL, &err) == -1);
	CHECKF(strstr(err.msg, cut), "%s", err.msg);
	CHECK(dir_count(dest) == 0);
	free(data);
	free(arc);
	free(cut);
	free(dest);
	tmpdir_drop(dir);
	return 0;
}

/* ---- extraction ---- */

struct hashes {
	struct strlist lines;	/* "path hex" */
};

static void collect_hash(void *ctx, const char *path, const char *hex)
{
	struct hashes *h = ctx;

	strlist_add_owned(&h->lines, xasprintf("%s %s", path, hex));
}

static int hashes_match_tree(struct hashes *h, const char *src)
{
	struct pgb_err err = { "" };

	CHECK(h->lines.n == N_FILES);
	for (size_t i = 0; i < N_FILES; i++) {
		char *p = util_path_join(src, tree_files[i].path), hex[HASH_HEX_MAX], *want;

		CHECK(hash_file_hex(HASH_SHA256, p, hex, NULL, &err) == 0);
		want = xasprintf("%s %s", tree_files[i].path, hex);
		CHECKF(strlist_has(&h->lines, want), "no %s", want);
		free(want);
		free(p);
	}
	return 0;
}

static int extracted_tree_matches(const char *dir, const char *dest)
{
	char *cmd = xasprintf("diff -r --no-dereference %s/src %s", dir, dest);
	char *tool = util_path_join(dest, "bin/tool"), *doc = util_path_join(dest, "share/doc");
	char *readme = util_path_join(dest, "share/doc/readme.txt");
	struct stat st;

	CHECK(run(cmd) == 0);
	CHECK(stat(tool, &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(stat(readme, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(stat(doc, &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_mtime == MTIME);
	CHECK(stat(tool, &st) == 0 && st.st_mtime == MTIME);
	free(cmd);
	free(tool);
	free(doc);
	free(readme);
	return 0;
}

static int test_extract_recreates_tree_and_reports_sha256_of_each_file(void)
{
	struct hashes h = { STRLIST_INIT };
	struct pgb_err err = { "" };
	char *dir = packed_fixture(2), *arc, *dest, *src;
	mode_t old;

	CHECK(dir);
	arc = util_path_join(dir, "out.tar.zst");
	dest = util_path_join(dir, "dest");
	src = util_path_join(dir, "src");
	CHECK(mkdir(dest, 0755) == 0);
	old = umask(077);
	CHECKF(pack_extract(arc, -1, 0, 0, dest, PACK_EXTRACT_SHA256, collect_hash, &h, &err) == 0, "%s", err.msg);
	umask(old);
	CHECK(extracted_tree_matches(dir, dest) == 0);
	CHECK(hashes_match_tree(&h, src) == 0);
	strlist_free(&h.lines);
	free(arc);
	free(dest);
	free(src);
	tmpdir_drop(dir);
	return 0;
}

static int test_extract_reads_archive_from_byte_range_of_fd(void)
{
	struct pgb_err err = { "" };
	char *dir = packed_fixture(2), *dest;
	uint64_t len;
	int fd;

	CHECK(dir);
	dest = util_path_join(dir, "dest");
	CHECK(mkdir(dest, 0755) == 0);
	CHECK(embed_archive(dir, &fd, &len) == 0);
	CHECKF(pack_extract(NULL, fd, 1000, len, dest, 0, NULL, NULL, &err) == 0, "%s", err.msg);
	CHECK(extracted_tree_matches(dir, dest) == 0);
	close(fd);
	free(dest);
	tmpdir_drop(dir);
	return 0;
}

static int test_extract_refuses_non_empty_destination(void)
{
	struct pgb_err err = { "" };
	char *dir = packed_fixture(2), *arc, *dest, *keep;

	CHECK(dir);
	arc = util_path_join(dir, "out.tar.zst");
	dest = util_path_join(dir, "dest");
	keep = util_path_join(dest, "keep");
	CHECK(mkdir(dest, 0755) == 0 && put_file(keep, "k", 1, 0644) == 0);
	CHECK(pack_extract(arc, -1, 0, 0, dest, 0, NULL, NULL, &err) == -1);
	CHECKF(strstr(err.msg, dest) && strstr(err.msg, "not empty"), "%s", err.msg);
	CHECK(dir_count(dest) == 1);
	free(arc);
	free(dest);
	free(keep);
	tmpdir_drop(dir);
	return 0;
}

/* ---- hostile archives, written with libarchive itself ---- */

struct hent {
	const char *path;
	mode_t type;		/* AE_IFREG, AE_IFDIR, AE_IFLNK or AE_IFCHR */
	unsigned perm;
	const char *link;	/* symlink target, or the hard link's target if hard */
	int hard;
};

#define H_DIR(p) { p, AE_IFDIR, 0755, NULL, 0 }
#define H_FILE(p) { p, AE_IFREG, 0644, NULL, 0 }
#define H_LINK(p, t) { p, AE_IFLNK, 0777, t, 0 }
#define H_HARD(p, t) { p, AE_IFREG, 0644, t, 1 }

static int write_hent(struct archive *a, const struct hent *h)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_copy_pathname(e, h->path);
	archive_entry_set_filetype(e, h->type);
	archive_entry_set_perm(e, h->perm);
	archive_entry_set_mtime(e, MTIME, 0);
	if (h->type == AE_IFLNK)
		archive_entry_copy_symlink(e, h->link);
	else if (h->hard)
		archive_entry_copy_hardlink(e, h->link);
	else if (h->type == AE_IFREG)
		archive_entry_set_size(e, 5);
	if (h->type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(1, 3));
	rc = archive_write_header(a, e);
	if (rc == ARCHIVE_OK && h->type == AE_IFREG && !h->hard &&
	    archive_write_data(a, "data\n", 5) != 5)
		rc = ARCHIVE_FATAL;
	archive_entry_free(e);
	return rc;
}

static int make_archive(const char *out, const struct hent *v, size_t n)
{
	struct archive *a = archive_write_new();
	int rc = ARCHIVE_OK;

	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, out) != ARCHIVE_OK)
		rc = ARCHIVE_FATAL;
	for (size_t i = 0; rc == ARCHIVE_OK && i < n; i++)
		rc = write_hent(a, &v[i]);
	if (rc == ARCHIVE_OK)
		rc = archive_write_close(a);
	if (rc != ARCHIVE_OK)
		fprintf(stderr, "# cannot write %s: %s\n", out, archive_error_string(a));
	archive_write_free(a);
	return rc == ARCHIVE_OK ? 0 : -1;
}

/*
 * The archive is rejected by the reader and by pack_extract, both naming the
 * entry `named`, and pack_extract leaves sandbox/dest empty and nothing else
 * in sandbox.
 */
static int check_rejected(const struct hent *v, size_t n, const char *named)
{
	struct pgb_err err = { "" };
	struct pack_entry_info e;
	struct pack_reader *r;
	char *dir = tmpdir_new(), *arc = util_path_join(dir, "h.tar.zst");
	char *sandbox = util_path_join(dir, "sandbox"), *dest = util_path_join(sandbox, "dest");
	int rc;

	CHECK(make_archive(arc, v, n) == 0);
	CHECKF(pack_reader_open(&r, arc, &err) == 0, "%s", err.msg);
	while ((rc = pack_reader_next(r, &e, &err)) == 1)
		;
	pack_reader_free(r);
	CHECKF(rc == -1 && strstr(err.msg, named) && strstr(err.msg, arc), "rc %d: %s", rc,
	       err.msg);
	CHECK(mkdir(sandbox, 0755) == 0 && mkdir(dest, 0755) == 0);
	err.msg[0] = '\0';
	CHECK(pack_extract(arc, -1, 0, 0, dest, 0, NULL, NULL, &err) == -1);
	CHECKF(strstr(err.msg, named), "%s", err.msg);
	CHECK(dir_count(sandbox) == 1 && dir_count(dest) == 0);
	free(arc);
	free(sandbox);
	free(dest);
	tmpdir_drop(dir);
	return 0;
}

#define REJECTED(v, named) check_rejected(v, sizeof(v) / sizeof(v[0]), named)

static int test_reject_absolute_path(void)
{
	const struct hent v[] = { H_DIR("top/"), H_FILE("/etc/x") };
	int existed = util_exists("/etc/x");

	CHECK(REJECTED(v, "/etc/x") == 0);
	CHECK(existed || !util_exists("/etc/x"));
	return 0;
}

static int test_reject_dotdot_path(void)
{
	const struct hent v[] = { H_FILE("../x") };

	return REJECTED(v, "../x");
}

static int test_reject_path_climbing_out_of_top(void)
{
	const struct hent v[] = { H_DIR("top/"), H_FILE("top/a"), H_FILE("top/../../x") };

	return REJECTED(v, "top/../../x");
}

static int test_reject_symlink_to_absolute_path(void)
{
	const struct hent v[] = {
		H_DIR("top/"), H_LINK("top/l", "/etc"), H_FILE("top/l/pgbundle-pack-escape"),
	};

	CHECK(REJECTED(v, "top/l") == 0);
	CHECK(!util_exists("/etc/pgbundle-pack-escape"));
	return 0;
}

static int test_reject_symlink_climbing_above_top(void)
{
	const struct hent v[] = { H_DIR("top/"), H_LINK("top/l", "../../x") };
	const struct hent w[] = { H_DIR("top/"), H_LINK("top/d/l", "../../x") };

	CHECK(REJECTED(v, "top/l") == 0);
	return REJECTED(w, "top/d/l");
}

static int test_reject_symlink_climbing_after_a_name(void)
{
	/* s points to the top; s/../.. would then be the sandbox. */
	const struct hent v[] = {
		H_DIR("top/"), H_LINK("top/x/s", ".."), H_LINK("top/x/l", "s/../.."),
	};

	return REJECTED(v, "top/x/l");
}

static int test_reject_entry_below_a_symlink(void)
{
	const struct hent v[] = {
		H_DIR("top/"), H_DIR("top/sub/"), H_LINK("top/l", "sub"), H_FILE("top/l/x"),
	};

	return REJECTED(v, "top/l/x");
}

static int test_reject_character_device(void)
{
	const struct hent v[] = { H_DIR("top/"), { "top/null", AE_IFCHR, 0666, NULL, 0 } };

	return REJECTED(v, "top/null");
}

static int test_reject_setuid_file(void)
{
	const struct hent v[] = { H_DIR("top/"), { "top/su", AE_IFREG, 04755, NULL, 0 } };

	return REJECTED(v, "top/su");
}

static int test_reject_second_top_directory(void)
{
	const struct hent v[] = { H_DIR("top/"), H_FILE("top/a"), H_DIR("other/"),
				  H_FILE("other/b") };

	return REJECTED(v, "other/");
}

static int test_reject_hardlink_outside_top(void)
{
	const struct hent v[] = { H_DIR("top/"), H_HARD("top/h", "/etc/passwd") };
	const struct hent w[] = { H_DIR("top/"), H_FILE("top/a"), H_HARD("top/h", "other/a") };

	CHECK(REJECTED(v, "top/h") == 0);
	return REJECTED(w, "top/h");
}

static int test_reject_path_that_appears_twice(void)
{
	const struct hent v[] = { H_DIR("top/"), H_FILE("top/a"), H_LINK("top/a", "b") };

	return REJECTED(v, "top/a");
}

static int test_accept_inner_symlink_and_hardlink(void)
{
	const struct hent v[] = {
		H_FILE("./top/a/f"), H_LINK("top/a/l", "../b"), H_HARD("top/h", "top/a/f"),
		H_DIR("top/b/"), H_LINK("top/dot", "."),
	};
	struct pgb_err err = { "" };
	struct hashes h = { STRLIST_INIT };
	char *dir = tmpdir_new(), *arc = util_path_join(dir, "ok.tar"), *dest;
	char *f, *hl, *want, hex[HASH_HEX_MAX];
	struct stat sf, sh;

	dest = util_path_join(dir, "dest");
	CHECK(make_archive(arc, v, sizeof(v) / sizeof(v[0])) == 0 && mkdir(dest, 0755) == 0);
	CHECKF(pack_extract(arc, -1, 0, 0, dest, PACK_EXTRACT_SHA256, collect_hash, &h, &err) == 0, "%s", err.msg);
	f = util_path_join(dest, "a/f");
	hl = util_path_join(dest, "h");
	CHECK(stat(f, &sf) == 0 && stat(hl, &sh) == 0 && sf.st_ino == sh.st_ino);
	hash_buf_hex(HASH_SHA256, "data\n", 5, hex);
	want = xasprintf("a/f %s", hex);
	CHECK(h.lines.n == 1 && !strcmp(h.lines.v[0], want));
	free(want);
	strlist_free(&h.lines);
	free(f);
	free(hl);
	free(arc);
	free(dest);
	tmpdir_drop(dir);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_pack_same_bytes_whatever_mtimes_owners_umask_and_creation_order);
	T_RUN(&s, test_pack_same_bytes_with_0_1_and_2_threads);
	T_RUN(&s, test_pack_gnu_tar_lists_sorted_root_entries_with_given_mtime);
	T_RUN(&s, test_pack_has_no_pax_time_or_host_records);
	T_RUN(&s, test_pack_round_trips_through_gnu_tar);
	T_RUN(&s, test_pack_fails_on_fifo_and_leaves_no_output);
	T_RUN(&s, test_pack_fails_on_symlink_leaving_the_tree);
	T_RUN(&s, test_pack_rejects_non_ascii_names_and_bad_options);
	T_RUN(&s, test_reader_streams_every_entry_with_its_data);
	T_RUN(&s, test_reader_reads_archive_from_byte_range_of_fd);
	T_RUN(&s, test_reader_reads_gnu_tar_archive_of_the_tree);
	T_RUN(&s, test_reader_fails_cleanly_on_truncated_archive);
	T_RUN(&s, test_extract_recreates_tree_and_reports_sha256_of_each_file);
	T_RUN(&s, test_extract_reads_archive_from_byte_range_of_fd);
	T_RUN(&s, test_extract_refuses_non_empty_destination);
	T_RUN(&s, test_reject_absolute_path);
	T_RUN(&s, test_reject_dotdot_path);
	T_RUN(&s, test_reject_path_climbing_out_of_top);
	T_RUN(&s, test_reject_symlink_to_absolute_path);
	T_RUN(&s, test_reject_symlink_climbing_above_top);
	T_RUN(&s, test_reject_symlink_climbing_after_a_name);
	T_RUN(&s, test_reject_entry_below_a_symlink);
	T_RUN(&s, test_reject_character_device);
	T_RUN(&s, test_reject_setuid_file);
	T_RUN(&s, test_reject_second_top_directory);
	T_RUN(&s, test_reject_hardlink_outside_top);
	T_RUN(&s, test_reject_path_that_appears_twice);
	T_RUN(&s, test_accept_inner_symlink_and_hardlink);
	return t_done(&s);
}
