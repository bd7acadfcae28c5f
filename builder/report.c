/*
 * report.c - the HTML report of a bundle (report.h), written through the
 * escaping writer of html.h.
 */
#include "report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "html.h"

/* The page's own stylesheet: a constant, the only raw markup of the page. */
static const char page_css[] =
	":root{--fg:#1d2733;--muted:#5b6878;--line:#e3e7ec;--bg:#f5f7fa;--card:#fff;"
	"--accent:#2f5d8a;--sec:#b42318;--ok:#16794a}"
	"*{box-sizing:border-box}"
	"html{-webkit-text-size-adjust:100%}"
	"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,"
	"-apple-system,'Segoe UI',Roboto,'Helvetica Neue','Noto Sans','DejaVu Sans',sans-serif}"
	"header.top{background:linear-gradient(135deg,#17324f 0%,#2f5d8a 100%);color:#fff}"
	".wrap{max-width:1120px;margin:0 auto;padding:0 28px}"
	"header.top .wrap{padding-top:34px;padding-bottom:54px}"
	".eyebrow{text-transform:uppercase;letter-spacing:.12em;font-size:12px;opacity:.75}"
	"h1{font-size:32px;line-height:1.2;margin:6px 0 6px;font-weight:700;letter-spacing:-.015em}"
	".sub{font-size:16px;opacity:.9}"
	"nav{margin-top:20px;display:flex;gap:8px 20px;flex-wrap:wrap;font-size:14px}"
	"nav a{color:#fff;text-decoration:none;border-bottom:1px solid rgba(255,255,255,.35)}"
	"nav a:hover{border-bottom-color:#fff}"
	"main{padding-bottom:56px}"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:12px;"
	"margin-top:-34px}"
	".card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
	"padding:14px 16px;box-shadow:0 1px 3px rgba(16,24,40,.06)}"
	".card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em}"
	".card .v{font-size:23px;font-weight:700;font-variant-numeric:tabular-nums;margin-top:2px;"
	"white-space:nowrap}"
	".card .d{color:var(--muted);font-size:13px}"
	"h2{font-size:21px;margin:44px 0 6px;font-weight:700;letter-spacing:-.01em}"
	"h2+p.note{margin-top:0}"
	"h3{font-size:16px;margin:30px 0 8px}"
	"h3 .meta{color:var(--muted);font-weight:400;font-size:13.5px;margin-left:10px}"
	".panel{background:var(--card);border:1px solid var(--line);border-radius:12px;"
	"padding:18px 20px;box-shadow:0 1px 3px rgba(16,24,40,.04)}"
	".kv{display:grid;grid-template-columns:max-content 1fr;gap:6px 22px;margin:0}"
	".kv dt{color:var(--muted)}.kv dd{margin:0}"
	"table{width:100%;border-collapse:collapse;font-size:14px;background:var(--card);"
	"border:1px solid var(--line);border-radius:12px;overflow:hidden}"
	"th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;"
	"text-transform:uppercase;letter-spacing:.05em;background:#f9fafb;white-space:nowrap;"
	"border-bottom:1px solid var(--line);padding:9px 12px}"
	"td{border-bottom:1px solid var(--line);padding:7px 12px;vertical-align:top}"
	"tbody tr:last-child td{border-bottom:0}"
	"tbody tr:hover{background:#f8fafc}"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"code,.mono{font-family:ui-monospace,'SFMono-Regular','DejaVu Sans Mono',Menlo,"
	"Consolas,monospace;font-size:13px}"
	".ver{color:#344054;white-space:nowrap}.nw,td code{white-space:nowrap}"
	".desc{color:var(--muted);font-size:13px;margin-top:2px}"
	"details{margin-top:12px}summary{cursor:pointer;color:var(--accent);font-size:14px}"
	"details .chips{margin-top:10px}"
	".badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;"
	"font-weight:600;background:#eef2f6;color:#344054;white-space:nowrap}"
	".badge.sec{background:#fdecea;color:var(--sec)}"
	".badge.up{background:#e7f5ee;color:var(--ok)}"
	".badge.add{background:#e8effc;color:#1d4ed8}"
	".badge.rm,.badge.down{background:#f2f4f7;color:#475467}"
	".badge.req{background:#eef4fb;color:var(--accent)}"
	".bar{display:inline-block;height:8px;border-radius:4px;background:var(--accent);"
	"opacity:.7;vertical-align:middle;min-width:2px}"
	".barcell{width:150px}"
	"table.pk{table-layout:fixed}table.pk td{overflow-wrap:anywhere}"
	"table.pk th:nth-child(1){width:30%}table.pk th:nth-child(2){width:19%}"
	"table.pk th:nth-child(3){width:10%}table.pk th:nth-child(4){width:13%}"
	"table.pk th:nth-child(5){width:12%}"
	".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:var(--muted);"
	"margin:12px 0 0}"
	".sw{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;"
	"vertical-align:-1px}"
	".fpr{font-family:ui-monospace,'DejaVu Sans Mono',monospace;letter-spacing:.02em}"
	".ok{color:var(--ok);font-weight:600}.warn{color:var(--sec);font-weight:600}"
	".note{color:var(--muted);font-size:13.5px;margin:6px 0 12px}"
	".chips{display:flex;flex-wrap:wrap;gap:6px}"
	".chip{background:#eef2f6;border-radius:6px;padding:1px 8px;font-size:13px}"
	".chip b{font-weight:600;color:var(--accent);margin-left:4px}"
	"svg text{font-family:inherit}"
	"footer{color:var(--muted);font-size:13px;margin-top:48px;border-top:1px solid var(--line);"
	"padding-top:14px}"
	"@media (max-width:700px){.barcell{display:none}h1{font-size:26px}}"
	"@media print{body{background:#fff;font-size:10.5pt}"
	"header.top{background:none;color:#000;border-bottom:2px solid #000}"
	"header.top .wrap{padding:0 0 10px}nav{display:none}.cards{margin-top:12px}"
	".card,.panel,table{box-shadow:none}h2{break-after:avoid}tr,.card{break-inside:avoid}"
	"tbody tr:hover{background:none}a{color:inherit;text-decoration:none}"
	".wrap{max-width:none;padding:0}}";

