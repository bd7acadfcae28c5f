#include "aptidx.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deb822.h"
#include "hash.h"

/* No apt index comes near this; more means a corrupt or hostile file. */
#define APTIDX_MAX_INDEX ((size_t)2 << 30)

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* ASCII character classes: Release files are ASCII and the result must not
 * depend on the process locale. */
static int a_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char a_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int a_alpha(char c)
{
	return a_lower(c) >= 'a' && a_lower(c) <= 'z';
}

static int a_xdigit(char c)
{
	return a_digit(c) || (a_lower(c) >= 'a' && a_lower(c) <= 'f');
}

/* s starts with the n bytes of name, ignoring ASCII case. */
static int a_prefix(const char *s, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a_lower(s[i]) != a_lower(name[i]))
			return 0;
	return 1;
}

static int a_caseeq(const char *a, const char *b)
{
	size_t n = strlen(b);

	return strlen(a) == n && a_prefix(a, b, n);
}

/* ---- dates ---- */

void aptidx_format_date(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(buf, 64, "%s, %02d %s %04d %02d:%02d:%02d UTC", wdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void skip_ws(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

/* Exactly n digits into *v. */
static int take_digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (!a_digit(**s))
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

/* One of names[0..n) (3 letters, any case) into *idx. */
static int take_name(const char **s, const char *const *names, int n, int *idx)
{
	for (int i = 0; i < n; i++) {
		if (a_prefix(*s, names[i], 3) && !a_alpha((*s)[3])) {
			*s += 3;
			*idx = i;
			return 0;
		}
	}
	return -1;
}

/* Zone as seconds east of UTC. */
static int take_zone(const char **s, long *off)
{
	static const char *const utc[] = { "UTC", "GMT", "UT", "Z" };
	int hh, mm, sign;

	for (size_t i = 0; i < sizeof(utc) / sizeof(utc[0]); i++) {
		size_t n = strlen(utc[i]);

		if (a_prefix(*s, utc[i], n) && !a_alpha((*s)[n])) {
			*s += n;
			*off = 0;
			return 0;
		}
	}
	if (**s != '+' && **s != '-')
		return -1;
	sign = **s == '-' ? -1 : 1;
	(*s)++;
	if (take_digits(s, 2, &hh) < 0 || take_digits(s, 2, &mm) < 0 || hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600L + mm * 60L);
	return 0;
}

static int take_clock(const char **s, struct tm *tm)
{
	if (take_digits(s, 2, &tm->tm_hour) < 0 || *(*s)++ != ':' ||
	    take_digits(s, 2, &tm->tm_min) < 0 || *(*s)++ != ':' ||
	    take_digits(s, 2, &tm->tm_sec) < 0)
		return -1;
	return tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 ? -1 : 0;
}

int aptidx_parse_date(const char *s, int64_t *t)
{
	struct tm tm;
	int wday, day;
	long off;
	time_t tt;

	memset(&tm, 0, sizeof(tm));
	skip_ws(&s);
	if (a_alpha(*s)) {
		if (take_name(&s, wdays, 7, &wday) < 0 || *s++ != ',')
			return -1;
		skip_ws(&s);
	}
	if (take_digits(&s, a_digit(s[0]) && a_digit(s[1]) ? 2 : 1, &day) < 0)
		return -1;
	tm.tm_mday = day;
	skip_ws(&s);
	if (day < 1 || day > 31 || take_name(&s, months, 12, &tm.tm_mon) < 0)
		return -1;
	skip_ws(&s);
	if (take_digits(&s, 4, &tm.tm_year) < 0)
		return -1;
	tm.tm_year -= 1900;
	skip_ws(&s);
	if (take_clock(&s, &tm) < 0)
		return -1;
	skip_ws(&s);
	if (take_zone(&s, &off) < 0)
		return -1;
	skip_ws(&s);
	if (*s)
		return -1;
	tt = timegm(&tm);
	/* timegm normalises 31 Feb into March: refuse such dates instead. */
	if (tm.tm_mday != day)
		return -1;
	*t = (int64_t)tt - off;
	return 0;
}

/* ---- Release ---- */

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!a_xdigit(s[i]))
			return 0;
	return 1;
}

/* Relative, without "." or ".." components: safe to join to a URL or dir. */
static int safe_relpath(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return p[-1] != '/';
}

/* The next whitespace-separated token of s[*i..n). */
static int token(const char *s, size_t n, size_t *i, const char **tok, size_t *tlen)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	*tok = s + *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	*tlen = (size_t)(s + *i - *tok);
	return *tlen ? 0 : -1;
}

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!a_digit(s[i]) || *v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* One " HEX SIZE PATH" line into f. */
static int parse_sum_line(const char *s, size_t n, struct aptidx_relfile *f)
{
	const char *hex, *size, *path, *extra;
	size_t i = 0, hl, sl, pl, el;
	char *p;

	if (token(s, n, &i, &hex, &hl) < 0 || !is_hex64(hex, hl) ||
	    token(s, n, &i, &size, &sl) < 0 || parse_u64(size, sl, &f->size) < 0 ||
	    token(s, n, &i, &path, &pl) < 0 || token(s, n, &i, &extra, &el) == 0)
		return -1;
	for (size_t k = 0; k < 64; k++)
		f->sha256[k] = a_lower(hex[k]);
	f->sha256[64] = '\0';
	p = xstrndup(path, pl);
	if (!safe_relpath(p)) {
		free(p);
		return -2;
	}
	f->path = p;
	return 0;
}

