#include "pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"

#define PACK_DEFAULT_LEVEL 9
#define PACK_MAX_LEVEL 22
#define PACK_CHUNK (1 << 16)

/* The advice every rejected archive gets: its bytes cannot be trusted. */
#define PACK_BAD_ARCHIVE "the archive is damaged or was tampered with: do not use it, " \
	"fetch or copy it again"

/* ---- helpers shared by the writer and the reader ---- */

static const char *aerr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "unknown libarchive error";
}

/* What to add to aerr() when a write failed because the disk is full. */
static const char *afull(struct archive *a)
{
	int e = archive_errno(a);

	return e == ENOSPC || e == EDQUOT ? " (no space left: the file system is full)" : "";
}

/* Split p on '/', dropping empty and "." parts, so "./a//b/" gives a, b. */
static void split_path(const char *p, struct strlist *parts)
{
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n && !(n == 1 && p[0] == '.'))
			strlist_add_owned(parts, xstrndup(p, n));
		p += n;
		while (*p == '/')
			p++;
	}
}

static void join_parts(const struct strlist *parts, size_t from, struct sbuf *out)
{
	sbuf_reset(out);
	sbuf_adds(out, "");	/* out->buf is "" rather than NULL for the top itself */
	for (size_t i = from; i < parts->n; i++) {
		if (i > from)
			sbuf_addc(out, '/');
		sbuf_adds(out, parts->v[i]);
	}
}

/*
 * NULL when a symlink at rel (its path below the top) pointing to target
 * stays inside the tree, else why not.  ".." is only allowed as a prefix:
 * after a name, the name may itself be a symlink and ".." would then climb
 * from wherever that one points, which a lexical check cannot follow.
 */
static const char *symlink_problem(const char *rel, const char *target)
{
	struct strlist parts = STRLIST_INIT;
	const char *why = NULL;
	int depth = 0, names = 0;

	if (!*target)
		return "its target is empty";
	if (*target == '/')
		return "its target is an absolute path";
	for (const char *s = rel; *s; s++)
		depth += *s == '/';
	split_path(target, &parts);
	for (size_t i = 0; i < parts.n && !why; i++) {
		if (strcmp(parts.v[i], ".."))
			names++;
		else if (names)
			why = "its target uses \"..\" after a name (it could leave the tree "
			      "through another symlink)";
		else if (--depth < 0)
			why = "its target climbs above the top directory";
	}
	strlist_free(&parts);
	return why;
}

static const char *kind_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFIFO: return "a fifo";
	case S_IFSOCK: return "a socket";
	}
	return "a file of unknown type";
}

/* ---- writer ---- */

struct packer {
	struct archive *a;
	const char *src;
	const char *tmp;	/* the archive's name, for messages */
	const struct pack_opts *o;
};

/*
 * libarchive turns names into UTF-8 through the process locale, so a
 * non-ASCII name would make the bytes (or success) depend on setlocale();
 * package file names are ASCII anyway.
 */
static int name_is_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int check_opts(const struct pack_opts *o, struct pgb_err *err)
{
	const char *t = o->top;

	if (!t || !*t || strchr(t, '/') || !strcmp(t, ".") || !strcmp(t, "..") ||
	    !name_is_plain(t))
		return pgb_fail(err, "invalid top directory name \"%s\" for the archive: it "
				"must be one non-empty path component in printable ASCII",
				t ? t : "(null)");
	if (o->level < 0 || o->level > PACK_MAX_LEVEL)
		return pgb_fail(err, "invalid zstd level %d: use 1 to %d (0 for the default, %d)",
				o->level, PACK_MAX_LEVEL, PACK_DEFAULT_LEVEL);
	if (o->threads < 0)
		return pgb_fail(err, "invalid number of zstd threads %d: use 0 or more",
				o->threads);
	return 0;
}

static int collect(const char *src, const char *rel, struct strlist *out, struct pgb_err *err);

static int collect_one(const char *src, const char *rel, struct strlist *out,
		       struct pgb_err *err)
{
	char *abs = util_path_join(src, rel);
	struct stat st;
	int rc = 0;

