/*
 * fuzz_pkgmeta.c - what the SBOM reads out of a package file (builder/
 * pkgmeta_deb.c, pkgmeta_rpm.c): a .deb's ar container, its data.tar.*
 * member (any compression libarchive reads), the DEP-5 copyright file and
 * doc-directory symlinks in it, the extension control files it ships, the
 * relationships of its index stanza; an .rpm's header through
 * libcreaterepo_c.  Then the SBOM's writer and reader on what was read
 * (builder/sbom.c).
 * fuzz-options: -max_len=131072
 *
 * Input: STANZA FUZZ_SEP PACKAGE; the package is a .rpm when it starts with
 * rpm's lead magic, else a .deb.  The lock entry is the stanza's Package,
 * Version and Architecture.
 *
 * Properties: a package that does not read fails naming its file; one that
 * reads (pkgmeta_read_cached(), as the SBOM reads it) gives sorted, unique
 * licenses and extensions (non-empty, no '/'),
 * relationships that are names joined by '|' (none empty, no space or ','),
 * a license_from that is one path segment; read again through the pkgmeta
 * cache (written, then loaded) it is the same; its purl holds only the
 * purl spec's characters; rendered into an SBOM and parsed back, the
 * component has the package's name, version, SHA-256 and extensions (or
 * the render fails saying which text is not UTF-8).
 *
 * Structure-aware: the mutator takes the .deb apart (ar members), and
 * changes the data member's tar with tarmut.c (names and links around the
 * package's doc directory, extension control files; content of the
 * copyright file) and compresses it again (none, gzip, xz, zstd: the
 * member's name follows), or renames, resizes, drops or repeats an ar
 * member, or mutates the stanza.
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "deb822.h"
#include "fuzz.h"
#include "pkgmeta.h"
#include "sbom.h"
#include "tarmut.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static char *cache_dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cache_dir = fuzz_path("cache");
	return 0;
}

static const char rpm_magic[4] = { (char)0xed, (char)0xab, (char)0xee, (char)0xdb };

static int sorted_unique(const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i][0] || (i && strcmp(l->v[i - 1], l->v[i]) >= 0))
			return 0;
	return 1;
}

static void check_relations(const struct strlist *l, int alternatives)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i];
		size_t n = strlen(s);

		FUZZ_ASSERT(n && s[0] != '|' && s[n - 1] != '|' && !strstr(s, "||"));
		FUZZ_ASSERT(!strpbrk(s, " \t\n,"));
		FUZZ_ASSERT(alternatives || !strchr(s, '|'));
	}
}

static void check_meta(const struct pkgmeta *m, int deb)
{
	FUZZ_ASSERT(sorted_unique(&m->licenses) && sorted_unique(&m->extensions));
	for (size_t i = 0; i < m->extensions.n; i++)
		FUZZ_ASSERT(!strchr(m->extensions.v[i], '/'));
	check_relations(&m->depends, deb);
	if (deb)
		check_relations(&m->provides, 0);
	FUZZ_ASSERT(!m->license_from ||
		    (m->license_from[0] && !strchr(m->license_from, '/') &&
		     strcmp(m->license_from, ".") && strcmp(m->license_from, "..")));
}

static void check_purl(const struct pkgmeta_family *fam, const struct lock_pkg *p)
{
	char *purl = fam->purl(p, "debian", "12");
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "pkg:%s/", fam->family);
	FUZZ_ASSERT(!strncmp(purl, prefix, strlen(prefix)));
	FUZZ_ASSERT(strspn(purl, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789.-_~:%/@?&=") == strlen(purl));
	free(purl);
}

/* The SBOM of a bundle holding just this package: written, read back. */
static void check_sbom(const struct pkgmeta_family *fam, const struct lock_pkg *p,
		       const struct pkgmeta *m)
{
	static const int pg[] = { 15 };
	struct sbom_subject subj = { "fuzz", "1", "d12", "amd64", fam->family, "debian", "12",
				     pg, 1, FUZZ_NOW, "0" };
	struct lock l = { 0 };
	struct sbuf out = SBUF_INIT;
	struct sbom sb;
	struct pgb_err err;

	l.pkgs = (struct lock_pkg *)p;
	l.npkgs = 1;
	if (sbom_render(&subj, &l, m, &out, &err) < 0) {
		/* only a name, version or arch from the stanza that is not UTF-8 */
		FUZZ_ASSERT(strstr(err.msg, "UTF-8") && !out.len);
		return;
	}
	if (sbom_parse(out.buf, out.len, "bom.cdx.json", &sb, &err) < 0) {
		fprintf(stderr, "the SBOM written does not parse: %s\n", err.msg);
		FUZZ_ASSERT(!"sbom_render() output parses");
	}
	FUZZ_ASSERT(sb.n == 1 && !strcmp(sb.c[0].name, p->name) &&
		    !strcmp(sb.c[0].version, p->version) && !strcmp(sb.c[0].sha256, p->sha256));
	FUZZ_ASSERT(fuzz_same_list(&sb.c[0].extensions, &m->extensions));
	FUZZ_ASSERT(sbom_find(&sb, p->name) == &sb.c[0]);
	sbom_free(&sb);
	sbuf_free(&out);
}