static int parse_sha256(const struct deb822_para *para, const char *what,
			struct aptidx_release *rel, struct pgb_err *err)
{
	struct deb822_lines ln;
	const char *s;
	size_t n, line, cap = 0;

	if (deb822_lines_init(&ln, para, "SHA256") < 0)
		return pgb_fail(err, "%s has no SHA256 field: a Release with only MD5Sum or SHA1 "
				"cannot be trusted; use a mirror of a current suite", what);
	while (deb822_lines_next(&ln, &s, &n, &line)) {
		struct aptidx_relfile f;
		int rc;

		memset(&f, 0, sizeof(f));
		rc = parse_sum_line(s, n, &f);
		if (rc < 0)
			return pgb_fail(err, "%s:%zu: %s in SHA256: \"%.*s\"; the Release is corrupt",
					what, line, rc == -2 ? "unsafe path (absolute or with '..')"
					: "expected '<64 hex digits> <size> <path>'",
					(int)(n > 120 ? 120 : n), s);
		if (rel->nfiles == cap) {
			cap = cap ? cap * 2 : 64;
			rel->files = xrealloc(rel->files, cap * sizeof(*rel->files));
		}
		rel->files[rel->nfiles++] = f;
	}
	if (!rel->nfiles)
		return pgb_fail(err, "%s: the SHA256 field lists no files", what);
	return 0;
}

static void split_words(const char *s, struct strlist *l)
{
	while (s && *s) {
		size_t n;

		s += strspn(s, " \t\n");
		n = strcspn(s, " \t\n");
		if (n)
			strlist_add_owned(l, xstrndup(s, n));
		s += n;
	}
}

static int parse_date_field(const struct deb822_para *para, const char *field,
			    const char *what, char **str, int64_t *t, struct pgb_err *err)
{
	*str = deb822_get(para, field);
	if (*str && aptidx_parse_date(*str, t) < 0)
		return pgb_fail(err, "%s: cannot parse %s \"%.80s\": expected an RFC 2822 date "
				"like \"Sat, 11 Jul 2026 10:16:37 UTC\"", what, field, *str);
	return 0;
}

static int has_word(const char *s, const char *word)
{
	struct strlist l = STRLIST_INIT;
	int r;

	split_words(s, &l);
	r = strlist_has(&l, word);
	strlist_free(&l);
	return r;
}

static void parse_simple(const struct deb822_para *para, struct aptidx_release *rel)
{
	char *s;

	rel->origin = deb822_get(para, "Origin");
	rel->label = deb822_get(para, "Label");
	rel->suite = deb822_get(para, "Suite");
	rel->codename = deb822_get(para, "Codename");
	rel->version = deb822_get(para, "Version");
	s = deb822_get(para, "Architectures");
	split_words(s, &rel->architectures);
	free(s);
	s = deb822_get(para, "Components");
	split_words(s, &rel->components);
	free(s);
	s = deb822_get(para, "Acquire-By-Hash");
	rel->acquire_by_hash = s && a_caseeq(s, "yes");
	free(s);
	s = deb822_get(para, "No-Support-for-Architecture-all");
	rel->no_arch_all_packages = s && has_word(s, "Packages");
	free(s);
}

int aptidx_release_parse(const char *body, size_t len, const char *what,
			 struct aptidx_release *rel, struct pgb_err *err)
{
	struct deb822_iter it;
	struct deb822_para para;
	int r;

	memset(rel, 0, sizeof(*rel));
	what = what ? what : "Release";
	deb822_iter_init(&it, body, len, what);
	r = deb822_next(&it, &para, err);
	if (r == 0)
		return pgb_fail(err, "%s is empty: not an apt Release file", what);
	if (r < 0)
		return -1;
	parse_simple(&para, rel);
	if (parse_date_field(&para, "Date", what, &rel->date_str, &rel->date, err) < 0 ||
	    parse_date_field(&para, "Valid-Until", what, &rel->valid_until_str,
			     &rel->valid_until, err) < 0 ||
	    parse_sha256(&para, what, rel, err) < 0) {
		aptidx_release_free(rel);
		return -1;
	}
	return 0;
}