	if (!name_is_plain(rel))
		rc = pgb_fail(err, "%s: names in a bundle must be printable ASCII; rename it", abs);
	else if (lstat(abs, &st) < 0)
		rc = pgb_failsys(err, "cannot stat %s", abs);
	else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		rc = pgb_fail(err, "%s is %s: a bundle holds only files, directories and "
			      "symlinks; remove it from the tree", abs, kind_name(st.st_mode));
	else
		strlist_add(out, rel);
	if (rc == 0 && S_ISDIR(st.st_mode))
		rc = collect(src, rel, out, err);
	free(abs);
	return rc;
}

/* Append the paths below src/rel (rel "" for src itself) to out. */
static int collect(const char *src, const char *rel, struct strlist *out, struct pgb_err *err)
{
	char *dir = *rel ? util_path_join(src, rel) : xstrdup(src);
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		pgb_failsys(err, "cannot open directory %s", dir);
		free(dir);
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		char *child;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		rc = collect_one(src, child, out, err);
		free(child);
	}
	if (rc == 0 && errno)
		rc = pgb_failsys(err, "cannot read directory %s", dir);
	closedir(d);
	free(dir);
	return rc;
}

/* A header with everything that must not vary between builds pinned. */
static struct archive_entry *new_entry(const struct pack_opts *o, const char *rel,
				       mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	char *name = *rel ? xasprintf("%s/%s", o->top, rel) : xstrdup(o->top);

	if (!e) {
		fprintf(stderr, "pgbundle: out of memory allocating an archive entry\n");
		abort();
	}
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_copy_uname(e, "root");
	archive_entry_copy_gname(e, "root");
	archive_entry_set_mtime(e, (time_t)o->mtime, 0);
	free(name);
	return e;
}

static int put_header(struct packer *p, struct archive_entry *e, const char *rel,
		      struct pgb_err *err)
{
	int rc = archive_write_header(p->a, e);

	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return pgb_fail(err, "cannot add %s/%s to %s: %s%s", p->src, rel, p->tmp, aerr(p->a),
				afull(p->a));
	return 0;
}

static int copy_data(struct packer *p, int fd, const char *abs, uint64_t size,
		     struct pgb_err *err)
{
	char buf[PACK_CHUNK];
	uint64_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pgb_failsys(err, "cannot read %s", abs);
		total += (uint64_t)n;
		if (total > size)
			break;
		if (archive_write_data(p->a, buf, (size_t)n) != n)
			return pgb_fail(err, "cannot write %s into %s: %s%s", abs, p->tmp,
					aerr(p->a), afull(p->a));
	}
	if (total != size)
		return pgb_fail(err, "%s changed size while it was being packed: make sure "
				"nothing writes to the tree and build again", abs);
	return 0;
}

static int pack_file(struct packer *p, const char *rel, const char *abs, struct pgb_err *err)
{
	int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct archive_entry *e;
	struct stat st;
	int rc;

	if (fd < 0)
		return pgb_failsys(err, "cannot open %s", abs);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pgb_fail(err, "%s changed while it was being packed: make sure nothing "
				"writes to the tree and build again", abs);
	}
	e = new_entry(p->o, rel, AE_IFREG, st.st_mode & 0111 ? 0755 : 0644);
	archive_entry_set_size(e, st.st_size);
	rc = put_header(p, e, rel, err);
	if (rc == 0)
		rc = copy_data(p, fd, abs, (uint64_t)st.st_size, err);
	close(fd);
	return rc;
}

