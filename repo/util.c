#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "pgbundle: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sbuf b = SBUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sbuf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	return sbuf_detach(&b, NULL);
}

void sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap *= 2;
	b->buf = xrealloc(b->buf, b->cap);
}

void sbuf_add(struct sbuf *b, const void *data, size_t len)
{
	sbuf_grow(b, len);
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *b, size_t *len)
{
	char *p;

	if (!b->buf)
		sbuf_grow(b, 0), b->buf[0] = '\0';
	p = b->buf;
	if (len)
		*len = b->len;
	b->buf = NULL;
	b->len = b->cap = 0;
	return p;
}

void sbuf_free(struct sbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

void strlist_add_owned(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

void strlist_add(struct strlist *l, const char *s)
{
	strlist_add_owned(l, xstrdup(s));
}

int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

int util_has_word(const char *words, const char *w)
{
	size_t n = strlen(w);

	/* strstr finds "" at every position and p += 0 never moves: an empty
	 * name (a null YAML key) looped forever.  "a b" would match two words. */
	if (!n || strchr(w, ' '))
		return 0;
	for (const char *p = words; (p = strstr(p, w)) != NULL; p += n)
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

void strlist_uniq(struct strlist *l)
{
	size_t w = 0;

	for (size_t r = 0; r < l->n; r++) {
		if (w && !strcmp(l->v[w - 1], l->v[r])) {
			free(l->v[r]);
			continue;
		}
		l->v[w++] = l->v[r];
	}
	l->n = w;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int util_read_file(const char *path, char **data, size_t *len, struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return pgb_failsys(err, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		sbuf_free(&b);
		return pgb_failsys(err, "cannot read %s", path);
	}
	fclose(f);
	*data = sbuf_detach(&b, len);
	return 0;
}

int util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

char *util_tmp_name(const char *name)
{
	return xasprintf(".%s.tmp.%ld", name, (long)getpid());
}

/* dir and base of path, malloc'd. */
static void split_path(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	*dir = slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path)))
		     : xstrdup(".");
	*base = xstrdup(slash ? slash + 1 : path);
}

/* The PID of a hidden temporary name ".NAME.tmp.PID" (of name, or of any
 * name when name is NULL), or 0 when it is none. */
static long tmp_name_pid(const char *entry, const char *name)
{
	const char *p;
	char *end;
	long pid;

	if (entry[0] != '.')
		return 0;
	if (name) {
		size_t n = strlen(name);

		if (strncmp(entry + 1, name, n) != 0 || strncmp(entry + 1 + n, ".tmp.", 5) != 0)
			return 0;
		p = entry + 1 + n + 5;
	} else {
		const char *t = strstr(entry, ".tmp.");

		if (!t || t == entry)
			return 0;
		while (strstr(t + 1, ".tmp."))
			t = strstr(t + 1, ".tmp.");
		p = t + 5;
	}
	pid = strtol(p, &end, 10);
	return *p && !*end && pid > 0 ? pid : 0;
}

int util_sweep_stale(const char *dir, const char *name)
{
	struct pgb_err ignored;
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d))) {
		long pid = tmp_name_pid(de->d_name, name);
		char *p;

		if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		p = util_path_join(dir, de->d_name);
		n += util_rm_rf(p, &ignored) == 0;
		free(p);
	}
	if (d)
		closedir(d);
	return n;
}

/* "cannot VERB PATH: strerror", saying when the disk is full. */
static int fail_io(struct pgb_err *err, const char *verb, const char *path)
{
	if (errno == ENOSPC || errno == EDQUOT)
		return pgb_failsys(err, "cannot %s %s (the file system holding it is full: free "
				   "space there or write elsewhere)", verb, path);
	return pgb_failsys(err, "cannot %s %s", verb, path);
}