const struct aptidx_relfile *aptidx_release_find(const struct aptidx_release *rel,
						 const char *path)
{
	for (size_t i = 0; i < rel->nfiles; i++)
		if (!strcmp(rel->files[i].path, path))
			return &rel->files[i];
	return NULL;
}

void aptidx_release_free(struct aptidx_release *rel)
{
	free(rel->origin);
	free(rel->label);
	free(rel->suite);
	free(rel->codename);
	free(rel->version);
	free(rel->date_str);
	free(rel->valid_until_str);
	strlist_free(&rel->architectures);
	strlist_free(&rel->components);
	for (size_t i = 0; i < rel->nfiles; i++)
		free(rel->files[i].path);
	free(rel->files);
	memset(rel, 0, sizeof(*rel));
}

/* ---- decompression ---- */

static int read_all(struct archive *a, const char *path, struct sbuf *out, struct pgb_err *err)
{
	char buf[65536];
	la_ssize_t n;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (out->len + (size_t)n > APTIDX_MAX_INDEX)
			return pgb_fail(err, "%s: decompresses to more than %zu bytes: not an apt "
					"index", path, APTIDX_MAX_INDEX);
		sbuf_add(out, buf, (size_t)n);
	}
	if (n < 0)
		return pgb_fail(err, "%s: cannot decompress: %s; delete it so that it is fetched "
				"again", path, archive_error_string(a));
	return 0;
}

/* An empty file is an empty index (Debian publishes some), but libarchive
 * cannot bid on zero bytes, so it is recognised before libarchive sees it. */
static int open_index(const char *path, int *fd, int *empty, struct pgb_err *err)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return pgb_failsys(err, "cannot open %s", path);
	if (fstat(*fd, &st) < 0) {
		pgb_failsys(err, "cannot stat %s", path);
		close(*fd);
		return -1;
	}
	*empty = st.st_size == 0;
	return 0;
}

int aptidx_decompress(const char *path, struct sbuf *out, struct pgb_err *err)
{
	struct archive *a;
	struct archive_entry *e;
	size_t old = out->len;
	int rc = -1, fd = -1, empty = 0, r;

	if (open_index(path, &fd, &empty, err) < 0)
		return -1;
	if (empty) {
		close(fd);
		return 0;
	}
	a = archive_read_new();
	archive_read_support_format_raw(a);
	/* The raw reader cannot bid on a compressed empty index (an empty suite's
	 * Packages.xz): the "empty" format recognises it and yields no entry. */
	archive_read_support_format_empty(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, fd, 65536) < ARCHIVE_WARN)
		r = ARCHIVE_FATAL;
	else
		r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		rc = 0;
	else if (r < ARCHIVE_WARN)
		pgb_fail(err, "%s: cannot decompress: %s; delete it so that it is fetched again",
			 path, archive_error_string(a));
	else
		rc = read_all(a, path, out, err);
	archive_read_free(a);
	close(fd);
	if (rc < 0 && out->buf) {
		out->len = old;
		out->buf[old] = '\0';
	}
	return rc;
}

/* ---- writing ---- */

static la_ssize_t to_sbuf(struct archive *a, void *ctx, const void *buf, size_t n)
{
	(void)a;
	sbuf_add(ctx, buf, n);
	return (la_ssize_t)n;
}

/* xz of data into out.  One thread and a fixed preset: xz's output then
 * depends only on the input, which reproducible bundles need. */
