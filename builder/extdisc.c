/*
 * extdisc.c - extension discovery: Contents and rpm-md filelists parsing, the
 * join with Packages, the per-index result cache and the manifest item
 * resolution.
 */
#include "extdisc.h"

#include <archive.h>
#include <archive_entry.h>
#include <createrepo_c/compression_wrapper.h>
#include <createrepo_c/error.h>
#include <createrepo_c/misc.h>
#include <createrepo_c/package.h>
#include <createrepo_c/xml_parser.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deb822.h"
#include "hash.h"
#include "rpmmd.h"
#include "upstream.h"

#define CONTENTS_PREFIX "usr/share/postgresql/"
#define RPM_PREFIX "/usr/pgsql-"
#define CACHE_FORMAT "pgbundle-extdisc 2"	/* 2: no NAME--VERSION.control */

/* ---- the set ---- */

static void ext_add(struct extdisc *d, const char *name, size_t nl, int pg, const char *pkg,
		    size_t pl)
{
	struct extdisc_ext *e;

	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	e = &d->v[d->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrndup(name, nl);
	e->pg = pg;
	e->package = xstrndup(pkg, pl);
}

static void ext_clear(struct extdisc_ext *e)
{
	free(e->name);
	free(e->package);
	free(e->version);
	free(e->upstream);
}

void extdisc_free(struct extdisc *d)
{
	for (size_t i = 0; i < d->n; i++)
		ext_clear(&d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static int cmp_ext(const void *a, const void *b)
{
	const struct extdisc_ext *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->pg != y->pg)
		return x->pg < y->pg ? -1 : 1;
	return strcmp(x->package, y->package);
}

/* Stable sort: merge sort over an index array keeps appended order among equals. */
struct ord {
	const struct extdisc_ext *e;
	size_t i;
};

static int cmp_ord(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;
	int c = cmp_ext(x->e, y->e);

	if (c)
		return c;
	/* Later entries first, so that dedup keeps the last one appended. */
	return x->i < y->i ? 1 : -1;
}

void extdisc_sort(struct extdisc *d)
{
	struct ord *o = xcalloc(d->n ? d->n : 1, sizeof(*o));
	struct extdisc_ext *v = xcalloc(d->n ? d->n : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		o[i] = (struct ord){ &d->v[i], i };
	qsort(o, d->n, sizeof(*o), cmp_ord);
	for (size_t i = 0; i < d->n; i++) {
		struct extdisc_ext e = *o[i].e;

		if (n && !cmp_ext(&v[n - 1], &e))
			ext_clear(&e);
		else
			v[n++] = e;
	}
	free(o);
	free(d->v);
	d->v = v;
	d->n = n;
}

const struct extdisc_ext *extdisc_lookup(const struct extdisc *d, const char *name, int pg)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, name) && (!pg || d->v[i].pg == pg))
			return &d->v[i];
	return NULL;
}

size_t extdisc_majors(const struct extdisc *d, int *pg, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		size_t j = 0;

		while (j < n && j < max && pg[j] != d->v[i].pg)
			j++;
		if (j < n)
			continue;
		if (n < max) {
			size_t k = n;

			while (k > 0 && pg[k - 1] > d->v[i].pg) {
				pg[k] = pg[k - 1];
				k--;
			}
			pg[k] = d->v[i].pg;
		}
		n++;
	}
	return n;
}

/* ---- Contents ---- */

/* p[0..len) is "NAME.control", directly in the extension directory: 1 with
 * NAME.  NAME--VERSION.control is a secondary control file of extension
 * NAME (trixie's pgnodemx ships pg_proctab--0.0.10-compat.control):
 * PostgreSQL does not list it as an extension, and neither do we. */
static int control_name(const char *p, size_t len, const char **name, size_t *nl)
{
	static const char suf[] = ".control";
	const size_t sl = sizeof(suf) - 1;

	if (len <= sl || memcmp(p + len - sl, suf, sl) || memchr(p, '/', len - sl) ||
	    memmem(p, len - sl, "--", 2))
		return 0;
	*name = p;
	*nl = len - sl;
	return 1;
}

/* The major at p (digits), then mid: the offset after mid, 0 if not so. */
static size_t major_then(const char *p, size_t len, const char *mid, int *pg)
{
	size_t i = 0, ml = strlen(mid);
	int major = 0;

	while (i < len && i < 4 && isdigit((unsigned char)p[i]))
		major = major * 10 + (p[i++] - '0');
	if (!i || len - i < ml || memcmp(p + i, mid, ml))
		return 0;
	*pg = major;
	return i + ml;
}