static void check_cached(const struct pkgmeta_family *fam, const char *path,
			 const struct lock_pkg *p, const struct pkgmeta *m)
{
	for (int pass = 0; pass < 2; pass++) {	/* read and stored, then loaded */
		struct pkgmeta c = PKGMETA_INIT;
		struct pgb_err err;

		FUZZ_ASSERT(pkgmeta_read_cached(fam, cache_dir, path, p, &c, &err) == 0);
		FUZZ_ASSERT(fuzz_same_list(&c.licenses, &m->licenses) &&
			    fuzz_same_list(&c.depends, &m->depends) &&
			    fuzz_same_list(&c.provides, &m->provides) &&
			    fuzz_same_list(&c.extensions, &m->extensions));
		FUZZ_ASSERT((!c.license_from && !m->license_from) ||
			    (c.license_from && m->license_from &&
			     !strcmp(c.license_from, m->license_from)));
		pkgmeta_free(&c);
	}
}

/* The stanza's field, or dflt when it has none (or an empty one). */
static char *field(const struct deb822_para *para, const char *name, const char *dflt)
{
	char *v = deb822_get(para, name);

	if (!v || !*v) {
		free(v);
		v = xstrdup(dflt);
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[2];
	struct deb822_para para;
	struct lock_pkg p = { 0 };
	struct pkgmeta m = PKGMETA_INIT;
	const struct pkgmeta_family *fam;
	struct pgb_err err;
	char *path;
	int rpm;

	if (fuzz_split(data, size, part, 2) != 2 || memchr(part[0].p, '\0', part[0].n))
		return 0;
	rpm = part[1].n >= 4 && !memcmp(part[1].p, rpm_magic, 4);
	fam = pkgmeta_family(rpm ? "rpm" : "deb");
	p.stanza = xstrndup((const char *)part[0].p, part[0].n);
	para = (struct deb822_para){ p.stanza, part[0].n, 1 };
	p.name = field(&para, "Package", "x");
	p.version = field(&para, "Version", "1");
	p.arch = field(&para, "Architecture", "amd64");
	p.sha256 = xstrdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	p.upstream = xstrdup("debian");
	p.filename = xstrdup("pool/x");
	p.size = part[1].n;
	path = fuzz_write(rpm ? "p.rpm" : "p.deb", part[1].p, part[1].n);
	fuzz_clear_dir(cache_dir);
	if (pkgmeta_read_cached(fam, NULL, path, &p, &m, &err) < 0) {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0] && strstr(err.msg, path));
	} else {
		check_meta(&m, !rpm);
		check_cached(fam, path, &p, &m);
		check_purl(fam, &p);
		check_sbom(fam, &p, &m);
	}
	pkgmeta_free(&m);
	free(path);
	free(p.stanza);
	free(p.name);
	free(p.version);
	free(p.arch);
	free(p.sha256);
	free(p.upstream);
	free(p.filename);
	return 0;
}

/* ---- the .deb mutator ---- */

#define AR_MAGIC "!<arch>\n"
#define AR_HDR 60
#define MAX_MEMBERS 8
#define MAX_RAW (1u << 20)

struct member {
	char name[17];
	char size_field[11];	/* "" = the real size */
	struct sbuf data;
};

struct deb {
	struct member m[MAX_MEMBERS];
	size_t n;
};

static void deb_free(struct deb *d)
{
	for (size_t i = 0; i < d->n; i++)
		sbuf_free(&d->m[i].data);
	d->n = 0;
}