/* Module colours: distinct, readable on white, in chart order. */
static const char *const palette[] = { "#2f5d8a", "#e07b39", "#3f9a5b", "#c2414b", "#7a5aa6",
				       "#1f9c9c", "#b8860b", "#cf5fa0", "#5a6b7d", "#4b9bd6",
				       "#8c6d46", "#6b8e23" };
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

struct group {
	char *name;
	const char *desc;
	size_t *idx;		/* SBOM components, by size descending */
	size_t n;
	uint64_t bytes;
};

struct page {
	const struct report_in *in;
	struct html h;
	json_t *meta;		/* bundle.json */
	struct group *g;
	size_t ng;
};

/* --- small formatting helpers --- */

static void day_str(char *buf, size_t len, int64_t when, const char *fmt)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, fmt, &tm))
		snprintf(buf, len, "?");
}

static const char *meta_str(const struct page *pg, const char *key)
{
	const char *v = json_string_value(json_object_get(pg->meta, key));

	return v ? v : "";
}

/* "A1B2 C3D4 ..." for reading a fingerprint aloud. */
static void fpr_groups(const char *fpr, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; fpr[i] && o + 2 < len; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = fpr[i];
	}
	out[o] = '\0';
}

/* --- grouping packages by module --- */

static long comp_index(const struct sbom *sb, const char *name)
{
	for (size_t i = 0; i < sb->n; i++)
		if (!strcmp(sb->c[i].name, name))
			return (long)i;
	return -1;
}

/* Claim for group gi every unowned package reachable from root. */
static void claim(const struct sbom *sb, long root, int gi, int *owner)
{
	size_t *stack, top = 0;

	if (root < 0 || owner[root] >= 0)
		return;
	stack = xcalloc(sb->n + 1, sizeof(*stack));
	owner[root] = gi;
	stack[top++] = (size_t)root;
	while (top) {
		const struct sbom_component *c = &sb->c[stack[--top]];

		for (size_t k = 0; k < c->ndeps; k++)
			if (owner[c->deps[k]] < 0) {
				owner[c->deps[k]] = gi;
				stack[top++] = c->deps[k];
			}
	}
	free(stack);
}

static struct group *add_group(struct page *pg, const char *name, const char *desc)
{
	pg->g = xrealloc(pg->g, (pg->ng + 1) * sizeof(*pg->g));
	memset(&pg->g[pg->ng], 0, sizeof(*pg->g));
	pg->g[pg->ng].name = xstrdup(name);
	pg->g[pg->ng].desc = desc;
	return &pg->g[pg->ng++];
}

static const char *module_desc(const struct page *pg, const char *name)
{
	const struct recipes *rc = pg->in->rc;

	for (size_t i = 0; rc && i < rc->nmodules; i++)
		if (!strcmp(rc->modules[i].name, name))
			return rc->modules[i].description;
	return NULL;
}

/* Claim the packages of a JSON list of names ("pkg" or "module:pkg" with prefix). */
static void claim_list(struct page *pg, json_t *list, const char *prefix, int gi, int *owner)
{
	size_t i, plen = prefix ? strlen(prefix) : 0;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (!s || (prefix && (strncmp(s, prefix, plen) || s[plen] != ':')))
			continue;
		claim(pg->in->sb, comp_index(pg->in->sb, prefix ? s + plen + 1 : s), gi, owner);
	}
}