/* "MAJOR/extension/NAME.control": 1 with the parts, 0 for any other file. */
static int control_path(const char *p, size_t len, int *pg, const char **name, size_t *nl)
{
	size_t i = major_then(p, len, "/extension/", pg);

	return i && control_name(p + i, len - i, name, nl);
}

static int add_locations(struct extdisc *d, const char *name, size_t nl, int pg, const char *loc,
			 size_t ll, const char *what, size_t lineno, struct pgb_err *err)
{
	while (ll) {
		const char *comma = memchr(loc, ',', ll);
		size_t n = comma ? (size_t)(comma - loc) : ll;
		const char *slash = n ? memrchr(loc, '/', n) : NULL;
		const char *pkg = slash ? slash + 1 : loc;
		size_t pl = n - (size_t)(pkg - loc);

		if (!pl)
			return pgb_fail(err, "%s:%zu: empty package name in the location list of "
					"%.*s.control; the index is damaged: fetch it again",
					what, lineno, (int)nl, name);
		ext_add(d, name, nl, pg, pkg, pl);
		if (!comma)
			break;
		ll -= n + 1;
		loc += n + 1;
	}
	return 0;
}

static int contents_line(struct extdisc *d, const char *line, size_t len, const char *what,
			 size_t lineno, struct pgb_err *err)
{
	const size_t plen = sizeof(CONTENTS_PREFIX) - 1;
	const char *name, *loc;
	size_t end = len, nl;
	int pg;

	if (len <= plen || memcmp(line, CONTENTS_PREFIX, plen))
		return 0;
	/* Names are copied as C strings: a NUL would cut one short, even to "". */
	if (memchr(line, '\0', len))
		return pgb_fail(err, "%s:%zu: a NUL byte in a line under %s; the index is damaged: "
				"fetch it again", what, lineno, CONTENTS_PREFIX);
	while (end && isspace((unsigned char)line[end - 1]))
		end--;
	/* The path may hold spaces; the location list is the last field. */
	loc = line + end;
	while (loc > line && !isspace((unsigned char)loc[-1]))
		loc--;
	if (loc == line) {
		if (!control_path(line + plen, end - plen, &pg, &name, &nl))
			return 0;
		return pgb_fail(err, "%s:%zu: %.*s has no package column; the index is damaged: "
				"fetch it again", what, lineno, (int)end, line);
	}
	{
		size_t pe = (size_t)(loc - line);

		while (pe && isspace((unsigned char)line[pe - 1]))
			pe--;
		if (pe <= plen || !control_path(line + plen, pe - plen, &pg, &name, &nl))
			return 0;
	}
	if (!nl)
		return 0;
	return add_locations(d, name, nl, pg, loc, (size_t)(line + end - loc), what, lineno, err);
}

int extdisc_parse_contents(struct extdisc *d, const char *text, size_t len, const char *what,
			   struct pgb_err *err)
{
	size_t lineno = 0;