static int deb_parse(const uint8_t *p, size_t n, struct deb *d)
{
	size_t off = 8;

	memset(d, 0, sizeof(*d));
	if (n < 8 || memcmp(p, AR_MAGIC, 8))
		return -1;
	while (off + AR_HDR <= n && d->n < MAX_MEMBERS) {
		struct member *m = &d->m[d->n];
		char num[11];
		size_t len, k;

		memcpy(num, p + off + 48, 10);
		num[10] = '\0';
		len = strtoul(num, NULL, 10);
		if (len > n - off - AR_HDR)
			break;
		memcpy(m->name, p + off, 16);
		for (k = 16; k > 0 && (m->name[k - 1] == ' ' || m->name[k - 1] == '/'); k--)
			;
		m->name[k] = '\0';
		sbuf_add(&m->data, p + off + AR_HDR, len);
		d->n++;
		off += AR_HDR + len + (len & 1);
	}
	if (!d->n)
		return -1;
	return 0;
}

static void deb_write(const struct deb *d, struct sbuf *out)
{
	sbuf_adds(out, AR_MAGIC);
	for (size_t i = 0; i < d->n; i++) {
		const struct member *m = &d->m[i];
		char hdr[AR_HDR + 1];

		snprintf(hdr, sizeof(hdr), "%-16.16s%-12s%-6s%-6s%-8s%-10s`\n", m->name,
			 "1700000000", "0", "0", "100644",
			 m->size_field[0] ? m->size_field : "");
		if (!m->size_field[0])
			snprintf(hdr + 48, 11, "%-10zu", m->data.len);
		hdr[58] = '`';
		hdr[59] = '\n';
		sbuf_add(out, hdr, AR_HDR);
		sbuf_add(out, m->data.buf, m->data.len);
		if (m->data.len & 1)
			sbuf_addc(out, '\n');
	}
}

/* The member's bytes decompressed (whatever filter libarchive detects). */
static int unpack(const struct sbuf *in, struct sbuf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[16384];
	la_ssize_t n = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, in->buf ? in->buf : "", in->len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		archive_read_free(a);
		return -1;
	}
	while (out->len <= MAX_RAW && (n = archive_read_data(a, buf, sizeof(buf))) > 0)
		sbuf_add(out, buf, (size_t)n);
	archive_read_free(a);
	return n < 0 || out->len > MAX_RAW ? -1 : 0;
}

/* in compressed with filter ("gzip", "xz", "zstd") into out. */
static int pack(const char *filter, const struct sbuf *in, struct sbuf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = in->len * 2 + 65536, used = 0;
	int ok;

	sbuf_grow(out, cap);
	archive_entry_set_pathname(e, "data.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)in->len);
	/* level 1: xz's default takes ~100 MiB and most of a run's time */
	ok = archive_write_add_filter_by_name(a, filter) == ARCHIVE_OK &&
	     archive_write_set_filter_option(a, NULL, "compression-level", "1") == ARCHIVE_OK &&
	     archive_write_set_format_raw(a) == ARCHIVE_OK &&
	     archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
	     archive_write_open_memory(a, out->buf, cap, &used) == ARCHIVE_OK &&
	     archive_write_header(a, e) == ARCHIVE_OK &&
	     archive_write_data(a, in->buf ? in->buf : "", in->len) == (la_ssize_t)in->len &&
	     archive_write_close(a) == ARCHIVE_OK;
	out->len = ok ? used : 0;
	archive_entry_free(e);
	archive_write_free(a);
	return ok ? 0 : -1;
}

static const char *const doc_names[] = {
	"top/copyright", "top", "top/", "top/copyright/", "top/../top/copyright",
	"./usr/share/doc/other/copyright", "./usr/share/doc/", "usr/share/doc/x/copyright",
	"./usr/share/postgresql/15/extension/vector.control",
	"./usr/pgsql-16/share/extension/pg_cron.control", "./usr/share/postgresql/15/extension/.control",
	"./usr/share/postgresql/15/extension/a,b.control", "./extension/x.control",
	"./usr/share/postgresql/15/extension/x.control.sql", "./usr/share/postgresql/15/notextension/x.control",
	"extension/x.control", "/extension/x.control", "./x", "", NULL
};
static const char *const doc_links[] = {
	"gcc-12-base", "../gcc-12-base/copyright", "/usr/share/doc/gcc-12-base",
	"/usr/share/doc/gcc-12-base/copyright", "../../../../etc/passwd", "..", ".", "../..",
	"x/../y", "../x/../../doc/y", "other/copyright/more", "/", "//usr//share//doc//z",
	"../../share/doc/w/./copyright", "copyright", NULL
};
static const char *const member_names[] = {
	"data.tar", "data.tar.xz", "data.tar.zst", "data.tar.gz", "data.tar.bz2", "data.tarx",
	"data.tar.lzma", "control.tar.xz", "debian-binary", "_gpgorigin", "data", "/", "//",
};

static int data_member(const struct deb *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strncmp(d->m[i].name, "data.tar", 8))
			return (int)i;
	return -1;
}