static int cmp_size_desc(const void *a, const void *b, void *ctx)
{
	const struct sbom *sb = ctx;
	const struct sbom_component *x = &sb->c[*(const size_t *)a];
	const struct sbom_component *y = &sb->c[*(const size_t *)b];

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void build_groups(struct page *pg)
{
	const struct sbom *sb = pg->in->sb;
	json_t *mods = json_object_get(pg->meta, "modules"), *v;
	int *owner = xcalloc(sb->n ? sb->n : 1, sizeof(*owner));
	size_t i;

	for (i = 0; i < sb->n; i++)
		owner[i] = -1;
	json_array_foreach(mods, i, v) {
		const char *m = json_string_value(v);

		if (!m)
			continue;
		add_group(pg, m, module_desc(pg, m));
		claim_list(pg, json_object_get(pg->meta, "module_packages"), m, (int)pg->ng - 1,
			   owner);
	}
	add_group(pg, "extensions", "packages of the extensions the manifest names");
	claim_list(pg, json_object_get(pg->meta, "extensions"), NULL, (int)pg->ng - 1, owner);
	add_group(pg, "packages", "the manifest's other packages");
	claim_list(pg, json_object_get(pg->meta, "packages_extra"), NULL, (int)pg->ng - 1, owner);
	add_group(pg, "other", "in the bundle, but no module's dependency");
	for (i = 0; i < sb->n; i++) {
		struct group *g = &pg->g[owner[i] >= 0 ? (size_t)owner[i] : pg->ng - 1];

		g->idx = xrealloc(g->idx, (g->n + 1) * sizeof(*g->idx));
		g->idx[g->n++] = i;
		g->bytes += sb->c[i].size;
	}
	for (i = 0; i < pg->ng; i++)
		if (pg->g[i].n > 1)
			qsort_r(pg->g[i].idx, pg->g[i].n, sizeof(size_t), cmp_size_desc,
				(void *)sb);
	free(owner);
}

/* --- sections --- */

static void head(struct page *pg, const char *title)
{
	struct html *h = &pg->h;

	html_raw(h, "<!DOCTYPE html>\n");
	html_open(h, "html", "lang", "en", NULL);
	html_open(h, "head", NULL);
	html_void(h, "meta", "charset", "utf-8", NULL);
	html_void(h, "meta", "name", "viewport", "content", "width=device-width, initial-scale=1",
		  NULL);
	html_void(h, "meta", "name", "generator", "content", "pgbundle report", NULL);
	html_elem(h, "title", title, NULL);
	html_open(h, "style", NULL);
	html_raw(h, page_css);
	html_close(h, "style");
	html_close(h, "head");
}

static char *majors_str(const struct page *pg)
{
	struct sbuf b = SBUF_INIT;
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(pg->meta, "postgres"), i, v)
		sbuf_addf(&b, "%s%lld", i ? ", " : "", (long long)json_integer_value(v));
	return b.buf ? sbuf_detach(&b, NULL) : xstrdup("-");
}

static char *platform_str(const struct page *pg)
{
	const char *target = meta_str(pg, "target"), *code = meta_str(pg, "codename");
	const struct recipe_target *t = pg->in->rc ? recipes_target(pg->in->rc, target) : NULL;

	if (t && t->distro)
		return xasprintf("%c%s %s%s%s%s", t->distro[0] >= 'a' && t->distro[0] <= 'z'
				 ? t->distro[0] - 'a' + 'A' : t->distro[0], t->distro + 1,
				 t->release, *code ? " (" : "", code, *code ? ")" : "");
	return xasprintf("%s%s%s%s", target, *code ? " (" : "", code, *code ? ")" : "");
}

static void nav_link(struct html *h, const char *href, const char *text)
{
	html_elem(h, "a", text, "href", href, NULL);
}

static void top(struct page *pg)
{
	struct html *h = &pg->h;
	char *majors = majors_str(pg), *plat = platform_str(pg);

	html_open(h, "header", "class", "top", NULL);
	html_open(h, "div", "class", "wrap", NULL);
	html_elem(h, "div", "pgbundle \xc2\xb7 offline PostgreSQL bundle", "class", "eyebrow", NULL);
	html_open(h, "h1", NULL);
	html_textf(h, "%s %s", meta_str(pg, "name"), meta_str(pg, "version"));
	html_close(h, "h1");
	html_open(h, "div", "class", "sub", NULL);
	html_textf(h, "%s \xc2\xb7 %s \xc2\xb7 PostgreSQL %s \xc2\xb7 target %s", plat,
		   meta_str(pg, "arch"), majors, meta_str(pg, "target"));
	html_close(h, "div");
	html_open(h, "nav", NULL);
	nav_link(h, "#bundle", "Bundle");
	nav_link(h, "#modules", "Packages by module");
	nav_link(h, "#extensions", "Extensions");
	if (pg->in->old)
		nav_link(h, "#diff", "Changes");
	nav_link(h, "#licenses", "Licenses");
	nav_link(h, "#packages", "All packages");
	html_close(h, "nav");
	html_close(h, "div");
	html_close(h, "header");
	free(majors);
	free(plat);
}

static void card(struct html *h, const char *k, const char *v, const char *d)
{
	html_open(h, "div", "class", "card", NULL);
	html_elem(h, "div", k, "class", "k", NULL);
	html_elem(h, "div", v, "class", "v", NULL);
	if (d)
		html_elem(h, "div", d, "class", "d", NULL);
	html_close(h, "div");
}

static size_t count_extensions(const struct page *pg)
{
	size_t n = 0;

	for (size_t i = 0; i < pg->in->sb->n; i++)
		n += pg->in->sb->c[i].extensions.n;
	return n;
}

