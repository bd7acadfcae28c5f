/*
 * fuzz_report.c - what `pgbundle report`, `diff` and `sbom` make of a
 * bundle's metadata once its signature checked (with the bundle's own key,
 * anyone's): the SBOM (builder/sbom.c sbom_parse), checked against the
 * signed Packages index (bundle_check.c bundle_report_sbom), the package
 * set (pkgdiff.c pkgset_from_bundle) and its difference from a real lock,
 * and the HTML page (report.c through html.c) with the recipes and the
 * extension catalog of the tree.
 * fuzz-options: -max_len=131072
 *
 * Input: PACKAGES FUZZ_SEP BUNDLE.JSON FUZZ_SEP BOM.CDX.JSON, the three
 * files bundle_check() keeps in memory (an index it would refuse goes no
 * further).
 *
 * Properties: the SBOM check fails naming the bundle, or the SBOM lists
 * exactly the index's packages with their versions and SHA-256 and every
 * dependency points at one of its components; the package set is sorted by
 * name with the index's count; the page renders and is markup only html.c
 * could have written: every '<' opens or closes a tag the report uses, every
 * attribute value is quoted and holds no '"' or '<', no tag comes from the
 * data (package names, versions, licenses, module names, bundle.json).
 *
 * Structure-aware: one of the three parts changes; the JSON ones with
 * jsonmut.c (CycloneDX and bundle.json vocabulary, markup), the index by
 * bytes.
 */
#include <string.h>

#include "bundle_check.h"
#include "deb822.h"
#include "extcat.h"
#include "fuzz.h"
#include "jsonmut.h"
#include "pkgdiff.h"
#include "recipes.h"
#include "report.h"
#include "sbom.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static struct recipes recipes;
static struct extcat catalog;
static struct pkgset old;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *dir = util_path_join(fuzz_srcdir(), "../../recipes");
	char *lock = util_path_join(fuzz_srcdir(), "corpus/lock/pgdg-d12");
	struct pgb_err err;

	if (recipes_load(&recipes, dir, &err) < 0 || extcat_load(&catalog, dir, &err) < 0 ||
	    pkgset_load(&old, lock, NULL, &recipes, &err) < 0) {
		fprintf(stderr, "fuzz_report: %s\n", err.msg);
		abort();
	}
	free(dir);
	free(lock);
	return 0;
}

/* The tags report.c writes (html_open/elem/void and its raw table heads). */
static const char *const tags[] = {
	"html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section",
	"footer", "h1", "h2", "h3", "p", "a", "b", "code", "span", "div", "dl", "dt", "dd",
	"details", "summary", "table", "thead", "tbody", "tr", "th", "td", "svg", "rect", "text",
	"g", NULL
};

static int known_tag(const char *s, size_t n)
{
	for (size_t i = 0; tags[i]; i++)
		if (strlen(tags[i]) == n && !memcmp(tags[i], s, n))
			return 1;
	return 0;
}

/* Every '<' starts a tag of the report's own, with quoted, escaped values. */
static void check_markup(const char *s, size_t len)
{
	static const char doctype[] = "<!DOCTYPE html>";
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);
		size_t n;

		if (!lt)
			break;
		i = (size_t)(lt - s);
		if (!strncmp(s + i, doctype, sizeof(doctype) - 1)) {
			i += sizeof(doctype) - 1;
			continue;
		}
		i++;
		if (i < len && s[i] == '/')
			i++;
		n = strspn(s + i, "abcdefghijklmnopqrstuvwxyz0123456789");
		if (!known_tag(s + i, n)) {
			fprintf(stderr, "markup at %zu: %.60s\n", i, s + i);
			FUZZ_ASSERT(!"a tag report.c writes");
		}
		i += n;
		while (i < len && s[i] == ' ') {	/* name="value" pairs */
			i++;
			i += strspn(s + i, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-:");
			FUZZ_ASSERT(i + 1 < len && s[i] == '=' && s[i + 1] == '"');
			i += 2;
			while (i < len && s[i] != '"') {
				FUZZ_ASSERT(s[i] != '<');
				i++;
			}
			FUZZ_ASSERT(i < len);
			i++;
		}
		FUZZ_ASSERT(i < len && s[i] == '>');
	}
}

static void check_sbom(const struct sbom *sb, const struct bundle_report *r)
{
	FUZZ_ASSERT(sb->n == r->npackages);
	for (size_t i = 0; i < sb->n; i++) {
		const struct sbom_component *c = &sb->c[i];

		FUZZ_ASSERT(c->ref && c->name && c->version && c->sha256 && c->purl && c->arch);
		for (size_t k = 0; k < c->ndeps; k++)
			FUZZ_ASSERT(c->deps[k] < sb->n);
	}
}

static void check_set(const struct pkgset *set, const struct bundle_report *r)
{
	FUZZ_ASSERT(set->n <= r->npackages);
	for (size_t i = 0; i < set->n; i++) {
		FUZZ_ASSERT(set->pkgs[i].name && set->pkgs[i].version && set->pkgs[i].sha256);
		if (i)
			FUZZ_ASSERT(strcmp(set->pkgs[i - 1].name, set->pkgs[i].name) <= 0);
	}
}