/* Change the data member's tar and compress it again. */
static void mutate_data(struct member *m, struct fuzz_rng *r, const char *doc_dir)
{
	static const char *const filters[][2] = {
		{ NULL, "data.tar" }, { NULL, "data.tar" }, { "zstd", "data.tar.zst" },
		{ "gzip", "data.tar.gz" }, { "xz", "data.tar.xz" },
	};
	const char *const *f = filters[fuzz_below(r, 5)];
	struct sbuf tar = SBUF_INIT, out = SBUF_INIT;

	if (unpack(&m->data, &tar) < 0) {
		sbuf_free(&tar);
		return;
	}
	tarmut_mutate(&tar, r, doc_names, doc_links, doc_dir);
	if (f[0] ? pack(f[0], &tar, &out) == 0 : (sbuf_add(&out, tar.buf, tar.len), 1)) {
		sbuf_free(&m->data);
		m->data = out;
		snprintf(m->name, sizeof(m->name), "%s", f[1]);
	} else {
		sbuf_free(&out);
	}
	sbuf_free(&tar);
}

static void mutate_deb(struct deb *d, struct fuzz_rng *r, const char *doc_dir)
{
	int data = data_member(d);
	struct member *m = &d->m[fuzz_below(r, (uint32_t)d->n)];

	switch (fuzz_below(r, 8)) {
	case 0:
		snprintf(m->name, sizeof(m->name), "%s",
			 member_names[fuzz_below(r, sizeof(member_names) / sizeof(member_names[0]))]);
		break;
	case 1:		/* a size field that lies */
		snprintf(m->size_field, sizeof(m->size_field), "%zu",
			 fuzz_below(r, 2) ? m->data.len + 1 + fuzz_below(r, 64)
					  : (size_t)fuzz_interesting32(r));
		break;
	case 2:		/* drop one */
		sbuf_free(&m->data);
		memmove(m, m + 1, (size_t)(&d->m[d->n] - (m + 1)) * sizeof(*m));
		d->n--;
		break;
	case 3:		/* repeat one at the end */
		if (d->n < MAX_MEMBERS) {
			struct member *c = &d->m[d->n++];

			*c = *m;
			c->data = (struct sbuf)SBUF_INIT;
			sbuf_add(&c->data, m->data.buf, m->data.len);
		}
		break;
	default:
		if (data >= 0)
			mutate_data(&d->m[data], r, doc_dir);
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_rng r;
	struct fuzz_part part[2];
	struct deb d;
	struct sbuf pkg = SBUF_INIT, out = SBUF_INIT, stanza = SBUF_INIT;
	struct deb822_para para;
	char *name, *doc_dir;
	size_t n;

	fuzz_rng_init(&r, seed);
	if (fuzz_below(&r, 8) == 0 || fuzz_split(data, size, part, 2) != 2)
		return LLVMFuzzerMutate(data, size, max);
	if (fuzz_below(&r, 8) == 0) {	/* the stanza */
		sbuf_add(&stanza, part[0].p, part[0].n);
		sbuf_grow(&stanza, 256);
		stanza.len = LLVMFuzzerMutate((uint8_t *)stanza.buf, stanza.len, stanza.len + 256);
		part[0] = (struct fuzz_part){ (const uint8_t *)stanza.buf, stanza.len };
	} else if (deb_parse(part[1].p, part[1].n, &d) == 0) {
		sbuf_add(&stanza, part[0].p, part[0].n);
		para = (struct deb822_para){ stanza.buf ? stanza.buf : "", stanza.len, 1 };
		name = field(&para, "Package", "x");
		doc_dir = xasprintf("./usr/share/doc/%s", name);
		mutate_deb(&d, &r, doc_dir);
		deb_write(&d, &pkg);
		deb_free(&d);
		free(name);
		free(doc_dir);
		part[1] = (struct fuzz_part){ (const uint8_t *)pkg.buf, pkg.len };
	} else {
		return LLVMFuzzerMutate(data, size, max);
	}
	fuzz_join(&out, part, 2);
	n = fuzz_emit(data, max, &out);
	sbuf_free(&out);
	sbuf_free(&pkg);
	sbuf_free(&stanza);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
