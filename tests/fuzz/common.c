/*
 * common.c - the harnesses' shared helpers: the private scratch directory,
 * multi-part inputs, a small generator for custom mutators.  See fuzz.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "tests/fuzz"
#endif

/* Set once, read-only afterwards: the one piece of process state. */
static char *tmpdir;

void __sanitizer_set_death_callback(void (*callback)(void));

static void tmpdir_remove(void)
{
	struct pgb_err err;

	if (tmpdir)
		util_rm_rf(tmpdir, &err);
}

void fuzz_debug(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("PGB_FUZZ_DEBUG"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir)
		return tmpdir;
	/* Memory-backed when there is one: harnesses write a file per input. */
	if (!base || !*base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	tmpdir = xasprintf("%s/pgbundle-fuzz.XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		abort();
	}
	atexit(tmpdir_remove);
	/* A finding ends the process through the sanitizer, not exit(). */
	__sanitizer_set_death_callback(tmpdir_remove);
	return tmpdir;
}

char *fuzz_path(const char *name)
{
	return util_path_join(fuzz_tmpdir(), name);
}

char *fuzz_write(const char *name, const void *data, size_t len)
{
	char *path = fuzz_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	return path;
}

int fuzz_memfd(const void *data, size_t len)
{
	int fd = memfd_create("pgbundle-fuzz", MFD_CLOEXEC);
	const char *p = data;

	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w <= 0) {
			perror("memfd write");
			abort();
		}
		p += w;
		len -= (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

void fuzz_clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct pgb_err err;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = util_path_join(dir, e->d_name);
		/* Extraction may leave a directory without write permission. */
		chmod(p, 0700);
		util_rm_rf(p, &err);
		free(p);
	}
	closedir(d);
}

const char *fuzz_srcdir(void)
{
	const char *s = getenv("PGB_FUZZ_SRC");

	return s && *s ? s : FUZZ_SRCDIR;
}

char *fuzz_read_src(const char *rel, size_t *len)
{
	char *path = rel[0] == '/' ? xstrdup(rel) : util_path_join(fuzz_srcdir(), rel);
	struct pgb_err err;
	char *data;

	if (util_read_file(path, &data, len, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	free(path);
	return data;
}

size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t max)
{
	const size_t sl = sizeof(FUZZ_SEP) - 1;
	size_t n = 0;

	while (n < max) {
		const uint8_t *hit = n + 1 < max ? memmem(data, size, FUZZ_SEP, sl) : NULL;

		parts[n].p = data;
		parts[n].n = hit ? (size_t)(hit - data) : size;
		n++;
		if (!hit)
			break;
		size -= (size_t)(hit - data) + sl;
		data = hit + sl;
	}
	for (size_t i = n; i < max; i++) {
		parts[i].p = (const uint8_t *)"";
		parts[i].n = 0;
	}
	return n;
}

void fuzz_join(struct sbuf *out, const struct fuzz_part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_add(out, FUZZ_SEP, sizeof(FUZZ_SEP) - 1);
		sbuf_add(out, parts[i].p, parts[i].n);
	}
}

size_t fuzz_emit(uint8_t *data, size_t max, const struct sbuf *out)
{
	if (!out->len || out->len > max)
		return 0;
	memcpy(data, out->buf, out->len);
	return out->len;
}

uint32_t fuzz_rand(struct fuzz_rng *r)
{
	/* xorshift64*: enough for choosing mutations, and reproducible by seed. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 2685821657736338717ull) >> 32);
}

uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n)
{
	return fuzz_rand(r) % n;
}

uint32_t fuzz_interesting32(struct fuzz_rng *r)
{
	static const uint32_t v[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu,
		FUZZ_NOW, FUZZ_NOW - 1, FUZZ_NOW + 1, FUZZ_NOW - 86400, FUZZ_NOW + 86400,
		1700000000, 86400, 31536000,
	};

	if (fuzz_below(r, 4) == 0)
		return fuzz_rand(r);
	return v[fuzz_below(r, sizeof(v) / sizeof(v[0]))];
}

/* ---- what the installer writes, read back line by line ---- */

/* Lines of text, one at a time: *line (not terminated) and *n. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	FUZZ_ASSERT(nl);	/* every file ends its lines */
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 1;
}

static int has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* postgresql.conf: name = '...' as guc-file.l reads a STRING. */
static void check_pg_line(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '#')
		return;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
		i++;
	FUZZ_ASSERT(i > 0 && n - i >= 4 && !memcmp(s + i, " = '", 4));
	for (i += 4; i < n; i++) {
		if (s[i] == '\\') {
			i++;	/* an escape takes the next character, a quote too */
			continue;
		}
		if (s[i] == '\'') {
			if (i + 1 < n && s[i + 1] == '\'') {
				i++;
				continue;
			}
			break;
		}
	}
	FUZZ_ASSERT(i == n - 1 && s[i] == '\'');
}

static void check_hba_line(const char *s, size_t n)
{
	size_t fields = 0;

	if (n && s[0] == '#')
		return;
	FUZZ_ASSERT(!has_ctl(s, n));
	for (size_t i = 0; i < n;) {
		while (i < n && s[i] == ' ')
			i++;
		if (i < n)
			fields++;
		while (i < n && s[i] != ' ')
			i++;
	}
	FUZZ_ASSERT(fields == (n >= 5 && !memcmp(s, "local", 5) ? 4u : 5u));
}

static void check_ini_line(const char *s, size_t n)
{
	const char *eq;

	FUZZ_ASSERT(!has_ctl(s, n));
	if (!n || s[0] == '#' || (s[0] == '[' && s[n - 1] == ']'))
		return;
	eq = memmem(s, n, " = ", 3);
	FUZZ_ASSERT(eq && eq > s && !memchr(s, ' ', (size_t)(eq - s)));
}

static void check_userlist_line(const char *s, size_t n)
{
	size_t i = 0;

	for (int f = 0; f < 2; f++) {
		FUZZ_ASSERT(i < n && s[i] == '"');
		for (i++; i < n; i++) {
			if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
				i++;
			else if (s[i] == '"')
				break;
		}
		FUZZ_ASSERT(i < n && s[i] == '"');
		i++;
		if (f == 0)
			FUZZ_ASSERT(i < n && s[i++] == ' ');
	}
	FUZZ_ASSERT(i == n);
}

static void check_lines(const struct sbuf *b, void (*check)(const char *, size_t))
{
	const char *line;
	size_t pos = 0, n;

	while (next_line(b->buf, b->len, &pos, &line, &n))
		check(line, n);
}

void fuzz_check_pgconf(const struct sbuf *text)
{
	check_lines(text, check_pg_line);
}

void fuzz_check_hba(const struct sbuf *text)
{
	check_lines(text, check_hba_line);
}

void fuzz_check_ini(const struct sbuf *text)
{
	check_lines(text, check_ini_line);
}

void fuzz_check_userlist(const struct sbuf *text)
{
	check_lines(text, check_userlist_line);
}

int fuzz_same_list(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}