	while (len) {
		const char *nlp = memchr(text, '\n', len);
		size_t n = nlp ? (size_t)(nlp - text) : len;

		if (contents_line(d, text, n, what, ++lineno, err) < 0)
			return -1;
		if (!nlp)
			break;
		text += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* Feed whole lines of a decompressing stream to the parser; the tail of a
 * block waits in carry for the rest of its line. */
static int stream_lines(struct extdisc *d, struct archive *a, const char *path,
			struct pgb_err *err)
{
	struct sbuf carry = SBUF_INIT;
	char buf[1 << 16];
	size_t lineno = 0;
	ssize_t r;
	int rc = 0;

	while (rc == 0 && (r = archive_read_data(a, buf, sizeof(buf))) > 0) {
		const char *p = buf, *end = buf + r, *nl;

		while (rc == 0 && (nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (carry.len) {
				sbuf_add(&carry, p, (size_t)(nl - p));
				rc = contents_line(d, carry.buf, carry.len, path, ++lineno, err);
				sbuf_reset(&carry);
			} else {
				rc = contents_line(d, p, (size_t)(nl - p), path, ++lineno, err);
			}
			p = nl + 1;
		}
		if (p < end)
			sbuf_add(&carry, p, (size_t)(end - p));
	}
	if (rc == 0 && r < 0)
		rc = pgb_fail(err, "%s: cannot decompress: %s; delete it so that it is fetched again",
			      path, archive_error_string(a));
	if (rc == 0 && carry.len)
		rc = contents_line(d, carry.buf, carry.len, path, ++lineno, err);
	sbuf_free(&carry);
	return rc;
}

int extdisc_parse_contents_file(struct extdisc *d, const char *path, struct pgb_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = -1, r;

	archive_read_support_format_raw(a);
	/* An empty suite's Contents.gz holds no data: the "empty" format bids on it. */
	archive_read_support_format_empty(a);
	archive_read_support_filter_all(a);
	r = archive_read_open_filename(a, path, 1 << 16);
	if (r >= ARCHIVE_WARN)
		r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		rc = 0;
	else if (r < ARCHIVE_WARN)
		pgb_fail(err, "%s: cannot read: %s; delete it so that it is fetched again", path,
			 archive_error_string(a));
	else
		rc = stream_lines(d, a, path, err);
	archive_read_free(a);
	return rc;
}

/* ---- rpm-md filelists ---- */

/* "/usr/pgsql-MAJOR/share/extension/NAME.control": 1 with the parts. */
static int rpm_control_path(const char *p, int *pg, const char **name, size_t *nl)
{
	const size_t plen = sizeof(RPM_PREFIX) - 1;
	size_t len = strlen(p), i;

	if (strncmp(p, RPM_PREFIX, plen))
		return 0;
	i = major_then(p + plen, len - plen, "/share/extension/", pg);
	return i && control_name(p + plen + i, len - plen - i, name, nl);
}

/* The version as dnf prints it: EPOCH: only when not 0. */
static char *rpm_evr(const cr_Package *pkg)
{
	const char *e = pkg->epoch, *v = pkg->version ? pkg->version : "";
	const char *r = pkg->release ? pkg->release : "";
	int epoch = e && *e && strcmp(e, "0");

	return xasprintf("%s%s%s%s%s", epoch ? e : "", epoch ? ":" : "", v, *r ? "-" : "", r);
}

/* Is version a (dnf's "E:V-R") newer than b? */
static int rpm_newer(const char *a, const char *b)
{
	cr_EVR *x = cr_str_to_evr(a, NULL), *y = cr_str_to_evr(b, NULL);
	int c = cr_cmp_evr(x->epoch, x->version, x->release, y->epoch, y->version, y->release);

	cr_evr_free(x);
	cr_evr_free(y);
	return c > 0;
}

struct fl_ctx {
	struct extdisc *d;
	size_t start;		/* the entries this parse appended start here */
};

/* Repositories keep older builds beside the newest (PGDG does): one entry per
 * (extension, major, package), with the highest version. */
static void fl_add(struct fl_ctx *c, const char *name, size_t nl, int pg, const char *pkg,
		   const char *ver)
{
	struct extdisc *d = c->d;

	for (size_t i = c->start; i < d->n; i++) {
		struct extdisc_ext *e = &d->v[i];

		if (e->pg != pg || strcmp(e->package, pkg) || strncmp(e->name, name, nl) ||
		    e->name[nl])
			continue;
		if (rpm_newer(ver, e->version)) {
			free(e->version);
			e->version = xstrdup(ver);
		}
		return;
	}
	ext_add(d, name, nl, pg, pkg, strlen(pkg));
	d->v[d->n - 1].version = xstrdup(ver);
}

static int fl_package(cr_Package *pkg, void *data, GError **gerr)
{
	struct fl_ctx *c = data;
	char *ver = NULL;

	(void)gerr;
	for (GSList *l = pkg->files; pkg->name && l; l = l->next) {
		const cr_PackageFile *f = l->data;
		char *full;
		const char *name;
		size_t nl;
		int pg;

		/* Directories and %ghost files are not shipped in the payload. */
		if (!f->name || (f->type && *f->type))
			continue;
		full = xasprintf("%s%s", f->path ? f->path : "", f->name);
		if (rpm_control_path(full, &pg, &name, &nl)) {
			if (!ver)
				ver = rpm_evr(pkg);
			fl_add(c, name, nl, pg, pkg->name, ver);
		}
		free(full);
	}
	free(ver);
	cr_package_free(pkg);
	return CR_CB_RET_OK;
}

static int fl_parse(struct extdisc *d, const char *file, const char *what, struct pgb_err *err)
{
	struct fl_ctx c = { d, d->n };
	GError *gerr = NULL;
	int rc = 0;

	if (rpmmd_check_utf8_xml_file(file, what, err) < 0)
		return -1;
	if (cr_xml_parse_filelists(file, NULL, NULL, fl_package, &c, NULL, NULL, &gerr) !=
	    CRE_OK)
		rc = pgb_fail(err, "%s: not a valid filelists.xml: %s; delete it so that it is "
			      "fetched again", what,
			      gerr ? g_strstrip(g_strdelimit(gerr->message, "\r\n", ' '))
				   : "unknown error");
	g_clear_error(&gerr);
	return rc;
}

/* Decompress path (a compression libcreaterepo_c does not read, zstd) into
 * the open file fd with libarchive. */
static int fl_decompress_to(const char *path, int fd, struct pgb_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[1 << 16];
	ssize_t r;
	int rc = -1;

	archive_read_support_format_raw(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) < ARCHIVE_WARN ||
	    archive_read_next_header(a, &e) < ARCHIVE_WARN) {
		pgb_fail(err, "%s: cannot read: %s; delete it so that it is fetched again", path,
			 archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)r) != r) {
			pgb_failsys(err, "writing the decompressed %s", path);
			goto out;
		}
	if (r < 0)
		pgb_fail(err, "%s: cannot decompress: %s; delete it so that it is fetched again",
			 path, archive_error_string(a));
	else
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int extdisc_parse_filelists_file(struct extdisc *d, const char *path, struct pgb_err *err)
{
	GError *gerr = NULL;
	cr_CompressionType ct = cr_detect_compression(path, &gerr);
	const char *dir = getenv("TMPDIR");
	char *tmp;
	int fd, rc;

	g_clear_error(&gerr);
	if (ct != CR_CW_UNKNOWN_COMPRESSION && ct != CR_CW_AUTO_DETECT_COMPRESSION)
		return fl_parse(d, path, path, err);
	tmp = xasprintf("%s/pgbundle-filelists.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = pgb_failsys(err, "%s: a temporary file to decompress it into (%s)", path, tmp);
		free(tmp);
		return rc;
	}
	rc = fl_decompress_to(path, fd, err);
	close(fd);
	if (rc == 0)
		rc = fl_parse(d, tmp, path, err);
	unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- the join with Packages ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int extdisc_join_packages(struct extdisc *d, const char *packages_path, struct pgb_err *err)
{
	struct strlist want = STRLIST_INIT;
	char **ver;
	struct deb822_iter it;
	struct deb822_para para;
	char *data = NULL;
	size_t len;
	int r = 0;

	for (size_t i = 0; i < d->n; i++)
		strlist_add(&want, d->v[i].package);
	strlist_sort(&want);
	strlist_uniq(&want);
	ver = xcalloc(want.n ? want.n : 1, sizeof(*ver));
	if (want.n && util_read_file(packages_path, &data, &len, err) < 0)
		r = -1;
	if (data) {
		deb822_iter_init(&it, data, len, packages_path);
		while ((r = deb822_next(&it, &para, err)) == 1) {
			const char *name, *v;
			size_t nl, vl;
			char key[256], *kp = key, **hit;

			if (deb822_get_span(&para, "Package", &name, &nl) < 0 || nl >= sizeof(key) ||
			    deb822_get_span(&para, "Version", &v, &vl) < 0)
				continue;
			memcpy(key, name, nl);
			key[nl] = '\0';
			hit = bsearch(&kp, want.v, want.n, sizeof(*want.v), cmp_str);
			if (hit && !ver[hit - want.v])
				ver[hit - want.v] = xstrndup(v, vl);
		}
	}
	for (size_t i = 0; r == 0 && i < d->n; i++) {
		char *k = d->v[i].package, **hit = bsearch(&k, want.v, want.n, sizeof(*want.v),
							   cmp_str);

		free(d->v[i].version);
		d->v[i].version = hit && ver[hit - want.v] ? xstrdup(ver[hit - want.v]) : NULL;
	}
	free(data);
	for (size_t i = 0; i < want.n; i++)
		free(ver[i]);
	free(ver);
	strlist_free(&want);
	return r < 0 ? -1 : 0;
}

/* ---- the cache ---- */

static char *cache_path(const char *cache_dir, const struct upstream_index *ix)
{
	char *in = xasprintf("%s\n%s\n%s\n%s\n", CACHE_FORMAT, ix->key, ix->contents[0].sha256,
			     ix->ncontents > 1 ? ix->contents[1].sha256 : "");
	char hex[HASH_HEX_MAX];
	char *p;

	hash_buf_hex(HASH_SHA256, in, strlen(in), hex);
	p = xasprintf("%s/index/%s.extensions", cache_dir, hex);
	free(in);
	return p;
}

static int cache_write(const char *path, const struct extdisc *d, struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	int rc;

	sbuf_addf(&b, "%s\n", CACHE_FORMAT);
	for (size_t i = 0; i < d->n; i++)
		sbuf_addf(&b, "%s\t%d\t%s\t%s\n", d->v[i].name, d->v[i].pg, d->v[i].package,
			  d->v[i].version ? d->v[i].version : "-");
	rc = util_write_atomic(path, b.buf, b.len, 0644, err);
	sbuf_free(&b);
	return rc;
}

/* 1 when read, 0 when absent or not in our format (then recomputed). */
static int cache_read(const char *path, struct extdisc *d)
{
	struct pgb_err ignored;
	char *data, *line, *save = NULL;
	size_t len;
	int ok = 1;

	if (!util_exists(path) || util_read_file(path, &data, &len, &ignored) < 0)
		return 0;
	line = strtok_r(data, "\n", &save);
	if (!line || strcmp(line, CACHE_FORMAT))
		ok = 0;
	while (ok && (line = strtok_r(NULL, "\n", &save))) {
		char *f[4], *s2 = NULL;
		int nf = 0;

		for (char *t = strtok_r(line, "\t", &s2); t && nf < 4; t = strtok_r(NULL, "\t", &s2))
			f[nf++] = t;
		if (nf != 4 || atoi(f[1]) <= 0) {
			ok = 0;
			break;
		}
		ext_add(d, f[0], strlen(f[0]), atoi(f[1]), f[2], strlen(f[2]));
		if (strcmp(f[3], "-"))
			d->v[d->n - 1].version = xstrdup(f[3]);
	}
	free(data);
	if (!ok)
		extdisc_free(d);
	return ok;
}

/* ---- discovery ---- */

/* One index's extensions: from the cache, or parsed and joined, then cached. */
static int discover_index(const struct extdisc_opts *o, const struct upstream_index *ix,
			  struct extdisc *d, struct pgb_err *err)
{
	char *cpath = cache_path(o->cache_dir, ix), *contents;
	int rc = 0;

	if (cache_read(cpath, d)) {
		free(cpath);
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < ix->ncontents; i++) {
		contents = fetch_cache_lookup(o->fetch, ix->contents[i].sha256, ix->contents[i].size);
		if (!contents)
			rc = pgb_fail(err, "the %s index %s is no longer in the cache "
				      "(removed while running?); run again",
				      ix->format == UPSTREAM_RPM_PRIMARY ? "filelists" : "Contents",
				      ix->contents[i].sha256);
		else if (ix->format == UPSTREAM_RPM_PRIMARY)
			rc = extdisc_parse_filelists_file(d, contents, err);
		else
			rc = extdisc_parse_contents_file(d, contents, err);
		free(contents);
	}
	/* rpm-md filelists carry each package's version; Contents does not. */
	if (rc == 0 && ix->format == UPSTREAM_APT_PACKAGES)
		rc = extdisc_join_packages(d, ix->path, err);
	if (rc == 0) {
		extdisc_sort(d);
		rc = cache_write(cpath, d, err);
	}
	free(cpath);
	return rc;
}

static int discover_upstream(const struct extdisc_opts *o, const struct upstream_opts *uo,
			     const char *name, struct extdisc *out, struct pgb_err *err)
{
	struct upstream u;
	int rc = 0;

	if (upstream_sync(uo, name, &u, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < u.nidx; i++) {
		struct extdisc one = { 0 };

		if (!u.idx[i].ncontents)
			continue;
		rc = discover_index(o, &u.idx[i], &one, err);
		if (rc < 0)
			pgb_err_prefix(err, "extension discovery, upstream %s %s", u.name, u.suite);
		for (size_t j = 0; rc == 0 && j < one.n; j++) {
			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n] = one.v[j];
			out->v[out->n++].upstream = xstrdup(u.name);
			memset(&one.v[j], 0, sizeof(one.v[j]));
		}
		extdisc_free(&one);
	}
	upstream_free(&u);
	return rc;
}

int extdisc_discover(const struct extdisc_opts *o, struct extdisc *out, struct pgb_err *err)
{
	const struct strlist *names = o->upstreams && o->upstreams->n ? o->upstreams
									: &o->target->upstreams;
	struct upstream_opts uo = { 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	uo.fetch = o->fetch;
	uo.cache_dir = o->cache_dir;
	uo.rc = o->rc;
	uo.target = o->target;
	uo.arch = o->arch;
	uo.mirrors = o->mirrors;
	uo.allow_expired = o->allow_expired;
	uo.want_contents = 1;
	uo.contents_unverified_ok = o->contents_unverified_ok;
	uo.pg = o->npg ? o->pg : recipes_pg_majors;
	uo.npg = o->npg ? o->npg : RECIPES_NPG;
	uo.now = (int64_t)time(NULL);
	uo.warn = o->warn;
	uo.warn_ctx = o->warn_ctx;
	for (size_t i = 0; rc == 0 && i < names->n; i++)
		rc = discover_upstream(o, &uo, names->v[i], out, err);
	/* Appended in upstream order: the last upstream's entry wins a tie. */
	extdisc_sort(out);
	return rc;
}

/* ---- manifest items ---- */

int extdisc_items_need_discovery(const struct strlist *items)
{
	for (size_t i = 0; i < items->n; i++)
		if (!strstr(items->v[i], "{pg}"))
			return 1;
	return 0;
}

const struct extdisc_ext *extdisc_lookup_entry(const struct extdisc *d,
					       const struct extcat_entry *ce, const char *name,
					       int pg)
{
	const struct extdisc_ext *e = extdisc_lookup(d, name, pg);

	/* Debian ships some control files under a versioned name (postgis-3). */
	for (size_t i = 0; !e && ce && i < ce->aliases.n; i++)
		e = extdisc_lookup(d, ce->aliases.v[i], pg);
	return e;
}

/*
 * Debian splits some extensions in two: "P-scripts" ships the .control and SQL
 * files, "P" the module library and depends on P-scripts, not the other way
 * round (postgis, pgrouting).  Installing the extension needs both.
 */
static void add_library_package(const char *pkg, struct strlist *packages)
{
	static const char suffix[] = "-scripts";
	size_t n = strlen(pkg), k = sizeof(suffix) - 1;

	if (n > k && !strcmp(pkg + n - k, suffix))
		strlist_add_owned(packages, xstrndup(pkg, n - k));
}

/*
 * Extensions are collected first and given packages at the end, because a
 * control file can ship in more than one package (forky has
 * address_standardizer both in postgis' scripts package and in a package of
 * its own, and the two conflict): a package some other extension needs
 * anyway is the one to take.
 */
struct ext_want {
	const struct extdisc *d;
	const struct extcat *cat;
	struct strlist names;	/* extension names, as given or catalogued */
};

/* Up to max entries shipping name or one of its aliases (Debian's versioned
 * control files) at major pg, name's own first; returns how many. */
static size_t ext_candidates(const struct extdisc *d, const struct extcat_entry *ce,
			     const char *name, int pg, const struct extdisc_ext **out, size_t max)
{
	size_t n = 0;

	for (size_t a = 0; a <= (ce ? ce->aliases.n : 0); a++) {
		const char *want = a ? ce->aliases.v[a - 1] : name;

		for (size_t i = 0; i < d->n && n < max; i++)
			if (d->v[i].pg == pg && !strcmp(d->v[i].name, want))
				out[n++] = &d->v[i];
	}
	return n;
}

/* Record name (as the catalog names it, so postgis-3 and postgis are one
 * extension) when a major has a package for it; returns how many do. */
static size_t add_ext(struct ext_want *w, const char *name, const int *pg, size_t npg)
{
	const struct extcat_entry *ce = w->cat ? extcat_find(w->cat, name) : NULL;
	size_t found = 0;

	for (size_t j = 0; j < npg; j++) {
		const struct extdisc_ext *e;

		found += ext_candidates(w->d, ce, name, pg[j], &e, 1);
	}
	if (found && !strlist_has(&w->names, ce ? ce->name : name))
		strlist_add(&w->names, ce ? ce->name : name);
	return found;
}

static void take(const struct extdisc_ext *e, struct strlist *packages, struct strlist *names)
{
	strlist_add(packages, e->package);
	add_library_package(e->package, packages);
	strlist_add(names, e->name);
}

/* Pass 1 (single) takes the extensions one package ships; pass 2 the
 * others: a candidate already taken, else the first. */
static void want_packages(struct ext_want *w, const int *pg, size_t npg, int single,
			  struct strlist *packages, struct strlist *names)
{
	for (size_t i = 0; i < w->names.n; i++)
		for (size_t j = 0; j < npg; j++) {
			const char *name = w->names.v[i];
			const struct extcat_entry *ce = w->cat ? extcat_find(w->cat, name) : NULL;
			const struct extdisc_ext *e[16];
			size_t n = ext_candidates(w->d, ce, name, pg[j], e, 16), k = 0;

			if (!n || (n == 1) != single)
				continue;
			while (k < n && !strlist_has(packages, e[k]->package))
				k++;
			take(e[k < n ? k : 0], packages, names);
		}
}

static int add_category(struct ext_want *w, const char *c, const int *pg, size_t npg,
			struct pgb_err *err)
{
	const struct extcat *cat = w->cat;
	const struct extcat_entry **v;
	size_t n;

	if (!extcat_category_valid(c)) {
		struct sbuf all = SBUF_INIT;

		for (size_t i = 0; extcat_categories[i]; i++)
			sbuf_addf(&all, "%s%s", i ? " " : "", extcat_categories[i]);
		pgb_fail(err, "extensions: unknown category '%s'; the categories are: %s", c,
			 all.buf);
		sbuf_free(&all);
		return -1;
	}
	if (!cat)
		return 0;
	n = extcat_by_category(cat, c, NULL, 0);
	v = xcalloc(n ? n : 1, sizeof(*v));
	extcat_by_category(cat, c, v, n);
	for (size_t i = 0; i < n; i++)
		add_ext(w, v[i]->name, pg, npg);
	free(v);
	return 0;
}

int extdisc_resolve_items(const struct extdisc *d, const struct extcat *cat,
			  const struct strlist *items, const int *pg, size_t npg,
			  struct strlist *packages, struct strlist *names,
			  struct strlist *unresolved, struct strlist *other, struct pgb_err *err)
{
	struct ext_want w = { d, cat, STRLIST_INIT };

	for (size_t i = 0; i < items->n; i++) {
		const char *it = items->v[i], *name = it;
		const struct extcat_entry *ce = cat ? extcat_find(cat, it) : NULL;

		if (strstr(it, "{pg}"))
			continue;
		if (!strcmp(it, "all")) {
			for (size_t k = 0; k < d->n; k++)
				add_ext(&w, d->v[k].name, pg, npg);
			continue;
		}
		if (!strncmp(it, "category:", 9)) {
			if (add_category(&w, it + 9, pg, npg, err) < 0) {
				strlist_free(&w.names);
				return -1;
			}
			continue;
		}
		if (ce)
			name = ce->name;
		if (add_ext(&w, name, pg, npg))
			continue;
		if (ce || extdisc_lookup_entry(d, ce, name, 0))
			strlist_add(unresolved, name);
		else
			strlist_add(other, it);
	}
	want_packages(&w, pg, npg, 1, packages, names);
	want_packages(&w, pg, npg, 0, packages, names);
	strlist_free(&w.names);
	strlist_sort(packages);
	strlist_uniq(packages);
	strlist_sort(names);
	strlist_uniq(names);
	return 0;
}

int extdisc_target_checked(const struct recipes *rc, const struct recipe_target *t)
{
	if (!t->upstreams.n)
		return 0;
	for (size_t i = 0; i < t->upstreams.n; i++) {
		const struct recipe_repo *r = recipes_repo(rc, t->upstreams.v[i]);

		if (!r || !r->checked)
			return 0;
	}
	return 1;
}

/* "T1 (PG a: pkg), T2 (PG b: pkg)" for name across the other checked
 * targets of the family, "" when none has it. */
static void where_else(const struct extdisc_opts *o, struct extdisc *others, size_t nothers,
		       const char *name, struct sbuf *out)
{
	for (size_t i = 0, t = 0; i < o->rc->ntargets; i++) {
		const struct recipe_target *rt = &o->rc->targets[i];
		const struct extdisc_ext *e;

		if (rt == o->target || strcmp(rt->family, o->target->family) ||
		    !extdisc_target_checked(o->rc, rt))
			continue;
		if (t >= nothers)
			break;
		e = extdisc_lookup(&others[t++], name, 0);
		if (e)
			sbuf_addf(out, "%s%s (PG %d: %s)", out->len ? ", " : "", rt->name, e->pg,
				  e->package);
	}
}

/* Discover every other checked target of the family (read-only: an expired
 * Release is accepted with a warning); others[] in recipes order. */
static int discover_others(const struct extdisc_opts *o, struct extdisc **others, size_t *n,
			   struct pgb_err *err)
{
	*others = xcalloc(o->rc->ntargets ? o->rc->ntargets : 1, sizeof(**others));
	*n = 0;
	for (size_t i = 0; i < o->rc->ntargets; i++) {
		const struct recipe_target *rt = &o->rc->targets[i];
		struct extdisc_opts oo = *o;

		if (rt == o->target || strcmp(rt->family, o->target->family) ||
		    !extdisc_target_checked(o->rc, rt))
			continue;
		oo.target = rt;
		oo.upstreams = NULL;
		oo.allow_expired = 1;
		if (extdisc_discover(&oo, &(*others)[(*n)++], err) < 0)
			return pgb_err_prefix(err, "looking up extensions on %s", rt->name);
	}
	return 0;
}

static void missing_request(const struct extdisc_opts *o, struct extdisc *others,
			    size_t nothers, const char *name, const int *pg, size_t npg,
			    struct strlist *requests)
{
	struct sbuf where = SBUF_INIT, majors = SBUF_INIT;

	where_else(o, others, nothers, name, &where);
	for (size_t j = 0; j < npg; j++)
		sbuf_addf(&majors, "%s%d", j ? ", " : "", pg[j]);
	strlist_add_owned(requests, xasprintf("%s (extension not on %s for PostgreSQL %s; %s%s)",
					      name, o->target->name, majors.buf,
					      where.len ? "on " : "on no other checked target",
					      where.len ? where.buf : ""));
	sbuf_free(&where);
	sbuf_free(&majors);
}

static int load_catalog(const char *recipes_dir, struct extcat *cat, struct pgb_err *err)
{
	char *path = util_path_join(recipes_dir, "extensions.yml");
	int rc = 0;

	memset(cat, 0, sizeof(*cat));
	if (util_exists(path))
		rc = extcat_load(cat, recipes_dir, err);
	free(path);
	return rc;
}

int extdisc_plan(const struct extdisc_opts *o, const char *recipes_dir,
		 const struct strlist *items, const int *pg, size_t npg,
		 struct strlist *requests, struct strlist *names, struct pgb_err *err)
{
	struct strlist pk = STRLIST_INIT, unres = STRLIST_INIT, other = STRLIST_INIT;
	struct extdisc d = { 0 }, *others = NULL;
	struct extdisc_opts om = *o;
	struct extcat cat;
	size_t nothers = 0;
	int rc = -1;

	/* Per-major repositories (pgdg-yum) for the manifest's majors only. */
	om.pg = pg;
	om.npg = npg;
	o = &om;
	if (load_catalog(recipes_dir, &cat, err) < 0)
		return -1;
	if (extdisc_discover(o, &d, err) < 0 ||
	    extdisc_resolve_items(&d, &cat, items, pg, npg, &pk, names, &unres, &other, err) < 0)
		goto out;
	for (size_t i = 0; i < pk.n; i++)
		strlist_add(requests, pk.v[i]);
	if ((unres.n || other.n) && discover_others(o, &others, &nothers, err) < 0)
		goto out;
	for (size_t i = 0; i < unres.n; i++)
		missing_request(o, others, nothers, unres.v[i], pg, npg, requests);
	for (size_t i = 0; i < other.n; i++) {
		int elsewhere = 0;

		for (size_t t = 0; t < nothers; t++)
			elsewhere |= extdisc_lookup(&others[t], other.v[i], 0) != NULL;
		if (elsewhere)
			missing_request(o, others, nothers, other.v[i], pg, npg, requests);
		else
			strlist_add(requests, other.v[i]);
	}
	rc = 0;
out:
	for (size_t t = 0; others && t < o->rc->ntargets; t++)
		extdisc_free(&others[t]);
	free(others);
	extdisc_free(&d);
	extcat_free(&cat);
	strlist_free(&pk);
	strlist_free(&unres);
	strlist_free(&other);
	return rc;
}