static void cards(struct page *pg)
{
	const struct bundle_report *r = pg->in->r;
	struct html *h = &pg->h;
	char a[64], b[64], c[64], d[96];

	html_open(h, "section", "class", "cards", NULL);
	snprintf(a, sizeof(a), "%zu", r->npackages);
	snprintf(d, sizeof(d), "%zu requested, the rest their dependencies",
		 json_array_size(json_object_get(pg->meta, "requested")));
	card(h, "Packages", a, d);
	cli_size(b, sizeof(b), (int64_t)r->pool_bytes, 0);
	card(h, "Package data", b, "the package files, summed");
	cli_size(c, sizeof(c), (int64_t)r->file_bytes, 0);
	card(h, "Bundle file", c, r->is_run ? "the .run, installer included" : "the .tar.zst");
	snprintf(a, sizeof(a), "%zu", count_extensions(pg));
	snprintf(d, sizeof(d), "%zu named by the manifest",
		 json_array_size(json_object_get(pg->meta, "extension_names")));
	card(h, "Extensions", a, d);
	day_str(a, sizeof(a), (int64_t)json_integer_value(json_object_get(pg->meta, "date")),
		"%Y-%m-%d");
	card(h, "Resolved", a, "the lock's date (UTC)");
	html_close(h, "section");
}

static void kv(struct html *h, const char *k, const char *v)
{
	html_elem(h, "dt", k, NULL);
	html_elem(h, "dd", v, NULL);
}

static void bundle_section(struct page *pg)
{
	const struct report_in *in = pg->in;
	const char *meta_key = meta_str(pg, "key");
	struct html *h = &pg->h;
	char fpr[64], when[64], *majors = majors_str(pg), *plat = platform_str(pg);

	html_open(h, "section", "id", "bundle", NULL);
	html_elem(h, "h2", "The bundle", NULL);
	html_open(h, "div", "class", "panel", NULL);
	html_open(h, "dl", "class", "kv", NULL);
	kv(h, "File", in->path);
	kv(h, "Target", meta_str(pg, "target"));
	kv(h, "Distribution", plat);
	kv(h, "Architecture", meta_str(pg, "arch"));
	kv(h, "PostgreSQL", majors);
	day_str(when, sizeof(when), (int64_t)json_integer_value(json_object_get(pg->meta, "date")),
		"%Y-%m-%d %H:%M UTC");
	kv(h, "Resolved at", when);
	if (*meta_str(pg, "config"))
		kv(h, "Installer config", meta_str(pg, "config"));
	html_elem(h, "dt", "Signed by", NULL);
	html_open(h, "dd", NULL);
	fpr_groups(in->r->signer, fpr, sizeof(fpr));
	html_elem(h, "span", fpr, "class", "fpr", NULL);
	html_close(h, "dd");
	html_elem(h, "dt", "Signature", NULL);
	html_open(h, "dd", NULL);
	if (in->key_path) {
		html_elem(h, "span", "verified", "class", "ok", NULL);
		html_textf(h, " against the key file %s%s", in->key_path,
			   in->r->is_run ? " (the .run's signature and the repository's)" : "");
	} else {
		html_elem(h, "span", "intact", "class", "ok", NULL);
		html_text(h, " \xe2\x80\x94 checked against the key the bundle carries, which proves "
			     "integrity, not origin; pass --key to check who signed it");
	}
	html_close(h, "dd");
	if (*meta_key && strcmp(meta_key, in->r->signer)) {
		html_elem(h, "dt", "Warning", NULL);
		html_open(h, "dd", NULL);
		html_elem(h, "span", "bundle.json names another key", "class", "warn", NULL);
		html_textf(h, " (%s)", meta_key);
		html_close(h, "dd");
	}
	html_close(h, "dl");
	html_close(h, "div");
	html_close(h, "section");
	free(majors);
	free(plat);
}

/* --- the module chart (inline SVG) --- */

static void svg_text(struct html *h, double x, double y, const char *anchor, const char *cls,
		     const char *text)
{
	char sx[32], sy[32];

	snprintf(sx, sizeof(sx), "%.1f", x);
	snprintf(sy, sizeof(sy), "%.1f", y);
	html_elem(h, "text", text, "x", sx, "y", sy, "text-anchor", anchor, "class", cls, NULL);
}

static void svg_rect(struct html *h, double x, double y, double w, double hh, const char *fill,
		     const char *title)
{
	char sx[32], sy[32], sw[32], sh[32];

	snprintf(sx, sizeof(sx), "%.1f", x);
	snprintf(sy, sizeof(sy), "%.1f", y);
	snprintf(sw, sizeof(sw), "%.1f", w);
	snprintf(sh, sizeof(sh), "%.1f", hh);
	html_open(h, "rect", "x", sx, "y", sy, "width", sw, "height", sh, "rx", "3", "fill", fill,
		  NULL);
	if (title)
		html_elem(h, "title", title, NULL);
	html_close(h, "rect");
}