static char *read_link(const char *abs, struct pgb_err *err)
{
	size_t cap = 256;

	for (;;) {
		char *buf = xmalloc(cap);
		ssize_t n = readlink(abs, buf, cap);

		if (n < 0) {
			free(buf);
			pgb_failsys(err, "cannot read symlink %s", abs);
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		cap *= 2;
	}
}

static int pack_symlink(struct packer *p, const char *rel, const char *abs, struct pgb_err *err)
{
	char *target = read_link(abs, err);
	struct archive_entry *e;
	const char *why;

	if (!target)
		return -1;
	why = symlink_problem(rel, target);
	if (why) {
		pgb_fail(err, "symlink %s -> %s: %s; make it a relative link inside the tree or "
			 "replace it with the file it points to", abs, target, why);
		free(target);
		return -1;
	}
	e = new_entry(p->o, rel, AE_IFLNK, 0777);
	archive_entry_copy_symlink(e, target);
	free(target);
	return put_header(p, e, rel, err);
}

static int pack_one(struct packer *p, const char *rel, struct pgb_err *err)
{
	char *abs = util_path_join(p->src, rel);
	struct stat st;
	int rc;

	if (lstat(abs, &st) < 0)
		rc = pgb_failsys(err, "cannot stat %s", abs);
	else if (S_ISDIR(st.st_mode))
		rc = put_header(p, new_entry(p->o, rel, AE_IFDIR, 0755), rel, err);
	else if (S_ISREG(st.st_mode))
		rc = pack_file(p, rel, abs, err);
	else if (S_ISLNK(st.st_mode))
		rc = pack_symlink(p, rel, abs, err);
	else
		rc = pgb_fail(err, "%s is %s: a bundle holds only files, directories and "
			      "symlinks; remove it from the tree", abs, kind_name(st.st_mode));
	free(abs);
	return rc;
}

/*
 * zstd's output is identical for any number of workers >= 1 but differs
 * from its single-threaded mode, so at least one worker is always asked for:
 * the threads option must not change the bytes.
 */
static int writer_open(struct packer *p, int fd, struct pgb_err *err)
{
	char level[16], threads[16];

	snprintf(level, sizeof(level), "%d", p->o->level ? p->o->level : PACK_DEFAULT_LEVEL);
	snprintf(threads, sizeof(threads), "%d", p->o->threads > 0 ? p->o->threads : 1);
	p->a = archive_write_new();
	if (!p->a)
		return pgb_fail(err, "cannot create an archive writer for %s: out of memory",
				p->tmp);
	if (archive_write_set_format_pax_restricted(p->a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(p->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(p->a, "zstd", "compression-level", level) != ARCHIVE_OK ||
	    archive_write_set_filter_option(p->a, "zstd", "threads", threads) != ARCHIVE_OK ||
	    archive_write_open_fd(p->a, fd) != ARCHIVE_OK)
		return pgb_fail(err, "cannot set up the tar.zst writer for %s (zstd level %s, "
				"%s threads): %s; this needs libarchive >= 3.6 built with "
				"libzstd", p->tmp, level, threads, aerr(p->a));
	return 0;
}

static int write_archive(struct packer *p, int fd, const struct strlist *paths,
			 struct pgb_err *err)
{
	int rc = writer_open(p, fd, err);

	if (rc == 0)
		rc = put_header(p, new_entry(p->o, "", AE_IFDIR, 0755), "", err);
	for (size_t i = 0; rc == 0 && i < paths->n; i++)
		rc = pack_one(p, paths->v[i], err);
	if (rc == 0 && archive_write_close(p->a) != ARCHIVE_OK)
		rc = pgb_fail(err, "cannot finish %s: %s%s", p->tmp, aerr(p->a), afull(p->a));
	return rc;
}

/* Byte order, except that pool/ (the packages) comes after everything else:
 * a reader streaming the archive meets the signed index (dists/ for apt,
 * repodata/ for rpm-md) before the files it lists. */
static int is_pool(const char *path)
{
	return !strncmp(path, "pool", 4) && (path[4] == '\0' || path[4] == '/');
}

static int cmp_entry(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int px = is_pool(x), py = is_pool(y);

	return px != py ? px - py : strcmp(x, y);
}

int pack_write_dir(const char *out_path, const char *src_dir, const struct pack_opts *o,
		   struct pgb_err *err)
{
	struct strlist paths = STRLIST_INIT;
	struct packer p = { NULL, src_dir, NULL, o };
	struct util_atomic out;
	int rc;

	if (check_opts(o, err) < 0)
		return -1;
	if (collect(src_dir, "", &paths, err) < 0) {
		strlist_free(&paths);
		return pgb_err_prefix(err, "cannot pack %s", src_dir);
	}
	if (paths.n > 1)
		qsort(paths.v, paths.n, sizeof(*paths.v), cmp_entry);
	if (util_atomic_open(&out, out_path, 0644, err) < 0) {
		strlist_free(&paths);
		return -1;
	}
	p.tmp = out_path;
	rc = write_archive(&p, out.fd, &paths, err);
	if (p.a)
		archive_write_free(p.a);
	if (rc == 0)
		rc = util_atomic_commit(&out, err);
	else
		util_atomic_abort(&out);
	strlist_free(&paths);
	return rc;
}

/* ---- reader ---- */

/* A path the archive created, for duplicate and parent checks. */
struct seen {
	char *path;
	int type;		/* 'f', 'd', 'l' or 'h' */
	int implicit;		/* a directory only known as the parent of entries */
};

struct pack_reader {
	struct archive *a;
	struct archive_entry *cur;	/* owned by a */
	char *what;
	struct pack_source src;		/* src.read NULL: the byte range of fd */
	int fd;
	int own_fd;
	int failed;
	uint64_t off, len, pos;
	char *top;
	void *seen;			/* tsearch tree of struct seen */
	struct sbuf path, link;
	int type;
	unsigned char buf[PACK_CHUNK];
};

static la_ssize_t source_read(struct archive *a, struct pack_reader *r, const void **buf)
{
	struct pgb_err err = { { 0 } };
	long n = r->src.read(r->src.ctx, buf, &err);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", err.msg[0] ? err.msg : "cannot read");
		return -1;
	}
	return n;
}

static la_ssize_t reader_read_cb(struct archive *a, void *data, const void **buf)
{
	struct pack_reader *r = data;
	uint64_t left = r->len - r->pos;
	size_t want = left < sizeof(r->buf) ? (size_t)left : sizeof(r->buf);
	ssize_t n;

	if (r->src.read)
		return source_read(a, r, buf);
	*buf = r->buf;
	if (!want)
		return 0;
	do
		n = pread(r->fd, r->buf, want, (off_t)(r->off + r->pos));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "cannot read: %s", strerror(errno));
		return -1;
	}
	r->pos += (uint64_t)n;
	return n;
}