static int xz_compress(const char *data, size_t len, const char *what, struct sbuf *out,
		       struct pgb_err *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int rc = -1;

	if (archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    archive_write_add_filter_xz(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "xz", "compression-level", "6") != ARCHIVE_OK ||
	    /* An older libarchive without the option is single-threaded anyway. */
	    archive_write_set_filter_option(a, "xz", "threads", "1") < ARCHIVE_WARN ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, out, NULL, to_sbuf, NULL) != ARCHIVE_OK)
		goto fail;
	archive_entry_set_pathname(e, "Packages");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto fail;
	while (len) {
		la_ssize_t w = archive_write_data(a, data, len);

		if (w <= 0)
			goto fail;
		data += w;
		len -= (size_t)w;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	rc = 0;
	goto out;
fail:
	pgb_fail(err, "cannot compress %s with xz: %s", what,
		 archive_error_string(a) ? archive_error_string(a) : "unknown libarchive error");
out:
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

static int check_value(const char *name, const char *v, int word, struct pgb_err *err)
{
	if (!v)
		return 0;
	if (strpbrk(v, "\r\n"))
		return pgb_fail(err, "repository %s \"%s\" contains a newline, which would add "
				"fields to the signed Release", name, v);
	if (word && (!*v || strpbrk(v, "/ \t")))
		return pgb_fail(err, "repository %s \"%s\" must be one non-empty word without '/'",
				name, v);
	return 0;
}

static int check_opts(const struct aptidx_write_opts *o, struct pgb_err *err)
{
	if (!o->top || !o->suite || !o->component || !o->arch)
		return pgb_fail(err, "writing an apt repository needs top, suite, component and "
				"arch (a caller bug)");
	if (check_value("suite", o->suite, 1, err) < 0 ||
	    check_value("component", o->component, 1, err) < 0 ||
	    check_value("architecture", o->arch, 1, err) < 0 ||
	    check_value("codename", o->codename, 1, err) < 0 ||
	    check_value("origin", o->origin, 0, err) < 0 ||
	    check_value("label", o->label, 0, err) < 0 ||
	    check_value("description", o->description, 0, err) < 0)
		return -1;
	return 0;
}

/* Every stanza parses and names its package, or apt would reject the index. */
static int check_packages(const char *packages, size_t len, struct pgb_err *err)
{
	struct deb822_iter it;
	struct deb822_para para;
	const char *v;
	size_t n;
	int r;

	deb822_iter_init(&it, packages, len, "Packages (to be written)");
	while ((r = deb822_next(&it, &para, err)) == 1)
		if (deb822_get_span(&para, "Package", &v, &n) < 0 || !n)
			return pgb_fail(err, "Packages (to be written):%zu: stanza without a Package "
					"field", para.line);
	return r;
}

struct idx_file {
	char *rel;		/* path relative to dists/SUITE */
	const char *data;
	size_t len;
};

static void release_text(const struct aptidx_write_opts *o, const struct idx_file *f, size_t n,
			 struct sbuf *out)
{
	char date[64];

	aptidx_format_date(o->date, date);
	if (o->origin)
		sbuf_addf(out, "Origin: %s\n", o->origin);
	if (o->label)
		sbuf_addf(out, "Label: %s\n", o->label);
	sbuf_addf(out, "Suite: %s\n", o->suite);
	if (o->codename)
		sbuf_addf(out, "Codename: %s\n", o->codename);
	sbuf_addf(out, "Date: %s\n", date);
	sbuf_addf(out, "Architectures: %s\n", o->arch);
	sbuf_addf(out, "Components: %s\n", o->component);
	if (o->description)
		sbuf_addf(out, "Description: %s\n", o->description);
	sbuf_adds(out, "Acquire-By-Hash: no\nSHA256:\n");
	for (size_t i = 0; i < n; i++) {
		char hex[HASH_HEX_MAX];

		hash_buf_hex(HASH_SHA256, f[i].data, f[i].len, hex);
		sbuf_addf(out, " %s %16zu %s\n", hex, f[i].len, f[i].rel);
	}
}

static int write_files(const char *base, const struct idx_file *f, size_t n,
		       struct pgb_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char *path = util_path_join(base, f[i].rel);
		int rc = util_write_atomic(path, f[i].data, f[i].len, 0644, err);

		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int aptidx_write_repo(const struct aptidx_write_opts *o, const char *packages, size_t len,
		      struct sbuf *release, struct pgb_err *err)
{
	struct sbuf xz = SBUF_INIT, rel = SBUF_INIT;
	struct idx_file f[2];
	char *base = NULL, *dir = NULL, *path = NULL;
	int rc = -1;

	if (check_opts(o, err) < 0 || check_packages(packages, len, err) < 0)
		return -1;
	if (xz_compress(packages, len, "Packages", &xz, err) < 0)
		goto out;
	base = xasprintf("%s/dists/%s", o->top, o->suite);
	dir = xasprintf("%s/%s/binary-%s", base, o->component, o->arch);
	f[0] = (struct idx_file){ xasprintf("%s/binary-%s/Packages", o->component, o->arch),
				  packages, len };
	f[1] = (struct idx_file){ xasprintf("%s.xz", f[0].rel), xz.buf, xz.len };
	release_text(o, f, 2, &rel);
	path = util_path_join(base, "Release");
	if (util_mkdir_p(dir, 0755, err) == 0 && write_files(base, f, 2, err) == 0 &&
	    util_write_atomic(path, rel.buf, rel.len, 0644, err) == 0) {
		sbuf_add(release, rel.buf, rel.len);
		rc = 0;
	}
	free(f[0].rel);
	free(f[1].rel);
out:
	if (rc < 0)
		pgb_err_prefix(err, "writing the apt repository in %s", o->top);
	free(path);
	free(dir);
	free(base);
	sbuf_free(&xz);
	sbuf_free(&rel);
	return rc;
}