static void chart(struct page *pg)
{
	const double W = 1000, label = 150, barw = 640, row = 30, top = 50;
	struct html *h = &pg->h;
	uint64_t max = 1, total = 0;
	double x = label, hh;
	char vb[64], buf[96], sz[32];
	size_t rows = 0;

	for (size_t i = 0; i < pg->ng; i++) {
		if (pg->g[i].bytes > max)
			max = pg->g[i].bytes;
		total += pg->g[i].bytes;
		rows += pg->g[i].n > 0;
	}
	hh = top + row * (double)rows + 10;
	snprintf(vb, sizeof(vb), "0 0 %.0f %.0f", W, hh);
	html_open(h, "svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", vb, "width", "100%",
		  "role", "img", "aria-label", "package bytes by module", NULL);
	html_open(h, "style", NULL);
	html_raw(h, ".ch-l{font-size:14px;fill:#1d2733}.ch-v{font-size:13px;fill:#5b6878}"
		    ".ch-t{font-size:11px;fill:#5b6878;letter-spacing:.08em}");
	html_close(h, "style");
	/* The share of each module in one stacked bar. */
	svg_text(h, label - 12, 20, "end", "ch-t", "SHARE");
	for (size_t i = 0; i < pg->ng; i++) {
		double w = total ? (W - label) * (double)pg->g[i].bytes / (double)total : 0;

		if (w <= 0)
			continue;
		snprintf(buf, sizeof(buf), "%s: %s", pg->g[i].name,
			 cli_size(sz, sizeof(sz), (int64_t)pg->g[i].bytes, 0));
		svg_rect(h, x, 8, w > 1.5 ? w - 1.5 : w, 16, palette[i % NPALETTE], buf);
		x += w;
	}
	/* One bar per module, to scale with the largest. */
	rows = 0;
	for (size_t i = 0; i < pg->ng; i++) {
		const struct group *g = &pg->g[i];
		double y = top + row * (double)rows, w;

		if (!g->n)
			continue;
		rows++;
		w = barw * (double)g->bytes / (double)max;
		svg_text(h, label - 12, y + 15, "end", "ch-l", g->name);
		snprintf(buf, sizeof(buf), "%s: %zu packages", g->name, g->n);
		svg_rect(h, label, y + 3, w < 2 ? 2 : w, 17, palette[i % NPALETTE], buf);
		snprintf(buf, sizeof(buf), "%s \xc2\xb7 %zu package%s",
			 cli_size(sz, sizeof(sz), (int64_t)g->bytes, 0), g->n, g->n == 1 ? "" : "s");
		svg_text(h, label + (w < 2 ? 2 : w) + 8, y + 15, "start", "ch-v", buf);
	}
	html_close(h, "svg");
}

static void legend(struct page *pg)
{
	struct html *h = &pg->h;

	html_open(h, "div", "class", "legend", NULL);
	for (size_t i = 0; i < pg->ng; i++) {
		char style[48];

		if (!pg->g[i].n)
			continue;
		snprintf(style, sizeof(style), "background:%s", palette[i % NPALETTE]);
		html_open(h, "span", "title", pg->g[i].desc, NULL);
		html_elem(h, "span", "", "class", "sw", "style", style, NULL);
		html_text(h, pg->g[i].name);
		html_close(h, "span");
	}
	html_close(h, "div");
}

static void modules_section(struct page *pg)
{
	struct html *h = &pg->h;

	html_open(h, "section", "id", "modules", NULL);
	html_elem(h, "h2", "Packages by module", NULL);
	html_elem(h, "p", "Each module with everything it depends on; a package several modules "
		  "need counts once, under the first of them.", "class", "note", NULL);
	html_open(h, "div", "class", "panel", NULL);
	chart(pg);
	legend(pg);
	html_close(h, "div");
	html_close(h, "section");
}

/* --- extensions --- */

/* The catalog entry of an extension: by name, by bundle.json's "catalog",
 * or by its name without a trailing "-N" (Debian's postgis-3). */
static const struct extcat_entry *ext_entry(const struct page *pg, const char *name)
{
	const struct extcat *cat = pg->in->cat;
	json_t *info = json_object_get(json_object_get(pg->meta, "extension_info"), name);
	const char *alias = json_string_value(json_object_get(info, "catalog"));
	const struct extcat_entry *e;
	const char *dash;

	if (!cat)
		return NULL;
	if ((e = extcat_find(cat, name)) || (alias && (e = extcat_find(cat, alias))))
		return e;
	dash = strrchr(name, '-');
	if (dash && dash[1] >= '0' && dash[1] <= '9') {
		char *base = xstrndup(name, (size_t)(dash - name));

		e = extcat_find(cat, base);
		free(base);
	}
	return e;
}

/* Append the strings of arr to b, sep between them. */
static void join_list(struct sbuf *b, json_t *arr, const char *sep)
{
	size_t i;
	json_t *v;
	int first = 1;

	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			continue;
		sbuf_addf(b, "%s%s", first ? "" : sep, json_string_value(v));
		first = 0;
	}
}