static la_int64_t reader_skip_cb(struct archive *a, void *data, la_int64_t request)
{
	struct pack_reader *r = data;
	uint64_t left = r->len - r->pos;

	(void)a;
	/* A source is read through: every byte of it goes where the caller sends it. */
	if (request <= 0 || r->src.read)
		return 0;
	if ((uint64_t)request > left)
		request = (la_int64_t)left;
	r->pos += (uint64_t)request;
	return request;
}

/*
 * Only built-in decompressors: an external program must never see hostile input.
 * The static installer builds with PACK_READ_ZSTD_ONLY: its payload is always
 * zstd, and every other decompressor would be code and a static library to carry.
 */
static int reader_setup(struct pack_reader *r)
{
	struct archive *a = r->a;

	return archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
#ifndef PACK_READ_ZSTD_ONLY
	       archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	       archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	       archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	       archive_read_support_filter_lz4(a) != ARCHIVE_OK ||
#endif
	       archive_read_support_format_tar(a) != ARCHIVE_OK ||
	       archive_read_set_callback_data(a, r) != ARCHIVE_OK ||
	       archive_read_set_read_callback(a, reader_read_cb) != ARCHIVE_OK ||
	       archive_read_set_skip_callback(a, reader_skip_cb) != ARCHIVE_OK ? -1 : 0;
}