int util_atomic_open(struct util_atomic *a, const char *path, mode_t mode, struct pgb_err *err)
{
	char *dir, *base;

	memset(a, 0, sizeof(*a));
	a->mode = mode;
	a->path = xstrdup(path);
	split_path(path, &dir, &base);
	util_sweep_stale(dir, base);
	a->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (a->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char *name = util_tmp_name(base);

		a->tmp = util_path_join(dir, name);
		free(name);
		a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	free(dir);
	free(base);
	if (a->fd < 0) {
		fail_io(err, "create", a->tmp ? a->tmp : path);
		free(a->tmp);
		free(a->path);
		memset(a, 0, sizeof(*a));
		a->fd = -1;
		return -1;
	}
	return 0;
}

void util_atomic_abort(struct util_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}

/* Give the unnamed file its hidden name (a->tmp). */
static int atomic_link(struct util_atomic *a, struct pgb_err *err)
{
	char *dir, *base, *name, *proc;
	int rc;

	split_path(a->path, &dir, &base);
	name = util_tmp_name(base);
	a->tmp = util_path_join(dir, name);
	unlink(a->tmp);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works for anyone. */
	rc = linkat(a->fd, "", AT_FDCWD, a->tmp, AT_EMPTY_PATH);
	if (rc < 0) {
		proc = xasprintf("/proc/self/fd/%d", a->fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp, AT_SYMLINK_FOLLOW);
		free(proc);
	}
	if (rc < 0)
		fail_io(err, "create", a->tmp);
	free(dir);
	free(base);
	free(name);
	return rc;
}

/* fsync the directory holding path, so a rename in it survives a power cut. */
static void sync_dir(const char *path)
{
	char *dir, *base;
	int fd;

	split_path(path, &dir, &base);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	free(base);
}

int util_atomic_commit(struct util_atomic *a, struct pgb_err *err)
{
	int rc = 0;

	if (fchmod(a->fd, a->mode) < 0 || fsync(a->fd) < 0)
		rc = fail_io(err, "write", a->tmp ? a->tmp : a->path);
	if (rc == 0 && !a->tmp && atomic_link(a, err) < 0)
		rc = -1;
	if (close(a->fd) < 0 && rc == 0)
		rc = fail_io(err, "write", a->tmp);
	a->fd = -1;
	if (rc == 0 && rename(a->tmp, a->path) < 0)
		rc = pgb_failsys(err, "cannot rename %s to %s", a->tmp, a->path);
	if (rc == 0) {
		sync_dir(a->path);
		free(a->tmp);
		a->tmp = NULL;
	}
	util_atomic_abort(a);
	return rc;
}

int util_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct pgb_err *err)
{
	struct util_atomic a;

	if (util_atomic_open(&a, path, mode, err) < 0)
		return -1;
	if (util_write_all(a.fd, data, len) < 0) {
		fail_io(err, "write", path);
		util_atomic_abort(&a);
		return -1;
	}
	return util_atomic_commit(&a, err);
}

void util_human_size(uint64_t n, char buf[32])
{
	if (n >= (1ull << 30))
		snprintf(buf, 32, "%.1f GiB", (double)n / (1ull << 30));
	else
		snprintf(buf, 32, "%.1f MiB", (double)n / (1ull << 20));
}