static void ext_row(struct page *pg, const char *ext, const char *pkg)
{
	json_t *info = json_object_get(json_object_get(pg->meta, "extension_info"), ext);
	const struct extcat_entry *e = ext_entry(pg, ext);
	const char *preload = json_string_value(json_object_get(info, "preload"));
	const char *exc = json_string_value(json_object_get(info, "exception"));
	struct html *h = &pg->h;
	struct sbuf notes = SBUF_INIT;

	if (!preload && e)
		preload = e->preload;
	join_list(&notes, json_object_get(info, "settings"), ", ");
	if (json_array_size(json_object_get(info, "preload_after"))) {
		sbuf_addf(&notes, "%spreload after ", notes.len ? "; " : "");
		join_list(&notes, json_object_get(info, "preload_after"), ", ");
	}
	if (json_array_size(json_object_get(info, "conflicts"))) {
		struct sbuf c = SBUF_INIT;

		join_list(&c, json_object_get(info, "conflicts"), ", ");
		sbuf_addf(&notes, "%sconflicts with %s", notes.len ? "; " : "", c.buf);
		sbuf_free(&c);
	}
	if (exc)
		sbuf_addf(&notes, "%s%s", notes.len ? "; " : "", exc);
	html_open(h, "tr", NULL);
	html_open(h, "td", NULL);
	html_elem(h, "span", e ? e->category : "\xe2\x80\x94", "class", "badge", NULL);
	html_close(h, "td");
	html_open(h, "td", NULL);
	html_elem(h, "code", ext, NULL);
	if (e && e->description)
		html_elem(h, "div", e->description, "class", "desc", NULL);
	html_close(h, "td");
	html_open(h, "td", NULL);
	html_elem(h, "code", pkg ? pkg : "(not in a bundle package)", NULL);
	html_close(h, "td");
	html_open(h, "td", NULL);
	if (preload)
		html_elem(h, "code", preload, NULL);
	else
		html_text(h, "\xe2\x80\x94");
	html_close(h, "td");
	html_elem(h, "td", notes.buf ? notes.buf : "", NULL);
	html_close(h, "tr");
	sbuf_free(&notes);
}

/* The package that ships extension ext, or NULL. */
static const char *ext_package(const struct sbom *sb, const char *ext)
{
	for (size_t i = 0; i < sb->n; i++)
		if (strlist_has(&sb->c[i].extensions, ext))
			return sb->c[i].name;
	return NULL;
}

static void extensions_section(struct page *pg)
{
	json_t *names = json_object_get(pg->meta, "extension_names"), *v;
	const struct sbom *sb = pg->in->sb;
	struct html *h = &pg->h;
	size_t i;
	int others = 0;

	html_open(h, "section", "id", "extensions", NULL);
	html_elem(h, "h2", "Extensions", NULL);
	html_elem(h, "p", "What the manifest asked for, with what creating each needs: the "
		  "library for shared_preload_libraries and other settings (the installer "
		  "sets them).", "class", "note", NULL);
	if (!json_array_size(names)) {
		html_elem(h, "p", "The manifest names no extensions.", "class", "note", NULL);
	} else {
		html_open(h, "table", NULL);
		html_raw(h, "<thead><tr><th>Category</th><th>Extension</th><th>Package</th>"
			    "<th>Preload library</th><th>Also needs</th></tr></thead>");
		html_open(h, "tbody", NULL);
		json_array_foreach(names, i, v)
			if (json_is_string(v))
				ext_row(pg, json_string_value(v),
					ext_package(sb, json_string_value(v)));
		html_close(h, "tbody");
		html_close(h, "table");
	}
	for (i = 0; i < sb->n; i++)
		others += sb->c[i].extensions.n > 0;
	if (others) {
		html_elem(h, "h3", "Every extension the bundle's packages ship", NULL);
		html_open(h, "table", NULL);
		html_raw(h, "<thead><tr><th>Package</th><th>Extensions (control files)</th></tr>"
			    "</thead>");
		html_open(h, "tbody", NULL);
		for (i = 0; i < sb->n; i++) {
			if (!sb->c[i].extensions.n)
				continue;
			html_open(h, "tr", NULL);
			html_open(h, "td", NULL);
			html_elem(h, "code", sb->c[i].name, NULL);
			html_close(h, "td");
			html_open(h, "td", NULL);
			html_open(h, "div", "class", "chips", NULL);
			for (size_t k = 0; k < sb->c[i].extensions.n; k++)
				html_elem(h, "span", sb->c[i].extensions.v[k], "class", "chip", NULL);
			html_close(h, "div");
			html_close(h, "td");
			html_close(h, "tr");
		}
		html_close(h, "tbody");
		html_close(h, "table");
	}
	html_close(h, "section");
}

/* --- the difference from an older set --- */

static void diff_row(struct html *h, const struct pkgdiff_entry *e)
{
	static const char *const cls[PKGDIFF_NKINDS] = { "badge up", "badge down", "badge",
							   "badge add", "badge rm" };
	const struct pkgset_pkg *p = e->new ? e->new : e->old;
	int64_t delta = pkgdiff_entry_delta(e);
	char sz[32];

	html_open(h, "tr", NULL);
	html_open(h, "td", NULL);
	html_elem(h, "span", pkgdiff_kind_name(e->kind), "class", cls[e->kind], NULL);
	html_close(h, "td");
	html_open(h, "td", NULL);
	html_elem(h, "code", p->name, NULL);
	html_close(h, "td");
	html_elem(h, "td", e->old ? e->old->version : "", "class", "mono ver", NULL);
	html_elem(h, "td", e->new ? e->new->version : "", "class", "mono ver", NULL);
	html_elem(h, "td", cli_size(sz, sizeof(sz), delta, 1), "class", "num", NULL);
	html_open(h, "td", NULL);
	html_text(h, p->upstream ? p->upstream : "");
	if (p->security) {
		html_text(h, " ");
		html_elem(h, "span", "security", "class", "badge sec", NULL);
	}
	html_close(h, "td");
	html_close(h, "tr");
}