static int reader_start(struct pack_reader *r, struct pack_reader **out, struct pgb_err *err)
{
	r->a = archive_read_new();
	if (!r->a) {
		pgb_fail(err, "cannot create an archive reader for %s: out of memory", r->what);
		pack_reader_free(r);
		return -1;
	}
	if (reader_setup(r) < 0 || archive_read_open1(r->a) != ARCHIVE_OK) {
		pgb_fail(err, "%s is not a readable tar archive: %s; %s", r->what, aerr(r->a),
			 PACK_BAD_ARCHIVE);
		pack_reader_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

static struct pack_reader *reader_new(int fd, int own_fd, uint64_t off, uint64_t len,
				      const char *what)
{
	struct pack_reader *r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->own_fd = own_fd;
	r->off = off;
	r->len = len;
	r->what = xstrdup(what);
	return r;
}

int pack_reader_open_fd(struct pack_reader **out, int fd, uint64_t offset, uint64_t length,
			const char *what, struct pgb_err *err)
{
	struct stat st;

	*out = NULL;
	if (length == 0) {
		if (fstat(fd, &st) < 0)
			return pgb_failsys(err, "cannot stat %s", what);
		if (offset > (uint64_t)st.st_size)
			return pgb_fail(err, "%s: the archive offset %llu lies beyond the end of the "
					"file (%lld bytes); %s", what, (unsigned long long)offset,
					(long long)st.st_size, PACK_BAD_ARCHIVE);
		length = (uint64_t)st.st_size - offset;
	}
	if (offset > (uint64_t)INT64_MAX || length > (uint64_t)INT64_MAX - offset)
		return pgb_fail(err, "%s: the archive range (offset %llu, length %llu) is too "
				"large; %s", what, (unsigned long long)offset,
				(unsigned long long)length, PACK_BAD_ARCHIVE);
	return reader_start(reader_new(fd, 0, offset, length, what), out, err);
}

int pack_reader_open_source(struct pack_reader **out, const struct pack_source *src,
			    const char *what, struct pgb_err *err)
{
	struct pack_reader *r = reader_new(-1, 0, 0, 0, what);

	*out = NULL;
	r->src = *src;
	return reader_start(r, out, err);
}

int pack_reader_open(struct pack_reader **out, const char *path, struct pgb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*out = NULL;
	if (fd < 0)
		return pgb_failsys(err, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pgb_fail(err, "%s is not a regular file: give the path of a bundle archive",
				path);
	}
	return reader_start(reader_new(fd, 1, 0, (uint64_t)st.st_size, path), out, err);
}

static void seen_free(void *p)
{
	struct seen *s = p;

	free(s->path);
	free(s);
}

void pack_reader_free(struct pack_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->own_fd)
		close(r->fd);
	tdestroy(r->seen, seen_free);
	sbuf_free(&r->path);
	sbuf_free(&r->link);
	free(r->top);
	free(r->what);
	free(r);
}

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->path, ((const struct seen *)b)->path);
}

static struct seen *seen_find(struct pack_reader *r, const char *path)
{
	struct seen key = { (char *)path, 0, 0 };
	void *n = tfind(&key, &r->seen, seen_cmp);

	return n ? *(struct seen **)n : NULL;
}

static void seen_add(struct pack_reader *r, const char *path, int type, int implicit)
{
	struct seen *s = xmalloc(sizeof(*s));

	s->path = xstrdup(path);
	s->type = type;
	s->implicit = implicit;
	if (!tsearch(s, &r->seen, seen_cmp)) {
		fprintf(stderr, "pgbundle: out of memory recording archive paths\n");
		abort();
	}
}