int util_free_space(const char *path, uint64_t *avail, dev_t *dev, struct pgb_err *err)
{
	char *p = xstrdup(path);
	struct statvfs sv;
	struct stat st;

	/* A path not made yet: ask the file system it will be on. */
	while (stat(p, &st) < 0 || statvfs(p, &sv) < 0) {
		char *slash = strrchr(p, '/');

		if (errno != ENOENT || (!slash && !strcmp(p, "."))) {
			pgb_failsys(err, "cannot check the free space at %s", path);
			free(p);
			return -1;
		}
		if (!slash) {	/* a relative name: the working directory's */
			free(p);
			p = xstrdup(".");
			continue;
		}
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(p);
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (dev)
		*dev = st.st_dev;
	return 0;
}

void util_space_explain(const char *path, uint64_t need, const char *what, const char *hint,
			struct pgb_err *err)
{
	struct pgb_err ignored;
	uint64_t avail;
	char a[32], b[32];

	if (util_free_space(path, &avail, NULL, &ignored) < 0 || avail >= need)
		return;
	util_human_size(need, a);
	util_human_size(avail, b);
	pgb_err_prefix(err, "the file system holding %s is full (%s needs %s there; %s free "
		       "now): %s", path, what, a, b, hint);
}

int util_space_check(const struct util_space_need *v, size_t n, const char *hint,
		     struct pgb_err *err)
{
	uint64_t *avail = xcalloc(n ? n : 1, sizeof(*avail));
	dev_t *dev = xcalloc(n ? n : 1, sizeof(*dev));
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = util_free_space(v[i].path, &avail[i], &dev[i], err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct sbuf paths = SBUF_INIT, whats = SBUF_INIT;
		uint64_t need = 0;
		char a[32], b[32], c[32];
		int first = 1;

		for (size_t j = 0; j < i; j++)
			first &= dev[j] != dev[i];
		if (!first)
			continue;	/* counted with the first need of its file system */
		for (size_t j = i; j < n; j++) {
			if (dev[j] != dev[i] || !v[j].bytes)
				continue;
			need += v[j].bytes;
			util_human_size(v[j].bytes, c);
			if (!strstr(paths.buf ? paths.buf : "", v[j].path))
				sbuf_addf(&paths, "%s%s", paths.len ? " and " : "", v[j].path);
			sbuf_addf(&whats, "%s%s %s", whats.len ? ", " : "", v[j].what, c);
		}
		if (need > avail[i]) {
			util_human_size(need, a);
			util_human_size(avail[i], b);
			rc = pgb_fail(err, "not enough free space on the file system holding %s: %s "
				      "needed (%s), %s free%s%s", paths.buf, a, whats.buf, b,
				      hint ? "; " : "", hint ? hint : "");
		}
		sbuf_free(&paths);
		sbuf_free(&whats);
	}
	free(avail);
	free(dev);
	return rc;
}

int util_mkdir_p(const char *path, mode_t mode, struct pgb_err *err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				pgb_failsys(err, "cannot create directory %s", p);
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int util_rm_rf(const char *path, struct pgb_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : pgb_failsys(err, "cannot stat %s", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? pgb_failsys(err, "cannot remove %s", path) : 0;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return pgb_failsys(err, "cannot remove %s", path);
	return 0;
}

int util_clear_dir_at(int dir_fd, struct pgb_err *err)
{
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), rc = 0;
	struct dirent *de;
	DIR *d;

	if (cwd < 0)
		return pgb_failsys(err, "cannot remember the working directory");
	if (fchdir(dir_fd) < 0 || !(d = opendir("."))) {
		rc = pgb_failsys(err, "cannot enter a directory to empty it");
	} else {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && rc == 0)
				rc = util_rm_rf(de->d_name, err);
		closedir(d);
	}
	if (fchdir(cwd) < 0 && rc == 0)
		rc = pgb_failsys(err, "cannot return to the working directory");
	close(cwd);
	return rc;
}

int util_dir_each_at(int dir_fd, int (*fn)(void *ctx, const char *name), void *ctx)
{
	int fd = dup(dir_fd), rc = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);	/* the offset is shared with dir_fd */
	while (rc == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = fn(ctx, de->d_name);
	closedir(d);
	return rc;
}

static int any_entry(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return 1;
}

int util_dir_empty_at(int dir_fd)
{
	int rc = util_dir_each_at(dir_fd, any_entry, NULL);

	return rc < 0 ? -1 : !rc;
}

const char *util_utc(int64_t t, const char *fmt, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 64, fmt, &tm))
		snprintf(buf, 64, "@%lld", (long long)t);
	return buf;
}

static int copy_file(const char *src, const char *dst, struct pgb_err *err)
{
	char buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return pgb_failsys(err, "cannot open %s", src);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return pgb_failsys(err, "cannot create %s", dst);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			pgb_failsys(err, "cannot write %s", dst);
			goto fail;
		}
	}
	if (n < 0) {
		pgb_failsys(err, "cannot read %s", src);
		goto fail;
	}
	close(in);
	if (close(out) < 0) {
		unlink(dst);
		return pgb_failsys(err, "cannot write %s", dst);
	}
	return 0;
fail:
	close(in);
	close(out);
	unlink(dst);
	return -1;
}

int util_link_or_copy(const char *src, const char *dst, struct pgb_err *err)
{
	unlink(dst);
	if (link(src, dst) == 0)
		return 0;
	if (errno != EXDEV && errno != EPERM && errno != EMLINK)
		return pgb_failsys(err, "cannot link %s to %s", src, dst);
	return copy_file(src, dst, err);
}

int util_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

char *util_exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

char *util_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *util_path_abs(const char *path)
{
	struct sbuf b = SBUF_INIT;
	char *cwd;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)	/* the directory was removed: nothing better to give */
		return xstrdup(path);
	sbuf_adds(&b, cwd);
	free(cwd);
	while (*path) {
		size_t n = strcspn(path, "/");

		if (n && !(n == 1 && path[0] == '.')) {
			if (b.len == 0 || b.buf[b.len - 1] != '/')
				sbuf_addc(&b, '/');
			sbuf_add(&b, path, n);
		}
		path += n;
		path += strspn(path, "/");
	}
	return sbuf_detach(&b, NULL);
}