static void diff_section(struct page *pg)
{
	const struct pkgdiff *d = pg->in->diff;
	const struct pkgset *o = pg->in->old;
	struct html *h = &pg->h;
	char sz[32], day[32];

	html_open(h, "section", "id", "diff", NULL);
	html_elem(h, "h2", "Changes since the older set", NULL);
	day_str(day, sizeof(day), o->date, "%Y-%m-%d");
	html_open(h, "p", "class", "note", NULL);
	html_textf(h, "From %s %s (%s, %s, %zu packages) to this bundle: %zu upgraded, %zu "
		   "downgraded, %zu rebuilt, %zu added, %zu removed; %zu of them from a security "
		   "suite; package bytes %s.", o->name, o->version, o->path, day, o->n,
		   d->count[PKGDIFF_UPGRADED], d->count[PKGDIFF_DOWNGRADED],
		   d->count[PKGDIFF_REBUILT], d->count[PKGDIFF_ADDED], d->count[PKGDIFF_REMOVED],
		   d->security, cli_size(sz, sizeof(sz), d->size_change, 1));
	html_close(h, "p");
	if (d->n) {
		html_open(h, "table", NULL);
		html_raw(h, "<thead><tr><th>Change</th><th>Package</th><th>Old version</th>"
			    "<th>New version</th><th class=\"num\">Size</th><th>From</th></tr></thead>");
		html_open(h, "tbody", NULL);
		for (size_t i = 0; i < d->n; i++)
			diff_row(h, &d->e[i]);
		html_close(h, "tbody");
		html_close(h, "table");
	} else {
		html_elem(h, "p", "The same packages, byte for byte.", "class", "note", NULL);
	}
	html_close(h, "section");
}

/* --- licenses --- */

struct lic_count {
	const char *name;
	size_t n;
};

static int cmp_lic(const void *a, const void *b)
{
	const struct lic_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->name, y->name);
}

#define TOP_LICENSES 18

static void license_chips(struct html *h, const struct lic_count *lc, size_t n)
{
	html_open(h, "div", "class", "chips", NULL);
	for (size_t j = 0; j < n; j++) {
		html_open(h, "span", "class", "chip", NULL);
		html_text(h, lc[j].name);
		html_textf(h, " ");
		html_open(h, "b", NULL);
		html_textf(h, "%zu", lc[j].n);
		html_close(h, "b");
		html_close(h, "span");
	}
	html_close(h, "div");
}

static void licenses_section(struct page *pg)
{
	const struct sbom *sb = pg->in->sb;
	struct html *h = &pg->h;
	struct lic_count *lc = NULL;
	size_t nlc = 0, none = 0;

	for (size_t i = 0; i < sb->n; i++) {
		none += sb->c[i].licenses.n == 0;
		for (size_t k = 0; k < sb->c[i].licenses.n; k++) {
			size_t j;

			for (j = 0; j < nlc && strcmp(lc[j].name, sb->c[i].licenses.v[k]); j++)
				;
			if (j == nlc) {
				lc = xrealloc(lc, (nlc + 1) * sizeof(*lc));
				lc[nlc++] = (struct lic_count){ sb->c[i].licenses.v[k], 0 };
			}
			lc[j].n++;
		}
	}
	if (nlc > 1)
		qsort(lc, nlc, sizeof(*lc), cmp_lic);
	html_open(h, "section", "id", "licenses", NULL);
	html_elem(h, "h2", "Licenses", NULL);
	html_open(h, "p", "class", "note", NULL);
	html_textf(h, "As the packages declare them in machine-readable form (DEP-5 copyright "
		   "files, rpm License tags), from the SBOM; %zu of %zu packages declare none "
		   "that way.", none, sb->n);
	html_close(h, "p");
	html_open(h, "div", "class", "panel", NULL);
	license_chips(h, lc, nlc < TOP_LICENSES ? nlc : TOP_LICENSES);
	if (nlc > TOP_LICENSES) {
		html_open(h, "details", NULL);
		html_open(h, "summary", NULL);
		html_textf(h, "%zu more license names, each declared by fewer packages",
			   nlc - TOP_LICENSES);
		html_close(h, "summary");
		license_chips(h, lc + TOP_LICENSES, nlc - TOP_LICENSES);
		html_close(h, "details");
	}
	html_close(h, "div");
	html_close(h, "section");
	free(lc);
}

/* --- every package, by module --- */