/* Fail naming the entry; raw names are made printable first. */
static int entry_fail(struct pack_reader *r, const char *raw, struct pgb_err *err,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int entry_fail(struct pack_reader *r, const char *raw, struct pgb_err *err,
		      const char *fmt, ...)
{
	struct sbuf name = SBUF_INIT;
	char why[512];
	va_list ap;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (const char *s = raw; *s && n < 400; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			sbuf_addf(&name, "\\x%02x", c);
		else
			sbuf_addc(&name, (char)c);
	}
	if (strlen(raw) > n)
		sbuf_adds(&name, "...");
	pgb_fail(err, "%s: entry \"%s\" %s; %s", r->what, name.buf ? name.buf : "", why,
		 PACK_BAD_ARCHIVE);
	sbuf_free(&name);
	r->failed = 1;
	return -1;
}

static int entry_type(struct archive_entry *e, const char **kind)
{
	mode_t ft = archive_entry_filetype(e);

	*kind = kind_name(ft);
	if (archive_entry_hardlink(e))
		return ft == AE_IFREG || ft == 0 ? 'h' : 0;
	switch (ft) {
	case AE_IFREG: return 'f';
	case AE_IFDIR: return 'd';
	case AE_IFLNK: return 'l';
	}
	return 0;
}

/* Register rel, refusing duplicates and entries below a symlink or a file. */
static int record(struct pack_reader *r, const char *raw, const char *rel, int type,
		  struct pgb_err *err)
{
	struct seen *s;

	for (const char *p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
		char *parent = xstrndup(rel, (size_t)(p - rel));

		s = seen_find(r, parent);
		if (!s)
			seen_add(r, parent, 'd', 1);
		else if (s->type != 'd')
			entry_fail(r, raw, err, "lies below \"%s/%s\", which is a %s in the "
				   "archive", r->top, parent, s->type == 'l' ? "symlink" : "file");
		free(parent);
		if (r->failed)
			return -1;
	}
	s = seen_find(r, rel);
	if (s && s->implicit && type == 'd') {
		s->implicit = 0;
		return 0;
	}
	if (s)
		return entry_fail(r, raw, err, "%s", s->implicit ?
				  "would replace a directory that earlier entries lie in" :
				  "appears twice in the archive");
	seen_add(r, rel, type, 0);
	return 0;
}

static int check_hardlink(struct pack_reader *r, const char *raw, const char *target,
			  struct pgb_err *err)
{
	struct strlist parts = STRLIST_INIT;
	struct seen *s = NULL;
	int bad = 0;

	if (*target == '/')
		return entry_fail(r, raw, err, "is a hard link to an absolute path");
	split_path(target, &parts);
	for (size_t i = 0; i < parts.n; i++)
		bad |= !strcmp(parts.v[i], "..");
	if (!bad && parts.n >= 2 && !strcmp(parts.v[0], r->top)) {
		join_parts(&parts, 1, &r->link);
		s = seen_find(r, r->link.buf);
	}
	strlist_free(&parts);
	if (!s || s->implicit || (s->type != 'f' && s->type != 'h'))
		return entry_fail(r, raw, err, "is a hard link to a path that is not an earlier "
				  "file of the archive's top directory");
	return 0;
}

static int check_link(struct pack_reader *r, const char *raw, struct pgb_err *err)
{
	const char *target, *why;

	if (r->type == 'h')
		return check_hardlink(r, raw, archive_entry_hardlink(r->cur), err);
	if (r->type != 'l')
		return 0;
	target = archive_entry_symlink(r->cur);
	why = target ? symlink_problem(r->path.buf, target) : "has no target";
	if (why)
		return entry_fail(r, raw, err, "is a symlink and %s", why);
	sbuf_reset(&r->link);
	sbuf_adds(&r->link, target);
	return 0;
}

/* Split and check the entry's name; sets r->top from the first entry. */
static int check_name(struct pack_reader *r, const char *raw, struct strlist *parts,
		      struct pgb_err *err)
{
	if (!*raw)
		return entry_fail(r, raw, err, "has an empty name");
	if (*raw == '/')
		return entry_fail(r, raw, err, "is an absolute path");
	split_path(raw, parts);
	for (size_t i = 0; i < parts->n; i++)
		if (!strcmp(parts->v[i], ".."))
			return entry_fail(r, raw, err, "has a \"..\" component");
	if (!parts->n)
		return entry_fail(r, raw, err, "is not inside a top directory");
	if (!r->top)
		r->top = xstrdup(parts->v[0]);
	else if (strcmp(parts->v[0], r->top))
		return entry_fail(r, raw, err, "lies outside the top directory \"%s\" that the "
				  "first entry set", r->top);
	join_parts(parts, 1, &r->path);
	return 0;
}

/* 1: report the entry, 0: skip it (the top directory), -1: reject. */
static int check_entry(struct pack_reader *r, struct pgb_err *err)
{
	struct strlist parts = STRLIST_INIT;
	const char *raw = archive_entry_pathname(r->cur), *kind;
	int rc;

	if (!raw)
		return entry_fail(r, "", err, "has no name");
	rc = check_name(r, raw, &parts, err);
	strlist_free(&parts);
	if (rc < 0)
		return -1;
	r->type = entry_type(r->cur, &kind);
	if (!r->type)
		return entry_fail(r, raw, err, "is %s; only files, directories and links are "
				  "allowed", kind);
	if (archive_entry_mode(r->cur) & (S_ISUID | S_ISGID | S_ISVTX))
		return entry_fail(r, raw, err, "has the setuid, setgid or sticky bit");
	if (!*r->path.buf && r->type != 'd')
		return entry_fail(r, raw, err, "is not inside a top directory");
	if (check_link(r, raw, err) < 0 || record(r, raw, r->path.buf, r->type, err) < 0)
		return -1;
	return *r->path.buf ? 1 : 0;
}

static void fill_info(struct pack_reader *r, struct pack_entry_info *e)
{
	la_int64_t size = archive_entry_size(r->cur);

	e->path = r->path.buf;
	e->top = r->top;
	e->type = r->type;
	e->link_target = r->type == 'l' || r->type == 'h' ? r->link.buf : NULL;
	e->size = r->type == 'f' && size > 0 ? (uint64_t)size : 0;
	e->mode = archive_entry_perm(r->cur) & 0777;
}

int pack_reader_next(struct pack_reader *r, struct pack_entry_info *e, struct pgb_err *err)
{
	int rc;

	if (r->failed)
		return pgb_fail(err, "%s: reading stopped at an earlier error", r->what);
	do {
		r->type = 0;
		rc = archive_read_next_header(r->a, &r->cur);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN) {
			r->failed = 1;
			return pgb_fail(err, "%s: cannot read the next entry: %s; %s", r->what,
					aerr(r->a), PACK_BAD_ARCHIVE);
		}
		rc = check_entry(r, err);
	} while (rc == 0);
	if (rc < 0)
		return -1;
	fill_info(r, e);
	return 1;
}