static void render(const struct bundle_report *r, const struct sbom *sb,
		   const struct pkgset *set)
{
	struct pkgdiff d;
	struct report_in in;
	struct sbuf page = SBUF_INIT;
	struct pgb_err err;

	pkgdiff_compute(&old, set, &d);
	in = (struct report_in){ "fuzz.run", r, sb, set, &old, &d, &recipes, &catalog, NULL,
				 "0" };
	if (report_render(&in, &page, &err) == 0) {
		check_markup(page.buf, page.len);
	} else {
		/* only bundle.json that is not JSON; never unbalanced markup */
		fuzz_debug("report: %s", err.msg);
		FUZZ_ASSERT(strstr(err.msg, "is not a JSON object"));
	}
	pkgdiff_free(&d);
	sbuf_free(&page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[3];
	struct bundle_report r;
	struct sbom sb;
	struct pkgset set;
	struct sbuf packages = SBUF_INIT;
	struct pgb_err err;
	int n;

	fuzz_split(data, size, part, 3);
	memset(&r, 0, sizeof(r));
	r.top = xstrdup("fuzz-1.d12.amd64");
	strcpy(r.signer, "939484324FBCB68F817BBDA4B0990826E5993DF9");
	r.key_embedded = 1;
	r.is_run = 1;
	sbuf_add(&packages, part[0].p, part[0].n);
	sbuf_add(&r.meta, part[1].p, part[1].n);
	sbuf_add(&r.sbom, part[2].p, part[2].n);
	n = bundle_report_parse_packages(&r, &packages, &err);
	sbuf_free(&packages);
	if (n < 0) {
		bundle_report_free(&r);
		return 0;
	}
	r.nfiles = r.npackages + 8;
	r.file_bytes = size;
	if (bundle_report_sbom(&r, "fuzz.run", &sb, &err) < 0) {
		fuzz_debug("sbom: %s", err.msg);
		FUZZ_ASSERT(strstr(err.msg, "fuzz.run") && sb.n == 0 && !sb.c);
	} else {
		check_sbom(&sb, &r);
		if (pkgset_from_bundle(&set, "fuzz.run", &r, &recipes, &err) == 0) {
			check_set(&set, &r);
			render(&r, &sb, &set);
			pkgset_free(&set);
		} else {
			fuzz_debug("pkgset: %s", err.msg);
			FUZZ_ASSERT(strstr(err.msg, "fuzz.run"));
		}
		sbom_free(&sb);
	}
	bundle_report_free(&r);
	return 0;
}

/* ---- the mutator: one part, JSON by value ---- */

static const char *const vocab[] = {
	"bomFormat", "CycloneDX", "specVersion", "1.5", "components", "bom-ref", "name",
	"version", "purl", "properties", "value", "pgbundle:upstream", "pgbundle:extensions",
	"pgbundle:requested", "pgbundle:size", "pgbundle:arch", "pgbundle:file",
	"pgbundle:license-from", "pgbundle:target", "pgbundle:family", "pgbundle:postgres",
	"hashes", "alg", "SHA-256", "content", "licenses", "license", "id", "expression",
	"dependencies", "ref", "dependsOn", "metadata", "component", "timestamp",
	"2026-12-03T04:21:56Z", "9999-99-99T99:99:99Z", "true", "postgresql-15", "libpq5",
	"vector", "pgsql", "pgbouncer", "patroni", "debian-security", "pgdg-apt",
	"module_packages", "modules", "extensions", "extension_info", "extension_names",
	"requested", "postgres", "postgres_packages", "postgres_upstreams", "packages_extra",
	"pgsql:postgresql-15", "<script>alert(1)</script>", "\" onmouseover=\"x", "</td>",
	"javascript:alert(1)", "&#60;", "GPL-2+", "PostgreSQL", "Apache-2.0 OR MIT",
	"99999999999999999999", "-1", NULL
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_part part[3];
	struct sbuf doc = SBUF_INIT, out = SBUF_INIT;
	unsigned which = seed % 3;
	size_t n;

	if (fuzz_split(data, size, part, 3) != 3)
		return LLVMFuzzerMutate(data, size, max);
	sbuf_add(&doc, part[which].p, part[which].n);
	sbuf_grow(&doc, 4096);
	n = which ? jsonmut_mutate((uint8_t *)doc.buf, doc.len, doc.len + 4096, seed / 3, vocab)
		  : 0;
	if (!n)
		n = LLVMFuzzerMutate((uint8_t *)doc.buf, doc.len, doc.len + 4096);
	doc.len = n;
	part[which] = (struct fuzz_part){ (const uint8_t *)doc.buf, doc.len };
	fuzz_join(&out, part, 3);
	n = fuzz_emit(data, max, &out);
	sbuf_free(&doc);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