static void package_row(struct html *h, const struct sbom_component *c, uint64_t max)
{
	char sz[32], style[48];
	struct sbuf lic = SBUF_INIT, all = SBUF_INIT;

	/* Three names, and the rest on hover: some packages declare twenty. */
	for (size_t k = 0; k < c->licenses.n; k++) {
		sbuf_addf(&all, "%s%s", k ? ", " : "", c->licenses.v[k]);
		if (k < 3)
			sbuf_addf(&lic, "%s%s", k ? ", " : "", c->licenses.v[k]);
	}
	if (c->licenses.n > 3)
		sbuf_addf(&lic, " and %zu more", c->licenses.n - 3);
	snprintf(style, sizeof(style), "width:%.0f%%",
		 max ? 100.0 * (double)c->size / (double)max : 0.0);
	html_open(h, "tr", NULL);
	html_open(h, "td", NULL);
	html_elem(h, "code", c->name, NULL);
	if (c->requested) {
		html_text(h, " ");
		html_elem(h, "span", "requested", "class", "badge req", NULL);
	}
	html_close(h, "td");
	html_elem(h, "td", c->version, "class", "mono ver", NULL);
	html_elem(h, "td", cli_size(sz, sizeof(sz), (int64_t)c->size, 0), "class", "num", NULL);
	html_open(h, "td", "class", "barcell", NULL);
	html_elem(h, "span", "", "class", "bar", "style", style, NULL);
	html_close(h, "td");
	html_elem(h, "td", c->upstream ? c->upstream : "", "class", "nw", NULL);
	html_elem(h, "td", lic.buf ? lic.buf : "", "title", all.buf, NULL);
	html_close(h, "tr");
	sbuf_free(&lic);
	sbuf_free(&all);
}

static void packages_section(struct page *pg)
{
	const struct sbom *sb = pg->in->sb;
	struct html *h = &pg->h;
	uint64_t max = 0;
	char sz[32];

	for (size_t i = 0; i < sb->n; i++)
		if (sb->c[i].size > max)
			max = sb->c[i].size;
	html_open(h, "section", "id", "packages", NULL);
	html_elem(h, "h2", "All packages", NULL);
	for (size_t gi = 0; gi < pg->ng; gi++) {
		const struct group *g = &pg->g[gi];
		char style[48];

		if (!g->n)
			continue;
		snprintf(style, sizeof(style), "background:%s", palette[gi % NPALETTE]);
		html_open(h, "h3", NULL);
		html_elem(h, "span", "", "class", "sw", "style", style, NULL);
		html_text(h, g->name);
		html_open(h, "span", "class", "meta", NULL);
		html_textf(h, "%zu package%s \xc2\xb7 %s%s%s", g->n, g->n == 1 ? "" : "s",
			   cli_size(sz, sizeof(sz), (int64_t)g->bytes, 0), g->desc ? " \xc2\xb7 " : "",
			   g->desc ? g->desc : "");
		html_close(h, "span");
		html_close(h, "h3");
		html_open(h, "table", "class", "pk", NULL);
		html_raw(h, "<thead><tr><th>Package</th><th>Version</th><th class=\"num\">Size</th>"
			    "<th class=\"barcell\"></th><th>From</th><th>License</th></tr></thead>");
		html_open(h, "tbody", NULL);
		for (size_t k = 0; k < g->n; k++)
			package_row(h, &sb->c[g->idx[k]], max);
		html_close(h, "tbody");
		html_close(h, "table");
	}
	html_close(h, "section");
}

static void footer(struct page *pg)
{
	struct html *h = &pg->h;

	html_open(h, "footer", NULL);
	html_textf(h, "Made by pgbundle %s from %s and the SBOM it carries (" SBOM_FILE "; "
		   "`pgbundle sbom` prints it).", pg->in->tool_version, pg->in->path);
	html_close(h, "footer");
}

int report_render(const struct report_in *in, struct sbuf *out, struct pgb_err *err)
{
	struct page pg = { in, HTML_INIT, NULL, NULL, 0 };
	json_error_t je;
	char *title;
	int rc;

	pg.meta = json_loadb(in->r->meta.buf ? in->r->meta.buf : "", in->r->meta.len, 0, &je);
	if (!json_is_object(pg.meta)) {
		json_decref(pg.meta);
		return pgb_fail(err, "%s: its bundle.json is not a JSON object: %s", in->path,
				je.text);
	}
	build_groups(&pg);
	title = xasprintf("%s %s \xe2\x80\x94 pgbundle report", meta_str(&pg, "name"),
			  meta_str(&pg, "version"));
	head(&pg, title);
	html_open(&pg.h, "body", NULL);
	top(&pg);
	html_open(&pg.h, "main", "class", "wrap", NULL);
	cards(&pg);
	bundle_section(&pg);
	modules_section(&pg);
	extensions_section(&pg);
	if (in->old && in->diff)
		diff_section(&pg);
	licenses_section(&pg);
	packages_section(&pg);
	footer(&pg);
	html_close(&pg.h, "main");
	html_close(&pg.h, "body");
	html_close(&pg.h, "html");
	rc = html_finish(&pg.h, err);
	if (rc == 0) {
		sbuf_add(out, pg.h.out.buf, pg.h.out.len);
		sbuf_addc(out, '\n');
	}
	for (size_t i = 0; i < pg.ng; i++) {
		free(pg.g[i].name);
		free(pg.g[i].idx);
	}
	free(pg.g);
	free(title);
	json_decref(pg.meta);
	html_free(&pg.h);
	return rc;
}