long pack_reader_read(struct pack_reader *r, void *buf, size_t len, struct pgb_err *err)
{
	la_ssize_t n;

	if (r->failed)
		return pgb_fail(err, "%s: reading stopped at an earlier error", r->what);
	if (r->type != 'f')
		return 0;
	if (len > LONG_MAX)
		len = LONG_MAX;
	n = archive_read_data(r->a, buf, len);
	if (n < 0) {
		r->failed = 1;
		return pgb_fail(err, "%s: cannot read the data of \"%s\": %s; %s", r->what,
				r->path.buf, aerr(r->a), PACK_BAD_ARCHIVE);
	}
	return (long)n;
}

/* ---- extraction ---- */

struct extractor {
	struct pack_reader *r;
	struct archive *disk;
	struct archive_entry *out;
	const char *dest;
	void (*cb)(void *ctx, const char *path, const char *hex);
	void *ctx;
	unsigned flags;		/* PACK_EXTRACT_* */
};

static int dir_check_empty(int dir_fd, const char *dir, struct pgb_err *err)
{
	int empty = util_dir_empty_at(dir_fd);

	if (empty < 0)
		return pgb_failsys(err, "cannot open the extraction directory %s", dir);
	return empty ? 0 : pgb_fail(err, "%s is not empty: extract into a new, empty directory",
				    dir);
}

/* A fresh header with only what may reach the disk: no owner, ACL, xattr or flag. */
static void disk_entry(struct extractor *x, const struct pack_entry_info *e)
{
	struct archive_entry *o = archive_entry_clear(x->out);

	archive_entry_copy_pathname(o, e->path);
	archive_entry_set_mtime(o, archive_entry_mtime(x->r->cur),
				archive_entry_mtime_nsec(x->r->cur));
	switch (e->type) {
	case 'd':
		archive_entry_set_filetype(o, AE_IFDIR);
		archive_entry_set_perm(o, 0755);
		break;
	case 'f':
		archive_entry_set_filetype(o, AE_IFREG);
		archive_entry_set_perm(o, e->mode & 0111 ? 0755 : 0644);
		archive_entry_set_size(o, (la_int64_t)e->size);
		break;
	case 'l':
		archive_entry_set_filetype(o, AE_IFLNK);
		archive_entry_set_perm(o, 0777);
		archive_entry_copy_symlink(o, e->link_target);
		break;
	default:
		archive_entry_set_filetype(o, AE_IFREG);
		archive_entry_set_perm(o, 0644);
		archive_entry_copy_hardlink(o, e->link_target);
		archive_entry_set_size(o, 0);
		break;
	}
}

static int disk_fail(struct extractor *x, const char *path, struct pgb_err *err)
{
	return pgb_fail(err, "%s: cannot extract \"%s\" into %s: %s%s", x->r->what, path, x->dest,
			aerr(x->disk), afull(x->disk));
}

static int extract_data(struct extractor *x, const struct pack_entry_info *e,
			char hex[HASH_HEX_MAX], struct pgb_err *err)
{
	struct hash_ctx *h = x->flags & PACK_EXTRACT_SHA256 ? hash_new(HASH_SHA256) : NULL;
	char buf[PACK_CHUNK];
	long n;

	while ((n = pack_reader_read(x->r, buf, sizeof(buf), err)) > 0) {
		if (h)
			hash_update(h, buf, (size_t)n);
		if (archive_write_data(x->disk, buf, (size_t)n) != n) {
			n = disk_fail(x, e->path, err);
			break;
		}
	}
	if (h) {
		hash_final_hex(h, hex);
		hash_free(h);
	}
	return n < 0 ? -1 : 0;
}

