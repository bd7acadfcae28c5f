/*
 * pkgmeta_deb.c - pkgmeta.h for .deb packages: the DEP-5 copyright file out
 * of the data member (libarchive: ar, then the compressed tar inside), the
 * relationships out of the index stanza.
 */
#include "pkgmeta.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deb822.h"

#define COPYRIGHT_MAX (4u << 20)	/* the largest copyright files are a few hundred KiB */

/* --- DEP-5 --- */

static int is_dep5(const struct deb822_para *header)
{
	char *fmt = deb822_get(header, "Format");
	/* copyright-format/1.0, or the draft URLs (dep.debian.net/deps/dep5) older files carry */
	int yes = fmt && (strstr(fmt, "copyright-format") || strstr(fmt, "dep5"));

	free(fmt);
	return yes;
}

static void add_license_of(const struct deb822_para *p, struct strlist *out)
{
	const char *v;
	size_t n;

	if (deb822_get_span(p, "License", &v, &n) == 0 && n)
		strlist_add_owned(out, xstrndup(v, n));
}

void pkgmeta_dep5_licenses(const char *text, size_t len, struct strlist *out)
{
	struct deb822_iter it;
	struct deb822_para para;
	struct pgb_err ignored;
	const char *v;
	size_t n;
	int first = 1;

	deb822_iter_init(&it, text, len, "copyright");
	/* A syntax error ends the scan: the paragraphs before it were
	 * well-formed and stay. */
	while (deb822_next(&it, &para, &ignored) == 1) {
		if (first && !is_dep5(&para))
			break;
		/* The header's License covers the whole work; each Files
		 * paragraph's its files.  Stand-alone License paragraphs only
		 * hold the text of a license named elsewhere. */
		if (first || deb822_get_span(&para, "Files", &v, &n) == 0)
			add_license_of(&para, out);
		first = 0;
	}
	strlist_sort(out);
	strlist_uniq(out);
}

/* --- relationships --- */

/* One alternative "name:arch (op ver) [archs] <profiles>": the name only. */
static void add_name(struct sbuf *b, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	for (j = i; j < n && !isspace((unsigned char)s[j]) && !strchr(":([<", s[j]); j++)
		;
	if (j == i)
		return;
	if (b->len)
		sbuf_addc(b, '|');
	sbuf_add(b, s + i, j - i);
}

void pkgmeta_deb_relations(const char *field, struct strlist *out)
{
	const char *p = field;

	while (p && *p) {
		const char *end = strchr(p, ','), *alt;
		struct sbuf req = SBUF_INIT;

		if (!end)
			end = p + strlen(p);
		for (alt = p; alt < end;) {
			const char *bar = memchr(alt, '|', (size_t)(end - alt));
			const char *stop = bar ? bar : end;

			add_name(&req, alt, (size_t)(stop - alt));
			alt = bar ? bar + 1 : end;
		}
		if (req.len)
			strlist_add_owned(out, sbuf_detach(&req, NULL));
		sbuf_free(&req);
		p = *end ? end + 1 : end;
	}
}

void pkgmeta_deb_provides(const char *field, struct strlist *out)
{
	struct strlist all = STRLIST_INIT;

	pkgmeta_deb_relations(field, &all);
	for (size_t i = 0; i < all.n; i++)
		if (!strchr(all.v[i], '|'))
			strlist_add(out, all.v[i]);
	strlist_free(&all);
}

/* --- the .deb file --- */

struct deb_reader {
	const char *path;
	struct archive *outer;		/* the ar container */
	char buf[65536];
};

static la_ssize_t member_read(struct archive *a, void *data, const void **buf)
{
	struct deb_reader *d = data;
	la_ssize_t n = archive_read_data(d->outer, d->buf, sizeof(d->buf));

	(void)a;
	*buf = d->buf;
	return n;
}

/* Normalise "./usr/x" and "/usr/x" to "usr/x". */
static const char *rel_path(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	return p;
}

/*
 * Where a symlink at dir/.. points, as "usr/share/doc/X[/...]" resolved
 * lexically (inside a package, a doc link is plain: "X", "../X/copyright",
 * "/usr/share/doc/X"); then X when it is a doc directory of another package.
 */
static char *doc_link_target(const char *dir, const char *target)
{
	struct strlist parts = STRLIST_INIT;
	struct sbuf path = SBUF_INIT;
	char *name = NULL, *copy, *tok, *save;

	if (*target != '/')
		sbuf_adds(&path, dir);
	sbuf_addc(&path, '/');
	sbuf_adds(&path, target);
	copy = sbuf_detach(&path, NULL);
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (parts.n)
				free(parts.v[--parts.n]);
			continue;
		}
		strlist_add(&parts, tok);
	}
	if (parts.n >= 4 && !strcmp(parts.v[0], "usr") && !strcmp(parts.v[1], "share") &&
	    !strcmp(parts.v[2], "doc") &&
	    (parts.n == 4 || (parts.n == 5 && !strcmp(parts.v[4], "copyright"))))
		name = xstrdup(parts.v[3]);
	free(copy);
	strlist_free(&parts);
	return name;
}