static int extract_entry(struct extractor *x, const struct pack_entry_info *e,
			 struct pgb_err *err)
{
	char hex[HASH_HEX_MAX];

	disk_entry(x, e);
	if (archive_write_header(x->disk, x->out) != ARCHIVE_OK)
		return disk_fail(x, e->path, err);
	if (e->type == 'f' && extract_data(x, e, hex, err) < 0)
		return -1;
	if (archive_write_finish_entry(x->disk) != ARCHIVE_OK)
		return disk_fail(x, e->path, err);
	if (e->type == 'f' && x->cb)
		x->cb(x->ctx, e->path, x->flags & PACK_EXTRACT_SHA256 ? hex : NULL);
	return 0;
}

/* Runs with the working directory in dest: libarchive writes relative paths. */
static int extract_all(struct extractor *x, struct pgb_err *err)
{
	const int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
			  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
			  ARCHIVE_EXTRACT_TIME;
	struct pack_entry_info e;
	int rc;

	x->disk = archive_write_disk_new();
	x->out = archive_entry_new();
	if (!x->disk || !x->out || archive_write_disk_set_options(x->disk, flags) != ARCHIVE_OK) {
		rc = pgb_fail(err, "cannot set up extraction into %s: out of memory", x->dest);
		goto out;
	}
	while ((rc = pack_reader_next(x->r, &e, err)) == 1)
		if (extract_entry(x, &e, err) < 0) {
			rc = -1;
			break;
		}
	/* Directory modes and times are applied on close. */
	if (rc == 0 && archive_write_close(x->disk) != ARCHIVE_OK)
		rc = pgb_fail(err, "%s: cannot finish extracting into %s: %s", x->r->what,
			      x->dest, aerr(x->disk));
out:
	if (x->disk)
		archive_write_free(x->disk);
	if (x->out)
		archive_entry_free(x->out);
	return rc;
}

/* libarchive writes relative paths: work inside the directory itself, reached by its fd. */
static int extract_in_dest(struct extractor *x, int dest_fd, struct pgb_err *err)
{
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (cwd < 0)
		return pgb_failsys(err, "cannot remember the working directory");
	if (fchdir(dest_fd) < 0) {
		close(cwd);
		return pgb_failsys(err, "cannot enter the extraction directory %s", x->dest);
	}
	rc = extract_all(x, err);
	if (fchdir(cwd) < 0) {
		close(cwd);
		return pgb_failsys(err, "cannot return to the working directory after "
				   "extracting into %s", x->dest);
	}
	close(cwd);
	if (rc < 0) {
		struct pgb_err ignored;

		/* Best effort: the extraction already failed and says why. */
		util_clear_dir_at(dest_fd, &ignored);
	}
	return rc;
}

int pack_extract_reader(struct pack_reader *r, int dest_fd, const char *dest, unsigned flags,
			void (*file_cb)(void *ctx, const char *path, const char *hex), void *ctx,
			struct pgb_err *err)
{
	struct extractor x = { r, NULL, NULL, dest, file_cb, ctx, flags };

	if (dir_check_empty(dest_fd, dest, err) < 0)
		return -1;
	return extract_in_dest(&x, dest_fd, err);
}

int pack_extract(const char *archive_path_or_null, int fd, uint64_t offset, uint64_t length,
		 const char *dest_dir, unsigned flags,
		 void (*file_cb)(void *ctx, const char *path, const char *hex), void *ctx,
		 struct pgb_err *err)
{
	struct pack_reader *r;
	int dest = open(dest_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;

	if (dest < 0)
		return pgb_failsys(err, "cannot open the extraction directory %s", dest_dir);
	rc = dir_check_empty(dest, dest_dir, err);
	if (rc == 0 && archive_path_or_null) {
		rc = pack_reader_open(&r, archive_path_or_null, err);
	} else if (rc == 0) {
		char *what = xasprintf("the archive at offset %llu of file descriptor %d",
				       (unsigned long long)offset, fd);

		rc = pack_reader_open_fd(&r, fd, offset, length, what, err);
		free(what);
	}
	if (rc == 0) {
		rc = pack_extract_reader(r, dest, dest_dir, flags, file_cb, ctx, err);
		pack_reader_free(r);
	}
	close(dest);
	return rc;
}