static int read_copyright(struct archive *in, const char *path, struct sbuf *out,
			  struct pgb_err *err)
{
	char buf[65536];
	la_ssize_t n;

	while ((n = archive_read_data(in, buf, sizeof(buf))) > 0) {
		if (out->len + (size_t)n > COPYRIGHT_MAX)
			return pgb_fail(err, "%s: its copyright file is larger than %u MiB", path,
					COPYRIGHT_MAX >> 20);
		sbuf_add(out, buf, (size_t)n);
	}
	return n < 0 ? pgb_fail(err, "%s: %s", path, archive_error_string(in)) : 0;
}

/* Walk the data tar: the doc directory's copyright (or a link to another
 * package's), and the extension control files. */
static int scan_data(struct deb_reader *d, const char *name, struct pkgmeta *m,
		     struct pgb_err *err)
{
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	struct sbuf text = SBUF_INIT;
	char *dir = xasprintf("usr/share/doc/%s", name), *file = xasprintf("%s/copyright", dir);
	int r = ARCHIVE_OK, rc = 0;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	if (archive_read_open(in, d, NULL, member_read, NULL) != ARCHIVE_OK) {
		rc = pgb_fail(err, "%s: data member: %s", d->path, archive_error_string(in));
		goto out;
	}
	while (rc == 0 && (r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *p = rel_path(archive_entry_pathname(e));
		const char *link = archive_entry_symlink(e);
		int is_dir = !strcmp(p, dir), is_file = !strcmp(p, file);

		if (archive_entry_filetype(e) == AE_IFREG || archive_entry_filetype(e) == AE_IFLNK)
			pkgmeta_note_file(m, p);
		if ((!is_dir && !is_file) || m->license_from || text.len)
			continue;
		if (link)
			m->license_from = doc_link_target(is_dir ? "usr/share/doc" : dir, link);
		else if (is_file && archive_entry_filetype(e) == AE_IFREG &&
			 read_copyright(in, d->path, &text, err) < 0)
			rc = -1;
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = pgb_fail(err, "%s: data member: %s", d->path, archive_error_string(in));
	if (rc == 0 && text.len)
		pkgmeta_dep5_licenses(text.buf, text.len, &m->licenses);
	strlist_sort(&m->extensions);
out:
	archive_read_free(in);
	sbuf_free(&text);
	free(dir);
	free(file);
	return rc;
}

static int deb_licenses(const char *path, const char *name, struct pkgmeta *m,
			struct pgb_err *err)
{
	struct deb_reader d = { path, archive_read_new(), { 0 } };
	struct archive_entry *e;
	int r, rc = -1, found = 0;

	archive_read_support_format_ar(d.outer);
	if (archive_read_open_filename(d.outer, path, 65536) != ARCHIVE_OK) {
		pgb_fail(err, "%s: not a .deb: %s", path, archive_error_string(d.outer));
		goto out;
	}
	while ((r = archive_read_next_header(d.outer, &e)) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		found = 1;
		rc = scan_data(&d, name, m, err);
		break;
	}
	if (!found)
		pgb_fail(err, "%s: not a .deb: no data.tar member%s%s", path,
			 r == ARCHIVE_OK || r == ARCHIVE_EOF ? "" : ": ",
			 r == ARCHIVE_OK || r == ARCHIVE_EOF ? "" : archive_error_string(d.outer));
out:
	archive_read_free(d.outer);
	return rc;
}

static int deb_read(const char *path, const struct lock_pkg *p, struct pkgmeta *m,
		    struct pgb_err *err)
{
	struct deb822_para para = { p->stanza, strlen(p->stanza), 1 };
	static const char *const rels[] = { "Pre-Depends", "Depends" };

	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		char *v = deb822_get(&para, rels[i]);

		pkgmeta_deb_relations(v, &m->depends);
		free(v);
	}
	{
		char *v = deb822_get(&para, "Provides");	/* no alternatives: one name each */

		pkgmeta_deb_provides(v, &m->provides);
		free(v);
	}
	return deb_licenses(path, p->name, m, err);
}

/* pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12 */
static char *deb_purl(const struct lock_pkg *p, const char *distro, const char *release)
{
	return pkgmeta_purl("deb", distro, release, p->name, p->version, p->arch, NULL);
}

const struct pkgmeta_family pkgmeta_deb = { "deb", deb_read, deb_purl };
